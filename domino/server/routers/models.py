"""Models, model versions, image exports, the legacy project endpoint, and predictions
(domino-api-2x.md §3.3, §3.4, §7)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from domino.server.auth import User, current_user
from domino.server.errors import ApiError
from domino.server.models import EXPORT_TARGETS, ModelUnavailable
from domino.server.routers.deps import (
    PlainJSONRoute,
    base_url,
    check_id,
    project_by_id,
    project_by_name,
    row_and_visible_project,
    services,
)
from domino.server.services import Services

router = APIRouter(tags=["models"], route_class=PlainJSONRoute)


def _model(svc: Services, user: User, model_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    return row_and_visible_project(svc, user, "model", model_id, svc.models.get)


# -- Model Manager -------------------------------------------------------------------------------


@router.get("/v1/projects/{owner}/{project}/models")
def models_list(
    owner: str,
    project: str,
    request: Request,
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    found = project_by_name(svc, user, owner, project)
    rows = svc.models.for_project(found["id"])
    return {"objectType": "list", "data": [svc.models.view(r, base_url(request)) for r in rows]}


@router.post("/v1/models")
def model_publish(
    request: Request,
    body: dict[str, Any] = Body(...),
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    project = project_by_id(svc, user, body.get("projectId"))
    model = svc.models.create(project, body, user.id)
    return {"data": svc.models.view(model, base_url(request))}


@router.get("/v1/models/{model_id}/versions")
def model_versions(
    model_id: str, user: User = Depends(current_user), svc: Services = Depends(services)
) -> dict[str, Any]:
    model, _ = _model(svc, user, model_id)
    return {"data": [svc.models.version_view(v) for v in svc.models.versions(model["id"])]}


@router.post("/v1/models/{model_id}/versions")
def model_version_publish(
    model_id: str,
    body: dict[str, Any] = Body(...),
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    model, project = _model(svc, user, model_id)
    if body.get("projectId") not in (None, project["id"]):
        raise ApiError(400, "projectId does not match the model's project")
    view = svc.models.version_view(svc.models.publish_version(model, project, body, user.id))
    return {**view, "data": view}


@router.post("/v4/models/{model_id}/{version_id}/{target}")
def model_version_export(
    model_id: str,
    version_id: str,
    target: str,
    body: dict[str, Any] = Body(...),
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    if target not in EXPORT_TARGETS:
        raise ApiError(404, f"no route for POST /v4/models/.../{target}")
    model, _ = _model(svc, user, model_id)
    return svc.models.export(model["id"], check_id(version_id, "model version"), target, body)


def _export(svc: Services, user: User, export_id: str) -> str:
    export_id = check_id(export_id, "model export")
    _model(svc, user, svc.models.export_model_id(export_id))
    return export_id


@router.get("/v4/models/{export_id}/getExportImageStatus")
def model_export_status(
    export_id: str, user: User = Depends(current_user), svc: Services = Depends(services)
) -> dict[str, Any]:
    return svc.models.export_status(_export(svc, user, export_id))


@router.get("/v4/models/{export_id}/getExportLogs")
def model_export_logs(
    export_id: str, user: User = Depends(current_user), svc: Services = Depends(services)
) -> dict[str, Any]:
    return svc.models.export_logs(_export(svc, user, export_id))


# -- legacy project endpoint ---------------------------------------------------------------------


def _endpoint(svc: Services, project: dict[str, Any]) -> dict[str, Any] | None:
    rows = svc.models.for_project(project["id"], "endpoint")
    return rows[0] if rows else None


@router.get("/v1/{owner}/{project}/endpoint/state")
def endpoint_state(
    owner: str, project: str, user: User = Depends(current_user), svc: Services = Depends(services)
) -> dict[str, Any]:
    found = project_by_name(svc, user, owner, project)
    endpoint = _endpoint(svc, found)
    if endpoint is None:
        return {"isPublished": False, "status": "Stopped", "modelId": None}
    version = (
        svc.models.version(endpoint["id"], endpoint["active_version"])
        if endpoint["active_version"]
        else None
    )
    published = bool(endpoint["published"])
    return {
        "isPublished": published,
        "status": svc.models.processes.state(endpoint["id"]) if published else "Stopped",
        "modelId": endpoint["id"],
        "activeVersionId": endpoint["active_version"],
        "file": version["file"] if version else None,
        "function": version["function"] if version else None,
        "commitId": version["commit_id"] if version else None,
    }


@router.post("/v1/{owner}/{project}/endpoint/publishRelease")
def endpoint_publish(
    owner: str,
    project: str,
    body: dict[str, Any] = Body(...),
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    found = project_by_name(svc, user, owner, project)
    binding = body.get("bindingDefinition")
    if not isinstance(binding, dict):
        raise ApiError(400, "bindingDefinition {file, function} is required")
    spec = {"file": binding.get("file"), "function": binding.get("function")}
    spec["commitId"] = body.get("commitId")
    endpoint = _endpoint(svc, found)
    if endpoint is None:
        endpoint = svc.models.create(found, spec, user.id, kind="endpoint")
    else:
        svc.models.publish_version(endpoint, found, spec, user.id)
    return {"status": "Published", "modelId": endpoint["id"]}


@router.delete("/v1/{owner}/{project}/endpoint")
def endpoint_unpublish(
    owner: str, project: str, user: User = Depends(current_user), svc: Services = Depends(services)
) -> dict[str, Any]:
    found = project_by_name(svc, user, owner, project)
    endpoint = _endpoint(svc, found)
    if endpoint is not None:
        svc.models.unpublish(endpoint)
    return {"status": "Unpublished", "isPublished": False}


# -- predictions ---------------------------------------------------------------------------------


async def _predict(
    svc: Services, model: dict[str, Any], project: dict[str, Any], request: Request
) -> JSONResponse:
    raw = await request.body()
    try:
        body = json.loads(raw)
    except ValueError:
        raise ApiError(400, 'the request body must be JSON: {"data": ...}') from None
    if not isinstance(body, dict) or not ({"data", "parameters"} & body.keys()):
        raise ApiError(400, 'the request body must be {"data": ...} or {"parameters": [...]}')
    try:
        status, answer = await run_in_threadpool(svc.models.predict, model, project, raw)
    except ModelUnavailable as exc:
        return JSONResponse({"message": f"model {model['id']} is unavailable: {exc}"}, 503)
    if status != 200:
        message = answer.get("error") if isinstance(answer, dict) else None
        return JSONResponse({"message": f"the model failed: {message}"}, status)
    return JSONResponse(answer)


@router.post("/models/{model_id}/latest/model")
async def model_predict(
    model_id: str,
    request: Request,
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> JSONResponse:
    model, project = await run_in_threadpool(_model, svc, user, model_id)
    return await _predict(svc, model, project, request)


@router.post("/v1/{owner}/{project}/endpoint")
async def endpoint_predict(
    owner: str,
    project: str,
    request: Request,
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> JSONResponse:
    found = await run_in_threadpool(project_by_name, svc, user, owner, project)
    endpoint = await run_in_threadpool(_endpoint, svc, found)
    if endpoint is None:
        raise ApiError(404, f"project {owner}/{project} has no published endpoint")
    return await _predict(svc, endpoint, found, request)
