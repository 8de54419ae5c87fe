"""examples/pipelines/ run as they are against a fresh domino-server (admin/quick-start)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pipeline_support import cli_env

from domino.testing import LocalServer

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "pipelines"


@pytest.fixture(scope="module")
def fresh_server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )


@pytest.mark.parametrize("name", ["three-steps", "regions"])
def test_example_runs_as_is(fresh_server: LocalServer, tmp_path: Path, name: str) -> None:
    runs = tmp_path / "runs"
    env = cli_env(fresh_server, runs)
    pushed = _run([str(EXAMPLES / "push.py"), "admin/quick-start"], env)
    assert pushed.returncode == 0, pushed.stderr
    done = _run(
        ["-m", "domino.pipelines", "run", str(EXAMPLES / f"{name}.yaml"), "--poll", "0.3", "-q"],
        env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (record,) = runs.glob("*/run.json")
    data = json.loads(record.read_text())
    assert data["status"] == "succeeded"
    steps = data["steps"]
    if name == "three-steps":
        assert steps["prepare"]["instances"][0]["outputs"] == {
            "rows": 1000,
            "table": "data/table.csv",
        }
        assert steps["report"]["instances"][0]["outputs"] == {"report": "reports/report.md"}
        client = fresh_server.client("admin/quick-start")
        commit = steps["report"]["instances"][0]["output_commit"]
        text = client.files_download("/reports/report.md", commit_id=commit).read().decode()
        assert "AUC" in text and "1000 rows" in text
    else:
        keys = [i["key"] for i in steps["train"]["instances"]]
        assert keys == ["train.region-us", "train.region-eu", "train.region-apac"]
        aucs = [i["outputs"]["auc"] for i in steps["train"]["instances"]]
        best = steps["pick_best"]["instances"][0]["outputs"]
        assert best["auc"] == max(aucs)
        assert best["best"] == ["us", "eu", "apac"][aucs.index(max(aucs))]
        assert steps["announce"]["status"] in ("succeeded", "skipped")
