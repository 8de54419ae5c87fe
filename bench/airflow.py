"""What the Airflow operators cost: worker-slot time, end-of-job detection, DAG parse time.

For each Airflow venv present (``DOMINO_AIRFLOW3_PYTHON`` / ``DOMINO_AIRFLOW2_PYTHON``, default
``.venv-airflow3`` / ``.venv-airflow2``) this runs ``bench/airflow_dags/bench_domino.py`` with
``airflow dags test`` against a local domino-server: one job of ``--seconds`` (default 20) with
our ``DominoJobOperator`` in normal and in deferrable mode, and — in ``.venv-airflow2-public``
(Airflow 2.10.5 + the public dominodatalab 2.2.0), if present — with the public
``DominoOperator``. It prints JSON:

- ``slot_seconds``: time spent inside ``execute()`` + ``execute_complete()``, i.e. the worker
  slot a task holds for its job (``dags test`` runs the trigger inline; on a real deployment the
  deferrable task frees its slot while the triggerer waits). Target: deferrable ≤ 3 s.
- ``detection_seconds``: from the job's completion time on the server until the operator knew.
  Target ≤ max(1 s, 10 % of the job's runtime).
- ``import``: what ``from domino.airflow import DominoOperator`` adds to a DAG file that has
  already imported Airflow (median of ``--runs`` fresh processes; the baseline is Airflow's own
  import, measured in the same processes), after a bare ``import airflow`` and in a process whose
  providers are loaded, as in Airflow's scheduler and DAG processor. Target ≤ 50 ms.

Usage: ``python bench/airflow.py [--seconds 20] [--runs 7]``. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from domino.testing import LocalServer

ROOT = Path(__file__).resolve().parents[1]
DAGS = Path(__file__).resolve().parent / "airflow_dags"
SLEEP = "import sys, time\ntime.sleep(float(sys.argv[1]))\nprint('slept', sys.argv[1])\n"
TARGET_SLOT = 3.0
TARGET_IMPORT_MS = 50.0

IMPORT_PROBE = """
import json, sys, time
t0 = time.perf_counter()
import airflow
if sys.argv[1] == "providers":
    # what Airflow's own processes (scheduler, DAG processor, `airflow dags test`) do first
    from airflow.providers_manager import ProvidersManager
    ProvidersManager().initialize_providers_configuration()
try:
    from airflow.sdk import DAG, BaseOperator
except ImportError:
    from airflow import DAG
    from airflow.models import BaseOperator
