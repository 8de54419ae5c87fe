"""README.adoc (Pipelines) claims that need no server: outputs, step timeouts, the runs dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from domino.pipelines import set_outputs
from domino.pipelines.outputs import MAX_OUTPUT_BYTES, OutputsError, check_outputs


def test_set_outputs_writes_the_run_ids_file_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DOMINO_WORKING_DIR", raising=False)
    monkeypatch.setenv("DOMINO_RUN_ID", "job-42")
    written = set_outputs(auc=0.91)
    set_outputs(rows=12)  # adds to what was set before
    assert written == tmp_path / ".domino" / "pipeline-outputs" / "job-42.json"
    assert json.loads(written.read_text()) == {"auc": 0.91, "rows": 12}


def test_the_engine_checks_names_types_and_the_64_kib_cap() -> None:
    assert MAX_OUTPUT_BYTES == 64 * 1024
    declared = {"auc": "float", "rows": "int"}
    values, warnings = check_outputs(
        b'{"auc": 0.5, "rows": 3, "debug": "x"}', declared, where="train"
    )
    assert values == {"auc": 0.5, "rows": 3}
    assert warnings and "debug" in warnings[0]  # undeclared: ignored with a warning
    with pytest.raises(OutputsError, match="rows missing"):
        check_outputs(b'{"auc": 0.5}', declared, where="train")
    with pytest.raises(OutputsError, match="rows"):
        check_outputs(b'{"auc": 0.5, "rows": "many"}', declared, where="train")
    big = json.dumps({"auc": 0.5, "rows": 1, "pad": "x" * MAX_OUTPUT_BYTES}).encode()
    with pytest.raises(OutputsError, match="cap is 65536"):
        check_outputs(big, declared, where="train")


def test_set_outputs_refuses_more_than_the_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DOMINO_WORKING_DIR", raising=False)
    monkeypatch.setenv("DOMINO_RUN_ID", "job-43")
    with pytest.raises(OutputsError, match="by reference"):
        set_outputs(blob="x" * MAX_OUTPUT_BYTES)
    assert not (tmp_path / ".domino" / "pipeline-outputs" / "job-43.json").exists()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [(90, 90.0), ("90", 90.0), ("90s", 90.0), ("15m", 900.0), ("2h", 7200.0), ("1h30m", 5400.0)],
)
def test_the_timeout_spellings_the_readme_lists(text: object, seconds: float) -> None:
    from domino.pipelines.spec import parse_duration

    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "soon", "-5", True, -1, "1d"])
def test_other_timeouts_are_refused_naming_the_value(bad: object) -> None:
    from domino.pipelines.spec import parse_duration

    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)


def test_run_records_default_to_dot_domino_pipeline_runs_or_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """README (The local runner): `.domino/pipeline-runs/` or `DOMINO_PIPELINE_RUNS_DIR`."""
    from domino.pipelines import record

    monkeypatch.delenv("DOMINO_PIPELINE_RUNS_DIR", raising=False)
    assert record.RUNS_DIR_ENV == "DOMINO_PIPELINE_RUNS_DIR"
    assert record.default_runs_dir() == Path(".domino/pipeline-runs")
    monkeypatch.setenv("DOMINO_PIPELINE_RUNS_DIR", str(tmp_path))
    assert record.default_runs_dir() == tmp_path
