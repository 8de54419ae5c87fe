"""Compute environments: list, default, get, create, revise, restrict, archive
(domino-api-2x.md §3.2)."""

from __future__ import annotations

from typing import Any

from domino import exceptions
from domino._base import ClientBase, expect_dict, nonempty, require

__all__ = ["EnvironmentsMixin"]


class EnvironmentsMixin(ClientBase):
    def environments_list(self) -> Any:
        """Every environment visible to the caller
        (``{"objectType": "list", "data": [{"id", "name", "visibility", ...}]}``)."""
        return self._get(self._routes.environments_list())

    def get_default_environment(self) -> dict[str, Any]:
        """The deployment's default environment (with ``latestRevisionDetails``)."""
        path = self._routes.environment_default()
        return expect_dict(self._get(path), f"GET {path}")

    def get_environment(self, environment_id: str) -> Any:
        """One environment by id."""
        nonempty(environment_id, "environment_id")
        return self._get(self._routes.environment(environment_id))

    def archive_environment(self, environment_id: str) -> None:
        """Archive an environment (it stays readable but cannot be used for new work)."""
        nonempty(environment_id, "environment_id")
        self._http.delete(self._routes.environment(environment_id))

    def _default_image(self) -> str:
        path = self._routes.environment_default()
        revision = require(self.get_default_environment(), "latestRevisionDetails", f"GET {path}")
        return str(require(revision, "dockerImage", f"GET {path}"))

    @staticmethod
    def _revision_body(
        dockerfile_instructions: str,
        environment_variables: list[dict[str, Any]] | None,
        image: str,
        post_run_script: str,
        post_setup_script: str,
        pre_run_script: str,
        pre_setup_script: str,
        skip_cache: bool,
        summary: str,
        supported_clusters: list[str] | None,
        tags: list[str] | None,
        use_vpn: bool,
        workspace_tools: list[dict[str, Any]] | None,
    ) -> dict[str, Any]:
        return {
            "dockerfileInstructions": dockerfile_instructions,
            "environmentVariables": list(environment_variables or []),
            "image": image,
            "postRunScript": post_run_script,
            "postSetupScript": post_setup_script,
            "preRunScript": pre_run_script,
            "preSetupScript": pre_setup_script,
            "skipCache": skip_cache,
            "summary": summary,
            "supportedClusters": list(supported_clusters or []),
            "tags": list(tags or []),
            "useVpn": use_vpn,
            "workspaceTools": list(workspace_tools or []),
        }

    def create_environment(
        self,
        name: str,
        visibility: str,
        dockerfile_instructions: str = "",
        environment_variables: list[dict[str, Any]] | None = None,
        base_image: str = "",
        post_run_script: str = "",
        post_setup_script: str = "",
        pre_run_script: str = "",
        pre_setup_script: str = "",
        skip_cache: bool = False,
        summary: str = "",
        supported_clusters: list[str] | None = None,
        tags: list[str] | None = None,
        use_vpn: bool = False,
        workspace_tools: list[dict[str, Any]] | None = None,
        add_base_dependencies: bool = True,
        description: str = "",
        is_restricted: bool = False,
        organization_owner_id: str | None = None,
    ) -> dict[str, Any]:
        """Create an environment and return it. Without ``base_image`` the default
        environment's image is used. ``visibility`` is ``"Private"`` or ``"Global"``.

        Example::

            env = domino.create_environment("pandas", "Private",
                                            dockerfile_instructions="RUN pip install pandas")
        """
        nonempty(name, "name")
        nonempty(visibility, "visibility")
        image = base_image or self._default_image()
        body = self._revision_body(
            dockerfile_instructions,
            environment_variables,
            image,
            post_run_script,
            post_setup_script,
            pre_run_script,
            pre_setup_script,
            skip_cache,
            summary,
            supported_clusters,
            tags,
            use_vpn,
            workspace_tools,
        )
        body.update(
            addBaseDependencies=add_base_dependencies,
            description=description,
            isRestricted=is_restricted,
            name=name,
            visibility=visibility,
        )
        if organization_owner_id:
            body["orgOwnerId"] = organization_owner_id
        path = self._routes.environment_create()
        return expect_dict(self._json_text("POST", path, body), f"POST {path}")

    def create_environment_revision(
        self,
        environment_id: str,
        dockerfile_instructions: str = "",
        environment_variables: list[dict[str, Any]] | None = None,
        base_image: str | None = None,
        post_run_script: str = "",
        post_setup_script: str = "",
        pre_run_script: str = "",
        pre_setup_script: str = "",
        skip_cache: bool = False,
        summary: str = "",
        supported_clusters: list[str] | None = None,
        tags: list[str] | None = None,
        use_vpn: bool = False,
        workspace_tools: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Add a revision to an environment and return it (default image as above)."""
        nonempty(environment_id, "environment_id")
        image = base_image or self._default_image()
        body = self._revision_body(
            dockerfile_instructions,
            environment_variables,
            image,
            post_run_script,
            post_setup_script,
            pre_run_script,
            pre_setup_script,
            skip_cache,
            summary,
            supported_clusters,
            tags,
            use_vpn,
            workspace_tools,
        )
        path = self._routes.environment_revisions(environment_id)
        return expect_dict(self._json_text("POST", path, body), f"POST {path}")

    def restrict_environment_revision(self, environment_id: str, revision_id: str) -> None:
        """Mark a revision restricted (only restricted revisions may run restricted work)."""
        nonempty(environment_id, "environment_id")
        nonempty(revision_id, "revision_id")
        path = self._routes.environment_revision(environment_id, revision_id)
        self._json_text("PATCH", path, {"isRestricted": True})

    # ------------------------------------------------------------------ private helpers

    def _useable_environments_list(self) -> list[dict[str, Any]]:
        """The environments this project may use (the ``environments`` field)."""
        path = self._routes.useable_environments(self.project_id)
        environments: list[dict[str, Any]] = require(self._get(path), "environments", f"GET {path}")
        return environments

    def _validate_environment_id(self, environment_id: str) -> bool:
        """``True`` if the project may use ``environment_id``, else
        :class:`~domino.exceptions.EnvironmentNotFoundException`."""
        if any(env.get("id") == environment_id for env in self._useable_environments_list()):
            return True
        raise exceptions.EnvironmentNotFoundException(f"{environment_id} environment not found")
