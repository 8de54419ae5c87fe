"""The client's only ``requests.Session``: timeouts, safe retries and status → exception mapping.

What every request gets:

* a ``(connect, read)`` timeout (per client, per call, or ``DOMINO_HTTP_TIMEOUT``), and an
  overall deadline for the whole call, retries and waits included
  (``DOMINO_REQUEST_DEADLINE``, default 120 s): every attempt's timeouts are cut to what is
  left, and no retry starts that could not begin before it;
* retries on connection failures, and on 408/429/500/502/503/504 for idempotent requests,
  over http *and* https, with exponential backoff plus jitter, ``Retry-After`` honoured but
  capped, at most ``DOMINO_MAX_RETRIES`` in total. A non-idempotent request (POST/PATCH,
  unless the caller says ``idempotent=True``) is retried only when the connection could not
  be established, i.e. when the server cannot have seen it;
* a WARNING line each time a retry starts (what failed, which retry, how long until it);
* ``User-Agent: dominodatalab/<version>``;
* a typed exception for every error status, carrying status, method, URL and the server's
  own message (from JSON, text or HTML) — never a key or token.
"""

from __future__ import annotations

import contextvars
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from urllib3.exceptions import MaxRetryError, ReadTimeoutError, ResponseError
from urllib3.util.retry import Retry
from urllib3.util.timeout import Timeout as _Urllib3Timeout

from domino import _config
from domino._http_messages import (
    describe_transport,
    redact,
    safe_url,
    server_message,
    short_error,
)
from domino._version import __version__
from domino.exceptions import (
    DominoConnectionError,
    DominoTimeoutError,
    InvalidArgumentError,
    InvalidResponseError,
    InvalidSettingError,
    ReloginRequiredException,
    exception_for_status,
)

__all__ = ["RETRY_STATUSES", "HttpClient", "caller_retries", "redact", "server_message"]

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_VERB_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
USER_AGENT = f"dominodatalab/{__version__}"


# Per-call override of "may this request be repeated?", read by _DominoRetry. A context
# variable (not adapter state) because upload threads share one adapter.
_IDEMPOTENT: contextvars.ContextVar[bool | None] = contextvars.ContextVar(
    "domino_idempotent", default=None
)
# Set by callers with their own retry loop (the dataset upload): the adapter then makes exactly
# one attempt, so retries do not multiply and a stop request is not stuck in urllib3's sleeps.
_CALLER_RETRIES: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "domino_caller_retries", default=False
)

Timeout = float | tuple[float, float]

# A retry is not started with less than this left before the call's deadline.
_MIN_ATTEMPT = 0.5


class _Call:
    """One ``HttpClient.request`` call: its deadline and how many retries it has made."""

    def __init__(self, deadline_seconds: float | None) -> None:
        self.started = time.monotonic()
        self.budget = deadline_seconds
        self.deadline = None if deadline_seconds is None else self.started + deadline_seconds
        self.retries = 0
        self.out_of_time = False

    def remaining(self) -> float:
        return float("inf") if self.deadline is None else self.deadline - time.monotonic()


_CALL: contextvars.ContextVar[_Call | None] = contextvars.ContextVar("domino_call", default=None)


class _DeadlineTimeout(_Urllib3Timeout):
    """urllib3's ``(connect, read)`` timeout, each cut to what is left of the call's deadline.

    urllib3 clones the timeout for every attempt, so the deadline travels with the clone.
    """

    def __init__(self, connect: float, read: float, call: _Call) -> None:
        super().__init__(connect=connect, read=read)
        self._call = call

    def clone(self) -> _DeadlineTimeout:
        return _DeadlineTimeout(self._connect, self._read, self._call)  # type: ignore[arg-type]

    def _cut(self, value: Any) -> Any:
        left = max(self._call.remaining(), 0.01)
        return left if not isinstance(value, (int, float)) else min(float(value), left)

    @property
    def connect_timeout(self) -> Any:
        return self._cut(self._connect)

    @property
    def read_timeout(self) -> Any:
        return self._cut(self._read)


