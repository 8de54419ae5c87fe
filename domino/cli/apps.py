"""``domino app publish|unpublish|status``: the project's app."""

from __future__ import annotations

import click

from domino.cli._context import CliState, connection_options, json_option, pass_state
from domino.cli._output import emit_json, info

__all__ = ["app"]


@click.group()
def app() -> None:
    """The project's app (a long-running web process).

    \b
    Example:
      domino app publish --project alice/dashboard --tier-id small-k8s
    """


@app.command("publish")
@click.option("--tier-id", metavar="ID", help="Hardware tier id.")
@click.option("--env", "environment_id", metavar="ID", help="Compute environment id.")
@click.option("--commit", "commit_id", metavar="SHA", help="Run this commit of the code.")
@click.option("--branch", metavar="NAME", help="Run this branch of the code.")
@click.option("--keep-running", is_flag=True, help="Do not stop a running app first.")
@connection_options
@pass_state
def publish(
    state: CliState,
    tier_id: str | None,
    environment_id: str | None,
    commit_id: str | None,
    branch: str | None,
    keep_running: bool,
) -> None:
    """Start (or restart) the project's app, creating it if needed.

    \b
    Example:
      domino app publish --branch main --project alice/dashboard
    """
    client = state.client()
    client.app_publish(
        unpublish_running_apps=not keep_running,
        hardware_tier_id=tier_id,
        environment_id=environment_id,
        commit_id=commit_id,
        branch=branch,
    )
    info(f"Publishing the app of {client.project} (`domino app status` shows when it runs).")


@app.command("unpublish")
@connection_options
@pass_state
def unpublish(state: CliState) -> None:
    """Stop the project's app.

    \b
    Example:
      domino app unpublish --project alice/dashboard
    """
    client = state.client()
    stopped = client.app_unpublish()
    info("App stopped." if stopped is not None else "No running app; nothing to stop.")


@app.command("status")
@connection_options
@json_option
@pass_state
def status(state: CliState) -> None:
    """Show the app's status (Running, Stopped, Failed ...; 'none' without an app).

    \b
    Example:
      domino app status --project alice/dashboard --json
    """
    client = state.client()
    app_id = client.app_id
    app_status = client.app_get_status(app_id)
    if state.json:
        emit_json({"id": app_id, "status": app_status})
    else:
        click.echo(app_status or "none")
