"""Reliability benchmark for domino-server (issue 12), against a ``domino-server serve`` child.

1. load: 32 client threads x 200 mixed calls (reads, file writes, job polls): errors, p50/p99;
2. queue: 100 jobs queued at once on 2 workers: every one terminal, queue-to-end p50/p99;
3. resources: four 100 MB JSON bodies at once, a job writing 200 MB of output read four times
   at once (whole and with previewNumberOfLines), 40,000 tag names, 300 half-open connections:
   the answers, /version latency meanwhile, and the server's peak RSS (target: < 300 MB);
4. faults: a 64 MB dataset upload straight to the server (the baseline) and through the
   fault-injecting proxy of tests/reliability (20% of requests): time, ratio, faults, identical.

    python bench/reliability.py [--threads 32] [--calls 200] [--jobs 100] [--upload-mb 64]

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import socket
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from _server import ServerProcess

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "reliability"))
from fault_proxy import FaultProxy  # noqa: E402

from domino import Domino  # noqa: E402

MiB = 1 << 20


def _pct(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Bench:
    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.url = server.url
        self.headers = server.headers()
        self.use_project("bench")

    def use_project(self, name: str) -> None:
        """Create project ``name`` and make it the one the next phase works in."""
        self.project = self.server.create_project(name)
        self.v1 = f"/v1/projects/{self.project}"
        self.project_id = self.get(
            f"/v4/gateway/projects/findProjectByOwnerAndName?ownerName=admin&projectName={name}"
        )["id"]

    def get(self, path: str, **kw: Any) -> Any:
        answer = requests.get(self.url + path, headers=self.headers, timeout=120, **kw)
        answer.raise_for_status()
        return answer.json()

    def put_file(self, path: str, data: bytes) -> None:
        requests.put(
            f"{self.url}{self.v1}/{path}", data=data, headers=self.headers, timeout=120
        ).raise_for_status()

    def start_job(self, command: str) -> str:
        answer = requests.post(
            self.url + "/v4/jobs/start",
            json={"projectId": self.project_id, "commandToRun": command},
            headers=self.headers,
            timeout=120,
        )
        answer.raise_for_status()
        return str(answer.json()["id"])

    def wait_jobs(self, ids: list[str], timeout: float) -> dict[str, dict[str, Any]]:
        """Poll the project's job list (one request per sweep) until every id is terminal."""
        deadline = time.monotonic() + timeout
        wanted = set(ids)
        done: dict[str, dict[str, Any]] = {}
        while len(done) < len(ids) and time.monotonic() < deadline:
            page = self.get(
                "/v4/jobs", params={"projectId": self.project_id, "page_size": len(ids) + 50}
            )
            for job in page["jobs"]:
                if job["id"] in wanted and job["statuses"]["isCompleted"]:
                    done[job["id"]] = job
            time.sleep(0.25)
        return done

    # -- 1 -------------------------------------------------------------------------------------

    def load(self, threads: int, calls: int) -> dict[str, Any]:
        self.put_file("hello.sh", b"echo hello\n")
        job = self.start_job("hello.sh")
        commit = self.get(f"{self.v1}/commits")[0]
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()

        def worker(n: int) -> None:
            session = requests.Session()
            session.headers.update(self.headers)
            for i in range(calls):
                kind = i % 5
                started = time.perf_counter()
                try:
                    if kind == 0:
                        answer = session.get(f"{self.url}/v4/jobs/{job}", timeout=60)
                    elif kind == 1:
                        answer = session.get(f"{self.url}{self.v1}/files/{commit}/", timeout=60)
                    elif kind == 2:
                        answer = session.get(f"{self.url}{self.v1}/runs", timeout=60)
                    elif kind == 3:
                        answer = session.put(
                            f"{self.url}{self.v1}/load/{n}-{i}.txt", data=b"x" * 100, timeout=60
                        )
                    else:
                        answer = session.get(f"{self.url}/version", timeout=60)
                    ok = answer.status_code < 400
                except requests.RequestException as exc:
                    ok, answer = False, exc  # type: ignore[assignment]
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if not ok:
                        errors.append(str(answer)[:200])

        started = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(worker, range(threads)))
        wall = time.perf_counter() - started
        return {
            "threads": threads,
            "calls": threads * calls,
            "errors": len(errors),
            "first_errors": errors[:3],
            "requests_per_s": round(threads * calls / wall, 1),
            "p50_ms": round(_pct(latencies, 50) * 1000, 2),
            "p99_ms": round(_pct(latencies, 99) * 1000, 2),
        }

    # -- 2 -------------------------------------------------------------------------------------

    def queue(self, jobs: int) -> dict[str, Any]:
        self.use_project("queue")  # not the load phase's project and its thousand files
        self.put_file("q.sh", b"echo queued\n")
        started = time.perf_counter()
        ids = [self.start_job("q.sh") for _ in range(jobs)]
        done = self.wait_jobs(ids, timeout=600)
        wall = time.perf_counter() - started
        spans = [
            (j["stageTime"]["completedTime"] - j["stageTime"]["submissionTime"]) / 1000
            for j in done.values()
        ]
        statuses: dict[str, int] = {}
        for j in done.values():
            status = j["statuses"]["executionStatus"]
            statuses[status] = statuses.get(status, 0) + 1
        return {
            "jobs": jobs,
            "terminal": len(done),
            "statuses": statuses,
            "wall_s": round(wall, 2),
            "queued_to_end_p50_s": round(_pct(spans, 50), 3),
            "queued_to_end_p99_s": round(_pct(spans, 99), 3),
        }

    # -- 3 -------------------------------------------------------------------------------------

    def resources(self) -> dict[str, Any]:
        pid = self.server.proc.pid
        before = _rss_mb(pid)
        versions: list[float] = []
        stop = threading.Event()

        def probe() -> None:
            while not stop.is_set():
                started = time.perf_counter()
                requests.get(self.url + "/version", timeout=60)
                versions.append(time.perf_counter() - started)
                time.sleep(0.05)

        prober = threading.Thread(target=probe, daemon=True)
        prober.start()
        big = b'{"name": "' + b"x" * (100 * MiB) + b'"}'

        def post_big(_: int) -> int:
            try:
                return requests.post(
                    self.url + "/v4/projects", data=big, headers=self.headers, timeout=120
                ).status_code
            except requests.RequestException:
                return 0  # the server may close while the body is still being sent

        with ThreadPoolExecutor(4) as pool:
            bodies = list(pool.map(post_big, range(4)))
        self.put_file("noisy.py", b"import sys\nline = 'y' * 99\nfor _ in range(2_000_000):\n"
                      b"    sys.stdout.write(line + '\\n')\n")  # fmt: skip
        noisy = self.start_job("noisy.py")
        self.wait_jobs([noisy], timeout=300)

        def read_log(i: int) -> int:
            params = {"previewNumberOfLines": 50} if i % 2 else {}
            answer = requests.get(
                f"{self.url}{self.v1}/run/{noisy}/stdout",
                params=params,
                headers=self.headers,
                timeout=120,
            )
            return len(answer.content)

        with ThreadPoolExecutor(4) as pool:
            log_sizes = list(pool.map(read_log, range(4)))
        tags = requests.post(
            f"{self.url}/v4/projects/{self.project_id}/tags",
            json={"tagNames": [f"t{i}" for i in range(40_000)]},
            headers=self.headers,
            timeout=120,
        ).status_code
        host, port = self.url.removeprefix("http://").split(":")
        half_open = []
        for _ in range(300):
            sock = socket.create_connection((host, int(port)), timeout=10)
            sock.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\n")
            half_open.append(sock)
        started = time.perf_counter()
        requests.get(self.url + "/version", timeout=60)
        during_half_open = time.perf_counter() - started
        for sock in half_open:
            sock.close()
        stop.set()
        prober.join(10)
        return {
            "json_100mb_x4_statuses": bodies,
            "log_200mb_read_x4_bytes": log_sizes,
            "tags_40000_status": tags,
            "version_while_300_half_open_ms": round(during_half_open * 1000, 1),
            "version_p99_ms_meanwhile": round(_pct(versions, 99) * 1000, 1),
            "version_max_ms_meanwhile": round(max(versions) * 1000, 1) if versions else None,
            "rss_before_mb": round(before, 1),
            "peak_rss_mb": round(_peak_rss_mb(pid), 1),
            "peak_rss_target_mb": 300,
        }

    # -- 4 -------------------------------------------------------------------------------------

    def faults(self, megabytes: int, scratch: Path) -> dict[str, Any]:
        tree = scratch / "tree"
        tree.mkdir()
        digests = {}
        for i in range(max(1, megabytes // 4)):
            data = os.urandom(4 * MiB)
            (tree / f"f{i:03d}.bin").write_bytes(data)
            digests[f"tree/f{i:03d}.bin"] = hashlib.sha256(data).hexdigest()
        os.chdir(scratch)
        os.environ["DOMINO_HTTP_TIMEOUT"] = "5,4"
        results: dict[str, Any] = {"megabytes": megabytes}
        for label in ("direct", "proxy"):
            proxy = FaultProxy(self.url, rate=0.2, seed=3, stall=5.5) if label == "proxy" else None
            host = proxy.url if proxy else self.url
            client = Domino(self.project, host=host, api_key=self.server.api_key)
            dataset = None
            while dataset is None:
                try:
                    dataset = client.datasets_create(f"{label}-{time.time_ns()}", "")
                except Exception:  # noqa: BLE001 - a POST hit by a fault: try again
                    dataset = None
            started = time.perf_counter()
            error = None
            try:
                # 1 MiB chunks: enough requests for the faults to land on every kind of call
                client.datasets_upload_files(dataset["datasetId"], "tree", target_chunk_size=MiB)
            except Exception as exc:  # noqa: BLE001 - reported, typed
                error = f"{type(exc).__name__}: {exc}"[:300]
            elapsed = time.perf_counter() - started
            listing = self.get(f"/_local/datasets/{dataset['datasetId']}/files")
            identical = {f["path"]: f["sha256"] for f in listing} == digests
            entry: dict[str, Any] = {"seconds": round(elapsed, 2), "identical": identical}
            if error:
                entry["error"] = error
            if proxy is not None:
                entry["requests"] = proxy.requests
                entry["faults"] = dict(proxy.faults)
                proxy.close()
            results[label] = entry
        results["proxy_vs_direct_time_ratio"] = round(
            results["proxy"]["seconds"] / max(results["direct"]["seconds"], 1e-6), 2
        )
        return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--upload-mb", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="domino-bench-rel-") as scratch:
        server = ServerProcess(Path(scratch) / "data", extra_args=("--workers", "2"))
        try:
            bench = Bench(server)
            out = {
                "load": bench.load(args.threads, args.calls),
                "queue": bench.queue(args.jobs),
                "resources": bench.resources(),
                "faults": bench.faults(args.upload_mb, Path(scratch)),
            }
        finally:
            server.stop()
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
