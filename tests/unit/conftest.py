"""Fixtures for wire-format tests: a Domino client talking to a requests-mock host.

``wire`` is a case-sensitive ``requests_mock.Mocker`` with ``GET /version`` and the project
lookup registered; ``client`` is a ``Domino("alice/churn")`` built against it. Unregistered
URLs raise ``NoMockAddress``, so no test can reach a real network.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pytest
import requests_mock
from wire_support import API_KEY, FIND_PROJECT, HOST, OWNER, PROJECT, PROJECT_ID, VERSION, FakeTime

import domino._wait
from domino import Domino


@pytest.fixture
def wire() -> Iterator[requests_mock.Mocker]:
    with requests_mock.Mocker(case_sensitive=True) as mocker:
        mocker.get(f"{HOST}/version", json={"version": VERSION, "buildId": "1"})
        mocker.get(FIND_PROJECT, json={"id": PROJECT_ID, "name": PROJECT})
        yield mocker


@pytest.fixture
def make_client(wire: requests_mock.Mocker) -> Any:
    """Build a client; registers ``/version`` with the given version first."""

    def build(version: str = VERSION, project: str = f"{OWNER}/{PROJECT}", **kwargs: Any) -> Domino:
        wire.get(f"{HOST}/version", json={"version": version})
        kwargs.setdefault("api_key", API_KEY)
        kwargs.setdefault("host", HOST)
        return Domino(project, **kwargs)

    return build


@pytest.fixture
def client(make_client: Any, wire: requests_mock.Mocker) -> Domino:
    built: Domino = make_client()
    wire.reset_mock()  # history starts after construction
    return built


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    """Make every ``*_blocking`` wait instantaneous (and its timing observable)."""
    fake = FakeTime()
    patched = functools.partial(
        domino._wait.poll, clock=fake.clock, sleep=fake.sleep, rand=lambda: 0.0
    )
    monkeypatch.setattr(domino._wait, "poll", patched)
    return fake
