"""Issue 12 items 5 and 6: paths that could never be created are refused when uploaded, and a
dataset upload's End survives ``kill -9`` in every collision mode (End again places each file
exactly once)."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from live_support import TALLY, LocalServer, assert_store_intact, new_project
from server_support import Served, Upload, listing

from domino import Domino


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with LocalServer(tmp_path_factory.mktemp("paths") / "data", workers=2) as server:
        yield server


def _dataset(url: str, key: str, project: str) -> str:
    client = Domino(project, host=url, api_key=key)
    return str(client.datasets_create(f"ds-{time.monotonic_ns()}", "")["datasetId"])


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/".join(["d"] * 1100) + "/f.txt", "levels deep"),
        ("/".join(["d"] * 64) + "/f.txt", "levels deep"),
        ("/".join(["x" * 200] * 6) + "/f.txt", "longer than 1024 bytes"),
    ],
    ids=["1100-deep", "65-deep", "1200-bytes"],
)
def test_project_files_that_could_not_be_materialised_are_refused(
    live: LocalServer, path: str, why: str
) -> None:
    project = new_project(live)
    response = project.api.put(f"{project.v1}/{path}", data=b"x")
    TALLY["cases"] += 1
    assert response.status_code == 400 and why in response.json()["message"], response.text
    assert project.files(project.commits()[0]) == {}


def test_the_deepest_accepted_path_still_runs_a_job(live: LocalServer) -> None:
    project = new_project(live)
    deepest = "/".join(["d"] * 63) + "/f.txt"
    project.upload(deepest, "deep\n")
    project.upload("main.sh", "cat " + deepest + "\n")
    run = project.wait_run(project.start_run(["main.sh"]), timeout=60)
    TALLY["cases"] += 1
    assert run["status"] == "Succeeded", project.stdout(run["id"])
    assert "deep" in project.stdout(run["id"])["stdout"]


def test_dataset_paths_that_could_not_be_placed_are_refused_at_the_chunk(
    live: LocalServer,
) -> None:
    dataset = _dataset(live.url, live.api_key, live.create_project())
    api = requests.Session()
    api.headers.update(live.headers())
    upload = Upload(live, api, dataset)
    for rel in ("/".join(["d"] * 100) + "/f", "/".join(["y" * 250] * 5)):
        TALLY["cases"] += 1
        answer = upload.chunk(rel, 1, b"data")
        assert answer.status_code == 400, answer.text
    # A file that fits alone but not under the End's target folder: 400, never a 500.
    fits = "/".join(["d"] * 63)
    assert upload.chunk(fits, 1, b"data").status_code == 200
    TALLY["cases"] += 1
    ended = upload.end(target="sub")
    assert ended.status_code in (400, 404), ended.text


N_FILES = 1000


def _fill(upload: Upload) -> dict[str, bytes]:
    contents = {f"f{i:05d}.txt": f"row {i}\n".encode() for i in range(N_FILES)}
    for rel, data in contents.items():
        answer = upload.chunk(rel, 1, data)
        assert answer.status_code == 200, answer.text
    TALLY["requests"] += len(contents)
    return contents


def _kill_during_end(server: Served, upload: Upload, files_dir: Path) -> int:
    """Send End and SIGKILL the server once some, not all, files are placed; how many were."""
    threading.Thread(target=lambda: _quiet(upload.end), daemon=True).start()
    deadline = time.monotonic() + 30
    placed = 0
    while time.monotonic() < deadline:
        try:
            placed = sum(1 for _ in files_dir.iterdir()) if files_dir.is_dir() else 0
        except OSError:
            placed = 0
        if placed:
            break
    server.kill()
    TALLY["faults"] += 1
    return placed


def _quiet(call: Any) -> None:
    try:
        call()
    except requests.RequestException:
        pass


@pytest.mark.parametrize("setting", ["Rename", "Ignore", "Overwrite"])
def test_kill_9_during_end_then_end_again_places_each_file_once(
    tmp_path: Path, setting: str
) -> None:
    data = tmp_path / "data"
    first = Served(data, "--user", "admin:k-admin")
    dataset = _dataset(first.url, "k-admin", "admin/quick-start")
    api = requests.Session()
    api.headers["X-Domino-Api-Key"] = "k-admin"
    upload = Upload(first, api, dataset, setting)
    contents = _fill(upload)
    files_dir = data / "datasets" / dataset / "files"
    placed = _kill_during_end(first, upload, files_dir)
    TALLY["cases"] += 1
    again = Served(data, "--user", "admin:k-admin")
    try:
        upload.base = upload.base.replace(first.url, again.url)
        ended = upload.end()
        assert ended.status_code == 200, ended.text + "".join(again.lines)[-2000:]
        assert upload.end().status_code == 200  # and once more: still the same answer
        found = listing(again, api, dataset)
    finally:
        again.interrupt()
    assert sorted(found) == sorted(contents), f"{len(found)} files after End, {placed} before"
    for rel, digest in found.items():
        assert digest == hashlib.sha256(contents[rel]).hexdigest()
    assert_store_intact(data)
