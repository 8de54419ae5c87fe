"""Compute environments as records (no image builds): the fixed catalogue ones plus those users
create, with numbered revisions (domino-api-2x.md §3.2, §7). No HTTP here."""

from __future__ import annotations

import copy
import json
import sqlite3
from typing import Any

from domino.server import catalogue
from domino.server.store import Denied, InvalidInput, NotFound, Store, new_id, now_ms

DEFAULT_IMAGE = "quay.io/domino/standard-environment:local"
VISIBILITIES = ("Private", "Global", "Organization")

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS environments (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
        visibility TEXT NOT NULL, owner_id TEXT NOT NULL, org_owner_id TEXT,
        archived INTEGER NOT NULL DEFAULT 0, is_restricted INTEGER NOT NULL DEFAULT 0,
        created INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS environment_revisions (
        id TEXT PRIMARY KEY, environment_id TEXT NOT NULL REFERENCES environments(id),
        number INTEGER NOT NULL, spec TEXT NOT NULL, is_restricted INTEGER NOT NULL DEFAULT 0,
        created INTEGER NOT NULL, UNIQUE(environment_id, number))""",
)

# The revision fields a create/revise body carries: wire name -> accepted JSON type.
REVISION_FIELDS: dict[str, type | tuple[type, ...]] = {
    "dockerfileInstructions": str,
    "environmentVariables": list,
    "image": str,
    "postRunScript": str,
    "postSetupScript": str,
    "preRunScript": str,
    "preSetupScript": str,
    "skipCache": bool,
    "summary": str,
    "supportedClusters": list,
    "tags": list,
    "useVpn": bool,
    "workspaceTools": list,
}
_DEFAULTS = {"str": "", "list": [], "bool": False}


def _check_revision(body: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    for key, kind in REVISION_FIELDS.items():
        value = body.get(key)
        if value is None:
            value = copy.copy(_DEFAULTS[kind.__name__]) if isinstance(kind, type) else None
        elif not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise InvalidInput(f"{key} must be a JSON {getattr(kind, '__name__', kind)}")
        spec[key] = value
    if not spec["image"].strip():
        raise InvalidInput("image (the base Docker image) is required")
    for var in spec["environmentVariables"]:
        if not isinstance(var, dict) or not isinstance(var.get("name"), str):
            raise InvalidInput("environmentVariables must be a list of {name, value}")
    if not all(isinstance(c, str) for c in spec["supportedClusters"] + spec["tags"]):
        raise InvalidInput("supportedClusters and tags must be lists of strings")
    return spec


def usable_environment(store: Store, env_id: Any, user_id: str) -> dict[str, Any]:
    """The catalogue entry of ``env_id`` if ``user_id`` may start work with it.

    Someone else's Private environment is as unknown as one that does not exist (its
    ``GET`` is a 404 too), so an id cannot be probed by starting jobs, apps or models with it.
    """
    try:
        row = store.query_one(
            "SELECT e.visibility, e.owner_id, u.is_admin FROM environments e"
            " LEFT JOIN users u ON u.id = ? WHERE e.id = ?",
            (user_id, env_id if isinstance(env_id, str) else None),
        )
    except sqlite3.OperationalError:  # a store without user environments
        row = None
    if row is not None and row["visibility"] == "Private" and row["owner_id"] != user_id:
        if not row["is_admin"]:
            raise InvalidInput(
                f"unknown environment {env_id!r}; `GET /v1/environments` lists yours"
            )
    return environment_entry(store, env_id)


def environment_entry(store: Store, env_id: Any) -> dict[str, Any]:
    """The catalogue entry of a built-in environment or of one created on this server.

    Archived ones too, so that work started before the archive still reports its environment
    (``Environments.useable`` leaves them out). Unknown ids are ``InvalidInput``.
    """
    for env in catalogue.ENVIRONMENTS:
        if env["id"] == env_id:
            return env
    entry = _user_entry(store, env_id) if isinstance(env_id, str) else None
    return entry if entry is not None else catalogue.environment(env_id)


def _user_entry(store: Store, env_id: str) -> dict[str, Any] | None:
    try:
        row = store.query_one("SELECT * FROM environments WHERE id = ?", (env_id,))
    except sqlite3.OperationalError:  # a store without user environments
        return None
    if row is None:
        return None
    revisions = store.query(
        "SELECT * FROM environment_revisions WHERE environment_id = ? ORDER BY number", (env_id,)
    )
    return {
        "id": row["id"],
        "name": row["name"],
        "archived": bool(row["archived"]),
        "version": revisions[-1]["number"] if revisions else 1,
        "visibility": row["visibility"],
        "supportedClusters": json.loads(revisions[-1]["spec"])["supportedClusters"]
        if revisions
        else [],
    }


class Environments:
    def __init__(self, store: Store) -> None:
        self.store = store
        store.ensure_schema(*_SCHEMA)

    # -- reading -------------------------------------------------------------------------------

    def _row(self, env_id: str) -> dict[str, Any] | None:
        return self.store.query_one("SELECT * FROM environments WHERE id = ?", (env_id,))

    def _revisions(self, env_id: str) -> list[dict[str, Any]]:
        return self.store.query(
            "SELECT * FROM environment_revisions WHERE environment_id = ? ORDER BY number",
            (env_id,),
        )

    @staticmethod
    def _revision_view(rev: dict[str, Any]) -> dict[str, Any]:
        spec = json.loads(rev["spec"])
        return {
            "id": rev["id"],
            "environmentId": rev["environment_id"],
            "number": rev["number"],
            "status": "Succeeded",
            "isRestricted": bool(rev["is_restricted"]),
            "dockerImage": spec["image"],
            "created": rev["created"],
            **spec,
        }

    def view(self, row: dict[str, Any]) -> dict[str, Any]:
        revisions = [self._revision_view(r) for r in self._revisions(row["id"])]
        latest = revisions[-1] if revisions else None
        return {
            "id": row["id"],
            "name": row["name"],
            "description": row["description"],
            "visibility": row["visibility"],
            "archived": bool(row["archived"]),
            "isRestricted": bool(row["is_restricted"]),
            "ownerId": row["owner_id"],
            "orgOwnerId": row["org_owner_id"],
            "latestRevision": latest,
            "latestRevisionDetails": latest,
            "selectedRevision": latest,
            "revisionCount": len(revisions),
        }

    @staticmethod
    def builtin_view(env: dict[str, Any]) -> dict[str, Any]:
        revision = {
            "id": env["id"],
            "environmentId": env["id"],
            "number": env["version"],
            "status": "Succeeded",
            "isRestricted": False,
            "dockerImage": DEFAULT_IMAGE,
            "image": DEFAULT_IMAGE,
            "supportedClusters": env["supportedClusters"],
        }
        return {
            "id": env["id"],
            "name": env["name"],
            "description": "",
            "visibility": env["visibility"],
            "archived": False,
            "isRestricted": False,
            "ownerId": None,
            "orgOwnerId": None,
            "latestRevision": revision,
            "latestRevisionDetails": revision,
            "selectedRevision": revision,
            "revisionCount": 1,
        }

    def default(self) -> dict[str, Any]:
        return self.builtin_view(catalogue.ENVIRONMENTS[0])

    def _visible(self, row: dict[str, Any], user_id: str, is_admin: bool) -> bool:
        return row["visibility"] != "Private" or row["owner_id"] == user_id or is_admin

    def list(self, user_id: str, is_admin: bool) -> list[dict[str, Any]]:
        builtin = [self.builtin_view(env) for env in catalogue.ENVIRONMENTS]
        rows = self.store.query("SELECT * FROM environments WHERE archived = 0 ORDER BY created")
        return builtin + [self.view(r) for r in rows if self._visible(r, user_id, is_admin)]

    def useable(self, user_id: str, is_admin: bool) -> dict[str, Any]:
        """The catalogue's useable environments plus the user's own and Global ones."""
        answer = catalogue.useable_environments()
        rows = self.store.query("SELECT * FROM environments WHERE archived = 0 ORDER BY created")
        for row in rows:
            if self._visible(row, user_id, is_admin):
                entry = _user_entry(self.store, row["id"])
                if entry is not None:
                    answer["environments"].append(dict(entry, owner={"id": row["owner_id"]}))
        return answer

    def get(self, env_id: str, user_id: str, is_admin: bool) -> dict[str, Any]:
        for env in catalogue.ENVIRONMENTS:
            if env["id"] == env_id:
                return self.builtin_view(env)
        row = self._row(env_id)
        if row is None or not self._visible(row, user_id, is_admin):
            raise NotFound(f"environment {env_id!r} not found")
        return self.view(row)

    def _owned(self, env_id: str, user_id: str, is_admin: bool) -> dict[str, Any]:
        if any(env["id"] == env_id for env in catalogue.ENVIRONMENTS):
            raise Denied(f"environment {env_id!r} is built in and cannot be changed")
        row = self._row(env_id)
        if row is None or not self._visible(row, user_id, is_admin):
            raise NotFound(f"environment {env_id!r} not found")
        if row["owner_id"] != user_id and not is_admin:
            raise Denied(f"only the owner of environment {env_id!r} may change it")
        return row

    # -- writing -------------------------------------------------------------------------------

    def create(self, body: dict[str, Any], user_id: str, is_admin: bool) -> dict[str, Any]:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput("name is required")
        visibility = body.get("visibility")
        if visibility not in VISIBILITIES:
            raise InvalidInput(f"visibility must be one of {list(VISIBILITIES)}: {visibility!r}")
        if visibility == "Global" and not is_admin:
            raise Denied("only an administrator may create a Global environment")
        description = body.get("description") or ""
        org_owner = body.get("orgOwnerId")
        restricted = body.get("isRestricted", False)
        if not isinstance(description, str) or not isinstance(restricted, bool):
            raise InvalidInput("description must be a string and isRestricted a boolean")
        if org_owner is not None and not isinstance(org_owner, str):
            raise InvalidInput("orgOwnerId must be a string")
        spec = _check_revision(body)
        env_id = new_id()
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO environments (id, name, description, visibility, owner_id,"
                " org_owner_id, is_restricted, created) VALUES (?,?,?,?,?,?,?,?)",
                (
                    env_id,
                    name,
                    description,
                    visibility,
                    user_id,
                    org_owner,
                    int(restricted),
                    now_ms(),
                ),
            )
            self._insert_revision(tx, env_id, spec, restricted=restricted)
        row = self._row(env_id)
        assert row is not None
        return self.view(row)

    def _insert_revision(
        self, tx: Any, env_id: str, spec: dict[str, Any], *, restricted: bool = False
    ) -> str:
        number = tx.execute(
            "SELECT COALESCE(MAX(number), 0) + 1 AS n FROM environment_revisions"
            " WHERE environment_id = ?",
            (env_id,),
        ).fetchone()["n"]
        rev_id = new_id()
        tx.execute(
            "INSERT INTO environment_revisions (id, environment_id, number, spec, is_restricted,"
            " created) VALUES (?,?,?,?,?,?)",
            (rev_id, env_id, number, json.dumps(spec), int(restricted), now_ms()),
        )
        return rev_id

    def add_revision(
        self, env_id: str, body: dict[str, Any], user_id: str, is_admin: bool
    ) -> dict[str, Any]:
        row = self._owned(env_id, user_id, is_admin)
        if row["archived"]:
            raise InvalidInput(f"environment {env_id!r} is archived")
        spec = _check_revision(body)
        with self.store.transaction() as tx:
            rev_id = self._insert_revision(tx, env_id, spec)
        rev = self.store.query_one("SELECT * FROM environment_revisions WHERE id = ?", (rev_id,))
        assert rev is not None
        return self._revision_view(rev)

    def patch_revision(
        self, env_id: str, rev_id: str, body: dict[str, Any], user_id: str, is_admin: bool
    ) -> dict[str, Any]:
        self._owned(env_id, user_id, is_admin)
        restricted = body.get("isRestricted")
        if not isinstance(restricted, bool):
            raise InvalidInput("isRestricted (a boolean) is required")
        with self.store.transaction() as tx:
            changed = tx.execute(
                "UPDATE environment_revisions SET is_restricted = ? WHERE id = ?"
                " AND environment_id = ?",
                (int(restricted), rev_id, env_id),
            ).rowcount
        if not changed:
            raise NotFound(f"revision {rev_id!r} of environment {env_id!r} not found")
        rev = self.store.query_one("SELECT * FROM environment_revisions WHERE id = ?", (rev_id,))
        assert rev is not None
        return self._revision_view(rev)

    def archive(self, env_id: str, user_id: str, is_admin: bool) -> dict[str, Any]:
        self._owned(env_id, user_id, is_admin)
        with self.store.transaction() as tx:
            tx.execute("UPDATE environments SET archived = 1 WHERE id = ?", (env_id,))
        row = self._row(env_id)
        assert row is not None
        return self.view(row)
