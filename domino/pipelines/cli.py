"""``domino pipeline ...``: validate, plan, run, resume, runs, graph, next, schema, output.

Also runnable alone as ``python -m domino.pipelines``. Exit codes follow the ``domino`` CLI:
0 ok, 1 the run failed, 2 bad input (an invalid pipeline), 3 timeout, 4 auth, 5 not found,
6 server/network, 130 interrupted.
"""

from __future__ import annotations

import importlib.util
import json
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

import click

from domino.pipelines.errors import PipelineRunError, PipelineValidationError

__all__ = ["pipeline"]

# The domino CLI mounts this group lazily and turns an ImportError into "install the extra":
# fail here, cheaply, rather than with a traceback inside a command.
_MISSING = [m for m in ("yaml", "pydantic", "croniter") if importlib.util.find_spec(m) is None]
if _MISSING:
    raise ImportError(
        f"domino pipeline needs {', '.join(_MISSING)}: pip install 'dominodatalab[pipelines]'"
    )


def _exit_code_for(exc: BaseException) -> int:
    from domino import exceptions as ex
    from domino.pipelines.outputs import OutputsError

    if isinstance(exc, KeyboardInterrupt):
        return 130
    bad_input = (
        PipelineValidationError,
        PipelineRunError,
        OutputsError,
        ex.HardwareTierNotFoundException,
        ex.EnvironmentNotFoundException,
        ex.CommitNotFoundException,
    )
    if isinstance(exc, bad_input):
        return 2
    from domino.cli._exit import exit_code_for

    return exit_code_for(exc)


def _fail(exc: BaseException) -> NoReturn:
    click.echo(f"error: {exc}", err=True)
    sys.exit(_exit_code_for(exc))


def _load(file: str) -> Any:
    from domino.pipelines.validate import load_pipeline

    try:
        pipeline, warnings = load_pipeline(file)
    except PipelineValidationError as exc:
        for issue in exc.issues:
            click.echo(str(issue), err=True)
        click.echo(f"{file}: {len(exc.errors)} error(s); nothing was started", err=True)
        sys.exit(2)
    for warning in warnings:
        click.echo(str(warning), err=True)
    return pipeline


