"""Projects, collaborators, users and tags (no HTTP here)."""

from __future__ import annotations

import re
from typing import Any

from domino.server.repo import Repo
from domino.server.store import InvalidInput, NotFound, Store, new_id, now_ms

PROJECT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
ROLES = ("Contributor", "LauncherUser", "ResultsConsumer", "ProjectImporter", "Owner")


def validate_project_name(name: str) -> str:
    if not isinstance(name, str) or not PROJECT_NAME.match(name):
        raise InvalidInput(
            f"invalid project name {name!r}: use 1-100 letters, digits, '_', '.' or '-',"
            " starting with a letter or digit"
        )
    return name


def person(user: dict[str, Any]) -> dict[str, Any]:
    """A user as /v4/users shows it."""
    return {
        "id": user["id"],
        "userName": user["name"],
        "email": user["email"],
        "firstName": user["name"],
        "lastName": "",
        "fullName": user["name"],
        "avatarUrl": "",
        "isAdmin": bool(user["is_admin"]),
    }


MAX_TAGS_PER_REQUEST = 1000


class Projects:
    def __init__(self, store: Store, repo: Repo) -> None:
        self.store = store
        self.repo = repo

    def create(
        self,
        owner_id: str,
        name: str,
        *,
        description: str = "",
        visibility: str = "Private",
    ) -> dict[str, Any]:
        validate_project_name(name)
        if visibility not in ("Private", "Public", "Searchable"):
            raise InvalidInput(f"invalid visibility {visibility!r}")
        project_id = new_id()
        with self.store.transaction() as tx:
            clash = tx.execute(
                "SELECT 1 FROM projects WHERE owner_id = ? AND name = ?", (owner_id, name)
            ).fetchone()
            if clash:
                raise InvalidInput(f"project {name!r} already exists for this owner")
            tx.execute(
                "INSERT INTO projects (id, owner_id, name, description, visibility, head_commit,"
                " created) VALUES (?,?,?,?,?,?,?)",
                (project_id, owner_id, name, description, visibility, "", now_ms()),
            )
            # Every project starts with an (empty) commit so commits_list()[0] always exists.
            self.repo.insert_commit(tx, project_id, None, {}, "Initial commit")
        project = self.store.get_project(project_id)
        assert project is not None
        return project

    def summary(self, project: dict[str, Any]) -> dict[str, Any]:
        """The v4 ProjectSummary of §7."""
        collaborators = self.collaborators(project["id"])
        return {
            "id": project["id"],
            "name": project["name"],
            "description": project["description"],
            "visibility": project["visibility"],
            "ownerId": project["owner_id"],
            "ownerUsername": project["owner_name"],
            "mainRepository": None,
            "importedGitRepositories": [],
            "collaboratorIds": [c["id"] for c in collaborators],
            "collaborators": [
                {"collaboratorId": c["id"], "projectRole": c["projectRole"]} for c in collaborators
            ],
            "tags": self.tags(project["id"]),
            "stageId": "",
            "status": {"status": "active", "isBlocked": False},
            "created": project["created"],
            "headCommitId": project["head_commit"],
        }

    # -- users and collaborators ---------------------------------------------------------------

    def users(self) -> list[dict[str, Any]]:
        return [person(u) for u in self.store.list_users()]

    def collaborators(self, project_id: str) -> list[dict[str, Any]]:
        rows = self.store.query(
            "SELECT u.*, c.role FROM collaborators c JOIN users u ON u.id = c.user_id"
            " WHERE c.project_id = ? ORDER BY u.name",
            (project_id,),
        )
        return [
            {
                "id": r["id"],
                "username": r["name"],
                "userName": r["name"],
                "email": r["email"],
                "projectRole": r["role"],
            }
            for r in rows
        ]

    def add_collaborator(self, project: dict[str, Any], user_id: str, role: str) -> None:
        if role not in ROLES or role == "Owner":
            raise InvalidInput(f"invalid projectRole {role!r}; use one of {', '.join(ROLES[:4])}")
        if self.store.get_user(user_id) is None:
            raise NotFound(f"user {user_id!r} not found")
        if user_id == project["owner_id"]:
            raise InvalidInput("the project owner cannot also be a collaborator")
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO collaborators (project_id, user_id, role) VALUES (?,?,?)"
                " ON CONFLICT(project_id, user_id) DO UPDATE SET role = excluded.role",
                (project["id"], user_id, role),
            )

    def remove_collaborator(self, project_id: str, user_id: str) -> None:
        with self.store.transaction() as tx:
            cur = tx.execute(
                "DELETE FROM collaborators WHERE project_id = ? AND user_id = ?",
                (project_id, user_id),
            )
            if cur.rowcount == 0:
                raise NotFound(f"user {user_id!r} is not a collaborator of this project")

    # -- tags ----------------------------------------------------------------------------------

    def tags(self, project_id: str) -> list[dict[str, Any]]:
        rows = self.store.query(
            "SELECT t.id, t.name FROM project_tags pt JOIN tags t ON t.id = pt.tag_id"
            " WHERE pt.project_id = ? ORDER BY pt.added, t.name",
            (project_id,),
        )
        return [{"id": r["id"], "name": r["name"], "isApproved": False} for r in rows]

    def add_tags(self, project_id: str, names: list[str], user_id: str) -> list[dict[str, Any]]:
        """Attach tags by name (creating them); idempotent; returns the tag objects.

        At most MAX_TAGS_PER_REQUEST names per call (a 400 beyond), de-duplicated in order."""
        if len(names) > MAX_TAGS_PER_REQUEST:
            raise InvalidInput(
                f"too many tag names ({len(names)}); at most {MAX_TAGS_PER_REQUEST} per request"
            )
        clean: dict[str, None] = {}  # ordered set: linear de-duplication
        for name in names:
            if not isinstance(name, str) or not name.strip() or len(name) > 100:
                raise InvalidInput(f"invalid tag name {str(name)[:120]!r}")
            clean.setdefault(name.strip())
        result = []
        now = now_ms()
        with self.store.transaction() as tx:
            for name in clean:
                row = tx.execute("SELECT id FROM tags WHERE name = ?", (name,)).fetchone()
                if row is None:
                    tag_id = new_id()
                    tx.execute(
                        "INSERT INTO tags (id, name, created, last_added, creator_id)"
                        " VALUES (?,?,?,?,?)",
                        (tag_id, name, now, now, user_id),
                    )
                else:
                    tag_id = row["id"]
                    tx.execute("UPDATE tags SET last_added = ? WHERE id = ?", (now, tag_id))
                tx.execute(
                    "INSERT OR IGNORE INTO project_tags (project_id, tag_id, added) VALUES (?,?,?)",
                    (project_id, tag_id, now),
                )
                result.append({"id": tag_id, "name": name, "isApproved": False})
        return result

    def remove_tag(self, project_id: str, tag_id: str) -> None:
        with self.store.transaction() as tx:
            cur = tx.execute(
                "DELETE FROM project_tags WHERE project_id = ? AND tag_id = ?",
                (project_id, tag_id),
            )
            if cur.rowcount == 0:
                raise NotFound(f"tag {tag_id!r} is not on this project")

    def tag_details(self, tag_id: str, user_id: str) -> dict[str, Any]:
        """A tag as ``user_id`` may see it: 404 unless the caller created it or can access a
        project carrying it (a private project's tags are its members' only)."""
        tag = self.store.query_one("SELECT * FROM tags WHERE id = ?", (tag_id,))
        if tag is None:
            raise NotFound(f"tag {tag_id!r} not found")
        projects = [
            r["project_id"]
            for r in self.store.query(
                "SELECT project_id FROM project_tags WHERE tag_id = ?", (tag_id,)
            )
            if self.store.user_can_access_project(user_id, r["project_id"])
        ]
        if not projects and tag["creator_id"] != user_id:
            raise NotFound(f"tag {tag_id!r} not found")
        return {
            "_id": tag["id"],
            "id": tag["id"],
            "name": tag["name"],
            "created": tag["created"],
            "lastAdded": tag["last_added"],
            "isApproved": False,
            "projects": projects,
        }
