"""Projects, collaborators and tags: exact wire format (domino-api.md §6, §7)."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

import pytest
import requests_mock
from wire_support import FIND_PROJECT_URL, HOST, PROJECT_ID, api_calls, calls

from domino import Domino, exceptions

USERS = [
    {"id": "u1", "userName": "bob", "email": "bob@example.com"},
    {"id": "u2", "userName": "carol", "email": "carol@example.com"},
]
PROJECT_V4 = f"{HOST}/v4/projects/{PROJECT_ID}"
TAGS = [{"id": "t1", "name": "prod", "isApproved": True}, {"id": "t2", "name": "dev"}]


# ---------------------------------------------------------------------- project_create


def test_project_create_posts_form_with_csrf_header(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.post(f"{HOST}/project", status_code=200, text="")
    response = client.project_create("new-proj", owner_username="bob")
    assert response.status_code == 200
    request = wire.last_request
    assert (request.method, request.url) == ("POST", f"{HOST}/project")
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["Csrf-Token"] == "nocheck"
    assert parse_qsl(request.text) == [
        ("projectName", "new-proj"),
        ("ownerOverrideUsername", "bob"),
    ]


def test_project_create_without_owner_omits_owner_field(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.post(f"{HOST}/project", status_code=200)
    client.project_create("p 2")
    assert parse_qsl(wire.last_request.text) == [("projectName", "p 2")]


# ---------------------------------------------------------------------- collaborators


def test_collaborators_get_uses_legacy_owner_project_route(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/alice/churn/collaborators", json=[{"username": "bob"}])
    assert client.collaborators_get() == [{"username": "bob"}]
    assert api_calls(wire) == [("GET", f"{HOST}/alice/churn/collaborators")]


@pytest.mark.parametrize("who", ["carol", "carol@example.com"])
def test_collaborators_add_looks_up_user_then_posts_contributor(
    client: Domino, wire: requests_mock.Mocker, who: str
) -> None:
    wire.get(f"{HOST}/v4/users", json=USERS)
    wire.post(f"{PROJECT_V4}/collaborators", json={"collaboratorId": "u2"})
    response = client.collaborators_add(who, message="welcome")
    assert response.status_code == 200
    assert api_calls(wire) == [
        ("GET", f"{HOST}/v4/users"),
        ("POST", f"{PROJECT_V4}/collaborators"),
    ]
    assert wire.last_request.json() == {"collaboratorId": "u2", "projectRole": "Contributor"}


def test_collaborators_add_unknown_user_raises_without_posting(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/v4/users", json=USERS)
    with pytest.raises(exceptions.UserNotFoundException, match="'dave'"):
        client.collaborators_add("dave")
    assert calls(wire, "POST") == []


def test_collaborators_remove_deletes_by_user_id(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/v4/users", json=USERS)
    wire.delete(f"{PROJECT_V4}/collaborators/u1", status_code=200)
    client.collaborators_remove("bob@example.com")
    assert api_calls(wire)[-1] == ("DELETE", f"{PROJECT_V4}/collaborators/u1")


def test_collaborators_remove_unknown_user_raises(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/v4/users", json=USERS)
    with pytest.raises(exceptions.UserNotFoundException, match="remove"):
        client.collaborators_remove("nobody")
    assert calls(wire, "DELETE") == []


# ---------------------------------------------------------------------- tags


def test_tags_list_reads_tags_of_project_summary(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(PROJECT_V4, json={"id": PROJECT_ID, "tags": TAGS})
    assert client.tags_list() == TAGS
    assert [r.url for r in wire.request_history] == [FIND_PROJECT_URL, PROJECT_V4]


def test_tags_list_for_explicit_project_skips_lookup(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/v4/projects/other", json={"tags": []})
    assert client.tags_list("other") == []
    assert [r.url for r in wire.request_history] == [f"{HOST}/v4/projects/other"]


def test_tag_details_route(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(f"{HOST}/projectTags/t1", json={"_id": "t1", "name": "prod"})
    assert client.tag_details("t1")["_id"] == "t1"


def test_tags_add_posts_tag_names(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.post(f"{PROJECT_V4}/tags", json=[{"id": "t3", "name": "new"}])
    response = client.tags_add(["new", "other"])
    assert response.json()[0]["id"] == "t3"
    assert wire.last_request.json() == {"tagNames": ["new", "other"]}


def test_tag_get_id_returns_first_match(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(PROJECT_V4, json={"tags": TAGS})
    assert client.tag_get_id("dev") == "t2"


def test_tag_get_id_unknown_returns_none_and_warns_on_domino_logger(
    client: Domino, wire: requests_mock.Mocker, caplog: pytest.LogCaptureFixture
) -> None:
    wire.get(PROJECT_V4, json={"tags": TAGS})
    with caplog.at_level(logging.WARNING):
        assert client.tag_get_id("missing") is None
    [record] = [r for r in caplog.records if "missing" in r.getMessage()]
    assert record.levelno == logging.WARNING
    assert record.name.startswith("domino.")


def test_tags_remove_deletes_tag_by_id(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(PROJECT_V4, json={"tags": TAGS})
    wire.delete(f"{PROJECT_V4}/tags/t1", status_code=200)
    assert client.tags_remove("prod").status_code == 200
    assert api_calls(wire) == [("GET", PROJECT_V4), ("DELETE", f"{PROJECT_V4}/tags/t1")]


def test_tags_remove_unknown_tag_sends_no_delete(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(PROJECT_V4, json={"tags": TAGS})
    assert client.tags_remove("missing") is None
    assert calls(wire, "DELETE") == []


def test_tag_ids_are_url_quoted_in_paths(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(f"{HOST}/projectTags/a%2Fb%3Fc", json={})
    client.tag_details("a/b?c")
    assert wire.last_request.url == f"{HOST}/projectTags/a%2Fb%3Fc"


def test_tags_add_with_a_single_name_sends_it_as_one_tag(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.post(f"{HOST}/v4/projects/{PROJECT_ID}/tags", json=[])
    client.tags_add("nightly")
    assert wire.last_request.json() == {"tagNames": ["nightly"]}
