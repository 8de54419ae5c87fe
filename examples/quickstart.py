"""Quickstart: the main things the ``domino`` client does, end to end.

Point it at any Domino (a real deployment or a local ``domino-server``)::

    export DOMINO_API_HOST=http://127.0.0.1:8899
    export DOMINO_USER_API_KEY=<your API key>
    python examples/quickstart.py

It creates a new project, uploads a small analysis script, runs it as a job and waits for it,
prints the job's output, lists and downloads the files the job wrote, tags the project, adds a
collaborator, creates a dataset and uploads a folder into it.

Optional settings:
    DOMINO_PROJECT_OWNER       owner of the new project (default: admin)
    DOMINO_DEMO_PROJECT        project name (default: quickstart-<random>)
    DOMINO_DEMO_COLLABORATOR   an existing user to add as collaborator (step skipped if unset)
    DOMINO_DEMO_OUTPUT_DIR     where downloaded results go (default: a temporary directory)
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from pathlib import Path

from domino import Domino
from domino.exceptions import DominoException

# The script the job runs. It writes its results under results/; whatever a job creates or
# changes becomes the job's output commit.
ANALYSIS = """\
import json, os, sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
squares = [i * i for i in range(1, n + 1)]
os.makedirs("results", exist_ok=True)
with open("results/squares.csv", "w") as f:
    f.write("i,square\\n")
    f.writelines(f"{i},{s}\\n" for i, s in enumerate(squares, start=1))
with open("results/summary.json", "w") as f:
    json.dump({"n": n, "sum_of_squares": sum(squares)}, f)
print(f"sum of the first {n} squares is {sum(squares)}")
"""

SAMPLE_DATA = {
    "readme.txt": "Sample data uploaded by the quickstart.\n",
    "raw/2024/january.csv": "day,sales\n1,10\n2,12\n",
    "raw/2024/february.csv": "day,sales\n1,9\n2,14\n",
}


def main() -> int:
    for var in ("DOMINO_API_HOST", "DOMINO_USER_API_KEY"):
        if not os.environ.get(var):
            print(f"Please set {var} (see the top of this file).", file=sys.stderr)
            return 2
    owner = os.environ.get("DOMINO_PROJECT_OWNER") or "admin"
    project_name = os.environ.get("DOMINO_DEMO_PROJECT") or f"quickstart-{uuid.uuid4().hex[:8]}"
    collaborator = os.environ.get("DOMINO_DEMO_COLLABORATOR")
    output_dir = Path(
        os.environ.get("DOMINO_DEMO_OUTPUT_DIR") or tempfile.mkdtemp(prefix="quickstart-")
    )

    # 1. Connect and create a project. Host and API key come from the environment.
    domino = Domino(f"{owner}/{project_name}")
    print(f"Connected to Domino {domino.deployment_version()['version']}")
    domino.project_create(project_name)
    print(f"Created project {owner}/{project_name} (id {domino.project_id})")

    # 2. Upload a script into the project.
    domino.files_upload("/analysis.py", ANALYSIS.encode())
    print("Uploaded analysis.py")

    # 3. Run it as a job and wait until it has finished (raises RunFailedException if it fails).
    job = domino.job_start_blocking(command="analysis.py 10", poll_freq=1, max_poll_time=300)
    print(f"Job {job['id']} finished: {job['statuses']['executionStatus']}")

    # 4. Its output.
    print("Job output:")
    for line in domino.runs_stdout(job["id"]).strip().splitlines():
        print(f"    {line}")

    # 5. The files the job wrote are in its output commit: list them and download them.
    output_commit = job["commitDetails"]["outputCommitId"]
    results = domino.files_list(output_commit, "results/")["data"]
    output_dir.mkdir(parents=True, exist_ok=True)
    print(f"Results in commit {output_commit[:12]}:")
    for entry in results:
        content = domino.files_download("/" + entry["path"], output_commit).read()
        local = output_dir / Path(entry["path"]).relative_to("results")
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(content)
        print(f"    {entry['path']} ({entry['size']} bytes) -> {local}")
    print(f"    summary.json says: {(output_dir / 'summary.json').read_text()}")

    # 6. Tag the project (adding a tag twice is harmless).
    domino.tags_add(["quickstart", "demo"])
    domino.tags_add(["demo"])
    print(f"Tags: {', '.join(sorted(tag['name'] for tag in domino.tags_list()))}")

    # 7. Add a collaborator (the user must already exist on the deployment).
    if collaborator:
        domino.collaborators_add(collaborator)
        names = [c["username"] if isinstance(c, dict) else c for c in domino.collaborators_get()]
        print(f"Collaborators: {', '.join(names)}")
    else:
        print("No DOMINO_DEMO_COLLABORATOR set; skipping collaborators_add")

    # 8. Create a dataset and upload a folder into it.
    dataset = domino.datasets_create("quickstart-data", "Created by examples/quickstart.py")
    print(f"Created dataset {dataset['datasetName']} (id {dataset['datasetId']})")
    with tempfile.TemporaryDirectory(prefix="quickstart-data-") as tmp:
        folder = Path(tmp) / "sample-data"
        for rel, text in SAMPLE_DATA.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(text)
        # Paths inside the dataset are relative to the current directory, as in the public
        # client, so upload from the folder's parent.
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            uploaded = domino.datasets_upload_files(dataset["datasetId"], "sample-data")
        finally:
            os.chdir(cwd)
    print(f"Uploaded folder {uploaded} ({len(SAMPLE_DATA)} files) to the dataset")

    # 9. Summary.
    print("Summary:")
    print(f"    project     {owner}/{project_name}")
    print(f"    job         {job['id']} {job['statuses']['executionStatus']}")
    print(f"    results     {len(results)} files downloaded to {output_dir}")
    print(f"    dataset     {dataset['datasetId']}")
    print("Quickstart finished OK")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except DominoException as exc:
        print(f"Quickstart failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
