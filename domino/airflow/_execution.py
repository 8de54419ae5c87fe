"""The life of one Domino execution inside an Airflow task, shared by every operator.

start (or re-attach) → push ``job_id`` / ``job_url`` → wait here (streaming the output) or defer
to :class:`~domino.airflow.triggers.DominoJobTrigger` → push ``job_status`` /
``output_commit_id`` → ``job_finished()`` on success, an exception naming the status and the
output's tail otherwise. ``on_kill`` (SIGTERM, ``execution_timeout``) stops the job; the wait
loop notices the kill at once.

Re-attach (Airflow 3.3): the job id is kept in the task state store while the job may still be
running, so a retry whose earlier try's job is still running (or has succeeded) waits for that
job instead of starting a duplicate. The key is dropped once the job has ended, so a retry
after a failure, or clearing a succeeded task, runs the job again.
"""

from __future__ import annotations

import threading
import time
from functools import cached_property
from typing import TYPE_CHECKING, Any

from domino.airflow._compat import AirflowException, BaseOperator, Context, conf, mask_secret
from domino.airflow._polling import (
    SUCCESS,
    execution_status,
    is_terminal,
    is_transient,
    next_interval,
    output_commit_id,
)
from domino.airflow.hooks import DEFAULT_CONN_ID, DominoHook
from domino.airflow.links import DominoJobLink, job_url

if TYPE_CHECKING:
    from domino.domino import Domino

__all__ = ["DominoExecutionOperator", "check_project", "resolved_later"]

#: task state store key holding {"job_id", "start_result"} while the job may still run
STATE_KEY = "domino_job"
#: seconds of consecutive transient failures the worker's wait loop tolerates
ERROR_TOLERANCE = 600.0
TAIL_LINES = 20
#: how long before ``execution_timeout`` a deferred task's trigger fires (at most a quarter)
EXECUTION_TIMEOUT_MARGIN = 30.0


def resolved_later(value: Any) -> bool:
    """Whether ``value`` is an XComArg (or another value Airflow resolves when the task runs):
    such a value can only be checked once it has been rendered."""
    return hasattr(value, "resolve") and hasattr(value, "iter_references")


def check_project(project: Any) -> None:
    if project is not None and not isinstance(project, str):
        raise TypeError(f"project={project!r} must be a string 'owner/name'")


class DominoJobTimeoutError(AirflowException):
    """The job did not finish within the task's limit (``max_poll_time`` or, deferred,
    ``execution_timeout``) and was stopped."""


def _check_poll_args(poll_freq: Any, max_poll_time: Any) -> None:
    """The client's own check (a ValueError naming the value), loaded only for a suspicious
    value: the client needs ``requests``, which a DAG file being parsed should not pay for."""
    plain = not isinstance(poll_freq, bool) and isinstance(poll_freq, int | float) and poll_freq > 0
    if plain and (
        max_poll_time is None
        or (
            not isinstance(max_poll_time, bool)
            and isinstance(max_poll_time, int | float)
            and max_poll_time >= 0
        )
    ):
        return
    from domino._wait import check_poll_args

    check_poll_args(poll_freq, max_poll_time)


def _default_deferrable() -> bool:
    return conf.getboolean("operators", "default_deferrable", fallback=False)


