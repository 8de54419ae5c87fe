"""The upload itself: one session, a producer walking the tree, worker threads sending chunks.

Memory stays flat whatever the tree: the producer hands ``(file, chunk number)`` pairs to the
workers through a small bounded queue, and each worker holds at most one chunk in memory (read
straight into its request body). A worker keeps its current file open until it is handed a
chunk of another file.

Threads are daemons and the main thread only waits on an event, so Ctrl-C is seen at once:
workers stop at the next chunk boundary, requests in flight have a bounded timeout, the resume
state is kept and the session left open so that calling again picks up where this left off.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

from domino._http import HttpClient
from domino.exceptions import DatasetUploadError
from domino.routes import Routes

from . import _wire
from ._paths import FileEntry, UploadRoot
from ._progress import ProgressReporter, UploadProgress
from ._state import ResumeState, SavedSession

__all__ = ["DEFAULT_RETRY_DEADLINE", "UploadEngine", "UploadSummary"]

logger = logging.getLogger("domino._upload")

# Seconds one request may keep failing with retryable errors before the upload gives up.
DEFAULT_RETRY_DEADLINE = 300.0
_CHUNK_READ_TIMEOUT = 120.0  # a chunk of a few MiB over a slow link, and the server's MD5
_END_READ_TIMEOUT = 900.0  # End assembles every file of the session
_INTERRUPT_GRACE = 1.5  # Ctrl-C: how long to wait for workers before handing control back
_ERROR_GRACE = 10.0  # fatal error: let in-flight chunks finish before cancelling
_SMALL_CHUNK = 1 << 20
_DONE = object()


@dataclass
class UploadSummary:
    """What an upload did. ``bytes_skipped`` were already on the server (resumed uploads)."""

    dataset_id: str
    files: int
    bytes_total: int
    bytes_sent: int
    bytes_skipped: int
    chunks_sent: int
    chunks_skipped: int
    retries: int
    duration: float
    resumed: bool

    def __str__(self) -> str:
        rate = self.bytes_sent / self.duration if self.duration > 0 else 0.0
        return (
            f"{_count(self.files, 'file')}, {_size(self.bytes_sent)} sent, "
            f"{_size(self.bytes_skipped)} already on the server, "
            f"{_count(self.retries, 'retry', 'retries')}, {self.duration:.1f} s "
            f"({_size(int(rate))}/s){', resumed' if self.resumed else ''}"
        )


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


class _SessionGone(Exception):
    """The saved session no longer exists on the server (expired, ended or cancelled)."""


class _Fatal(Exception):
    """A worker or the producer failed; carries the user-facing message."""


class _Unreachable(_Fatal):
    """The server stayed away (network errors, timeouts, 5xx) past the retry deadline.

    The session is kept, not cancelled (a cancel could not reach the server either), and so is
    the resume state: calling again sends only what is missing.
    """


class UploadEngine:
    def __init__(
        self,
        http: HttpClient,
        dataset_id: str,
        root: UploadRoot,
        *,
        setting: str,
        max_workers: int,
        chunk_size: int,
        target: str | None,
        state: ResumeState,
        reporter: ProgressReporter,
        retry_deadline: float,
    ) -> None:
        self.http = http
        self.dataset_id = dataset_id
        self.root = root
        self.setting = setting
        self.max_workers = max_workers
        self.chunk_size = chunk_size
        self.target = target
        self.state = state
        self.reporter = reporter
        self.policy = _wire.RetryPolicy(deadline=retry_deadline)
        self.retry_log = _wire.RetryLog()
        connect, read = http.timeout
        self.chunk_timeout = (connect, max(read, _CHUNK_READ_TIMEOUT))
        self.end_timeout = (connect, max(read, _END_READ_TIMEOUT))
        self.transport = _wire.Transport(http.session, http.host, http.auth, workers=max_workers)
        self._reset_counters()

    # ------------------------------------------------------------------ bookkeeping

    def _reset_counters(self) -> None:
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.bytes_total = self.files_total = 0
        self.bytes_sent = self.bytes_skipped = 0
        self.chunks_sent = self.chunks_skipped = 0
        self.files_done = 0
        self.retries = 0
        self.walk_done = False
        self.active = self.max_workers
        self.all_done = threading.Event()

    def _count_retry(self, what: str, problem: str, attempt: int, delay: float) -> None:
        with self.lock:
            self.retries += 1
        self.retry_log.failed(what, problem, attempt, delay, self.policy.deadline)

    def _snapshot(self) -> UploadProgress:
        with self.lock:
            return UploadProgress(
                self.bytes_sent + self.bytes_skipped,
                self.bytes_total,
                self.files_done,
                self.files_total,
            )

    def _fail(self, exc: BaseException) -> None:
        with self.lock:
            if self.error is None:
                self.error = exc
        self.stop.set()

    # ------------------------------------------------------------------ the whole upload

    def run(self, *, resume: bool) -> UploadSummary:
        started = time.monotonic()
        saved = self.state.load()
        key: str | None = None
        if saved is not None:
            if self._unchanged(saved):
                key = saved.key
                logger.info("Resuming the interrupted upload of %s", self.root.path)
            else:
                logger.info(
                    "Local files under %s changed since the interrupted upload; starting over",
                    self.root.path,
                )
                self._cancel(saved.key)
                self.state.remove()
                saved = None
        elif resume:
            logger.info("No interrupted upload of %s to resume; starting one", self.root.path)

        resumed = key is not None
        try:
            if key is None and self.target:
                self._check_target()
            if key is None:
                key = self._start()
                self.state.begin(key)
            else:
                assert saved is not None
                self.state.begin(key, saved.files.items())
            try:
                self._transfer(key, known=saved.files if saved else {}, testing=resumed)
            except _SessionGone:
                logger.info("The interrupted upload session is gone on the server; starting over")
                self.state.remove()
                self._reset_counters()
                resumed = False
                key = self._start()
                self.state.begin(key)
                self._transfer(key, known={}, testing=False)
        except KeyboardInterrupt:
            self.stop.set()
            self.state.close()
            if key is not None:
                logger.warning(
                    "Upload of %s interrupted; call datasets_upload_files again to resume",
                    self.root.path,
                )
            raise
        except _Unreachable as exc:
            self.state.close()
            raise _kept(exc, self.root.path) from (exc.__cause__ or exc)
        except _Fatal as exc:
            self._abandon(key)
            raise DatasetUploadError(f"{exc}; the upload session was cancelled") from (
                exc.__cause__ or exc
            )
        except BaseException:
            self._abandon(key)
            raise
        finally:
            self.reporter.close()

        assert key is not None
        self.state.close()
        try:
            self._end(key)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            if isinstance(exc, _wire.ChunkRejected) and exc.retryable:
                raise _kept(exc, self.root.path) from exc
            self._abandon(key)
            if isinstance(exc, _wire.ChunkRejected):
                raise DatasetUploadError(f"{exc}; the upload session was cancelled") from exc
            raise
        self.state.remove()
        return UploadSummary(
            dataset_id=self.dataset_id,
            files=self.files_total,
            bytes_total=self.bytes_total,
            bytes_sent=self.bytes_sent,
            bytes_skipped=self.bytes_skipped,
            chunks_sent=self.chunks_sent,
            chunks_skipped=self.chunks_skipped,
            retries=self.retries,
            duration=time.monotonic() - started,
            resumed=resumed,
        )

    def _abandon(self, key: str | None) -> None:
        if key is not None:
            self._cancel(key)
        self.state.remove()

    def _unchanged(self, saved: SavedSession) -> bool:
        """True when every file the interrupted upload had reached is still as it was."""
        seen = 0
        try:
            for entry in self.root.walk(self.chunk_size):
                before = saved.files.get(entry.relative)
                if before is None:
                    continue
                if before != (entry.size, entry.mtime_ns):
                    return False
                seen += 1
        except OSError:
            return False
        return seen == len(saved.files)

    # ------------------------------------------------------------------ session requests

    def _check_target(self) -> None:
        """Refuse a missing ``target_relative_path`` before a single byte is sent.

        The API has no call that lists or creates a dataset folder, and the target is only
        named at End; so an empty session is started and ended with the target — the server
        checks the folder the way it would at the real End — and the upload proper starts only
        if that End is accepted.
        """
        assert self.target is not None
        key = self._start()
        try:
            self._end(key)
        except _wire.ChunkRejected as exc:
            self._cancel(key)
            if exc.retryable:
                raise DatasetUploadError(f"{exc}; nothing was uploaded") from exc
            raise DatasetUploadError(
                f"target_relative_path {self.target!r} was refused by dataset {self.dataset_id} "
                f"({_wire.detail(exc)}); the folder must already exist in the dataset: create it "
                f"by uploading a local folder named {self.target.rsplit('/', 1)[-1]!r} without "
                "target_relative_path, or leave target_relative_path out. Nothing was uploaded "
                "(the empty session that checked the folder was cancelled)."
            ) from exc

    def _start(self) -> str:
        # An unknown dataset fails here, before any chunk: NotFoundError with the server's words.
        response = self.http.request(
            "POST",
            Routes.upload_start(self.dataset_id),
            json={"filePaths": [], "fileCollisionSetting": self.setting},
            idempotent=False,
        )
        try:
            key = response.json()
        except ValueError:
            key = None
        if not isinstance(key, str) or not key:
            raise DatasetUploadError(
                f"upload key for dataset {self.dataset_id} not found. Session could not start."
            )
        return key

    def _end(self, key: str) -> None:
        url = self.http.url(Routes.upload_end(self.dataset_id, key))
        if self.target:
            url += "?targetRelativePath=" + _wire.quote(self.target, safe="/")
        _wire.send(
            self.transport,
            "GET",
            url,
            policy=self.policy,
            stop=threading.Event(),
            what=f"completing the upload to dataset {self.dataset_id}",
            on_retry=self._count_retry,
            on_success=self.retry_log.recovered,
            timeout=self.end_timeout,
        )

    def _cancel(self, key: str) -> None:
        url = self.http.url(Routes.upload_cancel(self.dataset_id, key))
        try:
            _wire.send(
                self.transport,
                "GET",
                url,
                policy=_wire.RetryPolicy(deadline=10.0),
                stop=threading.Event(),
                what="cancelling the upload session",
                timeout=self.chunk_timeout,
            )
        except (_wire.ChunkRejected, _wire.Stopped) as exc:
            logger.warning(
                "Could not cancel upload session of dataset %s: %s", self.dataset_id, exc
            )

    # ------------------------------------------------------------------ producer and workers

    def _transfer(self, key: str, *, known: dict[str, tuple[int, int]], testing: bool) -> None:
        work: queue.Queue[Any] = queue.Queue(maxsize=self.max_workers * 2)
        producer = threading.Thread(
            target=self._produce, args=(work, known), name="domino-upload-walk", daemon=True
        )
        workers = [
            threading.Thread(
                target=self._work,
                args=(work, key, testing),
                name=f"domino-upload-{i}",
                daemon=True,
            )
            for i in range(self.max_workers)
        ]
        producer.start()
        for thread in workers:
            thread.start()
        try:
            while not self.all_done.wait(0.1):
                self.reporter.update(self._snapshot(), final_totals=self.walk_done)
                if self.error is not None:
                    break
        except BaseException:
            self.stop.set()
            _join_all([producer, *workers], _INTERRUPT_GRACE)
            raise
        if self.error is not None:
            _join_all([producer, *workers], _ERROR_GRACE)
            error = self.error
            if isinstance(error, (_SessionGone, _Fatal, KeyboardInterrupt)):
                raise error
            raise _Fatal(f"uploading to dataset {self.dataset_id} failed: {error!r}") from error
        self.reporter.update(self._snapshot(), final_totals=True)

    def _produce(self, work: queue.Queue[Any], known: dict[str, tuple[int, int]]) -> None:
        try:
            for entry in self.root.walk(self.chunk_size):
                if self.stop.is_set():
                    return
                with self.lock:
                    self.files_total += 1
                    self.bytes_total += entry.size
                if known.get(entry.relative) != (entry.size, entry.mtime_ns):
                    self.state.record(entry.relative, entry.size, entry.mtime_ns)
                for number in range(1, entry.total_chunks + 1):
                    if not self._put(work, (entry, number)):
                        return
            self.state.flush()
            self.walk_done = True
            self._put(work, _DONE)
        except OSError as exc:
            self._fail(_Fatal(f"reading {self.root.path} failed: {exc}"))
        except BaseException as exc:  # a bug here must not leave the workers waiting forever
            self._fail(exc)

    def _put(self, work: queue.Queue[Any], item: Any) -> bool:
        while not self.stop.is_set():
            try:
                work.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _work(self, work: queue.Queue[Any], key: str, testing: bool) -> None:
        current: FileEntry | None = None
        handle: Any = None
        buffer = _wire.BodyBuffer()
        try:
            while not self.stop.is_set():
                try:
                    item = work.get(timeout=0.2)
                except queue.Empty:
                    continue
                if item is _DONE:
                    work.put(item)  # let the next worker see it too
                    return
                entry, number = item
                if entry is not current:
                    if handle is not None:
                        handle.close()
                        handle = None
                    current = entry
                    try:
                        handle = open(entry.path, "rb", buffering=0)  # noqa: SIM115
                    except OSError as exc:
                        raise _Fatal(f"cannot read {entry.path}: {exc.strerror or exc}") from exc
                self._chunk(handle, entry, number, key, testing, buffer)
        except _wire.Stopped:
            return
        except (_Fatal, _SessionGone, KeyboardInterrupt) as exc:
            self._fail(exc)
        except BaseException as exc:
            self._fail(_Fatal(f"uploading {current.relative if current else '?'} failed: {exc!r}"))
        finally:
            if handle is not None:
                handle.close()
            with self.lock:
                self.active -= 1
                if self.active == 0:
                    self.all_done.set()

    def _chunk(
        self,
        handle: Any,
        entry: FileEntry,
        number: int,
        key: str,
        testing: bool,
        buffer: _wire.BodyBuffer,
    ) -> None:
        length = entry.chunk_length(number)
        handle.seek((number - 1) * entry.chunk_size)
        body: bytes | bytearray | memoryview
        if length <= _SMALL_CHUNK:
            # Small chunks as plain bytes: requests handles those on its fast path, and the
            # extra copy is cheap at this size.
            data = _read_exactly(handle, length, entry, number)
            checksum = hashlib.md5(data, usedforsecurity=False).hexdigest().upper()
            head, tail, content_type = _wire.envelope(entry.relative, entry.basename)
            body = head + data + tail
            del data
        else:
            body, view, content_type = buffer.frame(entry.relative, entry.basename, length)
            filled = 0
            while filled < length:
                got = handle.readinto(view[filled:])
                if not got:
                    break
                filled += got
            if filled != length:
                raise _changed(entry, number)
            checksum = hashlib.md5(view, usedforsecurity=False).hexdigest().upper()
            del view
        where = (
            f"chunk {number}/{entry.total_chunks} of {entry.relative!r} (dataset {self.dataset_id})"
        )
        if testing:
            query = _wire.test_query(key, number, entry.identifier, entry.total_chunks, checksum)
            try:
                response = _wire.send(
                    self.transport,
                    "GET",
                    self.http.url(Routes.upload_test(self.dataset_id)) + "?" + query,
                    policy=self.policy,
                    stop=self.stop,
                    what=f"checking {where}",
                    on_retry=self._count_retry,
                    on_success=self.retry_log.recovered,
                    timeout=self.chunk_timeout,
                )
            except _wire.ChunkRejected as exc:
                if exc.retryable:
                    raise _Unreachable(str(exc)) from exc
                if exc.status in (400, 404):
                    raise _SessionGone() from exc
                raise _Fatal(str(exc)) from exc
            if response.status_code != 204:
                self._done(entry, length, sent=False)
                return
        query = _wire.chunk_query(
            key,
            number,
            entry.chunk_size,
            length,
            entry.identifier,
            entry.relative,
            entry.total_chunks,
            checksum,
        )
        try:
            _wire.send(
                self.transport,
                "POST",
                self.http.url(Routes.upload_chunk(self.dataset_id)) + "?" + query,
                policy=self.policy,
                stop=self.stop,
                what=f"sending {where}",
                on_retry=self._count_retry,
                on_success=self.retry_log.recovered,
                data=body,
                headers={"Csrf-Token": "nocheck", "Content-Type": content_type},
                timeout=self.chunk_timeout,
            )
        except _wire.ChunkRejected as exc:
            raise (_Unreachable if exc.retryable else _Fatal)(str(exc)) from exc
        self._done(entry, length, sent=True)

    def _done(self, entry: FileEntry, length: int, *, sent: bool) -> None:
        with self.lock:
            if sent:
                self.bytes_sent += length
                self.chunks_sent += 1
            else:
                self.bytes_skipped += length
                self.chunks_skipped += 1
            entry.chunks_left -= 1
            if entry.chunks_left == 0:
                self.files_done += 1


def _kept(exc: BaseException, path: str) -> DatasetUploadError:
    error = DatasetUploadError(
        f"{exc}. The server could not be reached, so the upload session and its resume state "
        f"were kept: call datasets_upload_files again with the same arguments once it is back "
        f"and only what is missing of {path} is sent"
    )
    error.resumable = True
    return error


def _read_exactly(handle: Any, length: int, entry: FileEntry, number: int) -> bytes:
    parts = []
    missing = length
    while missing > 0:
        piece = handle.read(missing)
        if not piece:
            raise _changed(entry, number)
        parts.append(piece)
        missing -= len(piece)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _changed(entry: FileEntry, number: int) -> _Fatal:
    return _Fatal(
        f"{entry.path} changed while it was being uploaded "
        f"(chunk {number} of {entry.total_chunks} is shorter than expected)"
    )


def _join_all(threads: list[threading.Thread], grace: float) -> None:
    deadline = time.monotonic() + grace
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0))
