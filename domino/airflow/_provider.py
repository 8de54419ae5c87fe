"""Provider metadata that Airflow reads through the ``apache_airflow_provider`` entry point.

Airflow 3.2+ builds the connection form from ``conn-fields`` / ``ui-field-behaviour`` here
without importing the hook; 2.10 asks the hook's methods instead. ``extra-links`` is what makes
the "Domino job" button appear on 2.10. ``package-name`` must be the normalised distribution name,
or every airflow command fails.
"""

from __future__ import annotations

from typing import Any

__all__ = ["UI_FIELD_BEHAVIOUR", "get_provider_info"]

# This module must not import Airflow: 2.10 calls get_provider_info while `airflow` itself is
# still being imported.

#: how the connection form shows the standard fields (3.x: here; 2.10: the hook's method)
UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["schema", "login", "port", "extra"],
    "relabeling": {"host": "Domino URL", "password": "API key or token"},
    "placeholders": {
        "host": "https://domino.example.com",
        "project": "owner/project",
        "token_file": "/var/run/secrets/domino/token",
        "api_proxy": "localhost:8899",
        "auth_type": "api_key",
    },
}


_INTEGRATION = "Domino"


def _field(label: str, description: str, **schema: Any) -> dict[str, Any]:
    return {
        "label": label,
        "description": description,
        "schema": {"type": ["string", "null"], **schema},
    }


def get_provider_info() -> dict[str, Any]:
    from domino._version import __version__

    return {
        "package-name": "dominodatalab",
        "name": "Domino Data Lab",
        "description": "Run Domino jobs and runs from Airflow: operators, a deferrable "
        "trigger, a hook for the `domino` connection type and a link to the job's page.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": _INTEGRATION,
                "external-doc-url": "https://docs.dominodatalab.com/",
                "tags": ["service"],
            }
        ],
        "operators": [
            {"integration-name": _INTEGRATION, "python-modules": ["domino.airflow.operators"]}
        ],
        "hooks": [{"integration-name": _INTEGRATION, "python-modules": ["domino.airflow.hooks"]}],
        "triggers": [
            {"integration-name": _INTEGRATION, "python-modules": ["domino.airflow.triggers"]}
        ],
        "extra-links": ["domino.airflow.links.DominoJobLink"],
        "connection-types": [
            {
                "connection-type": "domino",
                "hook-class-name": "domino.airflow.hooks.DominoHook",
                "hook-name": "Domino",
                "conn-fields": {
                    "project": _field("Project", "owner/name used when an operator names none"),
                    "token_file": _field("Token file", "file whose first line is a bearer token"),
                    "api_proxy": _field("API proxy", "host:port of Domino's in-run API proxy"),
                    "auth_type": _field(
                        "Password is",
                        "api_key (default) or token",
                        enum=["api_key", "token", None],
                        default="api_key",
                    ),
                    "verify_ssl": {
                        "label": "Verify TLS certificates",
                        "description": "turn off only for a test deployment",
                        "schema": {"type": ["boolean", "null"], "default": True},
                    },
                },
                "ui-field-behaviour": UI_FIELD_BEHAVIOUR,
            }
        ],
        "config": {
            "domino": {
                "description": "Settings of the Domino provider (dominodatalab).",
                "options": {
                    "job_url_template": {
                        "description": "URL of a job's page for the 'Domino job' link; fields "
                        "{host}, {owner}, {project}, {job_id} "
                        "(default {host}/jobs/{owner}/{project}/{job_id}).",
                        "version_added": None,
                        "type": "string",
                        "example": "https://domino.example.com/jobs/{owner}/{project}/{job_id}",
                        # empty = {host}/jobs/{owner}/{project}/{job_id}; a template here
                        # would be str.format()ed by Airflow 2.10's config loader
                        "default": None,
                    }
                },
            }
        },
    }
