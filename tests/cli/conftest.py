"""click-runner tests of the ``domino`` command line against a requests-mock Domino.

``wire`` mocks ``GET /version`` and the project lookup; ``domino(*args)`` invokes the command
line with that host and key in the environment and returns click's result (stdout and stderr
apart). ``fake_time`` makes waits instantaneous.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import pytest
import requests_mock
from cli_support import FIND_PROJECT, HOST, KEY, PROJECT, PROJECT_ID
from click.testing import CliRunner, Result

import domino._wait


@pytest.fixture
def wire() -> Iterator[requests_mock.Mocker]:
    with requests_mock.Mocker(case_sensitive=True) as mocker:
        mocker.get(f"{HOST}/version", json={"version": "5.10.0"})
        mocker.get(FIND_PROJECT, json={"id": PROJECT_ID, "name": "churn"})
        yield mocker


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    sleeps: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    patched = functools.partial(
        domino._wait.poll, clock=lambda: now[0], sleep=sleep, rand=lambda: 0.0
    )
    monkeypatch.setattr(domino._wait, "poll", patched)
    return sleeps


@pytest.fixture
def domino_cli(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """``domino_cli(*args, env=None, input=None)``: run the command line in-process."""
    from domino.cli import cli

    def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
        environment = {
            "DOMINO_API_HOST": HOST,
            "DOMINO_USER_API_KEY": KEY,
            "DOMINO_PROJECT": PROJECT,
            "DOMINO_MAX_RETRIES": "0",
        }
        environment.update(env or {})
        runner = CliRunner()
        return runner.invoke(cli, list(args), env=environment, input=input, catch_exceptions=False)

    return invoke
