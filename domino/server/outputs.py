"""Reading what an execution left in its working directory, safely and within limits.

The walk is iterative (a job's 1,500 nested folders never reach Python's recursion limit), goes
through directory file descriptors opened with ``O_NOFOLLOW`` (a symlink is never followed) and
never *opens* a file that is one of the server's own files or a hard link to a file outside the
working directory: closing any descriptor of the live SQLite database would drop this process's
POSIX locks on it. :func:`remove_tree` deletes a tree of any depth with a bounded number of open
descriptors.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from domino.server.repo import MAX_PATH_BYTES, MAX_PATH_DEPTH

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
# O_NONBLOCK: opening a FIFO the process left must not hang the worker.
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
# Directories a run leaves behind that are caches, not results.
IGNORED_DIRS = frozenset({"__pycache__", ".ipynb_checkpoints"})


@dataclass(frozen=True)
class Limits:
    """What one execution's results may hold; more is skipped and reported in its log."""

    max_depth: int = MAX_PATH_DEPTH
    max_path_bytes: int = MAX_PATH_BYTES
    max_files: int = 100_000
    max_bytes: int = 8 * 1024**3


@dataclass
class Report:
    """What the walk skipped, for the execution's log."""

    too_deep: int = 0
    too_long: int = 0
    linked: list[str] = field(default_factory=list)
    over_files: int = 0
    over_bytes: int = 0
    bytes_read: int = 0

    def lines(self, limits: Limits) -> list[str]:
        out = []
        if self.too_deep:
            out.append(
                f"{self.too_deep} folders deeper than {limits.max_depth} levels were not collected"
            )
        if self.too_long:
            out.append(
                f"{self.too_long} files with paths longer than {limits.max_path_bytes} bytes"
                " were not collected"
            )
        if self.linked:
            shown = ", ".join(self.linked[:5]) + (" ..." if len(self.linked) > 5 else "")
            out.append(
                f"{len(self.linked)} files hard-linked to files outside the working directory"
                f" were not collected: {shown}"
            )
        if self.over_files:
            out.append(
                f"{self.over_files} files beyond the limit of {limits.max_files} files were not"
                " collected"
            )
        if self.over_bytes:
            out.append(
                f"{self.over_bytes} files beyond the limit of {limits.max_bytes} bytes were not"
                " collected"
            )
        return out


def server_inodes(data_dir: Path) -> set[tuple[int, int]]:
    """(device, inode) of the server's own top-level files (database, WAL, locks, keys)."""
    found = set()
    with contextlib.suppress(OSError), os.scandir(data_dir) as entries:
        for entry in entries:
            with contextlib.suppress(OSError):
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(st.st_mode):
                    found.add((st.st_dev, st.st_ino))
    return found


@dataclass(frozen=True)
class Found:
    rel: str
    size: int
    mtime_ns: int


