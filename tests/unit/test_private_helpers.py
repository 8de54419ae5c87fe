"""Private members of the public client that scripts call (domino-api-2x.md §1.1, §3.8)."""

from __future__ import annotations

import pytest
import requests_mock
from wire_support import FIND_PROJECT, HOST, PROJECT_ID, api_calls

from domino import Domino, exceptions

TIERS = [
    {"hardwareTier": {"id": "small", "name": "Small"}},
    {"hardwareTier": {"id": "s2", "name": "Twin"}},
    {"hardwareTier": {"id": "s3", "name": "Twin"}},
]


def test_dataset_remove_checks_the_project_list_first(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/dataset", json=[{"datasetId": "d1", "datasetName": "x"}])
    wire.delete(f"{HOST}/dataset/d1", status_code=204)
    assert client._dataset_remove("d1").status_code == 204
    assert api_calls(wire) == [
        ("GET", f"{HOST}/dataset?projectId={PROJECT_ID}"),
        ("DELETE", f"{HOST}/dataset/d1"),
    ]
    with pytest.raises(exceptions.DatasetNotFoundException, match="Dataset with id d9 does not"):
        client._dataset_remove("d9")


def test_hardware_tier_validators(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(f"{HOST}/v4/projects/{PROJECT_ID}/hardwareTiers", json=TIERS)
    assert client._validate_hardware_tier_id("small") is True
    assert client._validate_hardware_tier_id({"value": "small"}) is True
    with pytest.raises(exceptions.HardwareTierNotFoundException, match="big hardware tier Id"):
        client._validate_hardware_tier_id("big")
    assert client._validate_hardware_tier_name("Small") is True
    with pytest.raises(exceptions.HardwareTierNotFoundException, match="more than one match"):
        client._validate_hardware_tier_name("Twin")
    with pytest.raises(exceptions.HardwareTierNotFoundException, match="name not found"):
        client._validate_hardware_tier_name("Huge")


def test_tier_dict_without_value_makes_no_request(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    with pytest.raises(ValueError, match="missing 'value' key"):
        client._validate_hardware_tier_id({"id": "x"})
    assert api_calls(wire) == []


def test_validate_commit_id(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(f"{HOST}/v1/projects/alice/churn/commits", json=["c1", "c2"])
    assert client._validate_commit_id("c2") is True
    with pytest.raises(exceptions.CommitNotFoundException, match="c9 commit Id not found"):
        client._validate_commit_id("c9")


@pytest.mark.parametrize("path", ["a//b", "a/b/", "a/./b", "a/../b"])
def test_validate_blob_path_refuses_unnormalised(path: str) -> None:
    with pytest.raises(exceptions.MalformedInputException, match="normalized"):
        Domino._validate_blob_path(path)


def test_static_validators_accept_good_values() -> None:
    assert Domino._validate_blob_path("/a/b.txt") is True
    assert Domino._validate_blob_key("a" * 40) is True
    assert Domino._validate_information_data_type({"unit": "GiB", "value": 5}) is True
    with pytest.raises(Exception, match="40 alphanumeric"):
        Domino._validate_blob_key("data/file.csv")
    with pytest.raises(Exception, match="Allowed units: GiB, MB"):
        Domino._validate_information_data_type({"unit": "TB", "value": 1})


def test_class_attributes_and_put_file(client: Domino, wire: requests_mock.Mocker) -> None:
    assert Domino._csrf_no_check_header == {"Csrf-Token": "nocheck"}
    wire.put(f"{HOST}/somewhere", status_code=201)
    assert client._put_file(f"{HOST}/somewhere", b"abc").status_code == 201
    assert wire.last_request.body == b"abc"


def test_name_mangled_app_create(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.post(f"{HOST}/v4/modelProducts", json={"id": "app1"})
    assert client._Domino__app_create(name="x", hardware_tier_id="small") == "app1"  # type: ignore[attr-defined]
    assert "hardwareTierId" not in wire.last_request.json()


def test_project_id_cache_clear_forces_a_new_lookup(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    lookups = lambda: [r for r in wire.request_history if r.url.startswith(FIND_PROJECT)]  # noqa: E731
    assert client.project_id == PROJECT_ID
    assert client.project_id == PROJECT_ID
    assert len(lookups()) == 1
    Domino.project_id.fget.cache_clear()  # type: ignore[attr-defined]
    assert client.project_id == PROJECT_ID
    assert len(lookups()) == 2
