"""The poll schedule and error classification the Airflow operators and trigger share
(``domino.airflow._polling`` needs no Airflow)."""

from __future__ import annotations

import pytest
import requests

from domino.airflow._polling import (
    execution_status,
    is_terminal,
    is_transient,
    next_interval,
    output_commit_id,
)
from domino.exceptions import (
    NoCredentialsError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
)


@pytest.mark.parametrize("runtime", [1, 5, 20, 60, 600, 6000])
def test_end_of_job_is_noticed_within_a_tenth_of_its_runtime_or_poll_freq(runtime: float) -> None:
    poll_freq = 5.0
    waited, checks = 0.0, 0
    while waited < runtime:  # the check at or after the job's end
        waited += next_interval(waited, poll_freq)
        checks += 1
    late = waited - runtime
    assert late <= max(0.25, min(poll_freq, 0.1 * runtime) + 1e-9)
    assert checks <= 4 * runtime + 10  # never a tight loop


def test_poll_interval_never_exceeds_poll_freq_nor_drops_below_a_quarter_second() -> None:
    assert next_interval(0, 5) == 0.25
    assert next_interval(10_000, 5) == 5
    assert next_interval(0, 0.1) == 0.1  # a poll_freq below the floor wins


def test_status_helpers_read_the_v4_job_object() -> None:
    job = {"statuses": {"executionStatus": "Running", "isCompleted": False}}
    assert execution_status(job) == "Running" and not is_terminal(job)
    done = {
        "statuses": {"executionStatus": "Succeeded", "isCompleted": True},
        "commitDetails": {"outputCommitId": "abc"},
    }
    assert is_terminal(done) and output_commit_id(done) == "abc"
    assert execution_status({}) is None and output_commit_id(None) is None


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (requests.ConnectionError("reset"), True),
        (requests.Timeout("slow"), True),
        (ServerError("boom", status_code=503), True),
        (RateLimitedError("slow down", status_code=429), True),
        (NotFoundError("gone", status_code=404), False),
        (UnauthorizedError("who", status_code=401), False),
        (NoCredentialsError("none"), False),
        (ValueError("bug"), False),
    ],
)
def test_only_errors_that_waiting_can_cure_are_transient(
    error: BaseException, transient: bool
) -> None:
    assert is_transient(error) is transient