def _params(pairs: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected name=value, got {pair!r}", param_hint="--param")
        out[key] = value
    return out


def _client(project: str, host: str | None = None) -> Any:
    from domino import Domino

    return Domino(project, host=host or None)


def _runs_dir(value: str | None) -> Path:
    from domino.pipelines.record import default_runs_dir

    return Path(value) if value else default_runs_dir()


runs_dir_option = click.option(
    "--runs-dir",
    envvar="DOMINO_PIPELINE_RUNS_DIR",
    default=None,
    help="Where run records live (default: .domino/pipeline-runs).",
)
param_option = click.option(
    "--param", "-p", "params", multiple=True, metavar="NAME=VALUE", help="Set a param."
)


@click.group(name="pipeline")
def pipeline() -> None:
    """Pipelines of Domino jobs: one YAML file, run here or on Airflow."""


@pipeline.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--online", is_flag=True, help="Also check project, tiers, environments, commits.")
def validate(file: str, online: bool) -> None:
    """Check FILE; every error with file:line:column. Starts nothing."""
    p = _load(file)
    if online:
        try:
            _check_online(p)
        except Exception as exc:  # noqa: BLE001 - reported with its exit code
            _fail(exc)
    n = len(p.all_instances(p.resolve_params(run={"id": "validate", "logical_date": "2000-01-01"})))
    click.echo(f"{file}: ok (pipeline {p.id}, {len(p.steps)} steps, {n} jobs per run)")
    if p.schedule is not None:
        from domino.pipelines.schedule import next_fire_times

        sched = p.schedule
        click.echo(f"schedule {sched.cron!r} in {sched.timezone}; next runs:")
        for fire in next_fire_times(sched.cron, sched.timezone, 3):
            note = f"  ({fire.note})" if fire.note else ""
            click.echo(f"  {fire.local.isoformat()}  =  {fire.utc.isoformat()}{note}")


def _check_online(p: Any) -> None:
    from domino.exceptions import CommitNotFoundException
    from domino.pipelines.engine import StepEngine

    client = _client(p.project)
    engine = StepEngine(client, p)
    commits = {str(c["id"] if isinstance(c, dict) else c) for c in client.commits_list()}
    for step in p.steps.values():
        engine.tier_id(step.hardware_tier)
        engine.environment_id(step.environment)
        if step.commit not in ("pinned", "latest") and "${{" not in step.commit:
            if not any(c.startswith(step.commit) for c in commits):
                raise CommitNotFoundException(
                    f"step {step.id!r}: commit {step.commit!r} not found in {p.project}"
                )


@pipeline.command()
@click.argument("file", type=click.Path(dir_okay=False))
@param_option
@click.option("--logical-date", default=None, help="ISO date-time of the run (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def plan(file: str, params: tuple[str, ...], logical_date: str | None, as_json: bool) -> None:
    """Print every job the run would start, with its substituted command. Starts nothing."""
    from domino.pipelines.graph import plan as build_plan
    from domino.pipelines.pipeline import logical_date_now

    p = _load(file)
    run = {"id": "<run.id>", "logical_date": logical_date or logical_date_now()}
    try:
        typed = p.resolve_params(_params(params), run=run, from_text=True)
        items = build_plan(p, typed, run)
    except PipelineRunError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps({"pipeline": p.id, "params": typed, "jobs": items}, indent=2))
        return
    click.echo(f"pipeline {p.id} on {p.project}; params {json.dumps(typed)}")
    for item in items:
        needs = f" (after {', '.join(item['needs'])})" if item["needs"] else ""
        click.echo(f"- {item['key']}{needs}")
        click.echo(f"    $ {item['command']}")
        if item["if"] is not None:
            click.echo(f"    if: {item['if']}")


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _drive(runner: Any, quiet: bool) -> NoReturn:
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        status = runner.run()
    finally:
        signal.signal(signal.SIGTERM, previous)
    record = runner.record
    if not quiet:
        from domino.pipelines.view import rows

        for line in rows(record):
            click.echo(line)
    click.echo(f"run {record.run_id} {status} (record: {record.dir})")
    if status != "succeeded":
        click.echo(f"resume with: domino pipeline resume {record.run_id}", err=True)
    sys.exit({"succeeded": 0, "cancelled": 130}.get(status, 1))


@pipeline.command()
@click.argument("file", type=click.Path(dir_okay=False))
@param_option
@runs_dir_option
@click.option("--logical-date", default=None, help="ISO date-time of the run (default: now).")
@click.option("--force", is_flag=True, help="Run even if this logical date already succeeded.")
@click.option(
    "--poll",
    type=float,
    default=1.0,
    show_default=True,
    help="Longest pause between status checks (s).",
)
@click.option("--live/--no-live", default=None, help="Live table (default: on a terminal).")
@click.option("--quiet", "-q", is_flag=True, help="Only the final line.")
def run(
    file: str,
    params: tuple[str, ...],
    runs_dir: str | None,
    logical_date: str | None,
    force: bool,
    poll: float,
    live: bool | None,
    quiet: bool,
) -> None:
    """Run FILE here: each step a Domino job; exit 0 if the run succeeded."""
    from domino.pipelines.runner import LocalRunner
    from domino.pipelines.view import LiveView

    p = _load(file)
    try:
        runner = LocalRunner.new_run(
            p,
            _client(p.project),
            _runs_dir(runs_dir),
            params=_params(params),
            params_from_text=True,
            logical_date=logical_date,
            force=force,
            poll=poll,
            listener=None if quiet else LiveView(live=live),
        )
    except Exception as exc:  # noqa: BLE001 - reported with its exit code
        _fail(exc)
    click.echo(f"run {runner.record.run_id} started (record: {runner.record.dir})", err=True)
    _drive(runner, quiet)


@pipeline.command()
@click.argument("run_id")
@click.option(
    "--from", "from_step", default=None, metavar="STEP", help="Rerun STEP and all after it."
)
@runs_dir_option
@click.option("--poll", type=float, default=1.0, show_default=True)
@click.option("--live/--no-live", default=None)
@click.option("--quiet", "-q", is_flag=True)
def resume(
    run_id: str,
    from_step: str | None,
    runs_dir: str | None,
    poll: float,
    live: bool | None,
    quiet: bool,
) -> None:
    """Continue RUN_ID: keep succeeded steps, re-attach running jobs, rerun the rest."""
    from domino.pipelines.runner import LocalRunner
    from domino.pipelines.view import LiveView

    try:
        runner = LocalRunner.resume(
            _runs_dir(runs_dir),
            run_id,
            _client,
            from_step=from_step,
            poll=poll,
            listener=None if quiet else LiveView(live=live),
        )
    except Exception as exc:  # noqa: BLE001
        _fail(exc)
    _drive(runner, quiet)


@pipeline.command()
@runs_dir_option
@click.option("--pipeline", "pipeline_id", default=None, help="Only runs of this pipeline.")
@click.option("--json", "as_json", is_flag=True)
def runs(runs_dir: str | None, pipeline_id: str | None, as_json: bool) -> None:
    """List the recorded runs, oldest first."""
    from domino.pipelines.record import iter_runs

    found = [r for r in iter_runs(_runs_dir(runs_dir)) if pipeline_id in (None, r.get("pipeline"))]
    if as_json:
        click.echo(json.dumps(found, indent=2, default=str))
        return
    for r in found:
        click.echo(f"{r['run_id']:<48} {r.get('status', '?'):<10} {r.get('started', '')}")


@pipeline.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True
)
@param_option
def graph(file: str, fmt: str, params: tuple[str, ...]) -> None:
    """Print the step graph as Mermaid or Graphviz DOT."""
    from domino.pipelines.graph import dot, mermaid

    p = _load(file)
    try:
        typed = p.resolve_params(
            _params(params), run={"id": "graph", "logical_date": "2000-01-01"}, from_text=True
        )
    except PipelineRunError as exc:
        _fail(exc)
    click.echo((mermaid if fmt == "mermaid" else dot)(p, typed), nl=False)


