"""What the user sees while an upload runs: a tqdm bar, a callback, or nothing."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, NamedTuple

__all__ = ["ProgressReporter", "UploadProgress", "make_reporter"]


class UploadProgress(NamedTuple):
    """One progress event. Totals grow while the local tree is still being walked."""

    bytes_done: int
    bytes_total: int
    files_done: int
    files_total: int


class ProgressReporter:
    """Silent reporter; the base of the others."""

    def update(self, event: UploadProgress, *, final_totals: bool) -> None:
        pass

    def close(self) -> None:
        pass


class _CallbackReporter(ProgressReporter):
    def __init__(self, callback: Callable[[UploadProgress], Any]) -> None:
        self._callback = callback
        self._last: UploadProgress | None = None

    def update(self, event: UploadProgress, *, final_totals: bool) -> None:
        if event != self._last:
            self._last = event
            self._callback(event)


class _BarReporter(ProgressReporter):
    def __init__(self, description: str) -> None:
        from tqdm.auto import tqdm  # imported here: tqdm is only needed when a bar is shown

        self._bar = tqdm(
            total=0,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc=description,
            file=sys.stderr,
            dynamic_ncols=True,
            leave=True,
        )
        self._done = 0
        self._files = (-1, -1)

    def update(self, event: UploadProgress, *, final_totals: bool) -> None:
        bar = self._bar
        if bar.total != event.bytes_total:
            bar.total = event.bytes_total
        if (event.files_done, event.files_total) != self._files:
            self._files = (event.files_done, event.files_total)
            more = "" if final_totals else "+"
            bar.set_postfix_str(f"{event.files_done}/{event.files_total}{more} files", False)
        if event.bytes_done > self._done:
            bar.update(event.bytes_done - self._done)
            self._done = event.bytes_done
        else:
            bar.refresh()

    def close(self) -> None:
        self._bar.close()


def make_reporter(progress: bool | Callable[..., Any] | None, description: str) -> ProgressReporter:
    """``None``: a bar when stderr is a terminal; ``True``: a bar; callable: events; else none."""
    if callable(progress):
        return _CallbackReporter(progress)
    if progress is None:
        isatty = getattr(sys.stderr, "isatty", None)
        progress = bool(isatty and isatty())
    if progress:
        return _BarReporter(description)
    return ProgressReporter()