class _DominoRetry(Retry):
    """urllib3 Retry with capped Retry-After, our own jittered backoff and injectable sleep."""

    def __init__(
        self,
        *args: Any,
        retry_after_cap: float = 60.0,
        backoff_cap: float = 30.0,
        jitter: float = 0.0,
        sleeper: Callable[[float], None] | None = None,
        rand: Callable[[], float] = random.random,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after_cap = retry_after_cap
        self.backoff_cap = backoff_cap
        self.jitter = jitter
        self.sleeper = sleeper
        self.rand = rand

    def new(self, **kw: Any) -> _DominoRetry:
        # Retry.new() rebuilds from its own known parameters only; carry ours across.
        fresh = super().new(**kw)
        assert isinstance(fresh, _DominoRetry)
        fresh.retry_after_cap = self.retry_after_cap
        fresh.backoff_cap = self.backoff_cap
        fresh.jitter = self.jitter
        fresh.sleeper = self.sleeper
        fresh.rand = self.rand
        return fresh

    def _is_method_retryable(self, method: str) -> bool:
        if _CALLER_RETRIES.get():
            return False
        override = _IDEMPOTENT.get()
        if override is not None:
            return override
        return super()._is_method_retryable(method)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> _DominoRetry:
        # raises MaxRetryError when the retry count ran out
        fresh = super().increment(method, url, response, error, _pool, _stacktrace)
        assert isinstance(fresh, _DominoRetry)
        call = _CALL.get()
        if call is not None:
            if call.remaining() < fresh._planned_wait(response) + _MIN_ATTEMPT:
                # No time left for another attempt: stop as urllib3 does when retries run out
                # (for a status it then hands back the last response, mapped to its exception).
                call.out_of_time = True
                reason = error or ResponseError(
                    f"too many {getattr(response, 'status', '?')} error responses"
                )
                raise MaxRetryError(_pool, url or "", reason) from reason
            call.retries += 1
        return fresh

    def _planned_wait(self, response: Any) -> float:
        seconds = None
        if self.respect_retry_after_header and response is not None:
            seconds = self.get_retry_after(response)
        return self.get_backoff_time() if seconds is None else seconds

    def is_exhausted(self) -> bool:
        # connection errors are retried whatever the method; the caller's loop does that
        return (_CALLER_RETRIES.get() and bool(self.history)) or super().is_exhausted()

    def get_retry_after(self, response: Any) -> float | None:
        try:
            seconds = super().get_retry_after(response)
        except Exception:  # an unparsable header falls back to the normal backoff
            return None
        if seconds is None:
            return None
        return max(0.0, min(float(seconds), self.retry_after_cap))

    def get_backoff_time(self) -> float:
        # attempts so far (since the last redirect); the first retry waits one backoff step
        attempts = 0
        for entry in reversed(self.history):
            if entry.redirect_location:
                break
            attempts += 1
        if attempts == 0 or self.backoff_factor <= 0:
            return 0.0
        base = self.backoff_factor * (2 ** (attempts - 1))
        return float(min(self.backoff_cap, base + self.rand() * self.jitter))

    def sleep(self, response: Any = None) -> None:
        seconds = self._planned_wait(response)
        last = self.history[-1] if self.history else None
        call = _CALL.get()
        left = ""
        if call is not None and call.deadline is not None:
            left = f"; {max(call.remaining(), 0):.0f} s left of the {call.budget:g} s deadline"
        logger.warning(
            "retrying %s %s in %.2f s (retry %d of at most %s, after %s%s)",
            last.method if last else "?",
            last.url if last else "?",
            seconds,
            len(self.history),
            len(self.history) + self.total if isinstance(self.total, int) else "?",
            (last.status or short_error(last.error)) if last else "?",
            left,
        )
        if seconds > 0:
            (self.sleeper or time.sleep)(seconds)


class _Session(requests.Session):
    """A Session that never forwards the API key to another origin on a redirect.

    ``requests`` strips ``Authorization`` when a redirect leaves the origin but knows nothing
    of ``X-Domino-Api-Key``; a redirect to, say, object storage must not carry the key.
    """

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: Any) -> None:
        headers = prepared_request.headers
        if "X-Domino-Api-Key" in headers and self.should_strip_auth(
            response.request.url, prepared_request.url
        ):
            del headers["X-Domino-Api-Key"]
        super().rebuild_auth(prepared_request, response)


