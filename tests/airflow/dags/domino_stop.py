"""Jobs that must end Stopped on the server: execution_timeout in both modes and max_poll_time
(deferrable)."""

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
    # Airflow 3.3 does not bound a deferral by execution_timeout, 2.10 fails the task without
    # an on_kill: the trigger's deadline must cover it
    deferred_timeout = DominoJobOperator(
        task_id="execution_timeout_deferred",
        trigger_rule="all_done",
        project=PROJECT,
        command="slow.py",
        title="execution_timeout_deferred",
        execution_timeout=timedelta(seconds=12),
        deferrable=True,
        poll_freq=1,
    )
    deadline >> deferred_timeout >> timed_out
