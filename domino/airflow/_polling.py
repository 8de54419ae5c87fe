"""What the operator's wait loop and the trigger share: status parsing and the poll schedule.

The pause between two status checks grows with the job's age — a tenth of the time waited so
far, at least a quarter of a second and at most ``poll_freq`` — so a job's end is noticed within
max(0.25 s, 10 % of its runtime) up to the ``poll_freq`` cap, without hammering the API for
long jobs.
"""

from __future__ import annotations

from typing import Any

from domino._schedule import MIN_INTERVAL, interval

__all__ = [
    "MIN_INTERVAL",
    "SUCCESS",
    "TERMINAL",
    "execution_status",
    "is_terminal",
    "is_transient",
    "next_interval",
    "output_commit_id",
]

SUCCESS = "Succeeded"
#: statuses after which an execution never changes again
TERMINAL = frozenset({"Succeeded", "Failed", "Error", "Stopped"})
#: seconds to pause before the next status check, ``waited`` seconds into the wait (the client's
#: schedule, see domino._schedule)
next_interval = interval


def execution_status(job: Any) -> str | None:
    """``statuses.executionStatus`` of a v4 job object (``None`` if the answer has none)."""
    statuses = job.get("statuses") if isinstance(job, dict) else None
    status = statuses.get("executionStatus") if isinstance(statuses, dict) else None
    return None if status is None else str(status)


def is_terminal(job: Any) -> bool:
    statuses = job.get("statuses") if isinstance(job, dict) else None
    return execution_status(job) in TERMINAL or bool(
        isinstance(statuses, dict) and statuses.get("isCompleted")
    )


def output_commit_id(job: Any) -> str | None:
    details = job.get("commitDetails") if isinstance(job, dict) else None
    commit = details.get("outputCommitId") if isinstance(details, dict) else None
    return None if commit is None else str(commit)


def is_transient(exc: BaseException) -> bool:
    """Whether waiting may cure ``exc``: network trouble, 5xx, 408 and 429 (not other 4xx, bad
    credentials or bad configuration)."""
    import requests

    from domino.exceptions import ConfigurationError, DominoHTTPError, ReloginRequiredException

    if isinstance(exc, ConfigurationError | ReloginRequiredException):
        return False
    if isinstance(exc, DominoHTTPError):
        status = exc.status_code or 0
        return status >= 500 or status in (408, 429)
    return isinstance(exc, requests.RequestException | OSError)
