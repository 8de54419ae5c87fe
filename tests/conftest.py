"""Suite-wide test setup.

Every test starts with no ``DOMINO_*`` environment variables, so a developer's own
credentials or host can never leak into (or change the outcome of) a test. Upload resume state
goes to a per-session cache directory instead of ``~/.cache``, and loopback traffic bypasses
any HTTP proxy the machine is configured with.
"""

from __future__ import annotations

import importlib.util
import os
import uuid
from pathlib import Path

import pytest

# The local-server fixtures (domino_server, ...) live in domino.testing; register them once
# that module exists.
pytest_plugins = ["domino.testing"] if importlib.util.find_spec("domino.testing") else []

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def pytest_configure(config: pytest.Config) -> None:
    # Every server the suite talks to is on 127.0.0.1; a CI box with http_proxy set (and no
    # no_proxy) would otherwise send those requests, and the jobs' own, to the proxy.
    # Set in os.environ so that subprocesses (jobs, the demo, the public client) inherit it.
    for name in ("no_proxy", "NO_PROXY"):
        present = [h.strip() for h in os.environ.get(name, "").split(",") if h.strip()]
        missing = [h for h in _LOOPBACK if h not in present]
        if missing:
            os.environ[name] = ",".join(present + missing)


@pytest.fixture(scope="session")
def _session_cache_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("xdg-cache")


@pytest.fixture(autouse=True)
def _clear_domino_environment(monkeypatch: pytest.MonkeyPatch, _session_cache_home: Path) -> None:
    for name in list(os.environ):
        if name.startswith("DOMINO_"):
            monkeypatch.delenv(name, raising=False)
    # Interrupted uploads leave resume state behind; keep it out of the developer's (or the CI
    # user's, possibly read-only) home directory. Tests that inspect it set their own.
    monkeypatch.setenv("XDG_CACHE_HOME", str(_session_cache_home))
    # Profiles saved by `domino login` live under the config dir: never the developer's own,
    # and a fresh (not yet created) one per test so a login never leaks into another test.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(_session_cache_home / f"config-{uuid.uuid4().hex}"))
