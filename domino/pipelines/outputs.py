"""The outputs contract between a job and the pipeline engine.

A job writes one JSON object to ``.domino/pipeline-outputs/<DOMINO_RUN_ID>.json`` in its working
directory, with :func:`set_outputs` (Python) or ``python -m domino.pipelines output k=v`` (shell,
R). The file name is unique per job, so a previous run's file is never read. When the job has
ended, the engine reads that file at the job's output commit and checks it with
:func:`check_outputs`: every declared key present, values of the declared types, at most
:data:`MAX_OUTPUT_BYTES`. This module needs only the standard library.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from domino.exceptions import DominoException

__all__ = [
    "MAX_OUTPUT_BYTES",
    "OUTPUTS_DIR",
    "OutputsError",
    "check_outputs",
    "output_path",
    "set_outputs",
]

OUTPUTS_DIR = ".domino/pipeline-outputs"
MAX_OUTPUT_BYTES = 64 * 1024


class OutputsError(DominoException, ValueError):
    """Outputs cannot be written (outside a job, not JSON, too big) or do not match the spec."""


def output_path(run_id: str) -> str:
    """The project path of a job's outputs file (no leading slash)."""
    if not run_id or "/" in run_id or run_id.startswith("."):
        raise OutputsError(f"not a usable job id for an outputs file: {run_id!r}")
    return f"{OUTPUTS_DIR}/{run_id}.json"


def _finite(value: Any, name: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise OutputsError(f"output {name!r} is {value!r}; JSON has no NaN or infinity")
    if isinstance(value, list):
        for item in value:
            _finite(item, name)
    if isinstance(value, dict):
        for item in value.values():
            _finite(item, name)


def set_outputs(values: Mapping[str, Any] | None = None, /, **more: Any) -> Path:
    """Record outputs of the running job for the pipeline; returns the file written.

    Call it as ``set_outputs(auc=0.91, table="t1")`` or with a mapping; repeated calls add to
    (and overwrite keys of) what was set before. Needs ``DOMINO_RUN_ID`` (set in every Domino
    job). Raises :class:`OutputsError` for values that are not JSON or exceed the size cap.
    """
    new = dict(values or {})
    new.update(more)
    run_id = os.environ.get("DOMINO_RUN_ID", "")
    if not run_id:
        raise OutputsError(
            "set_outputs works inside a Domino job: DOMINO_RUN_ID is not set in this environment"
        )
    for key in new:
        if not isinstance(key, str) or not key:
            raise OutputsError(f"output names must be non-empty strings, got {key!r}")
        _finite(new[key], key)
    base = Path(os.environ.get("DOMINO_WORKING_DIR") or os.getcwd())
    target = base / output_path(run_id)
    current: dict[str, Any] = {}
    if target.exists():
        try:
            loaded = json.loads(target.read_text(encoding="utf-8"))
            current = loaded if isinstance(loaded, dict) else {}
        except ValueError:
            current = {}
    current.update(new)
    try:
        text = json.dumps(current, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise OutputsError(f"outputs must be JSON values: {exc}") from None
    if len(text.encode()) > MAX_OUTPUT_BYTES:
        raise OutputsError(
            f"outputs are {len(text.encode())} bytes; at most {MAX_OUTPUT_BYTES} are allowed"
            " (pass files by reference: write them and output their path)"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, target)
    return target


def parse_assignments(pairs: list[str]) -> dict[str, Any]:
    """``["rows=12", "name=eu", 'tags=["a"]']`` → values (JSON where it parses, else text)."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key:
            raise OutputsError(f"expected name=value, got {pair!r}")
        try:
            out[key] = json.loads(text)
        except ValueError:
            out[key] = text
    return out


def check_outputs(
    raw: bytes | None,
    declared: Mapping[str, str],
    *,
    where: str,
    limit: int = MAX_OUTPUT_BYTES,
) -> tuple[dict[str, Any], list[str]]:
    """Validate a job's outputs file against the declared ``name → type``.

    Returns (typed values of the declared keys, warnings about undeclared keys). Raises
    :class:`OutputsError` with a precise message when the file is missing (and outputs are
    declared), too big, not a JSON object, lacks a key, or holds a value of the wrong type.
    """
    from domino.pipelines.values import coerce

    if raw is None:
        if declared:
            raise OutputsError(
                f"{where}: the job wrote no outputs file, but the step declares"
                f" {', '.join(declared)} (call domino.pipelines.set_outputs(...) in the job)"
            )
        return {}, []
    if len(raw) > limit:
        raise OutputsError(f"{where}: outputs file is {len(raw)} bytes; the cap is {limit}")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise OutputsError(f"{where}: outputs file is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise OutputsError(
            f"{where}: outputs file must hold a JSON object, got {type(data).__name__}"
        )
    missing = [k for k in declared if k not in data]
    if missing:
        raise OutputsError(
            f"{where}: declared output(s) {', '.join(missing)} missing; the job set"
            f" {', '.join(sorted(data)) or 'nothing'}"
        )
    values: dict[str, Any] = {}
    for key, type_name in declared.items():
        try:
            values[key] = coerce(data[key], type_name, f"output {key!r}")
        except ValueError as exc:
            raise OutputsError(f"{where}: {exc}") from None
    extra = sorted(set(data) - set(declared))
    warnings = [f"{where}: undeclared output(s) ignored: {', '.join(extra)}"] if extra else []
    return values, warnings
