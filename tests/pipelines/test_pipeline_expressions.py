"""The ``${{ }}`` grammar: parsing, evaluation, filters, shell quoting; never eval."""

from __future__ import annotations

import shlex

import pytest

from domino.pipelines.expressions import ExpressionError, parse_template

CTX = {
    "params": {"regions": ["us", "eu"], "epochs": 3, "name": "it's; rm -rf /", "day": "2026-05-04"},
    "steps": {"prep": {"status": "succeeded", "outputs": {"rows": 12, "auc": [0.5, 0.75]}}},
    "matrix": {"region": "eu"},
    "run": {"id": "r1", "logical_date": "2026-05-04T06:00:00+00:00"},
}


def value(text: str) -> object:
    return parse_template(text).value(CTX)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${{ params.epochs }}", 3),
        ("${{ params.regions }}", ["us", "eu"]),
        ("${{ steps.prep.outputs.rows > 10 && params.epochs >= 3 }}", True),
        ("${{ !(steps.prep.outputs.rows > 10) || false }}", False),
        ("${{ matrix.region in params.regions }}", True),
        ("${{ 'asia' not in params.regions }}", True),
        ("${{ steps.prep.status == 'succeeded' }}", True),
        ("${{ params.regions | join('+') }}", "us+eu"),
        ("${{ steps.prep.outputs.auc | tojson }}", "[0.5,0.75]"),
        ("${{ run.logical_date | date }}", "2026-05-04"),
        ("${{ run.logical_date | date('%Y%m%d') }}", "20260504"),
        ("${{ params.missing | default('x') }}", None),  # replaced below
        ("${{ params.regions | length }}", 2),
        ("${{ params.regions[1] | upper }}", "EU"),
        ("${{ [1, 2.5, 'a', null] }}", [1, 2.5, "a", None]),
        ("run-${{ run.id }}-${{ params.epochs }}", "run-r1-3"),
    ],
)
def test_values(text: str, expected: object) -> None:
    if "missing" in text:
        with pytest.raises(ExpressionError, match="params.missing is not defined"):
            value(text)
        return
    assert value(text) == expected


def test_commands_are_shell_quoted() -> None:
    tpl = parse_template("echo ${{ params.name }} ${{ params.regions }} ${{ params.epochs }}")
    line = tpl.render(CTX, quote=True)
    assert shlex.split(line) == ["echo", "it's; rm -rf /", '["us","eu"]', "3"]


def test_no_eval_of_python() -> None:
    for text in ("${{ __import__('os') }}", "${{ params.__class__ }}", "${{ open('x') }}"):
        with pytest.raises(ExpressionError):
            value(text)


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("${{ params.epochs + 1 }}", "unexpected character '+'", 18),
        ("${{ prams.epochs }}", "unknown name 'prams' (did you mean 'params'?)", 4),
        ("${{ params.regions | jion }}", "unknown filter 'jion' (did you mean 'join'?)", 21),
        ("${{ params.epochs", "'${{' without a closing '}}'", 0),
        ("${{ }}", "empty expression", 4),
        ("${{ (params.epochs }}", "expected ')'", 18),
    ],
)
def test_parse_errors_have_offsets(text: str, message: str, offset: int) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_template(text)
    assert message in str(info.value)
    assert info.value.offset == offset


def test_runtime_type_errors_are_expression_errors() -> None:
    with pytest.raises(ExpressionError, match="cannot compare 'eu' > 1"):
        value("${{ matrix.region > 1 }}")
    with pytest.raises(ExpressionError, match="join filter needs a list"):
        value("${{ params.epochs | join }}")
