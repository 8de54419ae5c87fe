"""The ``domino-server`` command line, run as real subprocesses."""

from __future__ import annotations

import importlib.util
import os
import socket
import stat
import subprocess
import time
from pathlib import Path

import pytest
import requests
from server_support import PYTHON, Served


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PYTHON, *args], capture_output=True, text=True, timeout=60)


def _hide_module(monkeypatch: pytest.MonkeyPatch, hidden: str) -> None:
    """Make ``importlib.util.find_spec`` report ``hidden`` as not installed."""
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == hidden else real_find_spec(name, *a),
    )


@pytest.fixture
def served(tmp_path: Path):
    servers: list[Served] = []

    def start(*extra: str, data_dir: Path | None = None) -> Served:
        server = Served(data_dir or tmp_path / "data", *extra)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.kill()


def test_first_start_creates_admin_and_prints_the_key_once(served, tmp_path: Path) -> None:
    first = served()
    key_file = tmp_path / "data" / "admin.key"
    key = key_file.read_text().strip()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Other local accounts can read neither the data (files, datasets) nor the key hashes.
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) & 0o077 == 0
    for name in ("domino.sqlite3", "domino.sqlite3-wal"):
        assert stat.S_IMODE((tmp_path / "data" / name).stat().st_mode) & 0o077 == 0, name
    assert key in "".join(first.lines)
    users = requests.get(first.url + "/v4/users", headers={"X-Domino-Api-Key": key}, timeout=10)
    assert [u["userName"] for u in users.json()] == ["admin"]
    code, output = first.interrupt()
    assert code == 0, output
    second = served()
    assert key not in "".join(second.lines)
    assert requests.get(second.url + "/v4/users", headers={"X-Domino-Api-Key": key}, timeout=10).ok


def test_user_option_sets_the_key_and_skips_the_generated_admin(served, tmp_path: Path) -> None:
    server = served("--user", "alice:alice-secret-key", "--user", "bob:bob-secret-key")
    assert not (tmp_path / "data" / "admin.key").exists()
    for key in ("alice-secret-key", "bob-secret-key"):
        response = requests.get(server.url + "/v4/users", auth=("", key), timeout=10)
        assert response.status_code == 200
    names = [u["userName"] for u in response.json()]
    assert sorted(names) == ["alice", "bob"]
    # README: every user given to `serve` gets a `quick-start` project
    for name, key in (("alice", "alice-secret-key"), ("bob", "bob-secret-key")):
        found = requests.get(
            server.url + "/v4/gateway/projects/findProjectByOwnerAndName",
            params={"ownerName": name, "projectName": "quick-start"},
            headers={"X-Domino-Api-Key": key},
            timeout=10,
        )
        assert found.status_code == 200 and found.json()["name"] == "quick-start", found.text


def test_add_user_and_token_print_working_credentials(served, tmp_path: Path) -> None:
    data = tmp_path / "data"
    added = _cli("add-user", "--data-dir", str(data), "carol")
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip()
    token_run = _cli("token", "--data-dir", str(data), "carol")
    assert token_run.returncode == 0, token_run.stderr
    token = token_run.stdout.strip()
    assert key and token and key != token
    server = served()
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(server.url + "/v4/users", headers=headers, timeout=10).ok
    assert requests.get(server.url + "/v4/users", auth=("carol", key), timeout=10).ok


def test_token_for_unknown_user_fails_clearly(tmp_path: Path) -> None:
    result = _cli("token", "--data-dir", str(tmp_path / "data"), "nobody")
    assert result.returncode == 1 and "nobody" in result.stderr and not result.stdout
    bad = _cli("add-user", "--data-dir", str(tmp_path / "data"), "bad name")
    assert bad.returncode == 2 and "invalid user name" in bad.stderr


def test_sigint_stops_the_server_and_its_executions(served, tmp_path: Path) -> None:
    # Without the sandbox the run can write its pid where the test reads it.
    server = served("--user", "admin:k-admin", "--sandbox", "off")
    headers = {"X-Domino-Api-Key": "k-admin"}
    marker = tmp_path / "child.pid"
    script = (
        f"import os, time\nopen({str(marker)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)\n"
    )
    requests.put(
        server.url + "/v1/projects/admin/quick-start/slow.py",
        data=script,
        headers=headers,
        timeout=10,
    ).raise_for_status()
    run = requests.post(
        server.url + "/v1/projects/admin/quick-start/runs",
        json={"command": ["slow.py"], "isDirect": False},
        headers=headers,
        timeout=10,
    ).json()
    deadline = time.monotonic() + 20
    while not marker.exists() or not marker.read_text():
        assert time.monotonic() < deadline, "the run never started"
        time.sleep(0.05)
    child = int(marker.read_text())
    code, output = server.interrupt()
    assert code == 0, output
    assert "Traceback" not in output
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)
    again = served("--user", "admin:k-admin")
    status = requests.get(
        again.url + f"/v1/projects/admin/quick-start/runs/{run['runId']}",
        headers=headers,
        timeout=10,
    ).json()
    assert status["status"] == "Error" and status["outputCommitId"]


