"""Airflow provider for Domino: operators, a deferrable trigger, a hook and an extra link.

Works on Airflow 3.x and 2.10+ (extra ``dominodatalab[airflow]``)::

    from domino.airflow import DominoJobOperator

    train = DominoJobOperator(task_id="train", project="alice/churn", command="train.py")

Names are loaded on first use, so importing this package in a DAG file costs next to nothing
beyond Airflow itself.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from domino.airflow.hooks import DominoHook
    from domino.airflow.links import DominoJobLink
    from domino.airflow.operators import DominoJobOperator, DominoOperator, DominoSparkOperator
    from domino.airflow.triggers import DominoJobTrigger
    from domino.pipelines.airflow_dag import pipeline_dag

__all__ = [
    "DominoHook",
    "DominoJobLink",
    "DominoJobOperator",
    "DominoJobTrigger",
    "DominoOperator",
    "DominoSparkOperator",
    "pipeline_dag",
]

_HOMES = {
    "DominoHook": "domino.airflow.hooks",
    "DominoJobLink": "domino.airflow.links",
    "DominoJobOperator": "domino.airflow.operators",
    "DominoOperator": "domino.airflow.operators",
    "DominoSparkOperator": "domino.airflow.operators",
    "DominoJobTrigger": "domino.airflow.triggers",
    "pipeline_dag": "domino.pipelines.airflow_dag",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'domino.airflow' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
