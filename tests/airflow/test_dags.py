"""Each operator in a real `airflow dags test` against a live domino-server, on every Airflow
version whose venv is given (DOMINO_AIRFLOW3_PYTHON, DOMINO_AIRFLOW2_PYTHON)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from airflow_support import Airflow, DagRun, connection_env

OK_TASKS = [
    "job_ok",
    "job_ok_deferred",
    "run_ok",
    "run_ok_deferred",
    "spark_ok",
    "spark_ok_deferred",
]


@pytest.fixture(scope="session")
def basic(airflow: Airflow, domino_server: Any, job_project: Callable[[], str]) -> dict[str, Any]:
    project = job_project()
    bob_key = domino_server.add_user("bob")
    bob_project = domino_server.create_project(owner="bob")
    bob = domino_server.client(bob_project, api_key=bob_key)
    bob.files_upload("/hello.py", b'print("hello from bob")\n')
    env = {
        **connection_env(domino_server),
        "DOMINO_AF_PROJECT": project,
        "DOMINO_AF_BOB_PROJECT": bob_project,
        "DOMINO_AF_BOB_KEY": bob_key,
        "DOMINO_AF_HOST": domino_server.url,
    }
    run = airflow.dags_test("domino_basic", env)
    return {"run": run, "project": project, "bob_key": bob_key}


def _job(domino_server: Any, project: str, job_id: str) -> dict[str, Any]:
    return domino_server.client(project).job_status(job_id)


@pytest.mark.parametrize("task_id", OK_TASKS)
def test_succeeding_job_gives_task_success_xcoms_and_output_in_the_log(
    basic: dict[str, Any], domino_server: Any, task_id: str
) -> None:
    run: DagRun = basic["run"]
    assert run.state(task_id) == "success", run.output[-4000:]
    job_id = run.xcom(task_id, "job_id")
    assert job_id and run.xcom(task_id, "job_status") == "Succeeded"
    assert run.xcom(task_id, "job_url") == f"{domino_server.url}/jobs/{basic['project']}/{job_id}"
    assert _job(domino_server, basic["project"], job_id)["statuses"]["executionStatus"] == (
        "Succeeded"
    )
    assert f"hello from the Domino job {task_id}" in run.output
    result = run.xcom(task_id, "return_value")
    if task_id.startswith("run_ok"):
        assert f"Setup log of run {job_id}" in run.output  # include_setup_log=True
        assert result["runId"] == job_id and "message" in result
    else:
        assert result["id"] == job_id and result["statuses"]["executionStatus"] == "Succeeded"


@pytest.mark.parametrize("task_id", ["job_fail", "job_fail_deferred"])
def test_failing_job_fails_the_task_naming_status_and_output(
    basic: dict[str, Any], task_id: str
) -> None:
    run: DagRun = basic["run"]
    assert run.state(task_id) == "failed"
    job_id = run.xcom(task_id, "job_id")
    assert run.xcom(task_id, "job_status") == "Failed"
    assert f"Domino job {job_id} ended with status Failed" in run.output
    assert "the job is failing now" in run.output


def test_ended_jobs_leave_nothing_in_the_task_state_store(
    basic: dict[str, Any], retried: dict[str, Any], airflow: Airflow
) -> None:
    # so that clearing a finished task runs its job again instead of re-attaching to the old one
    if airflow.version != "3":
        pytest.skip("Airflow 2.10 has no task state store")
    assert basic["run"].state_store == []
    assert retried["run"].state_store == []


def test_unknown_tier_fails_before_any_job_starts(
    basic: dict[str, Any], domino_server: Any
) -> None:
    run: DagRun = basic["run"]
    for task_id in ("bad_tier_run", "bad_tier_job"):
        assert run.state(task_id) == "failed"
        assert run.xcom(task_id, "job_id") is None
    assert "tier='Huge' is not a hardware tier of project" in run.output
    # the "Domino job" link of a task without a job is empty, without an error in the log
    assert "XCom with key='job_url'" not in run.output
    assert "Huge" in run.output.split("bad_tier_job", 1)[1]
    client = domino_server.client(basic["project"])
    commands = [job["jobRunCommand"] for job in client.jobs_list(client.project_id)["jobs"]]
    assert not [c for c in commands if c.strip() in ("hello.py", "python hello.py")], commands


def test_mapped_task_in_a_task_group_runs_each_instance(basic: dict[str, Any]) -> None:
    run: DagRun = basic["run"]
    for index, word in enumerate(["mapped-a", "mapped-b"]):
        assert run.state("grp.train", index) == "success"
        assert run.xcom("grp.train", "job_status", index) == "Succeeded"
        assert f"hello from the Domino job {word}" in run.output


@pytest.mark.parametrize("task_id", ["from_xcom_job", "from_xcom_run"])
def test_command_from_an_upstream_task_is_resolved_when_the_task_runs(
    basic: dict[str, Any], task_id: str
) -> None:
    run: DagRun = basic["run"]
    assert run.state(task_id) == "success", run.output[-4000:]
    assert run.xcom(task_id, "job_status") == "Succeeded"
    assert f"hello from the Domino job {task_id}" in run.output


def test_explicit_key_works_and_never_reaches_logs_or_the_database(
    basic: dict[str, Any], domino_server: Any
) -> None:
    run: DagRun = basic["run"]
    assert run.state("explicit_key") == "success", run.output[-4000:]
    assert "hello from bob" in run.output
    assert "cannot be handed to the triggerer" in run.output
    for secret in (basic["bob_key"], domino_server.api_key):
        assert secret not in run.output
        assert secret.encode() not in run.database


def test_job_url_is_logged_as_soon_as_the_job_starts(basic: dict[str, Any]) -> None:
    run: DagRun = basic["run"]
    job_id, url = run.xcom("job_ok", "job_id"), run.xcom("job_ok", "job_url")
    started = run.output.index(f"Domino job {job_id}: {url}")
    output = re.search(r"hello from the Domino job job_ok(?!_)", run.output)
    assert output is not None and started < output.start()


@pytest.fixture(scope="session")
def stopped(airflow: Airflow, domino_server: Any, job_project: Callable[[], str]) -> dict[str, Any]:
    project = job_project()
    env = {**connection_env(domino_server), "DOMINO_AF_PROJECT": project}
    return {"run": airflow.dags_test("domino_stop", env), "project": project}


def _wait_for_status(client: Any, job_id: str, wanted: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while True:
        status = client.job_status(job_id)["statuses"]["executionStatus"]
        if status == wanted or time.monotonic() > deadline:
            return status
        time.sleep(0.5)


@pytest.mark.parametrize(
    "task_id", ["execution_timeout", "deadline_deferred", "execution_timeout_deferred"]
)
def test_task_timeout_stops_the_domino_job(
    stopped: dict[str, Any], domino_server: Any, task_id: str
) -> None:
    run: DagRun = stopped["run"]
    assert run.state(task_id) == "failed", run.output[-4000:]
    job_id = run.xcom(task_id, "job_id")
    client = domino_server.client(stopped["project"])
    assert _wait_for_status(client, job_id, "Stopped") == "Stopped"
    assert f"stopped Domino job {job_id}" in run.output
    if task_id == "execution_timeout_deferred":
        assert "execution_timeout=12 s passed and it was stopped" in run.output


@pytest.fixture(scope="session")
def retried(airflow: Airflow, domino_server: Any, job_project: Callable[[], str]) -> dict[str, Any]:
    project = job_project()
    env = {**connection_env(domino_server), "DOMINO_AF_PROJECT": project}
    run = airflow.dags_test("domino_retry", env)
    client = domino_server.client(project)
    jobs = client.jobs_list(client.project_id)["jobs"]
    return {"run": run, "titles": [job["title"] for job in jobs], "version": airflow.version}


@pytest.mark.parametrize("task_id", ["reattach_running", "reattach_succeeded", "reattach_deferred"])
def test_retry_reattaches_to_the_earlier_tries_job(retried: dict[str, Any], task_id: str) -> None:
    run: DagRun = retried["run"]
    assert run.state(task_id) == "success", run.output[-4000:]
    assert run.tries[(task_id, -1)] == 2
    assert run.xcom(task_id, "job_status") == "Succeeded"
    if retried["version"] == "3":
        # the task state store kept the job id: the server saw one execution, not two
        assert retried["titles"].count(task_id) == 1
        assert "re-attaching to the earlier try's job" in run.output
    else:
        # Airflow 2.10 has no task state store: each try starts its own job (README says so)
        assert retried["titles"].count(task_id) == 2


@pytest.mark.parametrize("task_id", ["job_ok", "job_ok_deferred", "job_fail"])
def test_domino_job_link_points_at_the_jobs_html_page(
    basic: dict[str, Any], airflow: Airflow, domino_server: Any, task_id: str
) -> None:
    run: DagRun = basic["run"]
    url = run.xcom(task_id, "job_url")
    if airflow.version == "3":
        # 3.x computes extra links on the worker (when the task ends or defers)
        assert run.xcom(task_id, "_link_DominoJobLink") == url
    page = requests.get(url, auth=("admin", domino_server.api_key), timeout=10)
    assert page.status_code == 200 and run.xcom(task_id, "job_id") in page.text


def test_example_dag_runs_as_is(airflow: Airflow, domino_server: Any) -> None:
    project = domino_server.create_project()
    conn = json.dumps(
        {
            "conn_type": "domino",
            "host": domino_server.url,
            "password": domino_server.api_key,
            "extra": {"project": project},
        }
    )
    examples = Path(__file__).resolve().parents[2] / "examples"
    run = airflow.dags_test(
        "example_domino",
        {"AIRFLOW_CONN_DOMINO_DEFAULT": conn, "AIRFLOW__CORE__DAGS_FOLDER": str(examples)},
    )
    assert set(run.states.values()) == {"success"}, run.output[-4000:]
    assert "training with --fold 2" in run.output and "training with report" in run.output