def _normalize_timeout(timeout: Timeout | None, environ: Mapping[str, str] | None) -> Any:
    if timeout is None:
        return _config.default_timeout(environ)
    if isinstance(timeout, (int, float)):
        if timeout <= 0:
            raise InvalidSettingError(f"timeout={timeout!r} must be positive")
        return (float(timeout), float(timeout))
    connect, read = timeout
    if connect <= 0 or read <= 0:
        raise InvalidSettingError(f"timeout={timeout!r} must be positive")
    return (float(connect), float(read))


class HttpClient:
    """One session, one connection pool, the retry policy and error mapping for a client.

    ``host`` is a cleaned base URL (``scheme://netloc``); ``auth`` usually comes from
    :func:`domino.authentication.resolve_auth`. ``timeout``, ``max_retries`` and ``verify``
    default to ``DOMINO_HTTP_TIMEOUT``, ``DOMINO_MAX_RETRIES`` and
    ``DOMINO_VERIFY_CERTIFICATE``; ``deadline`` (seconds for a whole call, ``0`` = none)
    defaults to ``DOMINO_REQUEST_DEADLINE``. ``pool_maxsize`` must be at least the number of threads
    that share the client (the dataset upload's workers).
    """

    def __init__(
        self,
        host: str,
        auth: AuthBase,
        *,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
        verify: bool | None = None,
        deadline: float | None = None,
        pool_maxsize: int = 32,
        environ: Mapping[str, str] | None = None,
        backoff_factor: float = 0.5,
        backoff_max: float = 30.0,
        retry_after_cap: float = 60.0,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.host = host.rstrip("/")
        self.auth = auth
        self.timeout: tuple[float, float] = _normalize_timeout(timeout, environ)
        self.max_retries = _config.max_retries(environ) if max_retries is None else max_retries
        if self.max_retries < 0:
            raise InvalidSettingError(f"max_retries={max_retries!r} must not be negative")
        self.verify = _config.verify_certificate(environ) if verify is None else verify
        #: seconds one call may take in all (``None``: no overall limit)
        self.deadline = _config.request_deadline(environ) if deadline is None else deadline or None
        self.retry = _DominoRetry(
            total=self.max_retries,
            connect=None,
            read=None,
            status=None,
            other=0,
            redirect=None,
            allowed_methods=IDEMPOTENT_METHODS,
            status_forcelist=RETRY_STATUSES,
            backoff_factor=backoff_factor,
            raise_on_status=False,
            raise_on_redirect=False,
            respect_retry_after_header=True,
            retry_after_cap=retry_after_cap,
            backoff_cap=backoff_max,
            jitter=backoff_factor,
            sleeper=sleep,
        )
        session = _Session()
        session.auth = auth
        session.verify = self.verify
        session.headers["User-Agent"] = USER_AGENT
        adapter = HTTPAdapter(
            pool_connections=4, pool_maxsize=max(1, pool_maxsize), max_retries=self.retry
        )
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        self.session = session

    # ------------------------------------------------------------------ plumbing

    def __repr__(self) -> str:
        return f"HttpClient(host={self.host!r}, auth={self.auth!r})"

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    def url(self, path: str) -> str:
        """``host + path``; ``path`` must start with ``/``."""
        if not path.startswith("/"):
            raise InvalidArgumentError(f"path {path!r} must start with '/'")
        return self.host + path

    def _absolute(self, url: str) -> str:
        if url.startswith("/"):
            return self.host + url
        if "://" in url:
            return url
        raise InvalidArgumentError(f"url {url!r} must be absolute or a path starting with '/'")

    def _redact(self, text: str) -> str:
        return redact(text, self.auth)

    # ------------------------------------------------------------------ requests

    def request(
        self, method: str, url: str, *, idempotent: bool | None = None, **kwargs: Any
    ) -> requests.Response:
        """Send a request; return the 2xx/3xx response or raise the mapped exception.

        ``idempotent`` overrides the verb's default (GET/HEAD/PUT/DELETE/OPTIONS yes,
        POST/PATCH no) for the retry decision. ``timeout`` (seconds, or ``(connect, read)``)
        overrides the client's default for this call; ``None`` keeps the default. Other
        keyword arguments go to :meth:`requests.Session.request`.
        """
        method = method.upper()
        full_url = self._absolute(url)
        if kwargs.get("timeout") is None:  # None means "the default", never "wait forever"
            kwargs["timeout"] = self.timeout
        call = _Call(self.deadline)
        if call.deadline is not None:
            connect, read = _normalize_timeout(kwargs["timeout"], None)
            kwargs["timeout"] = _DeadlineTimeout(connect, read, call)
        token = _CALL.set(call)
        with _idempotency(idempotent):
            started = call.started
            try:
                response = self._send_reading_body(method, full_url, idempotent, kwargs)
            except requests.RequestException as exc:
                elapsed = time.monotonic() - started
                logger.debug(
                    "%s %s failed after %.3f s: %s", method, full_url, elapsed, type(exc).__name__
                )
                mapped = self._transport_error(method, full_url, exc, call)
                if mapped is exc:
                    raise
                raise mapped from exc
            finally:
                _CALL.reset(token)
        elapsed = time.monotonic() - started
        logger.debug("%s %s -> %s in %.3f s", method, full_url, response.status_code, elapsed)
        if response.status_code >= 400:
            raise self._status_error(method, response)
        return response

    def _send_reading_body(
        self, method: str, url: str, idempotent: bool | None, kwargs: dict[str, Any]
    ) -> requests.Response:
        """``session.request``, sent again when the answer's body is cut short (urllib3's
        retries only cover what happens before the body): for idempotent requests whose body
        can be replayed, up to ``max_retries`` times; then a DominoConnectionError."""
        replayable = not hasattr(kwargs.get("data"), "read") and not kwargs.get("files")
        again = idempotent if idempotent is not None else method in IDEMPOTENT_METHODS
        attempt = 0
        while True:
            try:
                return self.session.request(method, url, **kwargs)
            except requests.exceptions.ChunkedEncodingError as exc:
                call = _CALL.get()
                pause = min(0.25 * 2 ** (attempt + 1), 4.0)
                out_of_time = call is not None and call.remaining() < pause + 1.0
                if not (again and replayable) or attempt >= self.max_retries or out_of_time:
                    raise DominoConnectionError(
                        f"{method} {safe_url(url)}: the answer was cut short"
                        f" (after {attempt} retries)",
                        request=exc.request,
                    ) from exc
                attempt += 1
                time.sleep(pause)

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", url, **kwargs)

    # data and json are positional, as in the public request manager that scripts may call
    def post(
        self, url: str, data: Any = None, json: Any = None, **kwargs: Any
    ) -> requests.Response:
        return self.request("POST", url, data=data, json=json, **kwargs)

    def put(self, url: str, data: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("PUT", url, data=data, **kwargs)

    def patch(
        self, url: str, data: Any = None, json: Any = None, **kwargs: Any
    ) -> requests.Response:
        return self.request("PATCH", url, data=data, json=json, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", url, **kwargs)

    def get_raw(self, url: str) -> Any:
        """The body as a raw urllib3 stream (the public request manager's ``get_raw``)."""
        return self.get(url, stream=True).raw

    @property
    def request_session(self) -> requests.Session:
        """The session (the public request manager's name for it)."""
        return self.session

    def json(self, method: str, url: str, **kwargs: Any) -> Any:
        """``request()`` then the parsed JSON body (``None`` for an empty body).

        The request goes through the verb method (``self.get``, ``self.post`` ...) looked up
        at call time, so a script that replaces ``client.request_manager.post`` (as scripts
        written for the public client do) intercepts every call the client makes.
        """
        verb = getattr(self, method.lower(), None) if method.upper() in _VERB_METHODS else None
        response = verb(url, **kwargs) if verb is not None else self.request(method, url, **kwargs)
        return self.parse_json(method, response)

    def parse_json(self, method: str, response: requests.Response) -> Any:
        """The parsed JSON body of ``response`` (``None`` for an empty body)."""
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            content_type = response.headers.get("Content-Type", "unknown")
            snippet = self._redact(server_message(response))[:200]
            raise InvalidResponseError(
                f"{method.upper()} {safe_url(response.url)} returned {response.status_code} "
                f"with a body that is not JSON (Content-Type: {content_type}): {snippet}",
                response=response,
                request=response.request,
            ) from None

    # ------------------------------------------------------------------ errors

    def _status_error(self, method: str, response: requests.Response) -> Exception:
        status = response.status_code
        url = safe_url(response.url)
        message = self._redact(server_message(response))
        summary = f"{method} {url} returned {status}"
        summary += f": {message}" if message else f" {response.reason or ''}".rstrip()
        if status == 409:
            return ReloginRequiredException(
                f"Temporary credentials expired ({summary})",
                method=method,
                url=url,
                server_message=message or None,
                response=response,
            )
        cls = exception_for_status(status)
        return cls(
            summary,
            status_code=status,
            method=method,
            url=url,
            server_message=message or None,
            response=response,
            request=response.request,
        )

    def _transport_error(
        self, method: str, url: str, exc: requests.RequestException, call: _Call | None = None
    ) -> requests.RequestException:
        reason: BaseException = exc
        if exc.args and isinstance(exc.args[0], MaxRetryError) and exc.args[0].reason:
            reason = exc.args[0].reason
        elif exc.args and isinstance(exc.args[0], BaseException):
            reason = exc.args[0]
        tries = _tries(call, self.max_retries)
        url = safe_url(url)
        if isinstance(exc, requests.ReadTimeout) or isinstance(reason, ReadTimeoutError):
            if call is not None and _stopped_by_deadline(call):
                return DominoTimeoutError(
                    f"{method} {url}: no response{tries}; raise the deadline with "
                    "DOMINO_REQUEST_DEADLINE (seconds) if the server is just slow",
                    request=exc.request,
                )
            return DominoTimeoutError(
                f"{method} {url}: no response within {self.timeout[1]:g} s{tries}; "
                "raise the read timeout with DOMINO_HTTP_TIMEOUT=connect,read",
                request=exc.request,
            )
        if isinstance(exc, requests.ConnectionError):
            return DominoConnectionError(
                f"{method} {url} failed{tries}: {describe_transport(reason)}", request=exc.request
            )
        return exc


def _tries(call: _Call | None, max_retries: int) -> str:
    """`` (after N retries[, stopped by the deadline])`` for a transport error message."""
    retries = max_retries if call is None else call.retries
    out_of_time = call is not None and _stopped_by_deadline(call)
    if not retries and not out_of_time:
        return ""
    if retries:
        text = f" (after {retries} retr{'y' if retries == 1 else 'ies'}"
    else:
        text = " (one attempt"
    if out_of_time and call is not None:
        elapsed = time.monotonic() - call.started
        text += f" in {elapsed:.0f} s, stopped by the {call.budget:g} s DOMINO_REQUEST_DEADLINE"
    return text + ")"


def _stopped_by_deadline(call: _Call) -> bool:
    """Whether the call's deadline (not its retry count) ended it."""
    return call.budget is not None and (call.out_of_time or call.remaining() < _MIN_ATTEMPT)


@contextmanager
def _idempotency(value: bool | None) -> Iterator[None]:
    token = _IDEMPOTENT.set(value)
    try:
        yield
    finally:
        _IDEMPOTENT.reset(token)


@contextmanager
def caller_retries() -> Iterator[None]:
    """Within this block the session's adapter does not retry: one attempt per request."""
    token = _CALLER_RETRIES.set(True)
    try:
        yield
    finally:
        _CALLER_RETRIES.reset(token)
