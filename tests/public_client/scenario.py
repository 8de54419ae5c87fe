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
import time
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

FAIL = b"""\
import sys
print("failing on purpose")
sys.exit(1)
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
    response = Domino("admin/quick-start").project_create(project_name)
    check(response.status_code == 200, f"project_create answered {response.status_code}")
    d = Domino(f"admin/{project_name}")
    result["project_id"] = d.project_id
    check(len(d.project_id) == 24, f"bad project id {d.project_id!r}")

    step("files_upload + files_list + blobs_get_v2")
    uploads = {"/hello.py": HELLO, "/job.py": JOB, "/app.sh": APP_SH, "/fail.py": FAIL}
    for path, content in uploads.items():
        r = d.files_upload(path, content)
        check(r.status_code == 201, f"files_upload {path} answered {r.status_code}")
    head = commit_id(d.commits_list()[0])
    listed = {e["path"] for e in d.files_list(head, "/")["data"]}
    check({"hello.py", "job.py", "app.sh"} <= listed, f"files_list shows {sorted(listed)}")
    check(d.blobs_get_v2("hello.py", head, d.project_id).read() == HELLO, "blob mismatch")
    check(d.blobs_get_v2("/job.py", head, d.project_id).read() == JOB, "blob mismatch (/)")
    check(d.files_download("/app.sh", head).read() == APP_SH, "files_download mismatch")

    step("runs_start_blocking")
    started = d.runs_start_blocking(["hello.py", "arg1"], poll_freq=POLL, max_poll_time=120)
    run_id = started["runId"]
    result["run_id"] = run_id
    check(d.runs_status(run_id)["status"] == "Succeeded", "run did not succeed")

    step("runs_stdout + get_run_log + runs_list")
    stdout = d.runs_stdout(run_id)
    check("public client run arg1" in stdout, f"unexpected stdout {stdout!r}")
    check("public client run arg1" in d.get_run_log(run_id), "get_run_log lacks the output")
    check(run_id in [r["id"] for r in d.runs_list()["data"]], "run not in runs_list")

    step("failing run -> RunFailedException")
    try:
        d.runs_start_blocking(["fail.py"], poll_freq=POLL, max_poll_time=120)
    except domino.exceptions.RunFailedException:
        pass
    else:
        raise AssertionError("a failing run did not raise RunFailedException")

    step("job_start_blocking")
    job = d.job_start_blocking(command="job.py", poll_freq=POLL, max_poll_time=120)
    check(job["statuses"]["executionStatus"] == "Succeeded", f"job ended {job['statuses']}")
    result["job_id"] = job["id"]
    output_commit = job["commitDetails"]["outputCommitId"]
    check(
        d.blobs_get_v2("results/answer.txt", output_commit, d.project_id).read() == b"42\n",
        "job output not in its output commit",
    )

    step("job_status + jobs_list + job_runtime_execution_details")
    check(d.job_status(job["id"])["statuses"]["isCompleted"] is True, "job_status not completed")
    listed_jobs = d.jobs_list(d.project_id)
    check(job["id"] in [j["id"] for j in listed_jobs["jobs"]], "job not in jobs_list")
    check("hardwareTier" in d.job_runtime_execution_details(job["id"]), "no tier in details")

    step("job_start on a pinned commit and a tier by name, then job_stop")
    medium = next(
        t["hardwareTier"]["name"]
        for t in d.hardware_tiers_list()
        if t["hardwareTier"]["id"] == "medium-k8s"
    )
    pinned = d.job_start("hello.py pinned", commit_id=head, hardware_tier_name=medium)
    d.job_stop(pinned["id"])
    stopped = d.job_status(pinned["id"])
    for _ in range(600):
        if stopped["statuses"]["isCompleted"]:
            break
        time.sleep(0.1)
        stopped = d.job_status(pinned["id"])
    check(stopped["statuses"]["isCompleted"], f"job_stop left {stopped['statuses']}")

    step("failing job -> RunFailedException")
    try:
        d.job_start_blocking(command="fail.py", poll_freq=POLL, max_poll_time=120)
    except domino.exceptions.RunFailedException:
        pass
    else:
        raise AssertionError("a failing job did not raise RunFailedException")

    step("tags_add + tags_list")
    d.tags_add(["public", "client"])
    d.tags_add(["public"])
    names = sorted(t["name"] for t in d.tags_list())
    check(names == ["client", "public"], f"tags_list shows {names}")
    tag_id = d.tag_get_id("client")
    check(d.tag_details(tag_id)["name"] == "client", "tag_details mismatch")
    d.tags_add(["temporary"])
    d.tags_remove("temporary")
    check(d.tag_get_id("temporary") is None, "tags_remove left the tag")

    step("collaborators_add")
    r = d.collaborators_add(collaborator)
    check(r.status_code == 200, f"collaborators_add answered {r.status_code}")
    current = d.collaborators_get()
    usernames = {c if isinstance(c, str) else c["username"] for c in current}
    check(collaborator in usernames, f"collaborators_get shows {current}")

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
    check(d.datasets_details(dataset_id)["datasetName"] == "public-data", "details mismatch")
    updated = d.datasets_update_details(dataset_id, dataset_description="updated")
    check(updated["description"] == "updated", f"update_details gave {updated}")
    scratch = d.datasets_create("scratch-data", "")
    d.datasets_remove([scratch["datasetId"]])
    check(d.datasets_names(d.project_id) == ["public-data"], "datasets_remove left scratch")

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
