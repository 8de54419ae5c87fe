"""Settings shared by every command (project, host, credentials, ``--json``) and the client.

The connection options can be given before the command (``domino --project a/b job list``) or
after it (``domino job list --project a/b``); the later one wins. Credentials given here are
passed to :class:`domino.Domino` as arguments; everything else comes from the library's own
chain (``DOMINO_API_PROXY``, ``DOMINO_TOKEN_FILE``, ``DOMINO_USER_API_KEY``, then the profile
saved by ``domino login``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from domino.domino import Domino

__all__ = ["CliState", "connection_options", "json_option", "pass_state", "project_option"]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class CliState:
    project: str | None = None
    host: str | None = None
    api_key: str | None = field(default=None, repr=False)  # a secret: never in a repr
    token_file: str | None = None
    profile: str | None = None
    json: bool = False
    debug: bool = False
    _client: Domino | None = field(default=None, repr=False)

    def project_name(self) -> str:
        """``--project``, else ``DOMINO_PROJECT``, else what a Domino run sets."""
        if self.project:
            return self.project
        env = os.environ
        if env.get("DOMINO_PROJECT"):
            return env["DOMINO_PROJECT"]
        owner, name = env.get("DOMINO_PROJECT_OWNER"), env.get("DOMINO_PROJECT_NAME")
        if owner and name:
            return f"{owner}/{name}"
        raise click.UsageError(
            "no project given: pass --project owner/name or set DOMINO_PROJECT=owner/name"
        )

    def client(self, project: str | None = None) -> Domino:
        """A client for the project (built once per command)."""
        if self._client is not None and project is None:
            return self._client
        from domino import _profile
        from domino.domino import Domino

        with _profile.using(self.profile):
            built = Domino(
                project or self.project_name(),
                api_key=self.api_key,
                host=self.host,
                domino_token_file=self.token_file,
            )
        if project is None:
            self._client = built
        return built

    def project_flag(self) -> str:
        """``--project owner/name`` for commands printed as advice."""
        try:
            return f" --project {self.project_name()}"
        except click.UsageError:
            return ""


pass_state = click.make_pass_decorator(CliState, ensure=True)


def _store(attribute: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is not None and value is not False:
            setattr(ctx.ensure_object(CliState), attribute, value)
        return value

    return callback


def project_option(f: F) -> F:
    return click.option(
        "--project",
        "-p",
        metavar="OWNER/NAME",
        expose_value=False,
        callback=_store("project"),
        help="The project (default: DOMINO_PROJECT, or the project of the Domino run).",
    )(f)


# (flag, metavar, CliState attribute, help), applied bottom-up so --help lists them in this order
_CONNECTION_OPTIONS = (
    ("--host", "URL", "host", "Domino URL (default: DOMINO_API_HOST, else the saved login)."),
    (
        "--api-key",
        "KEY",
        "api_key",
        "API key (default: DOMINO_USER_API_KEY, else the saved login).",
    ),
    (
        "--token-file",
        "PATH",
        "token_file",
        "File whose first line is a bearer token (default: DOMINO_TOKEN_FILE).",
    ),
    (
        "--profile",
        "NAME",
        "profile",
        "Saved login to fall back on (default: DOMINO_PROFILE, else 'default').",
    ),
)


def connection_options(f: F) -> F:
    """``--project``, ``--host``, ``--api-key``, ``--token-file``, ``--profile``."""
    for flag, metavar, attribute, help_text in reversed(_CONNECTION_OPTIONS):
        f = click.option(
            flag, metavar=metavar, expose_value=False, callback=_store(attribute), help=help_text
        )(f)
    return project_option(f)


def json_option(f: F) -> F:
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        default=False,
        expose_value=False,
        callback=_store("json"),
        help="Print JSON (stable keys, nothing else on stdout) instead of text.",
    )(f)
