"""Malformed 2xx answers on the main paths raise UnexpectedResponseError (also a KeyError).

The public client indexed answers directly and raised a bare KeyError/TypeError/AttributeError
from deep inside; this client names the request and the missing field instead, and never
keeps polling an answer that can never show completion.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests_mock
from wire_support import HOST, PROJECT_ID, FakeTime, calls

from domino import Domino
from domino.exceptions import DominoException, UnexpectedResponseError

RUNS = f"{HOST}/v1/projects/alice/churn/runs"
RUN_ID = "5f0000000000000000000001"
STDOUT = f"{HOST}/v1/projects/alice/churn/run/{RUN_ID}/stdout"
JOB_ID = "aabbccddeeff001122330000"
JOB = f"{HOST}/v4/jobs/{JOB_ID}"


def test_unexpected_response_error_is_a_key_error_with_a_readable_message() -> None:
    error = UnexpectedResponseError("GET /x: the server's answer has no 'data' field")
    assert isinstance(error, KeyError) and isinstance(error, DominoException)
    assert str(error) == "GET /x: the server's answer has no 'data' field"


def test_job_start_blocking_fails_at_once_when_job_status_has_no_statuses(
    client: Domino, wire: requests_mock.Mocker, fake_time: FakeTime
) -> None:
    wire.post(f"{HOST}/v4/jobs/start", json={"id": JOB_ID})
    wire.get(JOB, json={"id": JOB_ID, "number": 3})
    with pytest.raises(UnexpectedResponseError, match=f"job {JOB_ID}.*'statuses'") as info:
        client.job_start_blocking(command="main.py")
    assert isinstance(info.value, KeyError)
    # one status check, no waiting until max_poll_time
    assert len(calls(wire, "GET", JOB)) == 1
    assert fake_time.now == 0


def test_job_start_blocking_without_job_id_names_the_start_request(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.post(f"{HOST}/v4/jobs/start", json={"number": 3})
    with pytest.raises(UnexpectedResponseError, match="POST /v4/jobs/start.*'id'"):
        client.job_start_blocking(command="main.py")


def test_get_run_info_without_data_raises_typed_key_error(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(RUNS, json={"objectType": "list"})
    with pytest.raises(UnexpectedResponseError, match="'data'"):
        client.get_run_info(RUN_ID)


def test_runs_start_blocking_without_run_id_raises_typed_error(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.post(RUNS, json={"message": "started"})
    with pytest.raises(UnexpectedResponseError, match="'runId'"):
        client.runs_start_blocking(["main.py"])


@pytest.mark.parametrize("body", [[], "text", None])
def test_run_output_that_is_not_an_object_raises_typed_error(
    client: Domino, wire: requests_mock.Mocker, body: Any
) -> None:
    if body is None:
        wire.get(STDOUT, content=b"")
    else:
        wire.get(STDOUT, json=body)
    with pytest.raises(UnexpectedResponseError, match="expected a JSON object"):
        client.runs_stdout(RUN_ID)
    with pytest.raises(UnexpectedResponseError, match="expected a JSON object"):
        client.get_run_log(RUN_ID)


def test_tags_list_without_tags_raises_typed_key_error(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/v4/projects/{PROJECT_ID}", json={"id": PROJECT_ID})
    with pytest.raises(UnexpectedResponseError, match="'tags'"):
        client.tags_list()


def test_datasets_names_with_an_entry_lacking_its_name_raises_typed_key_error(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/dataset", json=[{"datasetId": "d1"}])
    with pytest.raises(UnexpectedResponseError, match="'datasetName'"):
        client.datasets_names(PROJECT_ID)


def test_get_user_id_with_users_answer_not_a_list_raises_typed_error(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/v4/users", json={"users": []})
    with pytest.raises(UnexpectedResponseError, match="expected a JSON array"):
        client.get_user_id("bob")


def test_app_status_and_app_id_with_malformed_answers_raise_typed_errors(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/v4/modelProducts/app1", json=["Running"])
    with pytest.raises(UnexpectedResponseError, match="expected a JSON object"):
        client.app_get_status("app1")
    wire.get(f"{HOST}/v4/modelProducts", json={"id": "app1"})
    with pytest.raises(UnexpectedResponseError, match="expected a JSON array"):
        _ = client.app_id


def test_files_download_with_a_commit_entry_without_id_raises_typed_key_error(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/v1/projects/alice/churn/commits", json=[{"sha": "c1"}])
    with pytest.raises(UnexpectedResponseError, match="commits list.*'id'"):
        client.files_download("/README.md")


def test_runs_start_blocking_with_a_run_status_that_is_not_an_object_raises_typed_error(
    client: Domino, wire: requests_mock.Mocker, fake_time: FakeTime
) -> None:
    wire.post(RUNS, json={"runId": RUN_ID})
    wire.get(f"{RUNS}/{RUN_ID}", json=["Running"])
    with pytest.raises(UnexpectedResponseError, match="expected a JSON object"):
        client.runs_start_blocking(["main.py"])
