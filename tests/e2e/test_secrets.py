"""The API key never shows up in logs, reprs, errors or execution logs during a real session."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from e2e_support import POLL

import domino
from domino.exceptions import RunFailedException


def test_a_whole_session_never_logs_or_shows_the_api_key(
    domino_server: Any, project: str, caplog: pytest.LogCaptureFixture, tmp_path: Any
) -> None:
    key = domino_server.api_key
    caplog.set_level(logging.DEBUG)  # root: our loggers, urllib3 and requests alike

    d = domino.Domino(project, api_key=key, host=domino_server.url)
    d.files_upload("/ok.py", b"print('fine')\n")
    d.files_upload("/bad.py", b"import sys\nprint('bad')\nsys.exit(1)\n")
    ok = d.job_start_blocking(command="ok.py", poll_freq=POLL, max_poll_time=60)
    with pytest.raises(RunFailedException) as failed:
        d.runs_start_blocking(["bad.py"], poll_freq=POLL, max_poll_time=60)
    setup_and_output = d.get_run_log(ok["id"], include_setup_log=True)
    bad = d.get_run_log(failed.value.run_id, include_setup_log=True)
    folder = tmp_path / "up"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "x.txt").write_text("x")
    dataset = d.datasets_create("secretless", "")
    d.datasets_upload_files(dataset["datasetId"], str(folder))

    shown = [repr(d), str(failed.value), repr(failed.value), setup_and_output, bad]
    shown += [record.getMessage() for record in caplog.records]
    assert caplog.records, "expected some DEBUG logging to inspect"
    for text in shown:
        assert key not in text
