"""Saved login profiles (``domino login``): host and API key in a private file.

The file is ``$XDG_CONFIG_HOME/domino/credentials`` (``~/.config/domino/credentials`` when the
variable is unset; ``%APPDATA%\\domino\\credentials`` on Windows), an INI file with one section
per profile::

    [default]
    host = https://domino.example.com
    api_key = ...

It is written atomically with mode 0600 inside a 0700 directory. The library reads it as the
*last* link of the credential chain (after every argument and ``DOMINO_*`` variable), and only
sends a saved key to the host it was saved for. ``DOMINO_PROFILE`` picks the profile
(default ``default``); the command line's ``--profile`` does the same for one command.
"""

from __future__ import annotations

import configparser
import contextlib
import contextvars
import logging
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

from domino import _config
from domino.exceptions import InvalidSettingError

__all__ = [
    "DEFAULT_PROFILE",
    "Profile",
    "credentials_path",
    "load",
    "remove",
    "save",
    "selected_name",
    "using",
]

logger = logging.getLogger(__name__)

DEFAULT_PROFILE = "default"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

# ``--profile`` of the command line, for the clients built while one command runs
_SELECTED: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "domino_profile", default=None
)


class Profile(NamedTuple):
    """One saved login. The repr never shows the key."""

    name: str
    host: str
    api_key: str

    def __repr__(self) -> str:
        return (
            f"Profile(name={self.name!r}, host={self.host!r}, "
            f"api_key={_config.mask(self.api_key)!r})"
        )


def _env(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def credentials_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where profiles are stored (the file need not exist).

    The location is the process's (``os.environ``), even when a mapping of ``DOMINO_*``
    settings is passed in; the mapping may override it.
    """
    env = {**os.environ, **(environ or {})}
    base = env.get("XDG_CONFIG_HOME")
    if not base and sys.platform == "win32":
        base = env.get("APPDATA")
    root = Path(base) if base else Path(env.get("HOME") or Path.home()) / ".config"
    return root / "domino" / "credentials"


def check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidSettingError(
            f"profile name {name!r} must be 1-64 letters, digits, '.', '_' or '-' "
            "(starting with a letter or digit)"
        )
    return name


def selected_name(environ: Mapping[str, str] | None = None) -> str:
    """The profile in use: ``using(...)`` of the command line, else ``DOMINO_PROFILE``."""
    chosen = _SELECTED.get() or _env(environ).get("DOMINO_PROFILE") or DEFAULT_PROFILE
    return check_name(chosen)


@contextlib.contextmanager
def using(name: str | None) -> Iterator[None]:
    """Clients built inside this block read profile ``name`` (``None``: the usual choice)."""
    token = _SELECTED.set(check_name(name) if name else None)
    try:
        yield
    finally:
        _SELECTED.reset(token)


def _read(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return parser
    except OSError as exc:
        logger.warning("cannot read saved Domino logins in %s: %s", path, exc.strerror or exc)
        return parser
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        logger.warning("ignoring %s: not a valid profile file (%s)", path, exc.__class__.__name__)
        return configparser.ConfigParser(interpolation=None)
    return parser


def load(name: str | None = None, environ: Mapping[str, str] | None = None) -> Profile | None:
    """The saved profile ``name`` (default: :func:`selected_name`), or ``None``."""
    name = check_name(name) if name else selected_name(environ)
    path = credentials_path(environ)
    parser = _read(path)
    if not parser.has_section(name):
        return None
    host = parser.get(name, "host", fallback="").strip()
    api_key = parser.get(name, "api_key", fallback="").strip()
    if not host or not api_key:
        logger.warning("profile %r in %s lacks a host or an api_key; ignoring it", name, path)
        return None
    _warn_if_shared(path)
    return Profile(name, host, api_key)


def _warn_if_shared(path: Path) -> None:
    if os.name != "posix":
        return
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        logger.warning(
            "%s can be read by other users (mode %o); run: chmod 600 %s",
            path,
            stat.S_IMODE(mode),
            path,
        )


def _write(path: Path, parser: configparser.ConfigParser) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".credentials-", dir=path.parent)
    try:
        os.chmod(tmp, 0o600)  # mkstemp already creates 0600; explicit for other platforms
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            parser.write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def save(profile: Profile, environ: Mapping[str, str] | None = None) -> Path:
    """Store (or replace) ``profile``; returns the file written."""
    check_name(profile.name)
    path = credentials_path(environ)
    parser = _read(path)
    if not parser.has_section(profile.name):
        parser.add_section(profile.name)
    parser.set(profile.name, "host", profile.host)
    parser.set(profile.name, "api_key", profile.api_key)
    _write(path, parser)
    return path


def remove(name: str | None = None, environ: Mapping[str, str] | None = None) -> bool:
    """Forget profile ``name``; the file goes when it holds no profile. ``False`` if absent."""
    name = check_name(name) if name else selected_name(environ)
    path = credentials_path(environ)
    parser = _read(path)
    if not parser.remove_section(name):
        return False
    if parser.sections():
        _write(path, parser)
    else:
        path.unlink(missing_ok=True)
    return True
