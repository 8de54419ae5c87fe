"""Issue 12 items 3 and 4: a job's own key, a clean environment, the sandbox, and no process
left behind by a stop, a server shutdown or a server crash (kill -9, then restart)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from live_support import (
    SANDBOX,
    SANDBOX_WHY,
    TALLY,
    CountingApi,
    LocalServer,
    Project,
    assert_store_intact,
    gone,
    new_project,
    pids_with,
    sleeper_token,
    wait_for,
)
from server_support import Served

needs_sandbox = pytest.mark.skipif(not SANDBOX, reason=f"no sandbox here: {SANDBOX_WHY}")
MODES = [pytest.param(True, marks=needs_sandbox, id="sandbox"), pytest.param(False, id="bare")]


def escaping_job(token: str) -> str:
    """Children that leave the process group (setsid) and the parent (double fork)."""
    return (
        f"setsid sleep {token}1 &\n"
        f"( sleep {token}2 & ) &\n"
        'printf %s "$DOMINO_USER_API_KEY" > key.txt\n'
        "echo started\n"
        f"sleep {token}3\n"
    )


@pytest.fixture(params=MODES)
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LocalServer]:
    with LocalServer(tmp_path / "data", sandbox=request.param) as server:
        yield server


def _started(project: Project, job_id: str, token: str) -> None:
    wait_for(lambda: "started" in project.stdout(job_id)["stdout"], bool, timeout=60)
    wait_for(lambda: len(pids_with(token)) >= 3, bool, timeout=30)


def test_stop_kills_setsid_and_double_forked_children_and_revokes_the_key(
    live: LocalServer,
) -> None:
    project = new_project(live)
    token = sleeper_token()
    project.upload("escape.sh", escaping_job(token))
    job = project.start_job("escape.sh")
    _started(project, job["id"], token)
    project.stop(job["id"]).raise_for_status()
    final = project.wait_job(job["id"], timeout=60)
    TALLY["cases"] += 1
    assert final["statuses"]["executionStatus"] == "Stopped"
    assert gone(token), f"left running: {pids_with(token)}"
    key = project.download(final["commitDetails"]["outputCommitId"], "key.txt").decode()
    assert key and key != live.api_key  # its own key, not the caller's
    self_url = live.url + "/v4/users/self"
    assert requests.get(self_url, headers=live.headers(), timeout=10).status_code == 200
    seen = requests.get(self_url, headers={"X-Domino-Api-Key": key}, timeout=10)
    assert seen.status_code == 401


def test_a_job_ending_on_its_own_leaves_no_child(live: LocalServer) -> None:
    project = new_project(live)
    token = sleeper_token()
    project.upload("quick.sh", f"setsid sleep {token}1 &\n( sleep {token}2 & ) &\necho done\n")
    run = project.wait_run(project.start_run(["quick.sh"]), timeout=60)
    TALLY["cases"] += 1
    assert run["status"] == "Succeeded"
    assert gone(token), f"left running: {pids_with(token)}"


def test_the_job_environment_is_not_the_servers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "server-secret-value")
    monkeypatch.setenv("DOMINO_SERVER_PRIVATE", "x")
    with LocalServer(tmp_path / "data", sandbox=False) as server:
        project = new_project(server)
        project.upload("env.sh", "env > env.txt\n")
        run = project.wait_run(project.start_run(["env.sh"]), timeout=60)
        TALLY["cases"] += 1
        env = project.download(run["outputCommitId"], "env.txt").decode()
    assert "server-secret-value" not in env and "DOMINO_SERVER_PRIVATE" not in env
    assert f"DOMINO_USER_API_KEY={server.api_key}" not in env
    assert "DOMINO_API_HOST=" in env and "PATH=" in env


PROBE = """\
test -e "$DOMINO_WORKING_DIR/../../../domino.sqlite3" && echo "sees-database"
ls "$DOMINO_WORKING_DIR/../../.." > /dev/null 2>&1 && echo "listed-data-dir"
touch {outside}/written 2>/dev/null && echo "wrote-outside"
touch /written-root 2>/dev/null && echo "wrote-root"
echo ok > inside.txt && echo "wrote-inside"
echo scratch > /tmp/scratch && echo "wrote-tmp"
n=$(ls /proc | grep -c '^[0-9]')
echo "processes=$n"
"""


@needs_sandbox
def test_in_the_sandbox_the_data_dir_and_other_processes_are_invisible(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    with LocalServer(tmp_path / "data", sandbox=True) as server:
        project = new_project(server)
        project.upload("probe.sh", PROBE.format(outside=outside))
        run = project.wait_run(project.start_run(["probe.sh"]), timeout=60)
        TALLY["cases"] += 1
        out = project.stdout(run["id"])["stdout"]
        assert "inside.txt" in project.files(run["outputCommitId"])
    for leak in ("sees-database", "wrote-outside", "wrote-root"):
        assert leak not in out, out
    assert "wrote-inside" in out and "wrote-tmp" in out
    # Only the shell, its child and ls: not the server, not other jobs.
    assert int(out.split("processes=")[1].split()[0]) <= 5, out
    assert not (outside / "written").exists() and not Path("/written-root").exists()


def test_kill_9_of_the_server_during_a_job_then_restart_kills_what_it_left(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    token = sleeper_token()
    first = Served(data, "--user", "admin:k-admin")
    api = CountingApi(first.url, {"X-Domino-Api-Key": "k-admin"})
    project = Project(api, "admin/quick-start")
    project.upload("escape.sh", escaping_job(token))
    job = project.start_job("escape.sh")
    _started(project, job["id"], token)
    first.kill()
    TALLY["faults"] += 1
    TALLY["cases"] += 1
    assert pids_with(token), "the job's processes should outlive a crashed server"
    again = Served(data, "--user", "admin:k-admin")
    try:
        assert gone(token, timeout=30), f"left running: {pids_with(token)}"
        project.api.url = again.url
        final = project.job(job["id"])
        assert final["statuses"]["executionStatus"] == "Error"
        assert "stopped while this execution was running" in project.stdout(job["id"])["stdout"]
    finally:
        again.interrupt()
    assert_store_intact(data)
    assert not list((data / "processes").glob("*.json"))
    assert os.listdir(data / "executions" / job["id"]) == ["output.log"]


DEVICES_PROBE = """\
echo "devices=$(ls /dev | sort | tr '\\n' ' ')"
echo shm > /dev/shm/probe && echo "wrote-shm"
echo "home=$HOME tmpdir=$TMPDIR"
env | cut -d= -f1 | sort > names.txt
"""


@needs_sandbox
def test_in_the_sandbox_dev_shm_home_tmpdir_and_the_environment_are_as_the_readme_says(
    tmp_path: Path,
) -> None:
    """README (security model): `/dev` holds only null, zero, full, random, urandom and tty
    (and the fd/stdin/stdout/stderr links);
    `/tmp` and `/dev/shm` are writable; inside the sandbox HOME and TMPDIR are /tmp; of the
    server's variables only PATH, LANG, LC_ALL, LC_CTYPE, TZ, TERM, HOME, USER, LOGNAME pass."""
    with LocalServer(tmp_path / "data", sandbox=True) as server:
        project = new_project(server)
        project.upload("devices.sh", DEVICES_PROBE)
        run = project.wait_run(project.start_run(["devices.sh"]), timeout=60)
        TALLY["cases"] += 1
        out = project.stdout(run["id"])["stdout"]
        names = project.download(run["outputCommitId"], "names.txt").decode().split()
    devices = set(out.split("devices=")[1].splitlines()[0].split())
    # the devices, the shm mount point and the usual links to the process's own descriptors
    assert devices == {"null", "zero", "full", "random", "urandom", "tty", "shm"} | {
        "fd",
        "stdin",
        "stdout",
        "stderr",
    }, out
    assert "wrote-shm" in out and "home=/tmp tmpdir=/tmp" in out, out
    kept = {"PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TERM", "HOME", "USER", "LOGNAME"}
    # TMPDIR is the sandbox's own, PYTHONUNBUFFERED=1 the server's; PWD, SHLVL, _ are bash's
    others = [n for n in names if n not in kept and not n.startswith("DOMINO_")]
    assert set(others) <= {"TMPDIR", "PYTHONUNBUFFERED", "PWD", "SHLVL", "_", "OLDPWD"}, others
