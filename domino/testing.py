"""Test support: a domino-server running in-process on a free port, and pytest fixtures.

Use it as a pytest plugin (``pytest_plugins = ["domino.testing"]`` in the root conftest) or
directly::

    with LocalServer() as server:
        d = server.client("admin/quick-start")
        d.files_upload("/main.py", io.BytesIO(b"print('hi')"))

Fixtures: ``domino_server`` (one server per test session), ``domino_client_factory``
(``factory(project="admin/quick-start", **kw) -> domino.Domino``) and ``fresh_project`` (a new,
uniquely named project owned by ``admin``, as ``"admin/<name>"``).

Needs the ``server`` extra (FastAPI, uvicorn): without it, starting a server raises
``ModuleNotFoundError`` naming the extra and how to install it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI

    from domino.domino import Domino
    from domino.server.http_limits import HttpLimits

__all__ = [
    "LocalServer",
    "domino_client_factory",
    "domino_server",
    "fresh_project",
]

ADMIN = "admin"


class LocalServer:
    """A domino-server on ``127.0.0.1:<free port>`` served by uvicorn in a background thread.

    ``data_dir`` defaults to a temporary directory that is removed on :meth:`stop`; pass a
    directory to keep the state (a second LocalServer on the same directory sees it all).
    ``api_key`` is the admin's key (random by default). ``workers`` defaults to at least 4 so
    that tests holding a few long-running executions do not queue behind each other.
    ``sandbox`` and ``http_limits`` are passed to ``create_app`` (sandbox None: used where the
    machine allows it).
    """

    def __init__(
        self,
        data_dir: Path | str | None = None,
        *,
        workers: int | None = None,
        api_key: str | None = None,
        stop_grace: float = 2.0,
        sandbox: bool | None = None,
        http_limits: HttpLimits | None = None,
    ) -> None:
        self._own_dir = data_dir is None
        self.data_dir = Path(data_dir) if data_dir is not None else Path()
        self.workers = workers or max(4, os.cpu_count() or 1)
        self.user = ADMIN
        self.api_key = api_key or ""
        self.stop_grace = stop_grace
        self.sandbox = sandbox
        self.http_limits = http_limits
        self.url = ""
        self.app: FastAPI | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> LocalServer:
        from domino.server import INSTALL_HINT, missing_dependencies

        missing = missing_dependencies()
        if missing:
            raise ModuleNotFoundError(
                f"domino.testing needs the 'server' extra ({', '.join(missing)} not installed): "
                f"{INSTALL_HINT}",
                name=missing[0],
            )
        import uvicorn

        from domino.server.app import create_app
        from domino.server.store import new_secret

        if self._own_dir:
            self.data_dir = Path(tempfile.mkdtemp(prefix="domino-server-"))
        self.api_key = self.api_key or new_secret()
        self.app = create_app(
            self.data_dir,
            workers=self.workers,
            users={ADMIN: self.api_key},
            stop_grace=self.stop_grace,
            sandbox=self.sandbox,
            http_limits=self.http_limits,
        )
        self.app.state.services.ensure_quick_start(ADMIN)
        # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted connections of
        # sockets that say they are TCP, and without it every response waits ~40 ms for a
        # delayed ACK. Setting it on the listener too covers both (Linux inherits it).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        from domino.server.http_limits import HttpLimits, protocol_for

        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_keep_alive=65,
            http=protocol_for(self.http_limits or HttpLimits()),
        )
        self._server = uvicorn.Server(config)
        server = self._server

        def serve() -> None:
            try:
                server.run(sockets=[sock])
            except SystemExit:
                pass  # uvicorn's way of reporting a failed startup; _wait_ready reports it
            finally:
                sock.close()

        self._thread = threading.Thread(target=serve, name="domino-local-server", daemon=True)
        self._thread.start()
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url + "/version", timeout=2) as resp:
                    if json.load(resp).get("version"):
                        return
            except (urllib.error.URLError, OSError, ValueError):
                pass
            if self._thread is not None and not self._thread.is_alive():
                if self.app is not None:
                    self.app.state.store.close()
                raise RuntimeError(
                    f"domino-server on {self.data_dir} failed to start (see the log; is another"
                    " server using this data dir?)"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"domino-server at {self.url} did not answer within {timeout}s")
            time.sleep(0.02)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop serving; running executions are killed; a temporary data dir is removed."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._server = None
        self._thread = None
        if self._own_dir and self.data_dir != Path() and self.data_dir.exists():
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- helpers -------------------------------------------------------------------------------

    def client(self, project: str = "admin/quick-start", **kw: Any) -> Domino:
        """A ``domino.Domino`` for ``project`` talking to this server as admin (by default)."""
        from domino import Domino

        kw.setdefault("api_key", self.api_key)
        kw.setdefault("host", self.url)
        client: Domino = Domino(project, **kw)
        return client

    def add_user(self, name: str) -> str:
        """Create user ``name`` (if needed) and return a new API key for it."""
        assert self.app is not None, "server not started"
        key: str = self.app.state.store.add_user(name)
        return key

    def token(self, name: str = ADMIN) -> str:
        """A new bearer token for ``name``."""
        assert self.app is not None, "server not started"
        token: str = self.app.state.store.issue_token(name)
        return token

    def create_project(self, name: str | None = None, owner: str = ADMIN) -> str:
        """Create a project (unique name by default); returns ``"owner/name"``."""
        assert self.app is not None, "server not started"
        services = self.app.state.services
        name = name or f"p-{uuid.uuid4().hex[:12]}"
        user = services.store.ensure_user(owner)
        services.projects.create(user["id"], name)
        return f"{owner}/{name}"

    def headers(self, api_key: str | None = None) -> dict[str, str]:
        return {"X-Domino-Api-Key": api_key or self.api_key}


# -- pytest fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def domino_server() -> Iterator[LocalServer]:
    """One domino-server for the whole test session."""
    with LocalServer() as server:
        yield server


@pytest.fixture
def domino_client_factory(domino_server: LocalServer) -> Callable[..., Domino]:
    """``factory(project="admin/quick-start", **kw)`` → a client for the session server."""

    def factory(project: str = "admin/quick-start", **kw: Any) -> Domino:
        return domino_server.client(project, **kw)

    return factory


@pytest.fixture
def fresh_project(domino_server: LocalServer) -> str:
    """A new project owned by admin, as ``"admin/<unique name>"``."""
    return domino_server.create_project()
