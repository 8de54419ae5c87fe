"""Helpers shared by the end-to-end test modules (imported as a plain module)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
import requests

# Small poll interval keeps the suite quick; executions here take well under a second.
POLL = 0.5
MAX_WAIT = 60.0

T = TypeVar("T")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def wait_for(
    fetch: Callable[[], T],
    ok: Callable[[T], bool],
    *,
    timeout: float = MAX_WAIT,
    what: str = "condition",
) -> T:
    """Poll ``fetch`` until ``ok`` holds; fail the test (not hang) after ``timeout``."""
    deadline = time.monotonic() + timeout
    value = fetch()
    while not ok(value):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}; last value: {value!r}")
        time.sleep(0.1)
        value = fetch()
    return value


def job_status_of(job: dict[str, Any]) -> str:
    return str(job["statuses"]["executionStatus"])


def output_commit_of(job: dict[str, Any]) -> str:
    return str(job["commitDetails"]["outputCommitId"])


def commit_ids(commits: list[Any]) -> list[str]:
    """``commits_list`` elements as ids: strings as documented, or 2.2.0-style ``{"id"}``."""
    return [c if isinstance(c, str) else c["id"] for c in commits]


def file_paths(listing: dict[str, Any]) -> set[str]:
    return {entry["path"] for entry in listing["data"]}


def local_json(server: Any, path: str) -> Any:
    """The JSON of domino-server's ``GET {path}`` (a ``/_local/`` inspection route) as admin."""
    response = requests.get(
        f"{server.url}{path}", headers={"X-Domino-Api-Key": server.api_key}, timeout=60
    )
    response.raise_for_status()
    return response.json()


def upload_stats(server: Any) -> dict[str, int]:
    """domino-server's chunk-upload counters."""
    return dict(local_json(server, "/_local/uploads/stats"))


def dataset_listing(server: Any, dataset_id: str) -> dict[str, tuple[int, str]]:
    """What the server stores for a dataset: path -> (size, sha256)."""
    files = local_json(server, f"/_local/datasets/{dataset_id}/files")
    return {f["path"]: (f["size"], f["sha256"]) for f in files}
