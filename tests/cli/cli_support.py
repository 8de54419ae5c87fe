"""Constants and helpers of the command-line tests (imported as a plain module)."""

from __future__ import annotations

from typing import Any

HOST = "http://domino.test:8899"
KEY = "cli-test-key-123"
PROJECT = "alice/churn"
PROJECT_ID = "aabbccddeeff001122334455"
JOB_ID = "aabbccddeeff001122330000"
START = f"{HOST}/v4/jobs/start"
JOB = f"{HOST}/v4/jobs/{JOB_ID}"
STOP = f"{HOST}/v4/jobs/stop"
STDOUT = f"{HOST}/v1/projects/alice/churn/run/{JOB_ID}/stdout"
FIND_PROJECT = f"{HOST}/v4/gateway/projects/findProjectByOwnerAndName"


def job(status: str, *, number: int = 7, command: str = "train.py") -> dict[str, Any]:
    return {
        "id": JOB_ID,
        "number": number,
        "jobRunCommand": command,
        "statuses": {"isCompleted": status in ("Succeeded", "Failed"), "executionStatus": status},
        "stageTime": {"submissionTime": 1700000000000, "runStartTime": None},
    }
