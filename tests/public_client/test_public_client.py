"""The public ``dominodatalab`` 2.2.0 client, unchanged, against our domino-server.

The public client lives in its own venv (``make test`` builds ``.venv-public`` and exports
``DOMINO_PUBLIC_CLIENT_PYTHON``). Without that variable the test builds the venv itself, once,
and skips only when the package index cannot be reached.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.public_client

REPO = Path(__file__).resolve().parents[2]
SCENARIO = Path(__file__).resolve().parent / "scenario.py"
PUBLIC_CLIENT = "dominodatalab==2.2.0"
# Read at import: the suite's autouse fixture clears DOMINO_* variables before each test.
CONFIGURED_PYTHON = os.environ.get("DOMINO_PUBLIC_CLIENT_PYTHON")
NETWORK_HINTS = (
    "Could not find a version",
    "No matching distribution",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "ConnectionError",
    "ProxyError",
)


def _has_public_client(python: Path) -> bool:
    probe = subprocess.run(
        [str(python), "-c", "import domino, domino.domino; print(domino.__file__)"],
        capture_output=True,
        text=True,
        cwd="/",
        timeout=60,
    )
    return probe.returncode == 0 and "site-packages" in probe.stdout


def _build_venv(venv: Path) -> Path:
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", PUBLIC_CLIENT],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if install.returncode != 0:
        output = install.stdout + install.stderr
        if any(hint in output for hint in NETWORK_HINTS):
            pytest.skip(f"cannot install {PUBLIC_CLIENT} (no package index?): {output[-300:]}")
        pytest.fail(f"pip install {PUBLIC_CLIENT} failed:\n{output[-2000:]}")
    (venv / ".installed").touch()
    return python


@pytest.fixture(scope="session")
def public_python() -> Path:
    if CONFIGURED_PYTHON:
        python = Path(CONFIGURED_PYTHON)
        assert _has_public_client(python), f"{python} cannot import the public client"
        return python
    venv = REPO / ".venv-public"
    python = venv / "bin" / "python"
    if python.exists() and _has_public_client(python):
        return python
    return _build_venv(venv)


def _run_scenario(
    python: Path, server: Any, project: str, collaborator: str, cwd: Path
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOMINO_", "PYTHON"))}
    env.update(
        DOMINO_API_HOST=server.url,
        DOMINO_USER_API_KEY=server.api_key,
        DOMINO_LOG_LEVEL="WARNING",
    )
    return subprocess.run(
        [str(python), str(SCENARIO), project, collaborator],
        capture_output=True,
        text=True,
        cwd=str(cwd),
        env=env,
        timeout=300,
    )


def _get(server: Any, path: str, **kw: Any) -> Any:
    response = requests.get(
        server.url + path, headers={"X-Domino-Api-Key": server.api_key}, timeout=30, **kw
    )
    assert response.status_code == 200, (path, response.status_code, response.text)
    return response.json()


def test_public_client_runs_the_core_scenario_unchanged(
    public_python: Path, domino_server: Any, tmp_path: Path
) -> None:
    project = f"public-{uuid.uuid4().hex[:10]}"
    collaborator = f"carol-{uuid.uuid4().hex[:8]}"
    domino_server.add_user(collaborator)

    done = _run_scenario(public_python, domino_server, project, collaborator, tmp_path)

    assert done.returncode == 0, f"scenario failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    result_line = [ln for ln in done.stdout.splitlines() if ln.startswith("SCENARIO-RESULT ")]
    assert result_line, done.stdout
    result = json.loads(result_line[-1].removeprefix("SCENARIO-RESULT "))
    assert result["client_version"] == "2.2.0"

    # Everything the scenario did is really on the server, seen without any client.
    found = _get(
        domino_server,
        "/v4/gateway/projects/findProjectByOwnerAndName",
        params={"ownerName": "admin", "projectName": project},
    )
    pid = found["id"]
    assert pid == result["project_id"]

    runs = {r["id"]: r for r in _get(domino_server, f"/v1/projects/admin/{project}/runs")["data"]}
    assert runs[result["run_id"]]["status"] == "Succeeded"
    assert runs[result["job_id"]]["status"] == "Succeeded"
    stdout = _get(domino_server, f"/v1/projects/admin/{project}/run/{result['run_id']}/stdout")
    assert "public client run arg1" in stdout["stdout"]

    summary = _get(domino_server, f"/v4/projects/{pid}")
    assert sorted(t["name"] for t in summary["tags"]) == ["client", "public"]

    collaborators = _get(domino_server, f"/admin/{project}/collaborators")
    usernames = {c if isinstance(c, str) else c["username"] for c in collaborators}
    assert collaborator in usernames

    datasets = _get(domino_server, "/dataset", params={"projectId": pid})
    assert [d["datasetName"] for d in datasets] == ["public-data"]
    files = _get(domino_server, f"/_local/datasets/{result['dataset_id']}/files")
    assert {f["path"]: f["sha256"] for f in files} == result["uploaded"]

    apps = _get(domino_server, "/v4/modelProducts", params={"projectId": pid})
    assert [a["id"] for a in apps] == [result["app_id"]]
    app = _get(domino_server, f"/v4/modelProducts/{result['app_id']}")
    assert app["status"] in {"Stopped", "Stopping"}


def test_one_x_wire_style_basic_auth_with_empty_username_is_accepted(
    domino_server: Any, fresh_project: str
) -> None:
    owner, name = fresh_project.split("/")
    url = f"{domino_server.url}/v4/gateway/projects/findProjectByOwnerAndName"
    params = {"ownerName": owner, "projectName": name}

    ok = requests.get(url, params=params, auth=("", domino_server.api_key), timeout=30)
    wrong = requests.get(url, params=params, auth=("", "wrong-key"), timeout=30)
    runs = requests.get(
        f"{domino_server.url}/v1/projects/{owner}/{name}/runs",
        auth=("", domino_server.api_key),
        timeout=30,
    )

    assert ok.status_code == 200 and len(ok.json()["id"]) == 24
    assert wrong.status_code == 401
    assert runs.status_code == 200 and runs.json()["data"] == []


def test_requests_without_credentials_get_401_with_a_json_message(
    domino_server: Any, fresh_project: str
) -> None:
    owner, name = fresh_project.split("/")

    anonymous = requests.get(f"{domino_server.url}/v1/projects/{owner}/{name}/runs", timeout=30)

    assert anonymous.status_code == 401
    assert anonymous.json()["message"]


def test_quickstart_example_runs_unchanged_on_the_public_client(
    public_python: Path, domino_server: Any, tmp_path: Path
) -> None:
    collaborator = f"erin-{uuid.uuid4().hex[:8]}"
    domino_server.add_user(collaborator)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOMINO_", "PYTHON"))}
    env.update(
        DOMINO_API_HOST=domino_server.url,
        DOMINO_USER_API_KEY=domino_server.api_key,
        DOMINO_DEMO_COLLABORATOR=collaborator,
        DOMINO_DEMO_OUTPUT_DIR=str(tmp_path / "results"),
        DOMINO_LOG_LEVEL="WARNING",
    )

    done = subprocess.run(
        [str(public_python), str(REPO / "examples" / "quickstart.py")],
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
        env=env,
        timeout=300,
    )

    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "sum of the first 10 squares is 385" in done.stdout
    assert f"Collaborators: {collaborator}" in done.stdout
    assert "Quickstart finished OK" in done.stdout
    assert (tmp_path / "results" / "summary.json").read_text() == (
        '{"n": 10, "sum_of_squares": 385}'
    )


PROBE = """\
import sys
from domino import Domino
d = Domino(sys.argv[1])
tiers = [t["hardwareTier"]["id"] for t in d.hardware_tiers_list()]
print("runs", len(d.runs_list()["data"]), "default tier listed", "small-k8s" in tiers)
"""


@pytest.mark.parametrize("mode", ["token_file", "api_key"])
def test_public_client_authenticates_with_a_token_file_and_with_an_api_key(
    public_python: Path, domino_server: Any, fresh_project: str, tmp_path: Path, mode: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOMINO_", "PYTHON"))}
    env["DOMINO_API_HOST"] = domino_server.url
    if mode == "token_file":
        token_file = tmp_path / "token"
        token_file.write_text(domino_server.token() + "\n")
        env["DOMINO_TOKEN_FILE"] = str(token_file)
    else:
        env["DOMINO_USER_API_KEY"] = domino_server.api_key

    done = subprocess.run(
        [str(public_python), "-c", PROBE, fresh_project],
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
        env=env,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    assert "runs 0 default tier listed True" in done.stdout
