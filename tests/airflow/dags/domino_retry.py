"""Retries whose earlier try's job is still running, or has succeeded: the retry must re-attach
to that job (Airflow 3.3's task state store) instead of starting a duplicate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from _dag_support import DAG, PROJECT, START

from domino.airflow import DominoJobOperator


class LosesItsWorkerOnce(DominoJobOperator):
    """The first try dies (like a lost worker: no on_kill) after the job has started, either at
    once or once the job has finished."""

    def __init__(self, *, fail_after_job: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fail_after_job = fail_after_job

    def execute(self, context: Any) -> Any:
        self._first_try = context["ti"].try_number <= 1
        return super().execute(context)

    def _wait(self, client: Any, job_id: str) -> Any:
        if self._first_try and not self.fail_after_job:
            raise RuntimeError("simulated worker loss while the job runs")
        job = super()._wait(client, job_id)
        if self._first_try:
            raise RuntimeError("simulated worker loss after the job succeeded")
        return job


class LosesItsWorkerAfterTheTrigger(DominoJobOperator):
    """Deferrable: the first try dies when it resumes after the trigger fired."""

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        if context["ti"].try_number <= 1:
            raise RuntimeError("simulated worker loss after the trigger fired")
        return super().execute_complete(context, event)


with DAG(
    "domino_retry",
    schedule=None,
    start_date=START,
    catchup=False,
    default_args={"retries": 1, "retry_delay": timedelta(seconds=0)},
) as dag:
    for name, after in (("reattach_running", False), ("reattach_succeeded", True)):
        LosesItsWorkerOnce(
            task_id=name,
            project=PROJECT,
            command=f"short.py {name}",
            title=name,
            fail_after_job=after,
            poll_freq=1,
        )
    LosesItsWorkerAfterTheTrigger(
        task_id="reattach_deferred",
        project=PROJECT,
        command="short.py reattach_deferred",
        title="reattach_deferred",
        deferrable=True,
        poll_freq=1,
    )
