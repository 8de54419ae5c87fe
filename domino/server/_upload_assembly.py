"""End of an upload session: check every file is complete, then move each into the dataset.

Chunks were written straight to their offsets in one data file per file, in the session
directory (same filesystem as the dataset), so End copies nothing: each data file is *linked*
into the dataset (and stays put, so a failed End can be retried) and appears there in one
step, complete. ``Ignore`` and ``Rename`` rely on ``os.link``
failing when the name is taken, which is atomic, so two sessions ending at once cannot both
claim a name.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from domino.server.errors import ApiError
from domino.server.repo import path_limit_problem

__all__ = ["Planned", "assemble", "plan"]

_MAX_LISTED = 5  # incomplete files named in an End error
_fallback_lock = threading.Lock()  # only for filesystems without hard links


class Planned:
    """One complete file of the session: where it goes, its data file, and its size."""

    __slots__ = ("file", "rel", "size")

    def __init__(self, rel: str, file: str, size: int) -> None:
        self.rel = rel
        self.file = file
        self.size = size


def plan(rows: Iterable[dict[str, Any]]) -> list[Planned]:
    """Group chunk rows (rowid, rel, n, identifier, total, chunk_size, size, file) into files;
    400 if any is incomplete, naming the first few."""
    by_rel: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_rel.setdefault(row["rel"], []).append(row)
    files: list[Planned] = []
    incomplete: list[str] = []
    for rel, chunks in by_rel.items():
        # Should a file have changed between attempts, its latest identity wins.
        latest = max(chunks, key=lambda r: r["rowid"])
        total = latest["total"]
        mine = {
            r["n"]: r
            for r in chunks
            if r["identifier"] == latest["identifier"] and r["chunk_size"] == latest["chunk_size"]
        }
        if any(n not in mine for n in range(1, total + 1)):
            incomplete.append(rel)
        else:
            size = sum(mine[n]["size"] for n in range(1, total + 1))
            files.append(Planned(rel, latest["file"], size))
    if incomplete:
        names = ", ".join(repr(r) for r in sorted(incomplete)[:_MAX_LISTED])
        more = f" and {len(incomplete) - _MAX_LISTED} more" if len(incomplete) > _MAX_LISTED else ""
        raise ApiError(400, f"upload incomplete, chunks missing for {names}{more}")
    return files


def assemble(
    files: list[Planned], session_dir: Path, files_root: Path, target: str, setting: str
) -> int:
    """Place every file under ``files_root/target``; returns how many were placed."""
    target_dir = files_root / target if target else files_root
    if not target_dir.is_dir():
        raise ApiError(400, f"targetRelativePath {target!r} does not exist in the dataset")
    _check_placeable(files, target_dir, files_root, setting, target)
    made: set[Path] = set()
    placed = 0
    for item in files:
        dest = target_dir / item.rel
        if dest.parent not in made:
            dest.parent.mkdir(parents=True, exist_ok=True)
            made.add(dest.parent)
        data = session_dir / item.file
        if data.stat().st_size != item.size:  # e.g. a longer earlier attempt left a tail
            os.truncate(data, item.size)
        scratch = session_dir / f".placing-{_digest(item.rel)}"
        placed += _place(data, dest, setting, keep_source=True, scratch=scratch)
    return placed


def _check_placeable(
    files: list[Planned], target_dir: Path, files_root: Path, setting: str, target: str
) -> None:
    """Refuse before touching the dataset when some path cannot be placed at all."""
    rels = {item.rel for item in files}
    for item in files:
        parts = item.rel.split("/")
        for i in range(1, len(parts)):
            prefix = "/".join(parts[:i])
            if prefix in rels:
                raise ApiError(
                    400, f"cannot place {item.rel!r}: {prefix!r} is also a file of this upload"
                )
    seen: set[Path] = set()
    for item in files:
        placed_as = f"{target}/{item.rel}" if target else item.rel
        problem = path_limit_problem(placed_as)
        if problem:
            raise ApiError(400, f"cannot place {placed_as[:80]!r}: {problem}")
        dest = target_dir / item.rel
        parent = dest.parent
        chain = []
        while parent != target_dir and parent not in seen:
            chain.append(parent)
            parent = parent.parent
        for folder in reversed(chain):
            seen.add(folder)
            if folder.exists() and not folder.is_dir():
                where = folder.relative_to(files_root).as_posix()
                raise ApiError(400, f"cannot place {item.rel!r}: {where} is a file")
        if setting == "Overwrite" and dest.is_dir():
            where = dest.relative_to(files_root).as_posix()
            raise ApiError(400, f"cannot overwrite folder {where} with a file")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _place(source: Path, dest: Path, setting: str, *, keep_source: bool, scratch: Path) -> int:
    """Put ``source`` at ``dest`` per the collision setting; 1 if placed, 0 if ignored.

    ``scratch`` is a free name in the session directory, for a link that ``os.replace`` can
    then move over an existing file (nothing temporary ever shows in the dataset).
    """
    try:
        if setting == "Overwrite":
            if keep_source:
                scratch.unlink(missing_ok=True)  # left by an End that a crash cut short
                os.link(source, scratch)
                source, keep_source = scratch, False
            os.replace(source, dest)
            return 1
        candidate = dest
        n = 0
        while True:
            try:
                os.link(source, candidate)
                return 1
            except FileExistsError:
                if _same_file(candidate, source):
                    return 1  # placed by an End that a crash cut short: not a collision
                if setting == "Ignore":
                    return 0
                n += 1
                candidate = _numbered(dest, n)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV):
            raise
        return _place_without_links(source, dest, setting, scratch)
    finally:
        if not keep_source:
            try:
                source.unlink()
            except FileNotFoundError:
                pass


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _place_without_links(source: Path, dest: Path, setting: str, scratch: Path) -> int:
    with _fallback_lock:
        candidate = dest
        if setting != "Overwrite":
            n = 0
            while os.path.lexists(candidate):
                if setting == "Ignore":
                    return 0
                n += 1
                candidate = _numbered(dest, n)
        temp = scratch.with_name(scratch.name + ".copy")
        shutil.copyfile(source, temp)
        os.replace(temp, candidate)
        return 1


def _numbered(dest: Path, n: int) -> Path:
    """``table.csv`` → ``table_<n>.csv``; ``README`` / ``.env`` → ``README_<n>`` / ``.env_<n>``."""
    stem, dot, ext = dest.name.rpartition(".")
    if not stem:
        return dest.with_name(f"{dest.name}_{n}")
    return dest.with_name(f"{stem}_{n}{dot}{ext}")
