"""``GET /jobs/{owner}/{project}/{job_id}``: a small HTML page of one job or run.

This is the page the Airflow provider's "Domino job" link points to, so the link works against
the local server too. It is protected like the API; a browser without credentials gets a 401
with ``WWW-Authenticate: Basic`` and prompts for a user name (anything) and an API key.
"""

from __future__ import annotations

import html
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from domino.server.auth import User, current_user
from domino.server.executions import TERMINAL, command_line
from domino.server.routers.deps import execution_in_project, project_by_name, services
from domino.server.services import Services

router = APIRouter(tags=["pages"])

#: at most this much of the output is shown (its end)
OUTPUT_LIMIT = 256 * 1024


def _page(project: dict[str, Any], row: dict[str, Any], output: str) -> str:
    status = str(row["status"])
    running = status not in TERMINAL
    if len(output) > OUTPUT_LIMIT:
        output = "[... earlier output not shown ...]\n" + output[-OUTPUT_LIMIT:]
    fields = [
        ("Status", status),
        ("Number", row["number"]),
        ("Title", row["title"] or ""),
        ("Command", command_line(row)),
        ("Queued", row["queued"]),
        ("Started", row["started"] or ""),
        ("Completed", "" if running else row["completed"] or ""),
    ]
    rows = "\n".join(
        f"<tr><th>{html.escape(name)}</th><td>{html.escape(str(value))}</td></tr>"
        for name, value in fields
    )
    name = f"{project['owner_name']}/{project['name']}"
    refresh = '<meta http-equiv="refresh" content="5">' if running else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">{refresh}
<title>Job {html.escape(str(row["number"]))} · {html.escape(name)} · {html.escape(status)}</title>
<style>body{{font-family:sans-serif;margin:2em}}th{{text-align:left;padding-right:1em}}
pre{{background:#f4f4f4;padding:1em;white-space:pre-wrap}}</style></head>
<body><h1>{html.escape(name)}: job {html.escape(str(row["id"]))}</h1>
<table>{rows}</table>
<h2>Output</h2><pre id="output">{html.escape(output)}</pre>
</body></html>
"""


@router.get("/jobs/{owner}/{project}/{job_id}", response_class=HTMLResponse)
def job_page(
    owner: str,
    project: str,
    job_id: str,
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> HTMLResponse:
    found = project_by_name(svc, user, owner, project)
    not_found = f"job {job_id!r} not found in project {owner}/{project}"
    row = execution_in_project(svc, found, job_id, "job", not_found)
    return HTMLResponse(_page(found, row, svc.executions.read_log(row["id"])))
