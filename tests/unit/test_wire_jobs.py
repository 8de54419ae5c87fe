"""v4 jobs, job_start validation, the blocking job waiter, hardware tiers (§11, §12)."""

from __future__ import annotations

import logging
from typing import Any

import polling2
import pytest
import requests
import requests_mock
from wire_support import FIND_PROJECT_URL, HOST, PROJECT_ID, FakeTime, api_calls, calls

from domino import Domino, exceptions

JOB_ID = "aabbccddeeff001122330000"
START = f"{HOST}/v4/jobs/start"
JOB = f"{HOST}/v4/jobs/{JOB_ID}"
STDOUT = f"{HOST}/v1/projects/alice/churn/run/{JOB_ID}/stdout"
TIERS = f"{HOST}/v4/projects/{PROJECT_ID}/hardwareTiers"
ENVIRONMENTS = f"{HOST}/v4/projects/{PROJECT_ID}/useableEnvironments"
COMMITS = f"{HOST}/v1/projects/alice/churn/commits"
SPARK = f"{HOST}/v4/jobs/project/{PROJECT_ID}/defaultSparkSettings"
TIER_LIST = [
    {"hardwareTier": {"id": "small-k8s", "name": "Small"}, "capacity": {}},
    {"hardwareTier": {"id": "large-k8s", "name": "Large"}, "capacity": {}},
    {"hardwareTier": {"id": "gpu-a", "name": "GPU"}, "capacity": {}},
    {"hardwareTier": {"id": "gpu-b", "name": "GPU"}, "capacity": {}},
]
NULL_BODY = {
    "projectId": PROJECT_ID,
    "commandToRun": "main.py arg",
    "commitId": None,
    "mainRepoGitRef": None,
    "overrideHardwareTierId": None,
    "onDemandSparkClusterProperties": None,
    "computeClusterProperties": None,
    "environmentId": None,
    "externalVolumeMounts": None,
    "title": None,
}
CLUSTER = {
    "clusterType": "Ray",
    "computeEnvironmentId": "env-ray",
    "masterHardwareTierId": "small-k8s",
    "workerHardwareTierId": "large-k8s",
    "workerCount": 2,
}


def job(status: str, completed: bool = False) -> dict[str, Any]:
    return {"id": JOB_ID, "statuses": {"isCompleted": completed, "executionStatus": status}}


@pytest.fixture
def started(wire: requests_mock.Mocker) -> requests_mock.Mocker:
    wire.post(START, json=job("Queued"))
    wire.get(TIERS, json=TIER_LIST)
    wire.get(ENVIRONMENTS, json={"environments": [{"id": "env-1"}, {"id": "env-ray"}]})
    wire.get(COMMITS, json=["c1", "c2"])
    wire.get(
        SPARK,
        json={
            "maximumExecutionSlotsPerUser": 4,
            "executorHardwareTierId": "small-k8s",
            "masterHardwareTierId": "large-k8s",
        },
    )
    return wire


def start_body(wire: requests_mock.Mocker) -> dict[str, Any]:
    [post] = calls(wire, "POST", START)
    body: dict[str, Any] = post.json()
    return body


# ---------------------------------------------------------------------- job_start body


def test_job_start_minimal_sends_every_key_with_nulls(
    client: Domino, started: requests_mock.Mocker
) -> None:
    assert client.job_start("main.py arg")["id"] == JOB_ID
    assert start_body(started) == NULL_BODY
    # no validation GET when nothing needs validating (2.2.0: no tier lookup without a name)
    assert [r.url for r in started.request_history] == [FIND_PROJECT_URL, START]
    assert started.last_request.headers["Content-Type"] == "application/json"


def test_job_start_full_body(client: Domino, started: requests_mock.Mocker) -> None:
    client.job_start(
        "main.py arg",
        commit_id="c2",
        hardware_tier_id="small-k8s",
        environment_id="env-1",
        external_volume_mounts=["vol-1"],
        title="nightly",
        main_repo_git_ref={"type": "tags", "value": "v1"},
    )
    assert start_body(started) == {
        **NULL_BODY,
        "commitId": "c2",
        "mainRepoGitRef": {"type": "tags", "value": "v1"},
        "overrideHardwareTierId": "small-k8s",
        "environmentId": "env-1",
        "externalVolumeMounts": ["vol-1"],
        "title": "nightly",
    }


