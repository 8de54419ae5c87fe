"""Helpers for the reliability tests that run against a real domino-server.

Counts what the tests did (cases, faults injected, requests made); the conftest prints the
totals at the end of the session.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

_SERVER_TESTS = Path(__file__).resolve().parents[1] / "server"
if str(_SERVER_TESTS) not in sys.path:
    sys.path.insert(0, str(_SERVER_TESTS))

from server_support import TERMINAL, Api, Project, unique, wait_for  # noqa: E402

from domino.server.launch import probe_sandbox  # noqa: E402
from domino.testing import LocalServer  # noqa: E402

__all__ = [
    "TERMINAL",
    "TALLY",
    "CountingApi",
    "LocalServer",
    "Project",
    "SANDBOX",
    "new_project",
    "pids_with",
    "sleeper_token",
    "gone",
    "assert_store_intact",
    "unique",
    "wait_for",
]

TALLY: Counter[str] = Counter()
SANDBOX, SANDBOX_WHY = probe_sandbox()


class CountingApi(Api):
    def request(self, method: str, path: str, **kw: Any) -> Any:
        TALLY["requests"] += 1
        return super().request(method, path, **kw)


def new_project(server: LocalServer, api_key: str | None = None) -> Project:
    api = CountingApi(server.url, server.headers(api_key))
    return Project(api, server.create_project())


def pids_with(token: str) -> list[int]:
    """Processes (of any namespace) whose command line contains ``token``."""
    found = []
    me = os.getpid()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as fh:
                if token.encode() in fh.read():
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def gone(token: str, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while pids_with(token):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def sleeper_token() -> str:
    """A number no other process has on its command line (``sleep <token>`` is findable)."""
    import random

    return str(random.randint(10**8, 10**9 - 1)) + "7"


def assert_store_intact(data_dir: Path) -> int:
    """``PRAGMA integrity_check`` is ok and every blob's contents hash to its name; returns
    the number of blobs checked."""
    import hashlib
    import sqlite3

    with sqlite3.connect(data_dir / "domino.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    checked = 0
    for blob in (data_dir / "blobs").glob("*/*"):
        digest = hashlib.sha1(blob.read_bytes()).hexdigest()  # noqa: S324 - content address
        assert digest == blob.parent.name + blob.name, blob
        checked += 1
    return checked
