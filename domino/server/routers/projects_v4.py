"""Projects v4 beyond create (list, archive, fork) and project billing tags
(domino-api-2x.md §3.1, §3.6, §7)."""

from __future__ import annotations

import shutil
from typing import Any

from fastapi import APIRouter, Body, Depends

from domino.server.auth import User, current_user
from domino.server.errors import ApiError
from domino.server.executions import TERMINAL
from domino.server.projects import validate_project_name
from domino.server.routers.cost import admin
from domino.server.routers.deps import PlainJSONRoute, project_by_id, require_owner, services
from domino.server.services import Services

router = APIRouter(tags=["projects"], route_class=PlainJSONRoute)

RELATIONSHIPS = ("Owned", "Collaborating", "Suggesting", "Popular")
# Rows that belong to one project, deleted with it (children first).
_PROJECT_TABLES = (
    "collaborators",
    "project_tags",
    "project_blobs",
    "commits",
    "executions",
    "apps",
    "datasets",
    "project_billing_tags",
)


def _owned_project(svc: Services, user: User, project_id: str, what: str) -> dict[str, Any]:
    """The project ``project_id`` if ``user`` may see it and owns it (or is an administrator)."""
    project = project_by_id(svc, user, project_id)
    require_owner(user, project, f"only the project owner or an administrator may {what}")
    return project


def _summary(svc: Services, project: dict[str, Any]) -> dict[str, Any]:
    return svc.projects.summary(project) | {"billingTag": svc.cost.project_tag(project["id"])}


