"""Every command family of ``domino`` against a live domino-server (in-process click runner).

The subprocess tests in test_cli.py cover the exit-code contract end to end; these check that
each family's commands do what they say on a real server, in text and in ``--json``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from e2e_support import unique

import domino
from domino.cli import cli


@pytest.fixture
def run(domino_server: Any, project: str) -> Any:
    def invoke(*args: str) -> Result:
        env = {
            "DOMINO_API_HOST": domino_server.url,
            "DOMINO_USER_API_KEY": domino_server.api_key,
            "DOMINO_PROJECT": project,
        }
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)

    return invoke


def test_project_create_tags_and_collaborators(
    run: Any, domino_server: Any, client: domino.Domino
) -> None:
    name = unique("cli-proj")
    assert run("project", "create", name).exit_code == 0
    assert domino_server.client(f"admin/{name}").project_id
    assert run("project", "tag", "add", "nightly", "finance").exit_code == 0
    tags = json.loads(run("project", "tags", "--json").stdout)
    assert sorted(t["name"] for t in tags) == ["finance", "nightly"]
    assert "nightly" in run("project", "tags").stdout
    assert run("project", "tag", "rm", "nightly").exit_code == 0
    missing = run("project", "tag", "rm", "nightly")
    assert missing.exit_code == 5 and "no tag named 'nightly'" in missing.stderr

    user = unique("bob")
    domino_server.add_user(user)
    assert run("project", "collaborator", "add", user).exit_code == 0
    listed = json.loads(run("project", "collaborators", "--json").stdout)
    assert user in [c.get("userName") for c in listed]
    assert user in run("project", "collaborators").stdout
    assert run("project", "collaborator", "rm", user).exit_code == 0
    assert run("project", "collaborator", "rm", "nobody-at-all").exit_code == 5


def test_v1_runs(run: Any, upload: Any) -> None:
    upload("/hello.py", "import sys\nprint('hello', sys.argv[1:])\n")
    started = run("run", "start", "--follow", "--title", "t", "hello.py", "a", "--b")
    assert started.exit_code == 0, started.stderr
    assert started.stdout == "hello ['a', '--b']\n"
    runs = json.loads(run("run", "list", "--json").stdout)["data"]
    run_id = runs[0]["id"]
    assert runs[0]["status"] == "Succeeded"
    assert run_id in run("run", "list").stdout
    assert json.loads(run("run", "status", run_id, "--json").stdout)["title"] == "t"
    assert run("run", "logs", run_id).stdout == "hello ['a', '--b']\n"
    assert run("run", "start", "--no-wait", "missing.py").exit_code == 0


def test_job_logs_restart_and_deployment_listings(run: Any, upload: Any) -> None:
    upload("/count.py", "print('one')\nprint('two')\n")
    job_id = run("job", "run", "--no-wait", "count.py").stdout.strip()
    followed = run("job", "logs", job_id, "--follow")
    assert followed.exit_code == 0 and followed.stdout == "one\ntwo\n"
    logs = json.loads(run("job", "logs", job_id, "--json").stdout)
    assert logs["stdout"] == "one\ntwo\n" and "count.py" in logs["setup"]
    restarted = run("job", "restart", job_id)
    assert restarted.exit_code == 0 and restarted.stdout.strip() not in ("", job_id)

    tiers = json.loads(run("tiers", "--json").stdout)
    small = next(t["hardwareTier"] for t in tiers if t["hardwareTier"]["name"] == "Small")
    assert small["id"] in run("tiers").stdout
    assert run("job", "run", "--no-wait", "--tier", "NoSuchTier", "count.py").exit_code == 5
    environments = json.loads(run("env", "ls", "--json").stdout)["environments"]
    assert environments and environments[0]["id"] in run("env", "ls").stdout


def test_dataset_lifecycle_by_name(run: Any, tmp_path: Path) -> None:
    name = unique("ds")
    dataset_id = run("dataset", "create", name, "--description", "first").stdout.strip()
    info = json.loads(run("dataset", "info", name, "--json").stdout)
    assert info["datasetId"] == dataset_id and info["description"] == "first"
    assert run("dataset", "create", name).exit_code == 2  # name taken
    renamed = unique("ds2")
    assert run("dataset", "rename", name, renamed).exit_code == 0
    assert renamed in run("dataset", "ls").stdout
    (tmp_path / "f.txt").write_text("x")
    upload = run("dataset", "upload", renamed, str(tmp_path / "f.txt"))
    assert upload.exit_code == 0 and "1 file," in upload.stderr
    assert run("dataset", "rm", renamed, "--yes").exit_code == 0
    assert run("dataset", "info", renamed).exit_code == 5


def test_app_status_and_version(run: Any, domino_server: Any) -> None:
    status = json.loads(run("app", "status", "--json").stdout)
    assert status == {"id": None, "status": None}
    assert run("app", "status").stdout == "none\n"
    assert "No running app" in run("app", "unpublish").stderr
    version = json.loads(run("version", "--server", "--json").stdout)
    assert version["client"] == domino.__version__ and version["server"]


def test_project_ls_lists_the_projects_one_owns(run: Any, project: str) -> None:
    listed = json.loads(run("project", "ls", "--json").stdout)
    assert project.split("/")[1] in [p["name"] for p in listed]
    assert project.split("/")[1] in run("project", "ls").stdout


def test_an_interrupted_dataset_upload_resumes_when_the_command_is_run_again(
    run: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    import domino._upload
    from domino._upload._progress import make_reporter

    name = unique("ds-resume")
    assert run("dataset", "create", name).exit_code == 0
    folder = tmp_path / "big"
    folder.mkdir()
    (folder / "a.bin").write_bytes(os.urandom(4 << 20))
    (folder / "b.bin").write_bytes(os.urandom(2 << 20))

    def ctrl_c_after_first_bytes(event: Any) -> None:
        if event.bytes_done > 0:
            raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(
            domino._upload, "make_reporter", lambda *a: make_reporter(ctrl_c_after_first_bytes, "")
        )
        args = ("dataset", "upload", name, str(folder), "--chunk-size", "256KiB", "--workers", "2")
        interrupted = run(*args)
    assert interrupted.exit_code == 130
    assert "run the same command again to resume" in interrupted.stderr

    resumed = run(*args, "--json")
    assert resumed.exit_code == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["resumed"] and summary["bytes_skipped"] > 0
    assert summary["bytes_sent"] + summary["bytes_skipped"] == 6 << 20
