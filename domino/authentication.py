"""Credentials: ``requests`` auth classes and the ordered provider chain.

The chain has exactly the public client's precedence (domino-api.md §3.1)::

    api_proxy argument → auth_token argument → domino_token_file argument → api_key argument
    → DOMINO_API_PROXY → DOMINO_TOKEN_FILE → DOMINO_USER_API_KEY
    → the profile saved by ``domino login`` (last, so nothing a script relied on changes)

The first provider that finds something wins; when none does, :class:`NoCredentialsError`
lists what was tried and which ``DOMINO_*`` variables were present (secrets masked).
No repr, log line or error message here ever contains a key or token.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.auth import AuthBase

from domino import _config
from domino.constants import (
    DOMINO_API_PROXY,
    DOMINO_TOKEN_FILE_KEY_NAME,
    DOMINO_USER_API_KEY_KEY_NAME,
)
from domino.exceptions import (
    InvalidProxyError,
    NoCredentialsError,
    TokenFileError,
    TokenFileNotFoundError,
)

__all__ = [
    "DOMINO_API_PROXY",
    "DOMINO_TOKEN_FILE_KEY_NAME",
    "DOMINO_USER_API_KEY_KEY_NAME",
    "PROVIDERS",
    "ApiKeyAuth",
    "BearerAuth",
    "BearerTokenAuth",
    "DominoAuth",
    "ProxyAuth",
    "TokenFileAuth",
    "get_auth_by_type",
    "resolve_auth",
]

logger = logging.getLogger(__name__)

_PROXY_RE = re.compile(r"^(https?://)?([^/]+:[0-9]+)$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _header_secret(value: str, what: str) -> str:
    """A key or token fit for a header: surrounding whitespace (a trailing newline from a file
    or a mounted secret) dropped. http.client would otherwise refuse it with a ValueError that
    quotes the whole secret; a control character inside is refused here without quoting it."""
    cleaned = value.strip()
    if not cleaned:
        raise NoCredentialsError(f"{what} is empty")
    if _CONTROL.search(cleaned):
        raise NoCredentialsError(
            f"{what} contains a line break or other control character; check how it was "
            "copied (value not shown)"
        )
    return cleaned


class DominoAuth(AuthBase):
    """Base of the client's auth classes: can name the secrets it holds, for redaction."""

    #: short human name of the mode, e.g. "API key"
    kind = "credentials"

    def secrets(self) -> tuple[str, ...]:
        """Secret strings this auth has put on the wire (so errors can scrub them)."""
        return ()


class ApiKeyAuth(DominoAuth):
    """Sends the API key as ``X-Domino-Api-Key`` (the 2.2.0 wire format)."""

    kind = "API key"

    def __init__(self, api_key: str) -> None:
        self._api_key = _header_secret(api_key, "api_key")

    @property
    def api_key(self) -> str:
        """The key (the public client's attribute; never part of the repr)."""
        return self._api_key

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["X-Domino-Api-Key"] = self._api_key
        return r

    def secrets(self) -> tuple[str, ...]:
        return (self._api_key,)

    def __repr__(self) -> str:
        return f"ApiKeyAuth(api_key={_config.mask(self._api_key)!r})"


class BearerTokenAuth(DominoAuth):
    """Sends ``Authorization: Bearer <token>``."""

    kind = "bearer token"

    def __init__(self, token: str) -> None:
        self._token = _header_secret(token, "auth_token")

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self._token}"
        return r

    def secrets(self) -> tuple[str, ...]:
        return (self._token,)

    def __repr__(self) -> str:
        return f"BearerTokenAuth(token={_config.mask(self._token)!r})"


