"""The v4 Jobs API (§11; catalogue rows 16, 27–34) over the shared execution store, plus the
catalogues jobs are validated against (hardware tiers, environments, Spark defaults)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Body, Depends, Request

from domino.server import catalogue
from domino.server.auth import User, current_user
from domino.server.errors import ApiError
from domino.server.routers.deps import (
    PlainJSONRoute,
    base_url,
    caller_secret,
    project_by_id,
    row_in_visible_project,
    services,
)
from domino.server.services import Services

router = APIRouter(tags=["jobs"], route_class=PlainJSONRoute)


def _job(svc: Services, user: User, job_id: Any) -> dict[str, Any]:
    if not isinstance(job_id, str):
        raise ApiError(400, "jobId is required")
    return row_in_visible_project(svc, user, "job", job_id, svc.executions.get)


def _optional_str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"{key} must be a string")
    return value


def _submit(svc: Services, request: Request, row: dict[str, Any]) -> None:
    secret, kind = caller_secret(request)
    svc.runner.submit(row, caller_secret=secret, caller_kind=kind, api_host=base_url(request))


@router.post("/v4/jobs/start")
def job_start(
    request: Request,
    body: dict[str, Any] = Body(...),
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    project = project_by_id(svc, user, body.get("projectId"))
    command = body.get("commandToRun")
    if not isinstance(command, str) or not command.strip():
        raise ApiError(400, "commandToRun is required (a command line string)")
    commit_id = _optional_str(body, "commitId")
    if commit_id is not None and not svc.repo.has_commit(project["id"], commit_id):
        raise ApiError(400, f"commitId {commit_id!r} is not a commit of this project")
    tier = body.get("overrideHardwareTierId")
    tier_id = (
        catalogue.resolve_tier_id(tier, field="overrideHardwareTierId")
        if tier
        else catalogue.DEFAULT_TIER
    )
    env_id = _optional_str(body, "environmentId") or catalogue.DEFAULT_ENVIRONMENT
    catalogue.environment(env_id)
    options: dict[str, Any] = {}
    if body.get("computeClusterProperties") is not None:
        cluster = catalogue.validate_compute_cluster(body["computeClusterProperties"])
        catalogue.environment(cluster["computeEnvironmentId"])
        options["computeClusterProperties"] = cluster
    elif body.get("onDemandSparkClusterProperties") is not None:
        options["onDemandSparkClusterProperties"] = catalogue.validate_spark(
            body["onDemandSparkClusterProperties"]
        )
    mounts = body.get("externalVolumeMounts")
    if mounts is not None:
        if not isinstance(mounts, list) or not all(isinstance(m, str) for m in mounts):
            raise ApiError(400, "externalVolumeMounts must be a list of ids")
        options["externalVolumeMounts"] = mounts
    ref = body.get("mainRepoGitRef")
    if ref is not None:
        if not isinstance(ref, dict) or ref.get("type") not in ("branches", "tags", "commitId"):
            raise ApiError(400, "mainRepoGitRef must be {type: branches|tags|commitId, value}")
        options["mainRepoGitRef"] = ref
    row = svc.executions.create(
        project_id=project["id"],
        user_id=user.id,
        kind="job",
        command=command,
        is_direct=False,
        title=_optional_str(body, "title"),
        tier_id=tier_id,
        environment_id=env_id,
        input_commit=commit_id or svc.repo.head(project["id"]),
        options=options,
    )
    _submit(svc, request, row)
    return svc.executions.job_view(row)


@router.post("/v4/jobs/stop")
def job_stop(
    body: dict[str, Any] = Body(...),
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    row = _job(svc, user, body.get("jobId"))
    project_id = body.get("projectId")
    if project_id is not None and project_id != row["project_id"]:
        raise ApiError(400, f"job {row['id']} does not belong to project {project_id!r}")
    commit = body.get("commitResults", True)
    svc.runner.stop(row["id"], commit_results=commit is not False)
    updated = svc.executions.get(row["id"])
    assert updated is not None
    return svc.executions.job_view(updated)


@router.post("/v4/jobs/restart")
def job_restart(
    request: Request,
    body: dict[str, Any] = Body(...),
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    old = _job(svc, user, body.get("jobId"))
    original = body.get("shouldUseOriginalInputCommit", True)
    row = svc.executions.create(
        project_id=old["project_id"],
        user_id=user.id,
        kind=old["kind"],
        command=json.loads(old["command"]),
        is_direct=bool(old["is_direct"]),
        title=old["title"],
        tier_id=old["hardware_tier_id"],
        environment_id=old["environment_id"],
        input_commit=old["input_commit"]
        if original is not False
        else svc.repo.head(old["project_id"]),
        options=json.loads(old["options"]),
    )
    _submit(svc, request, row)
    return svc.executions.job_view(row)


@router.get("/v4/jobs")
def jobs_list(
    projectId: str,  # noqa: N803 - wire name
    order_by: str = "number",
    sort_by: str = "desc",
    page_size: int | None = None,
    page_no: int = 1,
    show_archived: str = "false",
    status: str = "all",
    tag: str | None = None,
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    project = project_by_id(svc, user, projectId)
    rows, total = svc.executions.page(
        project["id"],
        order_by=order_by,
        sort_by=sort_by,
        page_size=page_size,
        page_no=page_no,
        show_archived=show_archived.lower() == "true",
        status=status,
        tag=tag,
    )
    return {
        "jobs": [svc.executions.job_view(r) for r in rows],
        "totalCount": total,
        "pagination": {
            "pageSize": page_size if page_size is not None else total,
            "pageNo": page_no,
            "sortBy": sort_by.lower(),
            "orderBy": order_by,
        },
        "dominoStatColumns": [],
    }


@router.get("/v4/jobs/{job_id}")
def job_status(
    job_id: str, user: User = Depends(current_user), svc: Services = Depends(services)
) -> dict[str, Any]:
    return svc.executions.job_view(_job(svc, user, job_id))


@router.get("/v4/jobs/{job_id}/runtimeExecutionDetails")
def job_runtime_execution_details(
    job_id: str, user: User = Depends(current_user), svc: Services = Depends(services)
) -> dict[str, Any]:
    return svc.executions.runtime_details(_job(svc, user, job_id))


@router.get("/v4/jobs/project/{project_id}/defaultSparkSettings")
def default_spark_settings(
    project_id: str, user: User = Depends(current_user), svc: Services = Depends(services)
) -> dict[str, Any]:
    project_by_id(svc, user, project_id)
    return catalogue.default_spark_settings()


@router.get("/v4/projects/{project_id}/hardwareTiers")
def hardware_tiers(
    project_id: str, user: User = Depends(current_user), svc: Services = Depends(services)
) -> list[dict[str, Any]]:
    project_by_id(svc, user, project_id)
    return catalogue.hardware_tiers()


@router.get("/v4/projects/{project_id}/useableEnvironments")
def useable_environments(
    project_id: str, user: User = Depends(current_user), svc: Services = Depends(services)
) -> dict[str, Any]:
    project_by_id(svc, user, project_id)
    return svc.environments.useable(user.id, user.is_admin)
