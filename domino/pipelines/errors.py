"""The errors of pipeline definitions and runs, each naming where in the YAML it comes from."""

from __future__ import annotations

from dataclasses import dataclass

from domino.exceptions import DominoException

__all__ = ["Issue", "PipelineError", "PipelineRunError", "PipelineValidationError", "Position"]


@dataclass(frozen=True)
class Position:
    """A place in a YAML file; ``line`` and ``column`` count from 1 (as editors do)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Issue:
    """One problem found by validation: ``code`` is a stable class name (``unknown-key``...)."""

    code: str
    message: str
    position: Position
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        return f"{self.position}: {self.severity}: {self.message} [{self.code}]"


class PipelineError(DominoException):
    """Base class of the pipeline errors."""


class PipelineValidationError(PipelineError, ValueError):
    """The pipeline definition is invalid; ``issues`` lists every error (and warning) found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        errors = [i for i in issues if i.severity == "error"]
        lines = "\n".join(str(i) for i in errors)
        super().__init__(f"{len(errors)} error(s) in the pipeline definition:\n{lines}")

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]


class PipelineRunError(PipelineError):
    """A run cannot be started, resumed or found (bad run id, parameter, state)."""
