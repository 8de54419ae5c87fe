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
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from python_multipart.multipart import parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from domino.server import _upload_assembly as assembly
from domino.server._upload_multipart import FirstFilePart, MalformedMultipart
from domino.server._upload_paths import clean_path, file_path
from domino.server.auth import User, current_user
from domino.server.errors import ApiError
from domino.server.store import Store

__all__ = ["expire_stale_sessions", "recover_interrupted", "reset", "router", "stats"]

log = logging.getLogger(__name__)

router = APIRouter()

_BASE = "/v4/datasetrw/datasets/{dataset_id}/snapshot/file"
# Sessions with no request for this long are discarded (override: DOMINO_SERVER_UPLOAD_TTL).
DEFAULT_SESSION_TTL = 24 * 3600.0
# How long a retried End waits for the End already under way before answering 503.
END_WAIT = 60.0

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS upload_sessions (
        key TEXT PRIMARY KEY, dataset_id TEXT NOT NULL, user_id TEXT NOT NULL,
        setting TEXT NOT NULL, state TEXT NOT NULL, created REAL NOT NULL,
        updated REAL NOT NULL, result TEXT)""",
    """CREATE TABLE IF NOT EXISTS upload_chunks (
        key TEXT NOT NULL, rel TEXT NOT NULL, n INTEGER NOT NULL, identifier TEXT NOT NULL,
        total INTEGER NOT NULL, chunk_size INTEGER NOT NULL, size INTEGER NOT NULL,
        checksum TEXT NOT NULL, file TEXT NOT NULL, PRIMARY KEY (key, rel, n))""",
    "CREATE INDEX IF NOT EXISTS upload_chunks_test ON upload_chunks (key, identifier, n)",
)
_schema_ready: weakref.WeakSet[Store] = weakref.WeakSet()
_schema_lock = threading.Lock()
_stats_lock = threading.Lock()
_last_touch: dict[str, float] = {}
_TOUCH_INTERVAL = 10.0
# Largest file an upload may build (ext4's limit); larger offsets would fail in pwrite.
_MAX_FILE_BYTES = 1 << 44
_STAT_NAMES = ("chunks_received", "bytes_received", "chunks_stored", "bytes_stored")
_stats: dict[str, dict[str, int]] = {}  # user id → counters


# --------------------------------------------------------------------------- helpers


def _db(store: Store) -> Store:
    if store not in _schema_ready:
        with _schema_lock:
            if store not in _schema_ready:
                columns = {r["name"] for r in store.query("PRAGMA table_info(upload_chunks)")}
                if columns and "chunk_size" not in columns:
                    # A data dir from before chunks were written in place: its sessions cannot
                    # be resumed, so start the upload tables afresh.
                    with store.transaction() as tx:
                        tx.execute("DROP TABLE upload_chunks")
                        tx.execute("DELETE FROM upload_sessions")
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


def _count(user_id: str, **deltas: int) -> None:
    with _stats_lock:
        mine = _stats.setdefault(user_id, dict.fromkeys(_STAT_NAMES, 0))
        for name, delta in deltas.items():
            mine[name] += delta


def stats(user_id: str | None = None) -> dict[str, int]:
    """Bytes and chunks received since start (or the last reset) from ``user_id`` (everyone's
    when None), for tests and benchmarks."""
    with _stats_lock:
        rows = [_stats.get(user_id, {})] if user_id is not None else list(_stats.values())
        return {name: sum(r.get(name, 0) for r in rows) for name in _STAT_NAMES}


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
        raise ApiError(400, f"query parameter {name}={raw[:40]!r} is not an integer") from None
    if value < minimum:
        raise ApiError(400, f"query parameter {name}={value} must be at least {minimum}")
    if value > _MAX_FILE_BYTES:  # also keeps every value within SQLite's 64-bit integers
        raise ApiError(400, f"query parameter {name}={raw[:40]} is too large")
    return value


def _checksum_param(request: Request) -> str:
    value = _param(request, "checksum").upper()
    if len(value) != 32 or any(c not in "0123456789ABCDEF" for c in value):
        raise ApiError(400, f"checksum {value!r} is not an MD5 hex digest")
    return value


def _path_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:32]


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
    """The file part's bytes, written at the chunk's place in the file and hashed as they
    stream in.

    Hashing and writing happen on a worker thread, a megabyte or so at a time (hashlib and
    pwrite release the GIL): the event loop keeps serving other requests, and chunks arriving
    in parallel are hashed in parallel.
    """

    def __init__(self, path: Path, offset: int, limit: int) -> None:
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.size = 0
        self._offset = offset
        self._limit = limit
        self._pending: list[memoryview] = []
        self.pending_bytes = 0
        # No O_TRUNC: other chunks of the same file are being written into it concurrently.
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)

    def write(self, data: memoryview) -> None:
        if self.size + self.pending_bytes + len(data) > self._limit:
            # Bytes past the announced size would land on the next chunk's range of the file.
            raise ApiError(
                400, f"the chunk has more than resumableCurrentChunkSize={self._limit} bytes"
            )
        if len(data):
            self._pending.append(data)
            self.pending_bytes += len(data)

    def flush(self) -> None:
        pending, self._pending, self.pending_bytes = self._pending, [], 0
        for data in pending:
            self.md5.update(data)
            written = 0
            while written < len(data):
                written += os.pwrite(self._fd, data[written:], self._offset + self.size + written)
            self.size += len(data)

    def close(self) -> None:
        os.close(self._fd)


_FLUSH_BYTES = 1 << 20
_INLINE_BYTES = 64 * 1024  # below this a thread hop costs more than the work


async def _receive(request: Request, sink: _ChunkSink) -> None:
    content_type, params = parse_options_header(request.headers.get("content-type"))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise ApiError(400, "a chunk must be sent as multipart/form-data with one file part")
    try:
        parser = FirstFilePart(boundary, sink.write)
        async for piece in request.stream():
            parser.feed(piece)
            if sink.pending_bytes >= _FLUSH_BYTES:
                await run_in_threadpool(sink.flush)
        parser.close()
    except MalformedMultipart as exc:
        raise ApiError(400, f"malformed multipart body: {exc}") from None
    finally:
        if sink.pending_bytes >= _INLINE_BYTES:
            await run_in_threadpool(sink.flush)
        else:
            sink.flush()
    if not parser.found:
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
    relative = file_path(_param(request, "resumableRelativePath"))
    total = _int_param(request, "resumableTotalChunks", 1)
    checksum = _checksum_param(request)
    if number > total:
        raise ApiError(400, f"resumableChunkNumber {number} exceeds resumableTotalChunks {total}")
    if number < total and current != chunk_size:
        raise ApiError(
            400,
            f"chunk {number} of {total} has resumableCurrentChunkSize {current}; only the last "
            f"chunk may differ from resumableChunkSize {chunk_size}",
        )
    if (number - 1) * chunk_size + current > _MAX_FILE_BYTES:
        raise ApiError(400, f"chunk {number} of {relative!r} would end beyond 16 TiB")
    _open_session(store, key, dataset_id)

    # Each chunk is written straight to its offset in one file per (file, identity), so End
    # has nothing to copy. Chunks of one file land in disjoint ranges, so parallel requests
    # are safe; a chunk whose size or MD5 turns out wrong is simply not recorded, and its
    # range is rewritten when the chunk is sent again. One flat directory per session keeps
    # a small file at one file creation (a mkdir per file would cost as much again).
    session_dir = _session_dir(store, key)
    target = session_dir / f"{_path_digest(relative + chr(0) + identifier)}.part"
    try:
        sink = _ChunkSink(target, (number - 1) * chunk_size, current)
    except FileNotFoundError:  # Cancel removed the session directory
        raise ApiError(400, f"upload session {key!r} is no longer open") from None
    verified = False
    try:
        try:
            await _receive(request, sink)
        finally:
            sink.close()
            _count(user.id, chunks_received=1, bytes_received=sink.size)
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
        verified = True
    except ClientDisconnect:
        return Response(status_code=400)
    finally:
        if not verified and sink.size:
            # A bad re-send has overwritten the range of a chunk that may have been stored
            # before: forget that one too, so the test request asks for it again.
            _forget_chunk(store, key, relative, number, target.name)

    with store.transaction() as tx:
        # Recorded only while the session is still open: a Cancel may have raced this chunk.
        stored = tx.execute(
            "INSERT OR REPLACE INTO upload_chunks (key, rel, n, identifier, total, chunk_size,"
            " size, checksum, file) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1"
            " FROM upload_sessions WHERE key = ? AND state = 'open')",
            (
                key,
                relative,
                number,
                identifier,
                total,
                chunk_size,
                current,
                checksum,
                target.name,
                key,
            ),
        ).rowcount
        if stored:
            _touch(tx, key)
    if not stored:
        raise ApiError(400, f"upload session {key!r} is no longer open")
    _count(user.id, chunks_stored=1, bytes_stored=current)
    return Response(status_code=200)


def _forget_chunk(store: Store, key: str, relative: str, number: int, file: str) -> None:
    with store.transaction() as tx:
        tx.execute(
            "DELETE FROM upload_chunks WHERE key = ? AND rel = ? AND n = ? AND file = ?",
            (key, relative, number, file),
        )


def _touch(tx: Any, key: str) -> None:
    """Note activity (for expiry) at most every few seconds per session, not on every chunk."""
    now = time.monotonic()
    if now - _last_touch.get(key, -1e9) < _TOUCH_INTERVAL:
        return
    _last_touch[key] = now
    tx.execute("UPDATE upload_sessions SET updated = ? WHERE key = ?", (time.time(), key))


# --------------------------------------------------------------------------- end and cancel


@router.get(_BASE + "/end/{key}", tags=["datasets"])
def end_upload(
    dataset_id: str, key: str, request: Request, user: User = Depends(current_user)
) -> JSONResponse:
    store = _store(request)
    _check_dataset(store, user, dataset_id)
    raw_target = (request.query_params.get("targetRelativePath") or "").replace("\\", "/")
    target = clean_path(raw_target, "targetRelativePath") if raw_target.strip("/") else ""
    deadline = time.monotonic() + END_WAIT
    while True:
        with store.transaction() as tx:
            row = tx.execute("SELECT * FROM upload_sessions WHERE key = ?", (key,)).fetchone()
            if row is None or row["dataset_id"] != dataset_id:
                raise ApiError(404, f"upload session {key!r} not found for dataset {dataset_id}")
            if row["state"] == "ended":  # a retried End whose first answer was lost
                return JSONResponse(row["result"] or key)
            if row["state"] == "open":
                tx.execute(
                    "UPDATE upload_sessions SET state = 'ending', updated = ? WHERE key = ?",
                    (time.time(), key),
                )
                break
            if row["state"] != "ending":
                raise ApiError(400, f"upload session {key!r} is {row['state']}")
        # A retried End while the first one still runs: answer with the first one's outcome
        # rather than a 400 that would make the client cancel a session about to succeed.
        if time.monotonic() > deadline:
            raise ApiError(
                503, f"upload session {key!r} is still being completed; retry", {"Retry-After": "5"}
            )
        time.sleep(0.1)
    try:
        files = assembly.plan(
            store.query(
                "SELECT rowid, rel, n, identifier, total, chunk_size, size, file"
                " FROM upload_chunks WHERE key = ?",
                (key,),
            )
        )
        files_root = store.dataset_files_dir(dataset_id)
        files_root.mkdir(parents=True, exist_ok=True)
        placed = assembly.assemble(
            files, _session_dir(store, key), files_root, target, row["setting"]
        )
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
    _last_touch.pop(key, None)
    log.info("upload %s: %d files placed in dataset %s", key, placed, dataset_id)
    return JSONResponse(key)


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
        if row["state"] == "ending":
            # End is linking the session's files into the dataset: removing them now would
            # leave the dataset with only part of the upload.
            raise ApiError(400, f"upload session {key!r} is being completed; too late to cancel")
        if row["state"] == "open":
            tx.execute(
                "UPDATE upload_sessions SET state = 'cancelled', updated = ? WHERE key = ?",
                (time.time(), key),
            )
            tx.execute("DELETE FROM upload_chunks WHERE key = ?", (key,))
    shutil.rmtree(_session_dir(store, key), ignore_errors=True)
    _last_touch.pop(key, None)
    return Response(status_code=200)


# --------------------------------------------------------------------------- housekeeping


def reset(store: Any) -> None:
    """Forget every upload session (called by POST /_local/reset)."""
    _db(store)
    with store.transaction() as tx:
        tx.execute("DELETE FROM upload_chunks")
        tx.execute("DELETE FROM upload_sessions")
    shutil.rmtree(_uploads_dir(store), ignore_errors=True)
    _last_touch.clear()
    with _stats_lock:
        _stats.clear()


def recover_interrupted(store: Any) -> None:
    """Reopen sessions whose End was cut short by a stop or crash (call before serving).

    End leaves every data file in place until it succeeds, so reopening lets the client's
    retried End place whatever was not placed yet.
    """
    _db(store)
    with store.transaction() as tx:
        tx.execute("UPDATE upload_sessions SET state = 'open' WHERE state = 'ending'")


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
                # 'ending' included: an End never takes that long, so the server stopped
                # during it and nobody will finish it.
                "SELECT key FROM upload_sessions WHERE updated < ?",
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
        _last_touch.pop(key, None)
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
    """The caller's chunks and bytes received since start or the last reset (not part of
    Domino)."""
    return stats(user.id)
