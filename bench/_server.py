"""A ``domino-server serve`` child process for the benchmarks.

The server runs in its own process so that it does not share a GIL with the client being
measured. It offers the parts of ``domino.testing.LocalServer``'s surface the benchmarks use.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]


def public_python() -> str | None:
    """The interpreter of the public client's venv (``$DOMINO_PUBLIC_CLIENT_PYTHON``, else
    ``.venv-public``), or ``None`` when it is not there."""
    configured = os.environ.get("DOMINO_PUBLIC_CLIENT_PYTHON")
    if configured:
        return configured
    candidate = ROOT / ".venv-public" / "bin" / "python"
    return str(candidate) if candidate.exists() else None


def clean_env() -> dict[str, str]:
    """This process's environment without its ``DOMINO_*`` settings, for a measured child."""
    return {k: v for k, v in os.environ.items() if not k.startswith("DOMINO_")}


def run_json_child(
    argv: list[str], *, cwd: str | Path, env: dict[str, str], timeout: float, what: str
) -> dict[str, Any]:
    """Run ``argv``, which prints its result as JSON on its last stdout line, and return that;
    a ``RuntimeError`` with the end of its stderr if it fails."""
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


class ServerProcess:
    """``python -m domino.server serve`` on a free port, with an ``admin`` user."""

    def __init__(
        self,
        data_dir: str | Path,
        *,
        startup_timeout: float = 60.0,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.data_dir = Path(data_dir)
        self.api_key = secrets.token_hex(16)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "domino.server",
                "serve",
                "--port",
                "0",
                "--data-dir",
                str(self.data_dir),
                "--user",
                f"admin:{self.api_key}",
                "--log-level",
                "warning",
                *extra_args,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + startup_timeout
        self.url = ""
        while not self.url:
            line = self.proc.stdout.readline()
            if not line or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("domino-server exited before reporting its address")
            found = re.search(r"listening on (http://\S+)", line)
            if found:
                self.url = found.group(1)
        while True:
            try:
                requests.get(self.url + "/version", timeout=2).raise_for_status()
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    self.stop()
                    raise
                time.sleep(0.05)

    def headers(self) -> dict[str, str]:
        return {"X-Domino-Api-Key": self.api_key}

    def get(self, path: str) -> Any:
        response = requests.get(self.url + path, headers=self.headers(), timeout=600)
        response.raise_for_status()
        return response.json()

    def put_file(self, project: str, path: str, content: bytes) -> None:
        """Write ``content`` to ``path`` in the project's files (a new commit)."""
        requests.put(
            f"{self.url}/v1/projects/{project}/{path}",
            data=content,
            headers=self.headers(),
            timeout=30,
        ).raise_for_status()

    def create_project(self, name: str) -> str:
        requests.post(
            self.url + "/project", data={"projectName": name}, headers=self.headers(), timeout=30
        ).raise_for_status()
        return f"admin/{name}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
