"""Runs executions as real processes, a bounded number at a time (no HTTP here).

Each execution gets a fresh working directory materialised from its input commit; its stdout and
stderr go to a log file as they are written (so the API can serve output while it runs); what
the process created, changed or deleted becomes the output commit. Processes run in their own
process group so that a stop (SIGTERM, then SIGKILL after a grace period) reaches their children.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from domino.server.blobs import CHUNK
from domino.server.executions import Executions
from domino.server.launch import (
    clean_env,
    kill_leftovers,
    kill_tree,
    reap,
    signal_group,
    spawn,
    terminate,
)
from domino.server.outputs import Limits, OutputWalk, remove_tree, server_inodes
from domino.server.repo import Entry, Repo
from domino.server.store import Store, new_secret, now_ms

__all__ = ["CannotStart", "Runner", "base_env", "shell", "signal_group", "spawn", "terminate"]

log = logging.getLogger(__name__)

HOUSEKEEPING_INTERVAL = 300.0


class CannotStart(Exception):
    """The execution cannot be started (missing script, unparsable command): status Error."""


def shell() -> str:
    return shutil.which("bash") or "/bin/sh"


def build_argv(command: list[str] | str, is_direct: bool, work_dir: Path) -> list[str]:
    """The argv for a v1/v4 command: ``*.py`` with this Python, ``*.sh`` with bash, ``*.R``
    with Rscript, ``isDirect`` and anything else through the shell."""
    if isinstance(command, list) and len(command) == 1:
        command = command[0]
    if is_direct:
        line = command if isinstance(command, str) else " ".join(command)
        return [shell(), "-c", line]
    try:
        tokens = shlex.split(command) if isinstance(command, str) else list(command)
    except ValueError as exc:
        raise CannotStart(f"cannot parse command {command!r}: {exc}") from None
    if not tokens:
        raise CannotStart("empty command")
    first, rest = tokens[0], tokens[1:]
    suffix = Path(first).suffix
    interpreters = {".py": [sys.executable], ".sh": [shell()], ".R": ["Rscript"], ".r": ["Rscript"]}
    if suffix in interpreters:
        target = (work_dir / first).resolve()
        inside = target == work_dir.resolve() or work_dir.resolve() in target.parents
        if not inside or not target.is_file():
            raise CannotStart(f"file {first!r} not found in the project's files")
        if suffix in (".R", ".r") and shutil.which("Rscript") is None:
            raise CannotStart("cannot run an R script: Rscript is not installed on this server")
        return [*interpreters[suffix], first, *rest]
    if suffix == ".ipynb":
        raise CannotStart("notebooks cannot be run by domino-server; convert it to a script")
    if first in ("python", "python3"):
        return [sys.executable, *rest]
    return [shell(), "-c", shlex.join(tokens)]


def base_env() -> dict[str, str]:
    """Where an execution's environment starts: never the server's own (see launch.clean_env)."""
    return clean_env()


@dataclass
class _Task:
    execution_id: str
    secret: str
    minted: bool
    api_host: str
    generation: int


class Runner:
    def __init__(
        self,
        store: Store,
        *,
        workers: int | None = None,
        stop_grace: float = 5.0,
        limits: Limits | None = None,
    ):
        self.store = store
        self.limits = limits or Limits()
        self.executions = Executions(store)
        self.repo = Repo(store)
        self.workers = max(1, workers or os.cpu_count() or 2)
        self.stop_grace = stop_grace
        self._queue: queue.Queue[_Task | None] = queue.Queue()
        self._cond = threading.Condition()
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._stopping: set[str] = set()
        self._busy = 0
        self._generation = 0
        self._threads: list[threading.Thread] = []
        self._shutdown = threading.Event()
        self.on_shutdown: list[Callable[[], None]] = []
        self.on_reset: list[Callable[[], None]] = []

    # -- lifecycle of the runner ---------------------------------------------------------------

    def recover_interrupted(self) -> None:
        """Kill what a previous server process left running; mark its executions Error."""
        killed = kill_leftovers(self.store.data_dir)
        if killed:
            log.warning("killed %d processes a previous domino-server left running", killed)
        for row in self.executions.active():
            was = "running" if row["status"] == "Running" else "queued"
            self._abandon(row, f"domino-server stopped while this execution was {was}")

    def _abandon(self, row: dict[str, Any], why: str) -> None:
        note = f"{why}; it was marked Error."
        # Credentials go first: once a client sees a terminal status, the key must be dead.
        self.store.revoke_execution_credentials(row["id"])
        self.executions.append_log(row["id"], f"\n[domino-server] {note}\n")
        self.executions.finish(
            row["id"], "Error", output_commit=row["input_commit"], setup_note=note
        )
        remove_tree(self.executions.work_dir(row["id"]))

    def start(self, housekeeping: Callable[[], object] | None = None) -> None:
        for i in range(self.workers):
            thread = threading.Thread(target=self._worker, name=f"domino-runner-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)
        if housekeeping is not None:
            thread = threading.Thread(
                target=self._housekeeping,
                args=(housekeeping,),
                name="domino-housekeeping",
                daemon=True,
            )
            thread.start()

    def _housekeeping(self, task: Callable[[], object]) -> None:
        while not self._shutdown.wait(HOUSEKEEPING_INTERVAL):
            try:
                task()
            except Exception:
                log.exception("housekeeping failed")

    def shutdown(self) -> None:
        """Stop every process (SIGTERM, SIGKILL after the grace period) and the workers."""
        self._shutdown.set()
        with self._cond:
            procs = list(self._procs.values())
        for proc in procs:
            terminate(proc, self.stop_grace)
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(self.stop_grace + 10)
        for hook in self.on_shutdown:
            hook()
        for row in self.executions.active():
            self._abandon(row, "domino-server was shut down before this execution finished")

    def reset(self) -> None:
        """Forget queued work and kill running processes (before the store is wiped)."""
        with self._cond:
            self._generation += 1
            try:
                while True:
                    self._queue.get_nowait()
            except queue.Empty:
                pass
            procs = list(self._procs.values())
        for proc in procs:
            kill_tree(proc)
        with self._cond:
            self._cond.wait_for(lambda: self._busy == 0, timeout=30)
            self._stopping.clear()
        for hook in self.on_reset:
            hook()

    # -- requests ------------------------------------------------------------------------------

    def submit(
        self,
        row: dict[str, Any],
        *,
        caller_secret: str | None,
        caller_kind: str,
        api_host: str,
    ) -> None:
        """Queue an execution. The process gets a key minted for this execution alone (never
        the caller's own), revoked when it ends; the caller's credential is not used."""
        del caller_secret, caller_kind  # kept for the routers' call; never handed to user code
        secret = new_secret()
        self.store.add_credential(row["starting_user_id"], secret, "run", row["id"])
        minted = True
        with self._cond:
            generation = self._generation
        self._queue.put(_Task(row["id"], secret, minted, api_host, generation))

    def stop(self, execution_id: str, commit_results: bool) -> None:
        self.executions.set_commit_results(execution_id, commit_results)
        row = self.executions.get(execution_id)
        if row is None:
            return
        if self.executions.finish(
            execution_id,
            "Stopped",
            output_commit=row["input_commit"],
            setup_note="Stopped before it started.",
            only_from=("Queued",),
        ):
            self.store.revoke_execution_credentials(execution_id)
            return
        current = self.executions.get(execution_id)  # re-read: a worker may just have claimed it
        if current is None or current["status"] != "Running":
            return  # already over
        with self._cond:
            self._stopping.add(execution_id)
            proc = self._procs.get(execution_id)
        if proc is not None:
            terminate(proc, self.stop_grace)

    # -- workers -------------------------------------------------------------------------------

    def _worker(self) -> None:
        # Nothing a task does may end this loop: a dead worker leaves every later job Queued.
        while True:
            task = self._queue.get()
            if task is None or self._shutdown.is_set():
                return
            try:
                self._one(task)
            except BaseException:  # noqa: BLE001 - the loop must survive anything
                log.exception("runner worker survived an error on %s", task.execution_id)

    def _one(self, task: _Task) -> None:
        with self._cond:
            if task.generation != self._generation:
                return
            self._busy += 1
        try:
            self._run(task)
        except Exception:
            log.exception("execution %s failed inside the runner", task.execution_id)
            try:
                row = self.executions.get(task.execution_id)
                if row is not None and self._current(task):
                    self._abandon(row, "domino-server hit an internal error running this execution")
            except Exception:
                log.exception("could not mark execution %s Error", task.execution_id)
        finally:
            try:
                self.store.revoke_execution_credentials(task.execution_id)  # safety net
            finally:
                with self._cond:
                    self._busy -= 1
                    self._stopping.discard(task.execution_id)
                    self._cond.notify_all()

    def _current(self, task: _Task) -> bool:
        return task.generation == self._generation and not self._shutdown.is_set()

    def _run(self, task: _Task) -> None:
        eid = task.execution_id
        if not self.executions.claim(eid):
            return
        row = self.executions.get(eid)
        assert row is not None
        work_dir = self.executions.work_dir(eid)
        try:
            snapshot = self._materialise(row, work_dir)
            argv = build_argv(_command(row), bool(row["is_direct"]), work_dir)
            env = self._env(row, task, work_dir)
            shown = ["python", *argv[1:]] if argv[0] == sys.executable else argv
            self.executions.append_setup(
                eid,
                f"Working directory prepared from commit {row['input_commit']}"
                f" ({len(snapshot)} files).\nRunning: {shlex.join(shown)}",
            )
            proc = spawn(argv, work_dir, env, self.executions.log_path(eid))
        except (CannotStart, OSError) as exc:
            note = f"Could not start: {exc}"
            self.executions.append_log(eid, f"[domino-server] {note}\n")
            self.store.revoke_execution_credentials(eid)
            self.executions.finish(eid, "Error", output_commit=row["input_commit"], setup_note=note)
            remove_tree(work_dir)
            return
        with self._cond:
            self._procs[eid] = proc
            if eid in self._stopping or not self._current(task):
                terminate(proc, self.stop_grace)
        try:
            code = proc.wait()
        finally:
            reap(proc)  # children the script left behind, setsid or not
            with self._cond:
                self._procs.pop(eid, None)
                stop_requested = eid in self._stopping
            # The process is gone, so its key can go before anyone sees a terminal status.
            self.store.revoke_execution_credentials(eid)
        try:
            if not self._current(task):
                return
            row = self.executions.get(eid)
            assert row is not None
            if stop_requested:
                status, note = "Stopped", "Stopped on request."
            elif code == 0:
                status, note = "Succeeded", "Exited with code 0."
            else:
                status, note = "Failed", f"Exited with code {code}."
            output = row["input_commit"]
            if not stop_requested or row["commit_results"]:
                output = self._collect(row, work_dir, snapshot)
            self.executions.finish(
                eid, status, output_commit=output, exit_code=code, setup_note=note
            )
        finally:
            remove_tree(work_dir)

    def _materialise(self, row: dict[str, Any], work_dir: Path) -> dict[str, tuple[int, int]]:
        remove_tree(work_dir)
        work_dir.mkdir(parents=True)
        snapshot: dict[str, tuple[int, int]] = {}
        for path, (key, _size, modified) in self.repo.tree(
            row["project_id"], row["input_commit"]
        ).items():
            dest = work_dir / path
            self.repo.blobs.copy_to(key, dest)
            # An old mtime guarantees that any write by the process is seen as a change.
            mtime_ns = modified * 1_000_000
            os.utime(dest, ns=(mtime_ns, mtime_ns))
            st = dest.stat()
            snapshot[path] = (st.st_size, st.st_mtime_ns)
        return snapshot

    def _env(self, row: dict[str, Any], task: _Task, work_dir: Path) -> dict[str, str]:
        project = self.store.get_project(row["project_id"])
        user = self.store.get_user(row["starting_user_id"])
        assert project is not None and user is not None
        env = clean_env()
        env.update(
            DOMINO_PROJECT_OWNER=project["owner_name"],
            DOMINO_PROJECT_NAME=project["name"],
            DOMINO_PROJECT_ID=project["id"],
            DOMINO_RUN_ID=row["id"],
            DOMINO_RUN_NUMBER=str(row["number"]),
            DOMINO_HARDWARE_TIER_ID=row["hardware_tier_id"],
            DOMINO_ENVIRONMENT_ID=row["environment_id"],
            DOMINO_STARTING_USERNAME=user["name"],
            DOMINO_API_HOST=task.api_host,
            DOMINO_USER_API_KEY=task.secret,
            DOMINO_WORKING_DIR=str(work_dir),
        )
        return env

    def _collect(
        self, row: dict[str, Any], work_dir: Path, snapshot: dict[str, tuple[int, int]]
    ) -> str:
        """Commit what the process changed (on top of the current head); returns the commit.

        Skipped entries (too deep, too many, hard links to the server's files) are reported in
        the execution's log."""
        input_tree = self.repo.tree(row["project_id"], row["input_commit"])
        changes: dict[str, Entry | None] = {}
        seen: set[str] = set()
        walk = OutputWalk(work_dir, self.limits, server_inodes(self.store.data_dir))
        for found in walk.files():
            seen.add(found.rel)
            if snapshot.get(found.rel) == (found.size, found.mtime_ns):
                continue
            fd = walk.open(found)
            if fd is None:
                seen.discard(found.rel)
                continue
            with os.fdopen(fd, "rb") as fh:
                key, size = self.repo.blobs.put_chunks(iter(lambda: fh.read(CHUNK), b""))
            old = input_tree.get(found.rel)
            if old is not None and old[0] == key:
                continue
            changes[found.rel] = (key, size, now_ms())
        notes = walk.report.lines(self.limits)
        if notes:
            text = "".join(f"[domino-server] results: {n}\n" for n in notes)
            self.executions.append_log(row["id"], text)
            self.executions.append_setup(row["id"], text)
        for path in input_tree:
            if path not in seen:
                changes[path] = None
        if not changes:
            return str(row["input_commit"])
        return self.repo.apply_changes(
            row["project_id"], changes, f"Results of execution #{row['number']}"
        )


def _command(row: dict[str, Any]) -> list[str] | str:
    value = json.loads(row["command"])
    return value if isinstance(value, list | str) else str(value)
