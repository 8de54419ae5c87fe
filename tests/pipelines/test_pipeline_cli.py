"""``domino pipeline`` commands through click's CliRunner and ``python -m domino.pipelines``."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from domino.pipelines.cli import pipeline

SIMPLE = """\
pipeline: simple
project: PROJECT
params:
  n: {type: int, default: 2}
  code: {type: int, default: 0}
  regions: {type: "list[str]", default: [us, eu]}
schedule: {cron: "0 6 * * *", timezone: Europe/Zurich}
steps:
  a: {command: "step.py ${{ params.n }}", outputs: {v: int}}
  b:
    needs: [a]
    matrix: {region: "${{ params.regions }}"}
    command: "echo ${{ matrix.region }} ${{ steps.a.outputs.v }}"
  c: {needs: [b], trigger_rule: all_done, command: "step.py 1 0 ${{ params.code }}"}
"""


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


def test_validate_ok_and_errors(cli: CliRunner, tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(SIMPLE.replace("PROJECT", "admin/x"))
    result = cli.invoke(pipeline, ["validate", str(good)])
    assert result.exit_code == 0, result.output
    assert "ok (pipeline simple, 3 steps, 4 jobs per run)" in result.output
    assert "schedule '0 6 * * *' in Europe/Zurich; next runs:" in result.output
    assert len(re.findall(r"T06:00:00\+0[12]:00  =  ", result.output)) == 3  # CET or CEST
    bad = tmp_path / "bad.yaml"
    bad.write_text(SIMPLE.replace("PROJECT", "admin/x").replace("needs: [a]", "needs: [aa]"))
    result = cli.invoke(pipeline, ["validate", str(bad)])
    assert result.exit_code == 2
    assert (
        f"{bad}:11:13: error: step 'b' needs unknown step 'aa' (did you mean 'a'?)" in result.output
    )
    assert "nothing was started" in result.output


def test_plan_graph_next_schema(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(SIMPLE.replace("PROJECT", "admin/x"))
    result = cli.invoke(pipeline, ["plan", str(path), "-p", "regions=us,eu,asia", "-p", "n=5"])
    assert result.exit_code == 0, result.output
    assert "- b.region-asia (after a)" in result.output
    assert "$ echo asia '<steps.a.outputs.v>'" in result.output
    assert "$ step.py 5" in result.output
    result = cli.invoke(pipeline, ["plan", str(path), "-p", "n=many"])
    assert result.exit_code == 2
    assert "param 'n' must be an int, got 'many'" in result.output
    result = cli.invoke(pipeline, ["graph", str(path), "--format", "mermaid"])
    assert result.output.splitlines()[:2] == ["flowchart TD", '    a["a"]']
    assert "    b -- all_done --> c" in result.output
    result = cli.invoke(pipeline, ["graph", str(path), "--format", "dot"])
    assert '"a" -> "b";' in result.output and '"b" -> "c" [label="all_done"];' in result.output
    result = cli.invoke(pipeline, ["next", str(path), "-n", "3"])
    lines = result.output.splitlines()
    assert len(lines) == 3 and all(re.search(r"T06:00:00\+0[12]:00  =  ", line) for line in lines)
    result = cli.invoke(pipeline, ["schema"])
    schema = json.loads(result.output)
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {
        "pipeline",
        "description",
        "project",
        "params",
        "defaults",
        "schedule",
        "steps",
    }


def test_output_needs_a_job(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = cli.invoke(pipeline, ["output", "rows=3"])
    assert result.exit_code == 2 and "DOMINO_RUN_ID is not set" in result.output
    monkeypatch.setenv("DOMINO_RUN_ID", "job123")
    monkeypatch.chdir(tmp_path)
    result = cli.invoke(pipeline, ["output", "rows=3", "name=eu", 'tags=["a"]'])
    assert result.exit_code == 0, result.output
    written = json.loads((tmp_path / ".domino/pipeline-outputs/job123.json").read_text())
    assert written == {"rows": 3, "name": "eu", "tags": ["a"]}


def test_run_and_runs_through_the_module_entry_point(
    domino_server: Any, write_pipeline: Callable[..., Path], tmp_path: Path
) -> None:
    path = write_pipeline(SIMPLE)
    runs = tmp_path / "runs"
    env = {
        "PATH": "/usr/bin:/bin",
        "DOMINO_API_HOST": domino_server.url,
        "DOMINO_USER_API_KEY": domino_server.api_key,
        "DOMINO_PIPELINE_RUNS_DIR": str(runs),
        "no_proxy": "127.0.0.1,localhost",
    }
    cmd = [sys.executable, "-m", "domino.pipelines"]
    done = subprocess.run(
        [*cmd, "run", str(path), "--poll", "0.3", "--no-live"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "step_succeeded     c" in done.stderr
    assert "succeeded (record:" in done.stdout
    # c exits with the code param: a failing run exits 1
    done = subprocess.run(
        [*cmd, "run", str(path), "-p", "code=3", "--poll", "0.3", "-q"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    listing = subprocess.run([*cmd, "runs"], env=env, capture_output=True, text=True, timeout=60)
    lines = listing.stdout.splitlines()
    assert len(lines) == 2 and "succeeded" in lines[0] and "failed" in lines[1]


def test_validate_online_checks_tiers_and_commits(
    domino_server: Any,
    write_pipeline: Callable[..., Path],
    cli: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOMINO_API_HOST", domino_server.url)
    monkeypatch.setenv("DOMINO_USER_API_KEY", domino_server.api_key)
    good = write_pipeline(SIMPLE.replace("steps:\n", "defaults: {hardware_tier: Small}\nsteps:\n"))
    result = cli.invoke(pipeline, ["validate", "--online", str(good)])
    assert result.exit_code == 0, result.output
    bad = write_pipeline(
        SIMPLE.replace("steps:\n", "defaults: {hardware_tier: Huge}\nsteps:\n"), "bad.yaml"
    )
    result = cli.invoke(pipeline, ["validate", "--online", str(bad)])
    assert result.exit_code == 2
    assert "hardware tier 'Huge' not found" in result.output
    sha = write_pipeline(
        SIMPLE.replace("steps:\n", "defaults: {commit: abcdef1}\nsteps:\n"), "sha.yaml"
    )
    result = cli.invoke(pipeline, ["validate", "--online", str(sha)])
    assert result.exit_code == 2 and "commit 'abcdef1' not found" in result.output


def test_a_logical_date_that_succeeded_is_not_run_again(
    domino_server: Any, write_pipeline: Callable[..., Path], tmp_path: Path
) -> None:
    from pipeline_support import run_local

    from domino.pipelines.errors import PipelineRunError

    path = write_pipeline("pipeline: once\nproject: PROJECT\nsteps:\n  a: {command: step.py 1}\n")
    runs = tmp_path / "runs"
    first = run_local(domino_server, path, runs, logical_date="2026-05-04T06:00:00+00:00")
    assert first.status == "succeeded"  # type: ignore[attr-defined]
    with pytest.raises(PipelineRunError, match="already succeeded for logical date 2026-05-04"):
        run_local(domino_server, path, runs, logical_date="2026-05-04T06:00:00+00:00")
    again = run_local(
        domino_server, path, runs, logical_date="2026-05-04T06:00:00+00:00", force=True
    )
    assert again.status == "succeeded"  # type: ignore[attr-defined]


def test_the_domino_command_mounts_the_pipeline_group(tmp_path: Path) -> None:
    """`domino pipeline ...` is the same group as `python -m domino.pipelines`, same exit codes."""
    domino_cmd = Path(sys.executable).with_name("domino")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    helped = subprocess.run(
        [str(domino_cmd), "pipeline", "--help"], env=env, capture_output=True, text=True, timeout=60
    )
    assert helped.returncode == 0, helped.stderr
    for command in ("validate", "run", "resume", "compile", "output"):
        assert command in helped.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(SIMPLE.replace("PROJECT", "admin/x").replace("needs: [a]", "needs: [aa]"))
    done = subprocess.run(
        [str(domino_cmd), "pipeline", "validate", str(bad)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "step 'b' needs unknown step 'aa' (did you mean 'a'?)" in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("error", "code"),
    [
        ("validation", 2),
        ("run-error", 2),
        ("tier", 2),
        ("unauthorized", 4),
        ("not-found", 5),
        ("connection", 6),
        ("interrupt", 130),
    ],
)
def test_exit_codes_the_readme_lists_for_domino_pipeline(error: str, code: int) -> None:
    """README (Pipelines): 2 bad file/params/tier, 4 auth, 5 not found, 6 network, 130 Ctrl-C."""
    from domino import exceptions as ex
    from domino.pipelines.cli import _exit_code_for
    from domino.pipelines.errors import PipelineRunError, PipelineValidationError

    errors: dict[str, BaseException] = {
        "validation": PipelineValidationError([]),
        "run-error": PipelineRunError("no run 'x'"),
        "tier": ex.HardwareTierNotFoundException("GPU"),
        "unauthorized": ex.UnauthorizedError("401", status_code=401),
        "not-found": ex.ProjectNotFoundException("alice/none"),
        "connection": ex.DominoConnectionError("refused"),
        "interrupt": KeyboardInterrupt(),
    }
    assert _exit_code_for(errors[error]) == code
