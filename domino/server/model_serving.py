"""Model API processes: one per published model, serving its active version
(domino-api-2x.md §3.3, §3.4). No HTTP routing here.

A version's files are the project's files at the version's commit, copied to a fresh work
directory; ``model_host.py`` imports the model's file there and listens on a free loopback
port. Processes start through :func:`domino.server.runner.spawn`, the launch function apps
use, so whatever sandbox applies to apps applies to models. A model whose process is gone
(a restart of domino-server, say) is started again on its next prediction.
"""

from __future__ import annotations

import http.client
import json
import logging
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from domino.server.launch import reap
from domino.server.repo import Repo
from domino.server.runner import base_env, spawn, terminate
from domino.server.store import Store, new_secret

log = logging.getLogger(__name__)

HOST_SCRIPT = Path(__file__).with_name("model_host.py")
START_TIMEOUT = 60.0
PREDICT_TIMEOUT = 120.0


class ModelUnavailable(Exception):
    """The model's process could not be started or has died (answered 503)."""


class _Serving:
    def __init__(
        self, version_id: str, proc: subprocess.Popen[bytes], port_file: Path, token: str
    ) -> None:
        self.version_id = version_id
        self.proc = proc
        self.port_file = port_file
        self.port: int | None = None
        #: what the model process wants in X-Domino-Model-Token (it answers nobody else)
        self.token = token


class ModelProcesses:
    def __init__(self, store: Store, repo: Repo, *, stop_grace: float = 5.0) -> None:
        self.store = store
        self.repo = repo
        self.stop_grace = stop_grace
        self._lock = threading.Lock()
        self._serving: dict[str, _Serving] = {}

    def model_dir(self, model_id: str) -> Path:
        return self.store.data_dir / "models" / model_id

    def log_text(self, model_id: str) -> str:
        try:
            data = (self.model_dir(model_id) / "model.log").read_bytes()
        except FileNotFoundError:
            return ""
        return data[-20000:].decode("utf-8", "replace")

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self, model_id: str, version: dict[str, Any], project: dict[str, Any]) -> None:
        """(Re)start ``model_id`` serving ``version`` (a model_versions row)."""
        with self._lock:
            self._stop_locked(model_id)
            directory = self.model_dir(model_id)
            work = directory / "work"
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            excluded = set(json.loads(version["exclude_files"]))
            for path, (key, _size, _mod) in self.repo.tree(
                project["id"], version["commit_id"]
            ).items():
                if path not in excluded:
                    self.repo.blobs.copy_to(key, work / path)
            host = work / ".domino_model_host.py"
            shutil.copyfile(HOST_SCRIPT, host)
            # inside the work directory: a sandbox that confines writes to it still allows this
            port_file = work / ".domino_model_port"
            port_file.unlink(missing_ok=True)  # never a project file of that name
            token = new_secret()
            env = base_env()
            env.update(
                DOMINO_PROJECT_OWNER=project["owner_name"],
                DOMINO_PROJECT_NAME=project["name"],
                DOMINO_PROJECT_ID=project["id"],
                DOMINO_MODEL_ID=model_id,
                DOMINO_MODEL_VERSION_ID=version["id"],
                DOMINO_ENVIRONMENT_ID=version["environment_id"],
                DOMINO_MODEL_HOST_TOKEN=token,
            )
            argv = [
                sys.executable,
                host.name,
                version["file"],
                version["function"],
                port_file.name,
                version["id"],
                str(version["number"]),
            ]
            proc = spawn(argv, work, env, directory / "model.log")
            self._serving[model_id] = _Serving(version["id"], proc, port_file, token)

    def _stop_locked(self, model_id: str) -> None:
        serving = self._serving.pop(model_id, None)
        if serving is not None:
            terminate(serving.proc, self.stop_grace)

    def stop(self, model_id: str) -> None:
        with self._lock:
            self._stop_locked(model_id)

    def stop_all(self) -> None:
        with self._lock:
            serving = list(self._serving.values())
            self._serving.clear()
        for entry in serving:
            terminate(entry.proc, self.stop_grace)
        for entry in serving:
            try:
                entry.proc.wait(self.stop_grace + 1)
            except subprocess.TimeoutExpired:
                pass
            reap(entry.proc)  # the whole tree, its process record and its log

    # -- state ---------------------------------------------------------------------------------

    def state(self, model_id: str) -> str:
        """``Running``, ``Starting``, ``Failed`` (the process ended) or ``Stopped``."""
        with self._lock:
            serving = self._serving.get(model_id)
        if serving is None:
            return "Stopped"
        if serving.proc.poll() is not None:
            return "Failed"
        return "Running" if self._port(serving) else "Starting"

    def serving_version(self, model_id: str) -> str | None:
        with self._lock:
            serving = self._serving.get(model_id)
        return serving.version_id if serving else None

    @staticmethod
    def _port(serving: _Serving) -> int | None:
        if serving.port is None:
            try:
                serving.port = int(serving.port_file.read_text())
            except (FileNotFoundError, ValueError):
                return None
        return serving.port

    def _wait_port(self, model_id: str) -> tuple[int, str]:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            with self._lock:
                serving = self._serving.get(model_id)
            if serving is None:
                raise ModelUnavailable("the model is not running")
            port = self._port(serving)
            if port:
                return port, serving.token
            if serving.proc.poll() is not None:
                raise ModelUnavailable(
                    f"the model's process exited with code {serving.proc.returncode}: "
                    + self.log_text(model_id)[-1000:].strip()
                )
            if time.monotonic() > deadline:
                raise ModelUnavailable(f"the model did not start within {START_TIMEOUT:g} s")
            time.sleep(0.05)

    def predict(self, model_id: str, body: bytes) -> tuple[int, Any]:
        """Forward a request body to the model; (status, parsed JSON answer)."""
        port, token = self._wait_port(model_id)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=PREDICT_TIMEOUT)
        headers = {"Content-Type": "application/json", "X-Domino-Model-Token": token}
        try:
            conn.request("POST", "/", body=body, headers=headers)
            response = conn.getresponse()
            raw = response.read()
        except OSError as exc:
            raise ModelUnavailable(f"the model did not answer: {exc}") from exc
        finally:
            conn.close()
        try:
            return response.status, json.loads(raw, parse_constant=_no_constant)
        except ValueError:
            raise ModelUnavailable("the model's answer was not JSON") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # it could not be given back to the caller
