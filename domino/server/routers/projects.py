"""Projects, users, collaborators and tags (§6, §7; catalogue rows 2–11)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from domino.server.auth import User, current_user
from domino.server.errors import ApiError
from domino.server.projects import person
from domino.server.routers.deps import (
    PlainJSONRoute,
    check_id,
    project_by_id,
    project_by_name,
    require_owner,
    services,
)
from domino.server.services import Services

router = APIRouter(tags=["projects"], route_class=PlainJSONRoute)


@router.get("/v4/gateway/projects/findProjectByOwnerAndName")
def find_project(
    ownerName: str,  # noqa: N803 - wire names
    projectName: str,  # noqa: N803
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    project = project_by_name(svc, user, ownerName, projectName)
    return svc.projects.summary(project)


def _create(svc: Services, user: User, name: Any, owner_name: Any, **kw: Any) -> dict[str, Any]:
    if not isinstance(name, str) or not name:
        raise ApiError(400, "projectName is required")
    owner_id = user.id
    if owner_name and owner_name != user.name:
        if not user.is_admin:
            raise ApiError(403, f"only an admin may create projects for {owner_name!r}")
        owner = svc.store.get_user_by_name(str(owner_name))
        if owner is None:
            raise ApiError(400, f"owner {owner_name!r} does not exist")
        owner_id = owner["id"]
    project = svc.projects.create(owner_id, name, **kw)
    return svc.projects.summary(project)


@router.post("/project")
async def project_create(
    request: Request,
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    """Legacy form-encoded create (``projectName``, ``ownerOverrideUsername``)."""
    form = await request.form()
    name = form.get("projectName") or request.query_params.get("projectName")
    owner = form.get("ownerOverrideUsername") or request.query_params.get("ownerOverrideUsername")
    return await run_in_threadpool(_create, svc, user, name, owner)


@router.post("/v4/projects")
def project_create_v4(
    body: dict[str, Any] = Body(...),
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    description = body.get("description") or ""
    visibility = body.get("visibility") or "Private"
    collaborators = body.get("collaborators") or []
    tags = body.get("tags") or {}
    if not isinstance(description, str) or not isinstance(visibility, str):
        raise ApiError(400, "description and visibility must be strings")
    if not isinstance(collaborators, list) or not all(isinstance(c, dict) for c in collaborators):
        raise ApiError(400, "collaborators must be a list of {collaboratorId, projectRole}")
    tag_names = (tags.get("tagNames") or []) if isinstance(tags, dict) else None
    if not isinstance(tag_names, list):
        raise ApiError(400, "tags must be {tagNames: [names]}")
    owner_name = None
    if body.get("ownerId"):
        owner = svc.store.get_user(str(body["ownerId"]))
        if owner is None:
            raise ApiError(400, f"owner {body['ownerId']!r} does not exist")
        owner_name = owner["name"]
    billing_tag = svc.cost.check_new_project(body.get("billingTag"))
    # One transaction: a bad collaborator or tag leaves no project behind.
    with svc.store.transaction():
        summary = _create(
            svc, user, body.get("name"), owner_name, description=description, visibility=visibility
        )
        project = svc.store.get_project(summary["id"])
        assert project is not None
        for collaborator in collaborators:
            if collaborator.get("collaboratorId"):
                svc.projects.add_collaborator(
                    project,
                    str(collaborator["collaboratorId"]),
                    str(collaborator.get("projectRole") or "Contributor"),
                )
        if tag_names:
            svc.projects.add_tags(project["id"], tag_names, user.id)
        if billing_tag:
            svc.cost.set_project_tag(project["id"], billing_tag)
        return svc.projects.summary(project)


@router.get("/v4/projects/{project_id}")
def project_get(
    project_id: str, user: User = Depends(current_user), svc: Services = Depends(services)
) -> dict[str, Any]:
    return svc.projects.summary(project_by_id(svc, user, project_id))


# -- users and collaborators ---------------------------------------------------------------------


@router.get("/v4/users")
def users_list(
    user: User = Depends(current_user), svc: Services = Depends(services)
) -> list[dict[str, Any]]:
    return svc.projects.users()


@router.get("/v4/users/self")
def users_self(
    user: User = Depends(current_user), svc: Services = Depends(services)
) -> dict[str, Any]:
    row = svc.store.get_user(user.id)
    assert row is not None
    return person(row)


@router.get("/{owner}/{project}/collaborators")
def collaborators_get(
    owner: str,
    project: str,
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> list[dict[str, Any]]:
    found = project_by_name(svc, user, owner, project)
    return svc.projects.collaborators(found["id"])


@router.post("/v4/projects/{project_id}/collaborators")
def collaborators_add(
    project_id: str,
    body: dict[str, Any] = Body(...),
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    project = project_by_id(svc, user, project_id)
    require_owner(user, project)
    collaborator = body.get("collaboratorId")
    if not isinstance(collaborator, str) or not collaborator:
        raise ApiError(400, "collaboratorId is required")
    role = body.get("projectRole") or "Contributor"
    svc.projects.add_collaborator(project, collaborator, str(role))
    return {"collaboratorId": collaborator, "projectRole": role}


@router.delete("/v4/projects/{project_id}/collaborators/{user_id}")
def collaborators_remove(
    project_id: str,
    user_id: str,
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    project = project_by_id(svc, user, project_id)
    # Collaborators may leave on their own; anyone else needs to be the owner.
    if user_id != user.id:
        require_owner(user, project)
    svc.projects.remove_collaborator(project["id"], user_id)
    return {"collaboratorId": user_id, "removed": True}


# -- tags ---------------------------------------------------------------------------------------


@router.post("/v4/projects/{project_id}/tags")
def tags_add(
    project_id: str,
    body: dict[str, Any] = Body(...),
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> list[dict[str, Any]]:
    project = project_by_id(svc, user, project_id)
    names = body.get("tagNames")
    if not isinstance(names, list) or not names:
        raise ApiError(400, "tagNames must be a non-empty list of tag names")
    # The v4 schema documents one object, but clients read response.json()[0]: an array.
    return svc.projects.add_tags(project["id"], names, user.id)


@router.delete("/v4/projects/{project_id}/tags/{tag_id}")
def tags_remove(
    project_id: str,
    tag_id: str,
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> JSONResponse:
    project = project_by_id(svc, user, project_id)
    svc.projects.remove_tag(project["id"], check_id(tag_id, "tag"))
    return JSONResponse({"id": tag_id, "removed": True})


@router.get("/projectTags/{tag_id}")
def tag_details(
    tag_id: str, user: User = Depends(current_user), svc: Services = Depends(services)
) -> dict[str, Any]:
    return svc.projects.tag_details(check_id(tag_id, "tag"), user.id)
