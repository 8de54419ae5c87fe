"""Datasets CRUD and the upload delegation (domino-api.md §13)."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest
import requests_mock
from wire_support import FIND_PROJECT_URL, HOST, PROJECT_ID, api_calls, calls

from domino import Domino, exceptions

DATASETS = f"{HOST}/dataset"
OF_PROJECT = f"{DATASETS}?projectId={PROJECT_ID}"
LISTING = [
    {"datasetId": "d1", "datasetName": "raw", "projectId": PROJECT_ID},
    {"datasetId": "d2", "datasetName": "features", "projectId": PROJECT_ID},
]


@pytest.fixture
def listed(wire: requests_mock.Mocker) -> requests_mock.Mocker:
    wire.get(DATASETS, json=LISTING)
    return wire


def test_datasets_list_all_and_by_project(client: Domino, listed: requests_mock.Mocker) -> None:
    assert client.datasets_list() == LISTING
    assert client.datasets_list("p 1") == LISTING
    assert api_calls(listed) == [("GET", DATASETS), ("GET", f"{DATASETS}?projectId=p+1")]


def test_datasets_ids_and_names(client: Domino, listed: requests_mock.Mocker) -> None:
    assert client.datasets_ids(PROJECT_ID) == ["d1", "d2"]
    assert client.datasets_names(PROJECT_ID) == ["raw", "features"]
    assert api_calls(listed) == [("GET", OF_PROJECT), ("GET", OF_PROJECT)]


def test_datasets_details_route(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(f"{DATASETS}/d1", json={"datasetId": "d1"})
    assert client.datasets_details("d1") == {"datasetId": "d1"}


def test_datasets_create_checks_name_then_posts(
    client: Domino, listed: requests_mock.Mocker
) -> None:
    listed.post(DATASETS, json={"datasetId": "d3", "datasetName": "new"})
    assert client.datasets_create("new", "desc")["datasetId"] == "d3"
    assert [r.url for r in listed.request_history] == [FIND_PROJECT_URL, OF_PROJECT, DATASETS]
    assert listed.last_request.json() == {
        "datasetName": "new",
        "description": "desc",
        "projectId": PROJECT_ID,
    }


def test_datasets_create_duplicate_name_raises_before_post(
    client: Domino, listed: requests_mock.Mocker
) -> None:
    with pytest.raises(exceptions.DatasetExistsException, match="'raw'"):
        client.datasets_create("raw", "again")
    assert calls(listed, "POST") == []


def test_datasets_update_details_patches_then_reads_back(
    client: Domino, listed: requests_mock.Mocker
) -> None:
    listed.patch(f"{DATASETS}/d1", json={})
    listed.get(f"{DATASETS}/d1", json={"datasetName": "renamed"})
    assert client.datasets_update_details("d1", "renamed", "better")["datasetName"] == "renamed"
    assert api_calls(listed) == [
        ("GET", OF_PROJECT),
        ("PATCH", f"{DATASETS}/d1"),
        ("GET", f"{DATASETS}/d1"),
    ]
    assert calls(listed, "PATCH")[0].json() == {"datasetName": "renamed", "description": "better"}


def test_datasets_update_description_only_skips_uniqueness_check(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.patch(f"{DATASETS}/d1", json={})
    wire.get(f"{DATASETS}/d1", json={})
    client.datasets_update_details("d1", dataset_description="only this")
    assert api_calls(wire) == [("PATCH", f"{DATASETS}/d1"), ("GET", f"{DATASETS}/d1")]
    assert calls(wire, "PATCH")[0].json() == {"description": "only this"}


def test_datasets_update_to_taken_name_raises(client: Domino, listed: requests_mock.Mocker) -> None:
    with pytest.raises(exceptions.DatasetExistsException):
        client.datasets_update_details("d1", dataset_name="features")
    assert calls(listed, "PATCH") == []


def test_datasets_remove_validates_then_deletes_each(
    client: Domino, listed: requests_mock.Mocker
) -> None:
    listed.delete(f"{DATASETS}/d1", status_code=204)
    listed.delete(f"{DATASETS}/d2", status_code=204)
    responses = client.datasets_remove(["d1", "d2"])
    assert [r.status_code for r in responses] == [204, 204]
    assert api_calls(listed) == [
        ("GET", OF_PROJECT),
        ("DELETE", f"{DATASETS}/d1"),
        ("DELETE", f"{DATASETS}/d2"),
    ]


def test_datasets_remove_unknown_id_deletes_nothing(
    client: Domino, listed: requests_mock.Mocker
) -> None:
    with pytest.raises(exceptions.DatasetNotFoundException, match="d9"):
        client.datasets_remove(["d1", "d9"])
    assert calls(listed, "DELETE") == []


def test_datasets_upload_files_delegates_to_upload_engine(
    client: Domino, monkeypatch: pytest.MonkeyPatch, wire: requests_mock.Mocker
) -> None:
    seen: dict[str, Any] = {}

    def fake_upload_files(http: Any, dataset_id: str, local_path: str, **kwargs: Any) -> str:
        seen.update(http=http, dataset_id=dataset_id, local_path=local_path, **kwargs)
        return "data/file.csv"

    fake = types.ModuleType("domino._upload")
    fake.upload_files = fake_upload_files  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "domino._upload", fake)
    monkeypatch.setattr("domino._upload", fake, raising=False)

    result = client.datasets_upload_files(
        "d1", "data/file.csv", "Overwrite", 4, 1024, "sub/dir", resume=True, progress=False
    )
    assert result == "data/file.csv"
    assert seen == {
        "http": client._http,
        "dataset_id": "d1",
        "local_path": "data/file.csv",
        "file_upload_setting": "Overwrite",
        "max_workers": 4,
        "target_chunk_size": 1024,
        "target_relative_path": "sub/dir",
        "resume": True,
        "progress": False,
    }
    assert wire.request_history == []
