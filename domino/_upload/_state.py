"""The small file that lets an interrupted upload resume.

One JSON-lines file per (host, dataset, local path, settings) under the user's cache directory
(``$XDG_CACHE_HOME`` or ``~/.cache``, then ``dominodatalab/uploads/``). The first line holds the
upload key; every following line records a file the upload has reached, with the size and
modification time it had then. Appending lines (instead of rewriting one JSON document) keeps
the cost constant per file whatever the tree size, and a crash can at worst lose the last few
lines, which only means those files are checked chunk by chunk like any other on resume.

The key is not a credential: it only names an upload session, and the server checks the
caller's credentials on every request.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

__all__ = ["ResumeState", "SavedSession", "cache_dir", "state_path"]

logger = logging.getLogger(__name__)

_VERSION = 1
_FLUSH_INTERVAL = 0.5


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dominodatalab" / "uploads"


def state_path(
    host: str,
    dataset_id: str,
    root: str,
    *,
    setting: str,
    target: str | None,
    chunk_size: int,
    environ: Mapping[str, str] | None = None,
) -> Path:
    """Where the state of this exact upload lives; any differing setting gives another file."""
    ident = json.dumps([host, dataset_id, root, setting, target, chunk_size])
    digest = hashlib.sha256(ident.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return cache_dir(environ) / f"{digest}.jsonl"


@dataclass
class SavedSession:
    key: str
    files: dict[str, tuple[int, int]]  # relative path → (size, mtime_ns)


class ResumeState:
    """Reads, appends to and removes one state file. Writes never make an upload fail."""

    def __init__(self, path: Path, header: dict[str, Any]) -> None:
        self.path = path
        self.header = header
        self._fh: IO[str] | None = None
        self._lock = threading.Lock()
        self._last_flush = 0.0

    def load(self) -> SavedSession | None:
        """The saved session if the file exists and belongs to this very upload."""
        try:
            with open(self.path, encoding="utf-8", errors="surrogateescape") as fh:
                first = fh.readline()
                header = json.loads(first)
                if not isinstance(header, dict) or header.get("version") != _VERSION:
                    return None
                for name in ("host", "dataset_id", "root", "setting", "target", "chunk_size"):
                    if header.get(name) != self.header.get(name):
                        return None
                key = header.get("key")
                if not isinstance(key, str) or not key:
                    return None
                files: dict[str, tuple[int, int]] = {}
                for line in fh:
                    try:
                        rel, size, mtime_ns = json.loads(line)
                    except (ValueError, TypeError):
                        break  # a torn last line after a crash
                    files[str(rel)] = (int(size), int(mtime_ns))
                return SavedSession(key, files)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            logger.warning("Ignoring unreadable upload state %s: %s", self.path, exc)
            return None

    def begin(self, key: str, known: Iterable[tuple[str, tuple[int, int]]] = ()) -> None:
        """Start a state file for ``key`` (rewritten from scratch, then appended to)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".tmp{os.getpid()}")
            with open(tmp, "w", encoding="utf-8", errors="surrogateescape") as fh:
                fh.write(json.dumps({**self.header, "version": _VERSION, "key": key}) + "\n")
                for rel, (size, mtime_ns) in known:
                    fh.write(json.dumps([rel, size, mtime_ns]) + "\n")
            os.replace(tmp, self.path)
            self._fh = open(self.path, "a", encoding="utf-8", errors="surrogateescape")  # noqa: SIM115
        except OSError as exc:
            logger.warning("Cannot save upload state to %s (resume disabled): %s", self.path, exc)
            self._fh = None

    def record(self, relative: str, size: int, mtime_ns: int) -> None:
        with self._lock:
            if self._fh is None:
                return
            try:
                self._fh.write(json.dumps([relative, size, mtime_ns]) + "\n")
                now = time.monotonic()
                if now - self._last_flush >= _FLUSH_INTERVAL:
                    self._fh.flush()
                    self._last_flush = now
            except OSError as exc:
                logger.warning("Cannot update upload state %s: %s", self.path, exc)
                self._close_quietly()

    def flush(self) -> None:
        with self._lock:
            if self._fh is not None:
                try:
                    self._fh.flush()
                except OSError:
                    self._close_quietly()

    def close(self) -> None:
        with self._lock:
            self._close_quietly()

    def remove(self) -> None:
        self.close()
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            logger.warning("Cannot remove upload state %s: %s", self.path, exc)

    def _close_quietly(self) -> None:
        if self._fh is not None:
            with contextlib.suppress(OSError):
                self._fh.close()
            self._fh = None
