"""Validation of pipeline files: each error class, with its message, line and column."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from domino.pipelines.errors import PipelineValidationError
from domino.pipelines.validate import load_pipeline, validate_text

GOOD = """\
pipeline: churn-weekly
project: alice/churn
params:
  run_date: {type: date, default: "${{ run.logical_date | date }}"}
  regions: {type: "list[str]", default: [us, eu]}
  epochs: {type: int, default: 10, minimum: 1}
defaults:
  hardware_tier: small-k8s
  retries: {count: 1, delay: 60s, backoff: 2.0, on: [error]}
  timeout: 2h
schedule: {cron: "0 6 * * MON", timezone: Europe/Zurich}
steps:
  prepare:
    command: "prep.py --date ${{ params.run_date }}"
    outputs: {rows: int, table: str}
  train:
    needs: [prepare]
    matrix: {region: "${{ params.regions }}"}
    max_parallel: 2
    commit: "${{ steps.prepare.commit }}"
    command: "train.py --region ${{ matrix.region }} --table ${{ steps.prepare.outputs.table }}"
    outputs: {auc: float}
  report:
    needs: [train]
    if: "${{ steps.prepare.outputs.rows > 0 }}"
    trigger_rule: all_done
    command: "report.py --aucs ${{ steps.train.outputs.auc | tojson }}"
