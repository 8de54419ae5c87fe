"""Project tags: list, add (idempotent), details, id lookup, remove."""

from __future__ import annotations

import re

import domino


def _names(client: domino.Domino) -> list[str]:
    return [tag["name"] for tag in client.tags_list()]


def test_new_project_has_no_tags(client: domino.Domino) -> None:
    assert client.tags_list() == []


def test_tags_add_returns_the_tag_objects_and_lists_them(client: domino.Domino) -> None:
    response = client.tags_add(["alpha", "beta"])

    returned = response.json()
    assert sorted(tag["name"] for tag in returned) == ["alpha", "beta"]
    assert all(re.fullmatch(r"[0-9a-f]{24}", tag["id"]) for tag in returned)
    assert sorted(_names(client)) == ["alpha", "beta"]


def test_adding_the_same_tags_twice_keeps_one_of_each(client: domino.Domino) -> None:
    client.tags_add(["alpha", "beta"])
    first_ids = {tag["name"]: tag["id"] for tag in client.tags_list()}

    client.tags_add(["beta", "alpha", "gamma"])

    assert sorted(_names(client)) == ["alpha", "beta", "gamma"]
    after = {tag["name"]: tag["id"] for tag in client.tags_list()}
    assert after["alpha"] == first_ids["alpha"]
    assert after["beta"] == first_ids["beta"]


def test_tag_get_id_and_tag_details_agree(client: domino.Domino) -> None:
    client.tags_add(["release"])

    tag_id = client.tag_get_id("release")
    details = client.tag_details(tag_id)

    assert details["_id"] == tag_id
    assert details["name"] == "release"
    assert details["lastAdded"] is not None


def test_tag_get_id_of_unknown_tag_is_none(client: domino.Domino) -> None:
    client.tags_add(["present"])

    assert client.tag_get_id("absent") is None


def test_tags_remove_removes_only_that_tag(client: domino.Domino) -> None:
    client.tags_add(["keep", "drop"])

    response = client.tags_remove("drop")

    assert response is not None and response.ok
    assert _names(client) == ["keep"]


def test_tags_remove_of_unknown_tag_is_a_no_op(client: domino.Domino) -> None:
    client.tags_add(["keep"])

    assert client.tags_remove("never-added") is None
    assert _names(client) == ["keep"]


def test_tags_are_per_project(client: domino.Domino, domino_server: object) -> None:
    client.tags_add(["mine"])
    other_name = f"other-{client.project_id[:8]}"
    client.project_create(other_name)
    other = domino_server.client(f"admin/{other_name}")  # type: ignore[attr-defined]

    assert other.tags_list() == []
    assert client.tags_list(project_id=other.project_id) == []
