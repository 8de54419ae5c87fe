"""README (In your own tests): another project's test suite uses ``domino.testing`` exactly as
the README shows — a ``conftest.py`` naming the plugin, a test taking its fixtures — in a
pytest session of its own, outside this checkout."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _readme_block() -> tuple[str, str]:
    readme = (ROOT / "README.adoc").read_text(encoding="utf-8")
    section = readme.split("=== In your own tests", 1)[1]
    block = re.search(r"^\[source,python\]\n----\n(.*?)^----\n", section, flags=re.M | re.S)
    assert block is not None
    conftest, _, test = block.group(1).partition("# test_pipeline.py\n")
    assert "pytest_plugins" in conftest and "def test_" in test
    return conftest, test


def test_the_readme_plugin_example_runs_in_a_project_of_its_own(tmp_path: Path) -> None:
    conftest, test = _readme_block()
    (tmp_path / "conftest.py").write_text(conftest)
    (tmp_path / "test_pipeline.py").write_text(
        test
        + "\n\ndef test_the_client_talks_to_the_server(domino_client_factory, fresh_project):\n"
        + "    domino = domino_client_factory(fresh_project)\n"
        + "    assert domino.runs_list()['data'] == []\n"
        + "    assert fresh_project.startswith('admin/')\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOMINO_")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "2 passed" in done.stdout, done.stdout[-2000:]
