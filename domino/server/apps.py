"""Apps ("model products" of type APP, §10): ``app.sh`` from a project commit run as a
long-lived process (no HTTP here).

Status is ``Running`` while the process lives, ``Stopped`` after a stop (or a clean exit) and
``Failed`` when it exits non-zero or cannot start.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

from domino.server import catalogue, logtail
from domino.server.environments import usable_environment
from domino.server.launch import kill_tree, reap
from domino.server.repo import Repo
from domino.server.runner import base_env, shell, spawn, terminate
from domino.server.store import InvalidInput, NotFound, Store, new_id, new_secret, now_ms

log = logging.getLogger(__name__)

APP_SCRIPT = "app.sh"
# how much of a failed app's output its status message carries
_REASON_LINES = 10
_REASON_CHARS = 2000


class Apps:
    def __init__(self, store: Store, repo: Repo, *, stop_grace: float = 5.0) -> None:
        self.store = store
        self.repo = repo
        self.stop_grace = stop_grace
        self._lock = threading.Lock()
        # Held for a whole start: two starts of one app would share its work directory and
        # the first one's process would escape every later stop.
        self._start_lock = threading.Lock()
        self._procs: dict[str, subprocess.Popen[bytes]] = {}

    # -- rows ----------------------------------------------------------------------------------

    def create(self, project_id: str, user_id: str, body: dict[str, Any]) -> dict[str, Any]:
        kind = body.get("modelProductType") or "APP"
        if kind != "APP":
            raise InvalidInput(f"unsupported modelProductType {kind!r}; only APP")
        name = body.get("name") or ""
        if not isinstance(name, str):
            raise InvalidInput("name must be a string")
        description = body.get("description") or ""
        app_id = new_id()
        now = now_ms()
        with self.store.transaction() as tx:
            count = tx.execute(
                "SELECT COUNT(*) AS n FROM apps WHERE project_id = ?", (project_id,)
            ).fetchone()["n"]
            tx.execute(
                "INSERT INTO apps (id, project_id, name, description, status, created,"
                " last_updated, publisher_id) VALUES (?,?,?,?,?,?,?,?)",
                (
                    app_id,
                    project_id,
                    name or f"app-{count + 1}",
                    str(description),
                    "Stopped",
                    now,
                    now,
                    user_id,
                ),
            )
        return self.require(app_id)

    def get(self, app_id: str) -> dict[str, Any] | None:
        return self.store.query_one("SELECT * FROM apps WHERE id = ?", (app_id,))

    def require(self, app_id: str) -> dict[str, Any]:
        row = self.get(app_id)
        if row is None:
            raise NotFound(f"app {app_id!r} not found")
        return row

    def list_for_project(self, project_id: str) -> list[dict[str, Any]]:
        return self.store.query(
            "SELECT * FROM apps WHERE project_id = ? ORDER BY created, id", (project_id,)
        )

    def _set(self, app_id: str, **fields: Any) -> None:
        fields["last_updated"] = now_ms()
        assignments = ", ".join(f"{k} = ?" for k in fields)
        with self.store.transaction() as tx:
            tx.execute(
                f"UPDATE apps SET {assignments} WHERE id = ?",  # noqa: S608 - keys are ours
                (*fields.values(), app_id),
            )

    def view(self, row: dict[str, Any], base_url: str) -> dict[str, Any]:
        publisher = self.store.get_user(row["publisher_id"])
        running = row["status"] == "Running"
        return {
            "id": row["id"],
            "modelProductType": "APP",
            "projectId": row["project_id"],
            "name": row["name"],
            "description": row["description"],
            "publisher": {
                "id": row["publisher_id"],
                "userName": publisher["name"] if publisher else "",
            },
            "created": row["created"],
            "lastUpdated": row["last_updated"],
            "status": row["status"],
            "message": row["message"],
            "media": [],
            "openUrl": f"{base_url}/_local/apps/{row['id']}",
            "tags": [],
            "stats": {"usageCount": 0},
            "appExtension": {"appType": ""},
            "latestAppVersionId": None,
            "runningAppUrl": f"{base_url}/_local/apps/{row['id']}" if running else None,
            "runningCommitId": row["running_commit"],
            "hardwareTierId": row["hardware_tier_id"],
            "environmentId": row["environment_id"],
            "permissionsData": {
                "visibility": "GRANT_BASED",
                "accessRequestStatuses": {},
                "pendingInvitations": [],
                "discoverable": True,
                "appAccessStatus": "ALLOWED",
            },
            "goalIds": [],
        }

    # -- processes -----------------------------------------------------------------------------

    def app_dir(self, app_id: str) -> Path:
        return self.store.data_dir / "apps" / app_id

    def log_text(self, app_id: str) -> str:
        return logtail.read_text(self.app_dir(app_id) / "app.log")

    def _output_tail(self, app_id: str, lines: int = _REASON_LINES) -> str:
        """The last lines the app printed (stdout and stderr), for a failure's message."""
        kept = [line for line in self.log_text(app_id).splitlines() if line.strip()]
        text = "\n".join(kept[-lines:])
        return text if len(text) <= _REASON_CHARS else "..." + text[-_REASON_CHARS:]

    def start(
        self,
        app: dict[str, Any],
        body: dict[str, Any],
        *,
        user_id: str,
        api_host: str,
    ) -> None:
        with self._start_lock:
            self._start(app, body, user_id=user_id, api_host=api_host)

    def _start(
        self,
        app: dict[str, Any],
        body: dict[str, Any],
        *,
        user_id: str,
        api_host: str,
    ) -> None:
        project = self.store.get_project(app["project_id"])
        assert project is not None
        tier = body.get("hardwareTierId")
        tier_id = catalogue.resolve_tier_id(tier) if tier else catalogue.DEFAULT_TIER
        env_id = body.get("environmentId") or catalogue.DEFAULT_ENVIRONMENT
        usable_environment(self.store, env_id, user_id)
        mounts = body.get("externalVolumeMountIds")
        if mounts is not None and not (
            isinstance(mounts, list) and all(isinstance(m, str) for m in mounts)
        ):
            raise InvalidInput("externalVolumeMountIds must be a list of ids")
        commit = project["head_commit"]
        ref = body.get("mainRepoGitRef")
        if ref is not None:
            if not isinstance(ref, dict) or ref.get("type") not in ("commitId", "branches", "tags"):
                raise InvalidInput("mainRepoGitRef must be {type: commitId|branches|tags, value}")
            if ref["type"] == "commitId":
                if not self.repo.has_commit(project["id"], str(ref.get("value"))):
                    raise InvalidInput(f"commit {ref.get('value')!r} not found in this project")
                commit = ref["value"]
        self.stop(app["id"], final_status="Stopped")
        directory = self.app_dir(app["id"])
        work = directory / "work"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        try:
            for path, (key, _size, _mod) in self.repo.tree(project["id"], commit).items():
                self.repo.blobs.copy_to(key, work / path)
        except OSError as exc:  # e.g. a name this filesystem refuses, committed long ago
            self._set(
                app["id"],
                status="Failed",
                running_commit=commit,
                message=f"could not prepare the files of commit {commit}: {exc.strerror}",
            )
            return
        options = json.dumps({"externalVolumeMountIds": mounts, "mainRepoGitRef": ref})
        self._set(
            app["id"],
            hardware_tier_id=tier_id,
            environment_id=env_id,
            running_commit=commit,
            options=options,
        )
        if not (work / APP_SCRIPT).is_file():
            self._set(
                app["id"], status="Failed", message=f"{APP_SCRIPT} not found in commit {commit}"
            )
            return
        secret = new_secret()
        self.store.add_credential(user_id, secret, "run", app["id"])
        env = base_env()
        env.update(
            DOMINO_PROJECT_OWNER=project["owner_name"],
            DOMINO_PROJECT_NAME=project["name"],
            DOMINO_PROJECT_ID=project["id"],
            DOMINO_APP_ID=app["id"],
            DOMINO_RUN_ID=app["id"],
            DOMINO_HARDWARE_TIER_ID=tier_id,
            DOMINO_API_HOST=api_host,
            DOMINO_USER_API_KEY=secret,
        )
        with self._lock:
            proc = spawn([shell(), APP_SCRIPT], work, env, directory / "app.log")
            self._procs[app["id"]] = proc
            self._set(app["id"], status="Running", message="")
        threading.Thread(
            target=self._watch, args=(app["id"], proc), name=f"domino-app-{app['id']}", daemon=True
        ).start()

    def _watch(self, app_id: str, proc: subprocess.Popen[bytes]) -> None:
        code = proc.wait()
        reap(proc)
        with self._lock:
            if self._procs.get(app_id) is not proc:
                return  # stopped (or restarted) on purpose: whoever did it set the status
            del self._procs[app_id]
        self.store.revoke_execution_credentials(app_id)
        try:
            if code == 0:
                self._set(app_id, status="Stopped", message="app.sh exited with code 0")
            else:
                reason = f"{APP_SCRIPT} exited with code {code}"
                tail = self._output_tail(app_id)
                self._set(
                    app_id,
                    status="Failed",
                    message=f"{reason}; its last output:\n{tail}" if tail else reason,
                )
        except Exception:  # the store may be closing or reset
            log.debug("could not record the end of app %s", app_id, exc_info=True)

    def stop(self, app_id: str, *, final_status: str = "Stopped") -> None:
        with self._lock:
            proc = self._procs.pop(app_id, None)
        if proc is not None:
            terminate(proc, self.stop_grace)
            self.store.revoke_execution_credentials(app_id)
        row = self.get(app_id)
        if row is not None and (proc is not None or row["status"] == "Running"):
            self._set(app_id, status=final_status, message="stopped on request")

    def recover_interrupted(self) -> None:
        for row in self.store.query("SELECT id FROM apps WHERE status = 'Running'"):
            self._set(row["id"], status="Stopped", message="domino-server was restarted")
            self.store.revoke_execution_credentials(row["id"])

    def kill_all(self) -> None:
        with self._lock:
            procs = dict(self._procs)
            self._procs.clear()
        for app_id, proc in procs.items():
            terminate(proc, self.stop_grace)
            try:
                self._set(app_id, status="Stopped", message="domino-server was shut down")
                self.store.revoke_execution_credentials(app_id)
            except Exception:
                log.debug("could not record the end of app %s", app_id, exc_info=True)
        for proc in procs.values():
            try:
                proc.wait(self.stop_grace + 1)
            except subprocess.TimeoutExpired:
                kill_tree(proc)
