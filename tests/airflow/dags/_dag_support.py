"""What the test DAG files share: Airflow-version-neutral imports and the settings the test
passes through the environment of `airflow dags test`."""

from __future__ import annotations

import os
from datetime import datetime

try:
    from airflow.sdk import DAG, TaskGroup, task
except ImportError:  # Airflow 2.10
    from airflow import DAG
    from airflow.decorators import task
    from airflow.utils.task_group import TaskGroup

__all__ = ["DAG", "PROJECT", "START", "TaskGroup", "setting", "task"]

START = datetime(2024, 1, 1)


def setting(name: str, default: str = "") -> str:
    return os.environ.get(f"DOMINO_AF_{name}", default)


PROJECT = setting("PROJECT", "admin/quick-start")
