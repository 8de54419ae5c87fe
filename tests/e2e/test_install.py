"""The built wheel is what the README's install section promises: the client, the
``domino-server`` command, the ``server`` extra and the type information."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import domino

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_has_domino_server_its_extra_and_py_typed(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,  # no build/ or *.egg-info left in the checkout
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("dominodatalab-*.whl")
    assert wheel.name.startswith(f"dominodatalab-{domino.__version__}-")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = next(n.rsplit("/", 1)[0] for n in names if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(f"{info}/METADATA").decode())
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    assert "domino-server = domino.server.__main__:main" in entry_points
    assert "server" in metadata.get_all("Provides-Extra", [])
    server_requirements = [
        r for r in metadata.get_all("Requires-Dist", []) if 'extra == "server"' in r
    ]
    assert {r.split(">")[0].split(";")[0].strip() for r in server_requirements} >= {
        "fastapi",
        "uvicorn",
        "python-multipart",
    }
    assert {"domino/py.typed", "domino/server/__main__.py", "domino/testing.py"} <= names
    assert not any(n.startswith(("tests/", "bench/", "examples/")) for n in names)
