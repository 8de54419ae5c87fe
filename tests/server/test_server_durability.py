"""State survives restarts; executions interrupted by a stop or a crash end as Error."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from server_support import Api, Project, alive_pids, wait_for

from domino.testing import LocalServer

SLOW = "import time\nprint('working', flush=True)\ntime.sleep(60)\n"


def _project(server: LocalServer, name: str = "keep") -> Project:
    return Project(Api(server.url, server.headers()), f"admin/{name}")


def test_everything_survives_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with LocalServer(data) as first:
        first.create_project("keep")
        project = _project(first)
        project.upload("main.py", "open('out.txt', 'w').write('done')\n")
        run = project.wait_run(project.start_run(["main.py"]))
        tag = project.api.ok("POST", f"/v4/projects/{project.id}/tags", json={"tagNames": ["t"]})
        dataset = project.api.ok(
            "POST", "/dataset", json={"datasetName": "ds", "projectId": project.id}
        )
        key = first.api_key
        commits = project.commits()
    with LocalServer(data) as second:
        # The first server's key still works, and so does the new one.
        old = Project(Api(second.url, {"X-Domino-Api-Key": key}), "admin/keep")
        assert old.commits() == commits
        assert old.download(run["outputCommitId"], "out.txt") == b"done"
        assert old.run(run["id"])["status"] == "Succeeded"
        assert old.api.ok("GET", f"/v4/projects/{old.id}")["tags"][0]["id"] == tag[0]["id"]
        assert old.api.ok("GET", f"/dataset/{dataset['datasetId']}")["datasetName"] == "ds"
        assert _project(second).commits() == commits


def test_running_execution_is_error_after_restart_with_the_reason(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with LocalServer(data) as first:
        first.create_project("keep")
        project = _project(first)
        project.upload("slow.py", SLOW)
        job = project.start_job("slow.py")
        wait_for(lambda: project.stdout(job["id"])["stdout"], lambda out: "working" in out)
    with LocalServer(data) as second:
        project = _project(second)
        final = project.job(job["id"])
        assert final["statuses"]["executionStatus"] == "Error"
        assert final["statuses"]["isCompleted"] is True
        assert final["commitDetails"]["outputCommitId"]
        log = project.stdout(job["id"])
        assert "domino-server" in log["setup"] and "Error" in log["setup"]
        assert "working" in log["stdout"] and "domino-server" in log["stdout"]


def test_executions_left_running_by_a_crash_are_marked_error_on_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with LocalServer(data) as first:
        first.create_project("keep")
        project = _project(first)
        job_id = project.start_job("true")["id"]
        project.wait_job(job_id)
    # Simulate a server killed mid-run: the row says Running, nothing is attached to it.
    with sqlite3.connect(data / "domino.sqlite3") as db:
        db.execute(
            "UPDATE executions SET status = 'Running', output_commit = NULL, completed = NULL"
            " WHERE id = ?",
            (job_id,),
        )
    with LocalServer(data) as second:
        project = _project(second)
        final = project.job(job_id)
        assert final["statuses"]["executionStatus"] == "Error"
        assert final["commitDetails"]["outputCommitId"]
        assert "stopped while this execution was running" in project.stdout(job_id)["setup"]


def test_reset_wipes_projects_but_keeps_users(tmp_path: Path) -> None:
    with LocalServer(tmp_path / "data") as server:
        server.create_project("gone")
        bob_key = server.add_user("bob")
        api = Api(server.url, server.headers())
        assert api.post("/_local/reset").status_code == 200
        lookup = "/v4/gateway/projects/findProjectByOwnerAndName?ownerName=admin&projectName=gone"
        assert api.get(lookup).status_code == 404
        assert Api(server.url, {"X-Domino-Api-Key": bob_key}).get("/v4/users").status_code == 200
        assert (
            Api(server.url, {"X-Domino-Api-Key": bob_key}).post("/_local/reset").status_code == 403
        )


def test_a_second_server_on_the_same_data_dir_refuses_to_start(tmp_path: Path) -> None:
    import pytest

    with LocalServer(tmp_path / "data") as first:
        first.create_project("keep")
        project = _project(first)
        project.upload("slow.py", SLOW)
        job = project.start_job("slow.py")
        wait_for(
            lambda: project.job(job["id"]), lambda j: j["statuses"]["executionStatus"] == "Running"
        )
        with pytest.raises(RuntimeError):
            LocalServer(tmp_path / "data").start()
        # The first server's execution was not mistaken for a crashed one.
        assert project.job(job["id"])["statuses"]["executionStatus"] == "Running"
        project.stop(job["id"]).raise_for_status()


def test_stopping_the_server_leaves_no_job_or_app_process_behind(tmp_path: Path) -> None:

    pids = tmp_path / "pids"
    script = f"sleep 60 &\necho $! >> {pids}\necho $$ >> {pids}\nwait\n"
    # Without the sandbox, so that the processes can write their pids where the test reads
    # them (the sandboxed case is in tests/reliability/test_processes.py).
    with LocalServer(tmp_path / "data", sandbox=False) as server:
        server.create_project("keep")
        project = _project(server)
        project.upload("job.sh", script)
        project.upload("app.sh", script)
        job = project.start_job("job.sh")
        app = project.api.ok("POST", "/v4/modelProducts", json={"projectId": project.id})
        project.api.ok("POST", f"/v4/modelProducts/{app['id']}/start", json={})
        wait_for(lambda: pids.exists() and len(pids.read_text().split()) == 4, bool)

    wait_for(lambda: alive_pids(pids), lambda left: left == [], timeout=60)
    with LocalServer(tmp_path / "data") as again:
        assert _project(again).job(job["id"])["statuses"]["executionStatus"] == "Error"
        view = _project(again).api.ok("GET", f"/v4/modelProducts/{app['id']}")
        assert view["status"] == "Stopped"
