"""Parity: the same pipelines through the local runner and a real ``airflow dags test`` (3.3.2)
against domino-server; the two run records agree on statuses, attempts, outputs and lineage.

Skipped unless DOMINO_AIRFLOW3_PYTHON names the Airflow 3 venv's python (``make test`` does).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pipeline_support import run_local

AIRFLOW_TESTS = Path(__file__).resolve().parents[1] / "airflow"
if str(AIRFLOW_TESTS) not in sys.path:
    sys.path.insert(0, str(AIRFLOW_TESTS))

from airflow_support import Airflow, migrated_airflow  # noqa: E402

# One pipeline holding every parity case as an independent branch (one `dags test` for all).
MIXED = """\
pipeline: parity-mixed
project: PROJECT
params:
  counter: {type: str, default: unset}
  xs: {type: "list[int]", default: [3, 1, 2]}
steps:
  # success, outputs and commit lineage
  first: {command: write.py first}
  second:
    needs: [first]
    commit: ${{ steps.first.commit }}
    command: read.py first
    outputs: {seen: bool}
  # a failing middle step without allow_failure ...
  f_start: {command: step.py 1}
  f_middle: {needs: [f_start], command: step.py 2 0 3}
  f_end: {needs: [f_middle], command: step.py 3}
  # ... and with it
  a_start: {command: step.py 1}
  a_middle: {needs: [a_start], allow_failure: true, command: step.py 2 0 3}
  a_end: {needs: [a_middle], command: step.py 3, outputs: {v: int}}
  # a retry that succeeds
  flaky:
    command: flaky.py ${{ params.counter }}
    retries: {count: 2, delay: 0s}
    outputs: {calls: int}
  # a timeout that stops the job on the server
  slow: {command: step.py 1 120, timeout: 3s}
  # a skipped branch
  probe: {command: step.py 2, outputs: {v: int}}
  big: {needs: [probe], if: "${{ steps.probe.outputs.v > 100 }}", command: step.py 10}
  after_big: {needs: [big], command: step.py 11}
  small: {needs: [probe], if: "${{ steps.probe.outputs.v <= 100 }}", command: step.py 1}
  join: {needs: [big, small], trigger_rule: none_failed_min_one_success, command: step.py 5}
  # a matrix fan-out whose outputs arrive downstream as a list in matrix order
  square:
    matrix: {x: "${{ params.xs }}"}
    command: step.py ${{ matrix.x }}
    outputs: {v: int}
  total:
    needs: [square]
    command: "python -m domino.pipelines output got=${{ steps.square.outputs.v | tojson }}"
    outputs: {got: "list[int]"}
"""

SUCCESS = """\
pipeline: parity-success
project: PROJECT
steps:
  prepare: {command: write.py prepared, outputs: {}}
  square:
    needs: [prepare]
    commit: ${{ steps.prepare.commit }}
    command: step.py 4
    outputs: {v: int, name: str}
  check:
    needs: [square]
    commit: ${{ steps.square.commit }}
    command: read.py prepared
    outputs: {seen: bool}
