"""``DominoHook``: a :class:`domino.Domino` client built from an Airflow connection.

Connection type ``domino`` (default id ``domino_default``):

- **host**: the deployment's URL (``https://domino.example.com``; a bare host name means https,
  a ``port`` field is appended);
- **password**: an API key, or a bearer token when extra ``auth_type`` is ``"token"``;
- **extra** (JSON): ``project`` (``owner/name``, used when the operator names none),
  ``token_file``, ``api_proxy``, ``verify_ssl`` (``false`` turns TLS verification off) and
  ``auth_type`` (``"api_key"``, the default, or ``"token"``).

Each setting is taken from the first place that has it: the operator's (or hook's) explicit
argument, then the connection, then the ``DOMINO_*`` environment the client reads anyway. The
default connection may be absent (then only arguments and environment count); a connection id
the user named explicitly must exist.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from domino.airflow._compat import AirflowNotFoundException, BaseHook, aget_connection
from domino.airflow._provider import UI_FIELD_BEHAVIOUR

if TYPE_CHECKING:
    from domino.domino import Domino

__all__ = ["DominoHook", "DominoSettings"]

logger = logging.getLogger(__name__)

DEFAULT_CONN_ID = "domino_default"
_FALSE = {"false", "no", "0", "off"}


@dataclass(frozen=True)
class DominoSettings:
    """Where and as whom to connect, after the precedence rules; secrets are never in the repr."""

    host: str | None = None
    api_key: str | None = field(default=None, repr=False)
    auth_token: str | None = field(default=None, repr=False)
    domino_token_file: str | None = None
    api_proxy: str | None = None
    verify: bool | None = None
    project: str | None = None
    #: whether an Airflow connection was found (the default one may be absent)
    from_connection: bool = False


def _extra(connection: Any) -> dict[str, Any]:
    raw = getattr(connection, "extra", None)
    if not raw:
        return {}
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw)
    except ValueError:
        raise ValueError(
            f"the extra of Airflow connection {getattr(connection, 'conn_id', '?')!r} is not "
            "valid JSON"
        ) from None
    return value if isinstance(value, dict) else {}


def _connection_host(connection: Any, extra: dict[str, Any]) -> str | None:
    host = (getattr(connection, "host", None) or "").strip()
    if not host:
        return None
    if "://" not in host:
        host = f"{extra.get('scheme') or 'https'}://{host}"
    port = getattr(connection, "port", None)
    if port and not urlsplit(host).port:
        host = f"{host.rstrip('/')}:{port}"
    return host


def _verify(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in _FALSE


class DominoHook(BaseHook):
    """Builds :class:`domino.Domino` clients from a ``domino`` connection.

    Args:
        domino_conn_id: the Airflow connection (default ``domino_default``, which may be absent).
        host, api_key, auth_token, domino_token_file, api_proxy: explicit settings that win
            over the connection and the environment.

    Constructing the hook does no I/O; the connection is read when a client is built.

    Example::

        client = DominoHook().get_client("alice/churn")
        client.job_start("train.py")
    """

    conn_name_attr = "domino_conn_id"
    default_conn_name = DEFAULT_CONN_ID
    conn_type = "domino"
    hook_name = "Domino"

    def __init__(
        self,
        domino_conn_id: str = DEFAULT_CONN_ID,
        *,
        host: str | None = None,
        api_key: str | None = None,
        auth_token: str | None = None,
        domino_token_file: str | os.PathLike[str] | None = None,
        api_proxy: str | None = None,
    ) -> None:
        super().__init__()
        self.domino_conn_id = domino_conn_id
        self._explicit = DominoSettings(
            host=host,
            api_key=api_key,
            auth_token=auth_token,
            domino_token_file=os.fspath(domino_token_file) if domino_token_file else None,
            api_proxy=api_proxy,
        )

    def __repr__(self) -> str:
        return f"DominoHook(domino_conn_id={self.domino_conn_id!r})"

    # ------------------------------------------------------------------ settings

    def _lookup_connection(self) -> Any:
        try:
            return self.get_connection(self.domino_conn_id)
        except AirflowNotFoundException:
            if self.domino_conn_id == DEFAULT_CONN_ID:
                return None
            raise

    async def _alookup_connection(self) -> Any:
        try:
            return await aget_connection(self.domino_conn_id)
        except AirflowNotFoundException:
            if self.domino_conn_id == DEFAULT_CONN_ID:
                return None
            raise

    def settings_from(self, connection: Any) -> DominoSettings:
        """Explicit arguments over ``connection`` (may be ``None``); the client adds the
        environment for whatever is still missing."""
        explicit = self._explicit
        extra = _extra(connection) if connection is not None else {}
        has_explicit_credentials = any(
            (explicit.api_key, explicit.auth_token, explicit.domino_token_file, explicit.api_proxy)
        )
        api_key = auth_token = token_file = proxy = None
        if has_explicit_credentials:
            api_key, auth_token = explicit.api_key, explicit.auth_token
            token_file, proxy = explicit.domino_token_file, explicit.api_proxy
        elif connection is not None:
            secret = getattr(connection, "password", None) or None
            if str(extra.get("auth_type") or "api_key").lower() == "token":
                auth_token = secret
            else:
                api_key = secret
            token_file = extra.get("token_file") or None
            proxy = extra.get("api_proxy") or None
        return DominoSettings(
            host=explicit.host or (_connection_host(connection, extra) if connection else None),
            api_key=api_key,
            auth_token=auth_token,
            domino_token_file=token_file,
            api_proxy=proxy,
            verify=_verify(extra.get("verify_ssl")),
            project=extra.get("project") or None,
            from_connection=connection is not None,
        )

    @property
    def has_explicit_secret(self) -> bool:
        """Whether a key or token was passed as an argument (the triggerer cannot get it)."""
        return bool(self._explicit.api_key or self._explicit.auth_token)

    # ------------------------------------------------------------------ clients

    def client_for(self, settings: DominoSettings, project: str | None = None) -> Domino:
        """A client for ``project`` (default: the connection's ``project``) with ``settings``."""
        from domino.domino import Domino

        name = project or settings.project
        if not name:
            raise ValueError(
                "no Domino project: pass project='owner/name' or set extra.project on "
                f"the Airflow connection {self.domino_conn_id!r}"
            )
        kwargs: dict[str, Any] = {
            "api_key": settings.api_key,
            "host": settings.host,
            "domino_token_file": settings.domino_token_file,
            "auth_token": settings.auth_token,
            "api_proxy": settings.api_proxy,
        }
        from domino.exceptions import MissingHostError, NoCredentialsError

        try:
            if settings.verify is False:
                return _UnverifiedDomino(name, **kwargs)
            return Domino(name, **kwargs)
        except (MissingHostError, NoCredentialsError) as exc:
            # the client's message names arguments and DOMINO_* variables; in Airflow the usual
            # cause is the connection, so say what was wrong with it
            missing = "host" if isinstance(exc, MissingHostError) else "password (API key)"
            raise type(exc)(f"{exc} {self._connection_hint(settings, missing)}") from None

    def _connection_hint(self, settings: DominoSettings, missing: str) -> str:
        conn_id = self.domino_conn_id
        if settings.from_connection:
            return f"In Airflow: the connection {conn_id!r} has no {missing}."
        return (
            f"In Airflow: the connection {conn_id!r} is not defined (create it, or set "
            f"AIRFLOW_CONN_{conn_id.upper()})."
        )

    def get_client(self, project: str | None = None) -> Domino:
        """A client for ``project``; reads the connection (no other I/O than ``GET /version``)."""
        return self.client_for(self.settings_from(self._lookup_connection()), project)

    async def aget_client(self, project: str | None = None) -> Domino:
        """:meth:`get_client` for async code: the connection is fetched without blocking the
        event loop and the client is built in a worker thread."""
        settings = self.settings_from(await self._alookup_connection())
        return await asyncio.to_thread(self.client_for, settings, project)

    def get_conn(self) -> Domino:
        """A client for the connection's own ``project`` (Airflow's hook protocol)."""
        return self.get_client()

    def test_connection(self) -> tuple[bool, str]:
        """Used by the UI's "Test" button: can we reach the deployment with these credentials?"""
        try:
            settings = self.settings_from(self._lookup_connection())
            client = self.client_for(settings, settings.project or "-/-")
            version = client.deployment_version().get("version")
        except Exception as exc:
            return False, f"{type(exc).__name__}: {exc}"
        return True, f"connected to Domino {version}"

    # ------------------------------------------------------------------ connection form (2.10)

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Extra fields of the connection form on Airflow 2.10 (3.x reads provider info)."""
        from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
        from flask_babel import lazy_gettext
        from wtforms import BooleanField, StringField

        def text(label: str) -> Any:
            return StringField(lazy_gettext(label), widget=BS3TextFieldWidget())

        return {
            "project": text("Project (owner/name)"),
            "token_file": text("Token file"),
            "api_proxy": text("API proxy (host:port)"),
            "auth_type": text("Password is (api_key or token)"),
            "verify_ssl": BooleanField(lazy_gettext("Verify TLS certificates"), default=True),
        }

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Relabel and hide the standard fields on Airflow 2.10."""
        return dict(UI_FIELD_BEHAVIOUR)


@functools.cache
def _unverified_domino_class() -> type:
    from domino.domino import Domino

    class UnverifiedDomino(Domino):
        """A client whose session skips TLS verification (connection extra ``verify_ssl``)."""

        def authenticate(self, *args: Any, **kwargs: Any) -> None:
            super().authenticate(*args, **kwargs)
            self._http.verify = False
            self._http.session.verify = False

    return UnverifiedDomino


def _UnverifiedDomino(project: str, **kwargs: Any) -> Domino:  # noqa: N802 - a factory
    logger.warning("TLS certificate verification is OFF (connection extra verify_ssl=false)")
    client: Domino = _unverified_domino_class()(project, **kwargs)
    return client
