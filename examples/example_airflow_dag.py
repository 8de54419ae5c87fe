"""Example DAG: Domino work orchestrated by Airflow (3.x or 2.10+).

Needs ``pip install 'dominodatalab[airflow]'`` and an Airflow connection ``domino_default``; as an
environment variable, against a local ``domino-server``::

    export AIRFLOW_CONN_DOMINO_DEFAULT='{"conn_type": "domino", "host": "http://127.0.0.1:8899",
        "password": "<API key>", "extra": {"project": "admin/quick-start"}}'
    airflow dags test example_domino

The first task uploads the script the jobs run, so the DAG works on an empty project. The
operators name no project: they use the connection's ``extra.project``.
"""

from __future__ import annotations

import io
from datetime import datetime

from domino.airflow import DominoHook, DominoJobOperator, DominoOperator

try:
    from airflow.sdk import DAG, TaskGroup, task
except ImportError:  # Airflow 2.10
    from airflow import DAG
    from airflow.decorators import task
    from airflow.utils.task_group import TaskGroup

TRAIN = """\
import sys
print("training with", *sys.argv[1:])
"""

with DAG(
    "example_domino",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["domino"],
):

    @task
    def upload_code() -> None:
        """Put train.py into the project (a real project would keep it in its repository)."""
        DominoHook().get_conn().files_upload("/train.py", io.BytesIO(TRAIN.encode()))

    # A v4 job, waited for in the triggerer: no worker slot is held while it runs.
    train = DominoJobOperator(
        task_id="train",
        command="train.py --epochs 3",
        title="nightly training",
        hardware_tier_name="Small",
        deferrable=True,
    )

    # One job per fold, inside a task group.
    with TaskGroup("evaluate") as evaluate:
        DominoJobOperator.partial(task_id="score", poll_freq=2).expand(
            command=["train.py --fold 1", "train.py --fold 2"]
        )

    # The public client's v1 run operator, same parameters (startup_delay is 0 now).
    report = DominoOperator(task_id="report", command=["train.py", "report"], title="report")

    upload_code() >> train >> evaluate >> report
