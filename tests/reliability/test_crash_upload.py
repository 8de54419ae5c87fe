"""``kill -9`` of the server during a dataset upload and during project file uploads, restart on
the same data dir (and port): the upload resumes and completes, nothing committed is lost."""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from pathlib import Path

import requests
from live_support import TALLY, assert_store_intact
from server_support import Served

from domino import Domino
from domino.exceptions import DominoException

MiB = 1 << 20
KEY = "k-admin"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bytes_in(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*.part")) if folder.exists() else 0


def test_kill_9_during_a_dataset_upload_then_resume_completes(
    tmp_path: Path, monkeypatch: object
) -> None:
    data = tmp_path / "data"
    port = str(_free_port())
    args = ("--user", f"admin:{KEY}", "--port", port)
    server = Served(data, *args)
    client = Domino("admin/quick-start", host=server.url, api_key=KEY)
    dataset = client.datasets_create("crash", "")["datasetId"]
    tree = tmp_path / "tree"
    tree.mkdir()
    local = {}
    for i in range(6):
        blob = os.urandom(4 * MiB)
        (tree / f"f{i}.bin").write_bytes(blob)
        local[f"tree/f{i}.bin"] = hashlib.sha256(blob).hexdigest()
    os.chdir(tmp_path)
    uploads_dir = data / "uploads"
    outcome: list[object] = []

    def upload() -> None:
        try:
            outcome.append(
                client.datasets_upload_files(dataset, "tree", target_chunk_size=MiB, resume=True)
            )
        except DominoException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=upload)
    thread.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _bytes_in(uploads_dir) < 4 * MiB:
        time.sleep(0.01)  # some chunks are in, not all
    server.kill()
    TALLY["faults"] += 1
    TALLY["cases"] += 1
    again = Served(data, *args)
    try:
        thread.join(180)
        if not isinstance(outcome[0], str):  # the client gave up while the server was down
            assert isinstance(outcome[0], DominoException)
            upload()
            assert isinstance(outcome[-1], str), outcome
        listing = requests.get(
            f"{again.url}/_local/datasets/{dataset}/files",
            headers={"X-Domino-Api-Key": KEY},
            timeout=60,
        ).json()
    finally:
        again.interrupt()
    assert {f["path"]: f["sha256"] for f in listing} == local
    assert_store_intact(data)


def test_kill_9_during_file_uploads_loses_nothing_acknowledged(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = Served(data, "--user", f"admin:{KEY}")
    api = requests.Session()
    api.headers["X-Domino-Api-Key"] = KEY
    acknowledged: dict[str, bytes] = {}
    stop = threading.Event()

    def writer() -> None:
        i = 0
        while not stop.is_set():
            body = os.urandom(2000 + i)
            try:
                answer = api.put(f"{server.url}/v1/projects/admin/quick-start/w/{i}.bin",
                                 data=body, timeout=10)  # fmt: skip
            except requests.RequestException:
                return
            if answer.status_code == 201:
                acknowledged[f"w/{i}.bin"] = body
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    while len(acknowledged) < 40:
        time.sleep(0.01)
    server.kill()
    stop.set()
    thread.join(30)
    TALLY["faults"] += 1
    TALLY["cases"] += 1
    TALLY["requests"] += len(acknowledged)
    again = Served(data, "--user", f"admin:{KEY}")
    try:
        client = Domino("admin/quick-start", host=again.url, api_key=KEY)
        for path, body in acknowledged.items():
            assert client.files_download("/" + path).read() == body
    finally:
        again.interrupt()
    assert assert_store_intact(data) >= len(acknowledged)
