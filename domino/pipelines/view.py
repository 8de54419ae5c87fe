"""What a terminal shows while a pipeline runs: a live table on a TTY, log lines otherwise."""

from __future__ import annotations

import datetime as dt
import sys
import threading
from typing import IO, Any

from domino.pipelines.record import RunRecord

__all__ = ["LiveView"]

_MARK = {
    "pending": "·",
    "running": "▶",
    "succeeded": "✔",
    "failed": "✘",
    "skipped": "↷",
    "upstream_failed": "⊘",
    "cancelled": "■",
}
_QUIET = {"attempt_starting", "run_created"}


def _since(start: str | None) -> str:
    if not start:
        return ""
    try:
        began = dt.datetime.fromisoformat(start)
    except ValueError:
        return ""
    seconds = (dt.datetime.now(dt.timezone.utc) - began).total_seconds()
    return f"{seconds:5.1f}s"


def rows(record: RunRecord) -> list[str]:
    """One line per step and matrix instance: mark, key, status, attempt, job id, time."""
    out = []
    for sid, srec in record.data["steps"].items():
        insts = srec.get("instances") or []
        plain = len(insts) == 1 and insts[0].get("matrix") is None
        reason = f"  ({srec['reason']})" if srec.get("reason") else ""
        if plain:
            out.append(_line(sid, insts[0], srec["status"]) + reason)
            continue
        out.append(f"{_MARK.get(srec['status'], '?')} {sid:<28} {srec['status']:<16}{reason}")
        for inst in insts:
            out.append("  " + _line(inst["key"], inst, inst["status"]))
    return out


def _line(key: str, inst: dict[str, Any], status: str) -> str:
    attempts = inst.get("attempts") or []
    last = attempts[-1] if attempts else {}
    extra = ""
    if attempts:
        extra = f"attempt {len(attempts)}  job {last.get('job_id') or '-'}"
        if status == "running":
            extra += f"  {_since(last.get('started'))}"
        if last.get("error") and status != "succeeded":
            extra += f"  {last['error']}"
    return f"{_MARK.get(status, '?')} {key:<28} {status:<16}{extra}"


class LiveView:
    """A listener for :class:`~domino.pipelines.runner.LocalRunner` (``listener=LiveView()``)."""

    def __init__(self, stream: IO[str] | None = None, *, live: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self._drawn = 0
        self._lock = threading.Lock()

    def __call__(self, record: RunRecord, event: dict[str, Any]) -> None:
        with self._lock:
            if self.live:
                self._redraw(record)
            elif event["event"] not in _QUIET:
                self._log(event)

    def _redraw(self, record: RunRecord) -> None:
        lines = [f"run {record.run_id}  {record.data.get('status')}", *rows(record)]
        if self._drawn:
            self.stream.write(f"\x1b[{self._drawn}F\x1b[J")
        self.stream.write("\n".join(lines) + "\n")
        self.stream.flush()
        self._drawn = len(lines)

    def _log(self, event: dict[str, Any]) -> None:
        stamp = dt.datetime.now().strftime("%H:%M:%S")
        name = event.get("key") or event.get("step") or ""
        details = " ".join(
            f"{k}={v}"
            for k, v in event.items()
            if k not in ("event", "key", "step") and v is not None
        )
        self.stream.write(f"{stamp} {event['event']:<18} {name} {details}".rstrip() + "\n")
        self.stream.flush()
