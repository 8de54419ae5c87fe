"""Who is calling: ``X-Domino-Api-Key``, ``Authorization: Basic`` (password = key, any user name)
or ``Authorization: Bearer <token>``. Anything else is answered 401 with a JSON message."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from domino.server.errors import ApiError
from domino.server.store import Store


@dataclass(frozen=True)
class User:
    id: str
    name: str
    is_admin: bool = False


def _secret_from_headers(request: Request) -> str | None:
    key = request.headers.get("x-domino-api-key")
    if key:
        return key.strip()
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    value = value.strip()
    if scheme == "bearer":
        return value or None
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        _, _, password = decoded.partition(":")
        return password or None
    return None


async def current_user(request: Request) -> User:
    """FastAPI dependency: the authenticated caller, or a 401 JSON answer.

    Deliberately async: the lookup is one indexed read (WAL readers never wait for writers),
    cheaper than the hop to the thread pool a sync dependency costs on every request.
    """
    cached = getattr(request.state, "user", None)
    if isinstance(cached, User):
        return cached
    store: Store = request.app.state.store
    secret = _secret_from_headers(request)
    row = None
    if secret:
        row = store.authenticate_fast(secret)
        if row is None:  # an operator-chosen key not seen yet, or a wrong one: scrypt
            row = await run_in_threadpool(store.authenticate, secret)
    if row is None:
        message = "invalid credentials" if secret else "authentication required"
        raise ApiError(401, message, headers={"WWW-Authenticate": 'Basic realm="domino"'})
    user = User(id=row["id"], name=row["name"], is_admin=bool(row["is_admin"]))
    request.state.user = user
    # Kept in memory for this request only: executions started by it receive the caller's key.
    request.state.credential = secret
    request.state.credential_kind = row["credential_kind"]
    return user
