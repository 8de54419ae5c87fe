"""Pipelines of Domino jobs: one YAML definition, run locally or as an Airflow DAG.

Inside a job, :func:`set_outputs` hands values to later steps (standard library only). The
rest (loading, validation, the runner) needs the ``pipelines`` extra::

    pip install 'dominodatalab[pipelines]'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domino.pipelines.outputs import OutputsError, set_outputs

if TYPE_CHECKING:
    from domino.pipelines.errors import PipelineError, PipelineRunError, PipelineValidationError
    from domino.pipelines.pipeline import Pipeline
    from domino.pipelines.validate import load_pipeline

__all__ = [
    "OutputsError",
    "Pipeline",
    "PipelineError",
    "PipelineRunError",
    "PipelineValidationError",
    "load_pipeline",
    "set_outputs",
]

_LAZY = {
    "PipelineError": "domino.pipelines.errors",
    "PipelineRunError": "domino.pipelines.errors",
    "PipelineValidationError": "domino.pipelines.errors",
    "Pipeline": "domino.pipelines.pipeline",
    "load_pipeline": "domino.pipelines.validate",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'domino.pipelines' has no attribute {name!r}")
