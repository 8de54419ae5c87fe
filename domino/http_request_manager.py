"""The public client's request manager, over this package's HTTP layer.

``_HttpRequestManager(auth)`` takes absolute URLs, checks every status (409 raises
:class:`~domino.exceptions.ReloginRequiredException`, any other 4xx/5xx a typed
``requests.HTTPError`` subclass) and returns the ``requests.Response``. It is
:class:`domino._http.HttpClient` — the same timeouts and safe retries on http and https — with
the public constructor and attribute names.
"""

from __future__ import annotations

import logging

import requests
from requests.auth import AuthBase

from domino._http import HttpClient
from domino.constants import DOMINO_VERIFY_CERTIFICATE  # noqa: F401 - public namespace
from domino.exceptions import ReloginRequiredException  # noqa: F401 - public namespace

__all__ = ["R_SESSION_MAX_RETRIES", "_HttpRequestManager", "_SessionInitializer"]

R_SESSION_MAX_RETRIES = 4


class _SessionInitializer:
    """Marker for auth objects that want to prepare the session (``__initialize__``)."""

    def __initialize__(self, session: requests.Session) -> None:
        raise NotImplementedError


class _HttpRequestManager(HttpClient):
    """``get/post/put/patch/delete(url, ...)`` with ``auth``; URLs must be absolute."""

    def __init__(self, auth: AuthBase) -> None:
        super().__init__("", auth)
        self._logger = logging.getLogger(__name__)
        if isinstance(auth, _SessionInitializer):
            auth.__initialize__(requests.Session())

    def _set_session(self) -> requests.Session:
        """The session (retries and certificate checks are configured at construction)."""
        return self.session

    def _raise_for_status(self, response: requests.Response) -> requests.Response:
        """``response`` if it is 2xx/3xx, else the exception the client raises for it."""
        if response.status_code >= 400:
            raise self._status_error(response.request.method or "GET", response)
        return response

    def __repr__(self) -> str:
        return f"_HttpRequestManager(auth={self.auth!r})"
