"""``domino version``, ``domino tiers``, ``domino env ls`` and ``domino completion``."""

from __future__ import annotations

import sys
from typing import Any

import click

from domino.cli._context import CliState, connection_options, json_option, pass_state
from domino.cli._output import Column, emit_json, emit_listing, print_table

__all__ = ["completion", "env", "tiers", "version"]


@click.command()
@click.option("--server", is_flag=True, help="Also ask the Domino deployment for its version.")
@connection_options
@json_option
@pass_state
def version(state: CliState, server: bool) -> None:
    """Print the client's version (and with --server the deployment's).

    \b
    Example:
      domino version --server --host https://domino.example.com
    """
    from domino._version import __version__

    answer: dict[str, Any] = {
        "client": __version__,
        "python": ".".join(map(str, sys.version_info[:3])),
    }
    if server:
        client = state.client(project=_any_project(state))
        answer["server"] = client.deployment_version().get("version")
        answer["host"] = client.host
    if state.json:
        emit_json(answer)
        return
    click.echo(f"dominodatalab {answer['client']} (Python {answer['python']})")
    if server:
        click.echo(f"Domino {answer['server']} at {answer['host']}")


def _any_project(state: CliState) -> str:
    # The deployment version needs no project; the client wants one, so any well-formed
    # name will do when none is configured.
    try:
        return state.project_name()
    except click.UsageError:
        return "_/_"


_TIER_COLUMNS = (
    Column("ID", "hardwareTier.id"),
    Column("NAME", "hardwareTier.name"),
    Column("CORES", "hardwareTier.cores"),
    Column("MEMORY GiB", "hardwareTier.memory"),
    Column("GPUS", "hardwareTier.numberOfGpus"),
    Column(
        "DEFAULT",
        lambda t: (
            "yes"
            if (t.get("hardwareTier") or {}).get("isDefault")
            or ((t.get("hardwareTier") or {}).get("hwtFlags") or {}).get("isDefault")
            else ""
        ),
    ),
)


@click.command()
@connection_options
@json_option
@pass_state
def tiers(state: CliState) -> None:
    """List the hardware tiers the project can use (names go to `job run --tier`).

    \b
    Example:
      domino tiers --project team/churn
    """
    answer = state.client().hardware_tiers_list()
    emit_listing(state.json, answer, _TIER_COLUMNS, empty="No hardware tiers.")


@click.group()
def env() -> None:
    """Compute environments.

    \b
    Example:
      domino env ls --project team/churn
    """


_ENV_COLUMNS = (
    Column("ID", "id"),
    Column("NAME", "name"),
    Column("VISIBILITY", "visibility"),
    Column("VERSION", "version"),
    Column("CURRENT", "current"),
)


@env.command("ls")
@connection_options
@json_option
@pass_state
def env_ls(state: CliState) -> None:
    """List the environments the project can use (ids go to `job run --env`).

    \b
    Example:
      domino env ls --project team/churn --json
    """
    client = state.client()
    answer = client._get(client._routes.useable_environments(client.project_id))
    if state.json:
        emit_json(answer)
        return
    answer = answer if isinstance(answer, dict) else {}
    current = (answer.get("currentlySelectedEnvironment") or {}).get("id")
    rows = [
        {**e, "current": "yes" if e.get("id") == current else ""}
        for e in answer.get("environments") or []
        if isinstance(e, dict)
    ]
    print_table(rows, _ENV_COLUMNS, empty="No environments.")


@click.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the shell-completion script for SHELL.

    \b
    Example (add to ~/.bashrc):
      eval "$(domino completion bash)"
    """
    from click.shell_completion import get_completion_class

    root = ctx.find_root().command
    completer_class = get_completion_class(shell)
    assert completer_class is not None  # the Choice above only allows known shells
    completer = completer_class(root, {}, "domino", "_DOMINO_COMPLETE")
    click.echo(completer.source())
