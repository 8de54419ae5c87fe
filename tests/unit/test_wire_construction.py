"""Construction, credentials, deployment version and the project-id lookup."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import requests
import requests_mock
from wire_support import (
    API_KEY,
    FIND_PROJECT,
    FIND_PROJECT_URL,
    HOST,
    PROJECT_ID,
    calls,
)

from domino import Domino, exceptions


def test_construction_makes_exactly_one_request_get_version(
    make_client: Any, wire: requests_mock.Mocker
) -> None:
    make_client()
    assert [(r.method, r.url) for r in wire.request_history] == [("GET", f"{HOST}/version")]


def test_api_key_is_sent_as_x_domino_api_key_header_only(
    make_client: Any, wire: requests_mock.Mocker
) -> None:
    make_client()
    headers = wire.last_request.headers
    assert headers["X-Domino-Api-Key"] == API_KEY
    assert "Authorization" not in headers
    assert headers["User-Agent"].startswith("dominodatalab/")


def test_auth_token_is_sent_as_bearer(make_client: Any, wire: requests_mock.Mocker) -> None:
    make_client(api_key=None, auth_token="tok-1")
    assert wire.last_request.headers["Authorization"] == "Bearer tok-1"
    assert "X-Domino-Api-Key" not in wire.last_request.headers


def test_host_is_cleaned_to_scheme_and_netloc(make_client: Any) -> None:
    client = make_client(host=HOST + "/some/path/")
    assert client.host == HOST


def test_host_falls_back_to_domino_api_host(
    make_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOMINO_API_HOST", HOST)
    assert make_client(host=None).host == HOST


def test_missing_host_raises_missing_host_error_naming_the_variable() -> None:
    with pytest.raises(exceptions.MissingHostError, match="DOMINO_API_HOST") as info:
        Domino("alice/churn", api_key=API_KEY)
    assert isinstance(info.value, AssertionError)


@pytest.mark.parametrize("project", ["alice", "alice/churn/x", "/churn", "alice/", "", None])
def test_malformed_project_raises_invalid_project_error_before_any_auth_or_request(
    wire: requests_mock.Mocker, project: Any
) -> None:
    # no credentials at all: the project string must be rejected first
    with pytest.raises(exceptions.InvalidProjectError, match="username/projectname") as info:
        Domino(project, host=HOST)
    assert isinstance(info.value, ValueError)
    assert repr(project) in str(info.value)
    assert wire.request_history == []


def test_no_credentials_raises_no_credentials_error(wire: requests_mock.Mocker) -> None:
    with pytest.raises(exceptions.NoCredentialsError) as info:
        Domino("alice/churn", host=HOST)
    assert isinstance(info.value, RuntimeError)
    assert wire.request_history == []


def test_deployment_older_than_4_1_0_is_rejected(make_client: Any) -> None:
    with pytest.raises(exceptions.UnsupportedDominoVersionError, match="4.1.0"):
        make_client(version="4.0.9")


def test_version_comparison_is_numeric_not_lexicographic(make_client: Any) -> None:
    client = make_client(version="10.0.0")
    assert client.requires_at_least("4.1.0") is True
    assert client.requires_at_least("9.9.9") is True


def test_requires_at_least_raises_for_newer_requirement(make_client: Any) -> None:
    client = make_client(version="5.0.0")
    with pytest.raises(exceptions.UnsupportedDominoVersionError, match="5.1.1"):
        client.requires_at_least("5.1.1")


def test_version_answer_without_version_key_is_a_clear_error(
    wire: requests_mock.Mocker,
) -> None:
    wire.get(f"{HOST}/version", json={"buildId": "1"})
    with pytest.raises(exceptions.UnsupportedDominoVersionError, match="did not report"):
        Domino("alice/churn", api_key=API_KEY, host=HOST)


def test_deployment_version_returns_whole_answer(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    assert client.deployment_version()["version"] == "5.10.0"
    assert [(r.method, r.url) for r in wire.request_history] == [("GET", f"{HOST}/version")]


def test_project_id_lookup_query_and_caching(client: Domino, wire: requests_mock.Mocker) -> None:
    assert client.project_id == PROJECT_ID
    assert client.project_id == PROJECT_ID
    lookups = calls(wire, "GET")
    assert [r.url for r in lookups] == [FIND_PROJECT_URL]


def test_project_id_is_cached_per_instance_not_shared(
    make_client: Any, wire: requests_mock.Mocker
) -> None:
    first, second = make_client(), make_client()
    wire.reset_mock()
    for _ in range(3):
        assert first.project_id == second.project_id == PROJECT_ID
    assert len(calls(wire, "GET", FIND_PROJECT_URL)) == 2


def test_project_name_is_url_encoded_in_lookup(
    make_client: Any, wire: requests_mock.Mocker
) -> None:
    client = make_client(project="al ice/churn&x")
    wire.reset_mock()
    _ = client.project_id
    assert wire.last_request.url == (f"{FIND_PROJECT}?ownerName=al+ice&projectName=churn%26x")


def test_project_lookup_without_id_raises_project_not_found(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(FIND_PROJECT, json={})
    with pytest.raises(exceptions.ProjectNotFoundException, match="churn.*alice"):
        _ = client.project_id


def test_project_lookup_404_raises_project_not_found_with_guidance(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(FIND_PROJECT, status_code=404, json={"message": "no such project"})
    with pytest.raises(exceptions.ProjectNotFoundException) as info:
        _ = client.project_id
    message = str(info.value)
    assert "'alice/churn'" in message and HOST in message and "404" in message
    assert isinstance(info.value.__cause__, exceptions.NotFoundError)


def test_authenticate_switches_credentials_and_keeps_project_id(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    _ = client.project_id
    client.authenticate(auth_token="fresh-token")
    wire.get(f"{HOST}/v4/jobs/j1", json={"id": "j1"})
    client.job_status("j1")
    assert wire.last_request.headers["Authorization"] == "Bearer fresh-token"
    assert "X-Domino-Api-Key" not in wire.last_request.headers
    assert len(calls(wire, "GET", FIND_PROJECT_URL)) == 1


def test_api_key_never_appears_in_repr(client: Domino) -> None:
    assert API_KEY not in repr(client)
    assert "alice/churn" in repr(client)


def test_construction_does_not_configure_root_logging(
    make_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    called: list[Any] = []
    monkeypatch.setattr(logging, "basicConfig", lambda *a, **k: called.append(a))
    monkeypatch.setenv("DOMINO_LOG_LEVEL", "DEBUG")
    root_level = logging.getLogger().level
    try:
        make_client()
        assert called == []
        assert logging.getLogger().level == root_level
        assert logging.getLogger("domino").level == logging.DEBUG
    finally:
        logging.getLogger("domino").setLevel(logging.NOTSET)


def test_http_errors_are_typed_and_still_requests_http_errors(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/v4/jobs/j1", status_code=403, json={"message": "not yours"})
    with pytest.raises(exceptions.ForbiddenError, match="not yours") as info:
        client.job_status("j1")
    assert isinstance(info.value, requests.HTTPError)
    assert API_KEY not in str(info.value)


def test_request_manager_compat_accepts_routes_paths_and_absolute_urls(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.post(f"{HOST}/v4/jobs/start", json={"id": "j"})
    assert client.request_manager.post(client._routes.job_start(), json={}).json() == {"id": "j"}
    assert client.request_manager.post(f"{HOST}/v4/jobs/start", json={}).status_code == 200
    assert [r.url for r in wire.request_history] == [f"{HOST}/v4/jobs/start"] * 2


def test_request_manager_keeps_the_public_positional_data_json_and_get_raw(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    # the public _HttpRequestManager: post(url, data, json), put(url, data),
    # patch(url, data, json), get_raw(url), request_session
    wire.post(f"{HOST}/a", json={})
    wire.put(f"{HOST}/b", json={})
    wire.patch(f"{HOST}/c", json={})
    wire.get(f"{HOST}/d", content=b"raw bytes")
    manager = client.request_manager
    manager.post(f"{HOST}/a", None, {"k": 1})
    manager.put(f"{HOST}/b", b"payload")
    manager.patch(f"{HOST}/c", None, {"n": 2})
    assert manager.get_raw(f"{HOST}/d").read() == b"raw bytes"
    post, put, patch, _ = wire.request_history
    assert post.json() == {"k": 1} and put.body == b"payload" and patch.json() == {"n": 2}
    assert manager.request_session is manager.session
