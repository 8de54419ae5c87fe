"""Project files as immutable commits over content-addressed blobs (no HTTP here).

A commit is a full tree ``{path: [blob key, size, lastModified ms]}``; every change (an upload,
the results of an execution) writes a new commit whose parent is the current head, and the new
commit becomes the head. Old commits never change, so files can be listed and downloaded on any
of them.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from domino.server.blobs import BlobStore, is_blob_key
from domino.server.store import InvalidInput, NotFound, Store, now_ms

Entry = tuple[str, int, int]  # blob key, size, lastModified (epoch ms)
Tree = dict[str, Entry]

# What Linux filesystems (ext4, xfs, tmpfs) allow for one file or folder name.
MAX_NAME_BYTES = 255
# Limits every stored path keeps so that it can always be created again under a working
# directory (Linux refuses paths longer than 4,096 bytes; this leaves room for the data dir).
MAX_PATH_BYTES = 1024
MAX_PATH_DEPTH = 64


def _head_tx(tx: sqlite3.Connection, project_id: str) -> str:
    """The project's head commit id, read inside ``tx``; NotFound for an unknown project."""
    row = tx.execute("SELECT head_commit FROM projects WHERE id = ?", (project_id,)).fetchone()
    if row is None:
        raise NotFound(f"project {project_id} not found")
    return str(row["head_commit"])


