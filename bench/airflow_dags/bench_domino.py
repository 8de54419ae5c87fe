"""The DAG bench/airflow.py runs with `airflow dags test`: one job of DOMINO_BENCH_SECONDS per
task, timed from inside the operator. Prints one ``BENCH_RESULT {json}`` line per task.

DOMINO_BENCH_OPERATORS=ours: our DominoJobOperator, normal and deferrable.
DOMINO_BENCH_OPERATORS=public: the public dominodatalab 2.2.0 DominoOperator (Airflow 2.10).
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from typing import Any

try:
    from airflow.sdk import DAG
except ImportError:
    from airflow import DAG

PROJECT = os.environ.get("DOMINO_BENCH_PROJECT", "admin/quick-start")
SECONDS = os.environ.get("DOMINO_BENCH_SECONDS", "20")
WHICH = os.environ.get("DOMINO_BENCH_OPERATORS", "ours")


def report(task_id: str, **fields: Any) -> None:
    print("BENCH_RESULT " + json.dumps({"task": task_id, **fields}), flush=True)


with DAG("bench_domino", schedule=None, start_date=datetime(2024, 1, 1), catchup=False) as dag:
    if WHICH == "ours":
        from domino.airflow import DominoJobOperator

        class Timed(DominoJobOperator):
            """Adds up the time spent inside execute() and execute_complete() (the worker slot)."""

            def execute(self, context: Any) -> Any:
                started = time.time()
                try:
                    return super().execute(context)
                finally:
                    report(self.task_id, phase="execute", start=started, end=time.time())

            def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
                started = time.time()
                report(self.task_id, phase="noticed", at=started, job=event.get("job"))
                try:
                    return super().execute_complete(context, event)
                finally:
                    report(self.task_id, phase="complete", start=started, end=time.time())

            def _wait(self, client: Any, job_id: str) -> Any:
                job = super()._wait(client, job_id)
                report(self.task_id, phase="noticed", at=time.time(), job=job)
                return job

        for deferrable in (False, True):
            Timed(
                task_id="deferrable" if deferrable else "normal",
                project=PROJECT,
                command=f"sleep.py {SECONDS}",
                deferrable=deferrable,
            )
    else:
        from domino.airflow import DominoOperator as PublicDominoOperator

        class TimedPublic(PublicDominoOperator):
            def execute(self, context: Any) -> Any:
                started = time.time()
                try:
                    return super().execute(context)
                finally:
                    report(self.task_id, phase="execute", start=started, end=time.time())

        TimedPublic(
            task_id="public",
            project=PROJECT,
            command=["sleep.py", SECONDS],
            host=os.environ["DOMINO_BENCH_HOST"],
            api_key=os.environ["DOMINO_BENCH_KEY"],
        )
