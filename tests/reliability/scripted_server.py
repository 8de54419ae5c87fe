"""A real, scriptable HTTP server on a free loopback port (stdlib only, no mocks).

Each test tells the server what to do with the next requests (answer with a status, stall,
drop the connection) and afterwards inspects what actually reached it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Action:
    status: int = 200
    body: Any = field(default_factory=lambda: {"ok": True})
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to stall before answering
    drop: bool = False  # close the socket without any response


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    client_port: int


class ScriptedServer:
    def __init__(self) -> None:
        self._plan: list[Action] = [Action()]
        self._lock = threading.Lock()
        self.requests: list[Seen] = []
        self.stop = threading.Event()
        handler = _make_handler(self)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def plan(self, *actions: Action) -> None:
        """Answer the next requests with these actions; the last one repeats forever."""
        with self._lock:
            self._plan = list(actions)

    def next_action(self) -> Action:
        with self._lock:
            return self._plan.pop(0) if len(self._plan) > 1 else self._plan[0]

    def count(self, method: str | None = None) -> int:
        return sum(1 for r in self.requests if method is None or r.method == method)

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def _make_handler(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # one response = two writes; avoid delayed-ACK stalls

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            server.requests.append(
                Seen(self.command, self.path, dict(self.headers), body, self.client_address[1])
            )
            action = server.next_action()
            if action.delay:
                server.stop.wait(action.delay)
            if action.drop:
                self.close_connection = True
                return
            payload = (
                action.body if isinstance(action.body, bytes) else json.dumps(action.body).encode()
            )
            self.send_response(action.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in action.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    return Handler