@router.get("/v4/gateway/projects")
def projects_list(
    relationship: str = "Owned",
    showCompleted: str = "false",  # noqa: N803 - wire name; nothing is ever "completed" here
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> list[dict[str, Any]]:
    if relationship not in RELATIONSHIPS:
        raise ApiError(400, f"relationship must be one of {list(RELATIONSHIPS)}: {relationship!r}")
    if showCompleted not in ("true", "false"):
        raise ApiError(400, f"showCompleted must be true or false: {showCompleted!r}")
    base = "SELECT p.*, u.name AS owner_name FROM projects p JOIN users u ON u.id = p.owner_id"
    if relationship == "Owned":
        rows = svc.store.query(f"{base} WHERE p.owner_id = ? ORDER BY p.created", (user.id,))
    elif relationship == "Collaborating":
        rows = svc.store.query(
            f"{base} JOIN collaborators c ON c.project_id = p.id WHERE c.user_id = ?"
            " ORDER BY p.created",
            (user.id,),
        )
    else:  # Suggesting / Popular: public projects of other users
        rows = svc.store.query(
            f"{base} WHERE p.visibility = 'Public' AND p.owner_id != ? ORDER BY p.created",
            (user.id,),
        )
    return [_summary(svc, row) for row in rows]


@router.delete("/v4/projects/{project_id}")
def project_archive(
    project_id: str, user: User = Depends(current_user), svc: Services = Depends(services)
) -> dict[str, Any]:
    project = _owned_project(svc, user, project_id, "archive a project")
    busy = svc.store.query(
        "SELECT id, status FROM executions WHERE project_id = ?", (project["id"],)
    )
    if any(row["status"] not in TERMINAL for row in busy):
        raise ApiError(400, "the project has queued or running executions; stop them first")
    for app in svc.apps.list_for_project(project["id"]):
        svc.apps.stop(app["id"])
    datasets = svc.store.query("SELECT id FROM datasets WHERE project_id = ?", (project["id"],))
    svc.models.forget_project(project["id"])
    dataset_ids = [(row["id"],) for row in datasets]
    with svc.store.transaction() as tx:
        # upload sessions of its datasets, and the budget set for it, go with it
        tx.executemany(
            "DELETE FROM upload_chunks WHERE key IN"
            " (SELECT key FROM upload_sessions WHERE dataset_id = ?)",
            dataset_ids,
        )
        tx.executemany("DELETE FROM upload_sessions WHERE dataset_id = ?", dataset_ids)
        tx.execute("DELETE FROM budgets WHERE label = 'Project' AND label_id = ?", (project["id"],))
        for table in _PROJECT_TABLES:
            tx.execute(f"DELETE FROM {table} WHERE project_id = ?", (project["id"],))  # noqa: S608
        tx.execute("DELETE FROM projects WHERE id = ?", (project["id"],))
    for row in datasets:
        shutil.rmtree(svc.store.dataset_dir(row["id"]), ignore_errors=True)
    return {"id": project["id"], "name": project["name"], "archived": True}


@router.post("/v4/projects/{project_id}/fork")
def project_fork(
    project_id: str,
    body: dict[str, Any] = Body(...),
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    source = project_by_id(svc, user, project_id)
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise ApiError(400, "name (of the fork) is required")
    validate_project_name(name)
    tree = svc.repo.tree(source["id"], source["head_commit"])
    with svc.store.transaction() as tx:
        fork = svc.projects.create(
            user.id, name, description=source["description"], visibility=source["visibility"]
        )
        svc.repo.insert_commit(
            tx,
            fork["id"],
            fork["head_commit"],
            tree,
            f"Fork of {source['owner_name']}/{source['name']} at {source['head_commit']}",
        )
    forked = svc.store.get_project(fork["id"])
    assert forked is not None
    return _summary(svc, forked)


# -- project billing tags ------------------------------------------------------------------------


@router.get("/v4/projects/billingtags/projects")
def projects_by_billing_tag(
    offset: int = 0,
    pageSize: int = 10,  # noqa: N803 - wire names
    missingBillingTagOnly: bool = False,  # noqa: N803
    billingTag: str | None = None,  # noqa: N803
    nameFilter: str | None = None,  # noqa: N803
    sortBy: str | None = None,  # noqa: N803
    sortOrder: str | None = None,  # noqa: N803
    user: User = Depends(admin),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    if offset < 0 or not 1 <= pageSize <= 1000:
        raise ApiError(400, "offset must be >= 0 and pageSize between 1 and 1000")
    if sortBy not in (None, "name", "billingTag", "created"):
        raise ApiError(400, f"sortBy must be name, billingTag or created: {sortBy!r}")
    if sortOrder not in (None, "asc", "desc"):
        raise ApiError(400, f"sortOrder must be asc or desc: {sortOrder!r}")
    rows = svc.store.query(
        "SELECT p.*, u.name AS owner_name, b.tag FROM projects p"
        " JOIN users u ON u.id = p.owner_id"
        " LEFT JOIN project_billing_tags b ON b.project_id = p.id"
    )
    if missingBillingTagOnly:
        rows = [r for r in rows if r["tag"] is None]
    if billingTag is not None:
        rows = [r for r in rows if r["tag"] == billingTag]
    if nameFilter:
        rows = [r for r in rows if nameFilter.lower() in r["name"].lower()]
    key = {"billingTag": "tag", "created": "created"}.get(sortBy or "name", "name")
    rows.sort(key=lambda r: (r[key] is None, r[key] or ""), reverse=sortOrder == "desc")
    page = rows[offset : offset + pageSize]
    return {
        "page": [
            {
                "id": r["id"],
                "name": r["name"],
                "ownerUsername": r["owner_name"],
                "billingTag": {"tag": r["tag"]} if r["tag"] else None,
            }
            for r in page
        ],
        "totalMatches": len(rows),
    }


@router.post("/v4/projects/billingtags/projects")
def projects_billing_tags_bulk(
    body: dict[str, Any] = Body(...),
    user: User = Depends(admin),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    known = {r["id"] for r in svc.store.query("SELECT id FROM projects")}
    updated = svc.cost.bulk_update(body, known)
    return {"updated": len(updated), "projectIds": updated}


@router.get("/v4/projects/{project_id}/billingtag")
def project_billing_tag(
    project_id: str, user: User = Depends(current_user), svc: Services = Depends(services)
) -> dict[str, Any] | None:
    project = project_by_id(svc, user, project_id)
    return svc.cost.project_tag(project["id"])


@router.post("/v4/projects/{project_id}/billingtag")
def project_billing_tag_update(
    project_id: str,
    body: dict[str, Any] = Body(...),
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    project = _owned_project(svc, user, project_id, "change its billing tag")
    svc.cost.set_project_tag(project["id"], body.get("tag"))
    return _summary(svc, project)


@router.delete("/v4/projects/{project_id}/billingtag")
def project_billing_tag_reset(
    project_id: str, user: User = Depends(current_user), svc: Services = Depends(services)
) -> dict[str, Any]:
    project = _owned_project(svc, user, project_id, "change its billing tag")
    svc.cost.reset_project_tag(project["id"])
    return _summary(svc, project)
