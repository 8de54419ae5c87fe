"""DominoJobTrigger driven with asyncio inside each Airflow venv (trigger_checks.py), against a
live domino-server: serialisation round trip, events for success, failure, deadline and errors,
transient errors tolerated, the event loop never blocked, on_kill stopping its own job."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from airflow_support import Airflow, check_names, connection_env, run_checks

SCRIPT = Path(__file__).with_name("trigger_checks.py")


@pytest.fixture(scope="session")
def trigger_results(
    airflow: Airflow, domino_server: Any, job_project: Callable[[], str]
) -> dict[str, str]:
    env = {
        **connection_env(domino_server),
        "DOMINO_AF_HOST": domino_server.url,
        "DOMINO_AF_KEY": domino_server.api_key,
    }
    return run_checks(airflow, SCRIPT, job_project(), env=env)


@pytest.mark.parametrize("check", check_names(SCRIPT))
def test_trigger(trigger_results: dict[str, str], check: str) -> None:
    assert trigger_results.get(check) == "ok", trigger_results.get(check)
