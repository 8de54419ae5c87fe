"""domino-server: a local, Domino-compatible REST API server (extra ``server``).

Layout (moto-style: backends know nothing of HTTP, routers are thin)::

    app.py          create_app(data_dir, workers=, users=): wiring, lifespan, error handlers
    __main__.py     the ``domino-server`` command line (serve / add-user / token / keys)
    store.py        Store: SQLite (WAL) + data_dir layout, users and credentials, access checks
    keys.py         how credentials are hashed (SHA-256 for generated, scrypt for chosen ones)
    blobs.py        content-addressed file storage (sha1 keys, atomic writes)
    repo.py         immutable commits over blobs, path validation
    projects.py     projects, collaborators, users, tags
    executions.py   the one execution store behind v1 runs and v4 jobs, and their views
    runner.py       worker pool running executions as real processes
    launch.py       starting user code (sandbox, process records, capped logs), ending its tree
    outputs.py      reading an execution's results safely and within limits; deep deletes
    logtail.py      reading logs from the end
    apps.py         model products (apps): app.sh as a long-lived process
    datasets.py     dataset rows and their files directory
    catalogue.py    hardware tiers, environments, Spark defaults, cluster validation
    services.py     the backends of one server, shared by the routers
    routers/        one module per resource family (routes of domino-api.md §5)
    uploads.py      the dataset upload protocol (§13.2) and /_local/datasets/{id}/files
    _upload_*.py    its multipart reader, End's file placement, and upload path checks
    middleware.py   collapse ``//`` in request paths; unexpected errors as JSON 500
    http_limits.py  body caps (413), body and header read timeouts
    openapi.py      the OpenAPI document declares the error statuses routes answer

Routes under ``/_local/`` are this server's own control API and do not exist on Domino.
The server never imports client internals: it is an independent check of the client.
"""

from __future__ import annotations

import importlib.util

#: import names of the ``server`` extra's packages
SERVER_EXTRA_MODULES = ("fastapi", "uvicorn", "python_multipart")
INSTALL_HINT = "pip install 'dominodatalab[server]' (or pip install -e '.[server]' in a checkout)"


def missing_dependencies() -> list[str]:
    """The ``server`` extra's packages that are not installed (without importing them)."""
    return [name for name in SERVER_EXTRA_MODULES if importlib.util.find_spec(name) is None]
