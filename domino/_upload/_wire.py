"""The §13.2 requests, one chunk body at a time, with the upload's own retry policy.

Chunk and test requests go straight through the client's ``requests.Session`` (same auth,
headers, TLS settings and connection pool) rather than through ``HttpClient.request``: the
upload decides itself what is worth retrying, for how long, and how to stop on Ctrl-C, and it
must be able to tell "the server rejected this chunk" from "the server is unreachable".
"""

from __future__ import annotations

import email.utils
import logging
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter

from domino._http import RETRY_STATUSES, caller_retries, redact, server_message

__all__ = [
    "ChunkRejected",
    "RetryPolicy",
    "Stopped",
    "build_body",
    "chunk_query",
    "test_query",
]

logger = logging.getLogger(__name__)


class Stopped(Exception):
    """The upload is being stopped (Ctrl-C or another worker's fatal error)."""


class ChunkRejected(Exception):
    """A request failed for good: a non-retryable status, or retries ran out."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        server_message: str | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.server_message = server_message


def detail(exc: ChunkRejected) -> str:
    """``HTTP 400: <the server's message>`` (or the whole error when there was no answer)."""
    if exc.status is None or exc.server_message is None:
        return str(exc)
    return f"HTTP {exc.status}: {exc.server_message}"


def _q(value: object) -> str:
    # The public client's encoding: urllib.parse.quote with "/" left alone.
    return quote(str(value), safe="/")


def test_query(key: str, number: int, identifier: str, total: int, checksum: str) -> str:
    return (
        f"key={_q(key)}&resumableChunkNumber={number}&resumableIdentifier={_q(identifier)}"
        f"&resumableTotalChunks={total}&checksum={_q(checksum)}"
    )


def chunk_query(
    key: str,
    number: int,
    chunk_size: int,
    current_size: int,
    identifier: str,
    relative: str,
    total: int,
    checksum: str,
) -> str:
    return (
        f"key={_q(key)}&resumableChunkNumber={number}&resumableChunkSize={chunk_size}"
        f"&resumableCurrentChunkSize={current_size}&resumableIdentifier={_q(identifier)}"
        f"&resumableRelativePath={_q(relative)}&resumableTotalChunks={total}"
        f"&checksum={_q(checksum)}"
    )


def _header_value(value: str) -> str:
    # WHATWG multipart escaping, as urllib3 (and so the public client) does it.
    return value.translate({10: "%0A", 13: "%0D", 34: "%22"})


def envelope(relative: str, basename: str) -> tuple[bytes, bytes, str]:
    """The multipart text before and after a chunk's bytes, and the Content-Type header."""
    boundary = os.urandom(16).hex()
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{_header_value(relative)}"; '
        f'filename="{_header_value(basename)}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode("utf-8", "surrogateescape")
    tail = f"\r\n--{boundary}--\r\n".encode("ascii")
    return head, tail, f"multipart/form-data; boundary={boundary}"


def build_body(relative: str, basename: str, length: int) -> tuple[bytearray, memoryview, str]:
    """A multipart body with room for ``length`` chunk bytes, the slice to read them into, and
    the Content-Type header.

    The chunk is read straight into its place inside the body, so a chunk costs one buffer of
    its size (plus a few hundred bytes), not the two or three copies ``files=`` makes.
    """
    head, tail, content_type = envelope(relative, basename)
    body = bytearray(len(head) + length + len(tail))
    body[: len(head)] = head
    body[len(head) + length :] = tail
    view = memoryview(body)[len(head) : len(head) + length]
    return body, view, content_type


class BodyBuffer:
    """One worker's request body, reused from chunk to chunk.

    The chunk is read into the middle of a buffer kept between chunks, framed in place by its
    multipart head and tail, and the body is sent as a view of it: no copy of the chunk, and
    no fresh multi-megabyte allocation (which the kernel zero-fills page by page) per chunk.
    """

    HEADROOM = 4096

    def __init__(self) -> None:
        self._buffer = bytearray()

    def frame(
        self, relative: str, basename: str, length: int
    ) -> tuple[memoryview | bytearray, memoryview, str]:
        """(body, slot for the chunk bytes, Content-Type)."""
        head, tail, content_type = envelope(relative, basename)
        if len(head) > self.HEADROOM:  # an extraordinarily long path: no reuse
            return build_body(relative, basename, length)
        end = self.HEADROOM + length + len(tail)
        if len(self._buffer) < end:
            # Replaced, not resized: a view of the old buffer may still be referenced.
            self._buffer = bytearray(end)
        view = memoryview(self._buffer)
        start = self.HEADROOM - len(head)
        view[start : self.HEADROOM] = head
        view[self.HEADROOM + length : end] = tail
        return view[start:end], view[self.HEADROOM : self.HEADROOM + length], content_type


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


@dataclass
class RetryPolicy:
    """Exponential backoff with full jitter, bounded per request by an overall deadline."""

    deadline: float = 300.0
    base: float = 0.5
    cap: float = 30.0
    clock: Callable[[], float] = time.monotonic
    rand: Callable[[], float] = random.random

    def delay(self, attempt: int, retry_after: float | None) -> float:
        backoff = min(self.cap, self.base * 2 ** (attempt - 1))
        delay = backoff * (0.5 + self.rand() / 2)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.cap))
        return delay


