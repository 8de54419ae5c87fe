"""Projects v4 against a live domino-server: list, create, fork, archive."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from e2e_support import unique

import domino
from domino import exceptions
from domino.domino_enums import ProjectVisibility


def names(projects: list[dict[str, Any]]) -> set[str]:
    return {p["name"] for p in projects}


def test_create_v4_then_list_and_archive(client: domino.Domino) -> None:
    name = unique("v4")
    created = client.project_create_v4(
        name, description="made by v4", tags=["e2e"], visibility=ProjectVisibility.PRIVATE
    )
    assert created["name"] == name and created["visibility"] == "Private"
    assert [t["name"] for t in created["tags"]] == ["e2e"]
    assert name in names(client.projects_list())
    assert name not in names(client.projects_list("Collaborating"))

    client.project_archive(name)
    assert name not in names(client.projects_list(show_completed=True))
    with pytest.raises(exceptions.ProjectNotFoundException):
        client.project_archive(name)


def test_fork_copies_the_files_into_a_project_owned_by_the_caller(
    client: domino.Domino, upload: Callable[[str, str], None], domino_server: Any
) -> None:
    upload("data/a.txt", "forked content\n")
    target = unique("fork")
    response = client.fork_project(target)
    assert response.status_code == 200 and response.json()["name"] == target
    assert target in names(client.projects_list())
    fork = domino_server.client(f"admin/{target}")
    assert fork.files_download("/data/a.txt").read() == b"forked content\n"


def test_collaborating_lists_projects_shared_with_the_caller(
    client: domino.Domino, domino_server: Any
) -> None:
    user = unique("collab")
    key = domino_server.add_user(user)
    client.collaborators_add(user)
    theirs = domino_server.client(client.project, api_key=key)
    assert client.project.split("/")[1] in names(theirs.projects_list("Collaborating"))
    # and they cannot archive it: it is not theirs
    with pytest.raises(exceptions.ProjectNotFoundException):
        theirs.project_archive(client.project.split("/")[1])
