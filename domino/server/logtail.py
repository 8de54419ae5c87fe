"""Reading execution and app logs without holding more of them than the answer needs."""

from __future__ import annotations

import os
from pathlib import Path

# Largest log text one answer carries (the newest bytes when the log is longer).
MAX_READ = 16 * 1024 * 1024
_BLOCK = 64 * 1024


def read_text(path: Path, *, tail_lines: int | None = None, max_bytes: int = MAX_READ) -> str:
    """The log at ``path`` ('' if absent): its last ``tail_lines`` lines when given, else all
    of it; at most ``max_bytes`` of its newest bytes either way (decoded, errors replaced)."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return ""
    with fh:
        size = os.fstat(fh.fileno()).st_size
        if tail_lines is None:
            start = max(0, size - max_bytes)
            fh.seek(start)
            return fh.read(size - start).decode("utf-8", errors="replace")
        if tail_lines <= 0:
            return ""
        data = b""
        pos = size
        # One newline more than lines wanted (a final newline ends the last line).
        while pos > 0 and data.count(b"\n") <= tail_lines and len(data) < max_bytes:
            step = min(_BLOCK, pos)
            pos -= step
            fh.seek(pos)
            data = fh.read(step) + data
        lines = data.splitlines(keepends=True)
        if pos > 0 and len(lines) > tail_lines:
            lines = lines[-tail_lines:]
        return b"".join(lines[-tail_lines:])[-max_bytes:].decode("utf-8", errors="replace")
