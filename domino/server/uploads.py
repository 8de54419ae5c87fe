"""Dataset upload protocol (domino-api.md §13.2) and the ``/_local/`` dataset file listing.

Sessions and the chunks they hold are rows in SQLite; chunk *bytes* live on disk under
``<data_dir>/uploads/<key>/``, one file per received chunk, written as the request streams in
(never a whole chunk or file in memory) and renamed into place only once its size and MD5 match
what the client announced. A chunk file is named after its checksum, so two requests racing on
the same chunk can never mix their bytes.

End assembles each file next to the chunks (same filesystem as the dataset) and moves it into
the dataset in one step, honouring the collision setting, so the dataset never shows a partial
file. Sessions that go quiet are removed by :func:`expire_stale_sessions`.

Routes under ``/_local/`` are this server's own and do not exist on a real Domino deployment.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import shutil
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from domino.server.auth import User, current_user
from domino.server.errors import ApiError
from domino.server.store import Store

__all__ = ["expire_stale_sessions", "reset", "router", "stats"]

log = logging.getLogger(__name__)

router = APIRouter()

_BASE = "/v4/datasetrw/datasets/{dataset_id}/snapshot/file"
# Sessions with no request for this long are discarded (override: DOMINO_SERVER_UPLOAD_TTL).
DEFAULT_SESSION_TTL = 24 * 3600.0
_MAX_LISTED = 5  # incomplete files named in an End error

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS upload_sessions (
        key TEXT PRIMARY KEY, dataset_id TEXT NOT NULL, user_id TEXT NOT NULL,
        setting TEXT NOT NULL, state TEXT NOT NULL, created REAL NOT NULL,
        updated REAL NOT NULL, result TEXT)""",
    """CREATE TABLE IF NOT EXISTS upload_chunks (
        key TEXT NOT NULL, rel TEXT NOT NULL, n INTEGER NOT NULL, identifier TEXT NOT NULL,
        total INTEGER NOT NULL, size INTEGER NOT NULL, checksum TEXT NOT NULL,
        file TEXT NOT NULL, PRIMARY KEY (key, rel, n))""",
    "CREATE INDEX IF NOT EXISTS upload_chunks_test ON upload_chunks (key, identifier, n)",
)
_schema_ready: weakref.WeakSet[Store] = weakref.WeakSet()
_schema_lock = threading.Lock()
_dataset_locks: dict[str, threading.Lock] = {}
_stats_lock = threading.Lock()
_stats = {"chunks_received": 0, "bytes_received": 0, "chunks_stored": 0, "bytes_stored": 0}


# --------------------------------------------------------------------------- helpers


def _db(store: Store) -> Store:
    if store not in _schema_ready:
        with _schema_lock:
            if store not in _schema_ready:
                store.ensure_schema(*_SCHEMA)
                _schema_ready.add(store)
    return store


def _store(request: Request) -> Store:
    return _db(request.app.state.store)


def _uploads_dir(store: Store) -> Path:
    return store.data_dir / "uploads"


def _session_dir(store: Store, key: str) -> Path:
    return _uploads_dir(store) / key


def _ttl() -> float:
    raw = os.environ.get("DOMINO_SERVER_UPLOAD_TTL", "")
    try:
        return float(raw) if raw else DEFAULT_SESSION_TTL
    except ValueError:
        log.warning("DOMINO_SERVER_UPLOAD_TTL=%r is not a number of seconds; using 24 h", raw)
        return DEFAULT_SESSION_TTL


def _count(**deltas: int) -> None:
    with _stats_lock:
        for name, delta in deltas.items():
            _stats[name] += delta


def stats() -> dict[str, int]:
    """Bytes and chunks received since start (or the last reset), for tests and benchmarks."""
    with _stats_lock:
        return dict(_stats)


def _check_dataset(store: Store, user: User, dataset_id: str) -> dict[str, Any]:
    dataset = store.get_dataset(dataset_id)
    if dataset is None:
        raise ApiError(404, f"dataset {dataset_id} not found")
    if not store.user_can_access_project(user.id, dataset["project_id"]):
        raise ApiError(403, f"user {user.name} may not access dataset {dataset_id}")
    return dataset


def _session(store: Store, key: str, dataset_id: str) -> dict[str, Any]:
    row = store.query_one("SELECT * FROM upload_sessions WHERE key = ?", (key,))
    if row is None or row["dataset_id"] != dataset_id:
        raise ApiError(404, f"upload session {key!r} not found for dataset {dataset_id}")
    return row


