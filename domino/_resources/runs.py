"""Executions through the legacy v1 Runs API, and run output (domino-api.md §8)."""

from __future__ import annotations

import logging
from typing import Any, NoReturn

import requests

from domino import _output, exceptions
from domino._base import ClientBase, expect_dict, require
from domino._compat import renamed_kwargs
from domino._types import Run, RunStartResult

__all__ = ["RunsMixin", "TERMINAL_STATUSES"]

logger = logging.getLogger(__name__)

#: statuses after which a run or job never changes again
TERMINAL_STATUSES = frozenset({"Succeeded", "Failed", "Error", "Stopped"})


class RunsMixin(ClientBase):
    def runs_list(self) -> dict[str, Any]:
        """All runs of the project: ``{"objectType": "list", "uri": ..., "data": [run, ...]}``."""
        result: dict[str, Any] = self._get(self._routes.runs())
        return result

    @renamed_kwargs(
        isDirect="is_direct", commitId="commit_id", publishApiEndpoint="publish_api_endpoint"
    )
    def runs_start(
        self,
        command: list[str] | str,
        is_direct: bool | None = False,
        commit_id: str | None = None,
        title: str | None = None,
        tier: str | None = None,
        publish_api_endpoint: bool | None = None,
    ) -> RunStartResult:
        """Start a v1 run; returns ``{"runId", "message"}``.

        ``command`` is a list such as ``["main.py", "arg1"]``; ``tier`` is a hardware tier
        *name*. Prefer :meth:`job_start` for new work. Raises
        :class:`~domino.exceptions.ReloginRequiredException` when Domino answers 409.

        Example::

            run = domino.runs_start(["main.py", "--rows", "100"], title="nightly")
            print(run["runId"])
        """
        body = {
            "command": command,
            "isDirect": is_direct,
            "commitId": commit_id,
            "title": title,
            "tier": tier,
            "publishApiEndpoint": publish_api_endpoint,
        }
        result: RunStartResult = self._start_execution("run", self._routes.runs(), body)
        return result

    def _start_execution(self, kind: str, path: str, body: dict[str, Any]) -> Any:
        """POST that starts a run or job (never retried once sent: a second POST would start
        a second one); on 409 tell the user where to log in again."""
        try:
            return self._http.json("POST", path, json=body)
        except exceptions.ReloginRequiredException:
            logger.error(
                "You need to log in to the Domino UI to start the %s: %s/relogin?redirectPath=/",
                kind,
                self._http.host,
            )
            raise

    @renamed_kwargs(runId="run_id")
    def runs_status(self, run_id: str) -> Run:
        """One run (``GET /v1/projects/{owner}/{project}/runs/{id}``)."""
        result: Run = self._get(self._routes.run(run_id))
        return result

    def get_run_info(self, run_id: str) -> dict[str, Any] | None:
        """The run's entry in :meth:`runs_list`, or ``None`` (kept for compatibility)."""
        runs = require(self.runs_list(), "data", f"GET {self._routes.runs()}")
        for run in runs:
            if isinstance(run, dict) and run.get("id") == run_id:
                return dict(run)
        return None

    @renamed_kwargs(
        isDirect="is_direct", commitId="commit_id", publishApiEndpoint="publish_api_endpoint"
    )
    def runs_start_blocking(
        self,
        command: list[str] | str,
        is_direct: bool | None = False,
        commit_id: str | None = None,
        title: str | None = None,
        tier: str | None = None,
        publish_api_endpoint: bool | None = None,
        poll_freq: float = 5,
        max_poll_time: float | None = 6000,
        retry_count: int = 5,
    ) -> RunStartResult:
        """Start a v1 run and wait until it reaches a terminal status.

        Polls the one run (not the whole run list) with backoff capped at ``poll_freq``
        seconds. Returns the start response ``{"runId", "message"}``.

        Raises :class:`~domino.exceptions.RunFailedException` (id, status, last output lines)
        when the run ends in Failed/Error/Stopped; :class:`~domino.exceptions.PollTimeoutError`
        after ``max_poll_time`` seconds; :class:`~domino.exceptions.PollRetriesExceededError`
        after more than ``retry_count`` consecutive failed polls;
        :class:`~domino.exceptions.WaitInterrupted` (a ``KeyboardInterrupt``) on Ctrl-C,
        naming the run, which keeps running, and how to stop it.
        """
        from domino._wait import check_poll_args, poll

        check_poll_args(poll_freq, max_poll_time)
        started = self.runs_start(command, is_direct, commit_id, title, tier, publish_api_endpoint)
        run_id = str(require(started, "runId", f"POST {self._routes.runs()}"))

        def fetch() -> dict[str, Any]:
            return expect_dict(self.runs_status(run_id), f"GET {self._routes.run(run_id)}")

        def is_done(run: dict[str, Any]) -> bool:
            return run.get("status") in TERMINAL_STATUSES or run.get("isCompleted") is True

        try:
            final = poll(
                fetch,
                is_done=is_done,
                poll_freq=poll_freq,
                max_poll_time=max_poll_time,
                describe=lambda run: str(run.get("status")),
                # a run that just started may briefly be unknown (404): a failed check
                tolerate=(requests.RequestException, exceptions.NotFoundError),
                max_consecutive_failures=retry_count,
                what=f"run {run_id}",
            )
        except KeyboardInterrupt as interrupt:
            project = f"{self._owner_username}/{self._project_name}"
            raise exceptions.WaitInterrupted("run", run_id, project) from interrupt
        status = final.get("status")
        if status != "Succeeded":
            self._raise_failed("run", run_id, status)
        return started

    def _raise_failed(self, kind: str, run_id: str, status: Any) -> NoReturn:
        """Replay the output into the log and raise RunFailedException naming its tail."""
        try:
            raw = self._raw_stdout(run_id)
        except (requests.RequestException, exceptions.DominoException) as error:
            # the run's failure is the news; a failed log fetch must not replace it
            tail = f"(output unavailable: {error})"
        else:
            self.process_log(raw)
            tail = _output.tail(raw) or "(no output)"
        raise exceptions.RunFailedException(
            f"Remote {kind} {run_id} finished but did not succeed: status {status}. "
            f"Last lines of output:\n{tail}",
            run_id=run_id,
            status=None if status is None else str(status),
            output_tail=tail,
        )

    def _run_logs(self, run_id: str) -> dict[str, Any]:
        path = self._routes.run_stdout(run_id)
        return expect_dict(self._get(path), f"GET {path}")

    def _raw_stdout(self, run_id: str) -> str:
        """stdout exactly as the server sent it (envelope and all)."""
        return str(self._run_logs(run_id).get("stdout") or "")

    @renamed_kwargs(runId="run_id")
    def runs_stdout(self, run_id: str) -> str:
        """The run's stdout as the program wrote it (Domino's HTML envelope, if any, removed)."""
        return _output.as_text(self._raw_stdout(run_id))

    @renamed_kwargs(runId="run_id", includeSetupLog="include_setup_log")
    def get_run_log(self, run_id: str, include_setup_log: bool = True) -> str:
        """Setup log (optional) and stdout joined by a newline, from one GET, each as written
        (the same text :meth:`runs_stdout` returns)."""
        logs = self._run_logs(run_id)
        parts = []
        if include_setup_log and logs.get("setup") is not None:
            parts.append(_output.as_text(str(logs["setup"])))
        parts.append(_output.as_text(str(logs.get("stdout") or "")))
        return "\n".join(parts)

    def process_log(self, log: str) -> None:
        """Replay a run log into the ``domino.domino`` logger, one record per non-blank line.

        Plain text is logged as written. Inside Domino's HTML envelope the tags are removed
        and lines Domino marks ``text-danger`` (stderr) log at WARNING; the rest at INFO.
        """
        for line in _output.lines(log):
            if line.error:
                self.log.warning("%s", line.text)
            else:
                self.log.info("%s", line.text)
