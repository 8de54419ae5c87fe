"""Environments against a live domino-server: records with revisions, used by jobs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from e2e_support import job_status_of, unique, wait_for

import domino
from domino import exceptions


def test_list_and_default(client: domino.Domino) -> None:
    listing = client.environments_list()
    assert listing["objectType"] == "list"
    assert "Domino Standard Environment" in {e["name"] for e in listing["data"]}
    default = client.get_default_environment()
    assert default["latestRevisionDetails"]["dockerImage"]


def test_create_revise_restrict_archive(client: domino.Domino) -> None:
    name = unique("env")
    env = client.create_environment(
        name,
        "Private",
        dockerfile_instructions="RUN pip install pandas",
        environment_variables=[{"name": "MODE", "value": "test"}],
    )
    assert env["name"] == name and env["latestRevision"]["number"] == 1
    # the default environment's image was used
    assert (
        env["latestRevision"]["image"]
        == (client.get_default_environment()["latestRevisionDetails"]["dockerImage"])
    )
    revision = client.create_environment_revision(env["id"], base_image="python:3.12-slim")
    assert revision["number"] == 2 and revision["image"] == "python:3.12-slim"
    client.restrict_environment_revision(env["id"], revision["id"])
    fetched = client.get_environment(env["id"])
    assert fetched["latestRevision"]["isRestricted"] is True
    assert name in {e["name"] for e in client.environments_list()["data"]}

    client.archive_environment(env["id"])
    assert client.get_environment(env["id"])["archived"] is True
    assert name not in {e["name"] for e in client.environments_list()["data"]}


def test_bad_requests(client: domino.Domino) -> None:
    with pytest.raises(exceptions.NotFoundError):
        client.get_environment("0" * 24)
    with pytest.raises(exceptions.BadRequestError, match="visibility"):
        client.create_environment(unique("env"), "Everyone", base_image="x")
    with pytest.raises(exceptions.ForbiddenError, match="built in"):
        client.archive_environment(client.get_default_environment()["id"])


def test_private_environment_is_invisible_to_others_and_global_needs_admin(
    client: domino.Domino, domino_server: Any
) -> None:
    env = client.create_environment(unique("env"), "Private", base_image="x")
    other = domino_server.client(client.project, api_key=domino_server.add_user(unique("u")))
    with pytest.raises(exceptions.NotFoundError):
        other.get_environment(env["id"])
    with pytest.raises(exceptions.ForbiddenError, match="Global"):
        other.create_environment(unique("env"), "Global", base_image="x")


def test_a_job_started_with_a_created_environment_reports_it(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    env = client.create_environment(unique("env"), "Private", base_image="x")
    upload("hello.py", "print('hi')\n")
    job = client.job_start("hello.py", environment_id=env["id"])
    wait_for(
        lambda: client.job_status(job["id"]),
        lambda j: job_status_of(j) in ("Succeeded", "Failed", "Error"),
        what="job end",
    )
    details = client.job_runtime_execution_details(job["id"])
    assert details["environment"]["environmentId"] == env["id"]

    # archived: still reported for the job that used it, refused for new work
    client.archive_environment(env["id"])
    details = client.job_runtime_execution_details(job["id"])
    assert details["environment"]["environmentName"] == env["name"]
    with pytest.raises(exceptions.EnvironmentNotFoundException):
        client.job_start("hello.py", environment_id=env["id"])
    with pytest.raises(exceptions.BadRequestError, match="archived"):
        client.model_publish("hello.py", "f", env["id"], "m", "")
