"""Projects: creation, project id lookup, deployment version, authentication failures."""

from __future__ import annotations

import re
from typing import Any

import pytest
from e2e_support import unique

import domino
from domino.exceptions import (
    BadRequestError,
    ProjectNotFoundException,
    ReloginRequiredException,
    UnauthorizedError,
)


def test_project_create_makes_a_project_the_client_can_address(domino_server: Any) -> None:
    admin = domino_server.client("admin/quick-start")
    name = unique("created")

    response = admin.project_create(name)

    assert response.status_code == 200
    created = domino_server.client(f"admin/{name}")
    assert re.fullmatch(r"[0-9a-f]{24}", created.project_id)
    assert created.runs_list()["data"] == []


def test_project_id_is_cached_per_client_and_stable_across_clients(
    domino_server: Any, project: str
) -> None:
    first = domino_server.client(project)
    second = domino_server.client(project)

    assert first.project_id == first.project_id == second.project_id


def test_two_projects_get_distinct_ids(domino_server: Any, fresh_project: str) -> None:
    other = f"admin/{unique('other')}"
    domino_server.client("admin/quick-start").project_create(other.split("/")[1])

    assert domino_server.client(fresh_project).project_id != (
        domino_server.client(other).project_id
    )


def test_duplicate_project_name_is_a_client_error_not_a_relogin(
    domino_server: Any, project: str
) -> None:
    admin = domino_server.client(project)
    name = project.split("/")[1]

    with pytest.raises(BadRequestError) as excinfo:
        admin.project_create(name)

    assert not isinstance(excinfo.value, ReloginRequiredException)
    assert excinfo.value.status_code == 400


def test_project_create_for_another_owner_lands_under_that_owner(domino_server: Any) -> None:
    owner = unique("owner")
    owner_key = domino_server.add_user(owner)
    name = unique("theirs")

    domino_server.client("admin/quick-start").project_create(name, owner_username=owner)

    theirs = domino.Domino(f"{owner}/{name}", api_key=owner_key, host=domino_server.url)
    assert re.fullmatch(r"[0-9a-f]{24}", theirs.project_id)


def test_unknown_project_raises_project_not_found(domino_server: Any) -> None:
    missing = domino_server.client(f"admin/{unique('missing')}")

    with pytest.raises(ProjectNotFoundException) as excinfo:
        _ = missing.project_id

    assert "missing-" in str(excinfo.value)


def test_deployment_version_reports_a_version_every_feature_accepts(client: domino.Domino) -> None:
    version = client.deployment_version()

    assert version["version"] == "5.11.0"
    assert client.requires_at_least("4.1.0")
    assert client.requires_at_least("5.1.1")


def test_requires_at_least_rejects_a_newer_version(client: domino.Domino) -> None:
    with pytest.raises(Exception, match="99.0.0"):
        client.requires_at_least("99.0.0")


def test_wrong_api_key_is_rejected_with_401(domino_server: Any, project: str) -> None:
    with pytest.raises(UnauthorizedError) as excinfo:
        bad = domino.Domino(project, api_key="not-a-real-key", host=domino_server.url)
        bad.runs_list()

    assert excinfo.value.status_code == 401
    assert "not-a-real-key" not in str(excinfo.value)


def test_client_reads_host_and_key_from_the_environment(
    domino_server: Any, project: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOMINO_API_HOST", domino_server.url)
    monkeypatch.setenv("DOMINO_USER_API_KEY", domino_server.api_key)

    from_env = domino.Domino(project)

    assert from_env.runs_list()["data"] == []


def test_bearer_token_from_domino_token_file_authenticates(
    domino_server: Any, project: str, tmp_path: Any
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(domino_server.token("admin") + "\n")

    with_token = domino.Domino(project, host=domino_server.url, domino_token_file=str(token_file))

    assert with_token.runs_list()["data"] == []


def test_authenticate_swaps_credentials_and_keeps_the_project_id(
    domino_server: Any, project: str
) -> None:
    d = domino_server.client(project)
    project_id = d.project_id

    d.authenticate(api_key="revoked-key")
    with pytest.raises(UnauthorizedError):
        d.runs_list()

    d.authenticate(api_key=domino_server.api_key)
    assert d.runs_list()["data"] == []
    assert d.project_id == project_id


def test_auth_token_argument_authenticates_as_bearer(domino_server: Any, project: str) -> None:
    with_token = domino.Domino(project, host=domino_server.url, auth_token=domino_server.token())

    assert with_token.runs_list()["data"] == []


def test_rotated_token_file_is_picked_up_without_a_new_client(
    domino_server: Any, project: str, tmp_path: Any
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(domino_server.token() + "\n")
    d = domino.Domino(project, host=domino_server.url, domino_token_file=str(token_file))
    assert d.runs_list()["data"] == []

    token_file.write_text("expired-or-garbage\n")
    with pytest.raises(UnauthorizedError):
        d.runs_list()

    token_file.write_text(domino_server.token() + "\n")
    assert d.runs_list()["data"] == []
