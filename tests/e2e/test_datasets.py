"""Dataset CRUD through the legacy /dataset API (the upload engine has its own module)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from e2e_support import unique

import domino
from domino.exceptions import DatasetExistsException, DatasetNotFoundException


def _create(client: domino.Domino, name: str, description: str = "d") -> dict[str, Any]:
    return client.datasets_create(name, description)


def test_datasets_create_returns_the_new_dataset(client: domino.Domino) -> None:
    created = _create(client, "training-data", "images and labels")

    assert re.fullmatch(r"[0-9a-f]{24}", created["datasetId"])
    assert created["datasetName"] == "training-data"
    assert created["description"] == "images and labels"
    assert created["projectId"] == client.project_id
    assert created["created"]


def test_list_ids_names_and_details_agree(client: domino.Domino) -> None:
    a = _create(client, "alpha")
    b = _create(client, "beta")

    listed = client.datasets_list(client.project_id)

    assert {d["datasetId"] for d in listed} == {a["datasetId"], b["datasetId"]}
    assert sorted(client.datasets_ids(client.project_id)) == sorted(
        [a["datasetId"], b["datasetId"]]
    )
    assert sorted(client.datasets_names(client.project_id)) == ["alpha", "beta"]
    details = client.datasets_details(a["datasetId"])
    assert details["datasetName"] == "alpha"
    assert details["projectId"] == client.project_id


def test_datasets_list_without_project_includes_this_projects_datasets(
    client: domino.Domino,
) -> None:
    created = _create(client, unique("everywhere"))

    assert created["datasetId"] in {d["datasetId"] for d in client.datasets_list()}


def test_creating_a_duplicate_name_raises_dataset_exists(client: domino.Domino) -> None:
    _create(client, "unique-name")

    with pytest.raises(DatasetExistsException):
        _create(client, "unique-name")

    assert client.datasets_names(client.project_id) == ["unique-name"]


def test_same_dataset_name_is_allowed_in_another_project(
    client: domino.Domino, domino_server: Any
) -> None:
    _create(client, "shared-name")
    other = unique("other")
    client.project_create(other)
    other_client = domino_server.client(f"admin/{other}")

    created = other_client.datasets_create("shared-name", "")

    assert created["projectId"] == other_client.project_id


def test_update_details_renames_and_redescribes(client: domino.Domino) -> None:
    created = _create(client, "old-name", "old description")

    updated = client.datasets_update_details(
        created["datasetId"], dataset_name="new-name", dataset_description="new description"
    )

    assert updated["datasetName"] == "new-name"
    assert updated["description"] == "new description"
    assert client.datasets_names(client.project_id) == ["new-name"]


def test_update_details_with_only_a_description_keeps_the_name(client: domino.Domino) -> None:
    created = _create(client, "keep-me", "before")

    updated = client.datasets_update_details(created["datasetId"], dataset_description="after")

    assert updated["datasetName"] == "keep-me"
    assert updated["description"] == "after"


def test_renaming_onto_an_existing_name_raises_dataset_exists(client: domino.Domino) -> None:
    _create(client, "taken")
    other = _create(client, "free")

    with pytest.raises(DatasetExistsException):
        client.datasets_update_details(other["datasetId"], dataset_name="taken")

    assert sorted(client.datasets_names(client.project_id)) == ["free", "taken"]


def test_datasets_remove_deletes_immediately(client: domino.Domino) -> None:
    keep = _create(client, "keep")
    drop = _create(client, "drop")

    responses = client.datasets_remove([drop["datasetId"]])

    assert all(r.ok for r in responses)
    assert client.datasets_ids(client.project_id) == [keep["datasetId"]]


def test_removing_an_unknown_dataset_raises_dataset_not_found(client: domino.Domino) -> None:
    keep = _create(client, "keep")

    with pytest.raises(DatasetNotFoundException):
        client.datasets_remove(["0" * 24])

    assert client.datasets_ids(client.project_id) == [keep["datasetId"]]
