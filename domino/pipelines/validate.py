"""Load and validate a pipeline file: every error with file:line:column, before anything runs."""

from __future__ import annotations

import re
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError

from domino.pipelines.checks import ExpressionChecker, did_you_mean
from domino.pipelines.errors import Issue, PipelineValidationError, Position
from domino.pipelines.expressions import Name
from domino.pipelines.pipeline import MAX_MATRIX, Pipeline, Step, check_bounds
from domino.pipelines.schedule import check_cron, check_timezone, dst_warnings
from domino.pipelines.source import Located, Path, load_yaml
from domino.pipelines.spec import (
    Defaults,
    PipelineSpec,
    Retries,
    StepSpec,
    StepTemplate,
    field_names,
)
from domino.pipelines.values import coerce, is_numeric_type

__all__ = ["load_pipeline", "validate_text"]

_PIPELINE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_STEP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_PROJECT = re.compile(r"^[^/\s]+/[^/\s]+$")
_SHA = re.compile(r"^[0-9a-f]{7,40}$")


_did_you_mean = did_you_mean


def _dotted(path: Iterable[Any]) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


# --------------------------------------------------------------------------- shape checks


def _submodel(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """(model, is_mapping_of_models) for a field annotation such as ``dict[str, Param]``."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    if origin is dict and len(args) == 2:
        inner, _ = _submodel(args[1])
        return inner, inner is not None
    for arg in args:
        inner, mapping = _submodel(arg)
        if inner is not None and typing.get_origin(arg) is not dict:
            return inner, mapping
    return None, False


def _unknown_keys(model: type[BaseModel], data: Any, path: Path, src: Located) -> list[Issue]:
    if not isinstance(data, dict):
        return []
    issues: list[Issue] = []
    names = field_names(model)
    by_alias = {info.alias or name: info for name, info in model.model_fields.items()}
    for key, value in data.items():
        if key not in by_alias:
            where = "at the top level" if not path else f"in {_dotted(path)}"
            issues.append(
                Issue(
                    "unknown-key",
                    f"unknown key {key!r} {where}{_did_you_mean(key, names)};"
                    f" allowed: {', '.join(names)}",
                    src.at((*path, key), key=True),
                )
            )
            continue
        sub, mapping = _submodel(by_alias[key].annotation)
        if sub is None:
            continue
        if mapping and isinstance(value, dict):
            for name, item in value.items():
                issues += _unknown_keys(sub, item, (*path, key, name), src)
        else:
            issues += _unknown_keys(sub, value, (*path, key), src)
    return issues


def _schema_issues(model: type[BaseModel], src: Located) -> tuple[Any, list[Issue]]:
    issues = _unknown_keys(model, src.data, (), src)
    if not isinstance(src.data, dict):
        return None, [Issue("bad-type", "the file must be a YAML mapping", src.at(()))]
    try:
        return model.model_validate(src.data), issues
    except ValidationError as exc:
        seen: set[tuple[Any, ...]] = set()
        for err in exc.errors():
            if err["type"] == "extra_forbidden":
                continue
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
            loc = tuple(p for p in loc if p not in ("function-before", "function-after"))
            if loc in seen:
                continue
            seen.add(loc)
            code = "missing-key" if err["type"] == "missing" else "bad-type"
            message = err["msg"]
            if code == "missing-key":
                message = f"required key {loc[-1]!r} is missing in {_dotted(loc[:-1])}"
                pos = src.at(loc[:-1])
            else:
                value = err.get("input")
                message = f"{_dotted(loc)}: {message}" + (
                    f", got {value!r}" if not isinstance(value, dict | list) else ""
                )
                message = message.replace("Value error, ", "")
                pos = src.at(loc)
            issues.append(Issue(code, message, pos))
        return None, issues


# --------------------------------------------------------------------------- the pipeline


def _cycles(steps: Mapping[str, StepSpec]) -> list[list[str]]:
    """Every distinct cycle (as a path a -> b -> a), found by depth-first search."""
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in steps[node].needs:
            if dep not in steps or dep == node:
                continue
            if state.get(dep) == 1:
                cycle = stack[stack.index(dep) :] + [dep]
                if not any(set(cycle) == set(c) for c in found):
                    found.append(cycle)
            elif state.get(dep) is None:
                visit(dep)
        stack.pop()
        state[node] = 2

    for name in steps:
        if state.get(name) is None:
            visit(name)
    return found


def _topological(steps: Mapping[str, StepSpec]) -> list[str]:
    order: list[str] = []
    placed: set[str] = set()
    pending = list(steps)
    while pending:
        progressed = False
        for name in list(pending):
            if all(d in placed or d not in steps for d in steps[name].needs):
                order.append(name)
                placed.add(name)
                pending.remove(name)
                progressed = True
        if not progressed:  # a cycle: reported elsewhere
            order += pending
            break
    return order


def _load_template(
    base_dir: FsPath, uses: str, pos: Position, issues: list[Issue], cache: dict[str, Any]
) -> tuple[StepTemplate, Located] | None:
    if uses in cache:
        cached: tuple[StepTemplate, Located] | None = cache[uses]
        return cached
    path = (base_dir / uses).resolve()
    if not path.is_file():
        issues.append(
            Issue("bad-uses", f"step template {uses!r} not found (looked for {path})", pos)
        )
        cache[uses] = None
        return None
    text = path.read_text(encoding="utf-8")
    try:
        src = load_yaml(text, str(path))
    except PipelineValidationError as exc:
        issues += exc.issues
        cache[uses] = None
        return None
    template, found = _schema_issues(StepTemplate, src)
    found = src.issues + found
    issues += found
    result = (template, src) if template is not None and not found else None
    cache[uses] = result
    cache["__text__" + uses] = text
    return result


def validate_text(
    text: str, file: str = "<pipeline>", *, base_dir: FsPath | None = None
) -> tuple[Pipeline, list[Issue]]:
    """Validate a pipeline's YAML text; (pipeline, warnings) or :class:`PipelineValidationError`."""
    src = load_yaml(text, file)
    spec, issues = _schema_issues(PipelineSpec, src)
    issues = src.issues + issues
    if spec is None or issues:
        raise PipelineValidationError(issues)
    assert isinstance(spec, PipelineSpec)
    base_dir = base_dir or (FsPath(file).parent if file and not file.startswith("<") else FsPath())

    if not _PIPELINE_ID.match(spec.pipeline):
        issues.append(
            Issue(
                "bad-id",
                f"pipeline id {spec.pipeline!r} must match [a-z0-9][a-z0-9_-]* (it becomes the"
                " Airflow dag_id and the run directory name)",
                src.at(("pipeline",)),
            )
        )
    if not _PROJECT.match(spec.project):
        issues.append(
            Issue(
                "bad-project",
                f"project {spec.project!r} must be 'owner/name'",
                src.at(("project",)),
            )
        )

    # Params: defaults have the declared type, bounds hold.
    for name, param in spec.params.items():
        if not _STEP_ID.match(name) or "-" in name:
            issues.append(
                Issue(
                    "bad-id",
                    f"param name {name!r} must be an identifier",
                    src.at(("params", name), key=True),
                )
            )
        if param.default is not None and not (
            isinstance(param.default, str) and "${{" in param.default
        ):
            try:
                value = coerce(param.default, param.type, f"default of param {name!r}")
                check_bounds(param, value, f"default of param {name!r}", ValueError)
            except ValueError as exc:
                issues.append(Issue("type-mismatch", str(exc), src.at(("params", name, "default"))))
        if (param.minimum is not None or param.maximum is not None) and not is_numeric_type(
            param.type
        ):
            issues.append(
                Issue(
                    "type-mismatch",
                    f"param {name!r}: minimum/maximum need type int or float, not {param.type}",
                    src.at(("params", name, "type")),
                )
            )

    # Steps: apply defaults and templates.
    defaults: Defaults = spec.defaults
    templates: dict[str, Any] = {}
    steps: dict[str, Step] = {}
    template_src: dict[str, tuple[StepTemplate, Located]] = {}
    for sid, st in spec.steps.items():
        path: Path = ("steps", sid)
        if not _STEP_ID.match(sid):
            issues.append(
                Issue(
                    "bad-id",
                    f"step id {sid!r} must match [A-Za-z0-9][A-Za-z0-9_-]*",
                    src.at(path, key=True),
                )
            )
        command = st.command
        outputs = dict(st.outputs)
        inputs: dict[str, Any] = {}
        tier, env, timeout, retries = st.hardware_tier, st.environment, st.timeout, st.retries
        if st.uses and st.command:
            issues.append(
                Issue(
                    "bad-step",
                    f"step {sid!r} has both 'uses' and 'command'",
                    src.at((*path, "uses")),
                )
            )
        elif st.uses:
            loaded = _load_template(base_dir, st.uses, src.at((*path, "uses")), issues, templates)
            if loaded is not None:
                template, tsrc = loaded
                template_src[sid] = loaded
                command = template.command
                outputs = {**template.outputs, **outputs}
                tier = tier or template.hardware_tier
                env = env or template.environment
                timeout = timeout if timeout is not None else template.timeout
                retries = retries or template.retries
                for key in st.with_:
                    if key not in template.inputs:
                        issues.append(
                            Issue(
                                "unknown-input",
                                f"step {sid!r}: {st.uses} has no input {key!r}"
                                f"{_did_you_mean(key, template.inputs)}",
                                src.at((*path, "with", key), key=True),
                            )
                        )
                for key, decl in template.inputs.items():
                    if key in st.with_:
                        value = st.with_[key]
                        if not (isinstance(value, str) and "${{" in value):
                            try:
                                value = coerce(value, decl.type, f"input {key!r} of step {sid!r}")
                            except ValueError as exc:
                                issues.append(
                                    Issue("type-mismatch", str(exc), src.at((*path, "with", key)))
                                )
                        inputs[key] = value
                    elif decl.default is not None:
                        inputs[key] = decl.default
                    else:
                        issues.append(
                            Issue(
                                "missing-key",
                                f"step {sid!r}: input {key!r} of {st.uses} is required",
                                src.at((*path, "uses")),
                            )
                        )
        elif st.with_:
            issues.append(
                Issue(
                    "bad-step",
                    f"step {sid!r}: 'with' needs 'uses'",
                    src.at((*path, "with"), key=True),
                )
            )
        if not command:
            if not st.uses:
                issues.append(
                    Issue(
                        "missing-key",
                        f"step {sid!r} needs a 'command' (or 'uses')",
                        src.at(path, key=True),
                    )
                )
            command = ""
        if st.matrix is None and (st.max_parallel is not None):
            issues.append(
                Issue(
                    "bad-step",
                    f"step {sid!r}: max_parallel needs a matrix",
                    src.at((*path, "max_parallel"), key=True),
                )
            )
        steps[sid] = Step(
            id=sid,
            command=command,
            needs=tuple(dict.fromkeys(st.needs)),
            if_=st.if_,
            trigger_rule=st.trigger_rule,
            allow_failure=st.allow_failure,
            outputs=outputs,
            matrix=st.matrix,
            max_parallel=st.max_parallel,
            fail_fast=st.fail_fast,
            commit=st.commit or defaults.commit or "pinned",
            hardware_tier=tier or defaults.hardware_tier,
            environment=env or defaults.environment,
            retries=retries or defaults.retries or Retries(),
            timeout=timeout if timeout is not None else defaults.timeout,
            inputs=inputs,
            uses=st.uses,
        )

    # The graph.
    for sid, st in spec.steps.items():
        for i, dep in enumerate(st.needs):
            pos = (
                src.at(("steps", sid, "needs", i))
                if isinstance(src.data["steps"][sid].get("needs"), list)
                else src.at(("steps", sid, "needs"))
            )
            if dep == sid:
                issues.append(Issue("cycle", f"step {sid!r} needs itself", pos))
            elif dep not in spec.steps:
                issues.append(
                    Issue(
                        "unknown-step",
                        f"step {sid!r} needs unknown step {dep!r}{_did_you_mean(dep, spec.steps)}",
                        pos,
                    )
                )
    for cycle in _cycles(spec.steps):
        issues.append(
            Issue(
                "cycle",
                "dependency cycle: " + " -> ".join(cycle),
                src.at(("steps", cycle[0], "needs")),
            )
        )

    # Expressions and matrices.
    checker = ExpressionChecker(spec, src, steps)
    for name, param in spec.params.items():
        checker.template(param.default, ("params", name, "default"), step=None, allowed=("run",))
    for sid, step in steps.items():
        path = ("steps", sid)
        if sid in template_src:
            template, tsrc = template_src[sid]
            types = {k: v.type for k, v in template.inputs.items()}
            checker.template(
                template.command,
                ("command",),
                step=sid,
                allowed=("inputs", "matrix", "run"),
                inputs=types,
                src=tsrc,
            )
            for key, value in spec.steps[sid].with_.items():
                checker.template(value, (*path, "with", key), step=sid)
        else:
            checker.template(step.command, (*path, "command"), step=sid)
        if isinstance(step.if_, str):
            checker.template(step.if_, (*path, "if"), step=sid, bare=True)
        _check_commit(checker, step, path, src)
        _check_matrix(checker, spec, step, path, src)

    # The schedule.
    warnings: list[Issue] = []
    if spec.schedule is not None:
        sched = spec.schedule
        cron_error = check_cron(sched.cron)
        zone_error = check_timezone(sched.timezone)
        if cron_error:
            checker.error("bad-cron", cron_error, src.at(("schedule", "cron")))
        if zone_error:
            checker.error("bad-timezone", zone_error, src.at(("schedule", "timezone")))
        if not cron_error and not zone_error:
            for note in dst_warnings(sched.cron, sched.timezone):
                warnings.append(Issue("dst", note, src.at(("schedule", "cron")), "warning"))
    issues += checker.issues
    if issues:
        raise PipelineValidationError(issues + warnings)

    order = _topological(spec.steps)
    texts = {k[len("__text__") :]: v for k, v in templates.items() if k.startswith("__text__")}
    pipeline = Pipeline(
        id=spec.pipeline,
        description=spec.description,
        project=spec.project,
        params=dict(spec.params),
        schedule=spec.schedule,
        steps={sid: steps[sid] for sid in order},
        file=file,
        source=text,
        templates=texts,
    )
    return pipeline, warnings


def _check_commit(checker: ExpressionChecker, step: Step, path: Path, src: Located) -> None:
    commit = step.commit
    where = (*path, "commit") if (*path, "commit") in src.values else ("defaults", "commit")
    if commit in ("pinned", "latest") or _SHA.match(commit):
        return
    if "${{" not in commit:
        checker.error(
            "bad-commit",
            f"commit {commit!r} of step {step.id!r} must be pinned, latest, a commit sha or"
            " ${{ steps.<id>.commit }}",
            src.at(where),
        )
        return
    found = checker.template(commit, where, step=step.id, allowed=("steps",))
    for expr, pos in found:
        ref = expr.static_path() if isinstance(expr, Name) else ()
        if len(ref) != 3 or ref[0] != "steps" or ref[2] != "commit":
            checker.error("bad-commit", "commit must be exactly ${{ steps.<id>.commit }}", pos)
        elif ref[1] in checker.steps and checker.steps[ref[1]].matrix:
            checker.error(
                "bad-commit",
                f"commit cannot come from matrix step {ref[1]!r} (it has one commit per instance)",
                pos,
            )


def _check_matrix(
    checker: ExpressionChecker, spec: PipelineSpec, step: Step, path: Path, src: Located
) -> None:
    if step.matrix is None:
        return
    if not step.matrix:
        checker.error(
            "bad-matrix", f"matrix of step {step.id!r} is empty", src.at((*path, "matrix"))
        )
        return
    size = 1
    for axis, values in step.matrix.items():
        apath = (*path, "matrix", axis)
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", axis):
            checker.error(
                "bad-id", f"matrix axis {axis!r} must be an identifier", src.at(apath, key=True)
            )
        if isinstance(values, str):
            found = checker.template(values, apath, step=None, allowed=("params",))
            if not found:
                checker.error(
                    "bad-matrix",
                    f"matrix axis {axis!r} must be a list or"
                    " ${{ params.<name> }} (a list param)",
                    src.at(apath),
                )
                continue
            expr, pos = found[0]
            ref = expr.static_path() if isinstance(expr, Name) else ()
            param = spec.params.get(ref[1]) if len(ref) == 2 else None
            if param is None or not param.type.startswith("list"):
                checker.error(
                    "type-mismatch",
                    f"matrix axis {axis!r} needs a list param, got {values!r}",
                    pos,
                )
                continue
            default = param.default if isinstance(param.default, list) else []
            count = len(default)
        else:
            count = len(values)
            for i, v in enumerate(values):
                if isinstance(v, dict | list):
                    checker.error(
                        "bad-matrix",
                        f"matrix values must be scalars (str, int, float, bool), got {v!r}",
                        src.at((*apath, i)),
                    )
            keys = [str(v) for v in values]
            if len(set(keys)) != len(keys):
                checker.error("bad-matrix", f"matrix axis {axis!r} repeats a value", src.at(apath))
        if count == 0:
            checker.error("bad-matrix", f"matrix axis {axis!r} is empty", src.at(apath))
        size *= max(count, 1)
    if size > MAX_MATRIX:
        checker.error(
            "matrix-size",
            f"matrix of step {step.id!r} has {size} instances; at most {MAX_MATRIX} are allowed",
            src.at((*path, "matrix")),
        )


def load_pipeline(path: str | FsPath) -> tuple[Pipeline, list[Issue]]:
    """Read and validate a pipeline file; (pipeline, warnings)."""
    file = FsPath(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise PipelineValidationError(
            [
                Issue(
                    "no-file",
                    f"cannot read pipeline file: {exc.strerror}",
                    Position(str(file), 1, 1),
                )
            ]
        ) from None
    return validate_text(text, str(file), base_dir=file.parent)