class DominoExecutionOperator(BaseOperator):
    """Base of the Domino operators: connection arguments, waiting, deferring, cancelling.

    Subclasses implement :meth:`_start` (and may override :meth:`_before_start` and
    :meth:`job_finished`).
    """

    operator_extra_links = (DominoJobLink(),)
    #: what the execution is called in messages
    _kind = "job"

    def __init__(
        self,
        *,
        project: str | None,
        domino_conn_id: str = DEFAULT_CONN_ID,
        host: str | None = None,
        api_key: str | None = None,
        auth_token: str | None = None,
        domino_token_file: str | None = None,
        api_proxy: str | None = None,
        wait_for_termination: bool = True,
        poll_freq: float = 5,
        max_poll_time: float | None = None,
        deferrable: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not resolved_later(project):
            check_project(project)
        _check_poll_args(poll_freq, max_poll_time)
        self.project = project
        self.domino_conn_id = domino_conn_id
        self.host = host
        self.api_key = api_key
        self.auth_token = auth_token
        self.domino_token_file = domino_token_file
        self.api_proxy = api_proxy
        self.wait_for_termination = wait_for_termination
        self.poll_freq = poll_freq
        self.max_poll_time = max_poll_time or None
        self.deferrable = _default_deferrable() if deferrable is None else bool(deferrable)
        self._job_id: str | None = None
        #: set once this instance has run (execute / execute_complete): the extra link then
        #: reads the URL from here instead of asking for an XCom that may not exist
        self._ran = False
        self._job_url: str | None = None
        self._client: Domino | None = None
        self._start_result: Any = None
        self._finished = False
        self._log_text = ""
        # made in execute(): operators are deep-copied, an Event cannot be
        self._killed: threading.Event | None = None

    # ------------------------------------------------------------------ subclass hooks

    def _start(self, client: Domino) -> tuple[str, Any]:
        """Start the execution; return its id and the start answer."""
        raise NotImplementedError

    def _before_start(self, client: Domino) -> None:
        """Checks that need the API (run before anything starts)."""

    def _carried(self, start_result: Any) -> Any:
        """The part of the start answer kept across a deferral or a retry (JSON)."""
        return start_result

    def job_finished(self, context: Context, job: dict[str, Any]) -> Any:
        """Called once the job has ended successfully (``job`` = the final job-status dict,
        id under ``"id"``); the return value becomes the task's return value."""
        return job

    # ------------------------------------------------------------------ plumbing

    @cached_property
    def hook(self) -> DominoHook:
        return DominoHook(
            self.domino_conn_id,
            host=self.host,
            api_key=self.api_key,
            auth_token=self.auth_token,
            domino_token_file=self.domino_token_file,
            api_proxy=self.api_proxy,
        )

    def _get_client(self) -> Domino:
        for secret in (self.api_key, self.auth_token):
            if secret:
                mask_secret(secret)
        if self._client is None:
            self._client = self.hook.get_client(self.project)
        return self._client

    @staticmethod
    def _state_store(context: Context) -> Any:
        return context.get("task_state_store")

    def _push(self, context: Context, **values: Any) -> None:
        ti = context["ti"]
        for key, value in values.items():
            ti.xcom_push(key=key, value=value)

    # ------------------------------------------------------------------ execute

    def execute(self, context: Context) -> Any:
        self._killed = threading.Event()
        self._ran = True
        check_project(self.project)  # again: it may have come from an upstream task
        client = self._get_client()
        store = self._state_store(context)
        job_id = self._reattach(client, store)
        if job_id is None:
            self._before_start(client)
            job_id, self._start_result = self._start(client)
            if store is not None:
                carried = self._carried(self._start_result)
                store.set(STATE_KEY, {"job_id": job_id, "start_result": carried})
        self._job_id = job_id
        url = self._job_url = job_url(client.host, client.project, job_id)
        self._push(context, job_id=job_id, job_url=url)
        self.log.info("Domino %s %s: %s", self._kind, job_id, url)
        if not self.wait_for_termination:
            if store is not None:
                store.delete(STATE_KEY)  # the task is done: clearing it starts a new job
            return self._start_result
        if self.deferrable:
            if self.hook.has_explicit_secret:
                self.log.warning(
                    "waiting in the worker instead of deferring: an api_key/auth_token argument "
                    "cannot be handed to the triggerer (put it in the Airflow connection)"
                )
            else:
                self._defer(client, url, context)
        job = self._wait(client, job_id)
        return self._finish(context, job)

    def _reattach(self, client: Domino, store: Any) -> str | None:
        saved = store.get(STATE_KEY) if store is not None else None
        if not isinstance(saved, dict) or not saved.get("job_id"):
            return None
        job_id = str(saved["job_id"])
        from domino.exceptions import NotFoundError

        try:
            job = client.job_status(job_id)
        except NotFoundError:
            self.log.warning(
                "earlier %s %s no longer exists; starting a new one", self._kind, job_id
            )
            store.delete(STATE_KEY)
            return None
        except Exception as exc:
            # starting another job now could duplicate one that is still running
            raise AirflowException(
                f"cannot check the earlier try's Domino {self._kind} {job_id} (not starting a "
                f"second one): {type(exc).__name__}: {exc}"
            ) from exc
        status = execution_status(job)
        if is_terminal(job) and status != SUCCESS:
            self.log.info(
                "earlier try's %s %s ended %s; starting a new one", self._kind, job_id, status
            )
            store.delete(STATE_KEY)
            return None
        self.log.info(
            "re-attaching to the earlier try's %s %s (status %s)", self._kind, job_id, status
        )
        self._start_result = saved.get("start_result") or job
        return job_id

    def _deferral_deadline(self, context: Context) -> tuple[float | None, str | None]:
        """The trigger's absolute deadline (epoch seconds) and the limit it comes from.

        ``execution_timeout`` counts too: Airflow 3.3 does not bound a deferral by it at all,
        and 2.10 fails the task at the timeout without calling any ``on_kill`` (the job would
        run on, unwatched). So the trigger fires a little before it, leaving
        ``execute_complete`` time to stop the job.
        """
        limits: list[tuple[float, str]] = []
        if self.max_poll_time is not None:
            limits.append(
                (time.time() + self.max_poll_time, f"max_poll_time={self.max_poll_time:g} s")
            )
        if self.execution_timeout is not None:
            seconds = self.execution_timeout.total_seconds()
            start_date = getattr(context.get("ti"), "start_date", None)
            started = start_date.timestamp() if start_date is not None else time.time()
            margin = min(EXECUTION_TIMEOUT_MARGIN, seconds / 4)
            limits.append((started + seconds - margin, f"execution_timeout={seconds:g} s"))
        if not limits:
            return None, None
        deadline, reason = min(limits)
        return deadline, reason

    def _defer(self, client: Domino, url: str, context: Context) -> None:
        from domino.airflow.triggers import DominoJobTrigger

        assert self._job_id is not None
        deadline, reason = self._deferral_deadline(context)
        self.defer(
            trigger=DominoJobTrigger(
                job_id=self._job_id,
                project=client.project,
                domino_conn_id=self.domino_conn_id,
                host=self.host,
                domino_token_file=self.domino_token_file,
                api_proxy=self.api_proxy,
                poll_freq=self.poll_freq,
                deadline=deadline,
                job_url=url,
                carry={
                    "start_result": self._carried(self._start_result),
                    "deadline_reason": reason,
                },
            ),
            method_name="execute_complete",
        )

    # ------------------------------------------------------------------ waiting in the worker

    def _wait(self, client: Domino, job_id: str) -> dict[str, Any]:
        started = time.monotonic()
        deadline = None if self.max_poll_time is None else started + self.max_poll_time
        log = _LogStreamer(self, client, job_id)
        last_status: str | None = None
        failing_since: float | None = None
        while True:
            self._check_killed(job_id)
            try:
                job: dict[str, Any] = dict(client.job_status(job_id))
            except Exception as exc:
                if not is_transient(exc):
                    raise
                failing_since = failing_since or time.monotonic()
                if time.monotonic() - failing_since > ERROR_TOLERANCE:
                    raise AirflowException(
                        f"status checks of Domino {self._kind} {job_id} kept failing for "
                        f"{ERROR_TOLERANCE:g} s; last error: {type(exc).__name__}: {exc}"
                    ) from exc
                self.log.warning(
                    "checking Domino %s %s failed, will retry: %s", self._kind, job_id, exc
                )
            else:
                failing_since = None
                status = execution_status(job)
                if status != last_status:
                    self.log.info("Domino %s %s status: %s", self._kind, job_id, status)
                    last_status = status
                log.pump()
                if is_terminal(job):
                    log.pump(final=True)
                    self._log_text = log.text
                    return job
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                self._stop(client, job_id, "max_poll_time passed")
                raise DominoJobTimeoutError(
                    f"Domino {self._kind} {job_id} did not finish within max_poll_time="
                    f"{self.max_poll_time:g} s (last status: {last_status}); it was stopped"
                )
            pause = next_interval(now - started, self.poll_freq)
            if deadline is not None:
                pause = min(pause, deadline - now)
            assert self._killed is not None
            self._killed.wait(pause)

    def _check_killed(self, job_id: str) -> None:
        if self._killed is not None and self._killed.is_set():
            raise AirflowException(f"the task was killed; Domino {self._kind} {job_id} was stopped")

    def _stop(self, client: Domino, job_id: str, why: str) -> None:
        try:
            client.job_stop(job_id)
        except Exception as exc:
            self.log.warning("could not stop Domino %s %s (%s): %s", self._kind, job_id, why, exc)
        else:
            self.log.info("stopped Domino %s %s (%s)", self._kind, job_id, why)

    def on_kill(self) -> None:
        """Stop the Domino job (SIGTERM, mark-failed, ``execution_timeout``)."""
        if self._killed is not None:
            self._killed.set()
        if self._job_id is None or self._finished:
            return
        try:  # a resumed (deferred) task may be killed before it made its client
            client = self._get_client()
        except Exception as exc:
            self.log.warning("could not stop Domino %s %s: %s", self._kind, self._job_id, exc)
            return
        self._stop(client, self._job_id, "the task was killed")

    # ------------------------------------------------------------------ the end

    def execute_complete(self, context: Context, event: dict[str, Any]) -> Any:
        """Resume after :class:`~domino.airflow.triggers.DominoJobTrigger` fired (on a fresh
        operator instance: everything needed is in ``event``)."""
        status = event.get("status")
        self._ran = True
        self._job_id = str(event.get("job_id"))
        self._job_url = event.get("job_url")
        self._start_result = (event.get("carry") or {}).get("start_result")
        if status in ("success", "failed") and isinstance(event.get("job"), dict):
            client = self._get_client()
            try:
                text = client.runs_stdout(self._job_id)
            except Exception as exc:
                self.log.warning(
                    "could not fetch the output of Domino %s %s: %s", self._kind, self._job_id, exc
                )
                text = ""
            for line in text.splitlines():
                self.log.info("%s", line)
            self._log_text = text
            return self._finish(context, event["job"])
        if status == "timeout":
            reason = (event.get("carry") or {}).get("deadline_reason") or (
                f"max_poll_time={self.max_poll_time} s"
            )
            self._stop(self._get_client(), self._job_id, f"{reason} passed")
            self._push(context, job_status=event.get("execution_status"))
            raise DominoJobTimeoutError(
                f"{event.get('message')}; {reason} passed and it was stopped"
            )
        raise AirflowException(str(event.get("message") or f"unexpected trigger event {event!r}"))

    def _finish(self, context: Context, job: dict[str, Any]) -> Any:
        self._finished = True
        job_id = self._job_id
        status = execution_status(job)
        self._push(context, job_status=status, output_commit_id=output_commit_id(job))
        store = self._state_store(context)
        if store is not None:
            store.delete(STATE_KEY)
        if status != SUCCESS:
            tail = _tail(self._log_text) or "(no output)"
            raise AirflowException(
                f"Domino {self._kind} {job_id} ended with status {status}. "
                f"Last lines of output:\n{tail}"
            )
        job = dict(job)
        job.setdefault("id", job_id)
        return self.job_finished(context, job)


def _tail(text: str, lines: int = TAIL_LINES) -> str:
    kept = [line for line in text.splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


class _LogStreamer:
    """Copies new lines of the job's output into the task log while the task waits."""

    def __init__(self, operator: DominoExecutionOperator, client: Domino, job_id: str) -> None:
        self.operator = operator
        self.client = client
        self.job_id = job_id
        self.text = ""
        self._logged = 0

    def pump(self, *, final: bool = False) -> None:
        try:
            text = self.client.runs_stdout(self.job_id)
        except Exception as exc:  # output is a courtesy: never let it end the wait
            self.operator.log.debug("output of %s not available yet: %s", self.job_id, exc)
            return
        if len(text) < len(self.text):
            return  # a shorter answer than before (a replica lagging): wait for more
        self.text = text
        pending = text[self._logged :]
        if not final:
            cut = pending.rfind("\n")
            pending = pending[: cut + 1] if cut >= 0 else ""
        for line in pending.splitlines():
            self.operator.log.info("%s", line)
        self._logged += len(pending)
