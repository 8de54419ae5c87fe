"""Public helpers kept for compatibility with the public ``dominodatalab`` client."""

from __future__ import annotations

import logging
import os
import socket
from urllib.parse import urlsplit

from domino.exceptions import InvalidSettingError, MissingHostError

__all__ = ["clean_host_url", "domino_is_reachable"]

logger = logging.getLogger(__name__)


def clean_host_url(url: str) -> str:
    """Reduce a Domino URL to ``scheme://host[:port]``, the base of every API route.

    As in the public client, any path, query or trailing slash is dropped (the API lives at
    the root of the origin). Unlike it, a value without a scheme (``domino.example.com`` or
    ``domino.example.com:8443``) is taken to mean ``https://`` — Domino deployments are
    served over HTTPS — instead of silently producing a broken URL; pass ``http://...``
    explicitly for a plain-HTTP server such as a local ``domino-server``.

    Raises:
        MissingHostError: ``url`` is empty.
        InvalidSettingError: the scheme is not http/https or there is no host name.
    """
    if not url or not str(url).strip():
        raise MissingHostError(
            "No Domino host: pass host=... or set DOMINO_API_HOST (e.g. https://domino.example.com)"
        )
    value = str(url).strip()
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if "@" in parts.netloc:
        # user:password@ would travel into reprs, logs and error messages; the client never
        # uses it (credentials come from the auth chain), so it is dropped unseen
        parts = parts._replace(netloc=parts.netloc.rsplit("@", 1)[1])
        logger.warning(
            "ignoring the user name/password in the Domino host URL: pass credentials as "
            "api_key, auth_token or domino_token_file instead"
        )
        url = parts.geturl()
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidSettingError(
            f"Domino host {url!r} must start with https:// or http:// (got {parts.scheme}://)"
        )
    if not parts.hostname:
        raise InvalidSettingError(f"Domino host {url!r} has no host name")
    try:
        parts.port  # noqa: B018 - validates the port number
    except ValueError:
        raise InvalidSettingError(f"Domino host {url!r} has an invalid port") from None
    if parts.path.strip("/"):
        logger.warning(
            "ignoring the path %r of Domino host %r: the API is served at the root of %s://%s",
            parts.path,
            url,
            scheme,
            parts.netloc,
        )
    return f"{scheme}://{parts.netloc}"


def domino_is_reachable(
    url: str | None = None, port: str | int | None = None, *, timeout: float = 5.0
) -> bool:
    """Whether a TCP connection to the Domino host can be opened.

    ``url`` defaults to ``DOMINO_API_HOST`` (read at call time, not at import time as the
    public client did). ``port`` defaults to the URL's own port, else 443 (80 for
    ``http://``); the public client always used 443 unless told otherwise. Never raises for
    an unreachable host; returns ``False`` and logs why.
    """
    if url is None:
        url = os.environ.get("DOMINO_API_HOST") or None
    if not url:
        return False
    parts = urlsplit(url if "://" in url else "https://" + url)
    host = parts.hostname
    if not host:
        logger.info("%r has no host name", url)
        return False
    try:
        if port is None:
            port_number = parts.port or (80 if parts.scheme == "http" else 443)
        else:
            port_number = int(port)
    except ValueError:
        logger.info("%r: invalid port %r", url, port)
        return False
    try:
        with socket.create_connection((host, port_number), timeout=timeout):
            return True
    except OSError as exc:
        logger.info("%s:%s is not reachable: %s", host, port_number, exc)
        return False
