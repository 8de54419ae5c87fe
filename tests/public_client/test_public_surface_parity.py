"""Our surface against the public dominodatalab 2.2.0 package installed in ``.venv-public``:
every member of ``domino.Domino`` (same positional parameters) and every name of the public
modules, so the surface cannot silently fall behind again. ``domino.agents`` and
``domino.airflow`` are excepted (separate work); so are the generated ``domino._impl`` modules.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from surface_dump import MODULES  # the modules the dump reports
from test_public_client import public_python  # noqa: F401 - the shared session fixture

pytestmark = pytest.mark.public_client

DUMP = Path(__file__).resolve().parent / "surface_dump.py"
REPO = Path(__file__).resolve().parents[2]

# Defaults that differ on purpose: the public client's renamed parameters default to a
# private sentinel (it then applies the documented default); ours carry the real default.
SENTINEL = "<object object at"
# Parameter names that differ on purpose (domino-api-2x.md §1.2).
RENAMED: dict[str, dict[str, str]] = {}


def dump(python: str | Path, cwd: Path) -> dict[str, Any]:
    done = subprocess.run(
        [str(python), str(DUMP)], capture_output=True, text=True, cwd=str(cwd), timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="module")
def surfaces(public_python: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:  # noqa: F811
    # the public venv must not see this checkout's domino package: run outside it
    outside = tmp_path_factory.mktemp("surface")
    return dump(public_python, outside), dump(sys.executable, REPO)


def test_every_public_domino_member_exists(surfaces: Any) -> None:
    public, ours = surfaces
    missing = sorted(set(public["Domino"]) - set(ours["Domino"]))
    assert missing == [], f"domino.Domino lacks {missing}"
    # README (Examples by method family) gives the count: "all 113"
    claimed = re.search(r"\(all (\d+),", (REPO / "README.adoc").read_text(encoding="utf-8"))
    assert claimed is not None and int(claimed.group(1)) == len(public["Domino"])


def test_positional_parameters_match(surfaces: Any) -> None:
    public, ours = surfaces
    mismatches = []
    for name, member in public["Domino"].items():
        theirs, mine = member["params"], ours["Domino"].get(name, {}).get("params")
        if theirs is None:
            continue
        if mine is None:
            mismatches.append((name, "not callable"))
            continue
        names = [p[0] for p in theirs]
        if names != [p[0] for p in mine]:
            mismatches.append((name, names, [p[0] for p in mine]))
            continue
        for (param, default), (_, our_default) in zip(theirs, mine, strict=True):
            if default is not None and SENTINEL in default:
                continue  # a renamed parameter: we carry its documented default instead
            if default != our_default:
                mismatches.append((name, param, default, our_default))
    assert mismatches == []


def test_members_keep_their_kind(surfaces: Any) -> None:
    public, ours = surfaces
    differ = {
        name: (member["kind"], ours["Domino"][name]["kind"])
        for name, member in public["Domino"].items()
        if name in ours["Domino"] and member["kind"] != ours["Domino"][name]["kind"]
    }
    # properties stay properties, static methods stay static, methods stay methods
    assert differ == {}


@pytest.mark.parametrize("module", MODULES)
def test_module_names_exist(surfaces: Any, module: str) -> None:
    public, ours = surfaces
    required = {name for name, ours_to_provide in public[module].items() if ours_to_provide}
    missing = sorted(required - set(ours[module]))
    assert missing == [], f"{module} lacks {missing}"


def test_the_public_client_ships_no_other_public_module(public_python: Path) -> None:  # noqa: F811
    code = (
        "import domino, pkgutil, json; "
        "print(json.dumps(sorted(m.name for m in pkgutil.iter_modules(domino.__path__))))"
    )
    done = subprocess.run(
        [str(public_python), "-c", code], capture_output=True, text=True, cwd="/", timeout=60
    )
    modules = {m for m in json.loads(done.stdout) if not m.startswith("_")}
    # agents and airflow have their own work; data_sources / training_sets need the extra
    known = {"agents", "airflow", "data_sources", "training_sets"}
    covered = {
        "authentication",
        "constants",
        "datasets",
        "domino",
        "domino_enums",
        "exceptions",
        "helpers",
        "http_request_manager",
        "routes",
    }
    assert modules - known == covered
    for name in modules - {"agents", "airflow"}:
        assert (REPO / "domino" / f"{name}.py").is_file(), name


def test_routes_builder_gives_the_public_urls(public_python: Path, tmp_path: Path) -> None:  # noqa: F811
    script = Path(__file__).resolve().parent / "routes_dump.py"
    theirs, ours = (
        json.loads(
            subprocess.run(
                [str(python), str(script)],
                capture_output=True,
                text=True,
                cwd=str(cwd),
                timeout=60,
                check=True,
            ).stdout
        )
        for python, cwd in ((public_python, tmp_path), (sys.executable, REPO))
    )
    assert sorted(set(theirs) - set(ours)) == []
    assert {n: (u, ours[n]) for n, u in theirs.items() if ours[n] != u} == {}
