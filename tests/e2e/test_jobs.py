"""Executions through the v4 jobs API: start, status, list, restart, stop and blocking waits."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from e2e_support import POLL, commit_ids, file_paths, job_status_of, output_commit_of, wait_for

import domino
from domino.exceptions import (
    CommitNotFoundException,
    EnvironmentNotFoundException,
    HardwareTierNotFoundException,
    PollTimeoutError,
    RunFailedException,
)

HELLO = """\
import os, sys
print("job says", *sys.argv[1:])
print("tier", os.environ.get("DOMINO_HARDWARE_TIER_ID"))
"""

FAIL = """\
import sys
print("job is failing now")
sys.exit(7)
"""

SLOW = """\
import time
print("slow job started", flush=True)
time.sleep(120)
"""

WRITER = """\
import os
os.makedirs("results", exist_ok=True)
with open("results/out.txt", "w") as f:
    f.write("computed 6*7=%d\\n" % (6 * 7))
with open("results/blob.bin", "wb") as f:
    f.write(bytes(range(256)) * 4)
print("wrote results")
"""

# The job calls the API back with what the server put in its environment.
CALLBACK = """\
import os
import requests
host = os.environ["DOMINO_API_HOST"].rstrip("/")
key = os.environ["DOMINO_USER_API_KEY"]
owner = os.environ["DOMINO_PROJECT_OWNER"]
name = os.environ["DOMINO_PROJECT_NAME"]
me = os.environ["DOMINO_RUN_ID"]
headers = {"X-Domino-Api-Key": key}
version = requests.get(host + "/version", headers=headers, timeout=10)
print("version", version.status_code, version.json()["version"])
runs = requests.get(f"{host}/v1/projects/{owner}/{name}/runs", headers=headers, timeout=10)
ids = [run["id"] for run in runs.json()["data"]]
print("runs", runs.status_code, "self-listed" if me in ids else "self-missing")
"""

# Inside a Domino execution the client needs no arguments: host, key and project come from
# the environment the server sets up.
IN_JOB_CLIENT = """\
import os
from domino import Domino
d = Domino(os.environ["DOMINO_PROJECT_OWNER"] + "/" + os.environ["DOMINO_PROJECT_NAME"])
mine = [r for r in d.runs_list()["data"] if r["id"] == os.environ["DOMINO_RUN_ID"]]
print("in-job client sees itself as", mine[0]["status"])
d.files_upload("/from-inside.txt", b"uploaded by the job")
"""


def _wait_done(client: domino.Domino, job_id: str) -> dict[str, Any]:
    return wait_for(
        lambda: client.job_status(job_id),
        lambda job: bool(job["statuses"]["isCompleted"]),
        what=f"job {job_id}",
    )


def test_job_start_and_job_status_follow_the_job_to_succeeded(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("hello.py", HELLO)

    job = client.job_start("hello.py one two", title="greeting")

    assert re.fullmatch(r"[0-9a-f]{24}", job["id"])
    assert job["statuses"]["isCompleted"] is False
    final = _wait_done(client, job["id"])
    assert job_status_of(final) == "Succeeded"
    assert output_commit_of(final)
    assert "job says one two" in client.runs_stdout(job["id"])


def test_job_start_blocking_returns_the_final_succeeded_job(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("hello.py", HELLO)

    final = client.job_start_blocking(command="hello.py", poll_freq=POLL, max_poll_time=60)

    assert job_status_of(final) == "Succeeded"
    assert final["statuses"]["isCompleted"] is True
    assert output_commit_of(final)


def test_job_start_blocking_of_a_failing_job_raises_with_status_and_output(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("fail.py", FAIL)

    with pytest.raises(RunFailedException) as excinfo:
        client.job_start_blocking(command="fail.py", poll_freq=POLL, max_poll_time=60)

    err = excinfo.value
    assert err.status == "Failed"
    assert err.run_id and err.run_id in str(err)
    assert "job is failing now" in (err.output_tail or "")


def test_job_stopped_from_another_thread_makes_the_blocking_wait_raise(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("slow.py", SLOW)
    stopper_errors: list[BaseException] = []

    def stop_it() -> None:
        try:
            running = wait_for(
                lambda: client.jobs_list(client.project_id)["jobs"],
                lambda jobs: any(job_status_of(j) == "Running" for j in jobs),
                what="slow job running",
            )
            job_id = next(j["id"] for j in running if job_status_of(j) == "Running")
            wait_for(
                lambda: client.runs_stdout(job_id),
                lambda out: "slow job started" in out,
                what="slow job output",
            )
            client.job_stop(job_id)
        except BaseException as exc:  # surfaced in the main thread below
            stopper_errors.append(exc)

    stopper = threading.Thread(target=stop_it, daemon=True)
    stopper.start()
    try:
        with pytest.raises(RunFailedException) as excinfo:
            client.job_start_blocking(command="slow.py", poll_freq=POLL, max_poll_time=60)
    finally:
        stopper.join(timeout=30)

    assert stopper_errors == []
    err = excinfo.value
    assert err.status == "Stopped"
    assert "slow job started" in (err.output_tail or "")
    final = client.job_status(err.run_id)
    assert job_status_of(final) == "Stopped"
    assert output_commit_of(final)


def test_jobs_list_pages_and_counts_the_projects_jobs(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("hello.py", HELLO)
    ids = [client.job_start(f"hello.py {i}")["id"] for i in range(3)]
    for job_id in ids:
        _wait_done(client, job_id)

    listed = client.jobs_list(client.project_id)
    one_page = client.jobs_list(client.project_id, page_size=2, page_no=1)

    assert listed["totalCount"] == 3
    assert [job["id"] for job in listed["jobs"]] == list(reversed(ids))
    assert len(one_page["jobs"]) == 2
    assert one_page["totalCount"] == 3


def test_job_restart_starts_a_new_job_with_the_same_command(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("hello.py", HELLO)
    original = client.job_start_blocking(command="hello.py again", poll_freq=POLL)

    response = client.job_restart(original["id"])

    assert response.ok
    jobs = wait_for(
        lambda: client.jobs_list(client.project_id)["jobs"],
        lambda jobs: len(jobs) == 2,
        what="restarted job listed",
    )
    restarted = next(job for job in jobs if job["id"] != original["id"])
    final = _wait_done(client, restarted["id"])
    assert job_status_of(final) == "Succeeded"
    assert "job says again" in client.runs_stdout(restarted["id"])


def test_job_runtime_execution_details_name_the_hardware_tier(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("hello.py", HELLO)
    job = client.job_start_blocking(command="hello.py", poll_freq=POLL)

    details = client.job_runtime_execution_details(job["id"])

    tier = details["hardwareTier"]
    tier_id = tier["id"] if isinstance(tier, dict) else details["hardwareTierId"]
    assert tier_id == "small-k8s"


def test_job_on_a_hardware_tier_chosen_by_name_runs_on_that_tier(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("hello.py", HELLO)
    medium = next(
        t["hardwareTier"]
        for t in client.hardware_tiers_list()
        if t["hardwareTier"]["id"] == "medium-k8s"
    )

    job = client.job_start_blocking(
        command="hello.py", hardware_tier_name=medium["name"], poll_freq=POLL
    )

    assert "tier medium-k8s" in client.runs_stdout(job["id"])
    details = client.job_runtime_execution_details(job["id"])
    assert "medium-k8s" in (str(details.get("hardwareTierId")), str(details["hardwareTier"]))


def test_unknown_hardware_tier_name_is_rejected_before_starting(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("hello.py", HELLO)

    with pytest.raises(HardwareTierNotFoundException):
        client.job_start("hello.py", hardware_tier_name="no-such-tier")

    assert client.jobs_list(client.project_id)["jobs"] == []


def test_files_written_by_a_job_land_in_its_output_commit(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("writer.py", WRITER)

    job = client.job_start_blocking(command="writer.py", poll_freq=POLL)

    commit = output_commit_of(job)
    listing = client.files_list(commit, "results/")
    assert {"results/out.txt", "results/blob.bin"} <= file_paths(listing)
    assert client.blobs_get_v2("results/out.txt", commit, client.project_id).read() == (
        b"computed 6*7=42\n"
    )
    assert client.files_download("/results/blob.bin", commit).read() == bytes(range(256)) * 4
    # The output commit becomes the project's head, so later executions see the results.
    assert client.files_download("/results/out.txt").read() == b"computed 6*7=42\n"


def test_job_can_call_the_api_with_the_credentials_it_is_given(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("callback.py", CALLBACK)

    job = client.job_start_blocking(command="callback.py", poll_freq=POLL)

    out = client.runs_stdout(job["id"])
    assert "version 200 5.11.0" in out
    assert "runs 200 self-listed" in out


def test_job_stop_without_commit_results_still_finishes_stopped(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("slow.py", SLOW)
    job = client.job_start("slow.py")
    wait_for(
        lambda: client.job_status(job["id"]),
        lambda j: job_status_of(j) == "Running",
        what="job running",
    )

    response = client.job_stop(job["id"], commit_results=False)

    assert response.ok
    final = _wait_done(client, job["id"])
    assert job_status_of(final) == "Stopped"


def test_job_start_with_an_older_commit_runs_that_commits_code(client: domino.Domino) -> None:
    client.files_upload("/v.py", b"print('job code one')\n")
    first = commit_ids(client.commits_list())[0]
    client.files_upload("/v.py", b"print('job code two')\n")

    job = client.job_start_blocking(command="v.py", commit_id=first, poll_freq=POLL)

    assert "job code one" in client.runs_stdout(job["id"])
    assert job["commitDetails"]["inputCommitId"] == first


def test_unknown_commit_id_is_rejected_before_starting(client: domino.Domino) -> None:
    client.files_upload("/v.py", b"print('x')\n")

    with pytest.raises(CommitNotFoundException):
        client.job_start("v.py", commit_id="f" * 40)

    assert client.jobs_list(client.project_id)["jobs"] == []


def test_unknown_environment_is_rejected_before_starting(client: domino.Domino) -> None:
    client.files_upload("/v.py", b"print('x')\n")

    with pytest.raises(EnvironmentNotFoundException):
        client.job_start("v.py", environment_id="0" * 24)

    assert client.jobs_list(client.project_id)["jobs"] == []


def test_job_blocking_wait_past_its_deadline_raises_poll_timeout_with_last_status(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("slow.py", SLOW)

    with pytest.raises(PollTimeoutError) as excinfo:
        client.job_start_blocking(command="slow.py", poll_freq=POLL, max_poll_time=1.5)

    last = excinfo.value.last
    assert isinstance(last, dict) and job_status_of(last) in {"Queued", "Running"}
    client.job_stop(last["id"])
    final = _wait_done(client, last["id"])
    assert job_status_of(final) == "Stopped"


def test_more_jobs_than_workers_all_run_to_completion_with_their_own_output(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("hello.py", HELLO)

    ids = [client.job_start(f"hello.py n{i}")["id"] for i in range(12)]

    for i, job_id in enumerate(ids):
        assert job_status_of(_wait_done(client, job_id)) == "Succeeded"
        assert f"job says n{i}\n" in client.runs_stdout(job_id)
    assert client.jobs_list(client.project_id)["totalCount"] == 12


def test_job_that_cannot_start_ends_in_error_and_the_blocking_wait_raises(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    # The public client returned normally for "Error"; only "Failed" raised there.
    upload("hello.py", HELLO)

    with pytest.raises(RunFailedException) as excinfo:
        client.job_start_blocking(command="not_uploaded.py", poll_freq=POLL, max_poll_time=60)

    err = excinfo.value
    assert err.status == "Error"
    assert "not_uploaded.py" in (err.output_tail or "")
    assert output_commit_of(client.job_status(err.run_id))


def test_domino_client_inside_a_job_works_from_the_environment_alone(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("inside.py", IN_JOB_CLIENT)

    job = client.job_start_blocking(command="inside.py", poll_freq=POLL)

    assert "in-job client sees itself as Running" in client.runs_stdout(job["id"])
    assert client.files_download("/from-inside.txt").read() == b"uploaded by the job"


def test_upload_made_while_a_job_runs_is_not_lost_when_the_job_commits(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload(
        "pause.py",
        "import time\nprint('paused', flush=True)\ntime.sleep(1)\n"
        "open('job-output.txt', 'w').write('from the job')\n",
    )
    job = client.job_start("pause.py")
    wait_for(lambda: client.runs_stdout(job["id"]), lambda out: "paused" in out, what="pause")

    client.files_upload("/during.txt", b"uploaded meanwhile")
    final = _wait_done(client, job["id"])

    head = commit_ids(client.commits_list())[0]
    assert {"during.txt", "job-output.txt", "pause.py"} <= file_paths(client.files_list(head))
    assert client.files_download("/during.txt").read() == b"uploaded meanwhile"
    assert client.files_download("/job-output.txt").read() == b"from the job"
    assert job_status_of(final) == "Succeeded"


def test_failure_of_a_chatty_job_reports_only_the_tail_of_its_output(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload(
        "chatty.py",
        "import sys\nfor i in range(50000):\n    print('line', i)\n"
        "print('LAST LINE')\nsys.exit(2)\n",
    )

    with pytest.raises(RunFailedException) as excinfo:
        client.job_start_blocking(command="chatty.py", poll_freq=POLL, max_poll_time=60)

    tail = excinfo.value.output_tail or ""
    assert tail.rstrip().endswith("LAST LINE")
    assert "line 0\n" not in tail
    assert len(tail) < 10_000 and len(str(excinfo.value)) < 10_000
    # The full output is still there for whoever asks for it.
    full = client.runs_stdout(excinfo.value.run_id)
    assert full.startswith("line 0\n") and "line 49999\nLAST LINE" in full
