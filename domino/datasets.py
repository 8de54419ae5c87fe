"""The public client's dataset upload names, over this package's resumable upload engine.

``Uploader(...).upload()`` uploads a file or directory into a dataset's read-write snapshot
exactly as :meth:`domino.Domino.datasets_upload_files` does (which is what most code should
call); ``UploadChunk`` describes one chunk of the wire protocol.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

__all__ = [
    "FILE_UPLOAD_SETTING_DEFAULT",
    "MAX_UPLOAD_ATTEMPTS",
    "MAX_WORKERS",
    "MB",
    "SLEEP_TIME_IN_SEC",
    "UPLOAD_READ_TIMEOUT_IN_SEC",
    "UploadChunk",
    "Uploader",
]

FILE_UPLOAD_SETTING_DEFAULT = "Ignore"
MAX_WORKERS = 10
MAX_UPLOAD_ATTEMPTS = 10
MB = 2**20
SLEEP_TIME_IN_SEC = 3
UPLOAD_READ_TIMEOUT_IN_SEC = 30


@dataclass
class UploadChunk:
    """One chunk of one file of an upload session (field order as the public client)."""

    absolute_path: str
    chunk_number: int
    dataset_id: str
    file_name: str
    file_size: int
    upload_key: str
    identifier: str
    relative_path: str
    target_chunk_size: int
    total_chunks: int


class Uploader:
    """Uploads ``local_path_to_file_or_directory`` into ``dataset_id``.

    ``request_manager`` is a client's ``request_manager`` (``Domino(...).request_manager``).
    ``csrf_no_check_header``, ``log`` and ``routes`` are accepted for compatibility; the
    engine uses the client's own. As a context manager it does nothing extra: the engine
    opens and closes (or cancels) the upload session inside :meth:`upload`.
    """

    def __init__(
        self,
        csrf_no_check_header: dict[str, str] | None,
        dataset_id: str,
        local_path_to_file_or_directory: str | os.PathLike[str],
        log: logging.Logger | None,
        request_manager: Any,
        routes: Any,
        target_relative_path: str | None,
        file_upload_setting: str | None,
        max_workers: int | None,
        target_chunk_size: int | None,
        interrupted: bool = False,
    ) -> None:
        self.csrf_no_check_header = csrf_no_check_header
        self.dataset_id = dataset_id
        self.local_path_to_file_or_directory = local_path_to_file_or_directory
        self.log = log or logging.getLogger("domino.datasets")
        self.request_manager = request_manager
        self.routes = routes
        self.target_relative_path = target_relative_path
        self.file_upload_setting = file_upload_setting
        self.max_workers = max_workers
        self.target_chunk_size = target_chunk_size
        self.interrupted = interrupted

    def __enter__(self) -> Uploader:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def upload(self) -> str:
        """Upload; returns the local path relative to the working directory."""
        from domino import _upload  # deferred: threads, hashing, progress display

        return _upload.upload_files(
            self.request_manager,
            self.dataset_id,
            self.local_path_to_file_or_directory,
            file_upload_setting=self.file_upload_setting,
            max_workers=self.max_workers,
            target_chunk_size=self.target_chunk_size,
            target_relative_path=self.target_relative_path,
        )
