"""Models (Model Manager), their versions and image exports, and the legacy project endpoint,
as SQLite rows (domino-api-2x.md §3.3, §3.4). Serving is in :mod:`model_serving`."""

from __future__ import annotations

import json
from typing import Any

from domino.server import catalogue
from domino.server.model_serving import ModelProcesses, ModelUnavailable
from domino.server.repo import Repo
from domino.server.store import InvalidInput, NotFound, Store, new_id, now_ms

__all__ = ["ModelUnavailable", "Models"]

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS models (
        id TEXT PRIMARY KEY, project_id TEXT NOT NULL REFERENCES projects(id),
        name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL,
        creator_id TEXT NOT NULL, created INTEGER NOT NULL, published INTEGER NOT NULL,
        active_version TEXT)""",
    """CREATE TABLE IF NOT EXISTS model_versions (
        id TEXT PRIMARY KEY, model_id TEXT NOT NULL REFERENCES models(id),
        number INTEGER NOT NULL, description TEXT NOT NULL DEFAULT '', file TEXT NOT NULL,
        function TEXT NOT NULL, environment_id TEXT NOT NULL, commit_id TEXT NOT NULL,
        exclude_files TEXT NOT NULL, created INTEGER NOT NULL, creator_id TEXT NOT NULL,
        UNIQUE(model_id, number))""",
    """CREATE TABLE IF NOT EXISTS model_exports (
        id TEXT PRIMARY KEY, model_id TEXT NOT NULL, version_id TEXT NOT NULL,
        target TEXT NOT NULL, registry TEXT NOT NULL, repository TEXT NOT NULL,
        tag TEXT NOT NULL, status TEXT NOT NULL, logs TEXT NOT NULL, created INTEGER NOT NULL)""",
)
EXPORT_TARGETS = {"exportImageToRegistry": "registry", "exportImageForSagemaker": "SageMaker"}


def _text(body: dict[str, Any], key: str, *, required: bool = True) -> str:
    value = body.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidInput(f"{key} must be a non-empty string, got {value!r}")
    return value


class Models:
    def __init__(self, store: Store, repo: Repo, *, stop_grace: float = 5.0) -> None:
        self.store = store
        self.repo = repo
        self.processes = ModelProcesses(store, repo, stop_grace=stop_grace)
        store.ensure_schema(*_SCHEMA)

    # -- rows ----------------------------------------------------------------------------------

    def get(self, model_id: str) -> dict[str, Any] | None:
        return self.store.query_one("SELECT * FROM models WHERE id = ?", (model_id,))

    def version(self, model_id: str, version_id: str) -> dict[str, Any]:
        row = self.store.query_one(
            "SELECT * FROM model_versions WHERE id = ? AND model_id = ?", (version_id, model_id)
        )
        if row is None:
            raise NotFound(f"version {version_id!r} of model {model_id!r} not found")
        return row

    def versions(self, model_id: str) -> list[dict[str, Any]]:
        return self.store.query(
            "SELECT * FROM model_versions WHERE model_id = ? ORDER BY number", (model_id,)
        )

    def for_project(self, project_id: str, kind: str = "model") -> list[dict[str, Any]]:
        return self.store.query(
            "SELECT * FROM models WHERE project_id = ? AND kind = ? ORDER BY created",
            (project_id, kind),
        )

    def reset(self) -> None:
        """Stop every model and forget them (domino-server's reset; projects go too)."""
        self.processes.stop_all()
        with self.store.transaction() as tx:
            for table in ("model_exports", "model_versions", "models", "project_billing_tags"):
                tx.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names

    def forget_project(self, project_id: str) -> None:
        """Stop and delete every model of a project that is being archived."""
        for kind in ("model", "endpoint"):
            for model in self.for_project(project_id, kind):
                self.processes.stop(model["id"])
                with self.store.transaction() as tx:
                    tx.execute("DELETE FROM model_versions WHERE model_id = ?", (model["id"],))
                    tx.execute("DELETE FROM model_exports WHERE model_id = ?", (model["id"],))
                    tx.execute("DELETE FROM models WHERE id = ?", (model["id"],))

    # -- views ---------------------------------------------------------------------------------

    def version_view(self, row: dict[str, Any]) -> dict[str, Any]:
        return {
            "_id": row["id"],
            "id": row["id"],
            "modelId": row["model_id"],
            "number": row["number"],
            "metadata": {
                "number": row["number"],
                "description": row["description"],
                "created": row["created"],
                "createdBy": row["creator_id"],
            },
            "description": row["description"],
            "file": row["file"],
            "function": row["function"],
            "environmentId": row["environment_id"],
            "commitId": row["commit_id"],
            "excludeFiles": json.loads(row["exclude_files"]),
        }

    def view(self, row: dict[str, Any], base_url: str) -> dict[str, Any]:
        versions = self.versions(row["id"])
        active = next((v for v in versions if v["id"] == row["active_version"]), None)
        state = self.processes.state(row["id"]) if row["published"] else "Stopped"
        return {
            "_id": row["id"],
            "id": row["id"],
            "name": row["name"],
            "description": row["description"],
            "projectId": row["project_id"],
            "created": row["created"],
            "isPublished": bool(row["published"]),
            "status": state,
            "activeVersionId": row["active_version"],
            "activeVersionNumber": active["number"] if active else None,
            "environmentId": active["environment_id"] if active else None,
            "versionCount": len(versions),
            "url": f"{base_url}/models/{row['id']}/latest/model",
        }

    # -- publishing ----------------------------------------------------------------------------

    def _check_version_body(self, project: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        file = _text(body, "file")
        function = _text(body, "function")
        if not function.isidentifier():
            raise InvalidInput(f"function must be a Python function name, got {function!r}")
        excluded = body.get("excludeFiles") or []
        if not isinstance(excluded, list) or not all(isinstance(e, str) for e in excluded):
            raise InvalidInput("excludeFiles must be a list of paths")
        env_id = body.get("environmentId") or catalogue.DEFAULT_ENVIRONMENT
        if not isinstance(env_id, str):
            raise InvalidInput("environmentId must be a string")
        if catalogue.environment(env_id).get("archived"):
            raise InvalidInput(f"environment {env_id!r} is archived")
        commit = body.get("commitId") or project["head_commit"]
        if not isinstance(commit, str) or not self.repo.has_commit(project["id"], commit):
            raise InvalidInput(f"commit {commit!r} is not a commit of this project")
        path = file.lstrip("/")
        if path not in self.repo.tree(project["id"], commit):
            raise InvalidInput(f"file {file!r} not found in commit {commit} of the project")
        if path in excluded:
            raise InvalidInput(f"file {file!r} is itself excluded")
        return {
            "file": path,
            "function": function,
            "environment_id": env_id,
            "commit_id": commit,
            "exclude_files": json.dumps(excluded),
            "description": _text(body, "description", required=False),
        }

    def _add_version(self, tx: Any, model_id: str, spec: dict[str, Any], user_id: str) -> str:
        number = tx.execute(
            "SELECT COALESCE(MAX(number), 0) + 1 AS n FROM model_versions WHERE model_id = ?",
            (model_id,),
        ).fetchone()["n"]
        version_id = new_id()
        tx.execute(
            "INSERT INTO model_versions (id, model_id, number, description, file, function,"
            " environment_id, commit_id, exclude_files, created, creator_id)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                version_id,
                model_id,
                number,
                spec["description"],
                spec["file"],
                spec["function"],
                spec["environment_id"],
                spec["commit_id"],
                spec["exclude_files"],
                now_ms(),
                user_id,
            ),
        )
        tx.execute(
            "UPDATE models SET active_version = ?, published = 1 WHERE id = ?",
            (version_id, model_id),
        )
        return version_id

    def create(
        self, project: dict[str, Any], body: dict[str, Any], user_id: str, *, kind: str = "model"
    ) -> dict[str, Any]:
        name = _text(body, "name") if kind == "model" else "endpoint"
        spec = self._check_version_body(project, body)
        model_id = new_id()
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO models (id, project_id, name, description, kind, creator_id,"
                " created, published) VALUES (?,?,?,?,?,?,?,1)",
                (model_id, project["id"], name, spec["description"], kind, user_id, now_ms()),
            )
            version_id = self._add_version(tx, model_id, spec, user_id)
        self.processes.start(model_id, self.version(model_id, version_id), project)
        model = self.get(model_id)
        assert model is not None
        return model

    def publish_version(
        self, model: dict[str, Any], project: dict[str, Any], body: dict[str, Any], user_id: str
    ) -> dict[str, Any]:
        spec = self._check_version_body(project, body)
        with self.store.transaction() as tx:
            version_id = self._add_version(tx, model["id"], spec, user_id)
        version = self.version(model["id"], version_id)
        self.processes.start(model["id"], version, project)
        return version

    def unpublish(self, model: dict[str, Any]) -> None:
        self.processes.stop(model["id"])
        with self.store.transaction() as tx:
            tx.execute("UPDATE models SET published = 0 WHERE id = ?", (model["id"],))

    def predict(self, model: dict[str, Any], project: dict[str, Any], body: bytes) -> Any:
        if not model["published"] or not model["active_version"]:
            raise ModelUnavailable(f"model {model['id']} is not published")
        if self.processes.serving_version(model["id"]) != model["active_version"] or (
            self.processes.state(model["id"]) == "Failed"
        ):
            # gone since (a restart of domino-server, or it crashed): start it again
            version = self.version(model["id"], model["active_version"])
            self.processes.start(model["id"], version, project)
        return self.processes.predict(model["id"], body)

    # -- exports (recorded; domino-server builds no images) ------------------------------------

    def export(
        self, model_id: str, version_id: str, target: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        self.version(model_id, version_id)
        registry = _text(body, "registryUrl")
        repository = _text(body, "repository")
        tag = _text(body, "tag")
        for key in ("username", "password"):  # checked, never stored
            if not isinstance(body.get(key), str):
                raise InvalidInput(f"{key} must be a string")
        export_id = new_id()
        logs = (
            f"domino-server builds no images: version {version_id} of model {model_id} was "
            f"not exported to {EXPORT_TARGETS[target]} {registry}/{repository}:{tag}."
        )
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO model_exports (id, model_id, version_id, target, registry,"
                " repository, tag, status, logs, created) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    export_id,
                    model_id,
                    version_id,
                    target,
                    registry,
                    repository,
                    tag,
                    "failed",
                    logs,
                    now_ms(),
                ),
            )
        return self.export_status(export_id)

    def _export_row(self, export_id: str) -> dict[str, Any]:
        row = self.store.query_one("SELECT * FROM model_exports WHERE id = ?", (export_id,))
        if row is None:
            raise NotFound(f"model export {export_id!r} not found")
        return row

    def export_status(self, export_id: str) -> dict[str, Any]:
        row = self._export_row(export_id)
        return {
            "exportId": row["id"],
            "modelId": row["model_id"],
            "modelVersionId": row["version_id"],
            "status": row["status"],
            "message": row["logs"],
        }

    def export_logs(self, export_id: str) -> dict[str, Any]:
        row = self._export_row(export_id)
        return {"exportId": row["id"], "logs": row["logs"]}

    def export_model_id(self, export_id: str) -> str:
        return str(self._export_row(export_id)["model_id"])
