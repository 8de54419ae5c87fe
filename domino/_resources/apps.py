"""Apps, i.e. model products of type APP (domino-api.md §10, 2.2.0 form)."""

from __future__ import annotations

import logging
import time

import requests

from domino import exceptions
from domino._base import ClientBase, expect_dict, expect_list
from domino._compat import renamed_kwargs, warn_deprecated
from domino.exceptions import InvalidArgumentError

__all__ = ["AppsMixin"]

logger = logging.getLogger(__name__)

_NOT_RUNNING = {"Stopped", "Failed"}
# the server replaces this placeholder with the new app's id
_PLACEHOLDER_ID = "000000000000000000000000"


class AppsMixin(ClientBase):
    @property
    def app_id(self) -> str | None:
        """Id of the project's (first) app, or ``None``; looked up on every access."""
        where = f"GET {self._routes.apps()}"
        answer = self._get(self._routes.apps(), params={"projectId": self.project_id})
        apps = expect_list(answer or [], where)
        if not apps:
            return None
        app_id = expect_dict(apps[0], where).get("id")
        return None if app_id is None else str(app_id)

    @property
    def _app_id(self) -> str | None:
        warn_deprecated("_app_id is deprecated, use app_id")
        return self.app_id

    def app_get_status(self, app_id: str | None) -> str | None:
        """The app's status (``Running``, ``Stopped``, ``Failed`` ...), ``None`` for no app.

        When the app has failed, the reason the server gives (for domino-server: the exit code
        of ``app.sh`` and its last lines of output) is logged at WARNING.
        """
        if app_id is None:
            return None
        path = self._routes.app(app_id)
        answer = expect_dict(self._get(path), f"GET {path}")
        status = answer.get("status")
        if status == "Failed":
            reason = answer.get("message") or answer.get("statusMessage")
            logger.warning("App %s failed: %s", app_id, reason or "(the server gave no reason)")
        return None if status is None else str(status)

    @renamed_kwargs(appId="app_id")
    def app_unpublish(self, app_id: str | None = None) -> requests.Response | None:
        """Stop the app if it is running; raw response, or ``None`` when nothing was stopped."""
        app_id = app_id or self.app_id
        if app_id is None:
            return None
        status = self.app_get_status(app_id)
        logger.debug("App %s status=%s", app_id, status)
        if not status or status in _NOT_RUNNING:
            return None
        return self._http.post(self._routes.app_stop(app_id))

    @renamed_kwargs(
        unpublishRunningApps="unpublish_running_apps",
        hardwareTierId="hardware_tier_id",
        environmentId="environment_id",
        externalVolumeMountIds="external_volume_mount_ids",
        commitId="commit_id",
        appId="app_id",
    )
    def app_publish(
        self,
        unpublish_running_apps: bool = True,
        hardware_tier_id: str | None = None,
        environment_id: str | None = None,
        external_volume_mount_ids: list[str] | None = None,
        commit_id: str | None = None,
        branch: str | None = None,
        app_id: str | None = None,
    ) -> requests.Response:
        """(Re)start the project's app, creating it first if the project has none.

        ``commit_id`` or ``branch`` (not both) pins the main repository revision. Returns the
        raw response of the start request.

        Example::

            domino.app_publish(hardware_tier_id="small-k8s", branch="main")
        """
        if commit_id and branch:
            raise InvalidArgumentError(
                f"Only one of commit_id or branch may be specified, not both "
                f"(commit_id={commit_id!r}, branch={branch!r})"
            )
        app_id = app_id or self.app_id
        if unpublish_running_apps and app_id is not None:
            self.app_unpublish(app_id)
        if app_id is None:
            app_id = self._app_create()
        git_ref: dict[str, str] | None = None
        if commit_id:
            git_ref = {"type": "commitId", "value": commit_id}
        elif branch:
            git_ref = {"type": "branches", "value": branch}
        body = {
            "hardwareTierId": hardware_tier_id,
            "environmentId": environment_id,
            "externalVolumeMountIds": external_volume_mount_ids,
            "mainRepoGitRef": git_ref,
        }
        body = {key: value for key, value in body.items() if value is not None}
        return self._http.post(self._routes.app_start(app_id), json=body)

    def _app_create(self, name: str = "") -> str:
        now_ns = time.time_ns()
        body = {
            "modelProductType": "APP",
            "projectId": self.project_id,
            "name": name,
            "owner": "",
            "created": now_ns,
            "lastUpdated": now_ns,
            "status": "",
            "media": [],
            "openUrl": "",
            "tags": [],
            "stats": {"usageCount": 0},
            "appExtension": {"appType": ""},
            "id": _PLACEHOLDER_ID,
            "permissionsData": {
                "visibility": "GRANT_BASED",
                "accessRequestStatuses": {},
                "pendingInvitations": [],
                "discoverable": True,
                "appAccessStatus": "ALLOWED",
            },
        }
        # a retried create could leave two apps; POST is never retried after sending
        created = self._http.json("POST", self._routes.apps(), json=body)
        if not isinstance(created, dict) or not created.get("id"):
            raise exceptions.DominoException(
                f"Cannot create app: the server's answer has no 'id' ({created!r:.200})"
            )
        return str(created["id"])
