"""ASGI middleware: collapse runs of ``/`` in the request path.

Domino clients build URLs by string concatenation and routinely produce ``//`` (``files_list``
with the default path ends in ``/files/<commit>//``; ``blobs_get_v2("/a.txt")`` requests
``/files/<commit>//a.txt/content``). Every path parameter of this API is relative, so a collapsed
path always means the same thing: ``files/<commit>/`` is the root of the commit and
``files/<commit>/a.txt/content`` the file.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

_RUNS = re.compile(r"/{2,}")
_RUNS_BYTES = re.compile(rb"/{2,}")


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
