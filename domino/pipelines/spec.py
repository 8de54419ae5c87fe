"""The pipeline spec: Pydantic models with ``extra="forbid"`` (the YAML names are fixed).

These models check shapes and scalar types; :mod:`domino.pipelines.validate` adds the checks
that need the whole file (graph, references, matrix size, schedule) and the positions.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

__all__ = [
    "Defaults",
    "OUTPUT_TYPES",
    "Param",
    "PipelineSpec",
    "Retries",
    "Schedule",
    "StepSpec",
    "StepTemplate",
    "TRIGGER_RULES",
    "TemplateInput",
    "parse_duration",
]

TriggerRule = Literal[
    "all_success",
    "all_failed",
    "all_done",
    "all_skipped",
    "one_success",
    "one_failed",
    "one_done",
    "none_failed",
    "none_failed_min_one_success",
    "none_skipped",
    "always",
]
TRIGGER_RULES: tuple[str, ...] = get_args(TriggerRule)
ValueType = Literal[
    "str",
    "int",
    "float",
    "bool",
    "date",
    "list",
    "dict",
    "list[str]",
    "list[int]",
    "list[float]",
    "list[bool]",
]
OUTPUT_TYPES: tuple[str, ...] = get_args(ValueType)
RetryOn = Literal["error", "failed", "timeout"]

_DURATION = re.compile(
    r"^\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m)?\s*(?:(\d+(?:\.\d+)?)\s*s?)?\s*$"
)


def parse_duration(value: Any) -> float:
    """Seconds from ``90``, ``"90s"``, ``"15m"``, ``"2h"``, ``"1h30m"``; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"duration must not be negative: {value!r}")
        return float(value)
    if isinstance(value, str) and value.strip():
        match = _DURATION.match(value)
        if match and any(match.groups()):
            hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
            return hours * 3600 + minutes * 60 + seconds
    raise ValueError(f"not a duration: {value!r} (use e.g. 90, '90s', '15m', '2h', '1h30m')")


def _duration(value: Any) -> float:
    return parse_duration(value)


def _str_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Duration = Annotated[float, BeforeValidator(_duration)]
Needs = Annotated[list[str], BeforeValidator(_str_list)]


def _all_failures() -> list[RetryOn]:
    return ["error", "failed", "timeout"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=False, frozen=True)


class Retries(_Model):
    count: int = Field(default=0, ge=0, le=50)
    delay: Duration = 0.0
    backoff: float = Field(default=1.0, ge=1.0, le=10.0)
    on: list[RetryOn] = Field(default_factory=_all_failures)


class Param(_Model):
    type: ValueType = "str"
    default: Any = None
    description: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    enum: list[Any] | None = None


class Schedule(_Model):
    cron: str
    timezone: str = "UTC"
    catchup: bool = False
    max_active_runs: int = Field(default=1, ge=1, le=64)


class Defaults(_Model):
    hardware_tier: str | None = None
    environment: str | None = None
    commit: str | None = None
    retries: Retries | None = None
    timeout: Duration | None = None


class StepSpec(_Model):
    command: str | None = None
    needs: Needs = Field(default_factory=list)
    if_: str | bool | None = Field(None, alias="if")
    trigger_rule: TriggerRule = "all_success"
    allow_failure: bool = False
    outputs: dict[str, ValueType] = Field(default_factory=dict)
    matrix: dict[str, list[Any] | str] | None = None
    max_parallel: int | None = Field(default=None, ge=1, le=256)
    fail_fast: bool = True
    commit: str | None = None
    hardware_tier: str | None = None
    environment: str | None = None
    retries: Retries | None = None
    timeout: Duration | None = None
    uses: str | None = None
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")
    description: str | None = None


class TemplateInput(_Model):
    type: ValueType = "str"
    default: Any = None
    description: str | None = None


class StepTemplate(_Model):
    """A reusable step (``uses: steps/train.yaml``): typed inputs, a command and outputs."""

    description: str | None = None
    inputs: dict[str, TemplateInput] = Field(default_factory=dict)
    command: str
    outputs: dict[str, ValueType] = Field(default_factory=dict)
    hardware_tier: str | None = None
    environment: str | None = None
    timeout: Duration | None = None
    retries: Retries | None = None


class PipelineSpec(_Model):
    pipeline: str
    description: str | None = None
    project: str
    params: dict[str, Param] = Field(default_factory=dict)
    defaults: Defaults = Field(default_factory=Defaults)
    schedule: Schedule | None = None
    steps: dict[str, StepSpec]

    @field_validator("steps")
    @classmethod
    def _some_steps(cls, value: dict[str, StepSpec]) -> dict[str, StepSpec]:
        if not value:
            raise ValueError("a pipeline needs at least one step")
        return value


def field_names(model: type[BaseModel]) -> list[str]:
    """The YAML keys a model accepts (aliases where they exist)."""
    return [info.alias or name for name, info in model.model_fields.items()]