t1 = time.perf_counter()
from domino.airflow import DominoOperator
t2 = time.perf_counter()
print(json.dumps({"airflow_ms": (t1 - t0) * 1000, "domino_ms": (t2 - t1) * 1000}))
"""


def venvs() -> dict[str, Path]:
    found = {}
    for label, variable, default in (
        ("airflow3", "DOMINO_AIRFLOW3_PYTHON", ".venv-airflow3"),
        ("airflow2", "DOMINO_AIRFLOW2_PYTHON", ".venv-airflow2"),
        ("airflow2-public", "", ".venv-airflow2-public"),
    ):
        python = Path(os.environ.get(variable, "") or ROOT / default / "bin" / "python")
        if python.exists():
            found[label] = python
    return found


def airflow_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOMINO_", "AIRFLOW"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        PYTHONWARNINGS="ignore",
    )
    return env


def dags_test(python: Path, server: LocalServer, project: str, which: str, seconds: float) -> str:
    home = Path(tempfile.mkdtemp(prefix="bench-airflow-"))
    env = airflow_env(home)
    airflow = str(python.parent / "airflow")
    subprocess.run([airflow, "db", "migrate"], env=env, capture_output=True, check=True)
    conn = {"conn_type": "domino", "host": server.url, "password": server.api_key}
    env.update(
        AIRFLOW_CONN_DOMINO_DEFAULT=json.dumps(conn),
        DOMINO_BENCH_PROJECT=project,
        DOMINO_BENCH_SECONDS=f"{seconds:g}",
        DOMINO_BENCH_OPERATORS=which,
        DOMINO_BENCH_HOST=server.url,
        DOMINO_BENCH_KEY=server.api_key,
    )
    done = subprocess.run(
        [airflow, "dags", "test", "bench_domino"], env=env, capture_output=True, text=True
    )
    return done.stdout + done.stderr


def records(output: str) -> dict[str, list[dict[str, Any]]]:
    by_task: dict[str, list[dict[str, Any]]] = {}
    for line in output.splitlines():
        _, marker, payload = line.partition("BENCH_RESULT ")
        if marker:
            record = json.loads(payload)
            by_task.setdefault(record["task"], []).append(record)
    return by_task


def completed_at(server: LocalServer, project: str, job_id: str) -> float:
    job = server.client(project).job_status(job_id)
    return float(job["stageTime"]["completedTime"]) / 1000.0


def measure_task(
    server: LocalServer, project: str, task_records: list[dict[str, Any]]
) -> dict[str, Any]:
    slot = sum(r["end"] - r["start"] for r in task_records if r["phase"] in ("execute", "complete"))
    result: dict[str, Any] = {"slot_seconds": round(slot, 2)}
    noticed = [r for r in task_records if r["phase"] == "noticed"]
    if noticed:
        job_id = noticed[0]["job"]["id"]
        result["detection_seconds"] = round(
            noticed[0]["at"] - completed_at(server, project, job_id), 2
        )
    return result


def public_detection(server: LocalServer, project: str, rec: list[dict[str, Any]]) -> float:
    client = server.client(project)
    [job] = client.jobs_list(client.project_id)["jobs"]
    end = [r["end"] for r in rec if r["phase"] == "execute"][0]
    return round(end - float(job["stageTime"]["completedTime"]) / 1000.0, 2)


def import_cost(python: Path, runs: int) -> dict[str, float]:
    """Median import times: a bare ``import airflow`` and an Airflow process whose providers are
    loaded (there the ``domino`` package is already imported by the provider discovery)."""
    env = airflow_env(Path(tempfile.mkdtemp(prefix="bench-airflow-import-")))
    result = {}
    for mode, label in (("bare", ""), ("providers", "_providers_loaded")):
        samples = []
        for _ in range(runs):
            done = subprocess.run(
                [str(python), "-c", IMPORT_PROBE, mode],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            samples.append(json.loads(done.stdout.strip().splitlines()[-1]))
        result[f"airflow{label}_ms"] = round(statistics.median(s["airflow_ms"] for s in samples), 1)
        result[f"domino_airflow_adds{label}_ms"] = round(
            statistics.median(s["domino_ms"] for s in samples), 1
        )
    return result


def new_project(server: LocalServer) -> str:
    project = server.create_project()
    server.client(project).files_upload("/sleep.py", io.BytesIO(SLEEP.encode()))
    return project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    seconds = args.seconds
    detection_target = max(1.0, 0.1 * seconds)
    results: dict[str, Any] = {
        "job_seconds": seconds,
        "targets": {
            "deferrable_slot_seconds": TARGET_SLOT,
            "detection_seconds": detection_target,
            "import_ms": TARGET_IMPORT_MS,
        },
    }
    with LocalServer() as server:
        for label, python in venvs().items():
            project = new_project(server)
            if label.endswith("public"):
                output = dags_test(python, server, project, "public", seconds)
                rec = records(output).get("public", [])
                if not rec:
                    results[label] = {"error": output[-1500:]}
                    continue
                slot = sum(r["end"] - r["start"] for r in rec)
                results[label] = {
                    "public_DominoOperator": {
                        "slot_seconds": round(slot, 2),
                        "detection_seconds": public_detection(server, project, rec),
                        "note": "startup_delay=10 s sleep, then a fixed 5 s poll",
                    }
                }
                continue
            output = dags_test(python, server, project, "ours", seconds)
            by_task = records(output)
            entry: dict[str, Any] = {}
            for task in ("normal", "deferrable"):
                if task in by_task:
                    entry[task] = measure_task(server, project, by_task[task])
                else:
                    entry[task] = {"error": output[-1500:]}
            entry["import"] = import_cost(python, args.runs)
            deferrable = entry["deferrable"]
            entry["meets_targets"] = {
                "deferrable_slot": deferrable.get("slot_seconds", 1e9) <= TARGET_SLOT,
                "detection": all(
                    entry[t].get("detection_seconds", 1e9) <= detection_target
                    for t in ("normal", "deferrable")
                ),
                "import": entry["import"]["domino_airflow_adds_providers_loaded_ms"]
                <= TARGET_IMPORT_MS,
                "import_bare": entry["import"]["domino_airflow_adds_ms"] <= TARGET_IMPORT_MS,
            }
            results[label] = entry
    json.dump(results, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
