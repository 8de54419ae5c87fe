"""The :class:`Domino` client: one object per ``owner/project`` with flat methods.

Construction, credentials, the deployment version and the project-id lookup live here; each
resource family is a mixin in its own module under ``domino._resources`` (``projects``,
``runs``, ``jobs``, ``files``, ``apps``, ``datasets``). Method names, parameters, defaults and
return values follow the public ``dominodatalab`` 2.2.0 client, so scripts written for it run
unchanged.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from typing import Any

# The public client's module namespace: scripts import enums and constants from here.
from domino import _config, exceptions, helpers  # noqa: F401
from domino._base import version_at_least
from domino._http import HttpClient
from domino._resources.apps import AppsMixin
from domino._resources.billing import BillingTagsMixin
from domino._resources.budgets import BudgetsMixin
from domino._resources.custom_metrics import CustomMetricsMixin
from domino._resources.datasets import DatasetsMixin
from domino._resources.environments import EnvironmentsMixin
from domino._resources.files import FilesMixin
from domino._resources.jobs import JobsMixin
from domino._resources.models import ModelsMixin
from domino._resources.private_helpers import PrivateHelpersMixin
from domino._resources.projects import ProjectsMixin
from domino._resources.projects_v4 import ProjectsV4Mixin
from domino._types import VersionInfo
from domino.authentication import get_auth_by_type, resolve_auth  # noqa: F401
from domino.constants import (  # noqa: F401
    CLUSTER_TYPE_MIN_SUPPORT,
    DOMINO_HOST_KEY_NAME,
    DOMINO_LOG_LEVEL_KEY_NAME,
    MINIMUM_EXTERNAL_VOLUME_MOUNTS_SUPPORT_DOMINO_VERSION,
    MINIMUM_ON_DEMAND_SPARK_CLUSTER_SUPPORT_DOMINO_VERSION,
)
from domino.domino_enums import (  # noqa: F401
    BillingTagSettingMode,
    BudgetLabel,
    BudgetType,
    ProjectVisibility,
)
from domino.helpers import clean_host_url
from domino.http_request_manager import _HttpRequestManager  # noqa: F401
from domino.routes import Routes

__all__ = ["Domino", "MINIMUM_SUPPORTED_DOMINO_VERSION"]

logger = logging.getLogger(__name__)

MINIMUM_SUPPORTED_DOMINO_VERSION = "4.1.0"


def _split_project(project: Any) -> tuple[str, str]:
    parts = project.split("/") if isinstance(project, str) else []
    if len(parts) != 2 or not all(part.strip() for part in parts):
        raise exceptions.InvalidProjectError(
            f"Project {project!r} must be given in the form username/projectname"
        )
    return parts[0], parts[1]


def _saved_profile_host() -> str | None:
    """The host of the profile saved by ``domino login`` (the last place a host comes from)."""
    from domino import _profile

    saved = _profile.load()
    return saved.host if saved is not None else None


# Every live client, so that ``Domino.project_id.fget.cache_clear()`` (which test suites written
# for the public client call to reset the lookup) forgets every cached project id.
_CLIENTS: weakref.WeakSet[Domino] = weakref.WeakSet()


def _cached_project_id(self: Domino) -> str:
    if self._project_id is None:
        with self._project_id_lock:
            if self._project_id is None:
                self._project_id = self._find_project_id()
    return self._project_id


def _project_id_cache_clear() -> None:
    for client in list(_CLIENTS):
        client._project_id = None


_cached_project_id.cache_clear = _project_id_cache_clear  # type: ignore[attr-defined]


class Domino(
    ProjectsMixin,
    ProjectsV4Mixin,
    JobsMixin,
    FilesMixin,
    AppsMixin,
    DatasetsMixin,
    EnvironmentsMixin,
    ModelsMixin,
    BillingTagsMixin,
    BudgetsMixin,
    CustomMetricsMixin,
    PrivateHelpersMixin,
):
    """A client for one Domino project.

    Args:
        project: ``"owner/project"``.
        api_key: an API key (sent as ``X-Domino-Api-Key``).
        host: the deployment's URL; default ``DOMINO_API_HOST``.
        domino_token_file: a file whose first line is a bearer token, re-read per request.
        auth_token: a bearer token.
        api_proxy: ``host:port`` of the in-run API proxy, which adds credentials itself.

    Without credential arguments, ``DOMINO_API_PROXY``, ``DOMINO_TOKEN_FILE`` and
    ``DOMINO_USER_API_KEY`` are tried, in that order, and last the profile saved by
    ``domino login`` (which also supplies the host when neither argument nor
    ``DOMINO_API_HOST`` does).

    Construction makes one request (``GET /version``) and raises
    :class:`~domino.exceptions.MissingHostError` (an ``AssertionError``),
    :class:`~domino.exceptions.InvalidProjectError` (a ``ValueError``),
    :class:`~domino.exceptions.NoCredentialsError` (a ``RuntimeError``) or
    :class:`~domino.exceptions.UnsupportedDominoVersionError` (Domino older than 4.1.0).

    Example::

        from domino import Domino

        domino = Domino("alice/churn", host="https://domino.example.com", api_key="...")
        domino.runs_start_blocking(["train.py"])
    """

    def __init__(
        self,
        project: str,
        api_key: str | None = None,
        host: str | None = None,
        domino_token_file: str | os.PathLike[str] | None = None,
        auth_token: str | None = None,
        api_proxy: str | None = None,
    ) -> None:
        _config.configure_logging()
        raw_host = host or _config.read("DOMINO_API_HOST") or _saved_profile_host()
        if not raw_host:
            raise exceptions.MissingHostError(
                "Host must be supplied as a parameter or through the DOMINO_API_HOST "
                "environment variable (or saved with `domino login`)."
            )
        self._host = clean_host_url(raw_host)
        # checked before credentials, so a typo fails fast even without any configured
        self._owner_username, self._project_name = _split_project(project)
        self._routes = Routes(self._owner_username, self._project_name)
        self._project_id: str | None = None
        self._project_id_lock = threading.Lock()
        _CLIENTS.add(self)
        self.authenticate(api_key, auth_token, domino_token_file, api_proxy)

        version = self.deployment_version().get("version")
        if not version:
            raise exceptions.UnsupportedDominoVersionError(
                f"{self._host}/version did not report a Domino version"
            )
        self._version = str(version)
        self.requires_at_least(MINIMUM_SUPPORTED_DOMINO_VERSION)
        logger.debug("Domino deployment %s is running version %s", self._host, self._version)

    def __repr__(self) -> str:
        return f"Domino(project={self.project!r}, host={self._host!r})"

    # ------------------------------------------------------------------ identity

    @property
    def host(self) -> str:
        """The deployment's base URL (``scheme://host[:port]``)."""
        return self._host

    @property
    def project(self) -> str:
        """``owner/project`` as given to the constructor."""
        return f"{self._owner_username}/{self._project_name}"

    @property
    def request_manager(self) -> HttpClient:
        """The client's HTTP layer (kept for scripts that used the public client's
        ``request_manager.get/post(url)``; absolute URLs and ``/paths`` both work)."""
        return self._http

    # ------------------------------------------------------------------ credentials

    def authenticate(
        self,
        api_key: str | None = None,
        auth_token: str | None = None,
        domino_token_file: str | os.PathLike[str] | None = None,
        api_proxy: str | None = None,
    ) -> None:
        """Replace the client's credentials (e.g. after a token expired).

        Same precedence as the constructor; the cached project id is kept.
        """
        auth = resolve_auth(
            api_key=api_key,
            auth_token=auth_token,
            domino_token_file=domino_token_file,
            api_proxy=api_proxy,
            host=self._host,
        )
        previous: HttpClient | None = getattr(self, "_http", None)
        self._http = HttpClient(self._host, auth)
        if previous is not None:
            previous.close()

    # ------------------------------------------------------------------ deployment

    def deployment_version(self) -> VersionInfo:
        """The deployment's ``GET /version`` answer (``{"version": "5.10.0", ...}``)."""
        answer: VersionInfo = self._get(self._routes.version())
        return answer if isinstance(answer, dict) else {}

    def requires_at_least(self, at_least_version: str) -> bool:
        """``True`` if the deployment runs ``at_least_version`` or newer, else raise
        :class:`~domino.exceptions.UnsupportedDominoVersionError`."""
        try:
            ok = version_at_least(self._version, at_least_version)
        except ValueError:  # packaging.version.InvalidVersion
            raise exceptions.UnsupportedDominoVersionError(
                f"cannot compare Domino version {self._version!r} with {at_least_version!r}"
            ) from None
        if not ok:
            raise exceptions.UnsupportedDominoVersionError(
                f"You need at least version {at_least_version} but your deployment "
                f"{self._host} seems to be running {self._version}"
            )
        return True

    # ------------------------------------------------------------------ project id

    project_id = property(
        _cached_project_id,
        doc="""The project's id, looked up on first use and cached for this client.

        Raises :class:`~domino.exceptions.ProjectNotFoundException` if the project does
        not exist (or is not visible to these credentials).
        ``Domino.project_id.fget.cache_clear()`` forgets the cached id of every client.
        """,
    )

    def _find_project_id(self) -> str:
        path = self._routes.find_project()
        params = {"ownerName": self._owner_username, "projectName": self._project_name}
        try:
            found = self._get(path, params=params)
        except exceptions.NotFoundError as error:
            raise exceptions.ProjectNotFoundException(
                f"project {self.project!r} not found on {self._host} "
                f"(GET {path} returned 404); check the owner and project name and that "
                "these credentials can see the project"
            ) from error
        project_id = found.get("id") if isinstance(found, dict) else None
        if not project_id:
            raise exceptions.ProjectNotFoundException(
                f"Project '{self._project_name}' not found for owner '{self._owner_username}' "
                f"on {self._host} (the lookup answered without an id)"
            )
        return str(project_id)
