"""Environments: exact wire format (domino-api-2x.md §3.2)."""

from __future__ import annotations

import json

import pytest
import requests_mock
from wire_support import HOST, PROJECT_ID, api_calls

from domino import Domino, exceptions

DEFAULT = {
    "id": "e0",
    "name": "Default",
    "visibility": "Global",
    "latestRevisionDetails": {"dockerImage": "ubuntu:20.04"},
}
BETA = f"{HOST}/api/environments/beta/environments"
V1 = f"{HOST}/api/environments/v1/environments"
MINIMAL_CREATE_BODY = {
    "dockerfileInstructions": "",
    "environmentVariables": [],
    "image": "ubuntu:20.04",
    "postRunScript": "",
    "postSetupScript": "",
    "preRunScript": "",
    "preSetupScript": "",
    "skipCache": False,
    "summary": "",
    "supportedClusters": [],
    "tags": [],
    "useVpn": False,
    "workspaceTools": [],
    "addBaseDependencies": True,
    "description": "",
    "isRestricted": False,
    "name": "n",
    "visibility": "Private",
}


def test_environments_list_and_default(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(f"{HOST}/v1/environments", json={"objectType": "list", "data": [DEFAULT]})
    wire.get(f"{HOST}/v4/environments/defaultEnvironment", json=DEFAULT)
    assert client.environments_list()["data"] == [DEFAULT]
    assert client.get_default_environment() == DEFAULT


def test_get_and_archive_environment_share_one_url(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{V1}/e%201", json={"id": "e 1", "name": "x"})
    wire.delete(f"{V1}/e%201", status_code=204)
    assert client.get_environment("e 1")["name"] == "x"
    assert client.archive_environment("e 1") is None
    assert api_calls(wire) == [("GET", f"{V1}/e%201"), ("DELETE", f"{V1}/e%201")]


def test_create_environment_minimal_body_uses_default_image(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/v4/environments/defaultEnvironment", json=DEFAULT)
    wire.post(BETA, json={"id": "e1", "name": "n"})
    assert client.create_environment("n", "Private") == {"id": "e1", "name": "n"}
    request = wire.last_request
    assert request.headers["Content-Type"] == "application/json"
    assert request.text == json.dumps(MINIMAL_CREATE_BODY)


def test_create_environment_with_base_image_skips_default_lookup(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.post(BETA, json={"id": "e1"})
    client.create_environment(
        "n",
        "Global",
        base_image="python:3.12",
        environment_variables=[{"name": "A", "value": "1"}],
        tags=["t"],
        organization_owner_id="org1",
    )
    assert api_calls(wire) == [("POST", BETA)]
    body = wire.last_request.json()
    assert body["image"] == "python:3.12" and body["visibility"] == "Global"
    assert body["environmentVariables"] == [{"name": "A", "value": "1"}]
    assert list(body)[-1] == "orgOwnerId" and body["orgOwnerId"] == "org1"


def test_create_environment_revision_body_has_the_first_13_keys(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/v4/environments/defaultEnvironment", json=DEFAULT)
    wire.post(f"{BETA}/e1/revisions", json={"id": "r2"})
    assert client.create_environment_revision("e1", dockerfile_instructions="RUN x")["id"] == "r2"
    body = wire.last_request.json()
    assert list(body) == list(MINIMAL_CREATE_BODY)[:13]
    assert body["dockerfileInstructions"] == "RUN x" and body["image"] == "ubuntu:20.04"


def test_restrict_environment_revision_patches_json_text(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.patch(f"{BETA}/e1/revisions/r2", json={})
    assert client.restrict_environment_revision("e1", "r2") is None
    assert wire.last_request.text == '{"isRestricted": true}'
    assert wire.last_request.headers["Content-Type"] == "application/json"


def test_default_environment_without_image_is_a_typed_error(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/v4/environments/defaultEnvironment", json={"id": "e0"})
    with pytest.raises(exceptions.UnexpectedResponseError, match="latestRevisionDetails"):
        client.create_environment("n", "Private")


@pytest.mark.parametrize("call", ["get_environment", "archive_environment"])
def test_empty_environment_id_is_refused(
    client: Domino, wire: requests_mock.Mocker, call: str
) -> None:
    with pytest.raises(exceptions.InvalidArgumentError, match="environment_id"):
        getattr(client, call)("")
    assert api_calls(wire) == []


def test_useable_environments_and_validation(client: Domino, wire: requests_mock.Mocker) -> None:
    url = f"{HOST}/v4/projects/{PROJECT_ID}/useableEnvironments"
    wire.get(url, json={"environments": [{"id": "e1", "name": "x"}]})
    assert client._useable_environments_list() == [{"id": "e1", "name": "x"}]
    assert client._validate_environment_id("e1") is True
    with pytest.raises(exceptions.EnvironmentNotFoundException, match="e9 environment not found"):
        client._validate_environment_id("e9")
