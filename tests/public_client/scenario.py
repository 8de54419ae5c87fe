"""Core scenario driven by the PUBLIC ``dominodatalab`` client (run in its own venv).

Run by tests/public_client/test_public_client.py as a subprocess with the public client's
Python, ``DOMINO_API_HOST`` / ``DOMINO_USER_API_KEY`` pointing at a local domino-server, and the
working directory set to a scratch folder (the public client computes dataset-upload paths
relative to the CWD). Arguments: ``<project name> <collaborator user name>``.

Each step checks what the public client hands back; the last stdout line is
``SCENARIO-RESULT <json>`` with the ids the test then verifies over plain HTTP.
Exit status 0 means every step passed.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import domino
from domino import Domino

POLL = 1

HELLO = b"""\
import sys
print("public client run", *sys.argv[1:])
"""

JOB = b"""\
import os
os.makedirs("results", exist_ok=True)
with open("results/answer.txt", "w") as f:
    f.write("42\\n")
print("public client job wrote results")
"""

APP_SH = b"""\
#!/usr/bin/env bash
exec sleep 300
"""

UPLOAD_TREE = {
    "a.txt": b"top level\n",
    "sub/b.csv": b"x,y\n1,2\n",
    "sub/deeper/c.bin": bytes(range(256)) * 64,
}


def step(name: str) -> None:
    print(f"STEP {name}", flush=True)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def commit_id(entry: object) -> str:
    return entry if isinstance(entry, str) else entry["id"]  # type: ignore[index]


def main(project_name: str, collaborator: str) -> dict[str, object]:
    step("public client imported")
    check(
        "site-packages" in (domino.__file__ or ""), f"not the installed client: {domino.__file__}"
    )
    result: dict[str, object] = {"client_version": getattr(domino, "__version__", "?")}

    step("project_create + construct")
    d = Domino(f"admin/{project_name}")
    response = d.project_create(project_name)
    check(response.status_code == 200, f"project_create answered {response.status_code}")
    result["project_id"] = d.project_id
    check(len(d.project_id) == 24, f"bad project id {d.project_id!r}")

    step("files_upload + files_list + blobs_get_v2")
    for path, content in {"/hello.py": HELLO, "/job.py": JOB, "/app.sh": APP_SH}.items():
        r = d.files_upload(path, content)
        check(r.status_code == 201, f"files_upload {path} answered {r.status_code}")
    head = commit_id(d.commits_list()[0])
    listed = {e["path"] for e in d.files_list(head, "/")["data"]}
    check({"hello.py", "job.py", "app.sh"} <= listed, f"files_list shows {sorted(listed)}")
    check(d.blobs_get_v2("hello.py", head, d.project_id).read() == HELLO, "blob mismatch")
    check(d.blobs_get_v2("/job.py", head, d.project_id).read() == JOB, "blob mismatch (/)")

    step("runs_start_blocking")
    started = d.runs_start_blocking(["hello.py", "arg1"], poll_freq=POLL, max_poll_time=120)
    run_id = started["runId"]
    result["run_id"] = run_id
    check(d.runs_status(run_id)["status"] == "Succeeded", "run did not succeed")

    step("runs_stdout")
    stdout = d.runs_stdout(run_id)
    check("public client run arg1" in stdout, f"unexpected stdout {stdout!r}")

    step("job_start_blocking")
    job = d.job_start_blocking(command="job.py", poll_freq=POLL, max_poll_time=120)
    check(job["statuses"]["executionStatus"] == "Succeeded", f"job ended {job['statuses']}")
    result["job_id"] = job["id"]
    output_commit = job["commitDetails"]["outputCommitId"]
    check(
        d.blobs_get_v2("results/answer.txt", output_commit, d.project_id).read() == b"42\n",
        "job output not in its output commit",
    )

    step("tags_add + tags_list")
    d.tags_add(["public", "client"])
    d.tags_add(["public"])
    names = sorted(t["name"] for t in d.tags_list())
    check(names == ["client", "public"], f"tags_list shows {names}")

    step("collaborators_add")
    r = d.collaborators_add(collaborator)
    check(r.status_code == 200, f"collaborators_add answered {r.status_code}")

    step("hardware_tiers_list")
    tiers = {t["hardwareTier"]["id"] for t in d.hardware_tiers_list()}
    check({"small-k8s", "medium-k8s", "large-k8s"} <= tiers, f"tiers {sorted(tiers)}")

    step("datasets_create + datasets_list")
    dataset = d.datasets_create("public-data", "made by the public client")
    dataset_id = dataset["datasetId"]
    result["dataset_id"] = dataset_id
    check(
        dataset_id in [x["datasetId"] for x in d.datasets_list(d.project_id)],
        "dataset not listed",
    )

    step("datasets_upload_files")
    root = Path("upload_me")
    for rel, content in UPLOAD_TREE.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(content)
    uploaded = d.datasets_upload_files(dataset_id, "upload_me", target_chunk_size=4096)
    check(uploaded == "upload_me", f"datasets_upload_files returned {uploaded!r}")
    result["uploaded"] = {
        f"upload_me/{rel}": hashlib.sha256(content).hexdigest()
        for rel, content in UPLOAD_TREE.items()
    }

    step("app_publish + app_unpublish")
    r = d.app_publish()
    check(r.status_code == 200, f"app_publish answered {r.status_code}")
    app_id = d.app_id
    check(app_id is not None, "no app after app_publish")
    result["app_id"] = app_id
    status = d.app_get_status(app_id)
    check(status not in (None, "Stopped", "Failed"), f"app status after publish: {status}")
    r = d.app_unpublish()
    check(r is not None and r.status_code == 200, f"app_unpublish answered {r}")

    step("done")
    return result


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: scenario.py <project name> <collaborator user name>")
    for var in ("DOMINO_API_HOST", "DOMINO_USER_API_KEY"):
        if not os.environ.get(var):
            sys.exit(f"{var} must be set")
    summary = main(sys.argv[1], sys.argv[2])
    print("SCENARIO-RESULT " + json.dumps(summary), flush=True)
