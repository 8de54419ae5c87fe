"""One readable line per failure: what went wrong and what to do about it.

The traceback is printed only with ``--debug``; the exit code comes from
:func:`domino.cli._exit.exit_code_for`.
"""

from __future__ import annotations

import traceback

import click

from domino import exceptions as ex
from domino.cli import _exit

__all__ = ["describe", "report"]

# What to do, by exception type (first match), then by exit code.
_TYPE_HINTS: tuple[tuple[type[BaseException], str], ...] = (
    (ex.MissingHostError, "pass --host URL, set DOMINO_API_HOST, or run `domino login`"),
    (
        ex.NoCredentialsError,
        "pass --api-key or --token-file, set DOMINO_USER_API_KEY, or run `domino login`",
    ),
    (ex.ForbiddenError, "these credentials may not do this; ask the project owner for access"),
    (ex.ReloginRequiredException, "log in to Domino again (the temporary credentials expired)"),
    (ex.InvalidProjectError, "give the project as --project owner/name (or set DOMINO_PROJECT)"),
    (ex.ProjectNotFoundException, "check --project owner/name (`domino project ls` lists yours)"),
    (ex.HardwareTierNotFoundException, "`domino tiers` lists the project's hardware tiers"),
    (ex.EnvironmentNotFoundException, "`domino env ls` lists the usable environments"),
    (ex.CommitNotFoundException, "`domino commits` lists the project's commits"),
    (ex.DatasetNotFoundException, "`domino dataset ls` lists the project's datasets"),
)
_CODE_HINTS = {
    _exit.AUTH: (
        "check the API key (--api-key, DOMINO_USER_API_KEY, --token-file) or run `domino login`"
    ),
    _exit.NOT_FOUND: "check the name or id",
    _exit.SERVER: "check that the Domino host is reachable and retry (--debug shows details)",
    _exit.USAGE: "see --help for the accepted values",
    _exit.TIMEOUT: "raise --timeout, or check on it later with `domino job status`",
}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    if not text:
        return type(exc).__name__
    return " ".join(text.splitlines()[0].split())


def describe(exc: BaseException) -> str:
    """``<what went wrong> — <what to do>`` on one line."""
    message = _first_line(exc)
    hint = next((h for t, h in _TYPE_HINTS if isinstance(exc, t)), None)
    if hint is None:
        hint = _CODE_HINTS.get(_exit.exit_code_for(exc))
    return f"{message} — {hint}" if hint else message


def report(exc: BaseException, *, debug: bool) -> int:
    """Print ``exc`` for a person (stderr) and return the exit code that reports it."""
    if debug:
        click.echo("".join(traceback.format_exception(exc)).rstrip(), err=True)
    click.echo(f"Error: {describe(exc)}", err=True)
    return _exit.exit_code_for(exc)
