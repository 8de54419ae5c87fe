"""Paths a dataset upload names (§13.2): ``resumableRelativePath`` and ``targetRelativePath``
made safe, or a 400 naming what is wrong with them."""

from __future__ import annotations

from domino.server.errors import ApiError
from domino.server.repo import MAX_NAME_BYTES, path_limit_problem

__all__ = ["clean_path", "file_path"]


def file_path(value: str) -> str:
    """``resumableRelativePath`` made safe: lexically resolved, leading ``..`` dropped.

    The public client sends paths relative to its working directory, so a folder uploaded
    from elsewhere arrives as ``../../data/a.csv``. Refusing it would send that client into
    25 minutes of retries; resolving ``..`` and dropping what would climb out of the dataset
    (giving ``data/a.csv``) can never write outside it. Backslashes are separators: clients
    before 1.4.2 send Windows paths as they are, and a name like ``..\\x`` must not survive
    to be read as a path by whoever later syncs the dataset to Windows.
    """
    if value.startswith("/") or value.startswith("\\") or (len(value) > 1 and value[1] == ":"):
        raise ApiError(400, f"resumableRelativePath {value!r} must be relative, not absolute")
    parts: list[str] = []
    for part in value.replace("\\", "/").split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return clean_path("/".join(parts), "resumableRelativePath")


def clean_path(value: str, what: str) -> str:
    """A relative ``a/b/c`` path, or a 400 naming what is wrong with it."""
    if "\x00" in value:
        raise ApiError(400, f"{what} {value!r} contains a NUL character")
    if value.startswith("/") or value.startswith("\\") or (len(value) > 1 and value[1] == ":"):
        raise ApiError(400, f"{what} {value!r} must be relative, not absolute")
    parts = [p for p in value.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ApiError(400, f"{what} {value!r} must not contain '..'")
    if not parts:
        raise ApiError(400, f"{what} {value!r} is empty")
    for part in parts:
        if len(part.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
            raise ApiError(
                400, f"{what} {value[:80]!r}...: a name is longer than {MAX_NAME_BYTES} bytes"
            )
    joined = "/".join(parts)
    problem = path_limit_problem(joined)
    if problem:
        raise ApiError(400, f"{what} {value[:80]!r}...: {problem}")
    return joined
