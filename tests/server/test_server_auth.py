"""Authentication modes, 401/403, and the rule that 409 never means anything but "log in again"."""

from __future__ import annotations

import base64
from pathlib import Path

from server_support import Api, Project

from domino.testing import LocalServer

USERS = "/v4/users"


def test_api_key_header_authenticates(server: LocalServer) -> None:
    response = Api(server.url, {"X-Domino-Api-Key": server.api_key}).get(USERS)
    assert response.status_code == 200
    assert "admin" in [u["userName"] for u in response.json()]


def test_basic_auth_with_empty_user_name_authenticates_like_client_1x(server: LocalServer) -> None:
    token = base64.b64encode(f":{server.api_key}".encode()).decode()
    response = Api(server.url, {"Authorization": f"Basic {token}"}).get(USERS)
    assert response.status_code == 200


def test_basic_auth_ignores_the_user_name(server: LocalServer) -> None:
    response = Api(server.url, auth=("whoever", server.api_key)).get(USERS)
    assert response.status_code == 200


def test_bearer_token_from_the_token_command_authenticates(server: LocalServer) -> None:
    token = server.token("admin")
    response = Api(server.url, {"Authorization": f"Bearer {token}"}).get(USERS)
    assert response.status_code == 200


def test_missing_credentials_get_401_json(server: LocalServer) -> None:
    response = Api(server.url).get(USERS)
    assert response.status_code == 401
    assert response.json()["message"]


def test_wrong_key_wrong_password_and_wrong_token_get_401(server: LocalServer) -> None:
    for api in (
        Api(server.url, {"X-Domino-Api-Key": "not-a-key"}),
        Api(server.url, auth=("", "not-a-key")),
        Api(server.url, {"Authorization": "Bearer not-a-token"}),
        Api(server.url, {"Authorization": "Basic !!!not-base64"}),
    ):
        response = api.get(USERS)
        assert response.status_code == 401, api.session.headers
        assert "not-a-key" not in response.text


def test_version_answers_without_credentials(server: LocalServer) -> None:
    response = Api(server.url).get("/version")
    assert response.status_code == 200
    assert response.json()["version"] == "5.11.0"
    readme = (Path(__file__).resolve().parents[2] / "README.adoc").read_text(encoding="utf-8")
    assert "`GET /version` reporting 5.11.0" in readme


def test_other_users_project_is_forbidden(project: Project, other_user: tuple[str, Api]) -> None:
    _, bob = other_user
    for path in (
        f"{project.v1}/runs",
        f"{project.v1}/commits",
        f"/v4/projects/{project.id}",
        f"/v4/gateway/projects/findProjectByOwnerAndName?ownerName={project.owner}"
        f"&projectName={project.name}",
    ):
        response = bob.get(path)
        assert response.status_code == 403, path
        assert response.json()["message"]
    assert bob.put(f"{project.v1}/x.txt", data=b"x").status_code == 403


def test_duplicate_names_are_400_never_409(project: Project, api: Api) -> None:
    response = api.post("/project", data={"projectName": project.name})
    assert response.status_code == 400
    api.ok("POST", "/dataset", json={"datasetName": "d", "projectId": project.id})
    response = api.post("/dataset", json={"datasetName": "d", "projectId": project.id})
    assert response.status_code == 400


def test_keys_are_not_stored_in_clear(server: LocalServer) -> None:
    raw = (server.data_dir / "domino.sqlite3").read_bytes()
    wal = server.data_dir / "domino.sqlite3-wal"
    raw += wal.read_bytes() if wal.exists() else b""
    assert server.api_key.encode() not in raw


# Routes a stranger may legitimately call with 2xx: they are not about anyone's project.
_NOT_PROJECT_SCOPED = {
    ("get", "/version"),
    ("get", "/v4/users"),
    ("get", "/v4/users/self"),
    ("get", "/dataset"),  # only when projectId is absent; it is always given below
    ("get", "/_local/uploads/stats"),
    ("post", "/project"),
    ("post", "/v4/projects"),
    # the caller's own projects; deployment-wide environments and custom metrics
    ("get", "/v4/gateway/projects"),
    ("get", "/v1/environments"),
    ("get", "/v4/environments/defaultEnvironment"),
    ("get", "/api/environments/v1/environments/{environment_id}"),
    ("delete", "/api/environments/v1/environments/{environment_id}"),
    ("post", "/api/environments/beta/environments"),
    ("post", "/api/environments/beta/environments/{environment_id}/revisions"),
    ("patch", "/api/environments/beta/environments/{environment_id}/revisions/{revision_id}"),
    ("post", "/api/metricValues/v1"),
    ("get", "/api/metricValues/v1/{monitoring_id}/{metric}"),
    ("post", "/api/metricAlerts/v1"),
}


