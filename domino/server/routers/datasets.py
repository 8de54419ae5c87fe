"""Dataset CRUD (§13.1; catalogue rows 35–39). The upload protocol (rows 40–44) is in
:mod:`domino.server.uploads`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Response

from domino.server.auth import User, current_user
from domino.server.routers.deps import (
    PlainJSONRoute,
    project_by_id,
    row_in_visible_project,
    services,
)
from domino.server.services import Services

router = APIRouter(tags=["datasets"], route_class=PlainJSONRoute)


def _dataset(svc: Services, user: User, dataset_id: str) -> dict[str, Any]:
    return row_in_visible_project(svc, user, "dataset", dataset_id, svc.store.get_dataset)


@router.get("/dataset")
def datasets_list(
    projectId: str | None = None,  # noqa: N803 - wire name
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> list[dict[str, Any]]:
    if projectId:
        project_ids = [project_by_id(svc, user, projectId)["id"]]
    else:
        project_ids = [
            r["id"]
            for r in svc.store.query(
                "SELECT id FROM projects WHERE owner_id = ?"
                " UNION SELECT project_id FROM collaborators WHERE user_id = ?",
                (user.id, user.id),
            )
        ]
    return [svc.datasets.summary(r) for r in svc.datasets.list(project_ids)]


@router.post("/dataset")
def datasets_create(
    body: dict[str, Any] = Body(...),
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    project = project_by_id(svc, user, body.get("projectId"))
    description = body.get("description", body.get("datasetDescription"))
    row = svc.datasets.create(project["id"], body.get("datasetName"), description, user.id)
    return svc.datasets.details(row)


@router.get("/dataset/{dataset_id}")
def datasets_details(
    dataset_id: str, user: User = Depends(current_user), svc: Services = Depends(services)
) -> dict[str, Any]:
    return svc.datasets.details(_dataset(svc, user, dataset_id))


@router.patch("/dataset/{dataset_id}")
def datasets_update(
    dataset_id: str,
    body: dict[str, Any] | None = Body(None),
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    row = _dataset(svc, user, dataset_id)
    body = body or {}
    description = body.get("description", body.get("datasetDescription"))
    svc.datasets.update(row["id"], body.get("datasetName"), description)
    return svc.datasets.details(svc.datasets.require(row["id"]))


@router.delete("/dataset/{dataset_id}", status_code=204)
def datasets_remove(
    dataset_id: str, user: User = Depends(current_user), svc: Services = Depends(services)
) -> Response:
    row = _dataset(svc, user, dataset_id)
    svc.datasets.delete(row["id"])
    return Response(status_code=204)
