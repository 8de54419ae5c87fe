"""``DominoJobTrigger``: waits for a Domino job in the triggerer, off the worker.

It holds only JSON values (ids, connection id, poll settings, an absolute deadline — never a key
or token; credentials come from the connection or the triggerer's ``DOMINO_*`` environment),
polls without blocking the event loop (the blocking client runs in a worker thread), backs off
as the job ages, tolerates transient errors, and never raises: the job's end, an error and the
deadline all become the one event it yields. That event carries everything
``execute_complete`` needs, because it runs on a fresh operator instance.

Events (``TriggerEvent.payload``)::

    {"status": "success" | "failed", "job_id", "job_url", "execution_status", "job", "carry"}
    {"status": "timeout", "job_id", "job_url", "execution_status", "message", "carry"}
    {"status": "error",   "job_id", "job_url", "message", "carry"}
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from domino.airflow._polling import (
    SUCCESS,
    execution_status,
    is_terminal,
    is_transient,
    next_interval,
)
from domino.airflow.hooks import DEFAULT_CONN_ID, DominoHook

__all__ = ["DominoJobTrigger"]

#: how long status checks may keep failing with transient errors before the trigger gives up
DEFAULT_ERROR_TOLERANCE = 600.0


class DominoJobTrigger(BaseTrigger):
    """Fires once the Domino job ``job_id`` of ``project`` has ended (or cannot be watched).

    Args:
        job_id: the job (or v1 run: they share ids).
        project: ``owner/name``.
        domino_conn_id, host, domino_token_file, api_proxy: where and how to connect, as for
            :class:`~domino.airflow.hooks.DominoHook` (no secrets here).
        poll_freq: the longest pause between two status checks, in seconds.
        deadline: wall-clock time (epoch seconds) after which a "timeout" event is sent;
            ``None`` waits without limit.
        started_at: epoch seconds when the job was started (the poll schedule grows with its
            age); default now.
        job_url: the job's page, echoed in the event.
        carry: JSON values echoed in the event for ``execute_complete``.
        error_tolerance: seconds of consecutive transient failures before an "error" event.
    """

    def __init__(
        self,
        *,
        job_id: str,
        project: str,
        domino_conn_id: str = DEFAULT_CONN_ID,
        host: str | None = None,
        domino_token_file: str | None = None,
        api_proxy: str | None = None,
        poll_freq: float = 5.0,
        deadline: float | None = None,
        started_at: float | None = None,
        job_url: str | None = None,
        carry: dict[str, Any] | None = None,
        error_tolerance: float = DEFAULT_ERROR_TOLERANCE,
    ) -> None:
        super().__init__()
        self.job_id = str(job_id)
        self.project = project
        self.domino_conn_id = domino_conn_id
        self.host = host
        self.domino_token_file = domino_token_file
        self.api_proxy = api_proxy
        self.poll_freq = float(poll_freq)
        self.deadline = None if deadline is None else float(deadline)
        self.started_at = time.time() if started_at is None else float(started_at)
        self.job_url = job_url
        self.carry = dict(carry or {})
        self.error_tolerance = float(error_tolerance)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "job_id": self.job_id,
                "project": self.project,
                "domino_conn_id": self.domino_conn_id,
                "host": self.host,
                "domino_token_file": self.domino_token_file,
                "api_proxy": self.api_proxy,
                "poll_freq": self.poll_freq,
                "deadline": self.deadline,
                "started_at": self.started_at,
                "job_url": self.job_url,
                "carry": self.carry,
                "error_tolerance": self.error_tolerance,
            },
        )

    def _hook(self) -> DominoHook:
        return DominoHook(
            self.domino_conn_id,
            host=self.host,
            domino_token_file=self.domino_token_file,
            api_proxy=self.api_proxy,
        )

    def _event(self, status: str, **fields: Any) -> TriggerEvent:
        payload: dict[str, Any] = {
            "status": status,
            "job_id": self.job_id,
            "job_url": self.job_url,
        }
        payload.update(fields)
        payload["carry"] = self.carry
        return TriggerEvent(payload)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        try:
            event = await self._wait()
        except Exception as exc:  # never raise out of a trigger: say what happened instead
            event = self._event(
                "error", message=f"watching Domino job {self.job_id} failed: {_describe(exc)}"
            )
        yield event

    async def _wait(self) -> TriggerEvent:
        client: Any = None
        last_status: str | None = None
        failing_since: float | None = None
        while True:
            try:
                if client is None:
                    client = await self._hook().aget_client(self.project)
                job = await asyncio.to_thread(client.job_status, self.job_id)
            except Exception as exc:
                if not is_transient(exc):
                    return self._event(
                        "error",
                        message=f"cannot watch Domino job {self.job_id}: {_describe(exc)}",
                    )
                failing_since = failing_since or time.monotonic()
                if time.monotonic() - failing_since > self.error_tolerance:
                    return self._event(
                        "error",
                        message=f"status checks of Domino job {self.job_id} kept failing for "
                        f"{self.error_tolerance:g} s; last error: {_describe(exc)}",
                    )
                self.log.warning(
                    "checking Domino job %s failed, will retry: %s", self.job_id, _describe(exc)
                )
            else:
                failing_since = None
                status = execution_status(job)
                if status != last_status:
                    self.log.info("Domino job %s status: %s", self.job_id, status)
                    last_status = status
                if is_terminal(job):
                    return self._event(
                        "success" if status == SUCCESS else "failed",
                        execution_status=status,
                        job=job,
                    )
            now = time.time()
            if self.deadline is not None and now >= self.deadline:
                return self._event(
                    "timeout",
                    execution_status=last_status,
                    message=f"Domino job {self.job_id} did not finish by the deadline "
                    f"(last status: {last_status})",
                )
            pause = next_interval(now - self.started_at, self.poll_freq)
            if self.deadline is not None:
                pause = min(pause, max(0.0, self.deadline - now))
            await asyncio.sleep(pause)

    async def on_kill(self) -> None:
        """Airflow 3.3 calls this when the deferred task is marked failed/success or cleared:
        stop this trigger's own job (a cleared task's new try may already run another)."""
        try:
            client = await self._hook().aget_client(self.project)
            await asyncio.to_thread(client.job_stop, self.job_id)
        except Exception as exc:
            self.log.warning("could not stop Domino job %s: %s", self.job_id, _describe(exc))
        else:
            self.log.info("stopped Domino job %s", self.job_id)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
