"""What every resource mixin of :class:`domino.Domino` may rely on.

The facade is split into one private module per resource family (projects, runs, jobs, files,
apps, datasets); each defines a mixin that subclasses :class:`ClientBase`, and
``domino.domino.Domino`` combines them. ``ClientBase`` only declares the shared state and a few
helpers, so each family stays readable on its own and type-checks against the same attributes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from domino.exceptions import InvalidArgumentError, UnexpectedResponseError

if TYPE_CHECKING:
    from domino._http import HttpClient
    from domino.routes import Routes

__all__ = [
    "ClientBase",
    "enum_value",
    "expect_dict",
    "expect_list",
    "nonempty",
    "require",
    "version_at_least",
]

# the public client logged through "domino.domino"; log replay (process_log) keeps that name
LOGGER_NAME = "domino.domino"


def version_at_least(current: str, minimum: str) -> bool:
    """``current >= minimum`` by PEP 440 rules (``"10.0.0" > "4.1.0"``, unlike string order)."""
    from packaging.version import parse  # deferred: keeps ``import domino`` light

    return parse(current) >= parse(minimum)


def _preview(answer: Any) -> str:
    text = repr(answer)
    return text if len(text) <= 200 else text[:197] + "..."


def expect_dict(answer: Any, where: str) -> dict[str, Any]:
    """``answer`` if it is a JSON object, else :class:`UnexpectedResponseError`.

    ``where`` names the request (``"GET /v4/jobs/123"``) so the error says which answer was odd.
    """
    if isinstance(answer, dict):
        return answer
    raise UnexpectedResponseError(
        f"{where}: expected a JSON object from the server, got {_preview(answer)}"
    )


def expect_list(answer: Any, where: str) -> list[Any]:
    """``answer`` if it is a JSON array, else :class:`UnexpectedResponseError`."""
    if isinstance(answer, list):
        return answer
    raise UnexpectedResponseError(
        f"{where}: expected a JSON array from the server, got {_preview(answer)}"
    )


def require(answer: Any, key: str, where: str) -> Any:
    """``answer[key]``, or :class:`UnexpectedResponseError` (a ``KeyError``) naming the field."""
    if isinstance(answer, Mapping) and answer.get(key) is not None:
        return answer[key]
    raise UnexpectedResponseError(
        f"{where}: the server's answer has no {key!r} field ({_preview(answer)})"
    )


def nonempty(value: Any, name: str) -> str:
    """``value`` if it is a non-empty string, else :class:`InvalidArgumentError` naming it.

    The public client let an empty name fall through to the collection URL
    (``billing_tag_archive("")`` was a DELETE on every tag's URL); we refuse it instead.
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgumentError(f"{name} must be a non-empty string, got {value!r}")
    return value


def enum_value(value: Any, enum_type: Any, name: str) -> str:
    """The wire value of an enum member, its name (``"PROJECT"``) or its value (``"Project"``)."""
    if isinstance(value, enum_type):
        return str(value.value)
    if isinstance(value, str):
        for member in enum_type:
            if value in (member.name, member.value):
                return str(member.value)
    choices = ", ".join(f"{enum_type.__name__}.{m.name}" for m in enum_type)
    raise InvalidArgumentError(f"{name} must be one of {choices}, got {value!r}")


class ClientBase:
    """Shared state of a :class:`domino.Domino` client."""

    _http: HttpClient
    _routes: Routes
    _version: str
    _owner_username: str
    _project_name: str

    @property
    def log(self) -> logging.Logger:
        """The client's logger (``domino.domino``, as in the public client)."""
        return logging.getLogger(LOGGER_NAME)

    @property
    def project_id(self) -> str:  # implemented by Domino
        raise NotImplementedError

    def commits_list(self) -> list[Any]:  # implemented by FilesMixin
        raise NotImplementedError

    def _get(self, url: str, **kwargs: Any) -> Any:
        """GET a path (or an absolute URL) and return its parsed JSON body."""
        return self._http.json("GET", url, **kwargs)

    def _json_text(
        self, method: str, path: str, body: Any, *, content_type: bool = True, **kwargs: Any
    ) -> Any:
        """Send ``body`` as JSON text (the public client's encoding for these routes) and
        return the parsed answer; ``content_type=False`` sends no ``Content-Type`` header,
        exactly as the public client does for four cost routes."""
        headers = {"Content-Type": "application/json"} if content_type else {}
        return self._http.json(method, path, data=json.dumps(body), headers=headers, **kwargs)
