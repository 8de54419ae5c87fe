"""``domino project``: create and list projects, their tags and collaborators."""

from __future__ import annotations

from typing import Any

import click

from domino.cli._context import CliState, connection_options, json_option, pass_state
from domino.cli._output import Column, emit_listing, info

__all__ = ["NotFound", "project"]


class NotFound(click.ClickException):
    """Something named on the command line does not exist (exit 5)."""

    exit_code = 5


@click.group()
def project() -> None:
    """Projects, their tags and collaborators.

    \b
    Example:
      domino project create churn
      domino project tag add --project alice/churn nightly finance
    """


@project.command("create")
@click.argument("name")
@click.option("--owner", metavar="USER", help="Create it for this user or organisation.")
@pass_state
@connection_options
def create(state: CliState, name: str, owner: str | None) -> None:
    """Create project NAME (owned by you, or by --owner).

    \b
    Example:
      domino project create churn --host https://domino.example.com
    """
    if not name.strip() or "/" in name:
        # the client is bound to OWNER/NAME: either made a message about a project '_/'
        raise click.BadParameter(
            f"{name!r} must be a project name (no '/'; the owner goes in --owner)",
            param_hint="'NAME'",
        )
    client = state.client(project=f"{owner or '_'}/{name}")
    client.project_create(name, owner_username=owner)
    info(f"Created project {name!r}.")


_PROJECT_COLUMNS = (
    Column("ID", "id"),
    Column("NAME", "name"),
    Column("OWNER", lambda p: p.get("ownerUsername") or (p.get("owner") or {}).get("userName")),
)


@project.command("ls")
@click.option(
    "--relationship",
    type=click.Choice(["Owned", "Collaborating", "Suggesting", "Popular"]),
    default="Owned",
    show_default=True,
)
@connection_options
@json_option
@pass_state
def ls(state: CliState, relationship: str) -> None:
    """List projects you own (or collaborate on, with --relationship Collaborating).

    \b
    Example:
      domino project ls --relationship Collaborating --json
    """
    client = state.client(project=_any_project(state))
    answer: Any = client.projects_list(relationship=relationship)
    emit_listing(state.json, answer, _PROJECT_COLUMNS, empty="None.", rows=_list_or_empty)


def _list_or_empty(answer: Any) -> list[Any]:
    return answer if isinstance(answer, list) else []


def _any_project(state: CliState) -> str:
    try:
        return state.project_name()
    except click.UsageError:
        return "_/_"


_TAG_COLUMNS = (Column("ID", "id"), Column("NAME", "name"), Column("APPROVED", "isApproved"))


@project.command("tags")
@connection_options
@json_option
@pass_state
def tags(state: CliState) -> None:
    """List the project's tags.

    \b
    Example:
      domino project tags --project alice/churn
    """
    answer = state.client().tags_list()
    emit_listing(state.json, answer, _TAG_COLUMNS, empty="No tags.")


@project.group("tag")
def tag() -> None:
    """Add or remove project tags.

    \b
    Example:
      domino project tag add nightly --project alice/churn
    """


@tag.command("add")
@click.argument("names", nargs=-1, required=True)
@connection_options
@pass_state
def tag_add(state: CliState, names: tuple[str, ...]) -> None:
    """Add tags NAMES to the project.

    \b
    Example:
      domino project tag add nightly finance --project alice/churn
    """
    state.client().tags_add(list(names))
    info(f"Tagged with {', '.join(names)}.")


@tag.command("rm")
@click.argument("name")
@connection_options
@pass_state
def tag_rm(state: CliState, name: str) -> None:
    """Remove tag NAME from the project.

    \b
    Example:
      domino project tag rm nightly --project alice/churn
    """
    if state.client().tags_remove(name) is None:
        raise NotFound(f"the project has no tag named {name!r} (`domino project tags` lists them)")
    info(f"Removed tag {name}.")


_COLLABORATOR_COLUMNS = (
    Column("USER", lambda c: c.get("userName") or c.get("username")),
    Column("ROLE", "projectRole"),
    Column("EMAIL", "email"),
)


@project.command("collaborators")
@connection_options
@json_option
@pass_state
def collaborators(state: CliState) -> None:
    """List the project's collaborators.

    \b
    Example:
      domino project collaborators --project alice/churn
    """
    answer = state.client().collaborators_get()
    emit_listing(
        state.json,
        answer,
        _COLLABORATOR_COLUMNS,
        empty="No collaborators.",
        rows=lambda a: [r if isinstance(r, dict) else {"userName": r} for r in _list_or_empty(a)],
    )


@project.group("collaborator")
def collaborator() -> None:
    """Add or remove a collaborator.

    \b
    Example:
      domino project collaborator add bob --project alice/churn
    """


@collaborator.command("add")
@click.argument("user")
@connection_options
@pass_state
def collaborator_add(state: CliState, user: str) -> None:
    """Add USER (user name or email) as a contributor.

    \b
    Example:
      domino project collaborator add bob@example.com --project alice/churn
    """
    state.client().collaborators_add(user)
    info(f"Added {user} as a collaborator.")


@collaborator.command("rm")
@click.argument("user")
@connection_options
@pass_state
def collaborator_rm(state: CliState, user: str) -> None:
    """Remove collaborator USER.

    \b
    Example:
      domino project collaborator rm bob --project alice/churn
    """
    state.client().collaborators_remove(user)
    info(f"Removed collaborator {user}.")
