"""ASGI middleware: collapse runs of ``/`` in the request path; answer unexpected errors.

Domino clients build URLs by string concatenation and routinely produce ``//`` (``files_list``
with the default path ends in ``/files/<commit>//``; ``blobs_get_v2("/a.txt")`` requests
``/files/<commit>//a.txt/content``). Every path parameter of this API is relative, so a collapsed
path always means the same thing: ``files/<commit>/`` is the root of the commit and
``files/<commit>/a.txt/content`` the file.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

_RUNS = re.compile(r"/{2,}")
_RUNS_BYTES = re.compile(rb"/{2,}")


class TrackedSend:
    """``send`` that remembers whether the response has begun (after that, no clean answer)."""

    def __init__(self, send: Send) -> None:
        self.started = False
        self._send = send

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


class CollapseSlashesMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "//" in scope.get("path", ""):
            new: dict[str, Any] = dict(scope)
            new["path"] = _RUNS.sub("/", scope["path"])
            raw = scope.get("raw_path")
            if isinstance(raw, bytes):
                new["raw_path"] = _RUNS_BYTES.sub(b"/", raw)
            scope = new
        await self.app(scope, receive, send)


class CatchAllMiddleware:
    """Answer an unexpected exception with a JSON 500 here, before it reaches the server loop.

    Starlette's own error middleware re-raises after sending its 500, and uvicorn then drops the
    keep-alive connection: the caller's *next* request on that pooled connection fails with a
    connection reset, far from the request that went wrong.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tracked = TrackedSend(send)
        try:
            await self.app(scope, receive, tracked)
        except Exception:
            if tracked.started:
                raise  # too late for a clean answer
            log.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            response = JSONResponse({"message": "internal server error"}, status_code=500)
            await response(scope, receive, send)
