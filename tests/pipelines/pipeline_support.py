"""Helpers shared by the pipeline test modules (imported as a plain module)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from domino.pipelines.runner import LocalRunner
from domino.pipelines.validate import load_pipeline

POLL = 0.3


def cli_env(server: Any, runs: Path) -> dict[str, str]:
    """The environment of a ``python -m domino.pipelines`` child: this server, runs in ``runs``."""
    env = dict(os.environ)
    env.update(
        DOMINO_API_HOST=server.url,
        DOMINO_USER_API_KEY=server.api_key,
        DOMINO_PIPELINE_RUNS_DIR=str(runs),
    )
    return env


def run_local(server: Any, path: Path, runs_dir: Path, **kw: Any) -> LocalRunner:
    """Run the pipeline at ``path`` in-process to its end; returns the runner (with .record)."""
    pipeline, _ = load_pipeline(path)
    runner = LocalRunner.new_run(
        pipeline, server.client(pipeline.project), runs_dir, poll=POLL, **kw
    )
    runner.status = runner.run()  # type: ignore[attr-defined]
    return runner


def summary(record_data: dict[str, Any]) -> dict[str, Any]:
    """What parity compares: per step its status, and per instance status, attempts, outputs."""
    out: dict[str, Any] = {}
    for sid, step in record_data["steps"].items():
        out[sid] = {
            "status": step["status"],
            "instances": [
                {
                    "key": inst["key"],
                    "status": inst["status"],
                    "attempts": [a["status"] for a in inst.get("attempts") or []],
                    "outputs": inst.get("outputs") or {},
                }
                for inst in step["instances"]
            ],
        }
    return out


def statuses(record_data: dict[str, Any]) -> dict[str, str]:
    return {sid: s["status"] for sid, s in record_data["steps"].items()}