def test_job_start_branch_becomes_main_repo_git_ref(
    client: Domino, started: requests_mock.Mocker
) -> None:
    client.job_start("main.py arg", branch="feature/x")
    assert start_body(started)["mainRepoGitRef"] == {"type": "branches", "value": "feature/x"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"branch": "b", "commit_id": "c1"},
        {"branch": "b", "main_repo_git_ref": {"type": "tags", "value": "v1"}},
    ],
)
def test_job_start_branch_conflicts_raise_value_error_before_any_request(
    client: Domino, started: requests_mock.Mocker, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match="Only one of branch"):
        client.job_start("main.py", **kwargs)
    assert started.request_history == []


def test_job_start_tier_name_resolves_to_id_with_one_tiers_get(
    client: Domino, started: requests_mock.Mocker
) -> None:
    client.job_start("main.py arg", hardware_tier_name="Large")
    assert start_body(started)["overrideHardwareTierId"] == "large-k8s"
    assert len(calls(started, "GET", TIERS)) == 1


def test_job_start_all_tier_validations_share_one_tiers_get(
    client: Domino, started: requests_mock.Mocker
) -> None:
    client.job_start(
        "main.py arg",
        hardware_tier_id="small-k8s",
        hardware_tier_name="Small",
        compute_cluster_properties=CLUSTER,
    )
    assert len(calls(started, "GET", TIERS)) == 1
    assert start_body(started)["overrideHardwareTierId"] == "small-k8s"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"commit_id": "nope"}, exceptions.CommitNotFoundException, "nope"),
        ({"hardware_tier_id": "tiny"}, exceptions.HardwareTierNotFoundException, "tiny"),
        ({"hardware_tier_name": "Tiny"}, exceptions.HardwareTierNotFoundException, "not found"),
        ({"hardware_tier_name": "GPU"}, exceptions.HardwareTierNotFoundException, "more than one"),
        ({"environment_id": "env-x"}, exceptions.EnvironmentNotFoundException, "env-x"),
        ({"hardware_tier_id": {"id": "x"}}, ValueError, "missing 'value'"),
    ],
)
def test_job_start_validation_errors_send_nothing(
    client: Domino,
    started: requests_mock.Mocker,
    kwargs: dict[str, Any],
    error: type[Exception],
    match: str,
) -> None:
    with pytest.raises(error, match=match):
        client.job_start("main.py", **kwargs)
    assert calls(started, "POST") == []


def test_job_start_accepts_tier_id_as_value_dict(
    client: Domino, started: requests_mock.Mocker
) -> None:
    client.job_start("main.py arg", hardware_tier_id={"value": "small-k8s"})
    assert start_body(started)["overrideHardwareTierId"] == {"value": "small-k8s"}


def test_job_start_commit_validation_accepts_commit_objects(
    client: Domino, started: requests_mock.Mocker
) -> None:
    started.get(COMMITS, json=[{"id": "c9"}, {"id": "c8"}])
    client.job_start("main.py arg", commit_id="c8")
    assert start_body(started)["commitId"] == "c8"


def test_job_start_409_raises_relogin_required(
    client: Domino, started: requests_mock.Mocker
) -> None:
    started.post(START, status_code=409)
    with pytest.raises(exceptions.ReloginRequiredException):
        client.job_start("main.py")
    assert len(calls(started, "POST", START)) == 1


# ---------------------------------------------------------------------- version gates


def test_external_volume_mounts_need_4_3_3(make_client: Any, started: requests_mock.Mocker) -> None:
    client = make_client(version="4.3.2")
    with pytest.raises(exceptions.ExternalVolumeMountsNotSupportedException, match="4.3.3"):
        client.job_start("main.py", external_volume_mounts=["v"])


def test_compute_cluster_needs_4_5_0(make_client: Any, started: requests_mock.Mocker) -> None:
    client = make_client(version="4.4.0")
    with pytest.raises(exceptions.UnsupportedFieldException, match="compute_cluster_properties"):
        client.job_start("main.py", compute_cluster_properties=CLUSTER)


@pytest.mark.parametrize(("cluster_type", "too_old"), [("Dask", "4.5.9"), ("MPI", "5.1.0")])
def test_cluster_type_gates(
    make_client: Any, started: requests_mock.Mocker, cluster_type: str, too_old: str
) -> None:
    client = make_client(version=too_old)
    props = {**CLUSTER, "clusterType": cluster_type}
    with pytest.raises(exceptions.MalformedInputException, match="Spark, Ray"):
        client.job_start("main.py", compute_cluster_properties=props)


def test_autoscaling_needs_5_0_0(make_client: Any, started: requests_mock.Mocker) -> None:
    client = make_client(version="4.9.0")
    with pytest.raises(exceptions.UnsupportedFieldException, match="maxWorkerCount"):
        client.job_start("main.py", compute_cluster_properties={**CLUSTER, "maxWorkerCount": 5})


