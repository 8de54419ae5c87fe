"""Bounds on what one HTTP request may cost the server: body size, body and header read time.

- :class:`BodyLimitMiddleware` answers 413 (JSON) for a body larger than the cap of its route
  family (declared ``Content-Length`` or counted as it streams) and 408 when a body stops
  arriving for ``body_timeout`` seconds. Caps: project file uploads (``PUT /v1/projects/...``),
  dataset upload chunks, and everything else (JSON bodies).
- :class:`HeaderTimeoutProtocol` (uvicorn's h11 protocol) closes a connection whose request
  line and headers are not complete ``header_timeout`` seconds after its bytes start arriving
  (a half-open connection otherwise holds a socket forever).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from domino.server.errors import ApiError
from domino.server.middleware import TrackedSend

MiB = 1024 * 1024
_CLOSE = {"Connection": "close"}
_FILE_PUT = re.compile(r"^/v1/projects/[^/]+/[^/]+/.+")
_CHUNK_POST = re.compile(r"^/v4/datasetrw/datasets/[^/]+/snapshot/file/?$")


@dataclass(frozen=True)
class HttpLimits:
    json_body: int = 16 * MiB
    chunk_body: int = 128 * MiB
    file_body: int = 16 * 1024 * MiB
    body_timeout: float = 60.0
    header_timeout: float = 30.0

    def body_cap(self, method: str, path: str) -> int:
        if method == "PUT" and _FILE_PUT.match(path):
            return self.file_body
        if method == "POST" and _CHUNK_POST.match(path):
            return self.chunk_body
        return self.json_body


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limits: HttpLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self.limits.body_cap(scope.get("method", ""), scope.get("path", ""))
        declared = _content_length(scope)
        if declared is not None and declared > cap:
            await _answer(scope, receive, send, 413, _too_large(cap))
            return
        seen = 0
        done = False

        async def limited_receive() -> Message:
            nonlocal seen, done
            if done:
                return await receive()  # e.g. waiting for a disconnect while streaming out
            try:
                message = await asyncio.wait_for(receive(), self.limits.body_timeout)
            except TimeoutError:
                stalled = f"the request body stalled for {self.limits.body_timeout:g} s"
                raise ApiError(408, stalled, _CLOSE) from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise ApiError(413, _too_large(cap), _CLOSE)
                done = not message.get("more_body", False)
            return message

        tracked = TrackedSend(send)
        try:
            await self.app(scope, limited_receive, tracked)
        except ApiError as exc:  # raised where no handler answers it (e.g. a middleware)
            if tracked.started:
                raise
            await _answer(scope, receive, send, exc.status, exc.message)


def _too_large(cap: int) -> str:
    return f"request body larger than this server's limit of {cap} bytes for this route"


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _answer(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
    # Connection: close, so the unread rest of the body is never parsed as a next request.
    response = JSONResponse({"message": message}, status_code=status, headers=_CLOSE)
    await response(scope, receive, send)


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol plus a deadline on receiving a request's line and headers."""

    header_timeout = HttpLimits.header_timeout

    def connection_made(self, transport: Any) -> None:
        self._header_timer: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm()

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._expired)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _expired(self) -> None:
        self._header_timer = None
        if self.cycle is None or self.cycle.response_complete:
            if not self.transport.is_closing():
                self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self.cycle is None or self.cycle.response_complete:
            self._arm()
        super().data_received(data)
        if self.cycle is not None and not self.cycle.response_complete:
            self._disarm()  # the headers are in: the body has its own timeout

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def protocol_for(limits: HttpLimits) -> type[H11Protocol]:
    """The uvicorn ``http=`` protocol class enforcing ``limits.header_timeout``."""
    return type(
        "DominoH11Protocol", (HeaderTimeoutProtocol,), {"header_timeout": limits.header_timeout}
    )