"""


def errors_of(text: str) -> list[tuple[str, int, int, str]]:
    with pytest.raises(PipelineValidationError) as info:
        validate_text(textwrap.dedent(text), "p.yaml")
    return [(i.code, i.position.line, i.position.column, i.message) for i in info.value.errors]


def one_error(text: str) -> tuple[str, int, int, str]:
    found = errors_of(text)
    assert len(found) == 1, found
    return found[0]


ONE_ERROR_CASES = [
    pytest.param(
        """\
            pipeline: p
            project: a/b
            stepz: {}
            steps:
              s: {command: x}
        """,
        ("unknown-key", 3, 1),
        ["unknown key 'stepz'", "did you mean 'steps'?"],
        id="unknown_key_with_did_you_mean",
    ),
    pytest.param(
        """\
            pipeline: p
            project: a/b
            steps:
              s: {command: x}
              s: {command: y}
        """,
        ("duplicate-key", 5, 3),
        ["duplicate key 's' (first defined at line 4, column 3)"],
        id="duplicate_key",
    ),
    pytest.param(
        """\
            pipeline: p
            project: a/b
            steps:
              a:
                command: x
                needs: [a]
        """,
        ("cycle", 6, 13),
        ["step 'a' needs itself"],
        id="step_needing_itself",
    ),
    pytest.param(
        """\
            pipeline: p
            project: a/b
            steps:
              prepare: {command: x}
              train:
                command: x
                needs: prepar
        """,
        ("unknown-step", 7, 12),
        ["needs unknown step 'prepar' (did you mean 'prepare'?)"],
        id="needs_unknown_step",
    ),
    pytest.param(
        """\
            pipeline: p
            project: a/b
            params: {epochs: {type: int, default: 3}}
            steps:
              train:
                command: "train.py --epochs ${{ params.epoch }}"
        """,
        ("unknown-param", 6, 37),
        ["param 'epoch' is not declared (did you mean 'epochs'?)"],
        id="undeclared_param_points_into_the_command",
    ),
    pytest.param(
        """\
            pipeline: p
            project: a/b
            steps:
              a: {command: x, outputs: {rows: int}}
              b:
                needs: [a]
                command: echo ${{ steps.a.outputs.row }}
        """,
        ("unknown-output", 7, 23),
        ["step 'a' declares no output 'row' (did you mean 'rows'?)"],
        id="undeclared_output",
    ),
    pytest.param(
        """\
            pipeline: p
            project: a/b
            steps:
              a: {command: x, outputs: {rows: int}}
              b:
                command: 'echo ${{ steps.a.outputs.rows }}'
        """,
        ("not-upstream", 6, 24),
        ["step 'a' is not upstream of 'b'", "add 'a' to its needs"],
        id="step_that_is_not_upstream",
    ),
    pytest.param(
        """\
            pipeline: p
            project: a/b
            steps:
              a:
                command: x
                allow_failure: maybe
        """,
        ("bad-type", 6, 20),
        ["steps.a.allow_failure", "'maybe'"],
        id="wrong_scalar_type_from_the_schema",
    ),
    pytest.param(
        """\
            pipeline: p
            project: a/b
            steps:
              a:
                command: x
                matrix:
                  i: [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19]
                  j: [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19]
        """,
        ("matrix-size", 7, 7),
        ["400 instances; at most 256"],
        id="matrix_size",
    ),
    pytest.param(
        """\
            pipeline: p
            project: a/b
            steps:
              a: {command: "x ${{ matrix.region }}"}
        """,
        ("bad-reference", 4, 23),
        ["only defined in a step with a matrix"],
        id="matrix_reference_outside_a_matrix_step",
    ),
]


@pytest.mark.parametrize(("text", "where", "phrases"), ONE_ERROR_CASES)
def test_one_error_with_code_position_and_message(
    text: str, where: tuple[str, int, int], phrases: list[str]
) -> None:
    code, line, col, msg = one_error(text)
    assert (code, line, col) == where
    for phrase in phrases:
        assert phrase in msg


def test_the_design_example_is_valid() -> None:
    pipeline, warnings = validate_text(GOOD, "p.yaml")
    assert list(pipeline.steps) == ["prepare", "train", "report"]
    assert pipeline.steps["train"].retries.on == ["error"]
    assert pipeline.steps["report"].timeout == 7200
    assert warnings == []
    params = pipeline.resolve_params(run={"logical_date": "2026-05-04T06:00:00+02:00"})
    assert params == {"run_date": "2026-05-04", "regions": ["us", "eu"], "epochs": 10}
    keys = [i.key for i in pipeline.all_instances(params)]
    assert keys == ["prepare", "train.region-us", "train.region-eu", "report"]


def test_unknown_key_inside_a_step_and_in_retries() -> None:
    found = errors_of(
        """\
        pipeline: p
        project: a/b
        steps:
          s:
            comand: x
            retries: {count: 2, dealy: 5s}
        """
    )
    assert ("unknown-key", 5, 5) == found[0][:3]
    assert "'comand'" in found[0][3] and "did you mean 'command'?" in found[0][3]
    assert ("unknown-key", 6, 25) == found[1][:3]
    assert "did you mean 'delay'?" in found[1][3]


def test_cycle_is_printed() -> None:
    found = errors_of(
        """\
        pipeline: p
        project: a/b
        steps:
          a: {command: x, needs: [c]}
          b: {command: x, needs: [a]}
          c: {command: x, needs: [b]}
        """
    )
    assert [f[0] for f in found] == ["cycle"]
    assert found[0][1:3] == (4, 26)
    assert "dependency cycle: a -> c -> b -> a" in found[0][3]


def test_unknown_step_in_an_expression_and_bad_syntax() -> None:
    found = errors_of(
        """\
        pipeline: p
        project: a/b
        steps:
          a: {command: x}
          b:
            needs: [a]
            command: "x ${{ steps.z.status }}"
          c:
            command: "x ${{ params.a + 1 }}"
        """
    )
    assert found[0][:3] == ("unknown-step", 7, 21)
    assert found[1][0] == "bad-expression" and found[1][1:3] == (9, 30)
    assert "unexpected character '+'" in found[1][3]


def test_type_mismatches() -> None:
    found = errors_of(
        """\
        pipeline: p
        project: a/b
        params:
          epochs: {type: int, default: ten}
        steps:
          a: {command: x, outputs: {auc: float}}
          b:
            needs: [a]
            if: ${{ steps.a.outputs.auc > 'high' }}
            command: x
        """
    )
    assert found[0][:3] == ("type-mismatch", 4, 32)
    assert "default of param 'epochs' must be an int, got 'ten'" in found[0][3]
    assert found[1][:3] == ("type-mismatch", 9, 13)
    assert "cannot compare float with str using '>'" in found[1][3]


def test_bad_trigger_rule_and_duration() -> None:
    found = errors_of(
        """\
        pipeline: p
        project: a/b
        steps:
          a: {command: x, trigger_rule: all_sucess, timeout: 2 days}
        """
    )
    assert [(f[0], f[1], f[2]) for f in found] == [("bad-type", 4, 33), ("bad-type", 4, 54)]
    assert "'all_success'" in found[0][3]
    assert "not a duration: '2 days'" in found[1][3]


def test_bad_cron_and_time_zone() -> None:
    found = errors_of(
        """\
        pipeline: p
        project: a/b
        schedule: {cron: "0 25 * * *", timezone: Europe/Zurch}
        steps:
          a: {command: x}
        """
    )
    assert found[0][:3] == ("bad-cron", 3, 18)
    assert "invalid cron expression '0 25 * * *'" in found[0][3]
    assert found[1][:3] == ("bad-timezone", 3, 42)
    assert "did you mean 'Europe/Zurich'?" in found[1][3]


def test_dst_warning_is_a_warning_not_an_error() -> None:
    text = GOOD.replace('"0 6 * * MON"', '"30 2 * * *"')
    _, warnings = validate_text(text, "p.yaml")
    assert warnings and all(w.severity == "warning" for w in warnings)
    assert any(
        "DST gap" in w.message and "does not exist in Europe/Zurich" in w.message for w in warnings
    )
    assert warnings[0].position.line == 11


def test_yaml_syntax_error_has_a_position() -> None:
    code, line, col, msg = one_error("pipeline: p\nsteps: [a\n")
    assert code == "yaml-syntax" and line == 3 and "invalid YAML" in msg


def test_yaml_12_booleans_keep_on_and_no_as_strings() -> None:
    pipeline, _ = validate_text(
        textwrap.dedent(
            """\
            pipeline: p
            project: a/b
            steps:
              a:
                command: x
                matrix: {country: [no, se]}
                retries: {count: 1, on: [timeout]}
            """
        ),
        "p.yaml",
    )
    assert pipeline.steps["a"].matrix == {"country": ["no", "se"]}
    assert pipeline.steps["a"].retries.on == ["timeout"]


def test_commit_rules() -> None:
    found = errors_of(
        """\
        pipeline: p
        project: a/b
        steps:
          a: {command: x, matrix: {i: [1, 2]}}
          b: {command: x, needs: [a], commit: "${{ steps.a.commit }}"}
          c: {command: x, commit: newest}
        """
    )
    assert found[0][:3] == ("bad-commit", 5, 44)
    assert "matrix step 'a'" in found[0][3]
    assert found[1][:3] == ("bad-commit", 6, 27)


def test_reusable_step_template(tmp_path: Path) -> None:
    (tmp_path / "steps").mkdir()
    (tmp_path / "steps" / "train.yaml").write_text(
        textwrap.dedent(
            """\
            description: train one model
            inputs:
              region: {type: str}
              epochs: {type: int, default: 3}
            command: "train.py --region ${{ inputs.region }} --epochs ${{ inputs.epochs }}"
            outputs: {auc: float}
            """
        )
    )
    main = tmp_path / "p.yaml"
    main.write_text(
        textwrap.dedent(
            """\
            pipeline: p
            project: a/b
            steps:
              train:
                uses: steps/train.yaml
                with: {region: eu}
              report:
                needs: [train]
                command: "echo ${{ steps.train.outputs.auc }}"
            """
        )
    )
    pipeline, _ = load_pipeline(main)
    assert pipeline.steps["train"].inputs == {"region": "eu", "epochs": 3}
    assert pipeline.steps["train"].outputs == {"auc": "float"}
    main.write_text(main.read_text().replace("{region: eu}", "{regoin: eu, epochs: many}"))
    with pytest.raises(PipelineValidationError) as info:
        load_pipeline(main)
    found = [(i.code, i.position.line, i.position.column, i.message) for i in info.value.errors]
    assert found[0][:3] == ("unknown-input", 6, 12) and "did you mean 'region'?" in found[0][3]
    by_code = {f[0]: f for f in found}
    assert by_code["type-mismatch"][1:3] == (6, 32)
    assert (
        "input 'epochs' of step 'train' must be an int, got 'many'" in by_code["type-mismatch"][3]
    )
    assert "input 'region' of steps/train.yaml is required" in by_code["missing-key"][3]
