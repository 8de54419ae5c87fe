"""Helpers shared by the routers: backends, the caller's base URL, access-checked lookups."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.datastructures import DefaultPlaceholder
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from domino.server.auth import User
from domino.server.errors import ApiError
from domino.server.services import Services
from domino.server.store import is_object_id


class PlainJSONRoute(APIRoute):
    """A route that serialises what the endpoint returns as plain JSON.

    FastAPI otherwise turns the return annotation (``dict[str, Any]``) into a response model
    and validates every answer against it in the thread pool: an extra thread hop and a
    pydantic pass per request for no benefit, since our endpoints build plain dicts.
    """

    def __init__(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        if isinstance(kwargs.get("response_model"), DefaultPlaceholder):
            kwargs["response_model"] = None
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler  # streamed bodies (file uploads) are never read here

        async def checked(request: Request) -> Response:
            # Refused before the endpoint runs: such a value would be stored and only fail
            # when the answer is encoded, a 500 after the change was made.
            problem = _json_body_problem(await request.body())
            if problem:
                return JSONResponse({"message": f"invalid JSON body: {problem}"}, status_code=400)
            return await handler(request)

        return checked


def _refuse_constant(name: str) -> Any:
    raise _BadJSON(f"{name} is not a JSON number")


# SQLite keeps integers in 64 bits; a larger one failed deep inside a write with a 500.
_INT_RANGE = range(-(2**63), 2**63)


def _stored_int(text: str) -> int:
    value = int(text)
    if value not in _INT_RANGE:
        raise _BadJSON(f"integer {text[:30]}{'...' if len(text) > 30 else ''} is out of range")
    return value


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses as infinity, which JSON cannot give back
        raise _BadJSON(f"number {text[:30]} is out of range")
    return value


class _BadJSON(ValueError):
    pass


def _json_body_problem(raw: bytes) -> str | None:
    """Why a JSON body that parses cannot be stored and echoed back, or None if it can."""
    if not raw:
        return None
    try:
        value = json.loads(
            raw,
            parse_constant=_refuse_constant,
            parse_int=_stored_int,
            parse_float=_finite_float,
        )
    except _BadJSON as exc:
        return str(exc)
    except (ValueError, RecursionError):
        return None  # not JSON (or absurdly deep): FastAPI's own parsing answers that
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return "a string holds an unpaired UTF-16 surrogate"
    except RecursionError:
        return "nested too deeply"
    return None


async def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


def base_url(request: Request) -> str:
    """The URL the caller used to reach us (what executions get as DOMINO_API_HOST)."""
    return str(request.base_url).rstrip("/")


def caller_secret(request: Request) -> tuple[str | None, str]:
    """The caller's raw credential and its kind ("key", "token", "run") for executions."""
    return getattr(request.state, "credential", None), getattr(
        request.state, "credential_kind", "token"
    )


def check_id(value: str, what: str) -> str:
    if not is_object_id(value):
        raise ApiError(404, f"{what} {value!r} not found")
    return value


def _check_access(svc: Services, user: User, project: dict[str, Any]) -> dict[str, Any]:
    if not svc.store.user_can_access_project(user.id, project["id"]):
        raise ApiError(
            403,
            f"user {user.name!r} has no access to project "
            f"{project['owner_name']}/{project['name']}",
        )
    return project


def project_by_name(svc: Services, user: User, owner: str, name: str) -> dict[str, Any]:
    project = svc.store.find_project(owner, name)
    if project is None:
        raise ApiError(404, f"project {owner}/{name} not found")
    return _check_access(svc, user, project)


def project_by_id(svc: Services, user: User, project_id: Any) -> dict[str, Any]:
    if not isinstance(project_id, str) or not is_object_id(project_id):
        raise ApiError(404, f"project {project_id!r} not found")
    project = svc.store.get_project(project_id)
    if project is None:
        raise ApiError(404, f"project {project_id!r} not found")
    return _check_access(svc, user, project)


def row_and_visible_project(
    svc: Services,
    user: User,
    what: str,
    raw_id: str,
    fetch: Callable[[str], dict[str, Any] | None],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The row ``fetch`` finds for ``raw_id`` and its project, if that is visible to ``user``.

    404 for a malformed or unknown id, 403 when the row's project is someone else's.
    """
    row = fetch(check_id(raw_id, what))
    if row is None:
        raise ApiError(404, f"{what} {raw_id!r} not found")
    return row, project_by_id(svc, user, row["project_id"])


def row_in_visible_project(
    svc: Services,
    user: User,
    what: str,
    raw_id: str,
    fetch: Callable[[str], dict[str, Any] | None],
) -> dict[str, Any]:
    """The row alone of :func:`row_and_visible_project`."""
    return row_and_visible_project(svc, user, what, raw_id, fetch)[0]


def execution_in_project(
    svc: Services, project: dict[str, Any], raw_id: str, what: str, not_found: str
) -> dict[str, Any]:
    """The execution ``raw_id`` if it belongs to ``project``; else 404 with ``not_found``.

    A malformed id is a 404 naming ``what`` (see :func:`check_id`).
    """
    row = svc.executions.get(check_id(raw_id, what))
    if row is None or row["project_id"] != project["id"]:
        raise ApiError(404, not_found)
    return row


def require_owner(
    user: User,
    project: dict[str, Any],
    message: str = "only the project owner may change its collaborators",
) -> None:
    """403 with ``message`` unless ``user`` owns ``project`` or is an administrator."""
    if project["owner_id"] != user.id and not user.is_admin:
        raise ApiError(403, message)