def validate_path(raw: str, *, allow_root: bool = False) -> str:
    """Turn a client path (``/a/b.txt``, ``a/b.txt``) into a clean relative path or raise 400.

    One leading slash is what clients send; anything still absolute after removing it, any
    ``.``/``..`` or empty segment, a NUL byte or a backslash is refused.
    """
    path = raw[1:] if raw.startswith("/") else raw
    if allow_root and path in ("", "/"):
        return ""
    if "\x00" in path:
        raise InvalidInput("invalid path: contains a NUL byte")
    if path.startswith("/"):
        raise InvalidInput(f"invalid path {raw!r}: must be relative to the project root")
    if path.endswith("/") and allow_root:
        path = path[:-1]
    segments = path.split("/")
    if not path or any(seg in ("", ".", "..") for seg in segments):
        raise InvalidInput(f"invalid path {raw!r}: empty, '.' or '..' segments are not allowed")
    if "\\" in path:
        raise InvalidInput(f"invalid path {raw!r}: backslashes are not allowed")
    problem = path_limit_problem(path)
    if problem:
        raise InvalidInput(f"invalid path {raw[:80]!r}: {problem}")
    # A name the filesystem refuses could be committed but never materialised for a run or app.
    for seg in segments:
        if len(seg.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
            raise InvalidInput(
                f"invalid path {raw[:80]!r}...: a name is longer than {MAX_NAME_BYTES} bytes"
            )
    return path


def path_limit_problem(path: str) -> str | None:
    """Why a clean relative ``a/b/c`` path exceeds what the server can materialise, or None."""
    if path.count("/") + 1 > MAX_PATH_DEPTH:
        return f"more than {MAX_PATH_DEPTH} levels deep"
    if len(path.encode("utf-8", "surrogatepass")) > MAX_PATH_BYTES:
        return f"longer than {MAX_PATH_BYTES} bytes"
    return None


def _new_commit_id(project_id: str, parent: str | None, tree_json: str) -> str:
    # A nonce keeps ids unique even when two commits carry identical trees.
    material = f"{project_id}\n{parent}\n{tree_json}\n{secrets.token_hex(8)}"
    return hashlib.sha1(material.encode("utf-8")).hexdigest()  # noqa: S324 - an id, not security


def _dump_tree(tree: Mapping[str, Entry]) -> str:
    return json.dumps({p: list(e) for p, e in sorted(tree.items())}, separators=(",", ":"))


def _load_tree(text: str) -> Tree:
    return {p: (e[0], int(e[1]), int(e[2])) for p, e in json.loads(text).items()}


class Repo:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.blobs = BlobStore(store.data_dir / "blobs", store.temp_dir())

    # -- commits -------------------------------------------------------------------------------

    def insert_commit(
        self,
        tx: sqlite3.Connection,
        project_id: str,
        parent: str | None,
        tree: Mapping[str, Entry],
        message: str,
    ) -> str:
        """Write a commit inside ``tx`` and make it the project's head."""
        tree_json = _dump_tree(tree)
        commit_id = _new_commit_id(project_id, parent, tree_json)
        tx.execute(
            "INSERT INTO commits (id, project_id, parent_id, created, message, tree)"
            " VALUES (?,?,?,?,?,?)",
            (commit_id, project_id, parent, now_ms(), message, tree_json),
        )
        tx.executemany(
            "INSERT OR IGNORE INTO project_blobs (project_id, blob_key) VALUES (?,?)",
            {(project_id, e[0]) for e in tree.values()},
        )
        tx.execute("UPDATE projects SET head_commit = ? WHERE id = ?", (commit_id, project_id))
        return commit_id

    def head(self, project_id: str) -> str:
        row = self.store.query_one("SELECT head_commit FROM projects WHERE id = ?", (project_id,))
        if row is None:
            raise NotFound(f"project {project_id} not found")
        return str(row["head_commit"])

    def list_commits(self, project_id: str) -> list[str]:
        rows = self.store.query(
            "SELECT id FROM commits WHERE project_id = ? ORDER BY seq DESC", (project_id,)
        )
        return [r["id"] for r in rows]

    def has_commit(self, project_id: str, commit_id: str) -> bool:
        return (
            self.store.query_one(
                "SELECT 1 AS ok FROM commits WHERE id = ? AND project_id = ?",
                (commit_id, project_id),
            )
            is not None
        )

    def tree(self, project_id: str, commit_id: str) -> Tree:
        row = self.store.query_one(
            "SELECT tree FROM commits WHERE id = ? AND project_id = ?", (commit_id, project_id)
        )
        if row is None:
            raise NotFound(f"commit {commit_id!r} not found in this project")
        return _load_tree(row["tree"])

    def _tree_tx(self, tx: sqlite3.Connection, commit_id: str) -> Tree:
        row = tx.execute("SELECT tree FROM commits WHERE id = ?", (commit_id,)).fetchone()
        return _load_tree(row["tree"]) if row else {}

    # -- changes -------------------------------------------------------------------------------

    def put_file(self, project_id: str, path: str, chunks: Iterable[bytes]) -> tuple[str, Entry]:
        """Store a file's content and commit it at ``path``; returns (new commit id, entry)."""
        key, size = self.blobs.put_chunks(chunks)
        return self.commit_blob(project_id, path, key, size)

    def commit_blob(self, project_id: str, path: str, key: str, size: int) -> tuple[str, Entry]:
        """Commit an already stored blob at ``path``; returns (new commit id, entry)."""
        entry: Entry = (key, size, now_ms())
        with self.store.transaction() as tx:
            head = _head_tx(tx, project_id)
            tree = self._tree_tx(tx, head)
            for existing in tree:
                if existing.startswith(path + "/") or path.startswith(existing + "/"):
                    raise InvalidInput(
                        f"invalid path {path!r}: conflicts with existing file {existing!r}"
                    )
            tree[path] = entry
            commit_id = self.insert_commit(tx, project_id, head, tree, f"Upload {path}")
        return commit_id, entry

    def apply_changes(
        self,
        project_id: str,
        changes: Mapping[str, Entry | None],
        message: str,
    ) -> str:
        """Apply ``changes`` (path → entry, or None to delete) on top of the current head.

        Changes are applied to the head rather than to the commit they were computed against,
        so an upload made while a job ran is kept.
        """
        with self.store.transaction() as tx:
            head = _head_tx(tx, project_id)
            tree = self._tree_tx(tx, head)
            for path, entry in changes.items():
                if entry is None:
                    tree.pop(path, None)
                else:
                    # A file replacing a directory (or the reverse) wins over the older layout.
                    for other in [p for p in tree if p.startswith(path + "/")]:
                        del tree[other]
                    parts = path.split("/")
                    for i in range(1, len(parts)):
                        tree.pop("/".join(parts[:i]), None)
                    tree[path] = entry
            return self.insert_commit(tx, project_id, head, tree, message)

    # -- reading -------------------------------------------------------------------------------

    def list_files(self, project_id: str, commit_id: str, prefix: str) -> list[tuple[str, Entry]]:
        """Files of ``commit_id`` under directory ``prefix`` ("" = all), or the file itself."""
        tree = self.tree(project_id, commit_id)
        if not prefix:
            return sorted(tree.items())
        if prefix in tree:
            return [(prefix, tree[prefix])]
        under = prefix + "/"
        return sorted((p, e) for p, e in tree.items() if p.startswith(under))

    def file_entry(self, project_id: str, commit_id: str, path: str) -> Entry:
        tree = self.tree(project_id, commit_id)
        entry = tree.get(path)
        if entry is None:
            raise NotFound(f"file {path!r} not found in commit {commit_id}")
        return entry

    def project_has_blob(self, project_id: str, key: str) -> bool:
        if not is_blob_key(key):
            return False
        row = self.store.query_one(
            "SELECT 1 AS ok FROM project_blobs WHERE project_id = ? AND blob_key = ?",
            (project_id, key),
        )
        return row is not None and self.blobs.exists(key)

    def describe(self, path: str, entry: Entry, blob_url: str) -> dict[str, Any]:
        key, size, modified = entry
        return {"path": path, "key": key, "url": blob_url, "size": size, "lastModified": modified}
