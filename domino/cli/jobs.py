"""``domino job``: start jobs (v4 Jobs API), wait for them, stream their output, stop them."""

from __future__ import annotations

import shlex
from typing import Any

import click

from domino.cli import _watch
from domino.cli._context import CliState, connection_options, json_option, pass_state
from domino.cli._output import Column, dig, emit_json, emit_listing, format_time, info

__all__ = ["job"]

_RUN_SETTINGS = {"allow_interspersed_args": False, "ignore_unknown_options": True}


def command_text(command: tuple[str, ...]) -> str:
    """One argument is taken as the whole command line; several are quoted and joined."""
    if not command:
        raise click.UsageError("give the command to run, e.g. `domino job run python train.py`")
    return command[0] if len(command) == 1 else shlex.join(command)


def wait_options(f: Any) -> Any:
    """Options shared by ``job run`` and ``run start``."""
    for option in reversed(
        [
            click.option(
                "--wait/--no-wait",
                default=True,
                show_default=True,
                help="Wait for the end and exit with its status, or print the id and return.",
            ),
            click.option("--follow", "-f", is_flag=True, help="Stream the output while it runs."),
            click.option(
                "--timeout",
                type=click.FloatRange(min=0, min_open=True),
                metavar="SECONDS",
                help="Stop waiting after this long (exit 3); the job keeps running.",
            ),
            click.option(
                "--stop-on-interrupt",
                is_flag=True,
                help="On Ctrl-C stop the job (default: leave it running and say how to stop it).",
            ),
        ]
    ):
        f = option(f)
    return f


def check_wait_flags(
    wait: bool, follow: bool, timeout: float | None, stop_on_interrupt: bool
) -> None:
    """Refuse waiting options together with --no-wait, before anything is started (they were
    silently ignored: `--no-wait --follow` streamed nothing and exited 0)."""
    if wait:
        return
    given = [
        name
        for name, used in (
            ("--follow", follow),
            ("--timeout", timeout is not None),
            ("--stop-on-interrupt", stop_on_interrupt),
        )
        if used
    ]
    if given:
        raise click.UsageError(f"{', '.join(given)} needs waiting; drop it or --no-wait")


def wait_and_report(
    state: CliState,
    execution: _watch.Execution,
    started: dict[str, Any],
    *,
    wait: bool,
    follow: bool,
    timeout: float | None,
    stop_on_interrupt: bool,
) -> None:
    """After a start: print the id, optionally wait, print the result, exit with its code."""
    number = started.get("number")
    label = f"#{number} " if number is not None else ""
    info(f"Started {execution.kind} {label}{execution.id}  {execution.url()}")
    if not wait:
        if state.json:
            emit_json(started)
        else:
            click.echo(execution.id)
        return
    final = _watch.watch(
        execution,
        follow=follow,
        timeout=timeout,
        stop_on_interrupt=stop_on_interrupt,
        project_flag=state.project_flag(),
        follow_to_stderr=state.json,
    )
    code = _watch.report_end(execution, final, followed=follow)
    if state.json:
        emit_json(final)
    if code:
        raise click.exceptions.Exit(code)


def follow_to_end(state: CliState, execution: _watch.Execution) -> None:
    """``logs --follow``: stream the output until the end, exit with how it ended."""
    final = _watch.watch(
        execution,
        follow=True,
        timeout=None,
        stop_on_interrupt=False,
        project_flag=state.project_flag(),
        quiet=True,
    )
    code = _watch.report_end(execution, final, followed=True, quiet=True)
    if code:
        raise click.exceptions.Exit(code)


@click.group()
def job() -> None:
    """Jobs: start, watch, stop and list executions of the project.

    \b
    Example:
      domino job run --project team/churn --follow python train.py --epochs 3
      domino job list --project team/churn
    """


@job.command("run", context_settings=_RUN_SETTINGS)
@click.argument("command", nargs=-1, required=True)
@wait_options
@click.option("--tier", metavar="NAME", help="Hardware tier by name (`domino tiers`).")
@click.option("--tier-id", metavar="ID", help="Hardware tier by id.")
@click.option("--env", "environment_id", metavar="ID", help="Compute environment id.")
@click.option("--title", metavar="TEXT", help="Title shown in Domino's job list.")
@click.option("--commit", "commit_id", metavar="SHA", help="Run the files of this commit.")
@click.option("--branch", metavar="NAME", help="Run this branch of the main git repository.")
@connection_options
@json_option
@pass_state
def run_job(
    state: CliState,
    command: tuple[str, ...],
    wait: bool,
    follow: bool,
    timeout: float | None,
    stop_on_interrupt: bool,
    tier: str | None,
    tier_id: str | None,
    environment_id: str | None,
    title: str | None,
    commit_id: str | None,
    branch: str | None,
) -> None:
    """Start COMMAND as a job and (by default) wait for it; the exit status says how it ended.

    Options go before COMMAND; everything from COMMAND on is the job's command line
    (one quoted argument is used as written). With --follow the job's output is streamed
    to stdout (to stderr with --json, whose stdout is the final job object).

    \b
    Example:
      domino job run -p team/churn --follow --tier Small --timeout 1800 python train.py -e 3
    """
    if tier and tier_id:
        raise click.UsageError("give either --tier NAME or --tier-id ID, not both")
    check_wait_flags(wait, follow, timeout, stop_on_interrupt)
    client = state.client()
    started = client.job_start(
        command_text(command),
        commit_id=commit_id,
        hardware_tier_id=tier_id,
        hardware_tier_name=tier,
        environment_id=environment_id,
        title=title,
        branch=branch,
    )
    execution = _watch.Execution(client, str(started["id"]), "job")
    wait_and_report(
        state,
        execution,
        dict(started),
        wait=wait,
        follow=follow,
        timeout=timeout,
        stop_on_interrupt=stop_on_interrupt,
    )


