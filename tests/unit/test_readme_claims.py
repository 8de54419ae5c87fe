"""Claims of README.adoc that are about the repository itself (not about running code)."""

from __future__ import annotations

import re
from pathlib import Path

import domino

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.adoc").read_text(encoding="utf-8")


def _make_recipe(target: str) -> list[str]:
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


def test_make_bench_runs_every_measurement_in_the_performance_table() -> None:
    table = README.split("== Performance", 1)[1].split("|===", 2)[1]
    commands = re.findall(r"^\|`(bench/\S+\.py(?: --[\w-]+)*)`", table, flags=re.M)
    assert "bench/server_load.py --subprocess" in commands  # the headline server figure
    recipe = " ; ".join(_make_recipe("bench"))
    for command in commands:
        assert re.search(re.escape(command) + r"(\s|$|;)", recipe), (
            f"README's performance table quotes `{command}` but `make bench` does not run it"
        )


def test_install_section_builds_the_wheel_of_this_version() -> None:
    install = README.split("== Install", 1)[1].split("\n== ", 1)[0]
    assert f"dist/dominodatalab-{domino.__version__}-py3-none-any.whl[server]" in install
    assert "pip install '.[server]'" in install
