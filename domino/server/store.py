"""Durable server state: one SQLite database (WAL mode) plus files under ``data_dir``.

The store knows nothing of HTTP. Every thread gets its own SQLite connection (FastAPI runs sync
endpoints in a thread pool and the runner has worker threads); writes go through
:meth:`Store.transaction`, which takes the write lock up front (``BEGIN IMMEDIATE``) so that a
read-modify-write sequence can never interleave with another writer.

Layout of ``data_dir``::

    domino.sqlite3        all rows (users, projects, commits, executions, datasets, apps, ...)
    blobs/ab/cdef...      content-addressed file contents (sha1 of the bytes)
    datasets/<id>/files   dataset contents
    executions/<id>/      working directory and log of one execution
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from domino.server import keys

log = logging.getLogger(__name__)

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS users (
        id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, email TEXT NOT NULL,
        is_admin INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS credentials (
        hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
        kind TEXT NOT NULL, created INTEGER NOT NULL, execution_id TEXT)""",
    "CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS projects (
        id TEXT PRIMARY KEY, owner_id TEXT NOT NULL REFERENCES users(id), name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '', visibility TEXT NOT NULL DEFAULT 'Private',
        head_commit TEXT NOT NULL, created INTEGER NOT NULL, UNIQUE(owner_id, name))""",
    """CREATE TABLE IF NOT EXISTS collaborators (
        project_id TEXT NOT NULL REFERENCES projects(id),
        user_id TEXT NOT NULL REFERENCES users(id), role TEXT NOT NULL,
        PRIMARY KEY(project_id, user_id))""",
    """CREATE TABLE IF NOT EXISTS tags (
        id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created INTEGER NOT NULL,
        last_added INTEGER NOT NULL, creator_id TEXT)""",
    """CREATE TABLE IF NOT EXISTS project_tags (
        project_id TEXT NOT NULL REFERENCES projects(id), tag_id TEXT NOT NULL REFERENCES tags(id),
        added INTEGER NOT NULL, PRIMARY KEY(project_id, tag_id))""",
    # A commit stores its whole tree as JSON {path: [blob key, size, lastModified ms]}: trees of
    # local projects are small and this keeps every commit immutable and self-contained.
    """CREATE TABLE IF NOT EXISTS commits (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
        project_id TEXT NOT NULL REFERENCES projects(id), parent_id TEXT,
        created INTEGER NOT NULL, message TEXT NOT NULL, tree TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS commits_by_project ON commits(project_id, seq)",
    """CREATE TABLE IF NOT EXISTS project_blobs (
        project_id TEXT NOT NULL, blob_key TEXT NOT NULL, PRIMARY KEY(project_id, blob_key))""",
    """CREATE TABLE IF NOT EXISTS executions (
        id TEXT PRIMARY KEY, project_id TEXT NOT NULL REFERENCES projects(id),
        number INTEGER NOT NULL, kind TEXT NOT NULL, starting_user_id TEXT NOT NULL,
        command TEXT NOT NULL, is_direct INTEGER NOT NULL DEFAULT 0, title TEXT,
        hardware_tier_id TEXT NOT NULL, environment_id TEXT NOT NULL,
        input_commit TEXT NOT NULL, output_commit TEXT, status TEXT NOT NULL,
        queued INTEGER NOT NULL, started INTEGER, completed INTEGER, exit_code INTEGER,
        setup_log TEXT NOT NULL DEFAULT '', commit_results INTEGER NOT NULL DEFAULT 1,
        options TEXT NOT NULL DEFAULT '{}', is_archived INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX IF NOT EXISTS executions_by_project ON executions(project_id, number)",
    """CREATE TABLE IF NOT EXISTS apps (
        id TEXT PRIMARY KEY, project_id TEXT NOT NULL REFERENCES projects(id),
        name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '', status TEXT NOT NULL,
        created INTEGER NOT NULL, last_updated INTEGER NOT NULL, publisher_id TEXT NOT NULL,
        hardware_tier_id TEXT, environment_id TEXT, running_commit TEXT,
        options TEXT NOT NULL DEFAULT '{}', message TEXT NOT NULL DEFAULT '')""",
    """CREATE TABLE IF NOT EXISTS datasets (
        id TEXT PRIMARY KEY, project_id TEXT NOT NULL REFERENCES projects(id),
        name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL,
        creator_id TEXT NOT NULL, UNIQUE(project_id, name))""",
]


class InvalidInput(ValueError):
    """The request is malformed or conflicts with existing state (answered 400)."""


class NotFound(LookupError):
    """The named thing does not exist (answered 404)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "not found"


class Denied(PermissionError):
    """The caller may not do this (answered 403)."""


def now_ms() -> int:
    return int(time.time() * 1000)


def new_id() -> str:
    """A fresh 24-hex id (the shape of Domino's ObjectIds)."""
    return secrets.token_hex(12)


def is_object_id(value: str) -> bool:
    return len(value) == 24 and all(c in "0123456789abcdef" for c in value)


def hash_secret(secret: str) -> str:
    # Generated keys and tokens are 32 random bytes: a fast hash is as good as a slow one.
    # Operator-chosen keys are stored with keys.slow_hash instead.
    return keys.fast_hash(secret)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def email_for(name: str) -> str:
    return f"{name}@localhost"


def lock_data_dir(data_dir: Path) -> IO[bytes]:
    """Take ``data_dir``'s server lock (held while the returned file stays open).

    Raises RuntimeError when another server process already serves this data dir. Needs only
    the directory itself, so ``serve`` can check it before creating the database or any key.
    """
    path = Path(data_dir).resolve()
    handle = open(path / "server.lock", "ab")  # noqa: SIM115 - held until close
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise RuntimeError(f"another domino-server is already serving {path}") from None
    return handle


# Data dirs already warned about in this process (serve opens a store more than once).
_WARNED_OPEN: set[Path] = set()


class Store:
    """All durable state of one server. Thread-safe."""

    def __init__(self, data_dir: Path | str) -> None:
        self.data_dir = Path(data_dir).resolve()
        # Owner-only: it holds every user's project files, datasets and credential hashes.
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        mode = self.data_dir.stat().st_mode & 0o777
        if mode & 0o077 and self.data_dir not in _WARNED_OPEN:
            _WARNED_OPEN.add(self.data_dir)
            log.warning(
                "%s is open to other local users (mode %o); consider chmod 700", self.data_dir, mode
            )
        for sub in ("blobs", "datasets", "executions", "apps", "tmp"):
            (self.data_dir / sub).mkdir(exist_ok=True)
        self.db_path = self.data_dir / "domino.sqlite3"
        self._local = threading.local()
        self._lock = threading.Lock()
        self._conns: dict[int, tuple[threading.Thread, sqlite3.Connection]] = {}
        self._closed = False
        if not self.db_path.exists():
            # SQLite gives its -wal and -shm files the database file's mode.
            os.close(os.open(self.db_path, os.O_WRONLY | os.O_CREAT, 0o600))
        conn = self._conn()
        conn.execute("PRAGMA journal_mode=WAL")
        with self.transaction() as tx:
            for ddl in _SCHEMA:
                tx.execute(ddl)
            tx.execute(
                "INSERT OR IGNORE INTO settings (name, value) VALUES ('key_salt', ?)",
                (secrets.token_hex(16),),
            )
            salt = tx.execute("SELECT value FROM settings WHERE name = 'key_salt'").fetchone()
        self._salt = bytes.fromhex(salt["value"])
        self._slow_known = keys.SlowHashCache()

    # -- connections -------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        if self._closed:
            raise RuntimeError("store is closed")
        conn = sqlite3.connect(
            self.db_path, timeout=60.0, isolation_level=None, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=60000")
        self._local.conn = conn
        me = threading.current_thread()
        with self._lock:
            # Forget connections of threads that have ended so they can be garbage collected.
            for ident, (thread, old) in list(self._conns.items()):
                if not thread.is_alive():
                    del self._conns[ident]
                    old.close()
            self._conns[me.ident or 0] = (me, conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on any exception). Re-entrant."""
        conn = self._conn()
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return [dict(row) for row in self._conn().execute(sql, params).fetchall()]

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        row = self._conn().execute(sql, params).fetchone()
        return dict(row) if row is not None else None

    def ensure_schema(self, *ddl: str) -> None:
        """Let other modules (e.g. uploads) add their own tables idempotently."""
        with self.transaction() as tx:
            for statement in ddl:
                tx.execute(statement)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            conns = [c for _, c in self._conns.values()]
            self._conns.clear()
        for conn in conns:
            try:
                conn.close()
            except sqlite3.Error:  # pragma: no cover - closing from another thread mid-query
                pass

    def lock_for_serving(self) -> IO[bytes]:
        """Take the data dir's server lock (see :func:`lock_data_dir`)."""
        return lock_data_dir(self.data_dir)

    def clean_temp(self) -> int:
        """Remove what crashed writers left in the scratch directory (only while serving, with
        the server lock held: nobody else writes there). Returns the number of entries."""
        removed = 0
        for entry in list(self.temp_dir().iterdir()):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed += 1
        if removed:
            log.info("removed %d temporary files left by an earlier server", removed)
        return removed

    def temp_dir(self) -> Path:
        """Scratch space on the same filesystem as the data, so os.replace is atomic."""
        return self.data_dir / "tmp"

    def wipe_except_users(self) -> None:
        """Forget every project, commit, execution, app and dataset (users and keys stay)."""
        with self.transaction() as tx:
            for table in (
                "project_tags",
                "tags",
                "collaborators",
                "project_blobs",
                "commits",
                "executions",
                "apps",
                "datasets",
                "projects",
            ):
                tx.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            tx.execute("DELETE FROM credentials WHERE execution_id IS NOT NULL")
        for sub in ("datasets", "executions", "blobs", "apps"):
            shutil.rmtree(self.data_dir / sub, ignore_errors=True)
            (self.data_dir / sub).mkdir(exist_ok=True)

    # -- users and credentials ---------------------------------------------------------------

    def get_user(self, user_id: str) -> dict[str, Any] | None:
        return self.query_one("SELECT * FROM users WHERE id = ?", (user_id,))

    def get_user_by_name(self, name: str) -> dict[str, Any] | None:
        return self.query_one("SELECT * FROM users WHERE name = ?", (name,))

    def list_users(self) -> list[dict[str, Any]]:
        return self.query("SELECT * FROM users ORDER BY created, name")

    def count_users(self) -> int:
        row = self.query_one("SELECT COUNT(*) AS n FROM users")
        return int(row["n"]) if row else 0

    def ensure_user(self, name: str, *, is_admin: bool = False) -> dict[str, Any]:
        """Return the user called ``name``, creating it if needed."""
        validate_user_name(name)
        with self.transaction() as tx:
            row = tx.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
            if row is None:
                tx.execute(
                    "INSERT INTO users (id, name, email, is_admin, created) VALUES (?,?,?,?,?)",
                    (new_id(), name, email_for(name), int(is_admin), now_ms()),
                )
                row = tx.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
            return dict(row)

    def set_admin(self, name: str, is_admin: bool = True) -> dict[str, Any]:
        """Make ``name`` (created if missing) an administrator, or no longer one."""
        user = self.ensure_user(name)
        with self.transaction() as tx:
            tx.execute("UPDATE users SET is_admin = ? WHERE id = ?", (int(is_admin), user["id"]))
        return {**user, "is_admin": int(is_admin)}

    def add_credential(
        self,
        user_id: str,
        secret: str,
        kind: str = "key",
        execution_id: str | None = None,
        *,
        chosen: bool = False,
    ) -> None:
        """Store ``secret`` for ``user_id``; ``chosen`` (an operator-chosen key) stores it
        under the slow salted hash, replacing a fast-hashed copy of it."""
        fast = hash_secret(secret)
        slow = keys.slow_hash(secret, self._salt) if chosen else None
        digest = slow or fast
        with self.transaction() as tx:
            owners = tx.execute(
                "SELECT user_id FROM credentials WHERE hash IN (?, ?)", (fast, slow or fast)
            ).fetchall()
            if any(o["user_id"] != user_id for o in owners):
                # Ignoring it (as before) made the key log in as that other user.
                raise ValueError("this API key already belongs to another user")
            if slow:
                tx.execute("DELETE FROM credentials WHERE hash = ?", (fast,))
            tx.execute(
                "INSERT OR IGNORE INTO credentials (hash, user_id, kind, created, execution_id)"
                " VALUES (?,?,?,?,?)",
                (digest, user_id, kind, now_ms(), execution_id),
            )
        if slow:
            self._slow_known.put(fast, slow)

    def add_user(self, name: str, api_key: str | None = None, *, is_admin: bool = False) -> str:
        """Create ``name`` if missing and give it an API key (``api_key`` or a new random one)."""
        key = api_key or new_secret()
        user = self.ensure_user(name, is_admin=is_admin)
        self.add_credential(user["id"], key, "key", chosen=api_key is not None)
        return key

    def issue_token(self, name: str) -> str:
        """A new bearer token for an existing user (KeyError if there is no such user)."""
        user = self.get_user_by_name(name)
        if user is None:
            raise KeyError(name)
        token = "dtk_" + new_secret()
        self.add_credential(user["id"], token, "token")
        return token

    def revoke_execution_credentials(self, execution_id: str) -> None:
        with self.transaction() as tx:
            tx.execute("DELETE FROM credentials WHERE execution_id = ?", (execution_id,))

    def authenticate_fast(self, secret: str) -> dict[str, Any] | None:
        """The user owning ``secret`` if that needs no slow hash (generated keys and tokens,
        operator keys already seen by this process), else None."""
        if not secret:
            return None
        fast = hash_secret(secret)
        return self._credential_owner(self._slow_known.get(fast) or fast)

    def authenticate(self, secret: str) -> dict[str, Any] | None:
        """The user owning ``secret`` (an API key or bearer token), or None. May take one
        scrypt (~50 ms): call it off the event loop."""
        found = self.authenticate_fast(secret)
        if found is not None or not secret:
            return found
        slow = keys.slow_hash(secret, self._salt)
        found = self._credential_owner(slow)
        if found is not None:
            self._slow_known.put(hash_secret(secret), slow)
        return found

    def _credential_owner(self, digest: str) -> dict[str, Any] | None:
        return self.query_one(
            "SELECT u.*, c.kind AS credential_kind FROM credentials c"
            " JOIN users u ON u.id = c.user_id WHERE c.hash = ?",
            (digest,),
        )

    def list_credentials(self, user_name: str | None = None) -> list[dict[str, Any]]:
        """Every stored credential (never the secret): id, user, kind, created, execution."""
        rows = self.query(
            "SELECT c.hash, u.name AS user, c.kind, c.created, c.execution_id FROM credentials c"
            " JOIN users u ON u.id = c.user_id WHERE ? IS NULL OR u.name = ?"
            " ORDER BY c.created, u.name",
            (user_name, user_name),
        )
        for row in rows:
            stored = row.pop("hash")
            row["id"] = keys.key_id(stored)
            row["hash"] = "scrypt" if stored.startswith(keys.SLOW_PREFIX) else "sha256"
        return rows

    def revoke_credential(self, credential_id: str) -> bool:
        """Delete the credential ``keys list`` shows as ``credential_id``; False if none."""
        with self.transaction() as tx:
            for row in tx.execute("SELECT hash FROM credentials").fetchall():
                if keys.key_id(row["hash"]) == credential_id:
                    tx.execute("DELETE FROM credentials WHERE hash = ?", (row["hash"],))
                    return True
        return False

    # -- projects (access control is needed by every family) ---------------------------------

    def get_project(self, project_id: str) -> dict[str, Any] | None:
        return self.query_one(
            "SELECT p.*, u.name AS owner_name FROM projects p JOIN users u ON u.id = p.owner_id"
            " WHERE p.id = ?",
            (project_id,),
        )

    def find_project(self, owner_name: str, project_name: str) -> dict[str, Any] | None:
        return self.query_one(
            "SELECT p.*, u.name AS owner_name FROM projects p JOIN users u ON u.id = p.owner_id"
            " WHERE u.name = ? AND p.name = ?",
            (owner_name, project_name),
        )

    def user_can_access_project(self, user_id: str, project_id: str) -> bool:
        row = self.query_one(
            "SELECT 1 AS ok FROM projects WHERE id = ? AND owner_id = ?"
            " UNION SELECT 1 FROM collaborators WHERE project_id = ? AND user_id = ?",
            (project_id, user_id, project_id, user_id),
        )
        return row is not None

    # -- datasets (shared with the upload module) ---------------------------------------------

    def get_dataset(self, dataset_id: str) -> dict[str, Any] | None:
        return self.query_one("SELECT * FROM datasets WHERE id = ?", (dataset_id,))

    def dataset_files_dir(self, dataset_id: str) -> Path:
        return self.data_dir / "datasets" / dataset_id / "files"

    def dataset_dir(self, dataset_id: str) -> Path:
        return self.data_dir / "datasets" / dataset_id

    def execution_dir(self, execution_id: str) -> Path:
        return self.data_dir / "executions" / execution_id


def validate_user_name(name: str) -> None:
    if not name or len(name) > 100 or not all(c.isalnum() or c in "._-" for c in name):
        raise ValueError(f"invalid user name {name!r}: use letters, digits, '.', '_' or '-'")


def write_private_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by the owner only (mode 0600 from the start)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(path, 0o600)
