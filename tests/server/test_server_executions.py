"""Runs and jobs: one execution store, real processes, output commits, stop, logs, env."""

from __future__ import annotations

import re

import pytest
from server_support import Api, Project, wait_for

from domino.testing import LocalServer

SUCCEED = """\
import os, sys
print("hello", *sys.argv[1:])
os.makedirs("results", exist_ok=True)
with open("results/out.txt", "w") as fh:
    fh.write("computed 42\\n")
"""
FAIL = """\
import sys
print("about to fail")
print("boom: the answer was wrong", file=sys.stderr)
sys.exit(3)
"""
SLOW = """\
import time
print("slow job started", flush=True)
time.sleep(60)
print("never printed")
"""
STUBBORN = "trap '' TERM\necho stubborn started\nwhile true; do sleep 0.1; done\n"
ENV = """\
import json, os, urllib.request
names = ["DOMINO_PROJECT_OWNER", "DOMINO_PROJECT_NAME", "DOMINO_RUN_ID",
         "DOMINO_HARDWARE_TIER_ID", "DOMINO_API_HOST"]
for name in names:
    print(name, "=", os.environ.get(name))
request = urllib.request.Request(os.environ["DOMINO_API_HOST"] + "/v4/users",
                                 headers={"X-Domino-Api-Key": os.environ["DOMINO_USER_API_KEY"]})
with urllib.request.urlopen(request) as response:
    print("api status", response.status)
with open("key.txt", "w") as fh:
    fh.write(os.environ["DOMINO_USER_API_KEY"])
"""


def test_run_succeeds_and_output_commit_holds_created_files(project: Project) -> None:
    project.upload("main.py", SUCCEED)
    input_commit = project.commits()[0]
    run_id = project.start_run(["main.py", "x", "y"], title="first")
    assert re.fullmatch(r"[0-9a-f]{24}", run_id)
    run = project.wait_run(run_id)
    assert run["status"] == "Succeeded" and run["isCompleted"] is True
    assert run["commitId"] == input_commit
    assert run["outputCommitId"] not in ("", None, input_commit)
    assert run["completed"] is not None and run["title"] == "first"
    assert project.commits()[0] == run["outputCommitId"]
    assert project.download(run["outputCommitId"], "results/out.txt") == b"computed 42\n"
    assert "hello x y" in project.stdout(run_id)["stdout"]


