"""Apps as model products (§10; catalogue rows 22–26)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request

from domino.server.auth import User, current_user
from domino.server.routers.deps import (
    PlainJSONRoute,
    base_url,
    project_by_id,
    row_in_visible_project,
    services,
)
from domino.server.services import Services

router = APIRouter(tags=["apps"], route_class=PlainJSONRoute)


def _app(svc: Services, user: User, app_id: str) -> dict[str, Any]:
    return row_in_visible_project(svc, user, "app", app_id, svc.apps.get)


@router.get("/v4/modelProducts")
def apps_list(
    request: Request,
    projectId: str,  # noqa: N803 - wire name
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> list[dict[str, Any]]:
    project = project_by_id(svc, user, projectId)
    base = base_url(request)
    return [svc.apps.view(r, base) for r in svc.apps.list_for_project(project["id"])]


@router.post("/v4/modelProducts")
def app_create(
    request: Request,
    body: dict[str, Any] = Body(...),
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    """Clients send a full placeholder object (id of zeros, ns timestamps); we keep the name
    and description and assign everything else."""
    project = project_by_id(svc, user, body.get("projectId"))
    row = svc.apps.create(project["id"], user.id, body)
    return svc.apps.view(row, base_url(request))


@router.get("/v4/modelProducts/{app_id}")
def app_get(
    request: Request,
    app_id: str,
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    return svc.apps.view(_app(svc, user, app_id), base_url(request))


@router.post("/v4/modelProducts/{app_id}/start")
def app_start(
    request: Request,
    app_id: str,
    body: dict[str, Any] | None = Body(None),
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> str:
    """Runs app.sh from the head commit (or mainRepoGitRef commitId); answers the app id."""
    row = _app(svc, user, app_id)
    svc.apps.start(row, body or {}, user_id=user.id, api_host=base_url(request))
    return str(row["id"])


@router.post("/v4/modelProducts/{app_id}/stop")
def app_stop(
    app_id: str,
    force: bool = False,
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> str:
    row = _app(svc, user, app_id)
    svc.apps.stop(row["id"])
    return str(row["id"])


@router.get("/_local/apps/{app_id}", tags=["_local"])
def app_local_view(
    request: Request,
    app_id: str,
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    """Local control API: the app's status and the output of app.sh so far."""
    row = _app(svc, user, app_id)
    return {"app": svc.apps.view(row, base_url(request)), "log": svc.apps.log_text(row["id"])}
