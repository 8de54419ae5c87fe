"""The HTML job page behind the Airflow provider's "Domino job" link."""

from __future__ import annotations

import io
import time
from typing import Any

import requests

SCRIPT = 'print("<b>not bold</b> & done")\n'


def _finished_job(domino_server: Any, project: str) -> str:
    client = domino_server.client(project)
    client.files_upload("/page.py", io.BytesIO(SCRIPT.encode()))
    job_id = str(client.job_start("page.py")["id"])
    deadline = time.monotonic() + 60
    while not client.job_status(job_id)["statuses"]["isCompleted"]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    return job_id


def _page(
    domino_server: Any, project: str, job_id: str, auth: tuple[str, str] | None = None
) -> requests.Response:
    """GET the HTML job page, as ``auth`` (user, key) or with no credentials."""
    return requests.get(f"{domino_server.url}/jobs/{project}/{job_id}", auth=auth, timeout=10)


def test_job_page_asks_a_browser_for_credentials(domino_server: Any, fresh_project: str) -> None:
    job_id = _finished_job(domino_server, fresh_project)
    answer = _page(domino_server, fresh_project, job_id)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Basic")
    assert "output" not in answer.text.lower()


def test_job_page_shows_status_command_and_escaped_output(
    domino_server: Any, fresh_project: str
) -> None:
    job_id = _finished_job(domino_server, fresh_project)
    answer = _page(domino_server, fresh_project, job_id, ("anyone", domino_server.api_key))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    page = answer.text
    assert "Succeeded" in page and "page.py" in page and job_id in page
    assert "&lt;b&gt;not bold&lt;/b&gt; &amp; done" in page
    assert "<b>not bold</b>" not in page
    assert 'http-equiv="refresh"' not in page  # finished: no auto-refresh


def test_job_page_of_unknown_job_or_foreign_project_is_refused(
    domino_server: Any, fresh_project: str
) -> None:
    job_id = _finished_job(domino_server, fresh_project)
    unknown = _page(domino_server, fresh_project, "0" * 24, ("admin", domino_server.api_key))
    assert unknown.status_code == 404 and "not found" in unknown.json()["message"]
    eve_key = domino_server.add_user("eve-page")
    foreign = _page(domino_server, fresh_project, job_id, ("eve", eve_key))
    assert foreign.status_code == 403
