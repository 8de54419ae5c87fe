"""The OpenAPI document states the statuses routes really answer.

Every error this server sends is JSON ``{"message": ...}`` with one of :data:`ERROR_STATUSES`;
request validation errors are answered 400 (never FastAPI's 422), so 422 is not declared.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_STATUSES = {
    "400": "Bad input (the message names it)",
    "401": "No or unknown credentials",
    "403": "Not allowed for this caller",
    "404": "Not found (or not visible to this caller)",
    "408": "The request body stalled",
    "413": "The request body is larger than this server accepts",
    "503": "Busy; retry after Retry-After seconds",
}
_MESSAGE = {
    "type": "object",
    "properties": {"message": {"type": "string"}},
    "required": ["message"],
}


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` declare the error statuses on every operation."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    responses = operation.setdefault("responses", {})
                    responses.pop("422", None)
                    for status, text in ERROR_STATUSES.items():
                        responses.setdefault(
                            status,
                            {
                                "description": text,
                                "content": {"application/json": {"schema": _MESSAGE}},
                            },
                        )
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]
