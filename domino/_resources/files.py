"""Project files, commits and blobs (domino-api.md §9)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import IO, Any

import requests

from domino import exceptions
from domino._base import ClientBase, require
from domino._compat import renamed_kwargs, warn_deprecated
from domino.exceptions import InvalidArgumentError

__all__ = ["FilesMixin", "commit_id_of"]

_BLOB_KEY = re.compile(r"^\w{40}$")


def commit_id_of(entry: Any) -> str:
    """A commit id from a ``commits_list`` element: a plain id or an ``{"id": ...}`` object."""
    if isinstance(entry, Mapping):
        return str(require(entry, "id", "commits list"))
    return str(entry)


def _check_path(path: Any) -> None:
    if not isinstance(path, str) or not path:
        raise InvalidArgumentError(f"path must be a file path inside the project, got {path!r}")


class FilesMixin(ClientBase):
    def commits_list(self) -> list[Any]:
        """The project's commits, newest first (plain ids or ``{"id": ...}`` objects)."""
        commits: list[Any] = self._get(self._routes.commits())
        return commits

    @renamed_kwargs(commitId="commit_id")
    def files_list(self, commit_id: str, path: str = "/") -> dict[str, Any]:
        """Files of a commit below ``path``: ``{"data": [{"path", "key", "url", "size"}...]}``."""
        listing: dict[str, Any] = self._get(self._routes.files_list(commit_id, path))
        return listing

    def files_upload(self, path: str, file: IO[bytes] | IO[str] | bytes | str) -> requests.Response:
        """Upload ``file`` (file object or bytes) to ``path`` in the project; raw response (201).

        Example::

            with open("data.csv", "rb") as fh:
                domino.files_upload("/data/data.csv", fh)
        """
        _check_path(path)
        if not path.startswith("/"):
            path = "/" + path
        return self._http.put(self._routes.files_upload(path), data=file)

    def blobs_get(self, key: str) -> Any:
        """Deprecated: the content of a blob by its 40-character key, as a raw stream.

        Use :meth:`blobs_get_v2` or :meth:`files_download`. Raises
        :class:`~domino.exceptions.MalformedInputException` for a malformed key.
        """
        warn_deprecated(
            "blobs_get is deprecated and will be removed; use blobs_get_v2(path, commit_id, "
            "project_id) or files_download(path)"
        )
        if not isinstance(key, str) or not _BLOB_KEY.match(key):
            raise exceptions.MalformedInputException(
                f"Blob key should be 40 alphanumeric characters, got {key!r}. Perhaps you passed "
                "a file path by accident? Use files_list to find a file's blob key, or "
                "files_download to fetch a file by path."
            )
        return self._http.get(self._routes.blob(key), stream=True).raw

    def blobs_get_v2(self, path: str, commit_id: str, project_id: str) -> Any:
        """The content of ``path`` at ``commit_id`` in any project, as a raw stream.

        ``path`` must be normalised (no ``a//b``, ``./a``, ``a/../b`` or trailing ``/``), else
        :class:`~domino.exceptions.MalformedInputException`.
        """
        _check_path(path)
        if os.path.normpath(path) != path:
            raise exceptions.MalformedInputException(
                f"Path should be normalized and cannot contain '..' or '../': got {path!r}, "
                f"normalized form is {os.path.normpath(path)!r}"
            )
        return self._http.get(self._routes.blob_v2(path, commit_id, project_id), stream=True).raw

    def files_download(self, path: str, commit_id: str | None = None) -> Any:
        """The content of ``path`` in this project (default: latest commit), as a raw stream.

        Example::

            data = domino.files_download("/results/out.csv").read()
        """
        if commit_id is None:
            commits = self.commits_list()
            if not commits:
                raise InvalidArgumentError(
                    "Project has no commits; cannot resolve latest commit. "
                    "Pass commit_id explicitly."
                )
            commit_id = commit_id_of(commits[0])
        return self.blobs_get_v2(path, commit_id, self.project_id)