_STATUS_FIELDS = (
    ("id", "id"),
    ("number", "number"),
    ("status", "statuses.executionStatus"),
    ("command", "jobRunCommand"),
    ("title", "title"),
    ("started by", "startedBy.username"),
    ("input commit", "commitDetails.inputCommitId"),
    ("output commit", "commitDetails.outputCommitId"),
)
_TIME_FIELDS = (
    ("submitted", "stageTime.submissionTime"),
    ("started", "stageTime.runStartTime"),
    ("completed", "stageTime.completedTime"),
)


def print_fields(record: Any, fields: tuple[tuple[str, str], ...], times: Any = ()) -> None:
    rows = [(name, dig(record, path)) for name, path in fields]
    rows += [(name, format_time(dig(record, path))) for name, path in times]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        click.echo(f"{name.ljust(width)}  {'' if value is None else value}")


@job.command("status")
@click.argument("job_id")
@connection_options
@json_option
@pass_state
def status(state: CliState, job_id: str) -> None:
    """Show a job's status, command, commits and times.

    \b
    Example:
      domino job status 6571f0c2a1b2c3d4e5f60718 --project team/churn --json
    """
    answer = state.client().job_status(job_id)
    if state.json:
        emit_json(answer)
    else:
        print_fields(answer, _STATUS_FIELDS, _TIME_FIELDS)


@job.command("stop")
@click.argument("job_id")
@click.option("--discard-results", is_flag=True, help="Do not commit the files it changed.")
@connection_options
@pass_state
def stop(state: CliState, job_id: str, discard_results: bool) -> None:
    """Stop a running job (its changed files are committed unless --discard-results).

    \b
    Example:
      domino job stop 6571f0c2a1b2c3d4e5f60718 --project team/churn
    """
    state.client().job_stop(job_id, commit_results=not discard_results)
    info(f"Stop requested for job {job_id}.")


@job.command("logs")
@click.argument("job_id")
@click.option("--follow", "-f", is_flag=True, help="Keep streaming until the job ends.")
@click.option("--setup", is_flag=True, help="Show the setup log before the output.")
@connection_options
@json_option
@pass_state
def logs(state: CliState, job_id: str, follow: bool, setup: bool) -> None:
    """Print a job's output (stdout and stderr as the job wrote them).

    With --follow, keep printing new output until the job ends; the exit status then says
    how it ended. With --json, print {"setup": ..., "stdout": ...}.

    \b
    Example:
      domino job logs 6571f0c2a1b2c3d4e5f60718 --follow --project team/churn
    """
    client = state.client()
    if state.json:
        emit_json({"setup": _setup_log(client, job_id), "stdout": client.runs_stdout(job_id)})
        return
    if setup:
        click.echo(_setup_log(client, job_id))
    if not follow:
        click.echo(client.runs_stdout(job_id), nl=False)
        return
    follow_to_end(state, _watch.Execution(client, job_id, "job"))


def _setup_log(client: Any, job_id: str) -> str:
    full: str = client.get_run_log(job_id, include_setup_log=True)
    output: str = client.get_run_log(job_id, include_setup_log=False)
    return full[: len(full) - len(output)].rstrip("\n") if full.endswith(output) else full


_JOB_COLUMNS = (
    Column("NUMBER", "number"),
    Column("ID", "id"),
    Column("STATUS", "statuses.executionStatus"),
    Column("STARTED", lambda j: format_time(dig(j, "stageTime.submissionTime"))),
    Column("COMMAND", "jobRunCommand"),
    Column("TITLE", "title"),
)


@job.command("list")
@click.option(
    "--status",
    "status_filter",
    default="all",
    show_default=True,
    metavar="STATUS",
    help="Only jobs in this state: all, queued, running, completed, ...",
)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@connection_options
@json_option
@pass_state
def list_jobs(state: CliState, status_filter: str, limit: int, page: int) -> None:
    """List the project's jobs, newest first.

    \b
    Example:
      domino job list --project team/churn --limit 5
    """
    client = state.client()
    answer = client.jobs_list(
        client.project_id, page_size=limit, page_no=page, status=status_filter
    )
    emit_listing(
        state.json, answer, _JOB_COLUMNS, empty="No jobs.", rows=lambda a: a.get("jobs") or []
    )


@job.command("restart")
@click.argument("job_id")
@click.option("--latest-commit", is_flag=True, help="Use the project's latest files.")
@connection_options
@json_option
@pass_state
def restart(state: CliState, job_id: str, latest_commit: bool) -> None:
    """Start a finished job again (same command, by default the same input commit).

    \b
    Example:
      domino job restart 6571f0c2a1b2c3d4e5f60718 --project team/churn
    """
    response = state.client().job_restart(
        job_id, should_use_original_input_commit=not latest_commit
    )
    try:
        answer: Any = response.json()
    except ValueError:
        answer = {}
    new_id = answer.get("id") if isinstance(answer, dict) else None
    if state.json:
        emit_json(answer)
    else:
        info(f"Restarted job {job_id}" + (f" as {new_id}." if new_id else "."))
        if new_id:
            click.echo(new_id)
