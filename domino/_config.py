"""Every ``DOMINO_*`` setting the client reads, declared once.

:data:`SETTINGS` is the single table (environment variable, default, whether it is a secret,
one line of documentation); the README's environment-variable table is generated from it.
The readers below take an optional ``environ`` mapping so tests never need to touch
``os.environ``. An empty value counts as unset, as in the public client.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import NamedTuple

from domino.exceptions import InvalidSettingError

__all__ = [
    "SETTINGS",
    "Setting",
    "configure_logging",
    "default_timeout",
    "max_retries",
    "read",
    "request_deadline",
    "seen_variables",
    "settings_table",
    "verify_certificate",
]

logger = logging.getLogger(__name__)


class Setting(NamedTuple):
    """One environment variable the client understands."""

    env: str
    default: str | None
    secret: bool
    doc: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DOMINO_API_HOST",
        None,
        False,
        "Base URL of the Domino deployment (`https://` if no scheme); used without a `host` arg.",
    ),
    Setting(
        "DOMINO_USER_API_KEY",
        None,
        True,
        "API key, used when no credential argument is given (sent as `X-Domino-Api-Key`).",
    ),
    Setting(
        "DOMINO_TOKEN_FILE",
        None,
        False,
        "File whose first line is a bearer token; re-read on every request.",
    ),
    Setting(
        "DOMINO_API_PROXY",
        None,
        False,
        "In-run API proxy (`host:port` or `http://host:port`); it adds the credentials.",
    ),
    Setting(
        "DOMINO_PROFILE",
        "default",
        False,
        "Which profile saved by `domino login` to use (the last resort for host and key).",
    ),
    Setting(
        "DOMINO_LOG_LEVEL",
        None,
        False,
        "Level of the `domino` logger (e.g. `DEBUG`); invalid values are ignored with a warning.",
    ),
    Setting(
        "DOMINO_VERIFY_CERTIFICATE",
        "true",
        False,
        "`false`/`no`/`0`/`off` (any case) turn TLS certificate checks off (a warning is logged).",
    ),
    Setting(
        "DOMINO_MAX_RETRIES",
        "4",
        False,
        "Retries for failed connections and 408/429/500/502/503/504 answers to idempotent "
        "requests; 0 = off.",
    ),
    Setting(
        "DOMINO_HTTP_TIMEOUT",
        "10,60",
        False,
        "Request timeout in seconds: `30` for both, or `connect,read` such as `5,60`.",
    ),
    Setting(
        "DOMINO_REQUEST_DEADLINE",
        "120",
        False,
        "Seconds one API call may take in all, retries and their waits included (each "
        "attempt's timeouts are cut to what is left); `0` = no overall limit.",
    ),
)

_BY_NAME: dict[str, Setting] = {s.env: s for s in SETTINGS}

_FALSE = frozenset({"false", "f", "n", "no", "0", "off"})
_TRUE = frozenset({"true", "t", "y", "yes", "1", "on"})

# Names that look secret even if they are not declared above (e.g. a future DOMINO_*_TOKEN).
_SECRET_MARKERS = ("KEY", "TOKEN", "SECRET", "PASSWORD")


def _env(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def read(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The value of ``name``, or its declared default when unset or empty."""
    value = _env(environ).get(name)
    if value:
        return value
    setting = _BY_NAME.get(name)
    return setting.default if setting is not None else None


def _is_secret(name: str) -> bool:
    setting = _BY_NAME.get(name)
    if setting is not None:
        return setting.secret
    return any(marker in name for marker in _SECRET_MARKERS)


def mask(value: str) -> str:
    """A stand-in for a secret that says whether it was set, never what it is."""
    return "<empty>" if not value else f"<hidden, {len(value)} chars>"


