"""The client through a fault-injecting proxy (20% of requests: resets before and after the
server saw them, 502/503/429 with Retry-After, stalls past the read timeout, truncated bodies):
a 64 MB dataset upload ends byte-identical, job_start_blocking returns the right final status,
file round trips are identical, no job starts twice, and every failure the client reports is a
typed exception raised within a bounded time."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import urllib3
from fault_proxy import FaultProxy
from live_support import TALLY, LocalServer

from domino import Domino
from domino.exceptions import DominoException

MiB = 1 << 20
READ_TIMEOUT = 4.0
# A call may retry DOMINO_MAX_RETRIES (4) times, each waiting at most a read timeout plus a
# capped Retry-After: nothing the client does may take longer than this.
BOUND = 120.0


@pytest.fixture()
def setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[LocalServer, FaultProxy, Domino]]:
    monkeypatch.setenv("DOMINO_HTTP_TIMEOUT", f"5,{READ_TIMEOUT:g}")
    with LocalServer(tmp_path / "data", workers=2) as server:
        project = server.create_project()
        seed = int(os.environ.get("FAULT_PROXY_SEED", "12"))
        with FaultProxy(server.url, rate=0.2, seed=seed, stall=READ_TIMEOUT + 1.5) as proxy:
            client = Domino(project, host=proxy.url, api_key=server.api_key)
            yield server, proxy, client
            TALLY["faults"] += sum(proxy.faults.values())
            TALLY["requests"] += proxy.requests
            print(f"fault proxy: {proxy.requests} requests, faults {dict(proxy.faults)}")


def _timed(failures: list[BaseException], call: Any, *args: Any) -> Any:
    started = time.monotonic()
    try:
        return call(*args)
    except DominoException as exc:  # typed, and named for what happened
        failures.append(exc)
        return None
    finally:
        assert time.monotonic() - started < BOUND


def _tree(root: Path, total: int) -> dict[str, str]:
    root.mkdir()
    sizes = [4 * MiB] * (total // (4 * MiB) - 1) + [MiB // 2] * 8
    digests = {}
    for i, size in enumerate(sizes):
        rel = f"part-{i:02d}/data-{i}.bin" if i % 2 else f"data-{i}.bin"
        path = root / rel
        path.parent.mkdir(exist_ok=True)
        data = os.urandom(size)
        path.write_bytes(data)
        digests[rel] = hashlib.sha256(data).hexdigest()
    return digests


def test_dataset_upload_of_64_mb_through_faults_is_byte_identical(
    setup: tuple[LocalServer, FaultProxy, Domino], tmp_path: Path
) -> None:
    server, proxy, client = setup
    local = _tree(tmp_path / "tree", 64 * MiB)
    dataset = None
    failures: list[BaseException] = []
    for _ in range(3):  # creating the dataset is a POST: a fault there is reported, typed
        dataset = _timed(failures, client.datasets_create, f"big-{time.time_ns()}", "")
        if dataset:
            break
    assert dataset, failures
    os.chdir(tmp_path)
    upload_failures: list[BaseException] = []
    _timed(upload_failures, client.datasets_upload_files, dataset["datasetId"], "tree")
    TALLY["cases"] += 1
    assert not upload_failures, upload_failures
    listing = requests.get(
        f"{server.url}/_local/datasets/{dataset['datasetId']}/files",
        headers=server.headers(),
        timeout=60,
    ).json()
    found = {f["path"].removeprefix("tree/"): f["sha256"] for f in listing}
    assert found == local


def test_jobs_and_file_round_trips_through_faults(
    setup: tuple[LocalServer, FaultProxy, Domino],
) -> None:
    server, proxy, client = setup
    failures: list[BaseException] = []
    while _timed(failures, client.files_upload, "/ok.sh", b"echo fine\n") is None:
        pass
    while _timed(failures, client.files_upload, "/bad.sh", b"exit 3\n") is None:
        pass
    outcomes = []
    for i in range(6):
        script = "ok.sh" if i % 2 == 0 else "bad.sh"
        started = time.monotonic()
        try:
            job = client.job_start_blocking(command=script, poll_freq=0.2, max_poll_time=90)
            outcomes.append(("Succeeded", job["statuses"]["executionStatus"]))
        except DominoException as exc:
            failures.append(exc)
            outcomes.append((type(exc).__name__, getattr(exc, "status", None)))
        assert time.monotonic() - started < BOUND
        TALLY["cases"] += 1
    for i, (kind, status) in enumerate(outcomes):
        if i % 2 == 0 and kind == "Succeeded":
            assert status == "Succeeded"
        if i % 2 == 1 and kind == "RunFailedException":
            assert status == "Failed"
    assert any(kind == "Succeeded" for kind, _ in outcomes)
    # No job was started twice: every start the server received made exactly one execution,
    # and the client never repeated a start on its own.
    starts = sum(1 for method, path in proxy.forwarded if path == "/v4/jobs/start")
    project_id = client.project_id
    jobs = requests.get(
        f"{server.url}/v4/jobs",
        params={"projectId": project_id, "page_size": 100},
        headers=server.headers(),
        timeout=30,
    ).json()["jobs"]
    assert len(jobs) == starts <= 6

    round_trips = raw_cut = 0
    for i in range(12):
        data = os.urandom(1000 + i * 50_000)
        if _timed(failures, client.files_upload, f"/round/{i}.bin", data) is None:
            continue
        try:
            stream = _timed(failures, client.files_download, f"/round/{i}.bin")
            body = stream.read() if stream is not None else None
        except urllib3.exceptions.ProtocolError:
            # files_download hands back the raw urllib3 stream (as the public client does):
            # a body cut short is reported by urllib3 while the caller reads, never silently.
            raw_cut += 1
            continue
        if body is not None:
            assert body == data
            round_trips += 1
        TALLY["cases"] += 1
    assert round_trips >= 6, failures
    for failure in failures:
        assert isinstance(failure, DominoException)