def test_on_demand_spark_needs_4_2_0(make_client: Any, started: requests_mock.Mocker) -> None:
    client = make_client(version="4.1.0")
    with pytest.raises(exceptions.OnDemandSparkClusterNotSupportedException, match="4.2.0"):
        client.job_start(
            "main.py", on_demand_spark_cluster_properties={"computeEnvironmentId": "e"}
        )


# ---------------------------------------------------------------------- compute clusters


def test_compute_cluster_tier_ids_are_wrapped_and_other_keys_pass_through(
    client: Domino, started: requests_mock.Mocker
) -> None:
    props = {
        **CLUSTER,
        "computeEnvironmentRevisionSpec": {"revisionId": "r1"},
        "workerStorage": {"value": 10, "unit": "GiB"},
        "maxWorkerCount": 4,
    }
    client.job_start(
        "main.py arg",
        compute_cluster_properties=props,
        on_demand_spark_cluster_properties={"computeEnvironmentId": "ignored"},
    )
    body = start_body(started)
    assert body["computeClusterProperties"] == {
        **props,
        "masterHardwareTierId": {"value": "small-k8s"},
        "workerHardwareTierId": {"value": "large-k8s"},
    }
    assert body["onDemandSparkClusterProperties"] is None
    assert calls(started, "GET", SPARK) == []
    assert props["masterHardwareTierId"] == "small-k8s"  # caller's dict untouched


def test_mpi_cluster_needs_no_master(client: Domino, started: requests_mock.Mocker) -> None:
    props = {k: v for k, v in CLUSTER.items() if k != "masterHardwareTierId"}
    client.job_start("main.py", compute_cluster_properties={**props, "clusterType": "MPI"})
    assert "masterHardwareTierId" not in start_body(started)["computeClusterProperties"]


@pytest.mark.parametrize(
    "missing",
    [
        "clusterType",
        "computeEnvironmentId",
        "masterHardwareTierId",
        "workerHardwareTierId",
        "workerCount",
    ],
)
def test_compute_cluster_missing_key_raises_missing_required_field(
    client: Domino, started: requests_mock.Mocker, missing: str
) -> None:
    props = {k: v for k, v in CLUSTER.items() if k != missing}
    with pytest.raises(exceptions.MissingRequiredFieldException, match=missing):
        client.job_start("main.py", compute_cluster_properties=props)
    assert calls(started, "POST") == []


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"workerStorage": {"value": 5, "unit": "TB"}}, "workerStorage"),
        ({"workerStorage": 5}, "workerStorage"),
        ({"workerCount": 0}, "workerCount"),
        ({"clusterType": "Hadoop"}, "Hadoop"),
    ],
)
def test_compute_cluster_malformed_values(
    client: Domino, started: requests_mock.Mocker, change: dict[str, Any], match: str
) -> None:
    with pytest.raises(exceptions.MalformedInputException, match=match):
        client.job_start("main.py", compute_cluster_properties={**CLUSTER, **change})


def test_compute_cluster_unknown_worker_tier(client: Domino, started: requests_mock.Mocker) -> None:
    props = {**CLUSTER, "workerHardwareTierId": "huge"}
    with pytest.raises(exceptions.HardwareTierNotFoundException, match="huge"):
        client.job_start("main.py", compute_cluster_properties=props)


# ---------------------------------------------------------------------- on-demand spark


def test_on_demand_spark_defaults_filled_from_server(
    client: Domino, started: requests_mock.Mocker
) -> None:
    client.job_start(
        "main.py", on_demand_spark_cluster_properties={"computeEnvironmentId": "env-1"}
    )
    assert start_body(started)["onDemandSparkClusterProperties"] == {
        "computeEnvironmentId": "env-1",
        "executorCount": 1,
        "executorHardwareTierId": "small-k8s",
        "executorStorageMB": 0,
        "masterHardwareTierId": "large-k8s",
    }
    assert len(calls(started, "GET", SPARK)) == 1
    assert len(calls(started, "GET", ENVIRONMENTS)) == 1


def test_on_demand_spark_explicit_values(client: Domino, started: requests_mock.Mocker) -> None:
    props = {
        "computeEnvironmentId": "env-1",
        "executorCount": "3",
        "executorHardwareTierId": "large-k8s",
        "masterHardwareTierId": "small-k8s",
        "executorStorageMB": "2048",
    }
    client.job_start("main.py", environment_id="env-1", on_demand_spark_cluster_properties=props)
    assert start_body(started)["onDemandSparkClusterProperties"] == {
        "computeEnvironmentId": "env-1",
        "executorCount": 3,
        "executorHardwareTierId": "large-k8s",
        "executorStorageMB": 2048,
        "masterHardwareTierId": "small-k8s",
    }
    assert len(calls(started, "GET", ENVIRONMENTS)) == 1
    assert len(calls(started, "GET", TIERS)) == 1


