"""Shared fixtures for the end-to-end suite: our client against a live ``domino-server``.

The server comes from the ``domino.testing`` pytest plugin (one per session); every test gets a
freshly created project so that tests never see each other's runs, files, tags or datasets.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import domino

# The root conftest normally registers the plugin; a non-root conftest may not declare
# pytest_plugins, so fall back to importing the fixtures when the root one does not.
_ROOT_CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"
if not (_ROOT_CONFTEST.exists() and "domino.testing" in _ROOT_CONFTEST.read_text()):
    from domino.testing import (  # noqa: F401
        domino_client_factory,
        domino_server,
        fresh_project,
    )

# Test modules import their helpers as ``e2e_support`` whatever pytest's import mode is.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))


_BIG_INPUT = 8 << 20


@pytest.fixture(autouse=True)
def _drop_big_inputs(tmp_path: Path) -> Iterator[None]:
    """Delete a test's large random input files once it is done.

    pytest keeps the temporary directories of the last three sessions; the upload tests write
    close to 1 GB of random bytes per session, which would otherwise pile up in /tmp (a
    RAM-backed tmpfs on many CI machines).
    """
    yield
    for path in tmp_path.rglob("*"):
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_size >= _BIG_INPUT:
                path.unlink()
        except OSError:
            pass  # already gone, or not ours to remove: never fail a test over cleanup


@pytest.fixture
def project(fresh_project: str) -> str:
    """``admin/<unique name>``: a new, empty project owned by the server's admin user."""
    return fresh_project


@pytest.fixture
def client(domino_server: Any, project: str) -> Iterator[domino.Domino]:
    """Our client, authenticated as admin, pointed at the fresh project."""
    yield domino_server.client(project)


@pytest.fixture
def upload(client: domino.Domino) -> Callable[[str, str | bytes], None]:
    """Upload a file into the fresh project (text is encoded as UTF-8)."""

    def _upload(path: str, content: str | bytes) -> None:
        data = content.encode() if isinstance(content, str) else content
        response = client.files_upload(path, data)
        assert response.status_code in (200, 201), response.text

    return _upload
