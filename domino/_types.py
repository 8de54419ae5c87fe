"""Documented shapes of the JSON the client returns (domino-api.md §4–§13).

Results are plain ``dict`` objects, exactly as the server sent them, so existing code that
indexes them keeps working; these ``TypedDict`` classes only tell type checkers and IDEs which
keys to expect. ``total=False`` because servers differ in which optional keys they include.
"""

from __future__ import annotations

from typing import Any, TypedDict

__all__ = [
    "DatasetSummary",
    "HardwareTier",
    "HardwareTierEntry",
    "Job",
    "JobStatuses",
    "Run",
    "RunStartResult",
    "Tag",
    "VersionInfo",
]


class VersionInfo(TypedDict, total=False):
    """``GET /version``."""

    version: str
    buildId: str
    buildUrl: str
    commitId: str
    commitUrl: str
    timestamp: str


class RunStartResult(TypedDict, total=False):
    """Answer of ``runs_start`` / ``runs_start_blocking``."""

    runId: str
    message: str


class Run(TypedDict, total=False):
    """A v1 run (``runs_status``, elements of ``runs_list()["data"]``)."""

    id: str
    projectId: str
    number: int
    status: str  # Queued ... Running ... Succeeded | Failed | Error | Stopped
    commitId: str
    outputCommitId: str | None
    title: str | None
    queued: int | None
    started: int | None
    completed: int | None
    isCompleted: bool
    hardwareTierId: str


class JobStatuses(TypedDict, total=False):
    isCompleted: bool
    isArchived: bool
    isScheduled: bool
    executionStatus: str


class Job(TypedDict, total=False):
    """A v4 job (``job_start``, ``job_status``, ``job_start_blocking``)."""

    id: str
    number: int
    projectId: str
    title: str | None
    jobRunCommand: str
    statuses: JobStatuses
    commitDetails: dict[str, Any]
    stageTime: dict[str, Any]
    mainRepoGitRef: dict[str, Any] | None


class HardwareTier(TypedDict, total=False):
    id: str
    name: str
    cores: float
    memory: float
    isDefault: bool


class HardwareTierEntry(TypedDict, total=False):
    """An element of ``hardware_tiers_list()``."""

    hardwareTier: HardwareTier
    capacity: dict[str, Any]


class Tag(TypedDict, total=False):
    """An element of ``tags_list()``."""

    id: str
    name: str
    isApproved: bool


class DatasetSummary(TypedDict, total=False):
    """An element of ``datasets_list()``; ``datasets_details`` adds ``created``, ``snapshots``."""

    datasetId: str
    datasetName: str
    description: str
    projectId: str
