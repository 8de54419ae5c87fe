"""Helpers shared by the server tests (imported as a plain module: ``server_support``)."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

TERMINAL = {"Succeeded", "Failed", "Stopped", "Error"}
PYTHON = [sys.executable, "-m", "domino.server"]


class Api:
    """A requests session bound to one server and one credential."""

    def __init__(self, url: str, headers: dict[str, str] | None = None, auth: Any = None) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.headers.update(headers or {})
        self.session.auth = auth

    def request(self, method: str, path: str, **kw: Any) -> requests.Response:
        kw.setdefault("timeout", 30)
        return self.session.request(method, self.url + path, **kw)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> requests.Response:
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> requests.Response:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.request("DELETE", path, **kw)

    def ok(self, method: str, path: str, **kw: Any) -> Any:
        response = self.request(method, path, **kw)
        assert response.ok, f"{method} {path} -> {response.status_code} {response.text}"
        return response.json() if response.content else None


class Project:
    """A fresh project plus shortcuts for its routes."""

    def __init__(self, api: Api, full_name: str) -> None:
        self.api = api
        self.full_name = full_name
        self.owner, self.name = full_name.split("/")
        found = api.ok(
            "GET",
            f"/v4/gateway/projects/findProjectByOwnerAndName?ownerName={self.owner}"
            f"&projectName={self.name}",
        )
        self.id: str = found["id"]
        self.v1 = f"/v1/projects/{self.owner}/{self.name}"

    def upload(self, path: str, content: bytes | str) -> dict[str, Any]:
        data = content.encode() if isinstance(content, str) else content
        response = self.api.put(f"{self.v1}/{path.lstrip('/')}", data=data)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def commits(self) -> list[str]:
        result: list[str] = self.api.ok("GET", f"{self.v1}/commits")
        return result

    def files(self, commit: str, path: str = "/") -> dict[str, str]:
        """path → blob key of the files listed at ``commit``."""
        listing = self.api.ok("GET", f"{self.v1}/files/{commit}/{path}")
        return {e["path"]: e["key"] for e in listing["data"]}

    def download(self, commit: str, path: str) -> bytes:
        response = self.api.get(
            f"/api/projects/v1/projects/{self.id}/files/{commit}/{path}/content"
        )
        assert response.status_code == 200, response.text
        return response.content

    def start_run(self, command: list[str] | str, **extra: Any) -> str:
        body = {
            "command": command,
            "isDirect": False,
            "commitId": None,
            "title": None,
            "tier": None,
            "publishApiEndpoint": None,
        }
        body.update(extra)
        return str(self.api.ok("POST", f"{self.v1}/runs", json=body)["runId"])

    def start_job(self, command: str, **extra: Any) -> dict[str, Any]:
        body = {
            "projectId": self.id,
            "commandToRun": command,
            "commitId": None,
            "mainRepoGitRef": None,
            "overrideHardwareTierId": None,
            "onDemandSparkClusterProperties": None,
            "computeClusterProperties": None,
            "environmentId": None,
            "externalVolumeMounts": None,
            "title": None,
        }
        body.update(extra)
        job: dict[str, Any] = self.api.ok("POST", "/v4/jobs/start", json=body)
        return job

    def run(self, run_id: str) -> dict[str, Any]:
        run: dict[str, Any] = self.api.ok("GET", f"{self.v1}/runs/{run_id}")
        return run

    def stdout(self, run_id: str) -> dict[str, str]:
        out: dict[str, str] = self.api.ok("GET", f"{self.v1}/run/{run_id}/stdout")
        return out

    def wait_run(self, run_id: str, timeout: float = 30) -> dict[str, Any]:
        return wait_for(lambda: self.run(run_id), lambda r: r["status"] in TERMINAL, timeout)

    def job(self, job_id: str) -> dict[str, Any]:
        job: dict[str, Any] = self.api.ok("GET", f"/v4/jobs/{job_id}")
        return job

    def wait_job(self, job_id: str, timeout: float = 30) -> dict[str, Any]:
        return wait_for(lambda: self.job(job_id), lambda j: j["statuses"]["isCompleted"], timeout)

    def stop(self, job_id: str, commit_results: bool = True) -> requests.Response:
        return self.api.post(
            "/v4/jobs/stop",
            json={"projectId": self.id, "jobId": job_id, "commitResults": commit_results},
        )


def wait_for(fetch: Callable[[], Any], ok: Callable[[Any], bool], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    value = fetch()
    while not ok(value):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s; last value: {value!r}")
        time.sleep(0.03)
        value = fetch()
    return value


def alive_pids(pid_file: Path) -> list[int]:
    """The process ids listed (whitespace-separated) in ``pid_file`` that are still running."""
    found = []
    for pid in map(int, pid_file.read_text().split()):
        try:
            os.kill(pid, 0)
            found.append(pid)
        except ProcessLookupError:
            pass
    return found


def unique(prefix: str = "p") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class Served:
    """``domino-server serve --port 0`` in a subprocess; reads the URL it prints."""

    def __init__(self, data_dir: Path, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [*PYTHON, "serve", "--port", "0", "--data-dir", str(data_dir), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 30
        self.url = ""
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.lines.append(line)
            found = re.search(r"listening on (http://\S+)", line)
            if found:
                self.url = found.group(1)
                break
        assert self.url, "".join(self.lines)
        # Keep reading what it prints, so that a full pipe never blocks the server.
        self._drain = threading.Thread(target=self._read_rest, daemon=True)
        self._drain.start()
        while True:
            try:
                requests.get(self.url + "/version", timeout=5)
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, "server never answered"
                time.sleep(0.05)

    def _read_rest(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def interrupt(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=30)
        self._drain.join(10)
        return self.proc.returncode, "".join(self.lines)

    def kill(self) -> None:
        """SIGKILL (a crash: nothing is cleaned up)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._drain.join(10)


