"""Issue 12 items 1 and 2: collecting a job's results never touches the server's own files and
never kills a worker, whatever the job leaves behind."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_support import TALLY, LocalServer, new_project, wait_for

LINK_DB = (
    'ln "$DOMINO_WORKING_DIR/../../../domino.sqlite3" db-copy\n'
    'ln "$DOMINO_WORKING_DIR/../../../domino.sqlite3-wal" wal-copy 2>/dev/null || true\n'
    "echo mine > real.txt\n"
    "ln real.txt twin.txt\n"
)
DEEP = """\
import os
for _ in range(1500):
    os.mkdir("d")
    os.chdir("d")
open("bottom.txt", "w").write("deep")
"""


@pytest.fixture()
def bare(tmp_path: Path) -> Iterator[LocalServer]:
    """A server without the sandbox: these defences must hold on their own."""
    with LocalServer(tmp_path / "data", workers=2, sandbox=False) as server:
        yield server


def test_a_hard_link_to_the_live_database_is_never_read_back(
    bare: LocalServer, tmp_path: Path
) -> None:
    project = new_project(bare)
    project.upload("link.sh", LINK_DB)
    run = project.wait_run(project.start_run(["link.sh"]), timeout=60)
    TALLY["cases"] += 1
    assert run["status"] == "Succeeded", project.stdout(run["id"])
    files = project.files(run["outputCommitId"])
    assert "db-copy" not in files and "wal-copy" not in files
    # Links that stay inside the working directory are ordinary results.
    assert {"real.txt", "twin.txt"} <= set(files)
    setup = project.stdout(run["id"])["setup"]
    assert "hard-linked to files outside the working directory" in setup
    # The server's locks on its database are intact: another process opening it changes
    # nothing, and every write that follows sticks.
    reader = "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute('SELECT 1').fetchall()"
    db_path = str(tmp_path / "data" / "domino.sqlite3")
    subprocess.run([sys.executable, "-c", reader, db_path], check=True, timeout=60)
    for i in range(30):
        project.upload(f"after-{i}.txt", str(i))
    bare.stop()
    with sqlite3.connect(tmp_path / "data" / "domino.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with LocalServer(tmp_path / "data", sandbox=False) as again:
        head = new_project(again).api.ok("GET", f"{project.v1}/commits")[0]
        assert {f"after-{i}.txt" for i in range(30)} <= set(project_files(again, project, head))


def project_files(server: LocalServer, project: object, commit: str) -> set[str]:
    from live_support import CountingApi, Project

    assert isinstance(project, Project)
    api = CountingApi(server.url, server.headers())
    listing = api.ok("GET", f"{project.v1}/files/{commit}/")
    return {e["path"] for e in listing["data"]}


def test_jobs_leaving_1500_nested_folders_do_not_stop_later_jobs(bare: LocalServer) -> None:
    project = new_project(bare)
    project.upload("deep.py", DEEP)
    project.upload("shallow.sh", "mkdir -p a/b/c && echo ok > a/b/c/f.txt\n")
    deep = [project.start_run(["deep.py"]) for _ in range(2)]  # as many as there are workers
    for run_id in deep:
        run = project.wait_run(run_id, timeout=90)
        TALLY["cases"] += 1
        assert run["status"] == "Succeeded", project.stdout(run_id)
        assert "deeper than 64 levels were not collected" in project.stdout(run_id)["stdout"]
        assert not any(p.endswith("bottom.txt") for p in project.files(run["outputCommitId"]))
    later = project.wait_run(project.start_run(["shallow.sh"]), timeout=60)
    assert later["status"] == "Succeeded"
    assert "a/b/c/f.txt" in project.files(later["outputCommitId"])
    # Working directories of any depth are removed (just after the status is final).
    work_dirs = [bare.data_dir / "executions" / r / "work" for r in deep]
    wait_for(lambda: not any(w.exists() for w in work_dirs), bool, timeout=30)


def test_collection_limits_on_files_bytes_and_path_length_are_reported(tmp_path: Path) -> None:
    from domino.server.outputs import Limits, OutputWalk

    work = tmp_path / "work"
    work.mkdir()
    for i in range(10):
        (work / f"f{i}.txt").write_bytes(b"x" * 100)
    (work / ("n" * 200)).mkdir()
    (work / ("n" * 200) / ("m" * 200)).write_bytes(b"long path")
    limits = Limits(max_files=4, max_bytes=250, max_path_bytes=300)
    walk = OutputWalk(work, limits, protected=set())
    admitted = []
    for found in walk.files():
        fd = walk.open(found)
        assert fd is not None
        os.close(fd)
        admitted.append(found.rel)
    TALLY["cases"] += 1
    assert len(admitted) == 2  # 2 x 100 bytes fit in 250
    lines = " ".join(walk.report.lines(limits))
    assert "beyond the limit of 250 bytes" in lines
    assert "paths longer than 300 bytes" in lines
    walk = OutputWalk(work, Limits(max_files=4), protected=set())
    assert len(list(walk.files())) == 4 and walk.report.over_files == 7