def test_symlinks_fifos_and_linked_folders_left_by_a_job_never_reach_its_commit(
    project: Project, tmp_path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("host secret")
    project.upload("data.csv", "a,b\n")
    script = (
        f"ln -s /etc/passwd passwd.txt\n"
        f"ln -s {outside} linked\n"
        f"rm data.csv && ln -s {outside}/secret.txt data.csv\n"
        f"mkfifo pipe\n"
        f"echo mine > real.txt\n"
    )
    project.upload("leak.sh", script)
    run = project.wait_run(project.start_run(["leak.sh"]))
    assert run["status"] == "Succeeded", project.stdout(run["id"])
    assert set(project.files(run["outputCommitId"])) == {"leak.sh", "real.txt"}
    assert project.download(run["outputCommitId"], "real.txt") == b"mine\n"


def test_failed_run_still_gets_an_output_commit(project: Project) -> None:
    project.upload("fail.py", FAIL)
    run = project.wait_run(project.start_run(["fail.py"]))
    assert run["status"] == "Failed" and run["outputCommitId"]
    log = project.stdout(run["id"])
    assert set(log) == {"setup", "stdout"}
    assert "boom: the answer was wrong" in log["stdout"] and "about to fail" in log["stdout"]
    assert "code 3" in log["setup"]


def test_missing_script_is_error_with_a_message(project: Project) -> None:
    job = project.start_job("no_such_script.py --flag")
    final = project.wait_job(job["id"])
    assert final["statuses"]["executionStatus"] == "Error"
    assert final["commitDetails"]["outputCommitId"] == final["commitDetails"]["inputCommitId"]
    assert "no_such_script.py" in project.stdout(job["id"])["stdout"]


def test_nothing_changed_means_output_is_the_input_commit(project: Project) -> None:
    project.upload("noop.py", "print('nothing to write')\n")
    run = project.wait_run(project.start_run(["noop.py"]))
    assert run["status"] == "Succeeded"
    assert run["outputCommitId"] == run["commitId"]


def test_files_deleted_and_changed_by_the_process_are_committed(project: Project) -> None:
    project.upload("doomed.txt", "bye")
    project.upload("kept.txt", "old")
    project.upload("edit.sh", "rm doomed.txt\necho new > kept.txt\n")
    run = project.wait_run(project.start_run("edit.sh"))
    files = project.files(run["outputCommitId"])
    assert "doomed.txt" not in files and "kept.txt" in files
    assert project.download(run["outputCommitId"], "kept.txt") == b"new\n"


def test_stop_terminates_and_output_is_served_while_running(project: Project) -> None:
    project.upload("slow.py", SLOW)
    job = project.start_job("slow.py")
    wait_for(lambda: project.stdout(job["id"])["stdout"], lambda out: "slow job started" in out)
    assert project.job(job["id"])["statuses"]["executionStatus"] == "Running"
    assert project.run(job["id"])["outputCommitId"] is None
    stopped = project.stop(job["id"])
    assert stopped.status_code == 200
    final = project.wait_job(job["id"], timeout=60)
    assert final["statuses"]["executionStatus"] == "Stopped"
    assert final["commitDetails"]["outputCommitId"]
    assert "never printed" not in project.stdout(job["id"])["stdout"]


def test_stop_kills_a_process_that_ignores_sigterm(project: Project) -> None:
    project.upload("stubborn.sh", STUBBORN)
    run_id = project.start_run(["stubborn.sh"])
    wait_for(lambda: project.stdout(run_id)["stdout"], lambda out: "stubborn started" in out)
    project.stop(run_id).raise_for_status()
    final = project.wait_run(run_id, timeout=60)  # the session server's grace period is 2 s
    assert final["status"] == "Stopped" and final["outputCommitId"]


def test_stop_without_commit_results_keeps_the_input_commit(project: Project) -> None:
    script = (
        "open('made.txt', 'w').write('x')\nprint('made', flush=True)\nimport time\ntime.sleep(60)\n"
    )
    project.upload("w.py", script)
    job = project.start_job("w.py")
    wait_for(lambda: project.stdout(job["id"])["stdout"], lambda out: "made" in out)
    project.stop(job["id"], commit_results=False).raise_for_status()
    final = project.wait_job(job["id"], timeout=60)
    details = final["commitDetails"]
    assert details["outputCommitId"] == details["inputCommitId"]


def test_stopping_a_queued_execution_never_runs_it(tmp_path) -> None:
    with LocalServer(tmp_path / "data", workers=1) as server:
        project = Project(Api(server.url, server.headers()), server.create_project())
        project.upload("slow.py", SLOW)
        blocker = project.start_job("slow.py")
        queued = project.start_job("slow.py")
        assert project.job(queued["id"])["statuses"]["executionStatus"] == "Queued"
        project.stop(queued["id"]).raise_for_status()
        final = project.job(queued["id"])
        assert final["statuses"]["executionStatus"] == "Stopped"
        assert final["commitDetails"]["outputCommitId"] == final["commitDetails"]["inputCommitId"]
        assert project.stdout(queued["id"])["stdout"] == ""
        project.stop(blocker["id"]).raise_for_status()
        project.wait_job(blocker["id"], timeout=60)


def test_direct_command_runs_through_the_shell(project: Project) -> None:
    run = project.wait_run(project.start_run(["echo direct-$((6*7))"], isDirect=True))
    assert run["status"] == "Succeeded"
    assert "direct-42" in project.stdout(run["id"])["stdout"]


def test_v1_command_may_be_a_string(project: Project) -> None:
    project.upload("main.py", SUCCEED)
    run = project.wait_run(project.start_run("main.py 'a b' c"))
    assert "hello a b c" in project.stdout(run["id"])["stdout"]


def test_v4_job_args_are_split_like_a_shell(project: Project) -> None:
    project.upload("main.py", SUCCEED)
    job = project.start_job("main.py one 'two three'")
    assert job["statuses"]["isCompleted"] is False
    assert job["jobRunCommand"] == "main.py one 'two three'"
    final = project.wait_job(job["id"])
    assert final["statuses"]["executionStatus"] == "Succeeded"
    assert "hello one two three" in project.stdout(job["id"])["stdout"]


def test_process_gets_domino_env_and_a_working_api_key(project: Project) -> None:
    project.upload("env.py", ENV)
    run = project.wait_run(project.start_run(["env.py"], tier="Medium"))
    out = project.stdout(run["id"])["stdout"]
    assert f"DOMINO_PROJECT_OWNER = {project.owner}" in out
    assert f"DOMINO_PROJECT_NAME = {project.name}" in out
    assert f"DOMINO_RUN_ID = {run['id']}" in out
    assert "DOMINO_HARDWARE_TIER_ID = medium-k8s" in out
    assert f"DOMINO_API_HOST = {project.api.url}" in out
    assert "api status 200" in out
    assert run["status"] == "Succeeded"


def test_bearer_caller_gets_a_minted_key_revoked_afterwards(server, project: Project) -> None:
    project.upload("env.py", ENV)
    bearer = Api(server.url, {"Authorization": f"Bearer {server.token('admin')}"})
    project_as_bearer = Project(bearer, project.full_name)
    run = project.wait_run(project_as_bearer.start_run(["env.py"]))
    assert "api status 200" in project.stdout(run["id"])["stdout"]
    minted = project.download(run["outputCommitId"], "key.txt").decode()
    assert (
        minted and Api(server.url, {"X-Domino-Api-Key": minted}).get("/v4/users").status_code == 401
    )


def test_unknown_tier_name_and_bad_commit_are_400(project: Project) -> None:
    base = {"command": ["x.py"], "isDirect": False, "title": None, "publishApiEndpoint": None}
    bad_tier = project.api.post(
        f"{project.v1}/runs", json={**base, "tier": "Huge", "commitId": None}
    )
    assert bad_tier.status_code == 400 and "Huge" in bad_tier.json()["message"]
    bad_commit = project.api.post(
        f"{project.v1}/runs", json={**base, "tier": None, "commitId": "f" * 40}
    )
    assert bad_commit.status_code == 400


@pytest.mark.parametrize(
    "extra",
    [
        {"overrideHardwareTierId": "gigantic-k8s"},
        {"environmentId": "0123456789abcdef01234567"},
        {"commitId": "0" * 40},
        {"computeClusterProperties": {"clusterType": "Spark"}},
        {
            "computeClusterProperties": {
                "clusterType": "Flink",
                "computeEnvironmentId": "5f0000000000000000000002",
                "masterHardwareTierId": {"value": "small-k8s"},
                "workerHardwareTierId": {"value": "small-k8s"},
                "workerCount": 1,
            }
        },
        {
            "computeClusterProperties": {
                "clusterType": "Ray",
                "computeEnvironmentId": "5f0000000000000000000003",
                "masterHardwareTierId": {"value": "small-k8s"},
                "workerHardwareTierId": {"value": "small-k8s"},
                "workerCount": 0,
            }
        },
        {"onDemandSparkClusterProperties": {"executorCount": 2}},
    ],
)
def test_invalid_job_start_is_400(project: Project, extra: dict) -> None:
    body = {"projectId": project.id, "commandToRun": "main.py", **extra}
    response = project.api.post("/v4/jobs/start", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["message"]


def test_compute_cluster_properties_are_recorded(project: Project) -> None:
    project.upload("main.py", SUCCEED)
    cluster = {
        "clusterType": "Ray",
        "computeEnvironmentId": "5f0000000000000000000003",
        "computeEnvironmentRevisionSpec": "ActiveRevision",
        "masterHardwareTierId": {"value": "medium-k8s"},
        "workerHardwareTierId": {"value": "small-k8s"},
        "workerCount": 2,
        "maxWorkerCount": 4,
        "workerStorage": {"value": 10, "unit": "GiB"},
    }
    job = project.start_job("main.py", computeClusterProperties=cluster)
    assert project.job(job["id"])["computeCluster"]["workerCount"] == 2
    assert project.job(job["id"])["computeCluster"]["clusterType"] == "Ray"


def test_commit_id_pins_the_input_files(project: Project) -> None:
    project.upload("a.txt", "one")
    pinned = project.commits()[0]
    project.upload("a.txt", "two")
    run = project.wait_run(project.start_run(["cat a.txt"], isDirect=True, commitId=pinned))
    assert run["commitId"] == pinned
    assert project.stdout(run["id"])["stdout"] == "one"


def test_runs_list_is_newest_first_with_v1_fields(project: Project) -> None:
    first = project.start_run(["true"], isDirect=True)
    second = project.start_run(["true"], isDirect=True)
    listing = project.api.ok("GET", f"{project.v1}/runs")
    assert listing["objectType"] == "list" and listing["uri"].endswith("/runs")
    ids = [r["id"] for r in listing["data"]]
    assert ids.index(second) < ids.index(first)
    run = listing["data"][0]
    for key in (
        "projectId",
        "number",
        "startingUserId",
        "queued",
        "status",
        "commitId",
        "outputCommitId",
        "hardwareTierId",
        "isArchived",
        "title",
    ):
        assert key in run
    project.wait_run(first), project.wait_run(second)


def test_jobs_list_pages_orders_and_filters(project: Project) -> None:
    project.upload("fail.py", FAIL)
    ids = [project.start_job(cmd)["id"] for cmd in ("fail.py", "true", "fail.py")]
    for job_id in ids:
        project.wait_job(job_id)
    url = f"/v4/jobs?projectId={project.id}&order_by=number&page_no=1&show_archived=false"
    listed = project.api.ok("GET", url + "&sort_by=desc&status=all")
    assert listed["totalCount"] == 3 and [j["id"] for j in listed["jobs"]] == ids[::-1]
    ascending = project.api.ok("GET", url + "&sort_by=asc&status=all")
    assert [j["id"] for j in ascending["jobs"]] == ids
    page = project.api.ok("GET", url + "&sort_by=asc&status=all&page_size=2")
    assert [j["id"] for j in page["jobs"]] == ids[:2] and page["totalCount"] == 3
    page2 = project.api.ok(
        "GET", url.replace("page_no=1", "page_no=2") + "&sort_by=asc&page_size=2"
    )
    assert [j["id"] for j in page2["jobs"]] == ids[2:]
    failed = project.api.ok("GET", url + "&sort_by=asc&status=failed")
    assert [j["id"] for j in failed["jobs"]] == [ids[0], ids[2]]
    assert project.api.get(url + "&order_by=bogus").status_code == 400


def test_jobs_list_refuses_out_of_range_paging_with_400(project: Project) -> None:
    url = f"/v4/jobs?projectId={project.id}"
    for query in (
        "page_size=-1",
        "page_size=0",
        "page_no=0",
        "page_size=abc",
        f"page_size={10**30}",
        f"page_size=10&page_no={10**30}",
    ):
        response = project.api.get(f"{url}&{query}")
        assert response.status_code == 400, query
        assert response.json()["message"], query
    assert project.api.get(f"{url}&page_size=2147483647").status_code == 200


def test_job_restart_runs_the_same_command_again(project: Project) -> None:
    project.upload("main.py", SUCCEED)
    first = project.wait_job(project.start_job("main.py again")["id"])
    response = project.api.post(
        "/v4/jobs/restart", json={"jobId": first["id"], "shouldUseOriginalInputCommit": True}
    )
    assert response.status_code == 200
    restarted = response.json()
    assert restarted["id"] != first["id"]
    assert restarted["commitDetails"]["inputCommitId"] == first["commitDetails"]["inputCommitId"]
    final = project.wait_job(restarted["id"])
    assert final["statuses"]["executionStatus"] == "Succeeded"
    assert "hello again" in project.stdout(restarted["id"])["stdout"]


def test_runtime_execution_details_name_the_tier(project: Project) -> None:
    job = project.start_job("true", overrideHardwareTierId="large-k8s")
    details = project.api.ok("GET", f"/v4/jobs/{job['id']}/runtimeExecutionDetails")
    assert details["hardwareTierId"] == "large-k8s"
    assert details["hardwareTier"] == {"id": "large-k8s", "name": "Large"}
    assert details["environment"]["environmentName"]


def test_catalogues_have_the_documented_shapes(project: Project) -> None:
    tiers = project.api.ok("GET", f"/v4/projects/{project.id}/hardwareTiers")
    assert [t["hardwareTier"]["id"] for t in tiers] == ["small-k8s", "medium-k8s", "large-k8s"]
    defaults = [t["hardwareTier"]["id"] for t in tiers if t["hardwareTier"]["isDefault"]]
    flagged = [t["hardwareTier"]["id"] for t in tiers if t["hardwareTier"]["hwtFlags"]["isDefault"]]
    assert defaults == flagged == ["small-k8s"]
    envs = project.api.ok("GET", f"/v4/projects/{project.id}/useableEnvironments")
    assert envs["environments"] and all("id" in e for e in envs["environments"])
    spark = project.api.ok("GET", f"/v4/jobs/project/{project.id}/defaultSparkSettings")
    assert {
        "maximumExecutionSlotsPerUser",
        "executorHardwareTierId",
        "masterHardwareTierId",
    } <= set(spark)


def test_other_users_cannot_see_or_stop_jobs(project: Project, other_user) -> None:
    _, bob = other_user
    job = project.start_job("true")
    assert bob.get(f"/v4/jobs/{job['id']}").status_code == 403
    assert (
        bob.post("/v4/jobs/stop", json={"jobId": job["id"], "commitResults": True}).status_code
        == 403
    )
    project.wait_job(job["id"])


def test_concurrent_starts_get_distinct_numbers(project: Project) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        jobs = list(pool.map(lambda _: project.start_job("true"), range(12)))
    numbers = [j["number"] for j in jobs]
    assert sorted(numbers) == list(range(1, 13))
    for job in jobs:
        assert project.wait_job(job["id"])["statuses"]["executionStatus"] == "Succeeded"
