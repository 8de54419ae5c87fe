"""Datasets: the legacy ``/dataset`` API and the chunked upload (domino-api.md §13)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

import requests

from domino import exceptions
from domino._base import ClientBase, given_id, require
from domino._types import DatasetSummary

__all__ = ["DatasetsMixin"]

logger = logging.getLogger(__name__)


class DatasetsMixin(ClientBase):
    def datasets_list(self, project_id: str | None = None) -> list[DatasetSummary]:
        """Datasets visible to the caller, or of one project: ``[{"datasetId", "datasetName",
        "projectId"}, ...]``."""
        params = None if project_id is None else {"projectId": project_id}
        datasets: list[DatasetSummary] = self._get(self._routes.datasets(), params=params)
        return datasets

    def datasets_ids(self, project_id: str | None) -> list[str]:
        """Ids of :meth:`datasets_list`."""
        where = f"GET {self._routes.datasets()}"
        return [require(d, "datasetId", where) for d in self.datasets_list(project_id)]

    def datasets_names(self, project_id: str | None) -> list[str]:
        """Names of :meth:`datasets_list`."""
        where = f"GET {self._routes.datasets()}"
        return [require(d, "datasetName", where) for d in self.datasets_list(project_id)]

    def datasets_details(self, dataset_id: str) -> dict[str, Any]:
        """One dataset (``datasetName``, ``description``, ``projectId``, ``created`` ...)."""
        details: dict[str, Any] = self._get(
            self._routes.dataset(given_id(dataset_id, "dataset_id"))
        )
        return details

    def _require_unique_name(self, dataset_name: str) -> None:
        if dataset_name in self.datasets_names(self.project_id):
            raise exceptions.DatasetExistsException(
                f"Dataset Name must be Unique: project {self._owner_username}/"
                f"{self._project_name} already has a dataset named {dataset_name!r}"
            )

    def datasets_create(self, dataset_name: str, dataset_description: str) -> dict[str, Any]:
        """Create a dataset in this project; :class:`DatasetExistsException` if the name is
        taken.

        Example::

            ds = domino.datasets_create("features", "engineered features")
            domino.datasets_upload_files(ds["datasetId"], "features/")
        """
        self._require_unique_name(dataset_name)
        body = {
            "datasetName": dataset_name,
            "description": dataset_description,
            "projectId": self.project_id,
        }
        created: dict[str, Any] = self._http.json("POST", self._routes.datasets(), json=body)
        return created

    def datasets_update_details(
        self,
        dataset_id: str,
        dataset_name: str | None = None,
        dataset_description: str | None = None,
    ) -> dict[str, Any]:
        """Rename and/or re-describe a dataset; returns its details afterwards."""
        given_id(dataset_id, "dataset_id")
        body: dict[str, str] = {}
        if dataset_name:
            self._require_unique_name(dataset_name)
            body["datasetName"] = dataset_name
        if dataset_description:
            body["description"] = dataset_description
        self._http.patch(self._routes.dataset(dataset_id), json=body)
        return self.datasets_details(dataset_id)

    def datasets_remove(self, dataset_ids: Iterable[str]) -> list[requests.Response]:
        """Delete datasets of this project; returns one raw response per id.

        Every id is checked first, so an unknown id raises
        :class:`~domino.exceptions.DatasetNotFoundException` before anything is deleted
        (the public client deleted the ids before the bad one).
        """
        ids = [dataset_ids] if isinstance(dataset_ids, str) else list(dataset_ids)
        known = set(self.datasets_ids(self.project_id))
        missing = [dataset_id for dataset_id in ids if dataset_id not in known]
        if missing:
            raise exceptions.DatasetNotFoundException(
                f"Dataset with id {', '.join(missing)} does not exist in project "
                f"{self._owner_username}/{self._project_name}"
            )
        return [self._http.delete(self._routes.dataset(dataset_id)) for dataset_id in ids]

    def datasets_upload_files(
        self,
        dataset_id: str,
        local_path_to_file_or_directory: str | os.PathLike[str],
        file_upload_setting: str | None = None,
        max_workers: int | None = None,
        target_chunk_size: int | None = None,
        target_relative_path: str | None = None,
        *,
        resume: bool = False,
        progress: bool | Callable[..., None] | None = None,
    ) -> str:
        """Upload a file or directory into the dataset's read-write snapshot.

        ``file_upload_setting`` resolves name clashes: ``"Ignore"`` (default) keeps existing
        files, ``"Overwrite"`` replaces them, ``"Rename"`` stores the new file with ``_<n>``
        appended. Returns the uploaded path relative to the working directory, as the public
        client does.
        """
        # deferred: the upload engine (threads, hashing, progress display) is not needed
        # by ``import domino``
        from domino import _upload

        return _upload.upload_files(
            self._http,
            dataset_id,
            local_path_to_file_or_directory,
            file_upload_setting=file_upload_setting,
            max_workers=max_workers,
            target_chunk_size=target_chunk_size,
            target_relative_path=target_relative_path,
            resume=resume,
            progress=progress,
        )
