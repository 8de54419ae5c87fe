"""Issue 12 item 8 and the access matrix: anonymous, wrong key, stranger, collaborator, owner
and admin against every read route about a project, answered exactly as designed; explicit
administrators; keys listed and revoked; operator-chosen keys under a slow salted hash."""

from __future__ import annotations

import re
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from live_support import TALLY, CountingApi, LocalServer, Project
from server_support import PYTHON, Served, Upload

from domino.server.keys import fast_hash

# The reads about one project's things: every GET route whose path names only these. (Routes
# about no project, or about the catalogue, are checked for 401 in tests/server/test_server_auth.)
SCOPED = {"owner", "project", "project_id", "commit_id", "path", "run_id", "job_id", "app_id",
          "dataset_id", "tag_id"}  # fmt: skip
# Answers 400 to a member without its own query parameters (tests/server/test_uploads.py).
NEEDS_QUERY = {"/v4/datasetrw/datasets/{dataset_id}/snapshot/file/test"}
# Who may read a private project's things, by design: its owner and collaborators. An admin
# may reset the server but is not a member of everyone's projects.
EXPECTED = {
    "anonymous": {401},
    "wrong key": {401},
    "stranger": {403, 404},
    "admin": {403, 404},
    "collaborator": {200},
    "owner": {200},
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalServer, dict]]:
    with LocalServer(tmp_path_factory.mktemp("access") / "data", workers=2) as server:
        keys = {name: server.add_user(name) for name in ("alice", "bob", "carol")}
        yield server, keys


def test_the_access_matrix(world: tuple[LocalServer, dict]) -> None:
    server, keys = world
    owner = CountingApi(server.url, server.headers(keys["alice"]))
    project = Project(owner, server.create_project(owner="alice"))
    carol = owner.ok("GET", "/v4/users/self", headers=server.headers(keys["carol"]))["id"]
    owner.ok("POST", f"/v4/projects/{project.id}/collaborators", json={"collaboratorId": carol})
    project.upload("main.sh", "echo hi > out.txt\n")
    run = project.wait_run(project.start_run(["main.sh"]), timeout=60)
    dataset = owner.ok("POST", "/dataset", json={"projectId": project.id, "datasetName": "d"})
    app = owner.ok("POST", "/v4/modelProducts", json={"projectId": project.id, "name": "a"})
    tag = owner.ok("POST", f"/v4/projects/{project.id}/tags", json={"tagNames": ["private-t"]})
    upload = owner.post(
        f"/v4/datasetrw/datasets/{dataset['datasetId']}/snapshot/file/start", json={}
    ).json()
    values = {
        "owner": "alice",
        "project": project.name,
        "project_id": project.id,
        "commit_id": run["outputCommitId"],
        "path": "out.txt",
        "key": upload,
        "dataset_id": dataset["datasetId"],
        "job_id": run["id"],
        "run_id": run["id"],
        "app_id": app["id"],
        "tag_id": tag[0]["id"],
    }
    roles = {
        "anonymous": {},
        "wrong key": {"X-Domino-Api-Key": "not-a-key"},
        "stranger": server.headers(keys["bob"]),
        "admin": server.headers(),
        "collaborator": server.headers(keys["carol"]),
        "owner": server.headers(keys["alice"]),
    }
    spec = owner.get("/openapi.json").json()
    seen: dict[str, int] = {}
    wrong: list[str] = []
    for template, methods in spec["paths"].items():
        names = set(re.findall(r"{(\w+)(?::path)?}", template))
        if "get" not in methods or not names or not names <= SCOPED or template in NEEDS_QUERY:
            continue
        path = re.sub(r"{(\w+)(?::path)?}", lambda m: values[m.group(1)], template)
        params = {"projectId": project.id, "key": upload}
        for role, headers in roles.items():
            answer = requests.get(server.url + path, headers=headers, params=params, timeout=30)
            TALLY["requests"] += 1
            TALLY["cases"] += 1
            status = 200 if answer.ok else answer.status_code
            if status not in EXPECTED[role]:
                wrong.append(f"{role}: GET {template} -> {answer.status_code}")
            if not answer.ok:
                assert answer.json()["message"]
        seen[template] = 1
    assert not wrong, "\n".join(wrong)
    assert len(seen) >= 15, sorted(seen)
    assert "/projectTags/{tag_id}" in seen


def test_upload_stats_are_the_callers_own(world: tuple[LocalServer, dict]) -> None:
    server, keys = world
    project = server.create_project(owner="bob")
    bob = CountingApi(server.url, server.headers(keys["bob"]))
    found = Project(bob, project)
    dataset = bob.ok("POST", "/dataset", json={"projectId": found.id, "datasetName": "s"})
    stats_url = server.url + "/_local/uploads/stats"
    before = requests.get(stats_url, headers=server.headers(), timeout=10)
    session = requests.Session()
    session.headers.update(server.headers(keys["bob"]))
    upload = Upload(server, session, dataset["datasetId"])
    assert upload.chunk("a.txt", 1, b"12345").status_code == 200
    after = requests.get(stats_url, headers=server.headers(), timeout=10)
    mine = bob.ok("GET", "/_local/uploads/stats")
    TALLY["cases"] += 1
    assert before.json() == after.json()
    assert mine["chunks_stored"] == 1 and mine["bytes_stored"] == 5


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PYTHON, *args], capture_output=True, text=True, timeout=60)


def test_admin_is_explicit_keys_are_listed_revoked_and_chosen_keys_slow_hashed(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    added = _cli("add-user", "--data-dir", str(data), "carol")
    assert added.returncode == 0, added.stderr
    carol_key = added.stdout.strip()
    server = Served(
        data, "--user", "alice:alice-chosen-key", "--user", "bob:bob-key-2", "--admin", "bob"
    )
    try:

        def reset(key: str) -> int:
            TALLY["requests"] += 1
            headers = {"X-Domino-Api-Key": key}
            return requests.post(
                server.url + "/_local/reset", headers=headers, timeout=30
            ).status_code

        TALLY["cases"] += 4
        assert reset("alice-chosen-key") == 403  # the first --user is not silently an admin
        assert reset(carol_key) == 403
        assert reset("bob-key-2") == 200
        listing = _cli("keys", "list", "--data-dir", str(data))
        assert listing.returncode == 0, listing.stderr
        rows = [line.split() for line in listing.stdout.splitlines()]
        by_user = {row[1]: row for row in rows if row[2] == "key"}
        assert by_user["alice"][3] == "scrypt" and by_user["carol"][3] == "sha256"
        assert "alice-chosen-key" not in listing.stdout and carol_key not in listing.stdout
        revoked = _cli("keys", "revoke", "--data-dir", str(data), by_user["carol"][0])
        assert revoked.returncode == 0, revoked.stderr
        self_url = server.url + "/v4/users/self"
        gone = requests.get(self_url, headers={"X-Domino-Api-Key": carol_key}, timeout=10)
        assert gone.status_code == 401
        unknown = _cli("keys", "revoke", "--data-dir", str(data), "000000000000")
        assert unknown.returncode == 1 and "000000000000" in unknown.stderr
    finally:
        server.interrupt()
    with sqlite3.connect(data / "domino.sqlite3") as db:
        stored = {row[0] for row in db.execute("SELECT hash FROM credentials")}
    assert fast_hash("alice-chosen-key") not in stored
    assert any(h.startswith("scrypt:") for h in stored)
