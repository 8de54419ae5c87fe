"""Projects: creation (form and v4), lookup, collaborators, users and tags."""

from __future__ import annotations

import re

from server_support import Api, Project, unique

from domino.testing import LocalServer


def test_project_create_form_returns_200_and_project_is_findable(api: Api) -> None:
    name = unique()
    response = api.post("/project", data={"projectName": name}, headers={"Csrf-Token": "nocheck"})
    assert response.status_code == 200
    found = api.ok(
        "GET", f"/v4/gateway/projects/findProjectByOwnerAndName?ownerName=admin&projectName={name}"
    )
    assert re.fullmatch(r"[0-9a-f]{24}", found["id"])
    assert found["name"] == name and found["ownerUsername"] == "admin"


def test_new_project_has_an_initial_commit(project: Project) -> None:
    commits = project.commits()
    assert len(commits) == 1 and re.fullmatch(r"[0-9a-f]{40}", commits[0])
    assert project.files(commits[0]) == {}


def test_admin_may_create_a_project_for_another_owner(
    server: LocalServer, api: Api, other_user: tuple[str, Api]
) -> None:
    name, bob = other_user
    project = unique()
    response = api.post("/project", data={"projectName": project, "ownerOverrideUsername": name})
    assert response.status_code == 200
    assert bob.get(f"/v1/projects/{name}/{project}/runs").status_code == 200


def test_non_admin_cannot_create_projects_for_others(other_user: tuple[str, Api]) -> None:
    _, bob = other_user
    response = bob.post(
        "/project", data={"projectName": unique(), "ownerOverrideUsername": "admin"}
    )
    assert response.status_code == 403


def test_invalid_project_names_are_400(api: Api) -> None:
    for bad in ("", "has space", "../x", "a/b", "x" * 200):
        response = api.post("/project", data={"projectName": bad})
        assert response.status_code == 400, bad


def test_unknown_project_is_404(api: Api) -> None:
    response = api.get(
        "/v4/gateway/projects/findProjectByOwnerAndName?ownerName=admin&projectName=nope-nope"
    )
    assert response.status_code == 404
    assert api.get("/v4/projects/0123456789abcdef01234567").status_code == 404
    assert api.get("/v4/projects/not-an-id").status_code == 404


def test_project_create_v4_with_tags(api: Api) -> None:
    body = {"name": unique(), "visibility": "Private", "tags": {"tagNames": ["alpha"]}}
    created = api.ok("POST", "/v4/projects", json=body)
    assert [t["name"] for t in created["tags"]] == ["alpha"]


def test_collaborator_gains_and_loses_access(project: Project, api: Api, other_user) -> None:
    name, bob = other_user
    assert bob.get(f"{project.v1}/runs").status_code == 403
    users = api.ok("GET", "/v4/users")
    bob_id = next(u["id"] for u in users if u["userName"] == name)
    response = api.post(
        f"/v4/projects/{project.id}/collaborators",
        json={"collaboratorId": bob_id, "projectRole": "Contributor"},
    )
    assert response.status_code == 200
    assert response.json() == {"collaboratorId": bob_id, "projectRole": "Contributor"}
    assert bob.get(f"{project.v1}/runs").status_code == 200
    collaborators = api.ok("GET", f"/{project.owner}/{project.name}/collaborators")
    assert [c["username"] for c in collaborators] == [name]
    assert api.delete(f"/v4/projects/{project.id}/collaborators/{bob_id}").status_code == 200
    assert bob.get(f"{project.v1}/runs").status_code == 403


def test_only_the_owner_manages_collaborators(project: Project, api: Api, server) -> None:
    carol_name = unique("carol")
    carol = Api(server.url, server.headers(server.add_user(carol_name)))
    users = {u["userName"]: u["id"] for u in api.ok("GET", "/v4/users")}
    api.ok(
        "POST",
        f"/v4/projects/{project.id}/collaborators",
        json={"collaboratorId": users[carol_name], "projectRole": "Contributor"},
    )
    response = carol.post(
        f"/v4/projects/{project.id}/collaborators",
        json={"collaboratorId": users["admin"], "projectRole": "Contributor"},
    )
    assert response.status_code == 403


def test_collaborator_role_and_user_are_validated(project: Project, api: Api) -> None:
    bad_role = api.post(
        f"/v4/projects/{project.id}/collaborators",
        json={"collaboratorId": "0123456789abcdef01234567", "projectRole": "Contributor"},
    )
    assert bad_role.status_code == 404
    users = api.ok("GET", "/v4/users")
    response = api.post(
        f"/v4/projects/{project.id}/collaborators",
        json={"collaboratorId": users[0]["id"], "projectRole": "Emperor"},
    )
    assert response.status_code == 400


def test_tags_add_returns_an_array_and_is_idempotent(project: Project, api: Api) -> None:
    first = api.ok("POST", f"/v4/projects/{project.id}/tags", json={"tagNames": ["x1", "y1"]})
    assert isinstance(first, list) and [t["name"] for t in first] == ["x1", "y1"]
    again = api.ok("POST", f"/v4/projects/{project.id}/tags", json={"tagNames": ["x1"]})
    assert again[0]["id"] == first[0]["id"]
    tags = api.ok("GET", f"/v4/projects/{project.id}")["tags"]
    assert sorted(t["name"] for t in tags) == ["x1", "y1"]
    assert all(set(t) >= {"id", "name", "isApproved"} for t in tags)


def test_tag_details_and_removal(project: Project, api: Api) -> None:
    tag = api.ok("POST", f"/v4/projects/{project.id}/tags", json={"tagNames": ["gone"]})[0]
    details = api.ok("GET", f"/projectTags/{tag['id']}")
    assert details["_id"] == tag["id"] and details["name"] == "gone"
    assert details["lastAdded"] is not None
    assert api.delete(f"/v4/projects/{project.id}/tags/{tag['id']}").status_code == 200
    assert api.ok("GET", f"/v4/projects/{project.id}")["tags"] == []
    assert api.delete(f"/v4/projects/{project.id}/tags/{tag['id']}").status_code == 404


def test_empty_or_malformed_tag_names_are_400(project: Project, api: Api) -> None:
    for body in ({"tagNames": []}, {"tagNames": [""]}, {"tagNames": [3]}, {}):
        assert api.post(f"/v4/projects/{project.id}/tags", json=body).status_code == 400


def test_v4_create_with_a_bad_collaborator_or_tags_is_4xx_and_creates_nothing(api: Api) -> None:
    for extra in (
        {"collaborators": [{"collaboratorId": "0" * 24, "projectRole": "Contributor"}]},
        {"collaborators": [{"collaboratorId": "0" * 24}], "tags": {"tagNames": ["t"]}},
        {"collaborators": 5},
        {"tags": ["not", "an", "object"]},
        {"tags": {"tagNames": "not-a-list"}},
        {"description": ["x"]},
    ):
        name = unique()
        response = api.post("/v4/projects", json={"name": name, **extra})
        assert response.status_code in (400, 404), extra
        assert response.json()["message"], extra
        found = api.get(
            f"/v4/gateway/projects/findProjectByOwnerAndName?ownerName=admin&projectName={name}"
        )
        assert found.status_code == 404, extra  # the name is still free
