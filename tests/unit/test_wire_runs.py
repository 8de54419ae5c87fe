"""v1 runs, run output and the blocking run waiter (domino-api.md §8)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import requests_mock
from wire_support import HOST, FakeTime, api_calls, calls

from domino import Domino, exceptions

RUNS = f"{HOST}/v1/projects/alice/churn/runs"
RUN_ID = "5f0000000000000000000001"
RUN = f"{RUNS}/{RUN_ID}"
STDOUT = f"{HOST}/v1/projects/alice/churn/run/{RUN_ID}/stdout"
START_ANSWER = {"runId": RUN_ID, "message": "Run started"}
PRE = (
    "<pre style='white-space: pre-wrap; white-space: -moz-pre-wrap; white-space: -pre-wrap; "
    "white-space: -o-pre-wrap; word-wrap: break-word; word-wrap: break-all;'>"
)


def run(status: str, output_commit: str | None = None) -> dict[str, Any]:
    return {"id": RUN_ID, "status": status, "outputCommitId": output_commit}


# ---------------------------------------------------------------------- list / start / status


def test_runs_list_returns_parsed_json(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(RUNS, json={"objectType": "list", "data": [run("Running")]})
    assert client.runs_list()["data"][0]["id"] == RUN_ID
    assert api_calls(wire) == [("GET", RUNS)]


def test_runs_start_sends_all_six_keys(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.post(RUNS, json=START_ANSWER)
    answer = client.runs_start(["main.py", "arg"], True, "c0ffee", "nightly", "Small", False)
    assert answer == START_ANSWER
    assert api_calls(wire) == [("POST", RUNS)]
    assert wire.last_request.headers["Content-Type"] == "application/json"
    assert wire.last_request.json() == {
        "command": ["main.py", "arg"],
        "isDirect": True,
        "commitId": "c0ffee",
        "title": "nightly",
        "tier": "Small",
        "publishApiEndpoint": False,
    }


def test_runs_start_defaults_send_nulls(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.post(RUNS, json=START_ANSWER)
    client.runs_start(["main.py"])
    assert wire.last_request.json() == {
        "command": ["main.py"],
        "isDirect": False,
        "commitId": None,
        "title": None,
        "tier": None,
        "publishApiEndpoint": None,
    }


def test_runs_start_409_raises_relogin_required_and_is_not_retried(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.post(RUNS, status_code=409, json={"redirectPath": "/"})
    with pytest.raises(exceptions.ReloginRequiredException):
        client.runs_start(["main.py"])
    assert len(calls(wire, "POST")) == 1


def test_runs_start_5xx_is_never_repeated(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.post(RUNS, status_code=503, text="busy")
    with pytest.raises(exceptions.ServerError):
        client.runs_start(["main.py"])
    assert len(calls(wire, "POST")) == 1


def test_runs_status_gets_one_run(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(RUN, json=run("Running"))
    assert client.runs_status(RUN_ID)["status"] == "Running"
    assert api_calls(wire) == [("GET", RUN)]


def test_run_id_is_url_quoted(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(f"{RUNS}/a%23b", json={})
    client.runs_status("a#b")
    assert wire.last_request.url == f"{RUNS}/a%23b"


# ---------------------------------------------------------------------- stdout and logs


def test_runs_stdout_strips_domino_pre_and_span_wrapping(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    raw = PRE + "<span class='text-info'>hello</span>\nx &lt; y\n</pre>"
    wire.get(STDOUT, json={"setup": "", "stdout": raw})
    assert client.runs_stdout(RUN_ID) == "hello\nx < y\n"
    assert api_calls(wire) == [("GET", STDOUT)]


def test_runs_stdout_keeps_plain_text_containing_the_word_span(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    text = "time span of 3 days -> ok\nspanning trees > 2\n"
    wire.get(STDOUT, json={"setup": "", "stdout": text})
    assert client.runs_stdout(RUN_ID) == text


def test_runs_stdout_turns_escaped_newline_marker_into_newline(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(STDOUT, json={"setup": "", "stdout": PRE + "a'\\n'\nb</pre>"})
    assert client.runs_stdout(RUN_ID) == "a\nb"


def test_get_run_log_uses_one_get_for_setup_and_stdout(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(STDOUT, json={"setup": "installing", "stdout": "done"})
    assert client.get_run_log(RUN_ID) == "installing\ndone"
    assert api_calls(wire) == [("GET", STDOUT)]


def test_get_run_log_without_setup(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(STDOUT, json={"setup": "installing", "stdout": "done"})
    assert client.get_run_log(RUN_ID, include_setup_log=False) == "done"


def test_get_run_log_tolerates_missing_setup_key(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(STDOUT, json={"stdout": "done"})
    assert client.get_run_log(RUN_ID) == "done"


def test_process_log_strips_html_and_uses_warning_for_text_danger(
    client: Domino, caplog: pytest.LogCaptureFixture
) -> None:
    log = (
        PRE
        + "<span class='text-danger'>boom &amp; bust</span>\n.\n\n<span>fine</span>\nplain</pre>"
    )
    with caplog.at_level(logging.INFO, logger="domino"):
        client.process_log(log)
    records = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "domino.domino"]
    assert records == [
        (logging.WARNING, "boom & bust"),
        (logging.INFO, "fine"),
        (logging.INFO, "plain"),
    ]


# Plain text is output as written, in every caller (one function decides: domino._output).
PLAIN = (
    'Traceback (most recent call last):\n  File "main.py", line 3, in <module>\n'
    "a<b and c>d &amp; <span>x</span> 'spanning'\n'\\n'\nValueError: boom"
)


def test_plain_output_is_byte_for_byte_in_stdout_log_replay_and_failure_tail(
    client: Domino,
    wire: requests_mock.Mocker,
    fake_time: FakeTime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wire.get(STDOUT, json={"setup": "", "stdout": PLAIN})
    assert client.runs_stdout(RUN_ID) == PLAIN
    assert client.get_run_log(RUN_ID, include_setup_log=False) == PLAIN
    wire.post(RUNS, json=START_ANSWER)
    wire.get(RUN, json=run("Failed"))
    with (
        caplog.at_level(logging.INFO, logger="domino"),
        pytest.raises(exceptions.RunFailedException) as info,
    ):
        client.runs_start_blocking(["main.py"])
    assert info.value.output_tail == PLAIN
    assert PLAIN in str(info.value)
    replayed = [r.getMessage() for r in caplog.records if r.name == "domino.domino"]
    assert "\n".join(replayed) == PLAIN


def test_get_run_log_and_runs_stdout_agree_on_enveloped_output(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    raw = PRE + "<span class='text-danger'>x &lt; y</span>\n</pre>"
    wire.get(STDOUT, json={"setup": "", "stdout": raw})
    assert client.runs_stdout(RUN_ID) == "x < y\n"
    assert client.get_run_log(RUN_ID, include_setup_log=False) == client.runs_stdout(RUN_ID)


def test_process_log_makes_no_request(client: Domino, wire: requests_mock.Mocker) -> None:
    client.process_log("a\nb")
    assert wire.request_history == []


# ---------------------------------------------------------------------- runs_start_blocking


def test_runs_start_blocking_polls_the_one_run_until_terminal(
    client: Domino, wire: requests_mock.Mocker, fake_time: FakeTime
) -> None:
    wire.post(RUNS, json=START_ANSWER)
    wire.get(
        RUN,
        [
            {"json": run("Queued")},
            {"json": run("Running")},
            # Succeeded without an output commit still counts as finished
            {"json": run("Succeeded")},
        ],
    )
    assert client.runs_start_blocking(["main.py"], poll_freq=5) == START_ANSWER
    assert api_calls(wire) == [("POST", RUNS), ("GET", RUN), ("GET", RUN), ("GET", RUN)]
    assert calls(wire, "GET", RUNS) == []  # never downloads the whole run list
    assert all(pause <= 5 for pause in fake_time.sleeps)
    assert fake_time.sleeps[0] < 1  # first pause well under a second


@pytest.mark.parametrize("status", ["Failed", "Error", "Stopped"])
def test_runs_start_blocking_non_succeeded_raises_with_id_status_and_output_tail(
    client: Domino, wire: requests_mock.Mocker, fake_time: FakeTime, status: str
) -> None:
    wire.post(RUNS, json=START_ANSWER)
    wire.get(RUN, json=run(status))  # no outputCommitId: must not poll forever
    lines = "\n".join(f"line {i}" for i in range(30))
    wire.get(STDOUT, json={"setup": "setup", "stdout": lines})
    with pytest.raises(exceptions.RunFailedException) as info:
        client.runs_start_blocking(["main.py"])
    error = info.value
    assert error.run_id == RUN_ID and error.status == status
    assert RUN_ID in str(error) and status in str(error)
    assert "line 29" in str(error) and "line 10" in str(error) and "line 9\n" not in str(error)
    assert error.output_tail is not None and error.output_tail.splitlines()[0] == "line 10"
    assert len(calls(wire, "GET", STDOUT)) == 1


def test_runs_start_blocking_ctrl_c_says_the_run_is_still_running_and_how_to_stop_it(
    client: Domino, wire: requests_mock.Mocker, fake_time: FakeTime
) -> None:
    wire.post(RUNS, json=START_ANSWER)
    wire.get(RUN, [{"json": run("Running")}, {"exc": KeyboardInterrupt}])
    with pytest.raises(exceptions.WaitInterrupted) as info:
        client.runs_start_blocking(["main.py"])
    assert isinstance(info.value, KeyboardInterrupt) and info.value.execution_id == RUN_ID
    assert f"run {RUN_ID} of project alice/churn is still running" in str(info.value)
    assert f"domino job stop {RUN_ID} --project alice/churn" in str(info.value)


def test_runs_start_blocking_timeout_raises_poll_timeout_error(
    client: Domino, wire: requests_mock.Mocker, fake_time: FakeTime
) -> None:
    wire.post(RUNS, json=START_ANSWER)
    wire.get(RUN, json=run("Running"))
    with pytest.raises(exceptions.PollTimeoutError) as info:
        client.runs_start_blocking(["main.py"], poll_freq=1, max_poll_time=10)
    assert isinstance(info.value, TimeoutError)
    assert fake_time.now == pytest.approx(10)
    assert str(info.value).endswith("(last status: Running)")  # "status" once


def test_runs_start_blocking_tolerates_transient_errors_up_to_retry_count(
    client: Domino, wire: requests_mock.Mocker, fake_time: FakeTime
) -> None:
    wire.post(RUNS, json=START_ANSWER)
    wire.get(
        RUN,
        [
            {"status_code": 404, "json": {"message": "not yet"}},
            {"status_code": 502, "text": "bad gateway"},
            {"json": run("Succeeded", "c1")},
        ],
    )
    assert client.runs_start_blocking(["main.py"], retry_count=2) == START_ANSWER


def test_runs_start_blocking_gives_up_after_retry_count_consecutive_failures(
    client: Domino, wire: requests_mock.Mocker, fake_time: FakeTime
) -> None:
    wire.post(RUNS, json=START_ANSWER)
    wire.get(RUN, status_code=404, json={"message": "gone"})
    with pytest.raises(exceptions.PollRetriesExceededError):
        client.runs_start_blocking(["main.py"], retry_count=3)
    assert len(calls(wire, "GET", RUN)) == 4


def test_runs_start_blocking_relogin_propagates_at_once(
    client: Domino, wire: requests_mock.Mocker, fake_time: FakeTime
) -> None:
    wire.post(RUNS, json=START_ANSWER)
    wire.get(RUN, status_code=409)
    with pytest.raises(exceptions.ReloginRequiredException):
        client.runs_start_blocking(["main.py"])
    assert len(calls(wire, "GET", RUN)) == 1


def test_runs_start_blocking_start_409_propagates(
    client: Domino, wire: requests_mock.Mocker, fake_time: FakeTime
) -> None:
    wire.post(RUNS, status_code=409)
    with pytest.raises(exceptions.ReloginRequiredException):
        client.runs_start_blocking(["main.py"])
    assert calls(wire, "GET", RUN) == []


def test_runs_start_blocking_passes_start_arguments_positionally(
    client: Domino, wire: requests_mock.Mocker, fake_time: FakeTime
) -> None:
    wire.post(RUNS, json=START_ANSWER)
    wire.get(RUN, json=run("Succeeded", "c1"))
    client.runs_start_blocking(["m.py"], True, "c0", "t", "Large", True, 2, 60, 1)
    assert calls(wire, "POST")[0].json() == {
        "command": ["m.py"],
        "isDirect": True,
        "commitId": "c0",
        "title": "t",
        "tier": "Large",
        "publishApiEndpoint": True,
    }


def test_failed_run_whose_output_cannot_be_fetched_still_raises_run_failed(
    client: Domino, wire: requests_mock.Mocker, fake_time: FakeTime
) -> None:
    wire.post(RUNS, json=START_ANSWER)
    wire.get(RUN, json=run("Error"))
    wire.get(STDOUT, status_code=500, text="oops")
    with pytest.raises(exceptions.RunFailedException, match="output unavailable") as info:
        client.runs_start_blocking(["main.py"])
    assert info.value.status == "Error"
