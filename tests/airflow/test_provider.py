"""The provider inside each Airflow venv: `airflow providers list`, and provider_checks.py
(registration, no deprecated imports, the hook's precedence, argument errors, no I/O in
__init__)."""

from __future__ import annotations

from pathlib import Path

import pytest
from airflow_support import Airflow, check_names, run_checks

SCRIPT = Path(__file__).with_name("provider_checks.py")


def test_airflow_providers_list_shows_the_provider(airflow: Airflow) -> None:
    done = airflow.run("providers", "list")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "dominodatalab" in done.stdout


@pytest.fixture(scope="session")
def provider_results(airflow: Airflow) -> dict[str, str]:
    return run_checks(airflow, SCRIPT, env={})


@pytest.mark.parametrize("check", check_names(SCRIPT))
def test_provider(provider_results: dict[str, str], check: str) -> None:
    assert provider_results.get(check) == "ok", provider_results.get(check)
