"""Bad arguments raise InvalidArgumentError: a DominoException and the public client's ValueError,
naming the bad value, before any request is sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests_mock

from domino import Domino
from domino.exceptions import DominoException, InvalidArgumentError

CASES: dict[str, tuple[Callable[[Domino], Any], str]] = {
    "missing local upload path": (
        lambda d: d.datasets_upload_files("a" * 24, "/no/such/folder-xyz"),
        "/no/such/folder-xyz",
    ),
    "unknown collision setting": (
        lambda d: d.datasets_upload_files("a" * 24, ".", file_upload_setting="Merge"),
        "Merge",
    ),
    "old and new keyword together": (
        lambda d: d.runs_start(["main.py"], is_direct=True, isDirect=True),
        "isDirect",
    ),
    "branch with commit_id": (
        lambda d: d.job_start("main.py", commit_id="c" * 40, branch="main"),
        "branch",
    ),
    "app commit_id with branch": (
        lambda d: d.app_publish(commit_id="c" * 40, branch="main"),
        "branch",
    ),
    # checked before the job/run is started, so no execution is left running unwatched
    "job_start_blocking with poll_freq 0": (
        lambda d: d.job_start_blocking(poll_freq=0, command="main.py"),
        "poll_freq=0",
    ),
    "runs_start_blocking with a negative max_poll_time": (
        lambda d: d.runs_start_blocking(["main.py"], max_poll_time=-1),
        "max_poll_time=-1",
    ),
    "request_manager with a relative url": (
        lambda d: d.request_manager.get("v4/jobs"),
        "v4/jobs",
    ),
    "collaborator lookup for None": (lambda d: d.collaborators_add(None), "None"),
    "files_upload without a path": (lambda d: d.files_upload(None, b"x"), "None"),
    "blobs_get_v2 with a non-string path": (lambda d: d.blobs_get_v2(7, "c1", "p1"), "7"),
    "upload into dataset None": (lambda d: d.datasets_upload_files(None, "."), "dataset_id"),
    "runs_start_blocking with poll_freq as text": (
        lambda d: d.runs_start_blocking(["main.py"], poll_freq="5"),
        "poll_freq='5'",
    ),
    # an empty id made the public client's URL the collection's (GET /v4/jobs/ is the job list,
    # /runs/ a 405): refused here, naming the argument
    "job_status('')": (lambda d: d.job_status(""), "job_id"),
    "job_status(None)": (lambda d: d.job_status(None), "job_id"),
    "job_stop(' ')": (lambda d: d.job_stop(" "), "job_id"),
    "job_restart('')": (lambda d: d.job_restart(""), "job_id"),
    "job_runtime_execution_details('')": (
        lambda d: d.job_runtime_execution_details(""),
        "job_id",
    ),
    "runs_status('')": (lambda d: d.runs_status(""), "run_id"),
    "runs_stdout('')": (lambda d: d.runs_stdout(""), "run_id"),
    "get_run_log(None)": (lambda d: d.get_run_log(None), "run_id"),
    "datasets_details('')": (lambda d: d.datasets_details(""), "dataset_id"),
    "datasets_update_details('')": (
        lambda d: d.datasets_update_details("", dataset_name="x"),
        "dataset_id",
    ),
    # JSON has no NaN: requests raised its own InvalidJSONError from inside the call
    "log_metric with a NaN value": (
        lambda d: d.custom_metrics_client().log_metric("m1", "acc", float("nan"), "2024-01-01"),
        "nan",
    ),
    "trigger_alert with an infinite limit": (
        lambda d: d.custom_metrics_client().trigger_alert(
            "m1", "acc", 0.5, condition="lessThan", upper_limit=float("inf")
        ),
        "upper_limit",
    ),
    # list("abc") sent ["a", "b", "c"]: a lone string where a list belongs is refused
    "create_environment with tags as a string": (
        lambda d: d.create_environment("e", "Private", base_image="i", tags="gpu"),
        "tags",
    ),
    "create_environment_revision with a dict of variables": (
        lambda d: d.create_environment_revision(
            "e" * 24, base_image="i", environment_variables={"A": "1"}
        ),
        "environment_variables",
    ),
    "model_publish with files_to_exclude as a string": (
        lambda d: d.model_publish("m.py", "f", None, "m", "d", files_to_exclude="data.csv"),
        "files_to_exclude",
    ),
    "billing_tags_create(None)": (lambda d: d.billing_tags_create(None), "tags_list"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_argument_is_a_typed_value_error_sent_before_any_request(
    case: str, client: Domino, wire: requests_mock.Mocker
) -> None:
    call, named = CASES[case]
    with pytest.raises(InvalidArgumentError) as caught:
        call(client)
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, DominoException)
    assert named in str(caught.value)
    assert wire.call_count == 0
