"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO

from fastapi import FastAPI

from domino.server import launch, openapi, uploads
from domino.server.errors import install_handlers
from domino.server.http_limits import BodyLimitMiddleware, HttpLimits
from domino.server.middleware import CatchAllMiddleware, CollapseSlashesMiddleware
from domino.server.routers import (
    apps,
    cost,
    datasets,
    environments,
    files,
    job_page,
    jobs,
    meta,
    metrics,
    models,
    projects,
    projects_v4,
    runs,
)
from domino.server.services import Services
from domino.server.store import Store

log = logging.getLogger(__name__)

UsersArg = Mapping[str, str] | Iterable[tuple[str, str]] | None


def _iter_users(users: UsersArg) -> list[tuple[str, str]]:
    if users is None:
        return []
    if isinstance(users, Mapping):
        return list(users.items())
    return [(name, key) for name, key in users]


def create_app(
    data_dir: Path | str,
    *,
    workers: int | None = None,
    users: UsersArg = None,
    stop_grace: float = 5.0,
    sandbox: bool | None = None,
    log_cap: int | None = None,
    http_limits: HttpLimits | None = None,
    admins: Iterable[str] = (),
    serving_lock: IO[bytes] | None = None,
) -> FastAPI:
    """Build the server for ``data_dir``.

    ``users`` (name → API key) are created if missing and given that key; a user called
    ``admin`` and every user named in ``admins`` (created if missing) is an administrator,
    no one else. ``workers`` bounds the number of executions running at once (default: number
    of CPUs). ``stop_grace`` is how long a stopped execution gets between SIGTERM and SIGKILL.
    ``sandbox``: None runs user code in the sandbox when this machine allows it, True requires
    it, False never uses it (see :mod:`domino.server.launch`). ``log_cap`` caps each
    execution's stored output (bytes); ``http_limits`` bounds requests
    (:mod:`domino.server.http_limits`). ``serving_lock`` is the data dir's lock when the caller
    already holds it (``domino-server serve`` takes it before anything else); otherwise the app
    takes it at start-up.
    """
    store = Store(data_dir)
    policy = launch.configure(store.data_dir, sandbox=sandbox, log_cap=log_cap)
    admin_names = set(admins)
    for name, key in _iter_users(users):
        store.add_user(name, key, is_admin=name == "admin" or name in admin_names)
    for name in sorted(admin_names):
        store.set_admin(name)
    services = Services.build(store, workers=workers, stop_grace=stop_grace)
    runner = services.runner

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Two servers on one data dir would each take the other's executions for crashed ones.
        lock = serving_lock or store.lock_for_serving()
        store.clean_temp()
        runner.recover_interrupted()
        services.apps.recover_interrupted()
        uploads.recover_interrupted(store)
        uploads.expire_stale_sessions(store)
        runner.start(housekeeping=lambda: uploads.expire_stale_sessions(store))
        try:
            yield
        finally:
            runner.shutdown()
            store.close()
            lock.close()

    app = FastAPI(
        title="domino-server",
        version=meta.SERVER_VERSION,
        description="A local, Domino-compatible REST API server. Routes under /_local/ are "
        "this server's own control API and do not exist on a real Domino deployment.",
        lifespan=lifespan,
        # Hand-written clients (curl, scripts) often omit Content-Type on JSON bodies.
        strict_content_type=False,
    )
    app.state.store = store
    app.state.runner = runner
    app.state.services = services
    app.state.sandbox = policy
    install_handlers(app)
    app.add_middleware(BodyLimitMiddleware, limits=http_limits or HttpLimits())
    app.add_middleware(CatchAllMiddleware)
    app.add_middleware(CollapseSlashesMiddleware)
    metrics.ensure_schema(store)
    for module in (meta, projects, files, runs, jobs, apps, datasets):
        app.include_router(module.router)
    for module in (projects_v4, environments, models, cost, metrics):
        app.include_router(module.router)
    app.include_router(uploads.router)
    app.include_router(job_page.router)
    openapi.install(app)
    return app
