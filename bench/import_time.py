"""How long ``from domino import Domino`` takes, and what it drags in.

``import domino`` alone loads next to nothing (the client loads on first use), so this times
the package plus ``domino.domino``: ``python -X importtime -c "import domino, domino.domino"``
in fresh subprocesses several times. Prints JSON: the median cumulative import time of the
client (ms, ``domino_ms``; ``import_domino_alone_ms`` for the package alone), the same for a bare
``import requests`` measured in the same run (the floor: the client needs requests), their
ratio, every top-level module imported, and the heavy ones that should never be there.

Usage: ``python bench/import_time.py [--runs N]``. Target: ``domino_ms <= 150`` and no heavy
modules. Nothing is asserted here; numbers vary by machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

HEAVY = ["bs4", "airflow", "domino.server", "fastapi", "uvicorn", "tqdm", "pandas", "starlette"]
TARGET_MS = 150.0


def importtime(statement: str, *modules: str) -> float:
    """Summed cumulative import time of ``modules`` (ms), in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            cumulative, name = _split(line)
            if name in modules and cumulative.isdigit():
                found[name] = int(cumulative) / 1000.0
    missing = [m for m in modules if m not in found]
    if missing:
        raise RuntimeError(f"no import time line for {missing!r}")
    return sum(found.values())


def modules_after_import() -> list[str]:
    """Every module in ``sys.modules`` after ``from domino import Domino`` (failed attempts
    excluded)."""
    code = "import json, sys; from domino import Domino; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded: list[str] = json.loads(done.stdout)
    return loaded


def _split(line: str) -> tuple[str, str]:
    # "import time: <self us> | <cumulative us> | <indented module name>"
    _, cumulative, name = line.split("|", 2)
    return cumulative.strip(), name.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    domino_ms: list[float] = []
    requests_ms: list[float] = []
    alone_ms: list[float] = []
    for _ in range(args.runs):
        domino_ms.append(importtime("import domino, domino.domino", "domino", "domino.domino"))
        alone_ms.append(importtime("import domino", "domino"))
        requests_ms.append(importtime("import requests", "requests"))

    modules = modules_after_import()
    top_level = sorted({name.split(".")[0] for name in modules})
    stdlib = set(sys.stdlib_module_names) | set(sys.builtin_module_names)
    heavy = sorted({h for h in HEAVY for name in modules if name == h or name.startswith(h + ".")})
    domino_median = statistics.median(domino_ms)
    requests_median = statistics.median(requests_ms)
    print(
        json.dumps(
            {
                "runs": args.runs,
                "domino_ms": round(domino_median, 1),
                "domino_ms_all": [round(v, 1) for v in domino_ms],
                "import_domino_alone_ms": round(statistics.median(alone_ms), 1),
                "requests_ms": round(requests_median, 1),
                "ratio_to_requests": round(domino_median / requests_median, 2),
                "target_ms": TARGET_MS,
                "within_target": domino_median <= TARGET_MS,
                "heavy_modules": heavy,
                "domino_modules": sorted(n for n in modules if n.split(".")[0] == "domino"),
                "third_party_top_level": [
                    m for m in top_level if m not in stdlib and not m.startswith(("_", "cython"))
                ],
                "top_level_modules": top_level,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
