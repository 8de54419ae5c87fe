"""Projects through the v4 API: list, create, fork, archive (domino-api-2x.md §3.1)."""

from __future__ import annotations

from typing import Any

import requests

from domino import exceptions
from domino._base import ClientBase, enum_value, expect_dict, expect_list, nonempty
from domino.domino_enums import ProjectVisibility
from domino.exceptions import InvalidArgumentError

__all__ = ["ProjectsV4Mixin", "RELATIONSHIPS"]

RELATIONSHIPS = ["Owned", "Collaborating", "Suggesting", "Popular"]


class ProjectsV4Mixin(ClientBase):
    def get_user_id(self, username_or_email: str) -> str | None:  # implemented by ProjectsMixin
        raise NotImplementedError

    def projects_list(self, relationship: str = "Owned", show_completed: bool = False) -> Any:
        """Projects related to the caller: ``Owned``, ``Collaborating``, ``Suggesting`` or
        ``Popular`` (a JSON list of project objects, each with ``id`` and ``name``)."""
        if relationship not in RELATIONSHIPS:
            raise InvalidArgumentError(
                f"relationship must be one of {RELATIONSHIPS}: {relationship!r}"
            )
        params = {"relationship": relationship, "showCompleted": str(show_completed).lower()}
        return self._get(self._routes.projects_list(), params=params)

    def project_create_v4(
        self,
        project_name: str,
        owner_id: str | None = None,
        owner_username: str | None = None,
        description: str | None = "",
        collaborators: list[Any] | None = None,
        tags: list[str] | None = None,
        billing_tag: str | None = None,
        visibility: ProjectVisibility | str | None = ProjectVisibility.PUBLIC,
    ) -> Any:
        """Create a project through the v4 API and return the created project.

        The owner is ``owner_id``, else the user named ``owner_username``, else the owner of
        this client's ``owner/project``. ``visibility`` is a :class:`ProjectVisibility` (or
        its name or value); ``billing_tag`` a billing tag name.

        Example::

            created = domino.project_create_v4("forecasting", description="Q3 demand")
        """
        nonempty(project_name, "project_name")
        wire_visibility = (
            enum_value(visibility, ProjectVisibility, "visibility") if visibility else None
        )
        if not owner_id:
            who = owner_username or self._owner_username
            owner_id = self.get_user_id(who)
            if owner_id is None:  # upstream sent "ownerId": null and let the server guess
                raise exceptions.UserNotFoundException(f"no user is called {who!r}")
        body: dict[str, Any] = {
            "name": project_name,
            "visibility": wire_visibility,
            "ownerId": owner_id,
            "description": description,
            "collaborators": list(collaborators) if collaborators else [],
            "tags": {"tagNames": list(tags) if tags else []},
        }
        if billing_tag:
            body["billingTag"] = {"tag": billing_tag}
        return self._json_text("POST", self._routes.projects_v4(), body)

    def fork_project(self, target_name: str) -> requests.Response:
        """Fork this client's project into a new project called ``target_name`` (owned by
        the caller); returns the raw response (its JSON is the new project)."""
        nonempty(target_name, "target_name")
        return self._http.post(
            self._routes.fork_project(self.project_id), json={"name": target_name}
        )

    def project_archive(self, project_name: str) -> None:
        """Archive (delete) a project the caller owns, by name.

        Raises :class:`~domino.exceptions.ProjectNotFoundException` if the caller owns no
        project of that name.
        """
        nonempty(project_name, "project_name")
        where = f"GET {self._routes.projects_list()}"
        for project in expect_list(self.projects_list(show_completed=True), where):
            project = expect_dict(project, where)
            if project.get("name") == project_name:
                self._http.delete(self._routes.project_v4(str(project["id"])))
                return
        raise exceptions.ProjectNotFoundException(project_name)