@pytest.mark.parametrize(
    ("props", "error", "match"),
    [
        ({}, exceptions.MissingRequiredFieldException, "computeEnvironmentId"),
        (
            {"computeEnvironmentId": "env-1", "bogus": 1},
            exceptions.MalformedInputException,
            "bogus",
        ),
        (
            {"computeEnvironmentId": "env-1", "executorCount": 5},
            exceptions.MalformedInputException,
            "exceeding",
        ),
        ({"computeEnvironmentId": "env-9"}, exceptions.EnvironmentNotFoundException, "env-9"),
    ],
)
def test_on_demand_spark_validation(
    client: Domino,
    started: requests_mock.Mocker,
    props: dict[str, Any],
    error: type[Exception],
    match: str,
) -> None:
    with pytest.raises(error, match=match):
        client.job_start("main.py", on_demand_spark_cluster_properties=props)
    assert calls(started, "POST") == []


# ---------------------------------------------------------------------- other job calls


def test_job_stop_body(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.post(f"{HOST}/v4/jobs/stop", json=job("Stopped"))
    assert client.job_stop(JOB_ID, commit_results=False).status_code == 200
    assert api_calls(wire) == [("POST", f"{HOST}/v4/jobs/stop")]
    assert wire.last_request.json() == {
        "projectId": PROJECT_ID,
        "jobId": JOB_ID,
        "commitResults": False,
    }


def test_run_stop_warns_and_delegates_to_job_stop(
    client: Domino, wire: requests_mock.Mocker, caplog: pytest.LogCaptureFixture
) -> None:
    wire.post(f"{HOST}/v4/jobs/stop", json={})
    with caplog.at_level(logging.WARNING, logger="domino"):
        client.run_stop(JOB_ID)
    assert wire.last_request.json() == {
        "projectId": PROJECT_ID,
        "jobId": JOB_ID,
        "commitResults": True,
    }
    assert any("job_stop" in r.getMessage() for r in caplog.records)


def test_run_stop_without_id_raises_value_error(client: Domino) -> None:
    with pytest.raises(ValueError, match="run_id is required"):
        client.run_stop()


def test_job_status_route(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(JOB, json=job("Running"))
    assert client.job_status(JOB_ID)["statuses"]["executionStatus"] == "Running"
    assert api_calls(wire) == [("GET", JOB)]


def test_jobs_list_default_query_in_order(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(f"{HOST}/v4/jobs", json={"jobs": [], "totalCount": 0})
    client.jobs_list(PROJECT_ID)
    assert wire.last_request.url == (
        f"{HOST}/v4/jobs?projectId={PROJECT_ID}&order_by=number&sort_by=desc&page_no=1"
        "&show_archived=false&status=all"
    )


def test_jobs_list_all_parameters_lowercased_and_encoded(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/v4/jobs", json={"jobs": []})
    client.jobs_list("p1", "title", "asc", 10, 2, "True", "Completed", "a&b c")
    assert wire.last_request.url == (
        f"{HOST}/v4/jobs?projectId=p1&order_by=title&sort_by=asc&page_size=10&page_no=2"
        "&show_archived=true&status=completed&tag=a%26b+c"
    )


def test_job_restart_sends_project_id_too(client: Domino, wire: requests_mock.Mocker) -> None:
    # decision (§16.26): the v4 schema requires projectId, so it is sent in addition
    wire.post(f"{HOST}/v4/jobs/restart", json={})
    client.job_restart(JOB_ID, should_use_original_input_commit=False)
    assert api_calls(wire) == [("POST", f"{HOST}/v4/jobs/restart")]
    assert wire.last_request.json() == {
        "projectId": PROJECT_ID,
        "jobId": JOB_ID,
        "shouldUseOriginalInputCommit": False,
    }


def test_job_runtime_execution_details_route(client: Domino, wire: requests_mock.Mocker) -> None:
    url = f"{JOB}/runtimeExecutionDetails"
    wire.get(url, json={"hardwareTierId": "small-k8s"})
    assert client.job_runtime_execution_details(JOB_ID) == {"hardwareTierId": "small-k8s"}
    assert api_calls(wire) == [("GET", url)]


def test_hardware_tiers_list_route(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(TIERS, json=TIER_LIST)
    assert client.hardware_tiers_list() == TIER_LIST
    assert client.get_hardware_tier_id_from_name("GPU") == "gpu-a"
    assert client.get_hardware_tier_id_from_name("None such") is None


# ---------------------------------------------------------------------- job_start_blocking


def test_job_start_blocking_returns_final_job_and_logs_stdout_once(
    client: Domino,
    started: requests_mock.Mocker,
    fake_time: FakeTime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    final = job("Succeeded", completed=True)
    started.get(JOB, [{"json": job("Queued")}, {"json": job("Running")}, {"json": final}])
    started.get(STDOUT, json={"setup": "s", "stdout": "<pre>result &amp; <span>42</span></pre>"})
    with caplog.at_level(logging.INFO, logger="domino"):
        assert client.job_start_blocking(command="main.py arg", poll_freq=2) == final
    assert len(calls(started, "GET", JOB)) == 3
    assert len(calls(started, "GET", STDOUT)) == 1
    assert "result & 42" in [r.getMessage() for r in caplog.records]
    assert all(pause <= 2 for pause in fake_time.sleeps)
    assert start_body(started)["commandToRun"] == "main.py arg"


@pytest.mark.parametrize("status", ["Failed", "Error", "Stopped"])
def test_job_start_blocking_any_non_succeeded_terminal_status_raises(
    client: Domino, started: requests_mock.Mocker, fake_time: FakeTime, status: str
) -> None:
    started.get(JOB, json=job(status, completed=status != "Failed"))
    started.get(STDOUT, json={"setup": "", "stdout": "Traceback\nValueError: bad"})
    with pytest.raises(exceptions.RunFailedException) as info:
        client.job_start_blocking(command="main.py")
    assert info.value.run_id == JOB_ID and info.value.status == status
    assert "ValueError: bad" in str(info.value) and JOB_ID in str(info.value)
    assert len(calls(started, "GET", STDOUT)) == 1


def test_job_start_blocking_tolerates_ignored_exceptions(
    client: Domino,
    started: requests_mock.Mocker,
    fake_time: FakeTime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    started.get(
        JOB,
        [
            {"exc": requests.exceptions.ConnectionError("reset")},
            {"json": job("Succeeded", completed=True)},
        ],
    )
    started.get(STDOUT, json={"stdout": ""})
    with caplog.at_level(logging.WARNING, logger="domino"):
        client.job_start_blocking(command="main.py")
    assert any(r.levelno == logging.WARNING for r in caplog.records)  # visible, not swallowed


def test_job_start_blocking_empty_ignore_exceptions_propagates(
    client: Domino, started: requests_mock.Mocker, fake_time: FakeTime
) -> None:
    started.get(JOB, exc=requests.exceptions.ConnectionError("reset"))
    with pytest.raises(requests.exceptions.ConnectionError):
        client.job_start_blocking(command="main.py", ignore_exceptions=())


def test_job_start_blocking_timeout_is_polling2_timeout_and_timeout_error(
    client: Domino, started: requests_mock.Mocker, fake_time: FakeTime
) -> None:
    started.get(JOB, json=job("Running"))
    with pytest.raises(polling2.TimeoutException) as info:
        client.job_start_blocking(command="main.py", poll_freq=1, max_poll_time=5)
    assert isinstance(info.value, TimeoutError)
    assert isinstance(info.value, exceptions.PollTimeoutError)
    assert str(info.value).endswith("did not finish within 5 s (last status: Running)")


def test_job_start_blocking_passes_kwargs_to_job_start(
    client: Domino, started: requests_mock.Mocker, fake_time: FakeTime
) -> None:
    started.get(JOB, json=job("Succeeded", completed=True))
    started.get(STDOUT, json={"stdout": ""})
    client.job_start_blocking(command="main.py arg", hardware_tier_name="Small", title="t")
    body = start_body(started)
    assert body["overrideHardwareTierId"] == "small-k8s" and body["title"] == "t"


def test_ctrl_c_while_waiting_names_the_job_that_keeps_running_and_how_to_stop_it(
    client: Domino, started: requests_mock.Mocker, fake_time: FakeTime
) -> None:
    started.get(JOB, [{"json": job("Running")}, {"exc": KeyboardInterrupt}])
    with pytest.raises(KeyboardInterrupt) as info:
        client.job_start_blocking(command="main.py")
    assert isinstance(info.value, exceptions.WaitInterrupted)
    assert (info.value.kind, info.value.execution_id) == ("job", JOB_ID)
    message = str(info.value)
    assert f"job {JOB_ID} of project alice/churn is still running" in message
    assert f"domino job stop {JOB_ID} --project alice/churn" in message
    assert not calls(started, "POST", f"{HOST}/v4/jobs/stop")  # it was not stopped
