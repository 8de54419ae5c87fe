"""The top-level ``domino`` group: global options, lazily loaded command families, and the
translation of every error into one line plus an exit code."""

from __future__ import annotations

import importlib
import logging
import signal
from typing import Any

import click

from domino.cli import _errors, _exit
from domino.cli._context import CliState, connection_options

__all__ = ["DominoGroup", "cli", "main"]

# command name -> (module, attribute): imported only when the command is used
_COMMANDS: dict[str, tuple[str, str]] = {
    "job": ("domino.cli.jobs", "job"),
    "run": ("domino.cli.runs", "run"),
    "files": ("domino.cli.files", "files"),
    "commits": ("domino.cli.files", "commits"),
    "dataset": ("domino.cli.datasets", "dataset"),
    "project": ("domino.cli.projects", "project"),
    "app": ("domino.cli.apps", "app"),
    "tiers": ("domino.cli.deployment", "tiers"),
    "env": ("domino.cli.deployment", "env"),
    "version": ("domino.cli.deployment", "version"),
    "login": ("domino.cli.login", "login"),
    "logout": ("domino.cli.login", "logout"),
    "completion": ("domino.cli.deployment", "completion"),
    "pipeline": ("domino.pipelines.cli", "pipeline"),
}

_PIPELINE_EXTRA = "pip install 'dominodatalab[pipelines]'"


def _missing_pipeline(error: ImportError) -> click.Command:
    @click.command(
        "pipeline",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        add_help_option=False,
        short_help="Run pipelines (needs the 'pipelines' extra).",
    )
    def pipeline() -> None:
        click.echo(
            f"Error: `domino pipeline` needs the 'pipelines' extra ({error}) — install it "
            f"with: {_PIPELINE_EXTRA}",
            err=True,
        )
        raise click.exceptions.Exit(_exit.USAGE)

    return pipeline


class DominoGroup(click.Group):
    """The top-level group: loads command modules on demand and turns every error into one
    line on stderr plus the exit code of :func:`domino.cli._exit.exit_code_for`."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = _COMMANDS.get(cmd_name)
        if where is None:
            return None
        module_name, attribute = where
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            if cmd_name == "pipeline":
                return _missing_pipeline(error)
            raise
        command: click.Command = getattr(module, attribute)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(_exit.INTERRUPTED)
        except Exception as exc:
            state = ctx.find_object(CliState)
            ctx.exit(_errors.report(exc, debug=bool(state and state.debug)))


def _setup_logging(ctx: click.Context, debug: bool) -> None:
    # The command line is an application: it may show the library's log records (warnings
    # such as a retried status check; everything with --debug) on stderr, for as long as the
    # command runs (several invocations in one process, as in tests, do not pile up handlers).
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    log = logging.getLogger("domino")
    previous = log.level
    log.addHandler(handler)
    log.setLevel(logging.DEBUG if debug else logging.WARNING)

    def restore() -> None:
        log.removeHandler(handler)
        log.setLevel(previous)

    ctx.call_on_close(restore)


@click.group(
    cls=DominoGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@connection_options
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print JSON on stdout for every read command (as if each got --json).",
)
@click.option("--debug", is_flag=True, help="Show the library's debug log and full tracebacks.")
@click.pass_context
def cli(ctx: click.Context, as_json: bool, debug: bool) -> None:
    """Drive Domino from a terminal or a CI pipeline: start jobs and wait for them, stream
    their output, move files and datasets, manage projects and apps.

    \b
    Connection (every command; the first one found wins):
      host         --host, DOMINO_API_HOST, the saved login
      credentials  --api-key / --token-file, DOMINO_API_PROXY, DOMINO_TOKEN_FILE,
                   DOMINO_USER_API_KEY, the saved login (`domino login`)
      project      --project owner/name, DOMINO_PROJECT, the current Domino run's project

    \b
    Exit status:
      0    success
      1    the job or run ended Failed, Error or Stopped
      2    usage error or bad input
      3    timeout (the job is still running)
      4    authentication or permission
      5    not found (project, job, dataset, file ...)
      6    server or network failure after retries
      130  interrupted (Ctrl-C)

    \b
    Example (a CI step: run, stream the output, fail the pipeline if the job fails):
      export DOMINO_API_HOST=https://domino.example.com DOMINO_USER_API_KEY=...
      domino job run --project team/churn --follow --timeout 3600 python train.py
    """
    state = ctx.ensure_object(CliState)
    state.debug = debug
    state.json = state.json or as_json
    _setup_logging(ctx, debug)


def _terminate_as_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Console-script entry point (``domino``).

    SIGTERM (what CI runners send when a pipeline is cancelled) is handled like Ctrl-C, so a
    wait says what is still running — or stops it with ``--stop-on-interrupt``.
    """
    signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    cli.main(prog_name="domino")