def test_malformed_user_option_is_rejected_without_echoing_the_key(tmp_path: Path) -> None:
    result = _cli("serve", "--data-dir", str(tmp_path / "d"), "--user", "bad name:s3cr3t-value")
    assert result.returncode == 2
    assert "invalid user name" in result.stderr and "s3cr3t-value" not in result.stderr
    result = _cli("serve", "--data-dir", str(tmp_path / "d"), "--user", "no-key-here")
    assert result.returncode == 2 and "NAME:APIKEY" in result.stderr


def _one_line_exit_2(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    """A start-up problem: exit status 2, one line on stderr naming it, nothing else."""
    assert result.returncode == 2, result
    assert "Traceback" not in result.stdout + result.stderr
    assert "listening on" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("domino-server: "), result.stderr
    for text in expected:
        assert text in lines[0], lines[0]


def test_second_serve_on_the_same_data_dir_is_one_line_and_exit_2(served, tmp_path: Path) -> None:
    served("--user", "admin:k-admin")
    result = _cli("serve", "--port", "0", "--data-dir", str(tmp_path / "data"))
    _one_line_exit_2(result, "already serving", str((tmp_path / "data").resolve()))


def test_bad_serve_arguments_are_refused_before_anything_is_created(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    _one_line_exit_2(
        _cli("serve", "--port", "0", "--workers", "0", "--data-dir", str(fresh)), "--workers"
    )
    _one_line_exit_2(_cli("serve", "--port", "70000", "--data-dir", str(fresh)), "--port")
    _one_line_exit_2(  # was a KeyError traceback after "listening on"
        _cli("serve", "--port", "0", "--log-level", "bogus", "--data-dir", str(fresh)),
        "--log-level",
        "'bogus'",
    )
    assert not fresh.exists()  # no data dir, database or admin key for a refused start
    a_file = tmp_path / "file"
    a_file.write_text("not a directory")
    _one_line_exit_2(
        _cli("serve", "--port", "0", "--data-dir", str(a_file)), str(a_file), "not a directory"
    )
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        _one_line_exit_2(
            _cli("serve", "--port", port, "--data-dir", str(fresh)), f"127.0.0.1:{port}"
        )
    assert not fresh.exists()


def test_an_open_data_dir_is_warned_about_once_and_requests_are_not_logged(
    served, tmp_path: Path
) -> None:
    data = tmp_path / "open"
    data.mkdir()
    data.chmod(0o777)
    server = served("--user", "admin:k-admin", data_dir=data)
    for _ in range(3):
        requests.get(server.url + "/version", timeout=10)
    _, output = server.interrupt()
    assert output.count("mode 777") == 1, output
    assert "GET /version" not in output  # no access log by default


def test_access_log_flag_logs_each_request(served, tmp_path: Path) -> None:
    server = served("--user", "admin:k-admin", "--access-log")
    requests.get(server.url + "/version", timeout=10)
    _, output = server.interrupt()
    assert "GET /version" in output


def test_add_user_twice_says_a_second_key_was_issued(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    first = _cli("add-user", "--data-dir", data, "dave")
    assert first.returncode == 0 and "dave@localhost" in first.stderr
    second = _cli("add-user", "--data-dir", data, "dave")
    assert second.returncode == 0 and second.stdout.strip() != first.stdout.strip()
    assert "already exists" in second.stderr and "earlier key still works" in second.stderr


def test_help_shows_defaults_and_the_data_dir_variable() -> None:
    text = _cli("serve", "--help").stdout
    assert "(default: 8899)" in text and "(default: 127.0.0.1)" in text
    assert "DOMINO_SERVER_DATA_DIR" in text and "--access-log" in text


def test_one_key_for_two_users_is_refused_instead_of_logging_in_as_the_first(
    tmp_path: Path,
) -> None:
    key = "shared-key-0123456789"
    result = _cli(
        "serve",
        "--port",
        "0",
        "--data-dir",
        str(tmp_path),
        "--user",
        f"alice:{key}",
        "--user",
        f"bob:{key}",
    )
    assert result.returncode == 2
    assert "already belongs to another user" in result.stderr
    assert "Traceback" not in result.stderr
    assert key not in result.stderr


def test_serve_without_the_server_extra_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from domino.server.__main__ import main

    _hide_module(monkeypatch, "uvicorn")
    assert main(["serve", "--port", "0", "--data-dir", str(tmp_path / "data")]) == 2
    err = capsys.readouterr().err
    assert "uvicorn" in err and "pip install 'dominodatalab[server]'" in err
    assert not (tmp_path / "data").exists()


def test_domino_testing_without_the_server_extra_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from domino.testing import LocalServer

    _hide_module(monkeypatch, "fastapi")
    with pytest.raises(ModuleNotFoundError) as caught:
        LocalServer(tmp_path / "data").start()
    message = str(caught.value)
    assert "'server' extra" in message and "fastapi" in message
    assert "pip install 'dominodatalab[server]'" in message
    assert not (tmp_path / "data").exists()


def test_max_body_mb_sets_the_json_body_cap(served, tmp_path: Path) -> None:
    # The default caps are checked in test_the_limits_the_readme_quotes_are_the_defaults.
    from domino.server.http_limits import MiB

    server = served("--user", "admin:k-admin", "--max-body-mb", "1")
    headers = {"X-Domino-Api-Key": "k-admin", "Content-Type": "application/json"}
    big = b'{"name": "' + b"x" * (2 * MiB) + b'"}'
    refused = requests.post(server.url + "/v4/projects", data=big, headers=headers, timeout=30)
    assert refused.status_code == 413, refused.text
    small = b'{"name": "' + b"x" * (MiB // 2) + b'"}'
    answered = requests.post(server.url + "/v4/projects", data=small, headers=headers, timeout=30)
    assert answered.status_code != 413  # under the 1 MiB cap: judged on its content (400)


def test_the_limits_the_readme_quotes_are_the_defaults() -> None:
    """README (security model of the local server): every number of its limit bullets."""
    from domino.server import launch, outputs, projects, repo
    from domino.server.http_limits import HttpLimits, MiB

    limits = HttpLimits()
    # JSON bodies 16 MiB, dataset chunks 128 MiB, file uploads 16 GiB, stalled body 60 s,
    # incomplete request headers 30 s
    assert (limits.json_body, limits.chunk_body, limits.file_body) == (
        16 * MiB,
        128 * MiB,
        16 << 30,
    )
    assert (limits.body_timeout, limits.header_timeout) == (60.0, 30.0)
    # results: at most 64 levels, 1,024-byte paths, 100,000 files and 8 GiB
    walk = outputs.Limits()
    assert (walk.max_depth, walk.max_path_bytes, walk.max_files, walk.max_bytes) == (
        64,
        1024,
        100_000,
        8 << 30,
    )
    # uploads: names longer than 255 bytes refused; at most 1,000 tags; output kept up to 16 MiB
    assert (repo.MAX_PATH_DEPTH, repo.MAX_PATH_BYTES, repo.MAX_NAME_BYTES) == (64, 1024, 255)
    assert projects.MAX_TAGS_PER_REQUEST == 1000
    assert launch.DEFAULT_LOG_CAP == 16 * MiB


def test_serve_prints_one_line_saying_whether_the_sandbox_is_on_and_why(served) -> None:
    """README (security model): `sandbox on (unshare: ...)` or `sandbox OFF (<reason>)`."""
    from domino.server.launch import probe_sandbox

    usable, _ = probe_sandbox()
    auto = served("--user", "admin:k-admin", data_dir=None)
    lines = [line for line in auto.lines if line.startswith(("sandbox on (", "sandbox OFF ("))]
    assert len(lines) == 1, auto.lines
    if usable:
        assert lines[0].startswith("sandbox on (unshare: own user, PID and mount namespaces)")
    else:
        assert lines[0].startswith("sandbox OFF (")


def test_sandbox_off_says_off_with_its_reason(served, tmp_path: Path) -> None:
    off = served("--user", "admin:k-admin", "--sandbox", "off", data_dir=tmp_path / "off")
    lines = [line for line in off.lines if line.startswith("sandbox ")]
    assert len(lines) == 1 and lines[0].startswith("sandbox OFF ("), off.lines
