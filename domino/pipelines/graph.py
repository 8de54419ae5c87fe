"""Views of a pipeline that start nothing: the plan (every command) and graphs (Mermaid, DOT)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domino.pipelines.engine import expression_context, render_inputs
from domino.pipelines.expressions import ExpressionError, parse_template
from domino.pipelines.pipeline import Pipeline

__all__ = ["dot", "mermaid", "plan"]


def _placeholder_steps(pipeline: Pipeline, params: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for sid, step in pipeline.steps.items():
        fields = {
            f: f"<steps.{sid}.{f}>" for f in ("status", "job_id", "url", "commit", "input_commit")
        }
        if step.matrix:
            keys = [i.key for i in pipeline.instances(sid, params)]
            outputs: dict[str, Any] = {
                k: [f"<{key}.outputs.{k}>" for key in keys] for k in step.outputs
            }
        else:
            outputs = {k: f"<steps.{sid}.outputs.{k}>" for k in step.outputs}
        out[sid] = {**fields, "attempt": 1, "outputs": outputs, "instances": []}
    return out


def plan(
    pipeline: Pipeline, params: Mapping[str, Any], run: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Every instance in run order with its command (upstream values as ``<placeholders>``)."""
    steps = _placeholder_steps(pipeline, params)
    out = []
    for sid, step in pipeline.steps.items():
        for inst in pipeline.instances(sid, params):
            ctx = expression_context(params, run, steps, inst)
            try:
                ctx["inputs"] = render_inputs(inst, ctx)
                command = parse_template(step.command).render(ctx, quote=True)
            except ExpressionError as exc:
                command = f"<cannot render: {exc}>"
            out.append(
                {
                    "key": inst.key,
                    "needs": list(step.needs),
                    "command": command,
                    "if": step.if_,
                    "trigger_rule": step.trigger_rule,
                    "commit": step.commit,
                    "hardware_tier": step.hardware_tier,
                    "environment": step.environment,
                    "timeout": step.timeout,
                    "retries": step.retries.count,
                    "allow_failure": step.allow_failure,
                    "outputs": dict(step.outputs),
                }
            )
    return out


def _label(pipeline: Pipeline, sid: str, params: Mapping[str, Any]) -> str:
    step = pipeline.steps[sid]
    if step.matrix:
        return f"{sid} ×{len(pipeline.instances(sid, params))}"
    return sid


def mermaid(pipeline: Pipeline, params: Mapping[str, Any]) -> str:
    lines = ["flowchart TD"]
    for sid in pipeline.steps:
        lines.append(f'    {sid.replace("-", "_")}["{_label(pipeline, sid, params)}"]')
    for sid, step in pipeline.steps.items():
        for dep in step.needs:
            arrow = "-->" if step.trigger_rule == "all_success" else f"-- {step.trigger_rule} -->"
            lines.append(f"    {dep.replace('-', '_')} {arrow} {sid.replace('-', '_')}")
    return "\n".join(lines) + "\n"


def dot(pipeline: Pipeline, params: Mapping[str, Any]) -> str:
    lines = [f'digraph "{pipeline.id}" {{', "    rankdir=LR;", "    node [shape=box];"]
    for sid in pipeline.steps:
        lines.append(f'    "{sid}" [label="{_label(pipeline, sid, params)}"];')
    for sid, step in pipeline.steps.items():
        for dep in step.needs:
            attr = "" if step.trigger_rule == "all_success" else f' [label="{step.trigger_rule}"]'
            lines.append(f'    "{dep}" -> "{sid}"{attr};')
    lines.append("}")
    return "\n".join(lines) + "\n"
