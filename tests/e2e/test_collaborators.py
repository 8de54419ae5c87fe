"""Collaborators: listing, adding and removing, and what that does to another user's access."""

from __future__ import annotations

from typing import Any

import pytest
from e2e_support import unique

import domino
from domino.exceptions import ForbiddenError, UserNotFoundException


def _usernames(collaborators: list[Any]) -> set[str]:
    # The public client's tests disagree on the shape (strings vs objects with "username").
    names = set()
    for entry in collaborators:
        names.add(entry if isinstance(entry, str) else entry["username"])
    return names


@pytest.fixture
def second_user(domino_server: Any, project: str) -> tuple[str, domino.Domino]:
    name = unique("bob")
    key = domino_server.add_user(name)
    return name, domino.Domino(project, api_key=key, host=domino_server.url)


def test_stranger_is_forbidden_until_added_then_has_access(
    client: domino.Domino, second_user: tuple[str, domino.Domino]
) -> None:
    name, bob = second_user
    with pytest.raises(ForbiddenError) as excinfo:
        bob.runs_list()
    assert excinfo.value.status_code == 403

    response = client.collaborators_add(name)

    assert response.status_code == 200
    assert name in _usernames(client.collaborators_get())
    assert bob.runs_list()["data"] == []
    assert bob.project_id == client.project_id


def test_collaborator_can_upload_files_the_owner_then_sees(
    client: domino.Domino, second_user: tuple[str, domino.Domino]
) -> None:
    name, bob = second_user
    client.collaborators_add(name)

    bob.files_upload("/from-bob.txt", b"hello from bob")

    assert client.files_download("/from-bob.txt").read() == b"hello from bob"


def test_removed_collaborator_loses_access(
    client: domino.Domino, second_user: tuple[str, domino.Domino]
) -> None:
    name, bob = second_user
    client.collaborators_add(name)
    assert bob.runs_list()["data"] == []

    client.collaborators_remove(name)

    assert name not in _usernames(client.collaborators_get())
    with pytest.raises(ForbiddenError):
        bob.runs_list()


def test_adding_an_unknown_user_raises_user_not_found(client: domino.Domino) -> None:
    ghost = unique("ghost")

    with pytest.raises(UserNotFoundException, match=ghost):
        client.collaborators_add(ghost)

    assert ghost not in _usernames(client.collaborators_get())


def test_removing_an_unknown_user_raises_user_not_found(client: domino.Domino) -> None:
    with pytest.raises(UserNotFoundException):
        client.collaborators_remove(unique("ghost"))


def test_fresh_project_lists_no_other_collaborators(
    client: domino.Domino, second_user: tuple[str, domino.Domino]
) -> None:
    name, _ = second_user

    assert name not in _usernames(client.collaborators_get())
