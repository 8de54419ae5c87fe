"""Running a real Airflow (a separate venv per version) from the pytest process.

One migrated ``AIRFLOW_HOME`` (SQLite) per Airflow version per session; each DAG file under
``dags/`` is run once with ``airflow dags test`` and the outcome read back from its database.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DAGS = Path(__file__).resolve().parent / "dags"
PYTHON_VARIABLES = {"3": "DOMINO_AIRFLOW3_PYTHON", "2": "DOMINO_AIRFLOW2_PYTHON"}
COMMAND_TIMEOUT = 240


def clean_environment() -> dict[str, str]:
    """This process's environment without any DOMINO_* or AIRFLOW_* setting."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("DOMINO_", "AIRFLOW"))}


@dataclass
class DagRun:
    """What one ``airflow dags test`` left behind."""

    output: str
    returncode: int
    states: dict[tuple[str, int], str]
    tries: dict[tuple[str, int], int]
    xcoms: dict[tuple[str, int, str], Any]
    database: bytes = field(repr=False)
    #: (task_id, map_index, key) rows left in the task state store (Airflow 3.3)
    state_store: list[tuple[str, int, str]] = field(default_factory=list)

    def state(self, task_id: str, map_index: int = -1) -> str:
        return self.states[(task_id, map_index)]

    def xcom(self, task_id: str, key: str, map_index: int = -1) -> Any:
        return self.xcoms.get((task_id, map_index, key))


@dataclass
class Airflow:
    version: str
    python: Path
    home: Path
    env: dict[str, str]

    @property
    def bin(self) -> Path:
        return self.python.parent / "airflow"

    def run(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin), *args],
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )

    def dags_test(self, dag_id: str, env: dict[str, str]) -> DagRun:
        done = self.run("dags", "test", dag_id, env=env)
        output = done.stdout + done.stderr
        return self._read_run(dag_id, output, done.returncode)

    def _read_run(self, dag_id: str, output: str, returncode: int) -> DagRun:
        db_path = self.home / "airflow.db"
        con = sqlite3.connect(db_path)
        try:
            row = con.execute(
                "SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (dag_id,)
            ).fetchone()
            assert row is not None, f"no dag run of {dag_id}:\n{output[-5000:]}"
            run_id = row[0]
            states: dict[tuple[str, int], str] = {}
            tries: dict[tuple[str, int], int] = {}
            for task_id, map_index, state, try_number in con.execute(
                "SELECT task_id, map_index, state, try_number FROM task_instance "
                "WHERE dag_id = ? AND run_id = ?",
                (dag_id, run_id),
            ):
                states[(task_id, map_index)] = state
                tries[(task_id, map_index)] = try_number
            xcoms: dict[tuple[str, int, str], Any] = {}
            for task_id, map_index, key, value in con.execute(
                "SELECT task_id, map_index, key, value FROM xcom WHERE dag_id = ? AND run_id = ?",
                (dag_id, run_id),
            ):
                xcoms[(task_id, map_index, key)] = _decode(value)
            tables = {name for (name,) in con.execute("SELECT name FROM sqlite_master")}
            state_store = []
            if "task_state_store" in tables:
                state_store = list(
                    con.execute(
                        "SELECT task_id, map_index, key FROM task_state_store "
                        "WHERE dag_id = ? AND run_id = ?",
                        (dag_id, run_id),
                    )
                )
        finally:
            con.close()
        return DagRun(output, returncode, states, tries, xcoms, db_path.read_bytes(), state_store)


def _decode(value: Any) -> Any:
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    try:
        return json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return value


def migrated_airflow(version: str, python: Path, home: Path) -> Airflow:
    env = clean_environment()
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT="120",
        AIRFLOW__LOGGING__LOGGING_LEVEL="INFO",
        PYTHONWARNINGS="ignore",
    )
    airflow = Airflow(version, python, home, env)
    done = airflow.run("db", "migrate")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return airflow


def check_names(script: Path) -> list[str]:
    """The ``check_*`` functions a checks script defines (read, not imported: it needs Airflow)."""
    return re.findall(r"^def (check_\w+)\(", script.read_text(), re.MULTILINE)


def run_checks(airflow: Airflow, script: Path, *args: str, env: dict[str, str]) -> dict[str, str]:
    """Run a checks script with the Airflow venv's Python; its verdict per check."""
    done = subprocess.run(
        [str(airflow.python), str(script), *args],
        env={**airflow.env, **env},
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0 and lines, done.stdout[-3000:] + done.stderr[-3000:]
    results: dict[str, str] = json.loads(lines[-1])
    return results


def connection_env(domino_server: object) -> dict[str, str]:
    """The Airflow connection, given only as AIRFLOW_CONN_DOMINO_DEFAULT."""
    conn = {
        "conn_type": "domino",
        "host": domino_server.url,  # type: ignore[attr-defined]
        "password": domino_server.api_key,  # type: ignore[attr-defined]
    }
    return {"AIRFLOW_CONN_DOMINO_DEFAULT": json.dumps(conn)}
