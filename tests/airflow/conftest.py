"""Fixtures for the Airflow tests: a migrated Airflow per version (skipped when its venv is
not given), and the scripts the test DAGs' jobs run."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from airflow_support import (  # noqa: E402
    PYTHON_VARIABLES,
    Airflow,
    migrated_airflow,
)

SCRIPTS = {
    "hello.py": 'import sys\nprint("hello from the Domino job", *sys.argv[1:])\n',
    "short.py": 'import sys, time\ntime.sleep(3)\nprint("short job done", *sys.argv[1:])\n',
    "fail.py": 'print("the job is failing now")\nraise SystemExit(3)\n',
    "slow.py": 'import time\nprint("slow job started", flush=True)\ntime.sleep(300)\n',
}


@pytest.fixture(
    scope="session", params=sorted(PYTHON_VARIABLES, reverse=True), ids=lambda v: f"airflow{v}"
)
def airflow(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Airflow:
    variable = PYTHON_VARIABLES[request.param]
    python = os.environ.get(variable)
    if not python:
        pytest.skip(f"{variable} is not set (make test builds the Airflow venvs)")
    home = tmp_path_factory.mktemp(f"airflow{request.param}-home")
    return migrated_airflow(request.param, Path(python), home)


@pytest.fixture(scope="session")
def job_project(domino_server: object) -> Callable[[], str]:
    """``make()`` → a new admin project holding the jobs' scripts."""

    def make() -> str:
        project = domino_server.create_project()  # type: ignore[attr-defined]
        client = domino_server.client(project)  # type: ignore[attr-defined]
        for name, text in SCRIPTS.items():
            client.files_upload(f"/{name}", io.BytesIO(text.encode()))
        return project

    return make
