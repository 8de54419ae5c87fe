"""Every camelCase keyword the public client renamed in 2.2.0 (domino-api.md §14c).

For each one: the old name gives ``DeprecationWarning("<old> is deprecated, use <new>")`` and
exactly the same requests as the new name; both at once give ``ValueError`` and no request.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
import requests_mock
from wire_support import FIND_PROJECT, HOST, PROJECT_ID, FakeTime

from domino import Domino

RUN_ID = "5f0000000000000000000001"
ANSWER = {
    "runId": RUN_ID,
    "id": RUN_ID,
    "status": "Succeeded",
    "outputCommitId": "c1",
    "setup": "setup",
    "stdout": "out",
    "data": [],
}

# (method, positional args, new name, old name, a non-default value)
CASES: list[tuple[str, tuple[Any, ...], str, str, Any]] = [
    ("runs_start", (["main.py"],), "is_direct", "isDirect", True),
    ("runs_start", (["main.py"],), "commit_id", "commitId", "c0ffee"),
    ("runs_start", (["main.py"],), "publish_api_endpoint", "publishApiEndpoint", True),
    ("runs_start_blocking", (["main.py"],), "is_direct", "isDirect", True),
    ("runs_start_blocking", (["main.py"],), "commit_id", "commitId", "c0ffee"),
    ("runs_start_blocking", (["main.py"],), "publish_api_endpoint", "publishApiEndpoint", True),
    ("run_stop", (), "run_id", "runId", RUN_ID),
    ("run_stop", (RUN_ID,), "save_changes", "saveChanges", False),
    ("runs_status", (), "run_id", "runId", RUN_ID),
    ("runs_stdout", (), "run_id", "runId", RUN_ID),
    ("get_run_log", (), "run_id", "runId", RUN_ID),
    ("get_run_log", (RUN_ID,), "include_setup_log", "includeSetupLog", False),
    ("files_list", (), "commit_id", "commitId", "c0ffee"),
    ("app_publish", (), "unpublish_running_apps", "unpublishRunningApps", False),
    ("app_publish", (), "hardware_tier_id", "hardwareTierId", "small-k8s"),
    ("app_publish", (), "environment_id", "environmentId", "env-1"),
    ("app_publish", (), "external_volume_mount_ids", "externalVolumeMountIds", ["v1"]),
    ("app_publish", (), "commit_id", "commitId", "c0ffee"),
    ("app_publish", (), "app_id", "appId", "app-2"),
    ("app_unpublish", (), "app_id", "appId", "app-2"),
]
IDS = [f"{method}-{old}" for method, _, _, old, _ in CASES]


@pytest.fixture
def anything(wire: requests_mock.Mocker, fake_time: FakeTime) -> requests_mock.Mocker:
    # later registrations win in requests-mock: the catch-all goes first
    wire.register_uri(requests_mock.ANY, requests_mock.ANY, json=ANSWER)
    wire.get(FIND_PROJECT, json={"id": PROJECT_ID})
    wire.get(f"{HOST}/v4/modelProducts", json=[{"id": "app-1"}])
    wire.get(f"{HOST}/v4/modelProducts/app-1", json={"status": "Running"})
    wire.get(f"{HOST}/v4/modelProducts/app-2", json={"status": "Running"})
    return wire


def requests_made(wire: requests_mock.Mocker) -> list[tuple[str, str, bytes | str | None]]:
    # the project-id lookup happens only on the first call of a client: leave it out
    return [
        (r.method, r.url, r.body)
        for r in wire.request_history
        if not r.url.startswith(FIND_PROJECT)
    ]


def call(client: Domino, method: str, args: tuple[Any, ...], **kwargs: Any) -> Any:
    return getattr(client, method)(*args, **kwargs)


@pytest.mark.parametrize(("method", "args", "new", "old", "value"), CASES, ids=IDS)
def test_old_keyword_warns_and_sends_the_same_requests_as_new_keyword(
    client: Domino,
    anything: requests_mock.Mocker,
    method: str,
    args: tuple[Any, ...],
    new: str,
    old: str,
    value: Any,
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new name must not warn
        call(client, method, args, **{new: value})
    expected = requests_made(anything)
    anything.reset_mock()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call(client, method, args, **{old: value})
    deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert [str(w.message) for w in deprecations] == [f"{old} is deprecated, use {new}"]
    assert deprecations[0].filename == __file__  # points at the caller's line
    assert requests_made(anything) == expected


@pytest.mark.parametrize(("method", "args", "new", "old", "value"), CASES, ids=IDS)
def test_old_and_new_keyword_together_raise_value_error_before_any_request(
    client: Domino,
    anything: requests_mock.Mocker,
    method: str,
    args: tuple[Any, ...],
    new: str,
    old: str,
    value: Any,
) -> None:
    with pytest.raises(ValueError, match=f"'{new}' or '{old}'"):
        call(client, method, args, **{new: value, old: value})
    assert anything.request_history == []


def test_old_keyword_conflicts_with_positional_new_argument(
    client: Domino, anything: requests_mock.Mocker
) -> None:
    with pytest.raises(ValueError, match="'is_direct' or 'isDirect'"):
        client.runs_start(["main.py"], True, isDirect=False)
    assert anything.request_history == []


def test_unknown_keyword_is_a_type_error(client: Domino, anything: requests_mock.Mocker) -> None:
    with pytest.raises(TypeError):
        client.runs_start(["main.py"], isdirect=True)  # type: ignore[call-arg]
    assert anything.request_history == []
