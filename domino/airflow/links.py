"""The "Domino job" extra link and the job URL it points to.

The URL is pushed to XCom (``job_url``) the moment the job exists, so the link works while the
task runs and after it failed. Its shape is the setting ``[domino] job_url_template`` (also
``AIRFLOW__DOMINO__JOB_URL_TEMPLATE``) with the fields ``host``, ``owner``, ``project`` and
``job_id``; domino-server answers the default URL with an HTML page of the job.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from domino.airflow._compat import BaseOperatorLink, conf, xcom_value

__all__ = ["DEFAULT_JOB_URL_TEMPLATE", "DominoJobLink", "job_url"]

DEFAULT_JOB_URL_TEMPLATE = "{host}/jobs/{owner}/{project}/{job_id}"
XCOM_JOB_URL = "job_url"


def job_url(host: str, project: str, job_id: str) -> str:
    """The job's page for ``project`` (``owner/name``) according to the URL template."""
    template = conf.get("domino", "job_url_template", fallback=None) or DEFAULT_JOB_URL_TEMPLATE
    owner, _, name = project.partition("/")
    return template.format(
        host=host.rstrip("/"),
        owner=quote(owner, safe=""),
        project=quote(name, safe=""),
        job_id=quote(str(job_id), safe=""),
    )


class DominoJobLink(BaseOperatorLink):
    """Button "Domino job" on the task: the URL the operator pushed as XCom ``job_url``."""

    name = "Domino job"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        if getattr(operator, "_ran", False):
            # Airflow 3 asks the worker's own operator when the task ends or defers; one that
            # failed before starting a job has no XCom to ask for (and would log an error)
            return str(getattr(operator, "_job_url", None) or "")
        url = xcom_value(key=XCOM_JOB_URL, ti_key=ti_key)
        return str(url) if url else ""
