"""Jobs that must end Stopped on the server: execution_timeout (worker) and max_poll_time in
both modes."""

from __future__ import annotations

from datetime import timedelta

from _dag_support import DAG, PROJECT, START

from domino.airflow import DominoJobOperator

with DAG("domino_stop", schedule=None, start_date=START, catchup=False) as dag:
    # last: on Airflow 2.10 the AirflowTaskTimeout ends the whole `airflow dags test` process
    timed_out = DominoJobOperator(
        task_id="execution_timeout",
        trigger_rule="all_done",
        project=PROJECT,
        command="slow.py",
        title="execution_timeout",
        execution_timeout=timedelta(seconds=6),
        poll_freq=1,
    )
    deadline = DominoJobOperator(
        task_id="deadline_deferred",
        project=PROJECT,
        command="slow.py",
        title="deadline_deferred",
        max_poll_time=4,
        deferrable=True,
        poll_freq=1,
    )
    deadline >> timed_out
