"""The public dominodatalab 2.2.0 client, unchanged, drives the 2.x families against our
domino-server (scenario_2x.py), and what it did is then checked over plain HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from test_public_client import public_python  # noqa: F401 - the shared session fixture

pytestmark = pytest.mark.public_client

SCENARIO = Path(__file__).resolve().parent / "scenario_2x.py"


def test_public_client_drives_the_2x_families(
    public_python: Path,  # noqa: F811
    domino_server: Any,
    tmp_path: Path,
) -> None:
    suffix = uuid.uuid4().hex[:10]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOMINO_", "PYTHON"))}
    env.update(
        DOMINO_API_HOST=domino_server.url,
        DOMINO_USER_API_KEY=domino_server.api_key,
        DOMINO_LOG_LEVEL="WARNING",
    )
    done = subprocess.run(
        [str(public_python), str(SCENARIO), suffix],
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, f"scenario failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    line = [ln for ln in done.stdout.splitlines() if ln.startswith("SCENARIO-RESULT ")][-1]
    project_id = json.loads(line.removeprefix("SCENARIO-RESULT "))["project_id"]

    headers = domino_server.headers()
    tag = requests.get(
        f"{domino_server.url}/v4/projects/{project_id}/billingtag", headers=headers, timeout=30
    )
    assert tag.json() == {"tag": f"team-{suffix}"}
    models = requests.get(
        f"{domino_server.url}/v1/projects/admin/v4-{suffix}/models", headers=headers, timeout=30
    ).json()["data"]
    assert [m["activeVersionNumber"] for m in models] == [2]
