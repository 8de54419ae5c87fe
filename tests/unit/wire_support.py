"""Constants and helpers shared by the wire-format tests (imported by conftest and tests)."""

from __future__ import annotations

from typing import Any

import requests_mock

HOST = "http://domino.test:8899"
OWNER = "alice"
PROJECT = "churn"
PROJECT_ID = "aabbccddeeff001122334455"
API_KEY = "secret-api-key-123"
VERSION = "5.10.0"
FIND_PROJECT = f"{HOST}/v4/gateway/projects/findProjectByOwnerAndName"
FIND_PROJECT_URL = f"{FIND_PROJECT}?ownerName={OWNER}&projectName={PROJECT}"


def calls(
    wire: requests_mock.Mocker, method: str | None = None, url: str | None = None
) -> list[Any]:
    """Requests seen, optionally filtered by verb and exact URL (path + query)."""
    return [
        r
        for r in wire.request_history
        if (method is None or r.method == method) and (url is None or r.url == url)
    ]


def api_calls(wire: requests_mock.Mocker) -> list[tuple[str, str]]:
    """(verb, url) of every request except the project-id lookup."""
    return [(r.method, r.url) for r in wire.request_history if not r.url.startswith(FIND_PROJECT)]


class FakeTime:
    """A clock that only moves when the poller sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
