"""Reference and type checks of the ``${{ }}`` expressions in a pipeline file."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from domino.pipelines.errors import Issue, Position
from domino.pipelines.expressions import (
    Binary,
    Expr,
    ExpressionError,
    Filter,
    ListExpr,
    Literal,
    Name,
    Unary,
    parse_template,
)
from domino.pipelines.pipeline import Step
from domino.pipelines.source import Located, Path
from domino.pipelines.spec import PipelineSpec
from domino.pipelines.values import type_of_list

__all__ = ["ExpressionChecker", "RUN_FIELDS", "STEP_FIELDS", "did_you_mean"]

STEP_FIELDS = {
    "status": "str",
    "job_id": "str",
    "url": "str",
    "commit": "str",
    "input_commit": "str",
    "attempt": "int",
    "outputs": None,
    "instances": "list",
}
RUN_FIELDS = {"id": "str", "logical_date": "str"}
# a literal's static type; bool before int (True is an int)
_LITERAL_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "bool"),
    (int, "int"),
    (float, "float"),
    (str, "str"),
)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class ExpressionChecker:
    """Reference and type checks of the expressions of one pipeline."""

    def __init__(self, spec: PipelineSpec, src: Located, steps: dict[str, Step]) -> None:
        self.spec = spec
        self.src = src
        self.steps = steps
        self.issues: list[Issue] = []
        self._upstream: dict[str, set[str]] = {}

    def upstream(self, step_id: str) -> set[str]:
        if step_id not in self._upstream:
            seen: set[str] = set()
            todo = list(self.steps[step_id].needs) if step_id in self.steps else []
            while todo:
                cur = todo.pop()
                if cur not in seen and cur in self.steps:
                    seen.add(cur)
                    todo.extend(self.steps[cur].needs)
            self._upstream[step_id] = seen
        return self._upstream[step_id]

    def error(self, code: str, message: str, pos: Position) -> None:
        self.issues.append(Issue(code, message, pos))

    def template(
        self,
        text: Any,
        path: Path,
        *,
        step: str | None,
        allowed: tuple[str, ...] = ("params", "steps", "matrix", "run"),
        inputs: Mapping[str, str] | None = None,
        src: Located | None = None,
        bare: bool = False,
    ) -> list[tuple[Expr, Position]]:
        """Parse ``text`` (a ``${{ }}`` template, or with ``bare`` a plain expression)."""
        src = src or self.src
        if not isinstance(text, str):
            return []
        source = text if ("${{" in text or not bare) else "${{ " + text + " }}"
        shift = 0 if source is text else -4
        try:
            tpl = parse_template(source)
        except ExpressionError as exc:
            self.error("bad-expression", str(exc), src.inner(path, max(0, exc.offset + shift)))
            return []
        out = []
        for expr, base in tpl.expressions:
            for ref, offset in expr.refs():
                pos = src.inner(path, max(0, base + offset + shift))
                self.reference(ref, pos, step=step, allowed=allowed, inputs=inputs)
            pos = src.inner(path, max(0, base + shift))
            self.types(expr, pos, step=step, inputs=inputs)
            out.append((expr, pos))
        return out

    def reference(
        self,
        ref: tuple[str, ...],
        pos: Position,
        *,
        step: str | None,
        allowed: tuple[str, ...],
        inputs: Mapping[str, str] | None,
    ) -> None:
        head = ref[0]
        text = ".".join(ref)
        if head not in allowed:
            where = "here" if step is None else f"in step {step!r}"
            self.error(
                "bad-reference",
                f"{text}: {head!r} cannot be used {where} (allowed: {', '.join(allowed)})",
                pos,
            )
            return
        if len(ref) < 2:
            self.error("bad-reference", f"{text!r} needs a field, e.g. {head}.<name>", pos)
            return
        name = ref[1]
        if head == "params":
            if name not in self.spec.params:
                self.error(
                    "unknown-param",
                    f"{text}: param {name!r} is not declared{did_you_mean(name, self.spec.params)}",
                    pos,
                )
        elif head == "run":
            if name not in RUN_FIELDS:
                self.error(
                    "bad-reference",
                    f"{text}: run has no field {name!r}{did_you_mean(name, RUN_FIELDS)}",
                    pos,
                )
        elif head == "inputs":
            if inputs is not None and name not in inputs:
                self.error(
                    "unknown-input",
                    f"{text}: input {name!r} is not declared{did_you_mean(name, inputs)}",
                    pos,
                )
        elif head == "matrix":
            axes = (self.steps[step].matrix or {}) if step in self.steps else {}
            if not axes:
                self.error(
                    "bad-reference",
                    f"{text}: matrix.* is only defined in a step with a matrix",
                    pos,
                )
            elif name not in axes:
                self.error(
                    "bad-reference",
                    f"{text}: step {step!r} has no matrix axis {name!r}{did_you_mean(name, axes)}",
                    pos,
                )
        elif head == "steps":
            self.step_reference(ref, pos, step)

    def step_reference(self, ref: tuple[str, ...], pos: Position, step: str | None) -> None:
        text = ".".join(ref)
        target = ref[1]
        if target not in self.steps:
            self.error(
                "unknown-step",
                f"{text}: there is no step {target!r}{did_you_mean(target, self.steps)}",
                pos,
            )
            return
        if step is None or target not in self.upstream(step):
            where = "here" if step is None else f"by step {step!r}"
            self.error(
                "not-upstream",
                f"{text}: step {target!r} is not upstream of {step!r} and cannot be read {where}"
                f" (add {target!r} to its needs)"
                if step
                else f"{text}: steps cannot be read {where}",
                pos,
            )
            return
        if len(ref) < 3:
            self.error(
                "bad-reference", f"{text!r} needs a field (outputs, status, commit ...)", pos
            )
            return
        attr = ref[2]
        if attr not in STEP_FIELDS:
            self.error(
                "bad-reference",
                f"{text}: a step has no field {attr!r}{did_you_mean(attr, STEP_FIELDS)};"
                f" fields: {', '.join(STEP_FIELDS)}",
                pos,
            )
        elif attr == "outputs" and len(ref) >= 4:
            declared = self.steps[target].outputs
            if ref[3] not in declared:
                self.error(
                    "unknown-output",
                    f"{text}: step {target!r} declares no output {ref[3]!r}"
                    f"{did_you_mean(ref[3], declared)}"
                    + (f"; it declares: {', '.join(declared)}" if declared else ""),
                    pos,
                )

    # -- a light static typing: enough to catch "auc > 'high'" and "join" on a number ---------

    def type_of(self, expr: Expr, step: str | None, inputs: Mapping[str, str] | None) -> str | None:
        if isinstance(expr, Literal):
            return next((name for t, name in _LITERAL_TYPES if isinstance(expr.value, t)), None)
        if isinstance(expr, ListExpr):
            return "list"
        if isinstance(expr, (Unary, Binary)):
            return "bool"
        if isinstance(expr, Filter):
            return {"length": "int", "default": None}.get(expr.name, "str")
        if isinstance(expr, Name):
            ref = expr.static_path()
            if len(ref) < 2 or len(ref) != len(expr.parts):
                return None
            head, name = ref[0], ref[1]
            if head == "params" and name in self.spec.params and len(ref) == 2:
                return self.spec.params[name].type
            if head == "inputs" and inputs and name in inputs and len(ref) == 2:
                return inputs[name]
            if head == "run" and len(ref) == 2:
                return RUN_FIELDS.get(name)
            if head == "steps" and name in self.steps and len(ref) >= 3:
                target = self.steps[name]
                if ref[2] == "outputs" and len(ref) == 4 and ref[3] in target.outputs:
                    declared = target.outputs[ref[3]]
                    return type_of_list(declared) if target.matrix else declared
                if len(ref) == 3:
                    return STEP_FIELDS.get(ref[2])
        return None

    def types(
        self, expr: Expr, pos: Position, *, step: str | None, inputs: Mapping[str, str] | None
    ) -> None:
        for node in _walk(expr):
            if isinstance(node, Binary) and node.op in ("<", "<=", ">", ">=", "==", "!="):
                left = self.type_of(node.left, step, inputs)
                right = self.type_of(node.right, step, inputs)
                if left and right and _incompatible(left, right, node.op):
                    self.error(
                        "type-mismatch",
                        f"cannot compare {left} with {right} using {node.op!r}",
                        pos,
                    )
            if isinstance(node, Binary) and node.op in ("in", "not in"):
                right = self.type_of(node.right, step, inputs)
                if right and not (right.startswith("list") or right in ("str", "dict")):
                    self.error(
                        "type-mismatch", f"'{node.op}' needs a list or string, not {right}", pos
                    )
            if isinstance(node, Filter) and node.name == "join":
                value = self.type_of(node.value, step, inputs)
                if value and not value.startswith("list"):
                    self.error("type-mismatch", f"join needs a list, not {value}", pos)
            if isinstance(node, Filter) and node.name in ("lower", "upper"):
                value = self.type_of(node.value, step, inputs)
                if value and value not in ("str", "date"):
                    self.error("type-mismatch", f"{node.name} needs a str, not {value}", pos)


def _incompatible(left: str, right: str, op: str) -> bool:
    kinds = {"int": "number", "float": "number", "date": "str"}
    a, b = kinds.get(left, left), kinds.get(right, right)
    if op in ("==", "!="):
        return (
            a != b
            and "list" not in (a[:4], b[:4])
            and not (a.startswith("list") or b.startswith("list"))
        )
    return a != b or a not in ("number", "str")


def _walk(expr: Expr) -> Iterable[Expr]:
    yield expr
    children: list[Any] = []
    if isinstance(expr, Name):
        children = [p for p in expr.parts if isinstance(p, Expr)]
    elif isinstance(expr, Unary):
        children = [expr.operand]
    elif isinstance(expr, Binary):
        children = [expr.left, expr.right]
    elif isinstance(expr, ListExpr):
        children = list(expr.items)
    elif isinstance(expr, Filter):
        children = [expr.value, *expr.args]
    for child in children:
        yield from _walk(child)
