"""Load benchmark for domino-server: N client threads × M calls against one in-process server.

Each thread has its own ``requests.Session`` and cycles through the three calls clients poll
most: a job's status (``GET /v4/jobs/{id}``), a file listing (``GET /v1/.../files/{commit}/``)
and the unpaged runs list (``GET /v1/.../runs``). A single-thread pass measured first in the
same run is the baseline for the throughput ratio.

    python bench/server_load.py [--threads 32] [--calls 200] [--runs 20] [--subprocess]

By default the server is a ``LocalServer`` in this process, so client threads and server share
one GIL; ``--subprocess`` serves from ``python -m domino.server serve`` instead, which measures
the server without that contention.

Prints one JSON object: requests/s, p50/p99 latency in ms, error count, and the ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

import requests
from _server import ServerProcess

from domino.testing import LocalServer


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


@contextlib.contextmanager
def _server(out_of_process: bool) -> Iterator[Any]:
    if not out_of_process:
        with LocalServer() as local:
            yield local
        return
    with tempfile.TemporaryDirectory(prefix="domino-bench-") as data_dir:
        server = ServerProcess(data_dir)
        try:
            yield server
        finally:
            server.stop()


def _prepare(server: Any, runs: int) -> tuple[list[str], dict[str, str]]:
    headers = server.headers()
    owner, name = server.create_project("load").split("/")
    base = f"{server.url}/v1/projects/{owner}/{name}"
    with requests.Session() as session:
        session.headers.update(headers)
        for i in range(10):
            session.put(f"{base}/data/file{i}.txt", data=f"row {i}\n" * 100).raise_for_status()
        session.put(f"{base}/main.py", data=b"print('done')\n").raise_for_status()
        project = session.get(
            f"{server.url}/v4/gateway/projects/findProjectByOwnerAndName"
            f"?ownerName={owner}&projectName={name}"
        ).json()
        job_ids = []
        for _ in range(runs):
            job = session.post(
                f"{server.url}/v4/jobs/start",
                json={"projectId": project["id"], "commandToRun": "main.py"},
            ).json()
            job_ids.append(job["id"])
        deadline = time.monotonic() + 120
        while True:
            statuses = [session.get(f"{server.url}/v4/jobs/{j}").json() for j in job_ids]
            if all(s["statuses"]["isCompleted"] for s in statuses):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("jobs did not finish")
            time.sleep(0.1)
        commit = session.get(f"{base}/commits").json()[0]
    urls = {
        "job_status": f"{server.url}/v4/jobs/{job_ids[0]}",
        "files_list": f"{base}/files/{commit}/",
        "runs_list": f"{base}/runs",
    }
    return job_ids, urls


def _load(
    urls: dict[str, str], headers: dict[str, str], threads: int, calls: int
) -> dict[str, Any]:
    kinds = list(urls)
    latencies: list[float] = []
    by_kind: dict[str, list[float]] = {k: [] for k in kinds}
    errors: list[str] = []
    lock = threading.Lock()
    start_gate = threading.Barrier(threads + 1)

    def worker(offset: int) -> None:
        mine: list[tuple[str, float]] = []
        failures: list[str] = []
        with requests.Session() as session:
            session.headers.update(headers)
            start_gate.wait()
            for i in range(calls):
                kind = kinds[(i + offset) % len(kinds)]
                t0 = time.perf_counter()
                try:
                    response = session.get(urls[kind], timeout=60)
                    response.json()
                    if response.status_code != 200:
                        failures.append(f"{kind}: HTTP {response.status_code}")
                except (requests.RequestException, ValueError) as exc:
                    failures.append(f"{kind}: {type(exc).__name__}")
                mine.append((kind, time.perf_counter() - t0))
        with lock:
            for kind, seconds in mine:
                latencies.append(seconds)
                by_kind[kind].append(seconds)
            errors.extend(failures)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    start_gate.wait()
    t0 = time.perf_counter()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - t0
    total = threads * calls
    return {
        "threads": threads,
        "calls_per_thread": calls,
        "requests": total,
        "seconds": round(elapsed, 3),
        "requests_per_s": round(total / elapsed, 1),
        "p50_ms": round(_percentile(latencies, 50) * 1000, 2),
        "p99_ms": round(_percentile(latencies, 99) * 1000, 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else 0.0,
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "p50_ms_by_call": {k: round(_percentile(v, 50) * 1000, 2) for k, v in by_kind.items() if v},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--runs", type=int, default=20, help="finished jobs in the runs list")
    parser.add_argument("--subprocess", action="store_true", help="server in its own process")
    args = parser.parse_args(argv)
    with _server(args.subprocess) as server:
        job_ids, urls = _prepare(server, args.runs)
        headers = server.headers()
        baseline = _load(urls, headers, threads=1, calls=min(args.calls, 300))
        loaded = _load(urls, headers, threads=args.threads, calls=args.calls)
    result = {
        "benchmark": "server_load",
        "server": "subprocess" if args.subprocess else "in-process LocalServer",
        "runs_in_list": len(job_ids),
        "baseline_single_thread": baseline,
        "concurrent": loaded,
        "throughput_ratio_vs_single_thread": round(
            loaded["requests_per_s"] / baseline["requests_per_s"], 2
        ),
        "p99_ratio_vs_single_thread": round(loaded["p99_ms"] / max(baseline["p99_ms"], 1e-9), 2),
        "target_met": loaded["errors"] == 0,
    }
    print(json.dumps(result, indent=2))
    return 0 if loaded["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
