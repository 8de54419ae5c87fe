"""Commits, file listings, uploads and blob downloads (§9; catalogue rows 17–21)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from domino.server.auth import User, current_user
from domino.server.blobs import is_blob_key
from domino.server.errors import ApiError
from domino.server.repo import validate_path
from domino.server.routers.deps import (
    PlainJSONRoute,
    base_url,
    project_by_id,
    project_by_name,
    services,
)
from domino.server.services import Services

router = APIRouter(tags=["files"], route_class=PlainJSONRoute)


def _blob_url(request: Request, project: dict[str, Any], key: str) -> str:
    return f"{base_url(request)}/v1/projects/{project['owner_name']}/{project['name']}/blobs/{key}"


def _check_commit(svc: Services, project: dict[str, Any], commit_id: str) -> str:
    if len(commit_id) != 40 or not svc.repo.has_commit(project["id"], commit_id):
        raise ApiError(404, f"commit {commit_id!r} not found in this project")
    return commit_id


@router.get("/v1/projects/{owner}/{project}/commits")
def commits_list(
    owner: str, project: str, user: User = Depends(current_user), svc: Services = Depends(services)
) -> list[str]:
    """Commit ids, newest first (strings: what commit validation in clients compares)."""
    found = project_by_name(svc, user, owner, project)
    return svc.repo.list_commits(found["id"])


@router.get("/v1/projects/{owner}/{project}/files/{commit_id}")
@router.get("/v1/projects/{owner}/{project}/files/{commit_id}/{path:path}")
def files_list(
    request: Request,
    owner: str,
    project: str,
    commit_id: str,
    path: str = "",
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    found = project_by_name(svc, user, owner, project)
    _check_commit(svc, found, commit_id)
    prefix = validate_path(path, allow_root=True)
    entries = svc.repo.list_files(found["id"], commit_id, prefix)
    return {"data": [svc.repo.describe(p, e, _blob_url(request, found, e[0])) for p, e in entries]}


@router.put("/v1/projects/{owner}/{project}/{path:path}", status_code=201)
async def files_upload(
    request: Request,
    owner: str,
    project: str,
    path: str,
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> JSONResponse:
    """Raw request body → a new blob and a new head commit. The body is streamed to disk."""
    found = await run_in_threadpool(project_by_name, svc, user, owner, project)
    clean = validate_path(path)
    writer = await run_in_threadpool(svc.repo.blobs.writer)
    try:
        async for chunk in request.stream():
            if chunk:
                writer.write(chunk)
    except BaseException:
        writer.abort()
        raise
    key, size = await run_in_threadpool(writer.finish)
    _commit, entry = await run_in_threadpool(svc.repo.commit_blob, found["id"], clean, key, size)
    url = _blob_url(request, found, key)
    body = svc.repo.describe(clean, entry, url)
    return JSONResponse(body, status_code=201, headers={"Location": url})


def _blob_response(svc: Services, key: str) -> FileResponse:
    # Raw bytes with no Content-Encoding: clients read response.raw undecoded.
    return FileResponse(svc.repo.blobs.path(key), media_type="application/octet-stream")


@router.get("/v1/projects/{owner}/{project}/blobs/{key}")
def blobs_get(
    owner: str,
    project: str,
    key: str,
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> FileResponse:
    found = project_by_name(svc, user, owner, project)
    if not is_blob_key(key) or not svc.repo.project_has_blob(found["id"], key):
        raise ApiError(404, f"blob {key!r} not found in this project")
    return _blob_response(svc, key)


@router.get("/api/projects/v1/projects/{project_id}/files/{commit_id}/{path:path}/content")
def blobs_get_v2(
    project_id: str,
    commit_id: str,
    path: str,
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> FileResponse:
    found = project_by_id(svc, user, project_id)
    _check_commit(svc, found, commit_id)
    key, _size, _modified = svc.repo.file_entry(found["id"], commit_id, validate_path(path))
    return _blob_response(svc, key)