def seen_variables(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every ``DOMINO_*`` variable present, with secret values masked (for error messages)."""
    seen: dict[str, str] = {}
    for name, value in sorted(_env(environ).items()):
        if not name.startswith("DOMINO_"):
            continue
        if _is_secret(name):
            seen[name] = mask(value)
        else:
            seen[name] = value if value else "<empty>"
    return seen


def verify_certificate(environ: Mapping[str, str] | None = None) -> bool:
    """Whether TLS certificates are verified (``DOMINO_VERIFY_CERTIFICATE``)."""
    raw = read("DOMINO_VERIFY_CERTIFICATE", environ) or "true"
    value = raw.strip().lower()
    if value in _FALSE:
        logger.warning(
            "TLS certificate verification is OFF (DOMINO_VERIFY_CERTIFICATE=%s); "
            "connections to Domino can be intercepted",
            raw,
        )
        return False
    if value in _TRUE:
        return True
    raise InvalidSettingError(
        f"DOMINO_VERIFY_CERTIFICATE={raw!r} is not a yes/no value "
        "(use 'false' to turn verification off, 'true' to keep it on; for a private CA, "
        "point REQUESTS_CA_BUNDLE at its certificate file)"
    )


def max_retries(environ: Mapping[str, str] | None = None) -> int:
    """``DOMINO_MAX_RETRIES`` as a non-negative int (default 4)."""
    raw = read("DOMINO_MAX_RETRIES", environ) or "4"
    try:
        value = int(raw.strip())
    except ValueError:
        raise InvalidSettingError(
            f"DOMINO_MAX_RETRIES={raw!r} is not a whole number (e.g. 4, or 0 for no retries)"
        ) from None
    if value < 0:
        raise InvalidSettingError(f"DOMINO_MAX_RETRIES={raw!r} must not be negative")
    return value


def parse_timeout(raw: str, *, source: str = "DOMINO_HTTP_TIMEOUT") -> tuple[float, float]:
    """``"30"`` → ``(30.0, 30.0)``; ``"5,60"`` → ``(5.0, 60.0)``; anything else is an error."""
    parts = [p.strip() for p in raw.split(",")]
    try:
        if len(parts) == 1:
            connect = read_ = float(parts[0])
        elif len(parts) == 2:
            connect, read_ = float(parts[0]), float(parts[1])
        else:
            raise ValueError(raw)
    except ValueError:
        raise InvalidSettingError(
            f"{source}={raw!r} is not a timeout: use seconds ('30') or 'connect,read' ('5,60')"
        ) from None
    # NaN and inf pass float(); neither is a usable socket timeout.
    if not (0 < connect < float("inf") and 0 < read_ < float("inf")):
        raise InvalidSettingError(f"{source}={raw!r}: timeouts must be positive and finite")
    return connect, read_


def default_timeout(environ: Mapping[str, str] | None = None) -> tuple[float, float]:
    """The ``(connect, read)`` timeout for every request (``DOMINO_HTTP_TIMEOUT``)."""
    return parse_timeout(read("DOMINO_HTTP_TIMEOUT", environ) or "10,60")


def request_deadline(environ: Mapping[str, str] | None = None) -> float | None:
    """``DOMINO_REQUEST_DEADLINE`` in seconds (default 120); ``None`` when it is ``0`` (off)."""
    raw = read("DOMINO_REQUEST_DEADLINE", environ) or "120"
    try:
        value = float(raw.strip())
    except ValueError:
        value = float("nan")
    if not (0 <= value < float("inf")):
        raise InvalidSettingError(
            f"DOMINO_REQUEST_DEADLINE={raw!r} is not a number of seconds (e.g. 120, or 0 for none)"
        )
    return value or None


def configure_logging(environ: Mapping[str, str] | None = None) -> None:
    """Set the ``domino`` logger's level from ``DOMINO_LOG_LEVEL`` (and nothing else).

    Unlike the public client this never calls ``logging.basicConfig`` and never touches the
    root logger; an unknown level is reported with a warning and otherwise ignored.
    """
    raw = _env(environ).get("DOMINO_LOG_LEVEL")
    if not raw:
        return
    value = raw.strip().upper()
    level: int | None
    if value.isdigit():
        level = int(value)
    else:
        candidate = logging.getLevelName(value)
        level = candidate if isinstance(candidate, int) else None
    if level is None:
        logger.warning(
            "ignoring DOMINO_LOG_LEVEL=%r: not a logging level (use DEBUG, INFO, WARNING, ...)",
            raw,
        )
        return
    logging.getLogger("domino").setLevel(level)


def settings_table() -> str:
    """The settings as an AsciiDoc table (for README.adoc)."""
    rows = ['[cols="1m,1,3",options="header"]', "|===", "|Variable |Default |Meaning", ""]
    for s in SETTINGS:
        default = s.default if s.default is not None else "(unset)"
        secret = " Secret: never logged or shown." if s.secret else ""
        rows.append(f"|{s.env} |{default} |{s.doc}{secret}")
    rows.append("|===")
    return "\n".join(rows)
