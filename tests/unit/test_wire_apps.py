"""Apps (model products): exact wire format, 2.2.0 form (domino-api.md §10)."""

from __future__ import annotations

import warnings

import pytest
import requests_mock
from wire_support import HOST, PROJECT_ID, api_calls, calls

from domino import Domino, exceptions

APPS = f"{HOST}/v4/modelProducts"
APPS_OF_PROJECT = f"{APPS}?projectId={PROJECT_ID}"
APP_ID = "app000000000000000000001"
APP = f"{APPS}/{APP_ID}"


@pytest.fixture
def one_app(wire: requests_mock.Mocker) -> requests_mock.Mocker:
    wire.get(APPS, json=[{"id": APP_ID}, {"id": "other"}])
    wire.post(f"{APP}/start", json=APP_ID)
    wire.post(f"{APP}/stop", json=APP_ID)
    return wire


def test_app_id_is_first_model_product_of_project(
    client: Domino, one_app: requests_mock.Mocker
) -> None:
    assert client.app_id == APP_ID
    assert api_calls(one_app) == [("GET", APPS_OF_PROJECT)]


def test_app_id_none_without_apps(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(APPS, json=[])
    assert client.app_id is None


def test_private_app_id_is_deprecated_alias(client: Domino, one_app: requests_mock.Mocker) -> None:
    with pytest.warns(DeprecationWarning, match="_app_id is deprecated, use app_id"):
        assert client._app_id == APP_ID


@pytest.mark.parametrize(("status", "expected"), [("Running", "Running"), (None, None)])
def test_app_get_status(
    client: Domino, wire: requests_mock.Mocker, status: str | None, expected: str | None
) -> None:
    wire.get(APP, json={} if status is None else {"status": status})
    assert client.app_get_status(APP_ID) == expected
    assert api_calls(wire) == [("GET", APP)]


def test_app_get_status_of_none_sends_nothing(client: Domino, wire: requests_mock.Mocker) -> None:
    assert client.app_get_status(None) is None
    assert wire.request_history == []


def test_app_unpublish_stops_a_running_app(client: Domino, one_app: requests_mock.Mocker) -> None:
    one_app.get(APP, json={"status": "Running"})
    response = client.app_unpublish()
    assert response is not None and response.status_code == 200
    assert api_calls(one_app) == [("GET", APPS_OF_PROJECT), ("GET", APP), ("POST", f"{APP}/stop")]
    assert one_app.last_request.body is None


@pytest.mark.parametrize("status", ["Stopped", "Failed", ""])
def test_app_unpublish_leaves_a_stopped_app_alone(
    client: Domino, one_app: requests_mock.Mocker, status: str
) -> None:
    one_app.get(APP, json={"status": status})
    assert client.app_unpublish(app_id=APP_ID) is None
    assert api_calls(one_app) == [("GET", APP)]


def test_app_unpublish_without_app_returns_none(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(APPS, json=[])
    assert client.app_unpublish() is None
    assert calls(wire, "POST") == []


def test_app_publish_existing_app_unpublishes_then_starts_with_empty_body(
    client: Domino, one_app: requests_mock.Mocker
) -> None:
    one_app.get(APP, json={"status": "Running"})
    client.app_publish()
    assert api_calls(one_app) == [
        ("GET", APPS_OF_PROJECT),  # discovery happens once
        ("GET", APP),
        ("POST", f"{APP}/stop"),
        ("POST", f"{APP}/start"),
    ]
    assert one_app.last_request.json() == {}


def test_app_publish_body_drops_nulls_and_builds_git_ref(
    client: Domino, one_app: requests_mock.Mocker
) -> None:
    client.app_publish(
        unpublish_running_apps=False,
        hardware_tier_id="small-k8s",
        external_volume_mount_ids=["v1"],
        commit_id="c0ffee",
        app_id=APP_ID,
    )
    assert api_calls(one_app) == [("POST", f"{APP}/start")]
    assert one_app.last_request.json() == {
        "hardwareTierId": "small-k8s",
        "externalVolumeMountIds": ["v1"],
        "mainRepoGitRef": {"type": "commitId", "value": "c0ffee"},
    }


def test_app_publish_branch(client: Domino, one_app: requests_mock.Mocker) -> None:
    client.app_publish(False, environment_id="env-1", branch="main", app_id=APP_ID)
    assert one_app.last_request.json() == {
        "environmentId": "env-1",
        "mainRepoGitRef": {"type": "branches", "value": "main"},
    }


def test_app_publish_commit_and_branch_conflict(client: Domino, wire: requests_mock.Mocker) -> None:
    with pytest.raises(ValueError, match="Only one of commit_id or branch"):
        client.app_publish(commit_id="c", branch="b")
    assert wire.request_history == []


def test_app_publish_creates_app_when_project_has_none(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(APPS, json=[])
    wire.post(APPS, json={"id": "new-app"})
    wire.post(f"{APPS}/new-app/start", json="new-app")
    client.app_publish(hardware_tier_id="small-k8s")
    assert api_calls(wire) == [
        ("GET", APPS_OF_PROJECT),
        ("POST", APPS),
        ("POST", f"{APPS}/new-app/start"),
    ]
    created = calls(wire, "POST", APPS)[0].json()
    assert isinstance(created.pop("created"), int) and isinstance(created.pop("lastUpdated"), int)
    assert created == {
        "modelProductType": "APP",
        "projectId": PROJECT_ID,
        "name": "",
        "owner": "",
        "status": "",
        "media": [],
        "openUrl": "",
        "tags": [],
        "stats": {"usageCount": 0},
        "appExtension": {"appType": ""},
        "id": "000000000000000000000000",
        "permissionsData": {
            "visibility": "GRANT_BASED",
            "accessRequestStatuses": {},
            "pendingInvitations": [],
            "discoverable": True,
            "appAccessStatus": "ALLOWED",
        },
    }
    assert wire.last_request.json() == {"hardwareTierId": "small-k8s"}


def test_app_create_without_id_in_answer_fails_clearly(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(APPS, json=[])
    wire.post(APPS, json={"error": "nope"})
    with pytest.raises(exceptions.DominoException, match="Cannot create app"):
        client.app_publish()
    assert len(calls(wire, "POST")) == 1


def test_app_publish_camelcase_keywords_still_work(
    client: Domino, one_app: requests_mock.Mocker
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client.app_publish(unpublishRunningApps=False, hardwareTierId="t", appId=APP_ID)
    assert {str(w.message) for w in caught} == {
        "unpublishRunningApps is deprecated, use unpublish_running_apps",
        "hardwareTierId is deprecated, use hardware_tier_id",
        "appId is deprecated, use app_id",
    }
    assert one_app.last_request.json() == {"hardwareTierId": "t"}
