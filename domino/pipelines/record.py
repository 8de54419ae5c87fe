"""The run record: ``run.json`` (the whole state) and ``events.jsonl`` (one line per change).

Both are rewritten/appended after every state change, ``run.json`` atomically (write to a
temporary file, fsync, rename), so a runner killed at any moment leaves a record that ``resume``
can continue from: attempts that were running keep their job id and are re-attached.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from domino.pipelines.errors import PipelineRunError

__all__ = ["RunRecord", "default_runs_dir", "iter_runs", "new_run_id", "now_iso"]

RUNS_DIR_ENV = "DOMINO_PIPELINE_RUNS_DIR"
TERMINAL = ("succeeded", "failed", "skipped", "upstream_failed", "cancelled")


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def default_runs_dir() -> Path:
    return Path(os.environ.get(RUNS_DIR_ENV) or ".domino/pipeline-runs")


def new_run_id(pipeline: str) -> str:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    return f"{pipeline}-{stamp}-{secrets.token_hex(3)}"


class RunRecord:
    """The state of one run, persisted in ``<runs_dir>/<run_id>/``; thread-safe."""

    def __init__(self, directory: Path, data: dict[str, Any]) -> None:
        self.dir = directory
        self.data = data
        self._lock = threading.RLock()

    @property
    def run_id(self) -> str:
        return str(self.data["run_id"])

    # -- creation and loading ------------------------------------------------------------------

    @classmethod
    def create(cls, runs_dir: Path, data: dict[str, Any], source: str) -> RunRecord:
        directory = runs_dir / data["run_id"]
        directory.mkdir(parents=True, exist_ok=False)
        (directory / "pipeline.yaml").write_text(source, encoding="utf-8")
        record = cls(directory, data)
        record.save("run_created", status=data.get("status"))
        return record

    @classmethod
    def load(cls, runs_dir: Path, run_id: str) -> RunRecord:
        path = runs_dir / run_id / "run.json"
        if "/" in run_id or not path.is_file():
            known = [r.get("run_id") for r in iter_runs(runs_dir)]
            hint = f"; runs in {runs_dir}: {', '.join(map(str, known[-5:]))}" if known else ""
            raise PipelineRunError(f"no run {run_id!r} in {runs_dir}{hint}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise PipelineRunError(f"run record {path} is unreadable: {exc}") from None
        return cls(path.parent, data)

    # -- changes -------------------------------------------------------------------------------

    def save(self, event: str, **fields: Any) -> None:
        """Write run.json and append one event line (call after every change)."""
        with self._lock:
            self.data["updated"] = now_iso()
            text = json.dumps(self.data, indent=2, sort_keys=False, default=str)
            fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".run-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.dir / "run.json")
            line = json.dumps({"t": self.data["updated"], "event": event, **fields}, default=str)
            with open(self.dir / "events.jsonl", "a", encoding="utf-8") as fh:
                fh.write(line + "\n")

    def step(self, step_id: str) -> dict[str, Any]:
        steps: dict[str, Any] = self.data["steps"]
        step: dict[str, Any] = steps[step_id]
        return step

    def events(self) -> list[dict[str, Any]]:
        path = self.dir / "events.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def iter_runs(runs_dir: Path) -> Iterator[dict[str, Any]]:
    """Every readable run.json under ``runs_dir``, oldest first."""
    if not runs_dir.is_dir():
        return
    found = []
    for path in runs_dir.glob("*/run.json"):
        try:
            found.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    yield from sorted(found, key=lambda r: str(r.get("started", "")))
