"""What a user sees across a server restart: everything is still there, nothing hangs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import POLL, commit_ids, file_paths, job_status_of, wait_for

from domino.testing import LocalServer

SLOW = b"""\
import time
print("long job started", flush=True)
time.sleep(120)
"""


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "server-data"


def test_projects_files_jobs_tags_and_datasets_survive_a_restart(data_dir: Path) -> None:
    payload = bytes(range(256)) * 1000
    with LocalServer(data_dir) as first:
        key = first.api_key
        d = first.client("admin/quick-start")
        d.project_create("durable")
        d = first.client("admin/durable")
        d.files_upload("/data/payload.bin", payload)
        d.files_upload("/hello.py", b"print('before the restart')\n")
        job = d.job_start_blocking(command="hello.py", poll_freq=POLL, max_poll_time=60)
        d.tags_add(["kept"])
        dataset = d.datasets_create("kept-data", "survives")
        project_id = d.project_id
        head = commit_ids(d.commits_list())[0]

    with LocalServer(data_dir, api_key=key) as second:
        d = second.client("admin/durable")

        assert d.project_id == project_id
        assert commit_ids(d.commits_list())[0] == head
        assert {"data/payload.bin", "hello.py"} <= file_paths(d.files_list(head, "/"))
        assert d.files_download("/data/payload.bin").read() == payload
        assert job_status_of(d.job_status(job["id"])) == "Succeeded"
        assert "before the restart" in d.runs_stdout(job["id"])
        assert [t["name"] for t in d.tags_list()] == ["kept"]
        assert d.datasets_details(dataset["datasetId"])["description"] == "survives"
        # And it still runs new work.
        again = d.job_start_blocking(command="hello.py", poll_freq=POLL, max_poll_time=60)
        assert job_status_of(again) == "Succeeded"


def test_a_job_running_when_the_server_stops_is_terminal_afterwards_and_says_why(
    data_dir: Path,
) -> None:
    with LocalServer(data_dir) as first:
        key = first.api_key
        first.client().project_create("interrupted")
        d = first.client("admin/interrupted")
        d.files_upload("/slow.py", SLOW)
        job = d.job_start("slow.py")
        wait_for(
            lambda: d.runs_stdout(job["id"]),
            lambda out: "long job started" in out,
            what="slow job output",
        )

    with LocalServer(data_dir, api_key=key) as second:
        d = second.client("admin/interrupted")
        final = d.job_status(job["id"])

        assert final["statuses"]["isCompleted"] is True
        assert job_status_of(final) == "Error"
        assert final["commitDetails"]["outputCommitId"]
        assert "long job started" in d.runs_stdout(job["id"])
        log = d.get_run_log(job["id"]).lower()
        assert "shut down" in log or "stopped" in log
