"""What every resource mixin of :class:`domino.Domino` may rely on.

The facade is split into one private module per resource family (projects, runs, jobs, files,
apps, datasets); each defines a mixin that subclasses :class:`ClientBase`, and
``domino.domino.Domino`` combines them. ``ClientBase`` only declares the shared state and a few
helpers, so each family stays readable on its own and type-checks against the same attributes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from domino._http import HttpClient
    from domino.routes import Routes

__all__ = ["ClientBase", "version_at_least"]

# the public client logged through "domino.domino"; log replay (process_log) keeps that name
LOGGER_NAME = "domino.domino"


def version_at_least(current: str, minimum: str) -> bool:
    """``current >= minimum`` by PEP 440 rules (``"10.0.0" > "4.1.0"``, unlike string order)."""
    from packaging.version import parse  # deferred: keeps ``import domino`` light

    return parse(current) >= parse(minimum)


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

    def _get(self, path: str, **kwargs: Any) -> Any:
        """GET a path and return its parsed JSON body."""
        return self._http.json("GET", path, **kwargs)

    def _supports(self, minimum: str) -> bool:
        return version_at_least(self._version, minimum)
