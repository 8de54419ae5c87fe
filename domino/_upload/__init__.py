"""Dataset upload engine behind ``Domino.datasets_upload_files`` (wire protocol: §13.2).

Compared with the public client it keeps the requests and the return value, and:

* sends every file under a path relative to the uploaded folder's parent, whatever the working
  directory, with an identifier unique to the file (no silent skipping of look-alike files);
* streams: a producer walks the tree lazily into a bounded queue, each worker reads one chunk
  at a time straight into its request body, so memory is about ``max_workers × chunk size``;
* skips the per-chunk test request on a fresh session and uses it only to resume;
* retries only what can succeed later (connection errors, timeouts, 408/429/500/502/503/504)
  with backoff, jitter and a deadline; any other refusal stops the upload at once with the
  server's message, the session is cancelled and :class:`~domino.exceptions.DatasetUploadError`
  raised — a failed End included;
* resumes: an interrupted upload (Ctrl-C, crash, lost network) continues where it stopped when
  called again with the same arguments, sending only the chunks the server lacks;
* shows a progress bar on a terminal (or calls ``progress(event)``), and returns a ``str``
  carrying a ``.summary`` of what was done.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from domino.exceptions import InvalidArgumentError

from . import _engine
from ._engine import UploadSummary
from ._paths import (
    check_chunk_size,
    check_collision_setting,
    check_max_workers,
    check_target_path,
    public_return_path,
    resolve_root,
)
from ._progress import UploadProgress, make_reporter
from ._state import ResumeState, state_path

if TYPE_CHECKING:
    from domino._http import HttpClient

__all__ = ["UploadProgress", "UploadResult", "UploadSummary", "upload_files"]

logger = logging.getLogger(__name__)


class UploadResult(str):
    """The public client's return value (the local path as given, relative to the working
    directory, ``/``-separated), plus ``summary``: an :class:`UploadSummary`."""

    summary: UploadSummary

    def __new__(cls, value: str, summary: UploadSummary) -> UploadResult:
        self = super().__new__(cls, value)
        self.summary = summary
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickles (and copies) as the plain string callers of the public client expect.
        return (str, (str(self),))


def upload_files(
    http: HttpClient,
    dataset_id: str,
    local_path: str | os.PathLike[str],
    *,
    file_upload_setting: str | None = None,
    max_workers: int | None = None,
    target_chunk_size: int | None = None,
    target_relative_path: str | None = None,
    resume: bool = False,
    progress: bool | Callable[..., Any] | None = None,
) -> str:
    """Upload a file or a folder into dataset ``dataset_id``.

    Args:
        http: the client's :class:`domino._http.HttpClient`.
        dataset_id: the dataset to upload into.
        local_path: a file (uploaded under its name) or a folder (uploaded as
            ``<folder name>/<path inside>``).
        file_upload_setting: what to do when a file already exists in the dataset:
            ``"Ignore"`` (default: keep the existing one), ``"Overwrite"`` or ``"Rename"``.
        max_workers: parallel chunk uploads (default 10).
        target_chunk_size: chunk size in bytes (default 8 MiB).
        target_relative_path: folder of the dataset to upload into (it must exist).
        resume: an interrupted upload of the same path with the same settings is always
            resumed; ``True`` only makes "nothing to resume" worth an INFO line.
        progress: ``None`` shows a bar when stderr is a terminal, ``True`` always, ``False``
            never; a callable receives :class:`UploadProgress` events instead.

    Returns:
        The local path relative to the working directory (as the public client returned),
        as an :class:`UploadResult` whose ``summary`` tells files, bytes sent and skipped,
        retries and duration.

    Raises:
        ValueError: a bad setting, a bad target path, or a missing local path (raised before
            any request is made).
        DatasetUploadError: the upload failed; the session was cancelled.
        KeyboardInterrupt: re-raised after stopping; calling again resumes the upload.
    """
    if not isinstance(dataset_id, str) or not dataset_id.strip():
        raise InvalidArgumentError(f"dataset_id must be a dataset id, got {dataset_id!r}")
    setting = check_collision_setting(file_upload_setting)
    workers = check_max_workers(max_workers)
    chunk_size = check_chunk_size(target_chunk_size)
    target = check_target_path(target_relative_path)
    root = resolve_root(local_path)
    returned = public_return_path(os.fspath(local_path))

    header = {
        "host": http.host,
        "dataset_id": dataset_id,
        "root": root.path,
        "setting": setting,
        "target": target,
        "chunk_size": chunk_size,
    }
    state = ResumeState(
        state_path(
            http.host, dataset_id, root.path, setting=setting, target=target, chunk_size=chunk_size
        ),
        header,
    )
    logger.info(
        "Uploading %s to dataset %s (existing files: %s, %d workers, %d-byte chunks)",
        root.path,
        dataset_id,
        setting,
        workers,
        chunk_size,
    )
    engine = _engine.UploadEngine(
        http,
        dataset_id,
        root,
        setting=setting,
        max_workers=workers,
        chunk_size=chunk_size,
        target=target,
        state=state,
        reporter=make_reporter(progress, os.path.basename(root.path) or root.path),
        retry_deadline=_engine.DEFAULT_RETRY_DEADLINE,
    )
    summary = engine.run(resume=resume)
    logger.info("Uploaded %s to dataset %s: %s", root.path, dataset_id, summary)
    return UploadResult(returned, summary)
