"""Fixtures for pipeline tests: a project on the session's domino-server holding step scripts."""

from __future__ import annotations

import io
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

_ROOT_CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"
if not (_ROOT_CONFTEST.exists() and "domino.testing" in _ROOT_CONFTEST.read_text()):
    from domino.testing import domino_server, fresh_project  # noqa: F401

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

# step.py N [SLEEP] [EXIT]: sleeps, sets outputs v=N*N and name, exits EXIT (default 0)
STEP = """\
import sys, time
import domino.pipelines as p
n = int(sys.argv[1])
time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 0)
p.set_outputs(v=n * n, name="n%d" % n)
sys.exit(int(sys.argv[3]) if len(sys.argv) > 3 else 0)
"""
# flaky.py COUNTER: fails on the first call, succeeds afterwards. The calls are counted in
# project tags through the API (the job's own key), not in a file: under domino-server's sandbox
# a job can write only its own working directory, so a shared file would never be seen again.
FLAKY = """\
import hashlib, os, sys
import domino.pipelines as p
from domino import Domino
d = Domino(os.environ["DOMINO_PROJECT_OWNER"] + "/" + os.environ["DOMINO_PROJECT_NAME"])
key = "flaky-" + hashlib.sha1(sys.argv[1].encode()).hexdigest()[:12]
seen = sum(1 for t in d.tags_list() if t["name"].startswith(key + "-"))
d.tags_add([key + "-" + str(seen + 1)])
if seen == 0:
    sys.exit("first call fails")
p.set_outputs(calls=seen + 1)
"""
# write.py NAME: writes NAME.txt (a file a later step can start from)
WRITE = """\
import sys
open(sys.argv[1] + ".txt", "w").write("made by " + sys.argv[1])
"""
# read.py NAME: fails unless NAME.txt is in the working directory
READ = """\
import sys, os
import domino.pipelines as p
p.set_outputs(seen=os.path.exists(sys.argv[1] + ".txt"))
"""


@pytest.fixture
def step_project(domino_server: Any, fresh_project: str) -> str:
    client = domino_server.client(fresh_project)
    for name, body in (
        ("step.py", STEP),
        ("flaky.py", FLAKY),
        ("write.py", WRITE),
        ("read.py", READ),
    ):
        client.files_upload("/" + name, io.BytesIO(body.encode()))
    return fresh_project


@pytest.fixture
def write_pipeline(tmp_path: Path, step_project: str) -> Callable[[str], Path]:
    """Write YAML (``PROJECT`` replaced by the test's project) and return its path."""

    def write(text: str, name: str = "pipeline.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).replace("PROJECT", step_project))
        return path

    return write
