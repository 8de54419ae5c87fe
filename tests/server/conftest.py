"""HTTP-level tests of domino-server: plain ``requests`` against a live server (no client facade).

The ``domino_server`` fixture (one server per session) comes from the ``domino.testing`` plugin,
registered by the root conftest; tests that need their own server (restarts, CLI) start one.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from domino.testing import LocalServer

_ROOT_CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"
if not (_ROOT_CONFTEST.exists() and "domino.testing" in _ROOT_CONFTEST.read_text()):
    from domino.testing import domino_server  # noqa: F401

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from server_support import Api, Project, unique  # noqa: E402


@pytest.fixture
def server(domino_server: LocalServer) -> LocalServer:
    return domino_server


@pytest.fixture
def api(server: LocalServer) -> Iterator[Api]:
    client = Api(server.url, server.headers())
    yield client
    client.session.close()


@pytest.fixture
def project(server: LocalServer, api: Api) -> Project:
    return Project(api, server.create_project())


@pytest.fixture
def other_user(server: LocalServer) -> tuple[str, Api]:
    """A second, non-admin user (name, Api)."""
    name = unique("user")
    return name, Api(server.url, server.headers(server.add_user(name)))
