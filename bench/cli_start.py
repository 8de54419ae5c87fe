"""Cold-start wall time of the ``domino`` command line; prints one JSON document.

Runs, each in a fresh process, several times (the median is reported):

* ``domino version`` — no network (target ≤ 300 ms);
* ``domino job status ID`` against a local domino-server (its own process): start-up plus
  three requests (version, project lookup, job);
* baselines measured in the same run: ``python -c pass`` (the interpreter alone) and
  ``python -c "from domino import Domino"`` (the library; ``import domino`` alone loads
  next to nothing), so the ratios say what the command line adds.

    python bench/cli_start.py [--runs 9]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
from _server import ServerProcess, clean_env

TARGET_VERSION_MS = 300.0


def _domino() -> list[str]:
    script = Path(sys.executable).parent / "domino"
    if script.exists():
        return [str(script)]
    found = shutil.which("domino")
    return [found] if found else [sys.executable, "-m", "domino"]


def _wall_ms(argv: list[str], env: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
        times.append((time.perf_counter() - started) * 1000.0)
        if done.returncode != 0:
            raise RuntimeError(f"{argv} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return times


def _stats(times: list[float]) -> dict[str, Any]:
    return {"median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()

    env = clean_env()
    env["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="bench-cli-config-")  # no saved login
    domino = _domino()
    report: dict[str, Any] = {"command": domino, "runs": args.runs}
    report["python_pass"] = _stats(_wall_ms([sys.executable, "-c", "pass"], env, args.runs))
    report["import_domino"] = _stats(
        _wall_ms([sys.executable, "-c", "from domino import Domino"], env, args.runs)
    )
    report["version"] = _stats(_wall_ms([*domino, "version"], env, args.runs))

    work = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    server = ServerProcess(work / "server")
    try:
        project = "admin/quick-start"
        server.put_file(project, "noop.py", b"pass\n")
        project_id = server.get(
            "/v4/gateway/projects/findProjectByOwnerAndName?ownerName=admin&projectName=quick-start"
        )["id"]
        job = requests.post(
            f"{server.url}/v4/jobs/start",
            json={"projectId": project_id, "commandToRun": "noop.py"},
            headers=server.headers(),
            timeout=30,
        ).json()
        server_env = dict(env, DOMINO_API_HOST=server.url, DOMINO_USER_API_KEY=server.api_key)
        status_argv = [*domino, "job", "status", job["id"], "--project", project]
        report["job_status"] = _stats(_wall_ms(status_argv, server_env, args.runs))
    finally:
        server.stop()

    version_ms = report["version"]["median_ms"]
    report["version_target_ms"] = TARGET_VERSION_MS
    report["version_within_target"] = version_ms <= TARGET_VERSION_MS
    report["version_minus_import_domino_ms"] = round(
        version_ms - report["import_domino"]["median_ms"], 1
    )
    report["version_ratio_to_import_domino"] = round(
        version_ms / report["import_domino"]["median_ms"], 2
    )
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
