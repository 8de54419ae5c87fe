"""Dataset CRUD (§13.1): unique names per project, deletion removes the files."""

from __future__ import annotations

from server_support import Project


def _create(project: Project, name: str, description: str = "") -> dict:
    return project.api.ok(
        "POST",
        "/dataset",
        json={"datasetName": name, "description": description, "projectId": project.id},
    )


def test_create_returns_details_and_list_shows_it(project: Project) -> None:
    created = _create(project, "sales", "monthly numbers")
    assert {"datasetName", "description", "datasetId", "projectId", "created"} <= set(created)
    assert created["datasetName"] == "sales" and created["description"] == "monthly numbers"
    listed = project.api.ok("GET", f"/dataset?projectId={project.id}")
    assert [(d["datasetId"], d["datasetName"]) for d in listed] == [(created["datasetId"], "sales")]
    assert created["datasetId"] in [d["datasetId"] for d in project.api.ok("GET", "/dataset")]
    assert project.api.ok("GET", f"/dataset/{created['datasetId']}")["projectId"] == project.id


def test_names_are_unique_per_project_only(project: Project, api, server) -> None:
    _create(project, "same")
    duplicate = project.api.post("/dataset", json={"datasetName": "same", "projectId": project.id})
    assert duplicate.status_code == 400 and "Unique" in duplicate.json()["message"]
    other = Project(api, server.create_project())
    _create(other, "same")


def test_update_renames_and_describes_with_uniqueness(project: Project) -> None:
    first = _create(project, "one")
    _create(project, "two")
    ds = first["datasetId"]
    updated = project.api.ok("PATCH", f"/dataset/{ds}", json={"datasetName": "uno"})
    assert updated["datasetName"] == "uno"
    project.api.ok("PATCH", f"/dataset/{ds}", json={"description": "first one"})
    assert project.api.ok("GET", f"/dataset/{ds}")["description"] == "first one"
    clash = project.api.patch(f"/dataset/{ds}", json={"datasetName": "two"})
    assert clash.status_code == 400
    assert project.api.ok("PATCH", f"/dataset/{ds}", json={})["datasetName"] == "uno"


def test_delete_removes_row_and_files(project: Project, server) -> None:
    created = _create(project, "temp")
    ds = created["datasetId"]
    files = server.app.state.store.dataset_files_dir(ds)
    assert files.is_dir()
    (files / "a.txt").write_text("x")
    response = project.api.delete(f"/dataset/{ds}")
    assert response.status_code == 204
    assert project.api.get(f"/dataset/{ds}").status_code == 404
    assert project.api.ok("GET", f"/dataset?projectId={project.id}") == []
    assert not files.exists()
    assert project.api.delete(f"/dataset/{ds}").status_code == 404


def test_invalid_dataset_input_is_400(project: Project) -> None:
    for body in (
        {"datasetName": "", "projectId": project.id},
        {"datasetName": "a/b", "projectId": project.id},
        {"datasetName": 5, "projectId": project.id},
    ):
        assert project.api.post("/dataset", json=body).status_code == 400, body
    assert project.api.post("/dataset", json={"datasetName": "x"}).status_code == 404


def test_datasets_of_other_users_are_forbidden(project: Project, other_user) -> None:
    _, bob = other_user
    created = _create(project, "private")
    assert bob.get(f"/dataset/{created['datasetId']}").status_code == 403
    assert bob.delete(f"/dataset/{created['datasetId']}").status_code == 403
    assert bob.get(f"/dataset?projectId={project.id}").status_code == 403
    assert created["datasetId"] not in [d["datasetId"] for d in bob.get("/dataset").json()]
