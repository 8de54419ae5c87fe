"""Projects v4 (list, create, fork, archive): exact wire format (domino-api-2x.md §3.1)."""

from __future__ import annotations

import json

import pytest
import requests_mock
from wire_support import HOST, PROJECT_ID, api_calls

from domino import Domino, exceptions
from domino.domino_enums import ProjectVisibility

LIST_URL = f"{HOST}/v4/gateway/projects"
USERS = [{"id": "u-alice", "userName": "alice"}, {"id": "u-bob", "userName": "bob"}]


def test_projects_list_sends_relationship_and_lower_case_flag(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(LIST_URL, json=[{"id": "p1", "name": "churn"}])
    assert client.projects_list("Collaborating", True) == [{"id": "p1", "name": "churn"}]
    assert api_calls(wire) == [("GET", f"{LIST_URL}?relationship=Collaborating&showCompleted=true")]


def test_projects_list_defaults(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(LIST_URL, json=[])
    client.projects_list()
    assert wire.last_request.url == f"{LIST_URL}?relationship=Owned&showCompleted=false"


def test_projects_list_rejects_unknown_relationship_without_a_request(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    with pytest.raises(ValueError, match="relationship must be one of .*'owned'"):
        client.projects_list("owned")
    assert api_calls(wire) == []


def test_project_create_v4_body_key_order_and_content_type(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/v4/users", json=USERS)
    wire.post(f"{HOST}/v4/projects", json={"id": "new", "name": "np"})
    assert client.project_create_v4("np") == {"id": "new", "name": "np"}
    request = wire.last_request
    assert request.headers["Content-Type"] == "application/json"
    # JSON text with Python's default separators, keys in the public client's order
    assert request.text == json.dumps(
        {
            "name": "np",
            "visibility": "Public",
            "ownerId": "u-alice",  # the owner of the client's alice/churn
            "description": "",
            "collaborators": [],
            "tags": {"tagNames": []},
        }
    )


def test_project_create_v4_with_every_field(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.post(f"{HOST}/v4/projects", json={"id": "new"})
    client.project_create_v4(
        "np",
        owner_id="u-x",
        description="d",
        collaborators=[{"collaboratorId": "u-bob", "projectRole": "Contributor"}],
        tags=["t1"],
        billing_tag="team-a",
        visibility=ProjectVisibility.PRIVATE,
    )
    assert api_calls(wire) == [("POST", f"{HOST}/v4/projects")]  # owner_id: no user lookup
    body = wire.last_request.json()
    assert body["ownerId"] == "u-x" and body["visibility"] == "Private"
    assert body["tags"] == {"tagNames": ["t1"]}
    assert list(body)[-1] == "billingTag" and body["billingTag"] == {"tag": "team-a"}


@pytest.mark.parametrize("visibility", ["Searchable", "SEARCHABLE"])
def test_project_create_v4_accepts_visibility_as_string(
    client: Domino, wire: requests_mock.Mocker, visibility: str
) -> None:
    wire.post(f"{HOST}/v4/projects", json={"id": "new"})
    client.project_create_v4("np", owner_id="u-x", visibility=visibility)
    assert wire.last_request.json()["visibility"] == "Searchable"


def test_project_create_v4_owner_username_lookup(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/v4/users", json=USERS)
    wire.post(f"{HOST}/v4/projects", json={"id": "new"})
    client.project_create_v4("np", owner_username="bob")
    assert wire.last_request.json()["ownerId"] == "u-bob"


def test_project_create_v4_unknown_owner_raises_instead_of_sending_null(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/v4/users", json=USERS)
    with pytest.raises(exceptions.UserNotFoundException, match="'zed'"):
        client.project_create_v4("np", owner_username="zed")
    assert api_calls(wire) == [("GET", f"{HOST}/v4/users")]


def test_project_create_v4_rejects_empty_name(client: Domino, wire: requests_mock.Mocker) -> None:
    with pytest.raises(exceptions.InvalidArgumentError, match="project_name"):
        client.project_create_v4("")
    assert api_calls(wire) == []


def test_fork_project_posts_json_and_returns_response(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.post(f"{HOST}/v4/projects/{PROJECT_ID}/fork", json={"id": "f1", "name": "copy"})
    response = client.fork_project("copy")
    assert response.status_code == 200 and response.json()["id"] == "f1"
    assert wire.last_request.headers["Content-Type"] == "application/json"
    assert wire.last_request.json() == {"name": "copy"}


def test_project_archive_finds_owned_project_then_deletes(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(LIST_URL, json=[{"id": "p0", "name": "other"}, {"id": "p9", "name": "old"}])
    wire.delete(f"{HOST}/v4/projects/p9", status_code=200, json={})
    assert client.project_archive("old") is None
    assert api_calls(wire) == [
        ("GET", f"{LIST_URL}?relationship=Owned&showCompleted=true"),
        ("DELETE", f"{HOST}/v4/projects/p9"),
    ]


def test_project_archive_unknown_name_raises_without_delete(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(LIST_URL, json=[{"id": "p0", "name": "other"}])
    with pytest.raises(exceptions.ProjectNotFoundException, match="^nope$"):
        client.project_archive("nope")
    assert [m for m, _ in api_calls(wire)] == ["GET"]