class TokenFileAuth(DominoAuth):
    """Bearer token read from the first line of a file, re-read on every request.

    Domino rotates the token by rewriting the file, so it is never cached. A missing file
    raises :class:`TokenFileNotFoundError` (a ``FileNotFoundError``) naming the path when a
    request is made, as the public client did.
    """

    kind = "token file"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._last_token: str | None = None

    def read_token(self) -> str:
        try:
            with self.path.open(encoding="utf-8") as f:
                first = f.readline()
        except FileNotFoundError:
            raise TokenFileNotFoundError(
                2, f"Domino token file {str(self.path)!r} does not exist", str(self.path)
            ) from None
        except OSError as exc:
            raise TokenFileError(
                f"Domino token file {str(self.path)!r} cannot be read: {exc.strerror or exc}"
            ) from None
        token = first.rstrip()
        if not token:
            raise TokenFileError(f"Domino token file {str(self.path)!r} is empty")
        if _CONTROL.search(token):
            raise TokenFileError(
                f"Domino token file {str(self.path)!r} holds a control character in its first "
                "line (token not shown)"
            )
        self._last_token = token
        return token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.read_token()}"
        return r

    def secrets(self) -> tuple[str, ...]:
        return (self._last_token,) if self._last_token else ()

    def __repr__(self) -> str:
        return f"TokenFileAuth(path={str(self.path)!r})"


class ProxyAuth(DominoAuth):
    """Sends every request to the in-run API proxy, which adds the credentials itself.

    The value must end in ``host:port``; without a scheme ``http://`` is assumed. Each
    request's ``scheme://host:port`` is replaced by the proxy's; no auth header is sent.
    """

    kind = "API proxy"

    def __init__(self, api_proxy: str) -> None:
        self.proxy = normalize_proxy(api_proxy)
        parts = urlsplit(self.proxy)
        self._scheme, self._netloc = parts.scheme, parts.netloc

    @property
    def api_proxy(self) -> str:
        """The normalised proxy URL (the public client's attribute name)."""
        return self.proxy

    def _replaceHostWithProxy(self, url: str) -> str:  # noqa: N802 - public client's name
        """``url`` with its ``scheme://host[:port]`` replaced by the proxy's."""
        parts = urlsplit(url)
        return urlunsplit((self._scheme, self._netloc, parts.path, parts.query, parts.fragment))

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        if r.url:
            r.url = self._replaceHostWithProxy(r.url)
        return r

    def __repr__(self) -> str:
        shown = self.proxy
        if "@" in self._netloc:  # user:password@ of a proxy never goes into logs
            shown = f"{self._scheme}://<hidden>@{self._netloc.rsplit('@', 1)[1]}"
        return f"ProxyAuth(proxy={shown!r})"


