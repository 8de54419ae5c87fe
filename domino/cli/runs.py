"""``domino run``: executions through the legacy v1 Runs API (prefer ``domino job``)."""

from __future__ import annotations

from typing import Any

import click

from domino.cli import _watch
from domino.cli._context import CliState, connection_options, json_option, pass_state
from domino.cli._output import Column, emit_json, emit_listing, format_time, info
from domino.cli.jobs import (
    _RUN_SETTINGS,
    check_wait_flags,
    follow_to_end,
    print_fields,
    wait_and_report,
    wait_options,
)

__all__ = ["run"]


@click.group()
def run() -> None:
    """Runs through the v1 Runs API (the same executions as `domino job`).

    \b
    Example:
      domino run start --project team/churn --follow main.py --rows 100
    """


@run.command("start", context_settings=_RUN_SETTINGS)
@click.argument("command", nargs=-1, required=True)
@wait_options
@click.option("--tier", metavar="NAME", help="Hardware tier by name.")
@click.option("--title", metavar="TEXT", help="Title shown in Domino's run list.")
@click.option("--commit", "commit_id", metavar="SHA", help="Run the files of this commit.")
@click.option("--direct", is_flag=True, help="Run COMMAND through the shell as written.")
@connection_options
@json_option
@pass_state
def start(
    state: CliState,
    command: tuple[str, ...],
    wait: bool,
    follow: bool,
    timeout: float | None,
    stop_on_interrupt: bool,
    tier: str | None,
    title: str | None,
    commit_id: str | None,
    direct: bool,
) -> None:
    """Start COMMAND as a v1 run and (by default) wait for it.

    Options go before COMMAND; COMMAND and its arguments are sent as a list.

    \b
    Example:
      domino run start -p team/churn --title nightly main.py --rows 100
    """
    check_wait_flags(wait, follow, timeout, stop_on_interrupt)
    client = state.client()
    started = client.runs_start(
        list(command), is_direct=direct, commit_id=commit_id, title=title, tier=tier
    )
    execution = _watch.Execution(client, str(started["runId"]), "run")
    wait_and_report(
        state,
        execution,
        dict(started),
        wait=wait,
        follow=follow,
        timeout=timeout,
        stop_on_interrupt=stop_on_interrupt,
    )


_RUN_COLUMNS = (
    Column("NUMBER", "number"),
    Column("ID", "id"),
    Column("STATUS", "status"),
    Column("QUEUED", lambda r: format_time(r.get("queued"))),
    Column("TITLE", "title"),
)


@run.command("list")
@connection_options
@json_option
@pass_state
def list_runs(state: CliState) -> None:
    """List the project's runs, newest first.

    \b
    Example:
      domino run list --project team/churn
    """
    answer = state.client().runs_list()
    emit_listing(
        state.json, answer, _RUN_COLUMNS, empty="No runs.", rows=lambda a: a.get("data") or []
    )


@run.command("status")
@click.argument("run_id")
@connection_options
@json_option
@pass_state
def status(state: CliState, run_id: str) -> None:
    """Show one run.

    \b
    Example:
      domino run status 6571f0c2a1b2c3d4e5f60718 --project team/churn
    """
    answer: Any = state.client().runs_status(run_id)
    if state.json:
        emit_json(answer)
        return
    print_fields(
        answer,
        (
            ("id", "id"),
            ("number", "number"),
            ("status", "status"),
            ("title", "title"),
            ("input commit", "commitId"),
            ("output commit", "outputCommitId"),
        ),
        (("queued", "queued"), ("started", "started"), ("completed", "completed")),
    )


@run.command("logs")
@click.argument("run_id")
@click.option("--follow", "-f", is_flag=True, help="Keep streaming until the run ends.")
@connection_options
@json_option
@pass_state
def logs(state: CliState, run_id: str, follow: bool) -> None:
    """Print a run's output; with --follow until it ends.

    \b
    Example:
      domino run logs 6571f0c2a1b2c3d4e5f60718 -f --project team/churn
    """
    client = state.client()
    if state.json:
        emit_json({"stdout": client.runs_stdout(run_id)})
        return
    if not follow:
        click.echo(client.runs_stdout(run_id), nl=False)
        return
    follow_to_end(state, _watch.Execution(client, run_id, "run"))


@run.command("stop")
@click.argument("run_id")
@click.option("--discard-results", is_flag=True, help="Do not commit the files it changed.")
@connection_options
@pass_state
def stop(state: CliState, run_id: str, discard_results: bool) -> None:
    """Stop a run.

    \b
    Example:
      domino run stop 6571f0c2a1b2c3d4e5f60718 --project team/churn
    """
    state.client().job_stop(run_id, commit_results=not discard_results)
    info(f"Stop requested for run {run_id}.")
