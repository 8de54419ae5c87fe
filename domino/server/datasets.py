"""Datasets (§13.1): rows plus a files directory each (no HTTP here). The upload protocol
lives in :mod:`domino.server.uploads`."""

from __future__ import annotations

import shutil
from typing import Any

from domino.server.store import InvalidInput, NotFound, Store, new_id, now_ms


def validate_dataset_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("datasetName must be a non-empty string")
    if len(name) > 100 or any(c in name for c in "/\\\x00"):
        raise InvalidInput(f"invalid datasetName {name!r}: at most 100 characters, no slashes")
    return name


class Datasets:
    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, project_id: str, name: Any, description: Any, user_id: str) -> dict[str, Any]:
        validate_dataset_name(name)
        if description is not None and not isinstance(description, str):
            raise InvalidInput("description must be a string")
        dataset_id = new_id()
        with self.store.transaction() as tx:
            clash = tx.execute(
                "SELECT 1 FROM datasets WHERE project_id = ? AND name = ?", (project_id, name)
            ).fetchone()
            if clash:
                raise InvalidInput(f"Dataset Name must be Unique: {name!r} exists in this project")
            tx.execute(
                "INSERT INTO datasets (id, project_id, name, description, created, creator_id)"
                " VALUES (?,?,?,?,?,?)",
                (dataset_id, project_id, name, description or "", now_ms(), user_id),
            )
        self.store.dataset_files_dir(dataset_id).mkdir(parents=True, exist_ok=True)
        return self.require(dataset_id)

    def require(self, dataset_id: str) -> dict[str, Any]:
        row = self.store.get_dataset(dataset_id)
        if row is None:
            raise NotFound(f"dataset {dataset_id!r} not found")
        return row

    def list(self, project_ids: list[str]) -> list[dict[str, Any]]:
        if not project_ids:
            return []
        marks = ",".join("?" * len(project_ids))
        return self.store.query(
            f"SELECT * FROM datasets WHERE project_id IN ({marks})"  # noqa: S608
            " ORDER BY created, name",
            project_ids,
        )

    def update(self, dataset_id: str, name: Any = None, description: Any = None) -> None:
        row = self.require(dataset_id)
        with self.store.transaction() as tx:
            if name is not None and name != row["name"]:
                validate_dataset_name(name)
                clash = tx.execute(
                    "SELECT 1 FROM datasets WHERE project_id = ? AND name = ? AND id != ?",
                    (row["project_id"], name, dataset_id),
                ).fetchone()
                if clash:
                    raise InvalidInput(
                        f"Dataset Name must be Unique: {name!r} exists in this project"
                    )
                tx.execute("UPDATE datasets SET name = ? WHERE id = ?", (name, dataset_id))
            if description is not None:
                if not isinstance(description, str):
                    raise InvalidInput("description must be a string")
                tx.execute(
                    "UPDATE datasets SET description = ? WHERE id = ?", (description, dataset_id)
                )

    def delete(self, dataset_id: str) -> None:
        self.require(dataset_id)
        with self.store.transaction() as tx:
            tx.execute("DELETE FROM datasets WHERE id = ?", (dataset_id,))
        # Rename first so the id's files vanish at once, then remove at leisure.
        directory = self.store.dataset_dir(dataset_id)
        if directory.exists():
            doomed = self.store.temp_dir() / f"deleted-dataset-{dataset_id}-{new_id()}"
            directory.rename(doomed)
            shutil.rmtree(doomed, ignore_errors=True)

    @staticmethod
    def summary(row: dict[str, Any]) -> dict[str, Any]:
        return {
            "datasetName": row["name"],
            "datasetId": row["id"],
            "projectId": row["project_id"],
            "description": row["description"],
        }

    @staticmethod
    def details(row: dict[str, Any]) -> dict[str, Any]:
        return {
            "datasetName": row["name"],
            "description": row["description"],
            "datasetDescription": row["description"],
            "datasetId": row["id"],
            "projectId": row["project_id"],
            "created": row["created"],
            "snapshots": [],
            "tags": [],
        }
