"""Models, model versions, exports and the legacy endpoint: exact wire format
(domino-api-2x.md §3.3, §3.4)."""

from __future__ import annotations

import warnings

import pytest
import requests_mock
from wire_support import HOST, PROJECT_ID, api_calls

from domino import Domino, exceptions

EXPORT_ARGS = ("m1", "v1", "reg.example.com", "me", "pw", "repo", "tag1")
EXPORT_BODY = {
    "registryUrl": "reg.example.com",
    "username": "me",
    "password": "pw",
    "repository": "repo",
    "tag": "tag1",
}


def test_models_list(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(f"{HOST}/v1/projects/alice/churn/models", json={"objectType": "list", "data": []})
    assert client.models_list() == {"objectType": "list", "data": []}


def test_model_publish_body(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.post(f"{HOST}/v1/models", json={"data": {"_id": "m1"}})
    assert client.model_publish("m.py", "predict", "e1", "churn", "desc") == {"data": {"_id": "m1"}}
    request = wire.last_request
    assert request.headers["Content-Type"] == "application/json"
    assert list(request.json().items()) == [
        ("name", "churn"),
        ("description", "desc"),
        ("projectId", PROJECT_ID),
        ("file", "m.py"),
        ("function", "predict"),
        ("excludeFiles", []),
        ("environmentId", "e1"),
    ]


def test_model_versions_get_and_publish(client: Domino, wire: requests_mock.Mocker) -> None:
    url = f"{HOST}/v1/models/m1/versions"
    wire.get(url, json={"data": [{"_id": "v1", "metadata": {"number": 1}}]})
    wire.post(url, json={"data": {"_id": "v2"}})
    assert client.model_versions_get("m1")["data"][0]["_id"] == "v1"
    client.model_version_publish("m1", "m.py", "predict", None, "second", ["big.csv"])
    assert list(wire.last_request.json().items()) == [
        ("description", "second"),
        ("projectId", PROJECT_ID),
        ("file", "m.py"),
        ("function", "predict"),
        ("excludeFiles", ["big.csv"]),
        ("environmentId", None),
    ]


@pytest.mark.parametrize(
    ("method", "target"),
    [
        ("model_version_export", "exportImageToRegistry"),
        ("model_version_sagemaker_export", "exportImageForSagemaker"),
    ],
)
def test_exports(client: Domino, wire: requests_mock.Mocker, method: str, target: str) -> None:
    wire.post(f"{HOST}/v4/models/m1/v1/{target}", json={"exportId": "x1", "status": "queued"})
    assert getattr(client, method)(*EXPORT_ARGS) == {"exportId": "x1", "status": "queued"}
    assert wire.last_request.json() == EXPORT_BODY
    assert list(wire.last_request.json()) == list(EXPORT_BODY)


def test_sagemaker_export_needs_4_2(make_client: object, wire: requests_mock.Mocker) -> None:
    old = make_client(version="4.1.5")  # type: ignore[operator]
    with pytest.raises(exceptions.UnsupportedDominoVersionError, match="4.2.0"):
        old.model_version_sagemaker_export(*EXPORT_ARGS)
    assert not [r for r in wire.request_history if "exportImage" in r.url]


def test_export_status_and_logs_put_the_export_id_first(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/v4/models/x1/getExportImageStatus", json={"status": "complete"})
    wire.get(f"{HOST}/v4/models/x1/getExportLogs", json={"logs": "ok"})
    assert client.model_version_export_status("x1") == {"status": "complete"}
    assert client.model_version_export_logs("x1") == {"logs": "ok"}


def test_legacy_endpoint_routes_have_no_projects_segment(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    base = f"{HOST}/v1/alice/churn/endpoint"
    wire.get(f"{base}/state", json={"isPublished": False})
    wire.post(f"{base}/publishRelease", json={"status": "Published"})
    wire.delete(base, json={})
    assert client.endpoint_state() == {"isPublished": False}
    response = client.endpoint_publish("m.py", "predict", "c0ffee")
    assert response.status_code == 200
    assert wire.last_request.json() == {
        "commitId": "c0ffee",
        "bindingDefinition": {"file": "m.py", "function": "predict"},
    }
    client.endpoint_publish("m.py", "predict")
    assert wire.last_request.json()["commitId"] is None  # always present
    assert client.endpoint_unpublish().status_code == 200
    assert api_calls(wire)[-1] == ("DELETE", base)


def test_endpoint_publish_commitId_alias(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.post(f"{HOST}/v1/alice/churn/endpoint/publishRelease", json={})
    with pytest.warns(DeprecationWarning, match="commitId is deprecated, use commit_id"):
        client.endpoint_publish("m.py", "predict", commitId="abc")
    assert wire.last_request.json()["commitId"] == "abc"
    with warnings.catch_warnings(), pytest.raises(ValueError, match="not both"):
        warnings.simplefilter("ignore")
        client.endpoint_publish("m.py", "predict", "abc", commitId="abc")


@pytest.mark.parametrize("call", ["model_versions_get", "model_version_export_status"])
def test_empty_ids_are_refused(client: Domino, wire: requests_mock.Mocker, call: str) -> None:
    with pytest.raises(exceptions.InvalidArgumentError):
        getattr(client, call)("")
    assert api_calls(wire) == []
