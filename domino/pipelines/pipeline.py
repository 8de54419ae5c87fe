"""A validated pipeline: steps with their defaults applied, the graph, params and matrices."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domino.pipelines.errors import PipelineRunError
from domino.pipelines.expressions import has_expression, parse_template
from domino.pipelines.spec import Param, Retries, Schedule
from domino.pipelines.values import coerce, coerce_text

__all__ = ["Instance", "Pipeline", "Step", "instance_suffix"]

MAX_MATRIX = 256


@dataclass(frozen=True)
class Step:
    id: str
    command: str
    needs: tuple[str, ...]
    if_: str | bool | None
    trigger_rule: str
    allow_failure: bool
    outputs: Mapping[str, str]
    matrix: Mapping[str, list[Any] | str] | None
    max_parallel: int | None
    fail_fast: bool
    commit: str
    hardware_tier: str | None
    environment: str | None
    retries: Retries
    timeout: float | None
    inputs: Mapping[str, Any] = field(default_factory=dict)  # ``uses`` + ``with``
    uses: str | None = None


@dataclass(frozen=True)
class Instance:
    """One job-sized unit: a step, or one combination of a matrix step."""

    step: Step
    matrix: Mapping[str, Any] | None
    index: int  # position in matrix order (0 for plain steps)

    @property
    def key(self) -> str:
        """Readable id: ``train`` or ``train.region-us`` (also the Airflow task id)."""
        if self.matrix is None:
            return self.step.id
        return f"{self.step.id}.{instance_suffix(self.matrix)}"


def instance_suffix(matrix: Mapping[str, Any]) -> str:
    parts = []
    for axis, value in matrix.items():
        text = value if isinstance(value, str) else repr(value)
        parts.append(f"{axis}-{re.sub(r'[^A-Za-z0-9_-]+', '_', text)}")
    return "_".join(parts)


@dataclass
class Pipeline:
    id: str
    description: str | None
    project: str
    params: Mapping[str, Param]
    schedule: Schedule | None
    steps: dict[str, Step]  # in topological order (ties: file order)
    file: str
    source: str
    templates: dict[str, str] = field(default_factory=dict)  # uses path -> text

    @property
    def spec_hash(self) -> str:
        digest = hashlib.sha256(self.source.encode())
        for name in sorted(self.templates):
            digest.update(name.encode() + b"\0" + self.templates[name].encode())
        return digest.hexdigest()[:16]

    # -- graph ---------------------------------------------------------------------------------

    def upstream(self, step_id: str) -> set[str]:
        seen: set[str] = set()
        todo = list(self.steps[step_id].needs)
        while todo:
            current = todo.pop()
            if current not in seen and current in self.steps:
                seen.add(current)
                todo.extend(self.steps[current].needs)
        return seen

    def downstream(self, step_id: str) -> set[str]:
        return {s for s in self.steps if step_id in self.upstream(s)}

    # -- params --------------------------------------------------------------------------------

    def resolve_params(
        self,
        overrides: Mapping[str, Any] | None = None,
        *,
        run: Mapping[str, Any] | None = None,
        from_text: bool = False,
    ) -> dict[str, Any]:
        """Typed values of every param: overrides, else defaults (which may use ``run``)."""
        overrides = dict(overrides or {})
        unknown = sorted(set(overrides) - set(self.params))
        if unknown:
            raise PipelineRunError(
                f"unknown param(s) {', '.join(unknown)}; this pipeline declares: "
                + (", ".join(self.params) or "none")
            )
        ctx = {"run": dict(run or {}), "params": {}, "steps": {}, "matrix": {}}
        out: dict[str, Any] = {}
        for name, param in self.params.items():
            what = f"param {name!r}"
            try:
                if name in overrides:
                    raw = overrides[name]
                    value = (
                        coerce_text(raw, param.type, what)
                        if from_text and isinstance(raw, str)
                        else coerce(raw, param.type, what)
                    )
                elif param.default is None:
                    raise PipelineRunError(f"{what} is required (it has no default)")
                elif has_expression(param.default):
                    value = coerce(parse_template(param.default).value(ctx), param.type, what)
                else:
                    value = coerce(param.default, param.type, what)
            except ValueError as exc:
                raise PipelineRunError(str(exc)) from None
            check_bounds(param, value, what, PipelineRunError)
            out[name] = value
        return out

    # -- matrices ------------------------------------------------------------------------------

    def instances(self, step_id: str, params: Mapping[str, Any]) -> list[Instance]:
        step = self.steps[step_id]
        if not step.matrix:
            return [Instance(step, None, 0)]
        axes: list[tuple[str, list[Any]]] = []
        ctx = {"params": dict(params), "run": {}, "steps": {}, "matrix": {}}
        for axis, values in step.matrix.items():
            resolved = parse_template(values).value(ctx) if isinstance(values, str) else values
            if not isinstance(resolved, list):
                raise PipelineRunError(
                    f"matrix {axis!r} of step {step_id!r} must be a list, got {resolved!r}"
                )
            axes.append((axis, resolved))
        combos = [
            dict(zip([a for a, _ in axes], c, strict=True))
            for c in itertools.product(*(v for _, v in axes))
        ]
        if len(combos) > MAX_MATRIX:
            raise PipelineRunError(
                f"matrix of step {step_id!r} has {len(combos)} instances (at most {MAX_MATRIX})"
            )
        if not combos:
            raise PipelineRunError(f"matrix of step {step_id!r} is empty")
        return [Instance(step, combo, i) for i, combo in enumerate(combos)]

    def all_instances(self, params: Mapping[str, Any]) -> list[Instance]:
        return [i for s in self.steps for i in self.instances(s, params)]


def check_bounds(param: Param, value: Any, what: str, error: type[Exception]) -> None:
    if param.minimum is not None and isinstance(value, int | float) and value < param.minimum:
        raise error(f"{what} must be >= {param.minimum:g}, got {value!r}")
    if param.maximum is not None and isinstance(value, int | float) and value > param.maximum:
        raise error(f"{what} must be <= {param.maximum:g}, got {value!r}")
    if param.enum is not None and value not in param.enum:
        raise error(f"{what} must be one of {param.enum!r}, got {value!r}")


def logical_date_now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
