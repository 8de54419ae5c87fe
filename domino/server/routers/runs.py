"""The legacy v1 Runs API (§8; catalogue rows 12–15) over the shared execution store."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request

from domino.server import catalogue
from domino.server.auth import User, current_user
from domino.server.errors import ApiError
from domino.server.routers.deps import (
    PlainJSONRoute,
    base_url,
    caller_secret,
    execution_in_project,
    project_by_name,
    services,
)
from domino.server.services import Services

router = APIRouter(tags=["runs"], route_class=PlainJSONRoute)


def _execution_in(svc: Services, project: dict[str, Any], run_id: str) -> dict[str, Any]:
    return execution_in_project(
        svc, project, run_id, "run", f"run {run_id!r} not found in this project"
    )


@router.get("/v1/projects/{owner}/{project}/runs")
def runs_list(
    request: Request,
    owner: str,
    project: str,
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    found = project_by_name(svc, user, owner, project)
    rows = svc.executions.list_for_project(found["id"])
    return {
        "objectType": "list",
        "uri": request.url.path,
        "data": [svc.executions.run_view(r) for r in rows],
    }


@router.post("/v1/projects/{owner}/{project}/runs")
def runs_start(
    request: Request,
    owner: str,
    project: str,
    body: dict[str, Any] = Body(...),
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    found = project_by_name(svc, user, owner, project)
    command = body.get("command")
    if isinstance(command, list):
        if not command or not all(isinstance(c, str) for c in command):
            raise ApiError(400, "command must be a non-empty list of strings")
    elif not isinstance(command, str) or not command.strip():
        raise ApiError(400, "command is required (a list of strings or a string)")
    commit_id = body.get("commitId")
    if commit_id is not None:
        if not isinstance(commit_id, str) or not svc.repo.has_commit(found["id"], commit_id):
            raise ApiError(400, f"commitId {commit_id!r} is not a commit of this project")
    else:
        commit_id = svc.repo.head(found["id"])
    tier = body.get("tier")
    if tier is not None and not isinstance(tier, str):
        raise ApiError(400, "tier must be a hardware tier name")
    tier_id = catalogue.resolve_tier_name(tier) if tier else catalogue.DEFAULT_TIER
    title = body.get("title")
    row = svc.executions.create(
        project_id=found["id"],
        user_id=user.id,
        kind="run",
        command=command,
        is_direct=bool(body.get("isDirect")),
        title=title if title else None,
        tier_id=tier_id,
        environment_id=catalogue.DEFAULT_ENVIRONMENT,
        input_commit=commit_id,
        options={"publishApiEndpoint": bool(body.get("publishApiEndpoint"))},
    )
    secret, kind = caller_secret(request)
    svc.runner.submit(row, caller_secret=secret, caller_kind=kind, api_host=base_url(request))
    return {
        "runId": row["id"],
        "message": f"Run for project {owner}/{project} started. You can view progress here: "
        f"{base_url(request)}/v1/projects/{owner}/{project}/runs/{row['id']}",
    }


@router.get("/v1/projects/{owner}/{project}/runs/{run_id}")
def runs_status(
    owner: str,
    project: str,
    run_id: str,
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    found = project_by_name(svc, user, owner, project)
    return svc.executions.run_view(_execution_in(svc, found, run_id))


@router.get("/v1/projects/{owner}/{project}/run/{run_id}/stdout")
def runs_stdout(
    owner: str,
    project: str,
    run_id: str,
    previewNumberOfLines: int | None = None,  # noqa: N803 - wire name
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, str]:
    """Always both keys; ``stdout`` holds stdout and stderr as written so far (only the last
    ``previewNumberOfLines`` lines when that is given)."""
    found = project_by_name(svc, user, owner, project)
    row = _execution_in(svc, found, run_id)
    if previewNumberOfLines is not None and previewNumberOfLines < 0:
        raise ApiError(400, "previewNumberOfLines must not be negative")
    stdout = svc.executions.read_log(row["id"], tail_lines=previewNumberOfLines)
    return {"setup": row["setup_log"], "stdout": stdout}
