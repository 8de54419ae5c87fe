"""Models and model versions (Model Manager), their image exports, and the legacy
project-scoped model API endpoint (domino-api-2x.md §3.3, §3.4)."""

from __future__ import annotations

from typing import Any

import requests

from domino._base import ClientBase, nonempty
from domino._compat import renamed_kwargs

__all__ = ["ModelsMixin"]

MIN_SAGEMAKER_EXPORT = "4.2.0"


class ModelsMixin(ClientBase):
    def requires_at_least(self, at_least_version: str) -> bool:  # implemented by Domino
        raise NotImplementedError

    # ------------------------------------------------------------------ models

    def models_list(self) -> Any:
        """The project's models (``{"objectType": "list", "data": [{"id", "name", ...}]}``)."""
        return self._get(self._routes.models_list())

    def model_publish(
        self,
        file: str,
        function: str,
        environment_id: str | None,
        name: str,
        description: str,
        files_to_exclude: list[str] | None = None,
    ) -> Any:
        """Publish ``function`` of ``file`` (a project file) as a new model API.

        Returns ``{"data": {"_id", "name", ...}}``; the model answers
        ``POST /models/<_id>/latest/model`` with ``{"data": ...}`` once it is running.

        Example::

            model = domino.model_publish("model.py", "predict", None, "churn", "v1")
            model_id = model["data"]["_id"]
        """
        nonempty(file, "file")
        nonempty(function, "function")
        body = {
            "name": name,
            "description": description,
            "projectId": self.project_id,
            "file": file,
            "function": function,
            "excludeFiles": list(files_to_exclude or []),
            "environmentId": environment_id,
        }
        return self._http.json("POST", self._routes.models(), json=body)

    def model_versions_get(self, model_id: str) -> Any:
        """The model's versions (``{"data": [{"_id", "metadata": {"number"}, ...}]}``)."""
        nonempty(model_id, "model_id")
        return self._get(self._routes.model_versions(model_id))

    def model_version_publish(
        self,
        model_id: str,
        file: str,
        function: str,
        environment_id: str | None,
        description: str,
        files_to_exclude: list[str] | None = None,
    ) -> Any:
        """Publish a new version of a model; the model then serves it."""
        nonempty(model_id, "model_id")
        nonempty(file, "file")
        nonempty(function, "function")
        body = {
            "description": description,
            "projectId": self.project_id,
            "file": file,
            "function": function,
            "excludeFiles": list(files_to_exclude or []),
            "environmentId": environment_id,
        }
        return self._http.json("POST", self._routes.model_versions(model_id), json=body)

    # ------------------------------------------------------------------ image exports

    def _export(self, target: str, model_id: str, model_version_id: str, **fields: Any) -> Any:
        nonempty(model_id, "model_id")
        nonempty(model_version_id, "model_version_id")
        path = self._routes.model_version_export(model_id, model_version_id, target)
        return self._http.json("POST", path, json=fields)

    def model_version_export(
        self,
        model_id: str,
        model_version_id: str,
        registry_host: str,
        registry_username: str,
        registry_password: str,
        repository_name: str,
        image_tag: str,
    ) -> Any:
        """Export a model version's image to a registry: ``{"exportId", "status"}``."""
        return self._export(
            "exportImageToRegistry",
            model_id,
            model_version_id,
            registryUrl=registry_host,
            username=registry_username,
            password=registry_password,
            repository=repository_name,
            tag=image_tag,
        )

    def model_version_sagemaker_export(
        self,
        model_id: str,
        model_version_id: str,
        registry_host: str,
        registry_username: str,
        registry_password: str,
        repository_name: str,
        image_tag: str,
    ) -> Any:
        """As :meth:`model_version_export`, as an image for SageMaker (Domino >= 4.2.0)."""
        self.requires_at_least(MIN_SAGEMAKER_EXPORT)
        return self._export(
            "exportImageForSagemaker",
            model_id,
            model_version_id,
            registryUrl=registry_host,
            username=registry_username,
            password=registry_password,
            repository=repository_name,
            tag=image_tag,
        )

    def model_version_export_status(self, model_export_id: str) -> Any:
        """``{"exportId", "status", ...}`` of an export."""
        nonempty(model_export_id, "model_export_id")
        return self._get(self._routes.model_export(model_export_id, "getExportImageStatus"))

    def model_version_export_logs(self, model_export_id: str) -> Any:
        """The logs of an export."""
        nonempty(model_export_id, "model_export_id")
        return self._get(self._routes.model_export(model_export_id, "getExportLogs"))

    # ------------------------------------------------------------------ legacy endpoint

    def endpoint_state(self) -> Any:
        """State of the project's legacy model API endpoint (``{"isPublished", ...}``)."""
        return self._get(self._routes.endpoint() + "/state")

    def endpoint_unpublish(self) -> requests.Response:
        """Stop serving the project's legacy model API endpoint; the raw response."""
        return self._http.delete(self._routes.endpoint())

    @renamed_kwargs(commitId="commit_id")
    def endpoint_publish(
        self, file: str, function: str, commit_id: str | None = None
    ) -> requests.Response:
        """Serve ``function`` of ``file`` (at ``commit_id``, default the head) as the
        project's legacy model API endpoint; the raw response."""
        nonempty(file, "file")
        nonempty(function, "function")
        body = {"commitId": commit_id, "bindingDefinition": {"file": file, "function": function}}
        return self._http.post(self._routes.endpoint() + "/publishRelease", json=body)
