"""Per-call overhead of the client's HTTP layer versus a bare ``requests.Session``.

Runs N sequential small GETs against a local keep-alive HTTP/1.1 server (stdlib, in a child
process so it does not compete for this process's GIL) through a bare ``requests.Session``
and through ``domino._http.HttpClient`` (auth header, default timeout, retry adapter, status
check, logging), interleaved in small blocks with alternating order, for several rounds.
Prints one JSON object; the figure of merit is ``ratio`` = our time / bare time (target
≤ 1.15), taken as the median over rounds. ``facade_ratio`` measures the whole public method
``Domino.deployment_version()`` (request + JSON decoding) against ``bare.get(url).json()``.

    python bench/calls.py [--calls 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

BODY = b'{"version": "5.10.0"}'


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes; without this, Nagle + delayed ACK add ~40 ms
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def _serve(port_queue: Any) -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    port_queue.put(httpd.server_address[1])
    httpd.serve_forever()


def _timed(call: Callable[[], Any], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        call()
    return time.perf_counter() - start


def _compare(
    bare: Callable[[], Any], ours: Callable[[], Any], calls: int, rounds: int, block: int
) -> tuple[list[float], list[float], list[float]]:
    """Per-round times of both callables and their ratios (ours / bare), after a warm-up.

    Small blocks of calls are interleaved, in alternating order, so that load from other
    processes on the machine hits both alike; each round is ``calls`` calls per callable.
    """
    _timed(bare, 200)
    _timed(ours, 200)
    bare_times: list[float] = []
    ours_times: list[float] = []
    for _ in range(rounds):
        b = o = 0.0
        done = 0
        flip = False
        while done < calls:
            n = min(block, calls - done)
            if flip:
                o += _timed(ours, n)
                b += _timed(bare, n)
            else:
                b += _timed(bare, n)
                o += _timed(ours, n)
            flip = not flip
            done += n
        bare_times.append(b)
        ours_times.append(o)
    return bare_times, ours_times, [o / b for o, b in zip(ours_times, bare_times, strict=True)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--block", type=int, default=100, help="calls per interleaved block")
    args = parser.parse_args(argv)

    from domino import Domino
    from domino._http import HttpClient
    from domino.authentication import ApiKeyAuth

    ports: Any = multiprocessing.Queue()
    proc = multiprocessing.Process(target=_serve, args=(ports,), daemon=True)
    proc.start()
    try:
        base = f"http://127.0.0.1:{ports.get(timeout=10)}"
        url = base + "/version"

        bare = requests.Session()
        ours = HttpClient(base, ApiKeyAuth("bench-key"), environ={})

        def bare_call() -> Any:
            return bare.get(url)

        def ours_call() -> Any:
            return ours.get("/version")

        facade = Domino("bench/project", api_key="bench-key", host=base)

        def bare_json_call() -> Any:
            return bare.get(url).json()

        def facade_call() -> Any:
            return facade.deployment_version()

        block = max(1, min(args.block, args.calls))
        bare_times, ours_times, ratios = _compare(
            bare_call, ours_call, args.calls, args.rounds, block
        )
        _, facade_times, facade_ratios = _compare(
            bare_json_call, facade_call, args.calls, args.rounds, block
        )
        bare.close()
        ours.close()
    finally:
        proc.terminate()
        proc.join(5)

    result = {
        "benchmark": "sequential small GETs, keep-alive, local HTTP/1.1 server",
        "calls_per_round": args.calls,
        "rounds": args.rounds,
        "bare_requests_calls_per_s": round(args.calls / statistics.median(bare_times), 1),
        "domino_http_calls_per_s": round(args.calls / statistics.median(ours_times), 1),
        "bare_best_calls_per_s": round(args.calls / min(bare_times), 1),
        "domino_best_calls_per_s": round(args.calls / min(ours_times), 1),
        "ratio": round(statistics.median(ratios), 3),
        "ratio_best_times": round(min(ours_times) / min(bare_times), 3),
        "ratios_per_round": [round(r, 3) for r in ratios],
        "facade_calls_per_s": round(args.calls / statistics.median(facade_times), 1),
        "facade_ratio": round(statistics.median(facade_ratios), 3),
        "target_ratio_max": 1.15,
    }
    result["meets_target"] = result["ratio"] <= 1.15 and result["facade_ratio"] <= 1.15
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
