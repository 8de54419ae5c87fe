"""``GET /version`` and the local control API under ``/_local/`` (not part of Domino)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from domino.server import uploads
from domino.server.auth import User, current_user
from domino.server.errors import ApiError
from domino.server.routers.deps import PlainJSONRoute

router = APIRouter(route_class=PlainJSONRoute)

SERVER_VERSION = "5.11.0"


@router.get("/version")
def version() -> dict[str, Any]:
    # 5.x keeps the major version single-digit: client 1.2.4 compares versions as strings.
    return {
        "version": SERVER_VERSION,
        "buildId": "local",
        "buildUrl": "",
        "commitId": "local",
        "commitUrl": "",
        "timestamp": "2024-01-01T00:00:00Z",
        "server": "domino-server (local)",
    }


@router.get("/", include_in_schema=False)
def root() -> dict[str, Any]:
    return {"server": "domino-server (local)", "version": SERVER_VERSION, "docs": "/docs"}


@router.post("/_local/reset", tags=["_local"])
def local_reset(request: Request, user: User = Depends(current_user)) -> dict[str, Any]:
    """Wipe every project, execution, app, dataset and upload session; users and keys stay."""
    if not user.is_admin:
        raise ApiError(403, "only an admin may reset the server")
    state = request.app.state
    state.runner.reset()
    state.store.wipe_except_users()
    uploads.reset(state.store)
    return {"message": "reset"}
