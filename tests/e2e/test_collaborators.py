"""Collaborators: listing, adding and removing, and what that does to another user's access."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from e2e_support import commit_ids, file_paths, unique

import domino
from domino.exceptions import ForbiddenError, UserNotFoundException

# Prints a digest, never the key itself, so the key does not end up in the run's output.
WHOAMI = b"""\
import hashlib, json, os, urllib.request
key = os.environ["DOMINO_USER_API_KEY"]
print("key-digest", hashlib.sha256(key.encode()).hexdigest())
request = urllib.request.Request(os.environ["DOMINO_API_HOST"] + "/v4/users/self",
                                 headers={"X-Domino-Api-Key": key})
with urllib.request.urlopen(request) as answer:
    print("acting-as", json.load(answer)["userName"])
"""


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


def test_stranger_cannot_reach_the_projects_data_by_id(
    client: domino.Domino, second_user: tuple[str, domino.Domino]
) -> None:
    _, bob = second_user
    client.files_upload("/secret.txt", b"for collaborators only")
    head = commit_ids(client.commits_list())[0]
    dataset = client.datasets_create("private-data", "")
    client.files_upload("/job.py", b"print('private job')\n")
    job = client.job_start("job.py")

    attempts = {
        "blob": lambda: bob.blobs_get_v2("secret.txt", head, client.project_id).read(),
        "dataset": lambda: bob.datasets_details(dataset["datasetId"]),
        "job status": lambda: bob.job_status(job["id"]),
        "job output": lambda: bob.runs_stdout(job["id"]),
        "tags": lambda: bob.tags_list(project_id=client.project_id),
        "jobs list": lambda: bob.jobs_list(client.project_id),
    }
    for what, attempt in attempts.items():
        with pytest.raises(ForbiddenError):
            attempt()
            pytest.fail(f"stranger could read the {what}")


def test_collaborators_job_acts_as_the_collaborator_with_a_key_of_its_own(
    domino_server: Any, client: domino.Domino, project: str
) -> None:
    name = unique("dave")
    key = domino_server.add_user(name)
    client.collaborators_add(name)
    dave = domino.Domino(project, api_key=key, host=domino_server.url)
    dave.files_upload("/whoami.py", WHOAMI)

    job = dave.job_start_blocking(command="whoami.py", poll_freq=0.5, max_poll_time=60)

    out = dave.runs_stdout(job["id"])
    # The job's key is its own (revoked when it ends), never dave's, and acts as dave.
    assert f"acting-as {name}" in out
    assert f"key-digest {hashlib.sha256(key.encode()).hexdigest()}" not in out
    assert key not in out


def test_stranger_cannot_change_the_project(
    client: domino.Domino, second_user: tuple[str, domino.Domino]
) -> None:
    _, bob = second_user
    client.files_upload("/job.py", b"print('x')\n")
    job = client.job_start("job.py")
    pid = client.project_id

    attempts = {
        "files_upload": lambda: bob.files_upload("/evil.txt", b"x"),
        "runs_start": lambda: bob.runs_start(["job.py"]),
        "job_stop": lambda: bob._http.post(  # the facade looks its own project id up first
            "/v4/jobs/stop", json={"projectId": pid, "jobId": job["id"], "commitResults": True}
        ),
        "tags_add": lambda: bob.tags_add(["evil"], project_id=pid),
        "job_restart": lambda: bob.job_restart(job["id"]),
    }
    for what, attempt in attempts.items():
        with pytest.raises(ForbiddenError):
            attempt()
            pytest.fail(f"stranger could {what}")

    head = commit_ids(client.commits_list())[0]
    assert file_paths(client.files_list(head, "/")) == {"job.py"}
    assert client.tags_list() == []
    assert client.runs_list()["data"][0]["id"] == job["id"]
    assert len(client.runs_list()["data"]) == 1


def test_collaborator_cannot_manage_other_collaborators(
    domino_server: Any, client: domino.Domino, second_user: tuple[str, domino.Domino]
) -> None:
    name, bob = second_user
    client.collaborators_add(name)
    carol, erin = unique("carol"), unique("erin")
    domino_server.add_user(carol)
    domino_server.add_user(erin)
    client.collaborators_add(carol)

    with pytest.raises(ForbiddenError):
        bob.collaborators_add(erin)
    with pytest.raises(ForbiddenError):
        bob.collaborators_remove(carol)

    assert _usernames(client.collaborators_get()) & {name, carol, erin} == {name, carol}