def _open_session(store: Store, key: str, dataset_id: str) -> dict[str, Any]:
    row = _session(store, key, dataset_id)
    if row["state"] != "open":
        raise ApiError(400, f"upload session {key!r} is {row['state']}")
    return row


def _param(request: Request, name: str) -> str:
    value = request.query_params.get(name)
    if value is None or value == "":
        raise ApiError(400, f"query parameter {name} is required")
    return value


def _int_param(request: Request, name: str, minimum: int) -> int:
    raw = _param(request, name)
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"query parameter {name}={raw!r} is not an integer") from None
    if value < minimum:
        raise ApiError(400, f"query parameter {name}={value} must be at least {minimum}")
    return value


def _checksum_param(request: Request) -> str:
    value = _param(request, "checksum").upper()
    if len(value) != 32 or any(c not in "0123456789ABCDEF" for c in value):
        raise ApiError(400, f"checksum {value!r} is not an MD5 hex digest")
    return value


def _clean_path(value: str, what: str) -> str:
    """A relative ``a/b/c`` path, or a 400 naming what is wrong with it."""
    if "\x00" in value:
        raise ApiError(400, f"{what} {value!r} contains a NUL character")
    if value.startswith("/") or value.startswith("\\") or (len(value) > 1 and value[1] == ":"):
        raise ApiError(400, f"{what} {value!r} must be relative, not absolute")
    parts = [p for p in value.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ApiError(400, f"{what} {value!r} must not contain '..'")
    if not parts:
        raise ApiError(400, f"{what} {value!r} is empty")
    return "/".join(parts)


def _path_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


# --------------------------------------------------------------------------- session start


@router.post(_BASE + "/start", tags=["datasets"])
def start_upload(
    dataset_id: str, body: dict[str, Any], request: Request, user: User = Depends(current_user)
) -> JSONResponse:
    store = _store(request)
    _check_dataset(store, user, dataset_id)
    setting = body.get("fileCollisionSetting") or "Ignore"
    if setting not in ("Ignore", "Overwrite", "Rename"):
        raise ApiError(
            400, f"fileCollisionSetting {setting!r} is not one of Ignore, Overwrite, Rename"
        )
    key = secrets.token_hex(16)
    now = time.time()
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO upload_sessions (key, dataset_id, user_id, setting, state, created,"
            " updated) VALUES (?, ?, ?, ?, 'open', ?, ?)",
            (key, dataset_id, user.id, setting, now, now),
        )
    _session_dir(store, key).mkdir(parents=True, exist_ok=True)
    return JSONResponse(key)


# --------------------------------------------------------------------------- chunks


@router.get(_BASE + "/test", tags=["datasets"])
def test_chunk(dataset_id: str, request: Request, user: User = Depends(current_user)) -> Response:
    """200 if exactly this chunk (identifier, number, checksum) is stored, else 204."""
    store = _store(request)
    _check_dataset(store, user, dataset_id)
    key = _param(request, "key")
    number = _int_param(request, "resumableChunkNumber", 1)
    identifier = _param(request, "resumableIdentifier")
    checksum = _checksum_param(request)
    _open_session(store, key, dataset_id)
    row = store.query_one(
        "SELECT 1 AS ok FROM upload_chunks WHERE key = ? AND identifier = ? AND n = ?"
        " AND checksum = ?",
        (key, identifier, number, checksum),
    )
    return Response(status_code=200 if row else 204)


class _ChunkSink:
    """Writes the first file part of a multipart body to disk, hashing as it goes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.size = 0
        self._fh = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._headers: list[tuple[bytes, bytes]] = []
        self._field = b""
        self._value = b""
        self._capturing = False
        self.found = False

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._headers = []
        self._field = self._value = b""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers.append((self._field.strip().lower(), self._value.strip()))
        self._field = self._value = b""

    def _headers_finished(self) -> None:
        if self.found:
            return
        for name, value in self._headers:
            if name == b"content-disposition":
                _, params = parse_options_header(value)
                if b"filename" in params:
                    self._capturing = self.found = True

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._capturing:
            piece = memoryview(data)[start:end]
            self.md5.update(piece)
            self._fh.write(piece)
            self.size += end - start

    def _part_end(self) -> None:
        self._capturing = False

    def close(self) -> None:
        self._fh.close()


async def _receive(request: Request, sink: _ChunkSink) -> None:
    content_type, params = parse_options_header(request.headers.get("content-type"))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise ApiError(400, "a chunk must be sent as multipart/form-data with one file part")
    parser = MultipartParser(boundary, sink.callbacks())  # type: ignore[arg-type]
    try:
        async for piece in request.stream():
            if piece:
                parser.write(piece)
        parser.finalize()
    except MultipartParseError as exc:
        raise ApiError(400, f"malformed multipart body: {exc}") from None
    if not sink.found:
        raise ApiError(400, "the multipart body has no file part")


@router.post(_BASE, tags=["datasets"])
async def upload_chunk(
    dataset_id: str, request: Request, user: User = Depends(current_user)
) -> Response:
    store = _store(request)
    _check_dataset(store, user, dataset_id)
    key = _param(request, "key")
    number = _int_param(request, "resumableChunkNumber", 1)
    chunk_size = _int_param(request, "resumableChunkSize", 1)
    current = _int_param(request, "resumableCurrentChunkSize", 0)
    identifier = _param(request, "resumableIdentifier")
    relative = _clean_path(_param(request, "resumableRelativePath"), "resumableRelativePath")
    total = _int_param(request, "resumableTotalChunks", 1)
    checksum = _checksum_param(request)
    if number > total:
        raise ApiError(400, f"resumableChunkNumber {number} exceeds resumableTotalChunks {total}")
    if current > chunk_size:
        raise ApiError(
            400, f"resumableCurrentChunkSize {current} exceeds resumableChunkSize {chunk_size}"
        )
    _open_session(store, key, dataset_id)

    chunk_dir = _session_dir(store, key) / _path_digest(relative)
    final = chunk_dir / f"{number}-{checksum}"
    temp = chunk_dir / f".{number}-{secrets.token_hex(6)}.part"
    try:
        # No parents=True: a session directory removed by Cancel must stay removed.
        chunk_dir.mkdir(exist_ok=True)
        sink = _ChunkSink(temp)
    except FileNotFoundError:
        raise ApiError(400, f"upload session {key!r} is no longer open") from None
    try:
        try:
            await _receive(request, sink)
        finally:
            sink.close()
            _count(chunks_received=1, bytes_received=sink.size)
        if sink.size != current:
            raise ApiError(
                400,
                f"chunk {number} of {relative!r} has {sink.size} bytes but "
                f"resumableCurrentChunkSize is {current}",
            )
        digest = sink.md5.hexdigest().upper()
        if digest != checksum:
            raise ApiError(
                400, f"chunk {number} of {relative!r}: MD5 is {digest}, checksum says {checksum}"
            )
        os.replace(temp, final)
    except ClientDisconnect:
        _unlink(temp)
        return Response(status_code=400)
    except BaseException:
        _unlink(temp)
        raise

    with store.transaction() as tx:
        row = tx.execute("SELECT state FROM upload_sessions WHERE key = ?", (key,)).fetchone()
        if row is None or row["state"] != "open":
            state = row["state"] if row is not None else "gone"
            raise ApiError(400, f"upload session {key!r} is {state}")
        tx.execute(
            "INSERT OR REPLACE INTO upload_chunks (key, rel, n, identifier, total, size,"
            " checksum, file) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (key, relative, number, identifier, total, current, checksum, final.name),
        )
        tx.execute("UPDATE upload_sessions SET updated = ? WHERE key = ?", (time.time(), key))
    _count(chunks_stored=1, bytes_stored=current)
    return Response(status_code=200)


# --------------------------------------------------------------------------- end and cancel


@router.get(_BASE + "/end/{key}", tags=["datasets"])
def end_upload(
    dataset_id: str, key: str, request: Request, user: User = Depends(current_user)
) -> JSONResponse:
    store = _store(request)
    _check_dataset(store, user, dataset_id)
    raw_target = request.query_params.get("targetRelativePath") or ""
    target = _clean_path(raw_target, "targetRelativePath") if raw_target.strip("/") else ""
    with store.transaction() as tx:
        row = tx.execute("SELECT * FROM upload_sessions WHERE key = ?", (key,)).fetchone()
        if row is None or row["dataset_id"] != dataset_id:
            raise ApiError(404, f"upload session {key!r} not found for dataset {dataset_id}")
        if row["state"] == "ended":  # a retried End whose first answer was lost
            return JSONResponse(row["result"] or key)
        if row["state"] != "open":
            raise ApiError(400, f"upload session {key!r} is {row['state']}")
        tx.execute(
            "UPDATE upload_sessions SET state = 'ending', updated = ? WHERE key = ?",
            (time.time(), key),
        )
    try:
        placed = _assemble(store, dataset_id, key, row["setting"], target)
    except BaseException:
        with store.transaction() as tx:
            tx.execute(
                "UPDATE upload_sessions SET state = 'open', updated = ? WHERE key = ?"
                " AND state = 'ending'",
                (time.time(), key),
            )
        raise
    with store.transaction() as tx:
        tx.execute(
            "UPDATE upload_sessions SET state = 'ended', updated = ?, result = ? WHERE key = ?",
            (time.time(), key, key),
        )
        tx.execute("DELETE FROM upload_chunks WHERE key = ?", (key,))
    shutil.rmtree(_session_dir(store, key), ignore_errors=True)
    log.info("upload %s: %d files placed in dataset %s", key, placed, dataset_id)
    return JSONResponse(key)


def _files_of(store: Store, key: str) -> Iterator[tuple[str, str, int, list[dict[str, Any]]]]:
    """Each file of the session: (relative path, identifier, total chunks, chunk rows)."""
    rows = store.query(
        "SELECT rowid, rel, n, identifier, total, size, file FROM upload_chunks WHERE key = ?"
        " ORDER BY rel, n",
        (key,),
    )
    by_rel: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_rel.setdefault(row["rel"], []).append(row)
    for rel, chunks in by_rel.items():
        # Should a file have changed between attempts, its latest identity wins.
        latest = max(chunks, key=lambda r: r["rowid"])
        mine = [r for r in chunks if r["identifier"] == latest["identifier"]]
        yield rel, latest["identifier"], latest["total"], mine


def _assemble(store: Store, dataset_id: str, key: str, setting: str, target: str) -> int:
    files_root = store.dataset_files_dir(dataset_id)
    files_root.mkdir(parents=True, exist_ok=True)
    target_dir = files_root / target if target else files_root
    if not target_dir.is_dir():
        raise ApiError(400, f"targetRelativePath {target!r} does not exist in dataset {dataset_id}")

    files = list(_files_of(store, key))
    incomplete = [
        rel
        for rel, _, total, chunks in files
        if sorted(r["n"] for r in chunks if r["n"] <= total) != list(range(1, total + 1))
    ]
    if incomplete:
        names = ", ".join(repr(r) for r in incomplete[:_MAX_LISTED])
        more = f" and {len(incomplete) - _MAX_LISTED} more" if len(incomplete) > _MAX_LISTED else ""
        raise ApiError(400, f"upload incomplete, chunks missing for {names}{more}")

    # Refuse before touching the dataset when a path cannot be placed at all.
    for rel, *_ in files:
        dest = target_dir / rel
        parent = target_dir
        for part in rel.split("/")[:-1]:
            parent = parent / part
            if parent.exists() and not parent.is_dir():
                raise ApiError(
                    400, f"cannot place {rel!r}: {parent.relative_to(files_root)} is a file"
                )
        if setting == "Overwrite" and dest.is_dir():
            raise ApiError(
                400, f"cannot overwrite folder {dest.relative_to(files_root)} with a file"
            )

    session_dir = _session_dir(store, key)
    work = session_dir / ".assembled"
    work.mkdir(parents=True, exist_ok=True)
    lock = _dataset_locks.setdefault(dataset_id, threading.Lock())
    placed = 0
    for rel, _, total, chunks in files:
        chunk_dir = session_dir / _path_digest(rel)
        parts = [
            chunk_dir / r["file"] for r in sorted(chunks, key=lambda r: r["n"]) if r["n"] <= total
        ]
        assembled = work / _path_digest(rel)
        _concatenate(parts, assembled)
        with lock:
            if _place(assembled, target_dir / rel, setting):
                placed += 1
        _unlink(assembled)
    return placed


def _concatenate(parts: list[Path], out: Path) -> None:
    if len(parts) == 1:
        # The common small-file case costs no copy; linking (not moving) keeps the chunk, so a
        # failed End can be retried.
        try:
            os.link(parts[0], out)
            return
        except OSError:
            pass
    with open(out, "wb") as dst:
        for part in parts:
            with open(part, "rb") as src:
                _copy(src.fileno(), dst.fileno(), os.fstat(src.fileno()).st_size)


def _copy(src: int, dst: int, size: int) -> None:
    copy_range = getattr(os, "copy_file_range", None)
    done = 0
    if copy_range is not None:
        try:
            while done < size:
                n = copy_range(src, dst, size - done)
                if n == 0:
                    break
                done += n
            return
        except OSError:
            if done:
                raise
    while True:
        block = os.read(src, 1 << 20)
        if not block:
            return
        os.write(dst, block)


def _place(assembled: Path, dest: Path, setting: str) -> bool:
    """Move a finished file into the dataset; False when ``Ignore`` kept an existing one."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if setting == "Overwrite":
        os.replace(assembled, dest)
        return True
    if setting == "Ignore":
        if os.path.lexists(dest):
            return False
        os.replace(assembled, dest)  # callers hold the dataset's lock: nobody else places here
        return True
    candidate = dest
    stem, dot, ext = dest.name.rpartition(".")
    if not stem:  # no extension, or a dot file such as ".env"
        stem, dot, ext = dest.name, "", ""
    n = 0
    while os.path.lexists(candidate):
        n += 1
        candidate = dest.with_name(f"{stem}_{n}{dot}{ext}")
    os.replace(assembled, candidate)
    return True


@router.get(_BASE + "/cancel/{key}", tags=["datasets"])
def cancel_upload(
    dataset_id: str, key: str, request: Request, user: User = Depends(current_user)
) -> Response:
    store = _store(request)
    _check_dataset(store, user, dataset_id)
    with store.transaction() as tx:
        row = tx.execute("SELECT * FROM upload_sessions WHERE key = ?", (key,)).fetchone()
        if row is None or row["dataset_id"] != dataset_id:
            raise ApiError(404, f"upload session {key!r} not found for dataset {dataset_id}")
        if row["state"] in ("open", "ending"):
            tx.execute(
                "UPDATE upload_sessions SET state = 'cancelled', updated = ? WHERE key = ?",
                (time.time(), key),
            )
            tx.execute("DELETE FROM upload_chunks WHERE key = ?", (key,))
    shutil.rmtree(_session_dir(store, key), ignore_errors=True)
    return Response(status_code=200)


# --------------------------------------------------------------------------- housekeeping


def reset(store: Any) -> None:
    """Forget every upload session (called by POST /_local/reset)."""
    _db(store)
    with store.transaction() as tx:
        tx.execute("DELETE FROM upload_chunks")
        tx.execute("DELETE FROM upload_sessions")
    shutil.rmtree(_uploads_dir(store), ignore_errors=True)
    with _stats_lock:
        for name in _stats:
            _stats[name] = 0


def expire_stale_sessions(store: Any, *, ttl: float | None = None, now: float | None = None) -> int:
    """Remove upload sessions idle for longer than ``ttl`` seconds (default 24 h, or
    ``DOMINO_SERVER_UPLOAD_TTL``), and chunk directories no session knows. Returns the number
    of sessions removed."""
    _db(store)
    limit = (time.time() if now is None else now) - (_ttl() if ttl is None else ttl)
    with store.transaction() as tx:
        stale = [
            r["key"]
            for r in tx.execute(
                "SELECT key FROM upload_sessions WHERE updated < ? AND state != 'ending'",
                (limit,),
            ).fetchall()
        ]
        for key in stale:
            tx.execute("DELETE FROM upload_chunks WHERE key = ?", (key,))
            tx.execute("DELETE FROM upload_sessions WHERE key = ?", (key,))
        live = {
            r["key"]
            for r in tx.execute(
                "SELECT key FROM upload_sessions WHERE state IN ('open', 'ending')"
            ).fetchall()
        }
    root = _uploads_dir(store)
    for key in stale:
        shutil.rmtree(root / key, ignore_errors=True)
    if root.is_dir():
        recent = time.time() - 60  # leave alone what a request may be creating right now
        for entry in root.iterdir():
            if entry.name not in live and entry.stat().st_mtime < recent:
                shutil.rmtree(entry, ignore_errors=True)
    if stale:
        log.info("expired %d idle upload sessions", len(stale))
    return len(stale)


# --------------------------------------------------------------------------- /_local/


@router.get("/_local/datasets/{dataset_id}/files", tags=["_local"])
async def local_dataset_files(
    dataset_id: str, request: Request, user: User = Depends(current_user)
) -> list[dict[str, Any]]:
    """Every file of the dataset with its size and SHA-256 (not part of Domino)."""
    store = _store(request)
    _check_dataset(store, user, dataset_id)
    return await run_in_threadpool(_list_files, store.dataset_files_dir(dataset_id))


def _list_files(root: Path) -> list[dict[str, Any]]:
    out = []
    if root.is_dir():
        for dirpath, _, names in os.walk(root):
            for name in names:
                path = Path(dirpath) / name
                digest = hashlib.sha256()
                with open(path, "rb") as fh:
                    while block := fh.read(1 << 20):
                        digest.update(block)
                out.append(
                    {
                        "path": path.relative_to(root).as_posix(),
                        "size": path.stat().st_size,
                        "sha256": digest.hexdigest(),
                    }
                )
    return sorted(out, key=lambda f: f["path"])


@router.get("/_local/uploads/stats", tags=["_local"])
def local_upload_stats(user: User = Depends(current_user)) -> dict[str, int]:
    """Chunks and bytes received since start or the last reset (not part of Domino)."""
    return stats()
