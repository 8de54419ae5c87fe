"""Parsing, output formats and exit codes of the commands (requests-mock Domino, in-process)."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
import requests_mock
from cli_support import FIND_PROJECT, HOST, JOB, JOB_ID, KEY, PROJECT_ID, START, STDOUT, STOP, job
from click.testing import Result

import domino.cli._root as domino_cli_module
from domino import Domino, _profile
from domino.cli import cli
from domino.cli.datasets import parse_size

Invoke = Callable[..., Result]


def start_body(wire: requests_mock.Mocker) -> dict[str, Any]:
    posts = [r for r in wire.request_history if r.method == "POST" and r.url == START]
    assert len(posts) == 1
    body: dict[str, Any] = posts[0].json()
    return body


# --------------------------------------------------------------------------- help and parsing


def test_top_level_help_lists_every_command_family_and_the_exit_codes(domino_cli: Invoke) -> None:
    result = domino_cli("--help")
    assert result.exit_code == 0
    for name in ("job", "run", "files", "commits", "dataset", "project", "app", "tiers", "env"):
        assert f"  {name} " in result.stdout
    for name in ("version", "login", "logout", "pipeline", "completion"):
        assert f"  {name} " in result.stdout
    assert "130  interrupted" in result.stdout and "Example" in result.stdout


def _all_commands(group: click.Group, ctx: click.Context, prefix: str = "") -> list[str]:
    names = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        if name == "pipeline":
            continue  # owned by domino.pipelines
        names.append(f"{prefix}{name}")
        if isinstance(command, click.Group):
            names += _all_commands(command, ctx, f"{prefix}{name} ")
    return names


def test_every_command_has_a_help_page_with_an_example(domino_cli: Invoke) -> None:
    commands = _all_commands(cli, click.Context(cli))
    assert "job run" in commands and "project collaborator add" in commands
    for command in commands:
        result = domino_cli(*command.split(), "--help")
        assert result.exit_code == 0, command
        assert "Example" in result.stdout, f"`domino {command} --help` has no example"


READ_COMMANDS = [
    "job status", "job logs", "job list", "run list", "run status", "run logs", "files ls",
    "commits", "dataset ls", "dataset info", "project ls", "project tags",
    "project collaborators", "app status", "tiers", "env ls", "version",
]  # fmt: skip


@pytest.mark.parametrize("command", READ_COMMANDS)
def test_every_read_command_takes_json(domino_cli: Invoke, command: str) -> None:
    assert "--json" in domino_cli(*command.split(), "--help").stdout


def test_job_run_passes_everything_after_the_command_verbatim(
    domino_cli: Invoke, wire: requests_mock.Mocker
) -> None:
    wire.post(START, json=job("Queued"))
    result = domino_cli("job", "run", "--no-wait", "--title", "t1", "train.py", "--epochs", "3")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{JOB_ID}\n"
    body = start_body(wire)
    assert body["commandToRun"] == "train.py --epochs 3"
    assert body["title"] == "t1" and body["projectId"] == PROJECT_ID
    assert f"Started job #7 {JOB_ID}" in result.stderr


def test_one_quoted_command_is_sent_as_written_and_json_prints_the_job(
    domino_cli: Invoke, wire: requests_mock.Mocker
) -> None:
    wire.post(START, json=job("Queued"))
    result = domino_cli("job", "run", "--no-wait", "--json", "python x.py 'a b' | tee log")
    assert result.exit_code == 0
    assert start_body(wire)["commandToRun"] == "python x.py 'a b' | tee log"
    assert json.loads(result.stdout)["id"] == JOB_ID


def test_conflicting_or_missing_options_exit_2_before_any_request(
    domino_cli: Invoke, wire: requests_mock.Mocker
) -> None:
    result = domino_cli("job", "run", "--tier", "Small", "--tier-id", "small-k8s", "x.py")
    assert result.exit_code == 2 and "either --tier" in result.stderr
    assert domino_cli("job", "run").exit_code == 2
    assert domino_cli("job", "run", "--timeout", "-1", "x.py").exit_code == 2
    assert not [r for r in wire.request_history if r.method == "POST"]


def test_no_project_anywhere_is_a_usage_error_naming_the_option(domino_cli: Invoke) -> None:
    result = domino_cli("job", "list", env={"DOMINO_PROJECT": ""})
    assert result.exit_code == 2
    assert "--project owner/name" in result.stderr


def test_project_comes_from_the_domino_run_variables(
    domino_cli: Invoke, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/v1/projects/bob/etl/commits", json=["c1", "c0"])
    env = {"DOMINO_PROJECT": "", "DOMINO_PROJECT_OWNER": "bob", "DOMINO_PROJECT_NAME": "etl"}
    result = domino_cli("commits", env=env)
    assert result.exit_code == 0 and result.stdout == "c1\nc0\n"


def test_connection_options_work_before_and_after_the_command(
    domino_cli: Invoke, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/v1/projects/carol/p1/commits", json=["c9"])
    env = {"DOMINO_API_HOST": "", "DOMINO_PROJECT": ""}
    before = domino_cli("--host", HOST, "--project", "carol/p1", "commits", env=env)
    after = domino_cli("commits", "--host", HOST, "-p", "carol/p1", env=env)
    assert before.stdout == after.stdout == "c9\n"
    assert all(r.headers["X-Domino-Api-Key"] == KEY for r in wire.request_history)


# --------------------------------------------------------------------------- waiting


def test_a_job_that_succeeds_exits_0_and_follow_streams_its_output(
    domino_cli: Invoke, wire: requests_mock.Mocker, fake_time: list[float]
) -> None:
    wire.post(START, json=job("Queued"))
    wire.get(JOB, [{"json": job("Running")}, {"json": job("Running")}, {"json": job("Succeeded")}])
    wire.get(
        STDOUT,
        [
            {"json": {"setup": "", "stdout": "epoch 1\n"}},
            {"json": {"setup": "", "stdout": "epoch 1\nepoch 2\n"}},
            {"json": {"setup": "", "stdout": "epoch 1\nepoch 2\ndone\n"}},
        ],
    )
    result = domino_cli("job", "run", "--follow", "train.py")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "epoch 1\nepoch 2\ndone\n"  # each line once, in order
    assert f"job {JOB_ID}: Running" in result.stderr and "succeeded" in result.stderr


def test_a_failed_job_exits_1_and_shows_its_output(
    domino_cli: Invoke, wire: requests_mock.Mocker, fake_time: list[float]
) -> None:
    wire.post(START, json=job("Queued"))
    wire.get(JOB, json=job("Failed"))
    wire.get(STDOUT, json={"setup": "", "stdout": "Traceback\nValueError: bad row\n"})
    result = domino_cli("job", "run", "train.py")
    assert result.exit_code == 1
    assert "ValueError: bad row" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: job {JOB_ID} ended Failed — see its output above"
    )


@pytest.mark.parametrize("status", ["Error", "Stopped"])
def test_error_and_stopped_also_exit_1(
    domino_cli: Invoke, wire: requests_mock.Mocker, fake_time: list[float], status: str
) -> None:
    wire.post(START, json=job("Queued"))
    wire.get(JOB, json=job(status))
    wire.get(STDOUT, json={"setup": "", "stdout": ""})
    assert domino_cli("job", "run", "x.py").exit_code == 1


def test_json_with_follow_keeps_stdout_to_the_final_job_object(
    domino_cli: Invoke, wire: requests_mock.Mocker, fake_time: list[float]
) -> None:
    wire.post(START, json=job("Queued"))
    wire.get(JOB, [{"json": job("Running")}, {"json": job("Succeeded")}])
    wire.get(STDOUT, json={"setup": "", "stdout": "noise\n"})
    result = domino_cli("job", "run", "--follow", "--json", "x.py")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["statuses"]["executionStatus"] == "Succeeded"
    assert "noise" in result.stderr


def test_timeout_exits_3_and_says_the_job_still_runs_and_how_to_stop_it(
    domino_cli: Invoke, wire: requests_mock.Mocker, fake_time: list[float]
) -> None:
    wire.post(START, json=job("Queued"))
    wire.get(JOB, json=job("Running"))
    result = domino_cli("job", "run", "--timeout", "30", "x.py")
    assert result.exit_code == 3
    assert f"job {JOB_ID} did not finish within 30 s and is still running" in result.stderr
    assert f"domino job stop {JOB_ID} --project alice/churn" in result.stderr
    assert sum(fake_time) == pytest.approx(30)
    assert not [r for r in wire.request_history if r.url == STOP]


@pytest.mark.parametrize("stop", [False, True])
def test_ctrl_c_exits_130_naming_the_job_and_stops_it_only_when_asked(
    domino_cli: Invoke, wire: requests_mock.Mocker, fake_time: list[float], stop: bool
) -> None:
    wire.post(START, json=job("Queued"))
    wire.get(JOB, [{"json": job("Running")}, {"exc": KeyboardInterrupt}])
    wire.post(STOP, json=job("Stopped"))
    args = ["job", "run", *(["--stop-on-interrupt"] if stop else []), "x.py"]
    result = domino_cli(*args)
    assert result.exit_code == 130
    stops = [r for r in wire.request_history if r.url == STOP]
    if stop:
        assert len(stops) == 1 and stops[0].json()["jobId"] == JOB_ID
        assert f"Stopped job {JOB_ID}." in result.stderr
    else:
        assert stops == []
        assert f"job {JOB_ID} is still running. Stop it with: domino job stop {JOB_ID}" in (
            result.stderr
        )


# --------------------------------------------------------------------------- errors


def test_wrong_api_key_exits_4_with_one_line(
    domino_cli: Invoke, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/version", status_code=401, json={"message": "Invalid API key"})
    result = domino_cli("job", "list")
    assert result.exit_code == 4
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Invalid API key" in result.stderr and "domino login" in result.stderr
    assert KEY not in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_adds_the_traceback(domino_cli: Invoke, wire: requests_mock.Mocker) -> None:
    wire.get(f"{HOST}/version", status_code=401, json={"message": "Invalid API key"})
    result = domino_cli("--debug", "job", "list")
    assert result.exit_code == 4 and "Traceback" in result.stderr


def test_unknown_project_exits_5(domino_cli: Invoke, wire: requests_mock.Mocker) -> None:
    wire.get(FIND_PROJECT, status_code=404, json={"message": "no such project"})
    result = domino_cli("job", "list", "--project", "alice/nope")
    assert result.exit_code == 5
    assert "alice/nope" in result.stderr and "--project" in result.stderr


def test_server_failure_exits_6(domino_cli: Invoke, wire: requests_mock.Mocker) -> None:
    wire.get(JOB, status_code=503, text="upstream down")
    result = domino_cli("job", "status", JOB_ID)
    assert result.exit_code == 6 and "503" in result.stderr


def test_a_server_that_stays_down_while_waiting_exits_6_and_says_the_job_may_run(
    domino_cli: Invoke, wire: requests_mock.Mocker, fake_time: list[float]
) -> None:
    wire.post(START, json=job("Queued"))
    wire.get(JOB, status_code=502, text="bad gateway")
    result = domino_cli("job", "run", "x.py")
    assert result.exit_code == 6
    assert f"job {JOB_ID} may still be running" in result.stderr
    assert "13 status checks in a row failed" in result.stderr
    assert result.stderr.count("WARNING") == 12  # each failed check was shown


def test_missing_pipelines_extra_says_what_to_install(
    domino_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = dict(domino_cli_module._COMMANDS)
    commands["pipeline"] = ("domino._no_such_module_for_tests", "pipeline")
    monkeypatch.setattr(domino_cli_module, "_COMMANDS", commands)
    result = domino_cli("pipeline", "run", "x.yaml")
    assert result.exit_code == 2
    assert "pip install 'dominodatalab[pipelines]'" in result.stderr


# --------------------------------------------------------------------------- output formats


def test_job_list_is_a_table_for_people_and_the_answer_with_json(
    domino_cli: Invoke, wire: requests_mock.Mocker
) -> None:
    listing = {"jobs": [job("Succeeded", number=2), job("Failed", number=1)], "totalCount": 2}
    wire.get(f"{HOST}/v4/jobs", json=listing)
    table = domino_cli("job", "list").stdout.splitlines()
    assert table[0].split() == ["NUMBER", "ID", "STATUS", "STARTED", "COMMAND", "TITLE"]
    assert table[1].split()[:3] == ["2", JOB_ID, "Succeeded"]
    assert table[0].index("STATUS") == table[1].index("Succeeded")  # aligned columns
    assert json.loads(domino_cli("job", "list", "--json").stdout) == listing
    assert json.loads(domino_cli("--json", "job", "list").stdout) == listing
    query = wire.request_history[-1].qs
    assert query["page_size"] == ["20"] and query["projectId"] == [PROJECT_ID]


def test_a_table_row_stays_one_line_and_sends_no_control_characters(
    domino_cli: Invoke, wire: requests_mock.Mocker
) -> None:
    multi_line = job("Succeeded", command="python -c 'import x\nx.run()'")
    multi_line["title"] = "nightly \x1b]0;owned\x07"  # an escape sequence for the terminal
    wire.get(f"{HOST}/v4/jobs", json={"jobs": [multi_line], "totalCount": 1})
    table = domino_cli("job", "list").stdout.splitlines()
    assert len(table) == 2, table
    assert "\x1b" not in table[1] and "\\x1b]0;owned\\x07" in table[1]
    assert "import x\\nx.run()" in table[1]


def test_job_status_text_and_json(domino_cli: Invoke, wire: requests_mock.Mocker) -> None:
    wire.get(JOB, json=job("Running"))
    text = domino_cli("job", "status", JOB_ID).stdout
    assert "status" in text and "Running" in text and "train.py" in text
    assert json.loads(domino_cli("job", "status", JOB_ID, "--json").stdout) == job("Running")


def test_version_needs_no_server_and_has_json(domino_cli: Invoke) -> None:
    from domino import __version__

    result = domino_cli("version", env={"DOMINO_API_HOST": ""})
    assert result.exit_code == 0 and result.stdout.startswith(f"dominodatalab {__version__} ")
    assert json.loads(domino_cli("version", "--json").stdout)["client"] == __version__


def test_completion_script_for_bash(domino_cli: Invoke) -> None:
    result = domino_cli("completion", "bash")
    assert result.exit_code == 0 and "_DOMINO_COMPLETE" in result.stdout


@pytest.mark.parametrize(
    ("text", "size"),
    [("8MiB", 8 << 20), ("512KiB", 512 << 10), ("1048576", 1 << 20), ("2MB", 2_000_000)],
)
def test_chunk_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_bad_chunk_size_is_a_usage_error(domino_cli: Invoke, tmp_path: Path) -> None:
    result = domino_cli("dataset", "upload", "ds", str(tmp_path), "--chunk-size", "lots")
    assert result.exit_code == 2 and "'lots' is not a size" in result.stderr


# --------------------------------------------------------------------------- login


def test_login_saves_a_private_profile_that_the_library_uses_last(
    domino_cli: Invoke, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/v4/users/self", json={"userName": "alice"})
    result = domino_cli("login", "--host", HOST + "/some/path", input="saved-key-1\n")
    assert result.exit_code == 0, result.stderr
    assert "saved-key-1" not in result.stdout + result.stderr
    path = _profile.credentials_path()
    assert str(path).startswith(os.environ["XDG_CONFIG_HOME"])  # never the real home
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert wire.request_history[-1].headers["X-Domino-Api-Key"] == "saved-key-1"

    wire.reset_mock()
    client = Domino("alice/churn")  # no host, no key, no DOMINO_* variable
    assert client.host == HOST
    assert wire.request_history[-1].headers["X-Domino-Api-Key"] == "saved-key-1"
    # anything else in the chain still wins
    os.environ["DOMINO_USER_API_KEY"] = "env-key"
    try:
        Domino("alice/churn")
        assert wire.request_history[-1].headers["X-Domino-Api-Key"] == "env-key"
    finally:
        del os.environ["DOMINO_USER_API_KEY"]

    assert domino_cli("logout").exit_code == 0
    assert not path.exists()
    assert "nothing to do" in domino_cli("logout").stderr


def test_a_saved_key_is_never_sent_to_another_host(wire: requests_mock.Mocker) -> None:
    _profile.save(_profile.Profile("default", "http://elsewhere.test:1", "other-key"))
    with pytest.raises(RuntimeError, match="no authentication provided"):
        Domino("alice/churn", host=HOST)
    assert not wire.request_history


def test_profiles_are_chosen_by_name(domino_cli: Invoke, wire: requests_mock.Mocker) -> None:
    _profile.save(_profile.Profile("staging", HOST, "staging-key"))
    wire.get(f"{HOST}/v1/projects/alice/churn/commits", json=["c1"])
    env = {"DOMINO_API_HOST": "", "DOMINO_USER_API_KEY": ""}
    assert domino_cli("commits", env=env).exit_code == 2  # no default profile: no host
    result = domino_cli("commits", "--profile", "staging", env=env)
    assert result.exit_code == 0 and result.stdout == "c1\n"
    assert wire.request_history[-1].headers["X-Domino-Api-Key"] == "staging-key"
    assert "staging-key" not in repr(_profile.load("staging"))
    by_variable = domino_cli("commits", env={**env, "DOMINO_PROFILE": "staging"})
    assert by_variable.exit_code == 0 and by_variable.stdout == "c1\n"


def test_login_with_a_wrong_key_saves_nothing_and_exits_4(
    domino_cli: Invoke, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{HOST}/v4/users/self", status_code=401, json={"message": "Invalid API key"})
    result = domino_cli("login", "--host", HOST, input="wrong\n")
    assert result.exit_code == 4
    assert not _profile.credentials_path().exists()


def test_without_click_the_command_says_which_extra_to_install() -> None:
    import subprocess
    import sys

    code = "import sys; sys.modules['click'] = None; from domino.cli import main; main()"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "pip install 'dominodatalab[cli]'" in done.stderr and "Traceback" not in done.stderr


def test_the_log_handler_lives_only_as_long_as_the_command(domino_cli: Invoke) -> None:
    import logging

    log = logging.getLogger("domino")
    before = (list(log.handlers), log.level)
    domino_cli("version")
    domino_cli("--debug", "version")
    assert (list(log.handlers), log.level) == before


def test_no_input_at_a_prompt_exits_2(domino_cli: Invoke) -> None:
    # click turns end of input (and Ctrl-C) at a prompt into Abort: "Aborted!", exit 1, which
    # the contract keeps for failed jobs
    result = domino_cli("login", "--host", HOST, input="")
    assert result.exit_code == 2, result.stderr
    assert "no input" in result.stderr


def test_ctrl_c_at_a_prompt_exits_130(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "domino", "login", "--host", "http://127.0.0.1:9"]
    proc = subprocess.Popen(  # a session of its own: no terminal, so the prompt is on stderr
        command,
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
        start_new_session=True,
    )
    try:
        assert proc.stderr is not None
        seen = b""
        while b"API key:" not in seen:  # the prompt is up: the person presses Ctrl-C
            byte = proc.stderr.read(1)
            assert byte, seen
            seen += byte
        proc.send_signal(signal.SIGINT)
        rest = proc.communicate(timeout=60)[1]
    finally:
        proc.kill()
    assert proc.returncode == 130, seen + rest
    assert b"Interrupted" in rest and b"Traceback" not in rest
    assert not (tmp_path / "domino").exists()


@pytest.mark.parametrize("new_name", ["", "   "])
def test_renaming_a_dataset_to_an_empty_name_is_refused_before_any_request(
    domino_cli: Invoke, wire: requests_mock.Mocker, new_name: str
) -> None:
    # the library treats an empty name as "keep the name"; the command said "Renamed"
    result = domino_cli("dataset", "rename", "features", new_name)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "Renamed" not in result.stdout + result.stderr
    assert "NEW_NAME" in result.stderr
    assert not [r for r in wire.request_history if r.method == "PATCH"]


@pytest.mark.parametrize("name", ["", "alice/churn"])
def test_project_create_refuses_a_name_that_is_not_one(
    domino_cli: Invoke, wire: requests_mock.Mocker, name: str
) -> None:
    result = domino_cli("project", "create", name)
    assert result.exit_code == 2, result.stderr
    assert "'_/" not in result.stderr and "NAME" in result.stderr
    assert not [r for r in wire.request_history if r.method == "POST"]


@pytest.mark.parametrize("family", ["job run", "run start"])
@pytest.mark.parametrize("flag", [["--follow"], ["--timeout", "60"], ["--stop-on-interrupt"]])
def test_waiting_options_with_no_wait_are_refused_before_anything_starts(
    domino_cli: Invoke, wire: requests_mock.Mocker, family: str, flag: list[str]
) -> None:
    result = domino_cli(*family.split(), "--no-wait", *flag, "train.py")
    assert result.exit_code == 2, result.stdout + result.stderr
    assert flag[0] in result.stderr and "--no-wait" in result.stderr
    assert not [r for r in wire.request_history if r.method == "POST"]


def test_the_readme_lists_exactly_the_commands_there_are() -> None:
    """README (Command line): "The commands: `job run|status|...`, ..." is the whole tree."""
    import re

    readme = (Path(__file__).resolve().parents[2] / "README.adoc").read_text(encoding="utf-8")
    listing = readme.split("The commands: ", 1)[1].split("`domino --help`", 1)[0]
    listing = re.sub(r"\([^)]*\)", "", listing)  # "(the v1 API)", "(with the ... extra)"
    listed = set()
    for item in re.findall(r"`([^`]+)`", listing):
        head, _, rest = item.partition(" ")
        if not rest:
            listed.add(head)
            continue
        for tail in rest.split("|"):
            listed.add(f"{head} {tail}")
    ctx = click.Context(cli)

    def walk(group: click.Group, prefix: str) -> set[str]:
        found = set()
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            if isinstance(command, click.Group) and name != "pipeline":
                found |= walk(command, f"{prefix}{name} ")
            else:
                found.add(prefix + name)
        return found

    assert listed == walk(cli, "")
