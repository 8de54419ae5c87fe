"""The process that serves one published model (run as a script; imports nothing of domino).

``python model_host.py <file> <function> <port file> <version id> <version number>`` imports
``<file>`` from the working directory, then answers ``POST /`` on a free 127.0.0.1 port with
the function's result. Once listening it writes the port number to ``<port file>``, which
tells domino-server that the model is up. The request body is Domino's:
``{"data": {name: value, ...}}`` calls ``function(**data)`` (or ``function(data)`` when the
names do not fit its parameters, or when ``data`` is not an object), and
``{"parameters": [...]}`` calls ``function(*parameters)``.
"""

import importlib.util
import inspect
import json
import os
import sys
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 16 << 20


def say(line):
    """One line to the model's log (stdout goes to the log file)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def load(path, name):
    sys.path.insert(0, os.getcwd())
    spec = importlib.util.spec_from_file_location("domino_model", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {path!r}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    function = getattr(module, name, None)
    if not callable(function):
        raise SystemExit(f"{path!r} defines no function {name!r}")
    return function


def call(function, body):
    if "parameters" in body:
        parameters = body["parameters"]
        if not isinstance(parameters, list):
            raise TypeError("'parameters' must be a JSON array")
        return function(*parameters)
    if "data" not in body:
        raise TypeError('the request body must be {"data": ...} or {"parameters": [...]}')
    data = body["data"]
    if isinstance(data, dict):
        try:
            inspect.signature(function).bind(**data)
        except (TypeError, ValueError):
            return function(data)
        return function(**data)
    return function(data)


def main():
    path, name, port_file, version_id, version_number = sys.argv[1:6]
    function = load(path, name)
    release = {
        "harness_version": "domino-server",
        "model_version": version_id,
        "model_version_number": int(version_number),
    }

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):
            say("model request: " + fmt % args)

        def answer(self, status, payload):
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                return self.answer(413, {"error": "request body too large"})
            try:
                body = json.loads(self.rfile.read(length) or b"null")
            except ValueError as exc:
                return self.answer(400, {"error": f"request body is not JSON: {exc}"})
            if not isinstance(body, dict):
                return self.answer(400, {"error": "request body must be a JSON object"})
            started = time.monotonic()
            try:
                result = call(function, body)
                json.dumps(result)
            except Exception as exc:
                traceback.print_exc()
                return self.answer(500, {"error": f"{type(exc).__name__}: {exc}"})
            elapsed = (time.monotonic() - started) * 1000
            self.answer(
                200,
                {
                    "model_time_in_ms": round(elapsed, 3),
                    "release": release,
                    "request_id": uuid.uuid4().hex,
                    "result": result,
                    "timing": round(elapsed, 3),
                },
            )

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = port_file + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(str(server.server_address[1]))
    os.replace(tmp, port_file)
    say(f"serving {path}:{name} (version {version_number})")
    server.serve_forever()


if __name__ == "__main__":
    main()
