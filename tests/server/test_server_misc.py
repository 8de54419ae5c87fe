"""Cross-cutting behaviour: OpenAPI, unknown routes, JSON errors, validation messages."""

from __future__ import annotations

from server_support import Api, Project

from domino.testing import LocalServer


def test_openapi_describes_the_domino_routes(server: LocalServer) -> None:
    spec = Api(server.url).get("/openapi.json").json()
    paths = set(spec["paths"])
    for path in (
        "/v4/gateway/projects/findProjectByOwnerAndName",
        "/v1/projects/{owner}/{project}/runs",
        "/v4/jobs/start",
        "/v4/modelProducts",
        "/dataset",
        "/_local/reset",
    ):
        assert path in paths


def test_unknown_route_is_json_404(api: Api) -> None:
    response = api.get("/v9/nothing/here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert "/v9/nothing/here" in response.json()["message"]


def test_malformed_json_body_is_400_with_a_message(project: Project) -> None:
    response = project.api.post(
        "/v4/jobs/start", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["message"]


def test_missing_required_query_parameter_is_400(api: Api) -> None:
    response = api.get("/v4/gateway/projects/findProjectByOwnerAndName?ownerName=admin")
    assert response.status_code == 400
    assert "projectName" in response.json()["message"]


def test_stdout_always_has_setup_and_stdout(project: Project) -> None:
    run_id = project.start_run(["true"], isDirect=True)
    log = project.stdout(run_id)
    assert set(log) == {"setup", "stdout"}
    project.wait_run(run_id)


def test_stdout_preview_returns_the_last_lines(project: Project) -> None:
    run_id = project.start_run(["printf 'a\\nb\\nc\\n'"], isDirect=True)
    project.wait_run(run_id)
    tail = project.api.ok("GET", f"{project.v1}/run/{run_id}/stdout?previewNumberOfLines=2")
    assert tail["stdout"] == "b\nc\n"
    assert project.stdout(run_id)["stdout"] == "a\nb\nc\n"


def test_json_bodies_that_could_not_be_echoed_back_are_400_before_anything_happens(
    project: Project,
) -> None:
    # json.loads accepts both, but neither can be stored and returned as JSON (was: the job
    # was created and run, then the answer failed with a 500).
    bodies = {
        "unpaired surrogate": '{"projectId": "%s", "commandToRun": "echo \\ud800"}',
        "NaN": '{"projectId": "%s", "commandToRun": "true", "title": NaN}',
        "Infinity": '{"projectId": "%s", "commandToRun": "true", "x": [-Infinity]}',
    }
    for what, body in bodies.items():
        response = project.api.post(
            "/v4/jobs/start",
            data=(body % project.id).encode(),
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 400, what
        assert response.json()["message"].startswith("invalid JSON body"), what
    assert project.api.ok("GET", f"/v4/jobs?projectId={project.id}")["totalCount"] == 0
    created = project.api.post(
        "/dataset",
        data=(
            '{"projectId": "PID", "datasetName": "d\\udc00"}'.replace("PID", project.id)
        ).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert created.status_code == 400


def test_numbers_that_cannot_be_stored_are_400_and_poison_nothing(project: Project) -> None:
    # 1e999 parses as infinity (stored, then every list that held it was a 500, for everyone
    # who could see it); an integer past 64 bits was a 500 from SQLite
    environment = '{"name": "e", "visibility": "Private", "image": "i", "environmentVariables": '
    metric = (
        '{"newMetricValues": [{"modelMonitoringId": "m1", "metric": "acc", '
        '"referenceTimestamp": "2024-01-01T00:00:00Z", "value": %s}]}'
    )
    for number in ("1e999", "-1e999", "1" + "0" * 30, "-" + "9" * 20):
        for path, body in (
            ("/api/environments/beta/environments", environment + '[{"name": "a", "value": %s}]}'),
            ("/api/metricValues/v1", metric),
        ):
            response = project.api.post(
                path, data=(body % number).encode(), headers={"Content-Type": "application/json"}
            )
            assert response.status_code == 400, (path, number, response.text)
            assert response.json()["message"].startswith("invalid JSON body"), response.text
    listed = project.api.ok("GET", "/v1/environments")["data"]
    assert not [env for env in listed if env["name"] == "e"]
    query = "startingReferenceTimestampInclusive=2023-01-01T00:00:00Z"
    query += "&endingReferenceTimestampInclusive=2025-01-01T00:00:00Z"
    assert project.api.ok("GET", f"/api/metricValues/v1/m1/acc?{query}")["metricValues"] == []


def test_an_unexpected_error_is_a_json_500_and_the_connection_stays_usable(
    server: LocalServer, api: Api, monkeypatch
) -> None:
    def broken() -> list:
        raise RuntimeError("boom")

    monkeypatch.setattr(server.app.state.services.projects, "users", broken)
    failed = api.get("/v4/users")
    assert failed.status_code == 500
    assert failed.json() == {"message": "internal server error"}
    monkeypatch.undo()
    # Same pooled connection: it used to be dropped after the 500, failing this request.
    assert api.get("/v4/users").status_code == 200
