"""Private members of the public client that user code and test suites call directly
(domino-api-2x.md §3.8). Each keeps the public name, arguments and outcome."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from typing import Any

import requests

from domino import _config, exceptions
from domino._base import ClientBase, expect_dict, expect_list
from domino._resources.files import commit_id_of
from domino._validation import tier_id_value

__all__ = ["PrivateHelpersMixin"]

_BLOB_KEY = re.compile(r"\w{40}")
_STORAGE_UNITS = ("GiB", "MB")


class PrivateHelpersMixin(ClientBase):
    _csrf_no_check_header = {"Csrf-Token": "nocheck"}

    def _app_create(self, name: str = "") -> str:  # implemented by AppsMixin
        raise NotImplementedError

    def _configure_logging(self) -> None:
        """Apply ``DOMINO_LOG_LEVEL`` to the ``domino`` logger (never ``basicConfig``)."""
        _config.configure_logging()
        self._logger = logging.getLogger("domino.domino")

    def _put_file(self, url: str, file: Any) -> requests.Response:
        """``PUT url`` with ``file`` as the body; the raw response."""
        return self._http.put(url, data=file)

    def _Domino__app_create(self, name: str = "", hardware_tier_id: str | None = None) -> str:  # noqa: N802
        """The public client's name-mangled app creation (``hardware_tier_id`` is not sent,
        as upstream: the tier is chosen when the app starts)."""
        return self._app_create(name)

    # ------------------------------------------------------------------ datasets

    def _dataset_remove(self, dataset_id: str) -> requests.Response:
        """Delete one dataset of this project; the raw response.

        :class:`~domino.exceptions.DatasetNotFoundException` if the project has no such dataset.
        """
        where = f"GET {self._routes.datasets()}"
        listing = self._get(self._routes.datasets(), params={"projectId": self.project_id})
        ids = {expect_dict(d, where).get("datasetId") for d in expect_list(listing or [], where)}
        if dataset_id not in ids:
            raise exceptions.DatasetNotFoundException(
                f"Dataset with id {dataset_id} does not exist"
            )
        return self._http.delete(self._routes.dataset(dataset_id))

    # ------------------------------------------------------------------ validators

    def _tiers(self) -> list[dict[str, Any]]:
        path = self._routes.hardware_tiers(self.project_id)
        entries = expect_list(self._get(path) or [], f"GET {path}")
        return [(entry or {}).get("hardwareTier") or {} for entry in entries]

    def _validate_hardware_tier_id(self, hardware_tier_id: str | dict[str, Any]) -> bool:
        """``True`` if the project has the tier (an id or ``{"value": id}``), else
        :class:`~domino.exceptions.HardwareTierNotFoundException`."""
        tier_id = tier_id_value(hardware_tier_id)
        if any(tier.get("id") == tier_id for tier in self._tiers()):
            return True
        raise exceptions.HardwareTierNotFoundException(f"{tier_id} hardware tier Id not found")

    def _validate_hardware_tier_name(self, hardware_tier_name: str) -> bool:
        """``True`` if exactly one of the project's tiers has this name."""
        matches = [t for t in self._tiers() if t.get("name") == hardware_tier_name]
        if not matches:
            raise exceptions.HardwareTierNotFoundException(
                f"{hardware_tier_name} hardware tier name not found"
            )
        if len(matches) > 1:
            raise exceptions.HardwareTierNotFoundException(
                f"{hardware_tier_name} hardware tier name has more than one match"
            )
        return True

    def _validate_commit_id(self, commit_id: str) -> bool:
        """``True`` if the project has the commit, else
        :class:`~domino.exceptions.CommitNotFoundException`."""
        if any(commit_id_of(commit) == commit_id for commit in self.commits_list() or []):
            return True
        raise exceptions.CommitNotFoundException(f"{commit_id} commit Id not found")

    @staticmethod
    def _validate_blob_key(key: str) -> bool:
        if not isinstance(key, str) or not _BLOB_KEY.fullmatch(key):
            raise exceptions.MalformedInputException(
                "Blob key should be 40 alphanumeric characters. Perhaps you passed a file path "
                f"on accident? Got {key!r}"
            )
        return True

    @staticmethod
    def _validate_blob_path(path: str) -> bool:
        if not isinstance(path, str) or os.path.normpath(path) != path:
            raise exceptions.MalformedInputException(
                f"Path should be normalized and cannot contain '..' or '../'. Got {path!r}"
            )
        return True

    @staticmethod
    def _validate_information_data_type(info: Mapping[str, Any]) -> bool:
        if (
            not isinstance(info, Mapping)
            or info.get("unit") not in _STORAGE_UNITS
            or ("value" not in info)
        ):
            raise exceptions.MalformedInputException(
                "Information value is formatted incorrectly. Allowed units: GiB, MB Example: "
                f"{{ 'unit': 'GiB', 'value': 5 }} (got {info!r})"
            )
        return True
