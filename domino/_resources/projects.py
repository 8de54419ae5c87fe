"""Projects, collaborators and project tags (domino-api.md §6, §7)."""

from __future__ import annotations

import logging
from typing import Any

import requests

from domino import exceptions
from domino._base import ClientBase, expect_dict, expect_list, require
from domino._types import Tag
from domino.exceptions import InvalidArgumentError

__all__ = ["ProjectsMixin"]

logger = logging.getLogger(__name__)

_CSRF_NO_CHECK = {"Csrf-Token": "nocheck"}


class ProjectsMixin(ClientBase):
    # ------------------------------------------------------------------ projects

    def project_create(
        self, project_name: str, owner_username: str | None = None
    ) -> requests.Response:
        """Create a project (form POST, like the Domino web UI); returns the raw response."""
        data = {"projectName": project_name}
        if owner_username is not None:
            data["ownerOverrideUsername"] = owner_username
        return self._http.post(self._routes.project_create(), data=data, headers=_CSRF_NO_CHECK)

    # ------------------------------------------------------------------ collaborators

    def collaborators_get(self) -> Any:
        """The project's collaborators, as the server returns them."""
        return self._get(self._routes.collaborators_get())

    def get_user_id(self, username_or_email: str) -> str | None:
        """Id of the first user whose user name or email equals the argument, else ``None``."""
        if not isinstance(username_or_email, str) or not username_or_email:
            # None would match the first user without an email address
            raise InvalidArgumentError(
                f"username_or_email must be a user name or email, got {username_or_email!r}"
            )
        where = f"GET {self._routes.users()}"
        for user in expect_list(self._get(self._routes.users()), where):
            user = expect_dict(user, where)
            if username_or_email in (user.get("userName"), user.get("email")):
                return str(require(user, "id", where))
        return None

    def collaborators_add(self, username_or_email: str, message: str = "") -> requests.Response:
        """Add a user as ``Contributor``. ``message`` is accepted but, as upstream, not sent.

        Raises :class:`~domino.exceptions.UserNotFoundException` when no user matches.
        """
        user_id = self.get_user_id(username_or_email)
        if user_id is None:
            raise exceptions.UserNotFoundException(
                f"Could not add collaborator matching {username_or_email!r}: no user has that "
                "user name or email"
            )
        body = {"collaboratorId": user_id, "projectRole": "Contributor"}
        return self._http.post(self._routes.collaborators_add(self.project_id), json=body)

    def collaborators_remove(self, username_or_email: str) -> requests.Response:
        """Remove a collaborator; :class:`~domino.exceptions.UserNotFoundException` if unknown."""
        user_id = self.get_user_id(username_or_email)
        if user_id is None:
            raise exceptions.UserNotFoundException(
                f"Could not remove collaborator matching {username_or_email!r}: no user has "
                "that user name or email"
            )
        return self._http.delete(self._routes.collaborators_remove(self.project_id, user_id))

    # ------------------------------------------------------------------ tags

    def tags_list(self, project_id: str | None = None) -> list[Tag]:
        """The project's tags: ``[{"id", "name", "isApproved"}, ...]``."""
        project_id = project_id or self.project_id
        path = self._routes.project_v4(project_id)
        tags: list[Tag] = require(self._get(path), "tags", f"GET {path}")
        return tags

    def tag_details(self, tag_id: str) -> Any:
        """Details of one tag (``_id``, ``name``, ``lastAdded`` ...)."""
        return self._get(self._routes.tag_details(tag_id))

    def tags_add(self, tags: list[str], project_id: str | None = None) -> requests.Response:
        """Add tags by name; returns the raw response (its JSON lists the tag objects).

        A single name is taken as a one-element list (not split into its characters).
        """
        names = [tags] if isinstance(tags, str) else list(tags)
        project_id = project_id or self.project_id
        return self._http.post(self._routes.tags_add(project_id), json={"tagNames": names})

    def tag_get_id(self, tag_name: str, project_id: str | None = None) -> str | None:
        """Id of the first tag with that name, or ``None`` (with a warning) if there is none."""
        for tag in self.tags_list(project_id):
            if tag.get("name") == tag_name:
                return str(tag["id"])
        logger.warning("tag with name %r not found for this project", tag_name)
        return None

    def tags_remove(self, tag_name: str, project_id: str | None = None) -> requests.Response | None:
        """Remove a tag by name; ``None`` (and no DELETE) when the project has no such tag."""
        project_id = project_id or self.project_id
        tag_id = self.tag_get_id(tag_name, project_id)
        if tag_id is None:
            return None
        return self._http.delete(self._routes.tags_remove(project_id, tag_id))
