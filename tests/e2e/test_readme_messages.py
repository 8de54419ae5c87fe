"""The two error messages README.adoc quotes, produced for real against a live domino-server:
the client's ``NotFoundError`` (Errors) and the ``domino`` one-liner on a bad key (Command
line), with only the address and ids differing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import domino
from domino.exceptions import NotFoundError

README = (Path(__file__).resolve().parents[2] / "README.adoc").read_text(encoding="utf-8")
README_HOST = "http://127.0.0.1:8899"


def _quoted(prefix: str) -> str:
    return next(line for line in README.splitlines() if line.startswith(prefix))


def test_a_missing_job_is_the_not_found_error_the_readme_shows(client: domino.Domino) -> None:
    with pytest.raises(NotFoundError) as info:
        client.job_status("65f0" + "a" * 20)
    shown = f"NotFoundError: {info.value}".replace(client._http.host, README_HOST)
    shown = re.sub(r"65f0a+", "65f0...", shown)
    assert shown == _quoted("NotFoundError: GET ")


def test_a_wrong_key_is_the_one_line_error_the_readme_shows(
    domino_server: Any, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOMINO_")}
    env.update(DOMINO_API_HOST=domino_server.url, DOMINO_USER_API_KEY="wrong-key")
    env["XDG_CONFIG_HOME"] = str(tmp_path)  # no saved login to fall back on
    done = subprocess.run(
        [sys.executable, "-m", "domino", "job", "list", "-p", "alice/churn"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 4
    (line,) = done.stderr.strip().splitlines()
    assert line.replace(domino_server.url, README_HOST) == _quoted("Error: GET ")
    assert "wrong-key" not in done.stderr