"""


_VARIABLES = {"3": "DOMINO_AIRFLOW3_PYTHON", "2": "DOMINO_AIRFLOW2_PYTHON"}
# read at import: every test starts with the DOMINO_* variables removed (tests/conftest.py)
_PYTHONS = {version: os.environ.get(name) for version, name in _VARIABLES.items()}
_homes: dict[str, Airflow] = {}


def _airflow(version: str, factory: pytest.TempPathFactory) -> Airflow:
    python = _PYTHONS[version]
    if not python:
        pytest.skip(f"{_VARIABLES[version]} is not set (make test builds the Airflow venvs)")
    if version not in _homes:
        home = factory.mktemp(f"airflow{version}-pipelines")
        _homes[version] = migrated_airflow(version, Path(python), home)
    return _homes[version]


@pytest.fixture(scope="module")
def airflow3(tmp_path_factory: pytest.TempPathFactory) -> Airflow:
    return _airflow("3", tmp_path_factory)


@pytest.fixture(scope="module")
def local_records() -> dict[str, Any]:
    """One local run per pipeline text, shared by the Airflow versions compared with it."""
    return {}


def normalise(record: dict[str, Any]) -> dict[str, Any]:
    """The comparable part of a run record (local or Airflow)."""
    out: dict[str, Any] = {"status": record["status"], "steps": {}}
    for sid, step in record["steps"].items():
        entry: dict[str, Any] = {"status": step["status"]}
        if step["status"] not in ("skipped", "upstream_failed"):
            entry["instances"] = [
                {
                    "key": inst["key"],
                    "status": inst["status"],
                    "attempts": len(inst["attempts"]) if "attempt" not in inst else inst["attempt"],
                    "last": _last(inst),
                    "outputs": inst.get("outputs") or {},
                }
                for inst in step["instances"]
            ]
        out["steps"][sid] = entry
    return out


def _last(inst: dict[str, Any]) -> str:
    if "attempt" in inst:  # Airflow: the last try's record
        return str(inst.get("attempt_status") or inst["status"])
    return str(inst["attempts"][-1]["status"])


def lineage(record: dict[str, Any], step: str, source: str) -> bool:
    got = record["steps"][step]["instances"][0]["input_commit"]
    return bool(got) and got == record["steps"][source]["instances"][0]["output_commit"]


def run_airflow(
    airflow: Airflow,
    server: Any,
    path: Path,
    dag_id: str,
    runs: Path,
    conf: dict[str, Any],
    *,
    deferrable: bool = False,
) -> tuple[dict[str, Any], Any]:
    dags = path.parent
    (dags / f"{dag_id.replace('-', '_')}_dag.py").write_text(
        "from domino.airflow import pipeline_dag\n\n"
        f"dag = pipeline_dag({str(path)!r}, poll_freq=0.5, deferrable={deferrable})\n"
    )
    env = {
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW_CONN_DOMINO_DEFAULT": json.dumps(
            {"conn_type": "domino", "host": server.url, "password": server.api_key}
        ),
        "DOMINO_PIPELINE_RUNS_DIR": str(runs),
        "no_proxy": "127.0.0.1,localhost",
    }
    done = (
        airflow.dags_test(dag_id, env={**env})
        if not conf
        else _dags_test_conf(airflow, dag_id, env, conf)
    )
    records = list(runs.glob("*/run.json"))
    assert len(records) == 1, done.output[-8000:]
    return json.loads(records[0].read_text()), done


def _dags_test_conf(
    airflow: Airflow, dag_id: str, env: dict[str, str], conf: dict[str, Any]
) -> Any:
    done = airflow.run("dags", "test", dag_id, "-c", json.dumps(conf), env=env)
    return airflow._read_run(dag_id, done.stdout + done.stderr, done.returncode)


@pytest.mark.parametrize(
    ("text", "version"),
    [(MIXED, "3"), (SUCCESS, "3"), (MIXED, "2")],
    ids=["mixed-airflow3", "success-airflow3", "mixed-airflow2"],
)
def test_local_and_airflow_runs_agree(
    domino_server: Any,
    write_pipeline: Callable[..., Path],
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    local_records: dict[str, Any],
    text: str,
    version: str,
) -> None:
    airflow = _airflow(version, tmp_path_factory)
    dags = tmp_path / "dags"
    dags.mkdir()
    path = write_pipeline(text, name="dags/pipeline.yaml")
    dag_id = "parity-mixed" if text is MIXED else "parity-success"
    if text not in local_records:
        params = {"counter": str(tmp_path / "c-local")} if text is MIXED else {}
        local_records[text] = run_local(domino_server, path, tmp_path / "local-runs", params=params)
    local = local_records[text]
    conf = {"counter": str(tmp_path / "c-airflow")} if text is MIXED else {}
    # the all-success case waits in the triggerer (deferred), the others in the worker
    deferred = text is SUCCESS
    remote, dag_run = run_airflow(
        airflow, domino_server, path, dag_id, tmp_path / "af-runs", conf, deferrable=deferred
    )
    if deferred:
        assert "running trigger in line" in dag_run.output

    assert normalise(local.record.data) == normalise(remote)
    expected_state = "failed" if text is MIXED else "success"
    assert dag_run.state("pipeline_status") == expected_state
    for record in (local.record.data, remote):
        client = domino_server.client(record["project"])
        if text is MIXED:
            assert lineage(record, "second", "first")
            assert record["steps"]["total"]["instances"][0]["outputs"] == {"got": [9, 1, 4]}
            assert record["failed_steps"] == ["f_middle", "slow"]
            slow_job = record["steps"]["slow"]["instances"][0]
            job_id = slow_job.get("job_id") or slow_job["attempts"][-1]["job_id"]
            assert client.job_status(job_id)["statuses"]["executionStatus"] == "Stopped"
        else:
            assert lineage(record, "square", "prepare") and lineage(record, "check", "square")
            assert record["steps"]["check"]["instances"][0]["outputs"] == {"seen": True}
    if text is MIXED:
        summary = normalise(remote)["steps"]
        assert summary["flaky"]["instances"][0]["attempts"] == 2
        assert summary["slow"]["instances"][0]["last"] == "timeout"
        assert (
            summary["a_middle"]["status"] == "failed" and summary["a_end"]["status"] == "succeeded"
        )
        assert summary["f_end"]["status"] == "upstream_failed"
        assert summary["big"]["status"] == "skipped" and summary["join"]["status"] == "succeeded"
        assert [i["key"] for i in summary["square"]["instances"]] == [
            "square.x-3",
            "square.x-1",
            "square.x-2",
        ]


def test_compiled_dag_files_load_in_airflow(airflow3: Airflow, tmp_path: Path) -> None:
    """compile --airflow (two lines) and --static (every task) give the same DAG."""
    import subprocess

    examples = Path(__file__).resolve().parents[2] / "examples" / "pipelines"
    yaml_path = tmp_path / "regions.yaml"
    yaml_path.write_text((examples / "regions.yaml").read_text())
    cli = [sys.executable, "-m", "domino.pipelines", "compile", "--airflow", str(yaml_path)]
    for name, extra in (("dynamic", []), ("static", ["--static"])):
        done = subprocess.run(
            [*cli, *extra, "-o", str(tmp_path / f"{name}.py")], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    assert len((tmp_path / "dynamic.py").read_text().splitlines()) < 12
    probe = (
        "import json, runpy, sys\n"
        "dag = runpy.run_path(sys.argv[1])['dag']\n"
        "print(json.dumps({'ids': sorted(t.task_id for t in dag.tasks),"
        " 'edges': sorted([t.task_id, d] for t in dag.tasks for d in t.downstream_task_ids),"
        " 'params': sorted(dag.params.keys()),"
        " 'timetable': [str(getattr(dag.timetable, a, None) or getattr(dag.timetable, '_' + a))"
        " for a in ('expression', 'timezone')],"
        " 'max_active_runs': dag.max_active_runs}))\n"
    )
    shapes = []
    for name in ("dynamic", "static"):
        done = subprocess.run(
            [str(airflow3.python), "-c", probe, str(tmp_path / f"{name}.py")],
            env=airflow3.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        shapes.append(json.loads(done.stdout.strip().splitlines()[-1]))
    assert shapes[0] == shapes[1]
    assert shapes[0]["ids"] == [
        "announce",
        "pick_best",
        "pipeline_start",
        "pipeline_status",
        "prepare",
        "train.region-apac",
        "train.region-eu",
        "train.region-us",
    ]
    assert shapes[0]["params"] == ["min_rows", "regions"]
    assert shapes[0]["timetable"][0] == "0 6 * * MON"
    assert "Europe/Zurich" in str(shapes[0]["timetable"][1]) and shapes[0]["max_active_runs"] == 1
    # a static file refuses to load once the YAML changed
    yaml_path.write_text(
        yaml_path.read_text().replace(
            "min_rows: {type: int, default: 100}", "min_rows: {type: int, default: 5}"
        )
    )
    done = subprocess.run(
        [str(airflow3.python), "-c", probe, str(tmp_path / "static.py")],
        env=airflow3.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0 and "changed since this DAG file was generated" in done.stderr
    # an invalid YAML fails at parse time, naming file:line:column
    yaml_path.write_text(yaml_path.read_text().replace("max_parallel: 2", "max_paralel: 2"))
    done = subprocess.run(
        [str(airflow3.python), "-c", probe, str(tmp_path / "dynamic.py")],
        env=airflow3.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert f"{yaml_path}:21:5: error: unknown key 'max_paralel'" in done.stderr
