"""Local pipeline runner overhead: wall time beyond the jobs' own time, per step, and peak RSS.

Two pipelines of trivial jobs against a ``domino-server`` child process: a 10-step chain and a
16-way matrix. Each runs through ``python -m domino.pipelines run`` (a child process, so its
peak RSS is its own). The jobs' own time comes from the server (submission → completion of
each job; for the matrix, the span from the first submission to the last completion), and
the runner's overhead is the run's wall time (from its record) minus that. The baseline, in
the same run, is a hand-written chain of ``job_start_blocking`` calls on the same jobs.

    python bench/pipeline.py [--steps 10] [--width 16] [--poll 1.0]

Prints one JSON object; the figure of merit is ``overhead_per_step_s`` (target <= 0.5).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import ServerProcess  # noqa: E402

from domino import Domino  # noqa: E402

JOB = b"print('trivial job')\n"


def chain_yaml(project: str, steps: int) -> str:
    lines = [f"pipeline: bench-chain\nproject: {project}\nsteps:"]
    for i in range(steps):
        needs = f", needs: [s{i - 1}]" if i else ""
        lines.append(f"  s{i}: {{command: job.py{needs}}}")
    return "\n".join(lines) + "\n"


def matrix_yaml(project: str, width: int) -> str:
    xs = ", ".join(str(i) for i in range(width))
    return (
        f"pipeline: bench-matrix\nproject: {project}\nsteps:\n"
        f"  fan:\n    matrix: {{x: [{xs}]}}\n    max_parallel: {width}\n"
        "    command: job.py ${{ matrix.x }}\n"
    )


def _epoch(iso: str) -> float:
    return dt.datetime.fromisoformat(iso).timestamp()


def job_times(client: Domino, job_ids: list[str]) -> list[tuple[float, float]]:
    out = []
    for job_id in job_ids:
        stage = client.job_status(job_id)["stageTime"]
        out.append((stage["submissionTime"] / 1000, stage["completedTime"] / 1000))
    return out


def run_pipeline(
    server: ServerProcess, text: str, work: Path, poll: float, parallel: bool
) -> dict[str, Any]:
    path = work / "p.yaml"
    path.write_text(text)
    runs = work / "runs"
    env = dict(os.environ)
    env.update(
        DOMINO_API_HOST=server.url,
        DOMINO_USER_API_KEY=server.api_key,
        DOMINO_PIPELINE_RUNS_DIR=str(runs),
    )
    cmd = [sys.executable, "-m", "domino.pipelines", "run", str(path), "--poll", str(poll), "-q"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"pipeline run failed with exit code {proc.returncode}")
    (record_path,) = runs.glob("*/run.json")
    record = json.loads(record_path.read_text())
    wall = _epoch(record["ended"]) - _epoch(record["started"])
    job_ids = [inst["job_id"] for step in record["steps"].values() for inst in step["instances"]]
    client = Domino(record["project"], host=server.url, api_key=server.api_key)
    times = job_times(client, job_ids)
    if parallel:
        own = max(end for _, end in times) - min(start for start, _ in times)
    else:
        own = sum(end - start for start, end in times)
    return {
        "jobs": len(job_ids),
        "wall_s": round(wall, 3),
        "jobs_own_s": round(own, 3),
        "overhead_s": round(wall - own, 3),
        "overhead_per_step_s": round((wall - own) / len(job_ids), 3),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
    }


def baseline_chain(server: ServerProcess, project: str, steps: int, poll: float) -> dict[str, Any]:
    client = Domino(project, host=server.url, api_key=server.api_key)
    began = time.time()
    job_ids = []
    for _ in range(steps):
        job = client.job_start_blocking(command="job.py", poll_freq=poll)
        job_ids.append(str(job["id"]))
    wall = time.time() - began
    own = sum(end - start for start, end in job_times(client, job_ids))
    return {
        "jobs": steps,
        "wall_s": round(wall, 3),
        "jobs_own_s": round(own, 3),
        "overhead_per_step_s": round((wall - own) / steps, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--poll", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        work = Path(tmp)
        server = ServerProcess(work / "server-data")
        try:
            project = server.create_project("bench-pipelines")
            Domino(project, host=server.url, api_key=server.api_key).files_upload(
                "/job.py", io.BytesIO(JOB)
            )
            (work / "chain").mkdir()
            (work / "matrix").mkdir()
            baseline = baseline_chain(server, project, args.steps, args.poll)
            chain = run_pipeline(
                server, chain_yaml(project, args.steps), work / "chain", args.poll, False
            )
            matrix = run_pipeline(
                server, matrix_yaml(project, args.width), work / "matrix", args.poll, True
            )
        finally:
            server.stop()
    result = {
        "benchmark": "pipeline",
        "poll_s": args.poll,
        "chain": chain,
        "matrix": matrix,
        "baseline_job_start_blocking_chain": baseline,
        "chain_overhead_ratio_vs_baseline": round(
            chain["overhead_per_step_s"] / max(baseline["overhead_per_step_s"], 1e-3), 2
        ),
        "target_overhead_per_step_s": 0.5,
        "meets_target": chain["overhead_per_step_s"] <= 0.5
        and matrix["overhead_per_step_s"] <= 0.5,
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
