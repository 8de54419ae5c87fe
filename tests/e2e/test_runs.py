"""Executions through the legacy v1 runs API: start, list, status, logs, stop, blocking waits."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from e2e_support import POLL, commit_ids, wait_for

import domino
from domino.exceptions import PollTimeoutError, RunFailedException

HELLO = """\
import sys
print("hello from run", *sys.argv[1:])
"""

FAIL = """\
import sys
print("about to fail")
print("boom: the answer was wrong", file=sys.stderr)
sys.exit(3)
"""

SLOW = """\
import time
print("started", flush=True)
time.sleep(120)
print("never printed")
"""

TERMINAL = {"Succeeded", "Failed", "Stopped", "Error"}


def _status(client: domino.Domino, run_id: str) -> dict[str, Any]:
    return client.runs_status(run_id)


def test_runs_start_returns_a_run_id_visible_in_list_and_status(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("hello.py", HELLO)

    started = client.runs_start(["hello.py", "a", "b"], title="first")

    run_id = started["runId"]
    assert re.fullmatch(r"[0-9a-f]{24}", run_id)
    listed = client.runs_list()
    assert listed["objectType"] == "list"
    assert run_id in [run["id"] for run in listed["data"]]
    status = _status(client, run_id)
    assert status["id"] == run_id
    assert status["title"] == "first"
    final = wait_for(
        lambda: _status(client, run_id), lambda s: s["status"] in TERMINAL, what="run end"
    )
    assert final["status"] == "Succeeded"
    assert final["outputCommitId"]
    assert final["completed"] is not None


def test_runs_stdout_and_get_run_log_return_what_the_run_printed(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("hello.py", HELLO)
    run_id = client.runs_start_blocking(["hello.py", "x", "y"], poll_freq=POLL, max_poll_time=60)[
        "runId"
    ]

    assert "hello from run x y" in client.runs_stdout(run_id)
    assert "hello from run x y" in client.get_run_log(run_id, include_setup_log=False)
    assert "hello from run x y" in client.get_run_log(run_id)


def test_runs_start_blocking_ends_in_succeeded(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("hello.py", HELLO)

    started = client.runs_start_blocking(["hello.py"], poll_freq=POLL, max_poll_time=60)

    assert set(started) >= {"runId", "message"}
    assert _status(client, started["runId"])["status"] == "Succeeded"


def test_runs_start_blocking_of_a_failing_run_raises_with_id_status_and_output(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("fail.py", FAIL)

    with pytest.raises(RunFailedException) as excinfo:
        client.runs_start_blocking(["fail.py"], poll_freq=POLL, max_poll_time=60)

    err = excinfo.value
    assert err.status == "Failed"
    assert err.run_id and re.fullmatch(r"[0-9a-f]{24}", err.run_id)
    assert err.run_id in str(err)
    assert "boom: the answer was wrong" in (err.output_tail or "")
    assert _status(client, err.run_id)["status"] == "Failed"


def test_direct_command_runs_through_the_shell(client: domino.Domino) -> None:
    started = client.runs_start_blocking(
        ["echo direct-$((40+2))"], is_direct=True, poll_freq=POLL, max_poll_time=60
    )

    assert "direct-42" in client.runs_stdout(started["runId"])


def test_run_stop_stops_a_running_run(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("slow.py", SLOW)
    run_id = client.runs_start(["slow.py"])["runId"]
    wait_for(
        lambda: client.runs_stdout(run_id), lambda out: "started" in out, what="slow run output"
    )

    client.run_stop(run_id)

    final = wait_for(
        lambda: _status(client, run_id), lambda s: s["status"] in TERMINAL, what="run stop"
    )
    assert final["status"] == "Stopped"
    assert final["outputCommitId"]
    assert "never printed" not in client.runs_stdout(run_id)


def test_runs_list_is_newest_first(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("hello.py", HELLO)
    first = client.runs_start_blocking(["hello.py", "1"], poll_freq=POLL)["runId"]
    second = client.runs_start_blocking(["hello.py", "2"], poll_freq=POLL)["runId"]

    ids = [run["id"] for run in client.runs_list()["data"]]

    assert ids.index(second) < ids.index(first)


def test_run_of_a_missing_script_fails_and_says_why(client: domino.Domino) -> None:
    with pytest.raises(RunFailedException) as excinfo:
        client.runs_start_blocking(["no_such_script.py"], poll_freq=POLL, max_poll_time=60)

    assert excinfo.value.status == "Error"
    assert "no_such_script.py" in (excinfo.value.output_tail or "") + str(excinfo.value)


def test_a_notebook_run_ends_in_error_saying_notebooks_cannot_run(
    client: domino.Domino, upload: Callable[[str, str | bytes], None]
) -> None:
    """README (local server, Not there yet): `.ipynb` executions end in Error."""
    upload("analysis.ipynb", '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    with pytest.raises(RunFailedException) as excinfo:
        client.runs_start_blocking(["analysis.ipynb"], poll_freq=POLL, max_poll_time=60)
    assert excinfo.value.status == "Error"
    assert "notebooks cannot be run" in (excinfo.value.output_tail or "") + str(excinfo.value)


def test_runs_start_with_an_older_commit_runs_that_commits_code(client: domino.Domino) -> None:
    client.files_upload("/v.py", b"print('code version one')\n")
    first = commit_ids(client.commits_list())[0]
    client.files_upload("/v.py", b"print('code version two')\n")

    pinned = client.runs_start_blocking(["v.py"], commit_id=first, poll_freq=POLL)
    latest = client.runs_start_blocking(["v.py"], poll_freq=POLL)

    assert "code version one" in client.runs_stdout(pinned["runId"])
    assert "code version two" in client.runs_stdout(latest["runId"])
    assert _status(client, pinned["runId"])["commitId"] == first


def test_camel_case_keywords_still_work_with_a_deprecation_warning(client: domino.Domino) -> None:
    with pytest.warns(DeprecationWarning, match="isDirect"):
        started = client.runs_start_blocking(["echo camel-ok"], isDirect=True, poll_freq=POLL)

    with pytest.warns(DeprecationWarning, match="runId"):
        out = client.runs_stdout(runId=started["runId"])
    assert "camel-ok" in out


def test_process_log_replays_the_run_output_into_the_domino_logger(
    client: domino.Domino,
    upload: Callable[[str, str], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    upload("hello.py", HELLO)
    run_id = client.runs_start_blocking(["hello.py", "logged"], poll_freq=POLL)["runId"]
    log = client.get_run_log(run_id, include_setup_log=False)

    with caplog.at_level(logging.INFO, logger="domino"):
        client.process_log(log)

    replayed = [r.getMessage() for r in caplog.records if r.name.startswith("domino")]
    assert "hello from run logged" in replayed


def test_blocking_wait_past_its_deadline_raises_a_timeout_error(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("slow.py", SLOW)

    with pytest.raises(TimeoutError) as excinfo:
        client.runs_start_blocking(["slow.py"], poll_freq=POLL, max_poll_time=1.5)

    assert isinstance(excinfo.value, PollTimeoutError)
    # The run itself is still going; the waiter gave up, not the server. Clean it up.
    running = [r for r in client.runs_list()["data"] if r["status"] not in TERMINAL]
    assert len(running) == 1
    client.run_stop(running[0]["id"])
    wait_for(
        lambda: _status(client, running[0]["id"]),
        lambda s: s["status"] in TERMINAL,
        what="timed-out run stopped",
    )


def test_runs_stdout_keeps_plain_text_that_mentions_span_and_non_ascii(
    client: domino.Domino,
) -> None:
    client.files_upload(
        "/talk.py", "print('the lifespan of a run > 0, \u00e9t\u00e9 \u2603')\n".encode()
    )

    run_id = client.runs_start_blocking(["talk.py"], poll_freq=POLL)["runId"]

    assert "the lifespan of a run > 0, \u00e9t\u00e9 \u2603" in client.runs_stdout(run_id)