@pipeline.command(name="next")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-n", "count", type=click.IntRange(1, 100), default=5, show_default=True)
def next_(file: str, count: int) -> None:
    """Preview the next fire times of the schedule, in its zone and in UTC."""
    from domino.pipelines.schedule import next_fire_times

    p = _load(file)
    if p.schedule is None:
        _fail(PipelineRunError(f"{file} has no schedule"))
    for fire in next_fire_times(p.schedule.cron, p.schedule.timezone, count):
        note = f"  ({fire.note})" if fire.note else ""
        click.echo(f"{fire.local.isoformat()}  =  {fire.utc.isoformat()}{note}")


@pipeline.command(name="compile")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--airflow", "airflow", is_flag=True, required=True, help="Write an Airflow DAG file."
)
@click.option("--static", is_flag=True, help="Write every task and edge out (for review).")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), default=None, help="Default: stdout."
)
def compile_(file: str, airflow: bool, static: bool, output: str | None) -> None:
    """Write the Airflow DAG file of FILE (validated first)."""
    from domino.pipelines.compile import dag_file

    if not airflow:
        raise click.UsageError("compile needs a target: --airflow")
    p = _load(file)
    out = Path(output) if output else None
    text = dag_file(p, Path(file), out, static=static)
    if out is None:
        click.echo(text, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    click.echo(f"wrote {out} (DAG {p.id})", err=True)


@pipeline.command()
def schema() -> None:
    """Print the JSON Schema of pipeline files (for editors)."""
    from domino.pipelines.spec import PipelineSpec

    click.echo(json.dumps(PipelineSpec.model_json_schema(by_alias=True), indent=2))


@pipeline.command()
@click.argument("pairs", nargs=-1, required=True, metavar="NAME=VALUE...")
def output(pairs: tuple[str, ...]) -> None:
    """Set outputs of the running job (values are JSON where they parse, else text)."""
    from domino.pipelines.outputs import OutputsError, parse_assignments, set_outputs

    try:
        path = set_outputs(parse_assignments(list(pairs)))
    except OutputsError as exc:
        _fail(exc)
    click.echo(f"outputs written to {path}", err=True)


def main() -> None:
    pipeline(prog_name="python -m domino.pipelines")