def normalize_proxy(proxy: str) -> str:
    """``host:port`` → ``http://host:port``; anything not ending in ``host:port`` is an error."""
    value = proxy.strip() if isinstance(proxy, str) else proxy
    match = _PROXY_RE.match(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidProxyError(
            f"Bad proxy URL {proxy!r}: expected 'host:port' or 'http(s)://host:port' "
            "(the port is required, no path)"
        )
    scheme = match.group(1) or "http://"
    return f"{scheme}{match.group(2)}"


# --------------------------------------------------------------------------- provider chain


class _Provider(NamedTuple):
    name: str
    build: Callable[[dict[str, str | None], Mapping[str, str]], AuthBase | None]


def _from(key: str, factory: Callable[[str], AuthBase]) -> Callable[..., AuthBase | None]:
    def build(args: dict[str, str | None], environ: Mapping[str, str]) -> AuthBase | None:
        value = args.get(key)
        return factory(value) if value else None

    return build


def _from_env(name: str, factory: Callable[[str], AuthBase]) -> Callable[..., AuthBase | None]:
    def build(args: dict[str, str | None], environ: Mapping[str, str]) -> AuthBase | None:
        value = environ.get(name)
        return factory(value) if value else None

    return build


def _from_saved_profile(args: dict[str, str | None], environ: Mapping[str, str]) -> AuthBase | None:
    from domino import _profile
    from domino.helpers import clean_host_url

    profile = _profile.load(environ=environ)
    if profile is None:
        return None
    host = args.get("host")
    if host and clean_host_url(profile.host) != host:
        # a key saved for one deployment is never sent to another
        logger.debug(
            "saved profile %r is for %s, not %s; not using it", profile.name, profile.host, host
        )
        return None
    return ApiKeyAuth(profile.api_key)


#: the chain, in precedence order (names appear in NoCredentialsError)
PROVIDERS: tuple[_Provider, ...] = (
    _Provider("api_proxy argument", _from("api_proxy", ProxyAuth)),
    _Provider("auth_token argument", _from("auth_token", BearerTokenAuth)),
    _Provider("domino_token_file argument", _from("domino_token_file", TokenFileAuth)),
    _Provider("api_key argument", _from("api_key", ApiKeyAuth)),
    _Provider("DOMINO_API_PROXY", _from_env("DOMINO_API_PROXY", ProxyAuth)),
    _Provider("DOMINO_TOKEN_FILE", _from_env("DOMINO_TOKEN_FILE", TokenFileAuth)),
    _Provider("DOMINO_USER_API_KEY", _from_env("DOMINO_USER_API_KEY", ApiKeyAuth)),
    _Provider("saved profile (domino login)", _from_saved_profile),
)


def resolve_auth(
    *,
    api_key: str | None = None,
    auth_token: str | None = None,
    domino_token_file: str | os.PathLike[str] | None = None,
    api_proxy: str | None = None,
    environ: Mapping[str, str] | None = None,
    host: str | None = None,
) -> AuthBase:
    """The auth of the first provider in :data:`PROVIDERS` that finds a credential.

    ``host`` (the cleaned base URL) limits the saved profile to the deployment it was saved
    for; without it a saved key is used for any host.

    Raises :class:`NoCredentialsError` (a ``RuntimeError``) when none does and
    :class:`InvalidProxyError` (a ``RuntimeError``) for a malformed proxy value.
    """
    env = os.environ if environ is None else environ
    args: dict[str, str | None] = {
        "api_key": api_key,
        "auth_token": auth_token,
        "domino_token_file": os.fspath(domino_token_file) if domino_token_file else None,
        "api_proxy": api_proxy,
        "host": host,
    }
    for provider in PROVIDERS:
        auth = provider.build(args, env)
        if auth is not None:
            logger.debug("authenticating with %s (from %s)", auth, provider.name)
            return auth
    seen = _config.seen_variables(env)
    seen_text = ", ".join(f"{k}={v}" for k, v in seen.items()) if seen else "none"
    tried = ", ".join(p.name for p in PROVIDERS)
    raise NoCredentialsError(
        "Unable to authenticate: no authentication provided. "
        f"Tried, in order: {tried}. DOMINO_* variables seen: {seen_text}. "
        "Pass api_key=... or set DOMINO_USER_API_KEY (or DOMINO_TOKEN_FILE / DOMINO_API_PROXY), "
        "or run `domino login`."
    )


# --------------------------------------------------------------------------- public 2.2.0 names


class BearerAuth(DominoAuth):
    """``Authorization: Bearer`` from ``auth_token``, else from the first line of
    ``domino_token_file`` (re-read on every request, so a rotated token is picked up).

    The public client's single bearer class; it delegates to :class:`BearerTokenAuth` or
    :class:`TokenFileAuth`.
    """

    kind = "bearer token"

    def __init__(
        self, auth_token: str | None = None, domino_token_file: str | os.PathLike[str] | None = None
    ) -> None:
        if not auth_token and not domino_token_file:
            raise NoCredentialsError("BearerAuth needs auth_token or domino_token_file")
        self.auth_token = auth_token
        self.domino_token_file = domino_token_file
        self._delegate: DominoAuth = (
            BearerTokenAuth(auth_token) if auth_token else TokenFileAuth(domino_token_file or "")
        )

    def _from_token_file(self) -> str:
        """The token file's first line (whitespace stripped)."""
        return TokenFileAuth(self.domino_token_file or "").read_token()

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        return self._delegate(r)

    def secrets(self) -> tuple[str, ...]:
        return self._delegate.secrets()

    def __repr__(self) -> str:
        return f"BearerAuth({self._delegate!r})"


def get_auth_by_type(
    api_key: str | None = None,
    auth_token: str | None = None,
    domino_token_file: str | os.PathLike[str] | None = None,
    api_proxy: str | None = None,
) -> AuthBase:
    """The public client's name for :func:`resolve_auth` (same precedence)."""
    return resolve_auth(
        api_key=api_key,
        auth_token=auth_token,
        domino_token_file=domino_token_file,
        api_proxy=api_proxy,
    )