class Transport:
    """The client's session, minus the per-request environment lookup.

    ``Session.request`` re-reads proxy settings from the environment on every call (several
    hundred microseconds each, more than a small chunk's whole round trip on loopback). An
    upload talks to one host, so the environment is merged once here and every chunk goes
    through ``Session.send`` with those settings; auth, headers, cookies and adapters are still
    the session's. Retries are not: the adapter makes one attempt and :func:`send` decides.
    """

    def __init__(
        self, session: requests.Session, host: str, auth: Any = None, *, workers: int = 1
    ) -> None:
        self.session = session
        self.auth = auth
        self.settings = session.merge_environment_settings(host, {}, None, None, None)
        _ensure_pool(session, host, workers)

    def request(
        self,
        method: str,
        url: str,
        *,
        data: Any = None,
        headers: dict[str, str] | None = None,
        timeout: Any = None,
    ) -> requests.Response:
        prepared = self.session.prepare_request(
            requests.Request(method, url, data=data, headers=headers, auth=self.auth)
        )
        with caller_retries():  # send() below is the one retry loop for upload requests
            return self.session.send(
                prepared, timeout=timeout, allow_redirects=False, **self.settings
            )

    def message(self, response: requests.Response) -> str:
        """The server's explanation of an error answer, never holding a credential."""
        text = server_message(response) or response.reason or f"HTTP {response.status_code}"
        return redact(text, self.auth)


_POOL_LOCK = threading.Lock()


def _ensure_pool(session: requests.Session, host: str, workers: int) -> None:
    """Give ``host``'s adapter a connection pool with room for every worker.

    A smaller pool would make urllib3 open and discard a connection per request beyond its
    size (with a warning each time). The adapter's pool manager is replaced in place rather
    than a new adapter mounted: ``Session.mount`` reorders ``session.adapters``, which every
    other thread using the client iterates on each request.
    """
    adapter = session.get_adapter(host)
    if not isinstance(adapter, HTTPAdapter):
        return
    with _POOL_LOCK:
        size = getattr(adapter, "_pool_maxsize", None)
        if not isinstance(size, int) or size >= workers:
            return
        logger.debug("Growing the connection pool for %s from %d to %d", host, size, workers)
        previous = adapter.poolmanager
        adapter.init_poolmanager(
            getattr(adapter, "_pool_connections", 10),
            workers,
            block=getattr(adapter, "_pool_block", False),
        )
        # requests in flight keep their connections; idle ones of the old pools are closed
        previous.clear()


def send(
    session: Transport,
    method: str,
    url: str,
    *,
    policy: RetryPolicy,
    stop: threading.Event,
    what: str,
    on_retry: Callable[[str, str, int, float], None] | None = None,
    on_success: Callable[[], None] | None = None,
    **kwargs: Any,
) -> requests.Response:
    """Send until a 2xx, a non-retryable answer, the deadline, or a stop request.

    Returns the 2xx response; raises :class:`ChunkRejected` or :class:`Stopped`.
    """
    deadline = policy.clock() + policy.deadline
    attempt = 0
    while True:
        if stop.is_set():
            raise Stopped()
        retry_after: float | None = None
        status: int | None = None
        try:
            response = session.request(method, url, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            problem = f"{type(exc).__name__}: {_short(exc)}"
        except requests.RequestException as exc:
            raise ChunkRejected(f"{what} failed: {_short(exc)}") from exc
        else:
            status = response.status_code
            if 200 <= status < 300:
                if attempt and on_success is not None:
                    on_success()
                return response
            message = session.message(response)
            if status not in RETRY_STATUSES:
                raise ChunkRejected(
                    f"{what} was refused by the server (HTTP {status}): {message}",
                    status=status,
                    server_message=message,
                )
            problem = f"HTTP {status}: {message}"
            retry_after = _retry_after(response)
        attempt += 1
        delay = policy.delay(attempt, retry_after)
        if policy.clock() + delay > deadline:
            raise ChunkRejected(
                f"{what} still failing after {attempt} attempts over {policy.deadline:.0f} s "
                f"(last error: {problem})",
                status=status,
                retryable=True,
            )
        if on_retry is None:
            logger.warning("%s failed (%s); retry %d in %.1f s", what, problem, attempt, delay)
        else:
            on_retry(what, problem, attempt, delay)
        if stop.wait(delay):
            raise Stopped()


class RetryLog:
    """Retries of many workers logged as one story: a line per backoff step, not per request.

    During an outage every worker fails and backs off on the same schedule; logging each of
    them would print one warning per worker per step (hundreds over a long outage). Only the
    first worker to reach a new step logs it, and the server answering again is noted once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._logged_step = 0

    def failed(self, what: str, problem: str, attempt: int, delay: float, deadline: float) -> None:
        with self._lock:
            if attempt <= self._logged_step:
                return
            self._logged_step = attempt
        if attempt == 1:
            logger.warning(
                "%s failed (%s); retrying with backoff for up to %g s (one line per step)",
                what,
                problem,
                deadline,
            )
        else:
            logger.warning("still failing (%s); retry step %d in %.1f s", problem, attempt, delay)

    def recovered(self) -> None:
        with self._lock:
            if not self._logged_step:
                return
            self._logged_step = 0
        logger.warning("the server answers again; the upload continues")


def _short(exc: BaseException, limit: int = 300) -> str:
    text = str(exc)
    return text if len(text) <= limit else text[: limit - 3] + "..."