class OutputWalk:
    """Iterate the regular files of ``work_dir``; :meth:`open` reads one of them safely."""

    def __init__(self, work_dir: Path, limits: Limits, protected: set[tuple[int, int]]) -> None:
        self.work_dir = work_dir
        self.limits = limits
        self.protected = protected
        self.report = Report()
        self._count = 0

    def files(self) -> Iterator[Found]:
        root = os.open(self.work_dir, _DIR_FLAGS)
        stack: list[tuple[int, str, int]] = [(root, "", 0)]
        # Files with several names: kept until the walk knows how many of them are in here.
        multi: dict[tuple[int, int], list[tuple[str, os.stat_result]]] = {}
        try:
            while stack:
                fd, prefix, depth = stack.pop()
                try:
                    yield from self._scan(fd, prefix, depth, stack, multi)
                finally:
                    os.close(fd)
            for names in multi.values():
                st = names[0][1]
                if st.st_nlink > len(names) or (st.st_dev, st.st_ino) in self.protected:
                    self.report.linked.extend(rel for rel, _ in names)
                    continue
                for rel, st in names:
                    if self._admit(st):
                        yield Found(rel, st.st_size, st.st_mtime_ns)
        finally:
            for fd, _, _ in stack:
                os.close(fd)

    def _scan(
        self,
        fd: int,
        prefix: str,
        depth: int,
        stack: list[tuple[int, str, int]],
        multi: dict[tuple[int, int], list[tuple[str, os.stat_result]]],
    ) -> Iterator[Found]:
        with os.scandir(fd) as entries:
            listed = list(entries)
        for entry in listed:
            rel = prefix + entry.name
            try:
                st = os.stat(entry.name, dir_fd=fd, follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(st.st_mode):
                if entry.name in IGNORED_DIRS:
                    continue
                if depth + 1 >= self.limits.max_depth:
                    self.report.too_deep += 1
                    continue
                with contextlib.suppress(OSError):
                    stack.append((os.open(entry.name, _DIR_FLAGS, dir_fd=fd), rel + "/", depth + 1))
                continue
            if not stat.S_ISREG(st.st_mode):
                continue  # symlinks, FIFOs, sockets, devices
            if len(rel.encode("utf-8", "surrogateescape")) > self.limits.max_path_bytes:
                self.report.too_long += 1
                continue
            if st.st_nlink > 1 or (st.st_dev, st.st_ino) in self.protected:
                multi.setdefault((st.st_dev, st.st_ino), []).append((rel, st))
                continue
            if self._admit(st):
                yield Found(rel, st.st_size, st.st_mtime_ns)

    def _admit(self, st: os.stat_result) -> bool:
        if self._count >= self.limits.max_files:
            self.report.over_files += 1
            return False
        if self.report.bytes_read + st.st_size > self.limits.max_bytes:
            self.report.over_bytes += 1
            return False
        self._count += 1
        return True

    def open(self, found: Found) -> int | None:
        """A read-only descriptor of ``found`` (each folder opened with O_NOFOLLOW), or None if
        it changed into something else since it was listed."""
        parts = found.rel.split("/")
        fd = os.open(self.work_dir, _DIR_FLAGS)
        try:
            for part in parts[:-1]:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = child
            st = os.stat(parts[-1], dir_fd=fd, follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) in self.protected:
                return None
            if st.st_nlink > 1 and found.rel in self.report.linked:
                return None
            file_fd = os.open(parts[-1], _FILE_FLAGS, dir_fd=fd)
        except OSError:
            return None
        finally:
            os.close(fd)
        self.report.bytes_read += found.size
        return file_fd


def remove_tree(path: Path) -> None:
    """``rm -rf path`` for trees of any depth, never following symlinks; errors are ignored."""
    try:
        fd = os.open(path, _DIR_FLAGS)
    except FileNotFoundError:
        return
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(path)
        return
    names: list[str] = []
    stuck: set[tuple[int, int]] = set()  # folders that could not be removed: never re-entered
    while True:
        child = None
        try:
            with os.scandir(fd) as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir(follow_symlinks=False)
                    except OSError:
                        continue
                    if not is_dir:
                        with contextlib.suppress(OSError):
                            os.unlink(entry.name, dir_fd=fd)
                        continue
                    try:
                        child = os.open(entry.name, _DIR_FLAGS, dir_fd=fd)
                    except OSError:
                        continue
                    st = os.fstat(child)
                    if (st.st_dev, st.st_ino) in stuck:
                        os.close(child)
                        child = None
                        continue
                    names.append(entry.name)
                    break
        except OSError:
            pass
        if child is not None:
            os.close(fd)
            fd = child
            continue
        if not names:
            os.close(fd)
            break
        parent = os.open("..", _DIR_FLAGS, dir_fd=fd)
        os.close(fd)
        fd = parent
        name = names.pop()
        try:
            os.rmdir(name, dir_fd=fd)
        except OSError:
            with contextlib.suppress(OSError):
                st = os.stat(name, dir_fd=fd, follow_symlinks=False)
                stuck.add((st.st_dev, st.st_ino))
    with contextlib.suppress(OSError):
        os.rmdir(path)
