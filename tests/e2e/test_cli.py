"""The installed ``domino`` command, in a subprocess, against a live domino-server.

Each case is what a CI step or a person at a terminal would do: run a job and read the exit
status, hit a timeout, mistype the key or the project, upload a dataset with ``--json``, move
files both ways, log in once, press Ctrl-C.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from e2e_support import job_status_of, unique, wait_for

import domino

SCRIPT_DIR = Path(sys.executable).parent
DOMINO = str(SCRIPT_DIR / "domino") if (SCRIPT_DIR / "domino").exists() else shutil.which("domino")

pytestmark = pytest.mark.skipif(DOMINO is None, reason="the domino console script is not installed")

STEPS = (
    "import sys, time\nfor i in range(3):\n    print('step', i, flush=True)\n    time.sleep(0.3)\n"
)
FAILS = "print('about to fail', flush=True)\nraise SystemExit('bad input row 7')\n"
LONG = "import time\nprint('long job started', flush=True)\ntime.sleep(120)\n"


# When pytest runs with SIGINT ignored (a background job of a non-interactive shell, as on some
# CI runners) a child inherits that and Python never turns Ctrl-C into KeyboardInterrupt. This
# restores the default disposition, then becomes the `domino` command (exec keeps it).
EXEC_WITH_CTRL_C = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


def _env(server: Any, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOMINO_")}
    env.update(DOMINO_API_HOST=server.url, DOMINO_USER_API_KEY=server.api_key)
    env.update(extra)
    return env


@pytest.fixture
def run_cli(domino_server: Any, project: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(
        *args: str, env: dict[str, str] | None = None, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        assert DOMINO is not None
        return subprocess.run(
            [DOMINO, *args],
            env=env if env is not None else _env(domino_server, DOMINO_PROJECT=project),
            input=input,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


def test_a_job_that_succeeds_exits_0_with_its_output_streamed(
    run_cli: Callable[..., Any], upload: Callable[[str, str], None]
) -> None:
    upload("/steps.py", STEPS)
    done = run_cli("job", "run", "--follow", "steps.py")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "step 0\nstep 1\nstep 2\n"
    assert "succeeded" in done.stderr


def test_a_job_that_fails_exits_1_and_shows_its_output(
    run_cli: Callable[..., Any], upload: Callable[[str, str], None]
) -> None:
    upload("/fails.py", FAILS)
    done = run_cli("job", "run", "fails.py")
    assert done.returncode == 1
    assert "about to fail" in done.stderr and "bad input row 7" in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("Error: job ")


def test_timeout_exits_3_and_names_the_job_which_keeps_running(
    run_cli: Callable[..., Any], upload: Callable[[str, str], None], client: domino.Domino
) -> None:
    upload("/long.py", LONG)
    done = run_cli("job", "run", "--timeout", "2", "long.py")
    assert done.returncode == 3, done.stderr
    job_id = done.stderr.split("Started job #")[1].split()[1]
    assert f"job {job_id} did not finish within 2 s and is still running" in done.stderr
    assert f"domino job stop {job_id}" in done.stderr
    # on a loaded machine the job may have been queued for most of the 2 s
    wait_for(lambda: job_status_of(client.job_status(job_id)), lambda s: s == "Running")
    stopped = run_cli("job", "stop", job_id)
    assert stopped.returncode == 0
    wait_for(lambda: job_status_of(client.job_status(job_id)), lambda s: s == "Stopped")


def test_wrong_api_key_exits_4(run_cli: Callable[..., Any], domino_server: Any) -> None:
    env = _env(domino_server, DOMINO_USER_API_KEY="not-the-key", DOMINO_PROJECT="admin/x")
    done = run_cli("job", "list", env=env)
    assert done.returncode == 4
    assert len(done.stderr.strip().splitlines()) == 1 and "not-the-key" not in done.stderr


def test_unknown_project_exits_5(run_cli: Callable[..., Any]) -> None:
    done = run_cli("job", "list", "--project", "admin/no-such-project")
    assert done.returncode == 5
    assert "admin/no-such-project" in done.stderr


def test_dataset_upload_with_json(
    run_cli: Callable[..., Any], client: domino.Domino, tmp_path: Path
) -> None:
    name = unique("cli-ds")
    created = run_cli("dataset", "create", name)
    assert created.returncode == 0, created.stderr
    folder = tmp_path / "features"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.csv").write_bytes(b"x" * 3000)
    (folder / "sub" / "b.csv").write_bytes(b"y" * 5000)
    done = run_cli("dataset", "upload", name, str(folder), "--chunk-size", "1KiB", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)  # nothing but the JSON document on stdout
    assert summary["files"] == 2 and summary["bytes_total"] == 8000
    assert summary["dataset_id"] == created.stdout.strip()
    listing = run_cli("dataset", "ls", "--json")
    assert name in [d["datasetName"] for d in json.loads(listing.stdout)]


def test_files_round_trip(
    run_cli: Callable[..., Any], tmp_path: Path, domino_server: Any, project: str
) -> None:
    local = tmp_path / "data.bin"
    local.write_bytes(bytes(range(256)) * 40)
    assert run_cli("files", "upload", str(local), "inputs/data.bin").returncode == 0
    listing = json.loads(run_cli("files", "ls", "--json").stdout)
    assert "inputs/data.bin" in [entry["path"] for entry in listing["data"]]
    back = tmp_path / "back.bin"
    done = run_cli("files", "download", "inputs/data.bin", str(back))
    assert done.returncode == 0, done.stderr
    assert back.read_bytes() == local.read_bytes()
    to_stdout = subprocess.run(
        [str(DOMINO), "files", "download", "inputs/data.bin", "-"],
        env=_env(domino_server, DOMINO_PROJECT=project),
        capture_output=True,
        timeout=60,
    )
    assert to_stdout.returncode == 0 and to_stdout.stdout == local.read_bytes()
    missing = run_cli("files", "download", "inputs/none.bin", str(tmp_path / "x"))
    assert missing.returncode == 5 and not (tmp_path / "x").exists()


def test_login_then_a_command_with_no_other_credentials(
    run_cli: Callable[..., Any], domino_server: Any, project: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOMINO_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    login = run_cli(
        "login",
        "--host",
        domino_server.url,
        "--api-key-stdin",
        env=env,
        input=domino_server.api_key + "\n",
    )
    assert login.returncode == 0, login.stderr
    saved = tmp_path / "config" / "domino" / "credentials"
    assert saved.stat().st_mode & 0o777 == 0o600
    done = run_cli("commits", "--project", project, env=env)
    assert done.returncode == 0, done.stderr
    assert run_cli("logout", env=env).returncode == 0
    again = run_cli("commits", "--project", project, env=env)
    assert again.returncode == 2 and "--host" in again.stderr


@pytest.mark.parametrize(
    ("stop", "sig"),
    [(False, signal.SIGINT), (True, signal.SIGINT), (True, signal.SIGTERM)],
    ids=["ctrl-c-leaves-it-running", "ctrl-c-stop-on-interrupt", "sigterm-stop-on-interrupt"],
)
def test_ctrl_c_while_waiting(
    domino_server: Any,
    project: str,
    upload: Callable[[str, str], None],
    client: domino.Domino,
    stop: bool,
    sig: int,
) -> None:
    upload("/long.py", LONG)
    assert DOMINO is not None
    args = ["job", "run", "--follow", *(["--stop-on-interrupt"] if stop else []), "long.py"]
    proc = subprocess.Popen(
        [sys.executable, "-c", EXEC_WITH_CTRL_C, DOMINO, *args],
        env=_env(domino_server, DOMINO_PROJECT=project),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        # the job's own output arriving on stdout proves it is running and being waited on
        assert proc.stdout.readline() == "long job started\n"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    job_id = err.split("Started job #")[1].split()[1]
    if stop:
        assert f"Stopped job {job_id}." in err
        wait_for(lambda: job_status_of(client.job_status(job_id)), lambda s: s == "Stopped")
    else:
        assert f"job {job_id} is still running. Stop it with: domino job stop {job_id}" in err
        time.sleep(0.5)
        assert job_status_of(client.job_status(job_id)) == "Running"
        client.job_stop(job_id)
        wait_for(lambda: job_status_of(client.job_status(job_id)), lambda s: s == "Stopped")


def test_python_dash_m_domino_is_the_same_command(domino_server: Any) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "domino", "version", "--server"],
        env=_env(domino_server),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"dominodatalab {domino.__version__}")
    assert requests.get(domino_server.url + "/version", timeout=10).json()["version"] in (
        done.stdout
    )