def test_a_stranger_gets_no_2xx_from_any_route_about_someone_elses_project(
    server: LocalServer, project: Project, other_user: tuple[str, Api]
) -> None:
    import re

    _, bob = other_user
    api = project.api
    project.upload("app.sh", "sleep 30\n")
    job = project.start_job("app.sh")["id"]
    dataset = api.ok("POST", "/dataset", json={"projectId": project.id, "datasetName": "d"})
    dataset_id = dataset["datasetId"]
    app = api.ok("POST", "/v4/modelProducts", json={"projectId": project.id, "name": "a"})["id"]
    upload = api.post(f"/v4/datasetrw/datasets/{dataset_id}/snapshot/file/start", json={}).json()
    tag = api.ok("POST", f"/v4/projects/{project.id}/tags", json={"tagNames": ["t"]})[0]["id"]
    project.upload("model.py", "def predict(x):\n    return x\n")
    model = api.ok(
        "POST",
        "/v1/models",
        json={"projectId": project.id, "name": "m", "file": "model.py", "function": "predict"},
    )["data"]["_id"]
    version = api.ok("GET", f"/v1/models/{model}/versions")["data"][0]["_id"]
    export = {"registryUrl": "r", "username": "u", "password": "p", "repository": "r", "tag": "t"}
    export_id = api.ok("POST", f"/v4/models/{model}/{version}/exportImageToRegistry", json=export)[
        "exportId"
    ]
    commit = project.commits()[0]
    values = {
        "model_id": model,
        "version_id": version,
        "target": "exportImageToRegistry",
        "export_id": export_id,
        "name": "some-tag",
        "label": "Project",
        "budget_id": project.id,
        "owner": project.owner,
        "project": project.name,
        "project_id": project.id,
        "commit_id": commit,
        "path": "app.sh",
        "key": upload,
        "dataset_id": dataset_id,
        "job_id": job,
        "run_id": job,
        "app_id": app,
        "tag_id": tag,
        "user_id": api.ok("GET", "/v4/users/self")["id"],
    }
    body = {
        "projectId": project.id,
        "jobId": job,
        "commandToRun": "app.sh",
        "command": ["app.sh"],
        "datasetName": "x",
        "tagNames": ["x"],
        "name": "x",
        "collaboratorId": values["user_id"],
    }
    query = {
        "projectId": project.id,
        "key": upload,
        "ownerName": project.owner,
        "projectName": project.name,
    }
    spec = Api(server.url).get("/openapi.json").json()
    checked = 0
    for template, methods in spec["paths"].items():
        for method in methods:
            if (method, template) in _NOT_PROJECT_SCOPED or template == "/_local/reset":
                continue
            path = re.sub(r"{(\w+)(?::path)?}", lambda m: values[m.group(1)], template)
            response = bob.request(method.upper(), path, params=query, json=body)
            checked += 1
            assert not response.ok, f"{method.upper()} {template} -> {response.status_code}"
            assert response.status_code in (403, 404), (template, response.text)
    assert checked >= 40
    assert project.job(job)["statuses"]["executionStatus"] in ("Queued", "Running")
    project.stop(job)


def test_every_route_but_version_answers_401_without_credentials(server: LocalServer) -> None:
    import re

    anonymous = Api(server.url)
    spec = anonymous.get("/openapi.json").json()
    checked = 0
    for template, methods in spec["paths"].items():
        path = re.sub(r"{(\w+)(?::path)?}", "0" * 24, template)
        for method in methods:
            response = anonymous.request(method.upper(), path, json={})
            if template == "/version":
                assert response.status_code == 200
                continue
            assert response.status_code == 401, f"{method.upper()} {template}"
            assert response.json()["message"]
            checked += 1
    assert checked >= 40