class Upload:
    """One upload session, speaking the wire protocol exactly as the clients do."""

    def __init__(self, server: Any, api: requests.Session, dataset: str, setting: str = "Ignore"):
        self.base = f"{server.url}/v4/datasetrw/datasets/{dataset}/snapshot/file"
        self.api = api
        response = api.post(
            self.base + "/start", json={"filePaths": [], "fileCollisionSetting": setting}
        )
        assert response.status_code == 200, response.text
        self.key = response.json()

    def chunk(
        self,
        rel: str,
        number: int,
        data: bytes,
        *,
        total: int = 1,
        chunk_size: int | None = None,
        identifier: str | None = None,
        checksum: str | None = None,
        current: int | None = None,
        field: str | None = None,
        extra_part_first: bool = False,
    ) -> requests.Response:
        checksum = checksum or hashlib.md5(data).hexdigest().upper()
        identifier = identifier or f"{len(data)}-{rel}"
        query = (
            f"key={self.key}&resumableChunkNumber={number}"
            f"&resumableChunkSize={chunk_size or max(len(data), 1)}"
            f"&resumableCurrentChunkSize={len(data) if current is None else current}"
            f"&resumableIdentifier={quote(identifier)}&resumableRelativePath={quote(rel)}"
            f"&resumableTotalChunks={total}&checksum={checksum}"
        )
        files: list[tuple[str, Any]] = []
        if extra_part_first:
            files.append(("note", (None, "not a file")))
        files.append((field or rel, (rel.rsplit("/", 1)[-1], data, "application/octet-stream")))
        return self.api.post(f"{self.base}?{query}", files=files, headers={"Csrf-Token": "nocheck"})

    def test(self, identifier: str, number: int, data: bytes, total: int = 1) -> int:
        checksum = hashlib.md5(data).hexdigest().upper()
        query = (
            f"key={self.key}&resumableChunkNumber={number}&resumableIdentifier="
            f"{quote(identifier)}&resumableTotalChunks={total}&checksum={checksum}"
        )
        return self.api.get(f"{self.base}/test?{query}").status_code

    def end(self, target: str | None = None) -> requests.Response:
        suffix = f"?targetRelativePath={quote(target)}" if target is not None else ""
        return self.api.get(f"{self.base}/end/{self.key}{suffix}")

    def cancel(self) -> requests.Response:
        return self.api.get(f"{self.base}/cancel/{self.key}")


def listing(server: Any, api: requests.Session, dataset: str) -> dict[str, str]:
    response = api.get(f"{server.url}/_local/datasets/{dataset}/files")
    assert response.status_code == 200, response.text
    return {f["path"]: f["sha256"] for f in response.json()}
