"""One execution store behind both the v1 Runs and the v4 Jobs API (§11.8; no HTTP here).

A row is created Queued; the runner moves it to Running and then to exactly one terminal status.
Every terminal status carries an output commit (the input commit when nothing changed), because
public clients take a non-empty ``outputCommitId`` as "finished".
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from domino.server import catalogue, logtail
from domino.server.environments import environment_entry
from domino.server.store import InvalidInput, Store, new_id, now_ms

TERMINAL = ("Succeeded", "Failed", "Stopped", "Error")
ACTIVE = ("Queued", "Running")
# Keeps LIMIT and OFFSET (page_no x page_size) within SQLite's 64-bit integers.
_MAX_PAGE = 2**31 - 1

_ORDER_COLUMNS = {
    "number": "number",
    "queued": "queued",
    "submissiontime": "queued",
    "started": "started",
    "completed": "completed",
    "duration": "(COALESCE(completed, CAST(strftime('%s','now') AS INTEGER) * 1000)"
    " - COALESCE(started, queued))",
    "command": "command",
    "status": "status",
    "title": "COALESCE(title, '')",
    "user": "starting_user_id",
    "commentcount": "number",
}


def command_line(row: dict[str, Any]) -> str:
    command = json.loads(row["command"])
    if isinstance(command, list):
        return shlex.join(str(c) for c in command) if len(command) > 1 else str(command[0])
    return str(command)


class Executions:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- rows ----------------------------------------------------------------------------------

    def create(
        self,
        *,
        project_id: str,
        user_id: str,
        kind: str,
        command: list[str] | str,
        is_direct: bool,
        title: str | None,
        tier_id: str,
        environment_id: str,
        input_commit: str,
        options: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        if isinstance(command, str):
            if not command.strip():
                raise InvalidInput("command must not be empty")
        elif not command or not all(isinstance(c, str) for c in command) or not command[0]:
            raise InvalidInput("command must be a non-empty string or list of strings")
        if title is not None and not isinstance(title, str):
            raise InvalidInput("title must be a string")
        execution_id = new_id()
        with self.store.transaction() as tx:
            row = tx.execute(
                "SELECT COALESCE(MAX(number), 0) + 1 AS n FROM executions WHERE project_id = ?",
                (project_id,),
            ).fetchone()
            tx.execute(
                "INSERT INTO executions (id, project_id, number, kind, starting_user_id, command,"
                " is_direct, title, hardware_tier_id, environment_id, input_commit, status,"
                " queued, options) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    execution_id,
                    project_id,
                    row["n"],
                    kind,
                    user_id,
                    json.dumps(command),
                    int(bool(is_direct)),
                    title,
                    tier_id,
                    environment_id,
                    input_commit,
                    "Queued",
                    now_ms(),
                    json.dumps(options or {}),
                ),
            )
        created = self.get(execution_id)
        assert created is not None
        return created

    def get(self, execution_id: str) -> dict[str, Any] | None:
        return self.store.query_one("SELECT * FROM executions WHERE id = ?", (execution_id,))

    def list_for_project(self, project_id: str) -> list[dict[str, Any]]:
        return self.store.query(
            "SELECT * FROM executions WHERE project_id = ? ORDER BY number DESC", (project_id,)
        )

    def page(
        self,
        project_id: str,
        *,
        order_by: str = "number",
        sort_by: str = "desc",
        page_size: int | None = None,
        page_no: int = 1,
        show_archived: bool = False,
        status: str = "all",
        tag: str | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        column = _ORDER_COLUMNS.get(order_by.lower())
        if column is None:
            raise InvalidInput(
                f"invalid order_by {order_by!r}; use one of {', '.join(sorted(_ORDER_COLUMNS))}"
            )
        if sort_by.lower() not in ("asc", "desc"):
            raise InvalidInput(f"invalid sort_by {sort_by!r}; use asc or desc")
        if page_no < 1 or (page_size is not None and page_size < 1):
            raise InvalidInput("page_no and page_size must be positive")
        if page_no > _MAX_PAGE or (page_size is not None and page_size > _MAX_PAGE):
            raise InvalidInput(f"page_no and page_size must be at most {_MAX_PAGE}")
        where = ["project_id = ?"]
        params: list[Any] = [project_id]
        if not show_archived:
            where.append("is_archived = 0")
        status = status.lower()
        if status in ("active", "running_or_queued"):
            where.append("status IN ('Queued', 'Running')")
        elif status == "completed":
            where.append("status IN ('Succeeded', 'Failed', 'Stopped', 'Error')")
        elif status != "all":
            where.append("lower(status) = ?")
            params.append(status)
        if tag:
            # Executions carry no tags on this server, so a tag filter matches nothing.
            where.append("0")
        sql_where = " AND ".join(where)
        total_row = self.store.query_one(
            f"SELECT COUNT(*) AS n FROM executions WHERE {sql_where}",  # noqa: S608
            params,
        )
        total = int(total_row["n"]) if total_row else 0
        direction = "ASC" if sort_by.lower() == "asc" else "DESC"
        sql = (
            f"SELECT * FROM executions WHERE {sql_where}"  # noqa: S608 - columns from a whitelist
            f" ORDER BY {column} {direction}, number {direction}"
        )
        if page_size is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [page_size, (page_no - 1) * page_size]
        return self.store.query(sql, params), total

    # -- lifecycle -----------------------------------------------------------------------------

    def claim(self, execution_id: str) -> bool:
        """Queued → Running; False if it is no longer queued (stopped, reset)."""
        with self.store.transaction() as tx:
            cur = tx.execute(
                "UPDATE executions SET status = 'Running', started = ? WHERE id = ?"
                " AND status = 'Queued'",
                (now_ms(), execution_id),
            )
            return cur.rowcount == 1

    def append_setup(self, execution_id: str, text: str) -> None:
        with self.store.transaction() as tx:
            tx.execute(
                "UPDATE executions SET setup_log = setup_log || ? WHERE id = ?",
                (text if text.endswith("\n") else text + "\n", execution_id),
            )

    def set_commit_results(self, execution_id: str, commit_results: bool) -> None:
        with self.store.transaction() as tx:
            tx.execute(
                "UPDATE executions SET commit_results = ? WHERE id = ?",
                (int(commit_results), execution_id),
            )

    def finish(
        self,
        execution_id: str,
        status: str,
        *,
        output_commit: str,
        exit_code: int | None = None,
        setup_note: str | None = None,
        only_from: tuple[str, ...] = ACTIVE,
    ) -> bool:
        """Move to a terminal ``status`` unless already terminal; True if this call did it."""
        assert status in TERMINAL and output_commit
        marks = ",".join("?" * len(only_from))
        with self.store.transaction() as tx:
            cur = tx.execute(
                "UPDATE executions SET status = ?, output_commit = ?, exit_code = ?,"
                " completed = ?, started = COALESCE(started, ?),"
                " setup_log = setup_log || ?"
                f" WHERE id = ? AND status IN ({marks})",
                (
                    status,
                    output_commit,
                    exit_code,
                    now_ms(),
                    now_ms(),
                    (setup_note + "\n") if setup_note else "",
                    execution_id,
                    *only_from,
                ),
            )
            return cur.rowcount == 1

    def active(self) -> list[dict[str, Any]]:
        return self.store.query(
            "SELECT * FROM executions WHERE status IN ('Queued', 'Running') ORDER BY queued"
        )

    # -- logs ----------------------------------------------------------------------------------

    def log_path(self, execution_id: str) -> Path:
        return self.store.execution_dir(execution_id) / "output.log"

    def work_dir(self, execution_id: str) -> Path:
        return self.store.execution_dir(execution_id) / "work"

    def read_log(self, execution_id: str, *, tail_lines: int | None = None) -> str:
        """The output so far (its last ``tail_lines`` lines when given), read from the end:
        never more than logtail.MAX_READ bytes of it."""
        return logtail.read_text(self.log_path(execution_id), tail_lines=tail_lines)

    def append_log(self, execution_id: str, text: str) -> None:
        path = self.log_path(execution_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "ab") as fh:
            fh.write(text.encode("utf-8"))

    # -- views ---------------------------------------------------------------------------------

    def _user_name(self, user_id: str) -> str:
        user = self.store.get_user(user_id)
        return user["name"] if user else ""

    def run_view(self, row: dict[str, Any]) -> dict[str, Any]:
        """The v1 Run object of §8.1."""
        completed = row["status"] in TERMINAL
        return {
            "id": row["id"],
            "projectId": row["project_id"],
            "number": row["number"],
            "startingUserId": row["starting_user_id"],
            "queued": row["queued"],
            "started": row["started"],
            "completed": row["completed"] if completed else None,
            "postProcessedTimestamp": row["completed"] if completed else None,
            "status": row["status"],
            "commitId": row["input_commit"],
            "outputCommitId": row["output_commit"] if completed else None,
            "executor": "domino-server",
            "title": row["title"],
            "isArchived": bool(row["is_archived"]),
            "isCompleted": completed,
            "hardwareTierId": row["hardware_tier_id"],
            "diagnosticStatistics": None,
            "command": command_line(row),
            "isDirect": bool(row["is_direct"]),
            "exitCode": row["exit_code"],
        }

    def job_view(self, row: dict[str, Any]) -> dict[str, Any]:
        """The v4 Job object of §11.5."""
        completed = row["status"] in TERMINAL
        options = json.loads(row["options"])
        mounts = options.get("externalVolumeMounts") or []
        return {
            "id": row["id"],
            "number": row["number"],
            "projectId": row["project_id"],
            "title": row["title"],
            "jobRunCommand": command_line(row),
            "statuses": {
                "isCompleted": completed,
                "isArchived": bool(row["is_archived"]),
                "isScheduled": False,
                "executionStatus": row["status"],
                "volumeRecoverabilityStatus": "NoActionNecessary",
            },
            "queuedJobHistoryDetails": {
                "expectedWait": "< 1 minute",
                "explanation": "Resources are available",
                "helpText": None,
            },
            "stageTime": {
                "submissionTime": row["queued"],
                "runStartTime": row["started"],
                "completedTime": row["completed"] if completed else None,
            },
            "startedBy": {
                "id": row["starting_user_id"],
                "username": self._user_name(row["starting_user_id"]),
            },
            "commitDetails": {
                "inputCommitId": row["input_commit"],
                "outputCommitId": row["output_commit"] if completed else None,
            },
            "tags": [],
            "dominoStats": [],
            "commentsCount": 0,
            "usage": None,
            "mainRepoGitRef": options.get("mainRepoGitRef"),
            "dependentRepositories": [],
            "dependentDatasetMounts": [],
            "dependentProjects": [],
            "dependentExternalVolumeMounts": [{"id": m} for m in mounts],
            "computeCluster": options.get("computeClusterProperties")
            or options.get("onDemandSparkClusterProperties"),
            "suggestDatasets": False,
            "goalIds": [],
            "runLauncherId": None,
            "hardwareTierId": row["hardware_tier_id"],
            "environmentId": row["environment_id"],
            "exitCode": row["exit_code"],
        }

    def runtime_details(self, row: dict[str, Any]) -> dict[str, Any]:
        env = environment_entry(self.store, row["environment_id"])
        return {
            "executorInfo": {"executorName": "domino-server", "nodeName": "localhost"},
            "environment": {
                "environmentId": env["id"],
                "environmentName": env["name"],
                "environmentRevisionId": env["id"],
                "revisionNumber": env["version"],
            },
            "hardwareTier": {
                "id": row["hardware_tier_id"],
                "name": catalogue.tier_name(row["hardware_tier_id"]),
            },
            "hardwareTierId": row["hardware_tier_id"],
        }
