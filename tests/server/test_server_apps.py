"""Apps (model products): app.sh as a process, Running while it lives."""

from __future__ import annotations

import threading
from pathlib import Path

from server_support import Api, Project, alive_pids, wait_for

from domino.testing import LocalServer

APP = "echo app is up\nwhile true; do sleep 0.2; done\n"
CREATE = {
    "modelProductType": "APP",
    "name": "",
    "owner": "",
    "created": 1700000000000000000,
    "lastUpdated": 1700000000000000000,
    "status": "",
    "media": [],
    "openUrl": "",
    "tags": [],
    "stats": {"usageCount": 0},
    "appExtension": {"appType": ""},
    "id": "000000000000000000000000",
}


def _create(project: Project) -> dict:
    app = project.api.ok("POST", "/v4/modelProducts", json={**CREATE, "projectId": project.id})
    assert app["id"] != "000000000000000000000000"
    return app


def _status(project: Project, app_id: str) -> str:
    return str(project.api.ok("GET", f"/v4/modelProducts/{app_id}")["status"])


def test_app_lifecycle_start_running_stop(project: Project) -> None:
    assert project.api.ok("GET", f"/v4/modelProducts?projectId={project.id}") == []
    project.upload("app.sh", APP)
    app = _create(project)
    listed = project.api.ok("GET", f"/v4/modelProducts?projectId={project.id}")
    assert [a["id"] for a in listed] == [app["id"]]
    assert _status(project, app["id"]) == "Stopped"
    started = project.api.post(
        f"/v4/modelProducts/{app['id']}/start", json={"hardwareTierId": None}
    )
    assert started.status_code == 200 and started.json() == app["id"]
    assert _status(project, app["id"]) == "Running"
    wait_for(
        lambda: project.api.ok("GET", f"/_local/apps/{app['id']}")["log"],
        lambda log: "app is up" in log,
    )
    assert project.api.post(f"/v4/modelProducts/{app['id']}/stop").status_code == 200
    assert _status(project, app["id"]) == "Stopped"


def test_app_that_exits_non_zero_is_failed(project: Project) -> None:
    project.upload("app.sh", "echo crashing\nexit 4\n")
    app = _create(project)
    project.api.ok("POST", f"/v4/modelProducts/{app['id']}/start", json={})
    wait_for(lambda: _status(project, app["id"]), lambda s: s == "Failed")
    assert "4" in project.api.ok("GET", f"/v4/modelProducts/{app['id']}")["message"]


def test_app_without_app_sh_is_failed(project: Project) -> None:
    app = _create(project)
    project.api.ok("POST", f"/v4/modelProducts/{app['id']}/start", json={})
    assert _status(project, app["id"]) == "Failed"


def test_app_start_validates_tier_and_commit(project: Project) -> None:
    project.upload("app.sh", APP)
    app = _create(project)
    bad_tier = project.api.post(
        f"/v4/modelProducts/{app['id']}/start", json={"hardwareTierId": "nope"}
    )
    assert bad_tier.status_code == 400
    bad_ref = project.api.post(
        f"/v4/modelProducts/{app['id']}/start",
        json={"mainRepoGitRef": {"type": "commitId", "value": "0" * 40}},
    )
    assert bad_ref.status_code == 400
    assert _status(project, app["id"]) == "Stopped"


def test_apps_of_other_users_projects_are_forbidden(project: Project, other_user) -> None:
    _, bob = other_user
    app = _create(project)
    assert bob.get(f"/v4/modelProducts/{app['id']}").status_code == 403
    assert bob.get(f"/v4/modelProducts?projectId={project.id}").status_code == 403


def test_app_whose_files_cannot_be_materialised_fails_with_a_message(server, project) -> None:
    # Such a commit can only predate the name-length check; it must not make start a 500.
    services = server.app.state.services
    key, size = services.repo.blobs.put_chunks([b"x"])
    services.repo.commit_blob(project.id, "n" * 300, key, size)
    project.upload("app.sh", APP)
    app = _create(project)
    started = project.api.post(f"/v4/modelProducts/{app['id']}/start", json={})
    assert started.status_code == 200, started.text
    view = project.api.ok("GET", f"/v4/modelProducts/{app['id']}")
    assert view["status"] == "Failed"
    assert "could not prepare the files" in view["message"]


def test_concurrent_starts_of_one_app_leave_no_process_behind_after_stop(tmp_path: Path) -> None:
    # Without the sandbox, so that app.sh can write its pids where the test reads them.
    with LocalServer(tmp_path / "data", sandbox=False) as server:
        api = Api(server.url, server.headers())
        _concurrent_starts(Project(api, server.create_project()), tmp_path)


def _concurrent_starts(project: Project, tmp_path: Path) -> None:

    pids = tmp_path / "pids"
    project.upload("app.sh", f"echo $$ >> {pids}\nwhile true; do sleep 0.2; done\n")
    app = _create(project)
    barrier = threading.Barrier(6)

    codes: list[int] = []

    def start() -> None:
        barrier.wait()
        codes.append(project.api.post(f"/v4/modelProducts/{app['id']}/start", json={}).status_code)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [200] * 6
    wait_for(lambda: pids.exists() and pids.read_text().split(), bool)
    assert project.api.post(f"/v4/modelProducts/{app['id']}/stop").status_code == 200

    # Each start replaces the previous process; none may escape the final stop.
    wait_for(lambda: alive_pids(pids), lambda left: left == [], timeout=60)
    assert _status(project, app["id"]) == "Stopped"
