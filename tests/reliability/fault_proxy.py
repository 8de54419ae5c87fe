"""An HTTP/1.1 proxy on a free loopback port that injects faults into a share of requests.

Faults (each request draws one with probability ``rate``, from a seeded generator):

- ``reset-before``: the connection is reset (RST) before the request reaches the server;
- ``reset-after``: the request reaches the server, then the connection is reset instead of
  answering (the client cannot know whether it happened);
- ``502`` / ``503`` / ``429``: answered by the proxy (503 and 429 with ``Retry-After: 1``);
- ``stall``: no answer for ``stall`` seconds (past the client's read timeout), then a close;
- ``truncate``: the server's answer with its full ``Content-Length`` but half its body.

``forwarded`` lists (method, path) of every request the server really received.
"""

from __future__ import annotations

import http.client
import random
import socket
import socketserver
import struct
import threading
import time
from collections import Counter
from typing import BinaryIO

KINDS = ("reset-before", "reset-after", "502", "503", "429", "stall", "truncate")
_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection"}


class FaultProxy:
    def __init__(
        self,
        upstream: str,
        *,
        rate: float = 0.2,
        seed: int = 12,
        stall: float = 5.0,
        kinds: tuple[str, ...] = KINDS,
        spare: tuple[str, ...] = ("/_local/",),
    ) -> None:
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream = (host, int(port))
        self.rate = rate
        self.stall = stall
        self.kinds = kinds
        self.spare = spare
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.faults: Counter[str] = Counter()
        self.requests = 0
        self.forwarded: list[tuple[str, str]] = []
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._serve(self.request)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one client connection -----------------------------------------------------------------

    def _draw(self, path: str) -> str | None:
        with self._lock:
            self.requests += 1
            if path.startswith(self.spare) or self._random.random() >= self.rate:
                return None
            kind = self._random.choice(self.kinds)
            self.faults[kind] += 1
            return kind

    def _serve(self, conn: socket.socket) -> None:
        rfile = conn.makefile("rb")
        upstream = http.client.HTTPConnection(*self.upstream, timeout=120)
        try:
            while True:
                request = _read_request(rfile)
                if request is None:
                    return
                method, target, headers, body = request
                fault = self._draw(target)
                if fault == "reset-before":
                    _reset(conn)
                    return
                if fault in ("502", "503", "429"):
                    extra = {} if fault == "502" else {"Retry-After": "1"}
                    _send(conn, int(fault), {"Content-Type": "application/json", **extra},
                          b'{"message": "injected fault"}')  # fmt: skip
                    continue
                if fault == "stall":
                    time.sleep(self.stall)
                    conn.close()
                    return
                sent = {k: v for k, v in headers if k.lower() not in _HOP | {"content-length"}}
                upstream.request(method, target, body=body, headers=sent)
                response = upstream.getresponse()
                data = response.read()
                with self._lock:
                    self.forwarded.append((method, target.split("?")[0]))
                if fault == "reset-after":
                    _reset(conn)
                    return
                out = {k: v for k, v in response.getheaders() if k.lower() not in _HOP}
                out.pop("content-length", None)
                out = {k: v for k, v in out.items() if k.lower() != "content-length"}
                if fault == "truncate":
                    _send(conn, response.status, out, data, cut=max(1, len(data) // 2))
                    conn.close()
                    return
                _send(conn, response.status, out, data)
        except (OSError, http.client.HTTPException):
            return
        finally:
            upstream.close()
            try:
                conn.close()
            except OSError:
                pass


def _read_request(rfile: BinaryIO) -> tuple[str, str, list[tuple[str, str]], bytes] | None:
    line = rfile.readline(65537)
    if not line or not line.strip():
        return None
    method, target, _version = line.decode("latin-1").split()
    headers: list[tuple[str, str]] = []
    while True:
        raw = rfile.readline(65537)
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
    lower = {k.lower(): v for k, v in headers}
    if lower.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int(rfile.readline().split(b";")[0], 16)
            if size == 0:
                rfile.readline()
                break
            parts.append(rfile.read(size))
            rfile.readline()
        body = b"".join(parts)
    else:
        body = rfile.read(int(lower.get("content-length", "0") or 0))
    return method, target, headers, body


def _send(
    conn: socket.socket, status: int, headers: dict[str, str], body: bytes, cut: int | None = None
) -> None:
    reason = http.client.responses.get(status, "")
    head = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body[:cut])


def _reset(conn: socket.socket) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()
