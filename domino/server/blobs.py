"""Content-addressed file storage: a blob's key is the sha1 of its bytes (40 hex characters).

Blobs are written to a temporary file on the same filesystem and renamed into place, so a
reader never sees a partial blob, and identical contents are stored once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


def is_blob_key(value: str) -> bool:
    return len(value) == 40 and all(c in "0123456789abcdef" for c in value)


class BlobStore:
    def __init__(self, root: Path, tmp: Path) -> None:
        self.root = root
        self.tmp = tmp
        self.root.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        if not is_blob_key(key):
            raise ValueError(f"not a blob key: {key!r}")
        return self.root / key[:2] / key[2:]

    def exists(self, key: str) -> bool:
        return is_blob_key(key) and self.path(key).is_file()

    def put_chunks(self, chunks: Iterable[bytes]) -> tuple[str, int]:
        """Store the concatenation of ``chunks``; returns (key, size). Never holds it whole."""
        digest = hashlib.sha1()  # noqa: S324 - content addressing, not security
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="blob-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    if not chunk:
                        continue
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            key = digest.hexdigest()
            final = self.path(key)
            if final.exists():
                os.unlink(tmp_name)
            else:
                final.parent.mkdir(exist_ok=True)
                os.replace(tmp_name, final)
            return key, size
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise

    def writer(self) -> BlobWriter:
        """For producers that push bytes (an async request body) instead of being iterated."""
        return BlobWriter(self)

    def put_file(self, path: Path) -> tuple[str, int]:
        with open(path, "rb") as fh:
            return self.put_chunks(iter(lambda: fh.read(CHUNK), b""))

    def open(self, key: str) -> BinaryIO:
        return open(self.path(key), "rb")

    def iter_bytes(self, key: str) -> Iterator[bytes]:
        with self.open(key) as fh:
            while chunk := fh.read(CHUNK):
                yield chunk

    def copy_to(self, key: str, dest: Path) -> None:
        """Materialise a blob as a private copy (a process may modify it in place)."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        with self.open(key) as src, open(dest, "wb") as out:
            while chunk := src.read(CHUNK):
                out.write(chunk)


class BlobWriter:
    """Write a blob piece by piece; :meth:`finish` stores it, :meth:`abort` discards it."""

    def __init__(self, store: BlobStore) -> None:
        self._store = store
        self._digest = hashlib.sha1()  # noqa: S324 - content addressing
        self.size = 0
        fd, self._tmp = tempfile.mkstemp(dir=store.tmp, prefix="blob-")
        self._out = os.fdopen(fd, "wb")

    def write(self, chunk: bytes) -> None:
        self._digest.update(chunk)
        self.size += len(chunk)
        self._out.write(chunk)

    def finish(self) -> tuple[str, int]:
        self._out.close()
        key = self._digest.hexdigest()
        final = self._store.path(key)
        if final.exists():
            os.unlink(self._tmp)
        else:
            final.parent.mkdir(exist_ok=True)
            os.replace(self._tmp, final)
        return key, self.size

    def abort(self) -> None:
        self._out.close()
        if os.path.exists(self._tmp):
            os.unlink(self._tmp)
