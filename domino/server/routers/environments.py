"""Compute environments (domino-api-2x.md §3.2, §7): records with revisions, no image builds."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends

from domino.server.auth import User, current_user
from domino.server.routers.deps import PlainJSONRoute, services
from domino.server.services import Services

router = APIRouter(tags=["environments"], route_class=PlainJSONRoute)


@router.get("/v1/environments")
def environments_list(
    user: User = Depends(current_user), svc: Services = Depends(services)
) -> dict[str, Any]:
    return {"objectType": "list", "data": svc.environments.list(user.id, user.is_admin)}


@router.get("/v4/environments/defaultEnvironment")
def default_environment(
    user: User = Depends(current_user), svc: Services = Depends(services)
) -> dict[str, Any]:
    return svc.environments.default()


@router.get("/api/environments/v1/environments/{environment_id}")
def environment_get(
    environment_id: str, user: User = Depends(current_user), svc: Services = Depends(services)
) -> dict[str, Any]:
    return svc.environments.get(environment_id, user.id, user.is_admin)


@router.delete("/api/environments/v1/environments/{environment_id}")
def environment_archive(
    environment_id: str, user: User = Depends(current_user), svc: Services = Depends(services)
) -> dict[str, Any]:
    return svc.environments.archive(environment_id, user.id, user.is_admin)


@router.post("/api/environments/beta/environments")
def environment_create(
    body: dict[str, Any] = Body(...),
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    return svc.environments.create(body, user.id, user.is_admin)


@router.post("/api/environments/beta/environments/{environment_id}/revisions")
def revision_create(
    environment_id: str,
    body: dict[str, Any] = Body(...),
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    return svc.environments.add_revision(environment_id, body, user.id, user.is_admin)


@router.patch("/api/environments/beta/environments/{environment_id}/revisions/{revision_id}")
def revision_patch(
    environment_id: str,
    revision_id: str,
    body: dict[str, Any] = Body(...),
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    return svc.environments.patch_revision(
        environment_id, revision_id, body, user.id, user.is_admin
    )
