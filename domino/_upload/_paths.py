"""What to upload: argument checks, the lazy tree walk, and the name each file gets on the wire.

Every file is sent with a path relative to the *parent* of what the caller named, so uploading
``/data/run1`` gives ``run1/a.csv`` and ``run1/sub/b.csv`` wherever the working directory is
(the public client used the working directory and produced ``../../`` paths). A single file is
sent under its basename. Identifiers carry a short hash of the relative path, so two files with
the same name and size in different folders can never be mistaken for one another.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field

from domino.exceptions import InvalidArgumentError

__all__ = [
    "COLLISION_SETTINGS",
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_MAX_WORKERS",
    "FileEntry",
    "UploadRoot",
    "check_chunk_size",
    "check_collision_setting",
    "check_max_workers",
    "check_target_path",
    "identifier_for",
    "public_return_path",
    "resolve_root",
    "to_wire_path",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_WORKERS = 10
DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024
COLLISION_SETTINGS = ("Ignore", "Overwrite", "Rename")


def check_collision_setting(value: str | None) -> str:
    """The canonical spelling of a collision setting; ``None`` means ``Ignore``."""
    if value is None:
        return "Ignore"
    if isinstance(value, str):
        for name in COLLISION_SETTINGS:
            if value.lower() == name.lower():
                return name
    raise InvalidArgumentError(
        f"file_upload_setting {value!r} is not one of {', '.join(COLLISION_SETTINGS)} (or None)"
    )


def _positive_int(name: str, value: object, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgumentError(f"{name} must be a positive integer, got {value!r}")
    return value


def check_max_workers(value: int | None) -> int:
    return _positive_int("max_workers", value, DEFAULT_MAX_WORKERS)


def check_chunk_size(value: int | None) -> int:
    return _positive_int("target_chunk_size", value, DEFAULT_CHUNK_SIZE)


def check_target_path(value: str | os.PathLike[str] | None) -> str | None:
    """``target_relative_path`` as a clean ``a/b`` path inside the dataset, or None for the root.

    A leading ``/`` is taken to mean the dataset root. ``..`` is refused here, before any
    session is started, because it could only ever point outside the dataset.
    """
    if value is None:
        return None
    text = os.fspath(value)
    if not isinstance(text, str):
        raise InvalidArgumentError(f"target_relative_path must be a string, got {value!r}")
    if "\x00" in text:
        raise InvalidArgumentError(f"target_relative_path {text!r} contains a NUL character")
    parts = [p for p in text.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        raise InvalidArgumentError(f"target_relative_path {text!r} must not contain '..'")
    return "/".join(parts) or None


def to_wire_path(relative: str, sep: str = os.sep, altsep: str | None = os.altsep) -> str:
    """A local relative path with the platform's separators turned into ``/``."""
    if sep != "/":
        relative = relative.replace(sep, "/")
    if altsep and altsep != "/":
        relative = relative.replace(altsep, "/")
    return relative


def identifier_for(relative: str, size: int) -> str:
    """``<size>-<hash of the relative path>-<basename>``: unique per file within a session."""
    digest = hashlib.sha1(relative.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return f"{size}-{digest}-{relative.rsplit('/', 1)[-1]}"


def public_return_path(local_path: str) -> str:
    """What the public client returned: the path relative to the working directory, ``/``-style."""
    normal = os.path.normpath(local_path)
    try:
        relative = os.path.relpath(normal)
    except ValueError:  # another drive on Windows: there is no relative form
        relative = os.path.abspath(normal)
    return to_wire_path(relative)


@dataclass(eq=False)
class FileEntry:
    """One local file and its place in the upload; counters are guarded by the engine's lock."""

    path: str
    relative: str
    size: int
    mtime_ns: int
    chunk_size: int
    identifier: str = ""
    total_chunks: int = 0
    chunks_left: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        self.identifier = identifier_for(self.relative, self.size)
        # An empty file still travels as one zero-byte chunk, as in the public client.
        self.total_chunks = max(math.ceil(self.size / self.chunk_size), 1)
        self.chunks_left = self.total_chunks

    @property
    def basename(self) -> str:
        return self.relative.rsplit("/", 1)[-1]

    def chunk_length(self, number: int) -> int:
        """Bytes in 1-based chunk ``number``."""
        start = (number - 1) * self.chunk_size
        return max(min(self.chunk_size, self.size - start), 0)


@dataclass(frozen=True)
class UploadRoot:
    """The absolute local path being uploaded and the wire prefix of its files."""

    path: str
    is_dir: bool
    prefix: str  # folder name for a directory, "" for a single file

    def walk(self, chunk_size: int) -> Iterator[FileEntry]:
        """Every regular file, lazily, in a stable order (names sorted within each folder)."""
        if not self.is_dir:
            st = os.stat(self.path)
            name = to_wire_path(os.path.basename(self.path))
            yield FileEntry(self.path, name, st.st_size, st.st_mtime_ns, chunk_size)
            return
        yield from self._walk_dir(self.path, self.prefix, chunk_size)

    def _walk_dir(self, directory: str, wire_dir: str, chunk_size: int) -> Iterator[FileEntry]:
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            raise OSError(f"cannot list {directory!r}: {exc.strerror or exc}") from exc
        subdirs = []
        for entry in entries:
            wire = f"{wire_dir}/{entry.name}" if wire_dir else entry.name
            # Symlinked directories are not followed (loops); symlinked files are uploaded.
            if entry.is_dir(follow_symlinks=False):
                subdirs.append((entry.path, wire))
                continue
            try:
                st = entry.stat()
            except FileNotFoundError:
                continue  # vanished between listing and stat
            if not stat.S_ISREG(st.st_mode):
                logger.warning("Skipping %s: not a regular file", entry.path)
                continue
            yield FileEntry(entry.path, wire, st.st_size, st.st_mtime_ns, chunk_size)
        for path, wire in subdirs:
            yield from self._walk_dir(path, wire, chunk_size)


def resolve_root(local_path: str | os.PathLike[str]) -> UploadRoot:
    """Check the local path exists (before any request is made) and describe it."""
    text = os.fspath(local_path)
    if not isinstance(text, str) or not text:
        raise InvalidArgumentError(f"local file or directory {local_path!r} is not a usable path")
    absolute = os.path.abspath(text)
    if os.path.isdir(absolute):
        return UploadRoot(absolute, True, to_wire_path(os.path.basename(absolute)))
    if os.path.isfile(absolute):
        return UploadRoot(absolute, False, "")
    if os.path.exists(absolute):
        raise InvalidArgumentError(
            f"local path {text!r} is neither a regular file nor a directory."
        )
    raise InvalidArgumentError(f"local file or directory {text!r} does not exist.")
