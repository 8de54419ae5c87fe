"""Issue 12 item 7: what one request or one job may cost the server is bounded."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from live_support import TALLY, LocalServer, new_project

from domino.server import launch
from domino.server.http_limits import HttpLimits

MiB = 1 << 20
LIMITS = HttpLimits(json_body=1 * MiB, body_timeout=1.5, header_timeout=1.5)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    data = tmp_path_factory.mktemp("bounds") / "data"
    (data / "tmp").mkdir(parents=True)
    for i in range(3):  # what crashed writers leave behind
        (data / "tmp" / f"blob-left-{i}").write_bytes(b"x" * 1000)
    with LocalServer(data, http_limits=LIMITS) as server:
        yield server


def test_temporary_files_of_an_earlier_crash_are_removed_at_start(live: LocalServer) -> None:
    TALLY["cases"] += 1
    assert not list((live.data_dir / "tmp").glob("blob-left-*"))


def test_a_json_body_over_the_cap_is_413_declared_or_streamed(live: LocalServer) -> None:
    url = live.url + "/v4/projects"
    big = b'{"name": "' + b"x" * (2 * MiB) + b'"}'
    declared = requests.post(url, data=big, headers=live.headers(), timeout=30)
    TALLY["cases"] += 2
    TALLY["requests"] += 2
    assert declared.status_code == 413 and "limit" in declared.json()["message"]

    def chunks() -> Iterator[bytes]:
        yield big[: MiB // 2]
        yield big[MiB // 2 :]

    streamed = requests.post(url, data=chunks(), headers=live.headers(), timeout=30)
    assert streamed.status_code == 413, streamed.text
    # Small bodies are untouched.
    assert requests.get(live.url + "/version", timeout=10).ok


def test_a_stalled_body_is_408_and_stalled_headers_close_the_connection(
    live: LocalServer,
) -> None:
    host, port = live.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(
            b"POST /v4/projects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\nX-Domino-Api-Key: " + live.api_key.encode() + b"\r\n\r\n{"
        )
        answer = _read_all(sock)
    TALLY["cases"] += 2
    TALLY["faults"] += 2
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\n")  # never finished
        started = time.monotonic()
        assert _read_all(sock) == b""  # closed, without an answer
        assert time.monotonic() - started < 15


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_tags_are_deduplicated_and_capped_per_request(live: LocalServer) -> None:
    project = new_project(live)
    url = f"/v4/projects/{project.id}/tags"
    names = [f"tag-{i % 500}" for i in range(1000)]
    added = project.api.ok("POST", url, json={"tagNames": names})
    TALLY["cases"] += 2
    assert len(added) == 500 and [t["name"] for t in added[:2]] == ["tag-0", "tag-1"]
    too_many = project.api.post(url, json={"tagNames": [f"t{i}" for i in range(40_000)]})
    assert too_many.status_code == 400 and "at most 1000" in too_many.json()["message"]


def test_a_huge_log_is_capped_and_previews_read_only_the_tail(
    live: LocalServer, tmp_path: Path
) -> None:
    launch.configure(live.data_dir, sandbox=live.sandbox, log_cap=2 * MiB)
    try:
        project = new_project(live)
        project.upload(
            "noisy.py",
            "import sys\nfor i in range(400_000):\n    print(f'line {i:07d}', 'x' * 40)\n"
            "print('the end', file=sys.stderr)\n",
        )
        run = project.wait_run(project.start_run(["noisy.py"]), timeout=120)
    finally:
        launch.configure(live.data_dir, sandbox=live.sandbox)
    TALLY["cases"] += 1
    assert run["status"] == "Succeeded"
    log = project.api.ok("GET", f"{project.v1}/run/{run['id']}/stdout")["stdout"]
    assert 2 * MiB <= len(log) < 2 * MiB + 200
    assert "output truncated" in log and "the end" not in log
    assert log.startswith("line 0000000")
    tail = project.api.ok(
        "GET", f"{project.v1}/run/{run['id']}/stdout", params={"previewNumberOfLines": 2}
    )["stdout"]
    assert tail.count("\n") == 2 and "output truncated" in tail
