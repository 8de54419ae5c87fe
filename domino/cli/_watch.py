"""Waiting on a job or run from the command line: status changes, ``--follow``, ``--timeout``
and Ctrl-C, on top of the library's one poller (:func:`domino._wait.poll`).

While following, each status check also fetches the output and prints what is new; the
interval then stays short (``FOLLOW_POLL_FREQ``) so output appears within seconds, at two
requests per check.
"""

from __future__ import annotations

import sys
from typing import IO, TYPE_CHECKING, Any

import click

from domino import _wait
from domino.cli import _exit
from domino.cli._output import info
from domino.exceptions import PollRetriesExceededError, PollTimeoutError

if TYPE_CHECKING:
    from domino.domino import Domino

__all__ = ["Execution", "OutputFollower", "watch"]

#: longest pause between checks while streaming output (seconds)
FOLLOW_POLL_FREQ = 2.0
#: longest pause between checks otherwise
POLL_FREQ = 5.0
#: trailing output lines shown when a job fails and was not followed
FAILURE_TAIL = 50
#: status checks failing in a row (each after the HTTP layer's own retries) before giving up
MAX_FAILED_CHECKS = 12

TERMINAL = frozenset({"Succeeded", "Failed", "Error", "Stopped"})


class Execution:
    """A job (v4) or run (v1): how to read its status, and the words for messages."""

    def __init__(self, client: Domino, execution_id: str, kind: str = "job") -> None:
        self.client = client
        self.id = execution_id
        self.kind = kind

    def fetch(self) -> dict[str, Any]:
        if self.kind == "run":
            answer: Any = self.client.runs_status(self.id)
        else:
            answer = self.client.job_status(self.id)
        return answer if isinstance(answer, dict) else {}

    def status_of(self, state: dict[str, Any]) -> str | None:
        if self.kind == "run":
            value = state.get("status")
        else:
            value = (state.get("statuses") or {}).get("executionStatus")
        return None if value is None else str(value)

    def is_done(self, state: dict[str, Any]) -> bool:
        if self.status_of(state) in TERMINAL:
            return True
        statuses = state.get("statuses") if self.kind == "job" else state
        return isinstance(statuses, dict) and statuses.get("isCompleted") is True

    def stop_command(self, project_flag: str) -> str:
        return f"domino {self.kind} stop {self.id}{project_flag}"

    def url(self) -> str:
        client = self.client
        return f"{client.host}/jobs/{client.project}/{self.id}"


class OutputFollower:
    """Prints the part of an execution's output that has not been printed yet."""

    def __init__(self, client: Domino, execution_id: str, out: IO[str] | None = None) -> None:
        self.client = client
        self.execution_id = execution_id
        self.out = out
        self.printed = ""

    def pump(self) -> None:
        text = self.client.runs_stdout(self.execution_id)
        if text.startswith(self.printed):
            new = text[len(self.printed) :]
        else:  # the server rewrote or trimmed its log: show all of it again
            new = text
        if new:
            click.echo(new, nl=False, file=self.out or sys.stdout)
            (self.out or sys.stdout).flush()
        self.printed = text


def watch(
    execution: Execution,
    *,
    follow: bool,
    timeout: float | None,
    stop_on_interrupt: bool,
    project_flag: str,
    follow_to_stderr: bool = False,
    quiet: bool = False,
) -> dict[str, Any]:
    """Wait until the execution ends and return its final state.

    Raises ``click.exceptions.Exit`` with 3 after ``timeout`` seconds (the execution keeps
    running and the message says how to stop it) and with 130 on Ctrl-C (after stopping the
    execution when ``stop_on_interrupt``).
    """
    follower = (
        OutputFollower(execution.client, execution.id, sys.stderr if follow_to_stderr else None)
        if follow
        else None
    )
    seen: list[str | None] = []

    def fetch() -> dict[str, Any]:
        state = execution.fetch()
        status = execution.status_of(state)
        if follower is not None:
            follower.pump()
        if not quiet and (not seen or seen[-1] != status):
            seen.append(status)
            info(f"{execution.kind} {execution.id}: {status}")
        return state

    try:
        final: dict[str, Any] = _wait.poll(
            fetch,
            is_done=execution.is_done,
            poll_freq=FOLLOW_POLL_FREQ if follow else POLL_FREQ,
            max_poll_time=timeout,
            max_consecutive_failures=MAX_FAILED_CHECKS,
            what=f"{execution.kind} {execution.id}",
        )
    except PollTimeoutError:
        info(
            f"Error: {execution.kind} {execution.id} did not finish within {timeout:g} s and "
            f"is still running — wait longer with `domino {execution.kind} logs "
            f"{execution.id} --follow{project_flag}`, or stop it with "
            f"`{execution.stop_command(project_flag)}`"
        )
        raise click.exceptions.Exit(_exit.TIMEOUT) from None
    except PollRetriesExceededError:
        info(
            f"{execution.kind} {execution.id} may still be running: check it later with "
            f"`domino {execution.kind} status {execution.id}{project_flag}`"
        )
        raise
    except KeyboardInterrupt:
        interrupted(execution, stop=stop_on_interrupt, project_flag=project_flag)
    if follower is not None:
        follower.pump()  # output written between the last check and the end
    return final


def interrupted(execution: Execution, *, stop: bool, project_flag: str) -> None:
    """Ctrl-C while waiting: say what is still running (or stop it); exit 130."""
    click.echo("", err=True)
    if stop:
        info(f"Interrupted: stopping {execution.kind} {execution.id} ...")
        try:
            execution.client.job_stop(execution.id)
        except Exception as exc:  # report, but the interruption stays the news
            info(
                f"Error: could not stop {execution.kind} {execution.id} ({exc}) — stop it with "
                f"`{execution.stop_command(project_flag)}`"
            )
        else:
            info(f"Stopped {execution.kind} {execution.id}.")
    else:
        info(
            f"Interrupted: {execution.kind} {execution.id} is still running. Stop it with: "
            f"{execution.stop_command(project_flag)}"
        )
    raise click.exceptions.Exit(_exit.INTERRUPTED)


def report_end(
    execution: Execution, final: dict[str, Any], *, followed: bool, quiet: bool = False
) -> int:
    """Print how the execution ended (and its output's tail on failure); the exit code."""
    status = execution.status_of(final)
    if status == "Succeeded":
        if not quiet:
            info(f"{execution.kind} {execution.id} succeeded.")
        return _exit.OK
    if not followed:
        try:
            text = execution.client.runs_stdout(execution.id)
        except Exception as exc:  # the failure is the news; a missing log must not hide it
            text = f"(output unavailable: {exc})\n"
        lines = text.splitlines()[-FAILURE_TAIL:]
        if lines:
            info(f"--- last {len(lines)} lines of output of {execution.kind} {execution.id} ---")
            info("\n".join(lines))
            info("---")
    info(f"Error: {execution.kind} {execution.id} ended {status} — see its output above")
    return _exit.FAILED
