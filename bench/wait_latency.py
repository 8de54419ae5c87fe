"""How soon ``job_start_blocking`` returns after a job ends, and what the waiting costs.

For jobs that sleep 2 s and 20 s on a local domino-server (its own process), each client runs
``job_start_blocking(command=...)`` with its default ``poll_freq`` in a fresh process:

* latency = the moment ``job_start_blocking`` returned − the job's ``completedTime`` on the
  server (the same machine's clock);
* status checks = ``GET /v4/jobs/{id}`` requests made while waiting, and per minute of waiting.

Ours against the public ``dominodatalab`` client (``$DOMINO_PUBLIC_CLIENT_PYTHON``, else
``.venv-public/bin/python``) in the same run. Targets (reported, never asserted): latency
≤ max(0.3 s, 10 % of the job's runtime); ≤ 60 status checks per minute over the 20 s job.

    python bench/wait_latency.py [--repeat 3] [--skip-public]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from _server import ServerProcess, clean_env, public_python, run_json_child

# Runs inside the client's venv: counts the status requests, times the return.
WAIT = r"""
import json, sys, time
import requests
url, key, project, seconds = sys.argv[1:5]
counts = {"status": 0, "other": 0}
send = requests.Session.send
def counting(self, request, **kw):
    path = request.path_url.split("?")[0]
    is_status = request.method == "GET" and path.startswith("/v4/jobs/") and path.count("/") == 3
    counts["status" if is_status else "other"] += 1
    return send(self, request, **kw)
requests.Session.send = counting
from domino import Domino
client = Domino(project, api_key=key, host=url)
counts["status"] = counts["other"] = 0
started = time.time()
job = client.job_start_blocking(command=f"sleep.py {seconds}")
returned = time.time()
print(json.dumps({"id": job["id"], "started": started, "returned": returned, **counts}))
"""


def _measure(python: str, server: ServerProcess, project: str, seconds: float) -> dict[str, Any]:
    env = clean_env()
    env["DOMINO_LOG_LEVEL"] = "WARNING"
    with tempfile.TemporaryDirectory() as cwd:  # never our checkout for the public client
        result = run_json_child(
            [python, "-c", WAIT, server.url, server.api_key, project, str(seconds)],
            cwd=cwd,
            env=env,
            timeout=600,
            what="waiting",
        )
    job = server.get(f"/v4/jobs/{result['id']}")
    completed = job["stageTime"]["completedTime"] / 1000.0
    waited = result["returned"] - result["started"]
    return {
        "latency_s": round(result["returned"] - completed, 3),
        "waited_s": round(waited, 2),
        "status_checks": result["status"],
        "checks_per_minute": round(result["status"] / waited * 60, 1),
    }


def _summary(samples: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    latencies = [s["latency_s"] for s in samples]
    target = max(0.3, 0.1 * seconds)
    return {
        "latency_s_median": round(statistics.median(latencies), 3),
        "latency_s_max": max(latencies),
        "latency_target_s": target,
        "latency_within_target": max(latencies) <= target,
        "checks_per_minute_median": statistics.median(s["checks_per_minute"] for s in samples),
        "status_checks_median": statistics.median(s["status_checks"] for s in samples),
        "samples": samples,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per job length and client")
    parser.add_argument("--long-repeat", type=int, default=1, help="runs of the 20 s job")
    parser.add_argument("--skip-public", action="store_true")
    args = parser.parse_args()

    clients = {"ours": sys.executable}
    public = None if args.skip_public else public_python()
    if public:
        clients["public"] = public
    work = Path(tempfile.mkdtemp(prefix="bench-wait-"))
    server = ServerProcess(work / "server")
    try:
        project = "admin/quick-start"
        server.put_file(project, "sleep.py", b"import sys, time\ntime.sleep(float(sys.argv[1]))\n")
        report: dict[str, Any] = {"clients": sorted(clients)}
        for seconds, repeat in ((2.0, args.repeat), (20.0, args.long_repeat)):
            key = f"job_{seconds:g}s"
            report[key] = {}
            for label, python in clients.items():
                samples = [_measure(python, server, project, seconds) for _ in range(repeat)]
                report[key][label] = _summary(samples, seconds)
            if "public" in report[key]:
                ours, theirs = report[key]["ours"], report[key]["public"]
                report[key]["latency_ratio_ours_to_public"] = round(
                    ours["latency_s_median"] / max(theirs["latency_s_median"], 1e-3), 3
                )
        long_job = report["job_20s"]["ours"]
        report["checks_per_minute_target"] = 60
        report["checks_per_minute_within_target"] = long_job["checks_per_minute_median"] <= 60
    finally:
        server.stop()
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
