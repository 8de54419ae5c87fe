"""The step engine: one attempt of one step instance as a Domino job, for both drivers.

It resolves the step's expressions, starts the job (tier, environment and commit resolved and
recorded), waits for it against an absolute deadline, stops it on timeout or cancellation,
reads and checks the outputs file at the job's output commit, and fills in the attempt record.
The local runner and the Airflow operator both call :meth:`StepEngine.run_attempt`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from domino.exceptions import (
    DominoException,
    EnvironmentNotFoundException,
    HardwareTierNotFoundException,
    NotFoundError,
)
from domino.pipelines.expressions import ExpressionError, parse_template
from domino.pipelines.outputs import MAX_OUTPUT_BYTES, OutputsError, check_outputs, output_path
from domino.pipelines.pipeline import Instance, Pipeline
from domino.pipelines.record import now_iso

if TYPE_CHECKING:
    from domino.domino import Domino

__all__ = ["JobRequest", "StepEngine", "steps_context", "trigger_decision"]

logger = logging.getLogger(__name__)

Changed = Callable[..., None]
_FAILURE_KIND = {"Failed": "failed", "Error": "error", "Stopped": "failed"}
_TERMINAL_JOB = ("Succeeded", "Failed", "Error", "Stopped")


@dataclass(frozen=True)
class JobRequest:
    command: str
    commit_id: str | None
    hardware_tier_id: str | None
    environment_id: str | None
    title: str


def attempt_title(pipeline: str, run_id: str, key: str, attempt: int) -> str:
    """The job title: how a re-attaching runner finds a job it started but did not record."""
    return f"pipeline {pipeline} run {run_id} step {key} attempt {attempt}"


# --------------------------------------------------------------------------- shared semantics


def steps_context(pipeline: Pipeline, steps: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """``steps.*`` of the expression context from step records (local run or Airflow XComs)."""
    out: dict[str, Any] = {}
    for sid, record in steps.items():
        step = pipeline.steps.get(sid)
        if step is None:
            continue
        instances = list(record.get("instances") or [])
        names = list(step.outputs)

        def outputs_of(inst: Mapping[str, Any], names: list[str] = names) -> dict[str, Any]:
            got = inst.get("outputs") or {}
            return {k: got.get(k) for k in names}

        if step.matrix:
            out[sid] = {
                "status": record.get("status"),
                "job_id": None,
                "url": None,
                "commit": None,
                "input_commit": None,
                "attempt": max((len(i.get("attempts") or []) for i in instances), default=0),
                "outputs": {k: [outputs_of(i)[k] for i in instances] for k in step.outputs},
                "instances": [
                    {
                        "matrix": i.get("matrix"),
                        "status": i.get("status"),
                        "outputs": outputs_of(i),
                        "job_id": i.get("job_id"),
                    }
                    for i in instances
                ],
            }
        else:
            inst = instances[0] if instances else {}
            out[sid] = {
                "status": record.get("status"),
                "job_id": inst.get("job_id"),
                "url": inst.get("url"),
                "commit": inst.get("output_commit"),
                "input_commit": inst.get("input_commit"),
                "attempt": len(inst.get("attempts") or []),
                "outputs": outputs_of(inst),
                "instances": [],
            }
    return out


def effective_state(status: str | None, allow_failure: bool) -> str:
    """How a finished step looks to its downstream trigger rules."""
    if status == "succeeded" or (status == "failed" and allow_failure):
        return "success"
    if status in ("failed", "cancelled"):
        return "failed"
    if status == "upstream_failed":
        return "upstream_failed"
    return "skipped"


def trigger_decision(rule: str, states: list[str]) -> str:
    """Airflow's trigger rules over finished upstream states: ``run``, ``skip`` or
    ``upstream_failed``. ``states`` use Airflow's words (success, failed, upstream_failed,
    skipped); a failed ``allow_failure`` step counts as success."""
    if not states:
        return "run"
    failed = sum(s in ("failed", "upstream_failed") for s in states)
    success = states.count("success")
    skipped = states.count("skipped")
    n = len(states)
    if rule == "always" or rule == "all_done":
        return "run"
    if rule == "all_success":
        if failed:
            return "upstream_failed"
        return "run" if success == n else "skip"
    if rule == "all_failed":
        return "run" if failed == n else "skip"
    if rule == "all_skipped":
        return "run" if skipped == n else "skip"
    if rule == "one_success":
        if success:
            return "run"
        return "upstream_failed" if failed else "skip"
    if rule == "one_failed":
        return "run" if failed else "skip"
    if rule == "one_done":
        return "run" if success or failed else "skip"
    if rule == "none_failed":
        return "upstream_failed" if failed else "run"
    if rule == "none_failed_min_one_success":
        if failed:
            return "upstream_failed"
        return "run" if success else "skip"
    if rule == "none_skipped":
        return "skip" if skipped else "run"
    raise ValueError(f"unknown trigger rule {rule!r}")


def evaluate_if(condition: str | bool | None, ctx: Mapping[str, Any]) -> bool:
    if condition is None:
        return True
    if isinstance(condition, bool):
        return condition
    text = condition if "${{" in condition else "${{ " + condition + " }}"
    value = parse_template(text).value(ctx)
    return value not in (None, False, 0, "", [], {}, "false")


def expression_context(
    params: Mapping[str, Any],
    run: Mapping[str, Any],
    steps: Mapping[str, Any],
    instance: Instance | None = None,
    inputs: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "params": dict(params),
        "run": {"id": run.get("id"), "logical_date": run.get("logical_date")},
        "steps": dict(steps),
        "matrix": dict(instance.matrix or {}) if instance is not None else {},
        "inputs": dict(inputs or {}),
    }


def render_inputs(instance: Instance, ctx: Mapping[str, Any]) -> dict[str, Any]:
    """A ``uses`` step's inputs, their ``${{ }}`` values resolved."""
    out = {}
    for key, value in instance.step.inputs.items():
        out[key] = parse_template(value).value(ctx) if isinstance(value, str) else value
    return out


# --------------------------------------------------------------------------- the engine


class StepEngine:
    """Runs attempts of step instances as jobs of ``client``'s project."""

    def __init__(
        self,
        client: Domino,
        pipeline: Pipeline,
        *,
        poll: float = 1.0,
        stop_wait: float = 60.0,
        outputs_limit: int = MAX_OUTPUT_BYTES,
    ) -> None:
        self.client = client
        self.pipeline = pipeline
        self.poll = poll
        self.stop_wait = stop_wait
        self.outputs_limit = outputs_limit
        self._ids: dict[str, dict[str, str]] = {}  # kind -> name or id -> id
        self._lock = threading.Lock()

    # -- resolution ----------------------------------------------------------------------------

    def pinned_commit(self) -> str | None:
        commits = self.client.commits_list()
        if not commits:
            return None
        first = commits[0]
        return str(first["id"] if isinstance(first, Mapping) else first)

    def tier_id(self, name_or_id: str | None) -> str | None:
        return self._resolve(
            "hardware tier",
            name_or_id,
            lambda: [
                entry.get("hardwareTier") or {} for entry in self.client.hardware_tiers_list()
            ],
            HardwareTierNotFoundException,
        )

    def environment_id(self, name_or_id: str | None) -> str | None:
        client = self.client
        return self._resolve(
            "environment",
            name_or_id,
            lambda: client._get(client._routes.useable_environments(client.project_id)) or [],
            EnvironmentNotFoundException,
        )

    def _resolve(
        self,
        kind: str,
        name_or_id: str | None,
        records: Callable[[], Any],
        error: type[Exception],
    ) -> str | None:
        """The id of the ``kind`` (hardware tier, environment) named ``name_or_id`` (a name or
        an id), from a table listed once per engine; ``error`` names the known ones."""
        if name_or_id is None:
            return None
        with self._lock:
            table = self._ids.get(kind)
            if table is None:
                table = {}
                for record in records():
                    table.setdefault(str(record.get("id")), str(record.get("id")))
                    table.setdefault(str(record.get("name")), str(record.get("id")))
                self._ids[kind] = table
        if name_or_id not in table:
            raise error(
                f"{kind} {name_or_id!r} not found in {self.pipeline.project}; known: "
                + ", ".join(sorted(set(table)))
            )
        return table[name_or_id]

    def render(
        self, instance: Instance, ctx: Mapping[str, Any], pinned: str | None, title: str
    ) -> JobRequest:
        step = instance.step
        ctx = {**ctx, "inputs": render_inputs(instance, ctx)}
        command = parse_template(step.command).render(ctx, quote=True)
        if step.commit == "pinned":
            commit: str | None = pinned
        elif step.commit == "latest":
            commit = None
        elif "${{" in step.commit:
            value = parse_template(step.commit).value(ctx)
            commit = str(value) if value else None
            if commit is None:
                raise ExpressionError(f"{step.commit} has no commit (did that step run?)")
        else:
            commit = step.commit
        return JobRequest(
            command=command,
            commit_id=commit,
            hardware_tier_id=self.tier_id(step.hardware_tier),
            environment_id=self.environment_id(step.environment),
            title=title,
        )

    def job_url(self, job_id: str) -> str:
        owner, name = self.pipeline.project.split("/", 1)
        return f"{self.client.host.rstrip('/')}/jobs/{owner}/{name}/{job_id}"

    # -- one attempt ---------------------------------------------------------------------------

    def run_attempt(
        self,
        instance: Instance,
        ctx: Mapping[str, Any],
        attempt: dict[str, Any],
        *,
        pinned: str | None,
        changed: Changed,
        cancel: threading.Event | None = None,
    ) -> dict[str, Any]:
        """Start (or, if ``attempt`` has a job id, re-attach to) the job and see it through.

        ``attempt`` is the record dict, updated in place; ``changed(event, **fields)`` is
        called after each change so the caller can persist it. Returns ``attempt`` with
        ``status`` one of succeeded, failed, error, timeout, cancelled.
        """
        step = instance.step
        if not attempt.get("job_id"):
            attempt.setdefault("started", now_iso())
            try:
                request = self.render(instance, ctx, pinned, attempt["title"])
            except (ExpressionError, DominoException) as exc:
                return self._end(attempt, "failed", changed, error=str(exc))
            attempt.update(
                status="starting",
                command=request.command,
                input_commit=request.commit_id,
                hardware_tier=request.hardware_tier_id,
                environment=request.environment_id,
            )
            if step.timeout is not None:
                attempt["deadline"] = time.time() + step.timeout
            changed("attempt_starting", key=instance.key, attempt=attempt["attempt"])
            if cancel is not None and cancel.is_set():
                return self._end(attempt, "cancelled", changed, error="cancelled before start")
            try:
                job = self.client.job_start(
                    request.command,
                    commit_id=request.commit_id,
                    hardware_tier_id=request.hardware_tier_id,
                    environment_id=request.environment_id,
                    title=request.title,
                )
            except DominoException as exc:
                return self._end(attempt, "error", changed, error=f"job did not start: {exc}")
            attempt.update(
                job_id=str(job["id"]), url=self.job_url(str(job["id"])), status="running"
            )
            changed(
                "attempt_running",
                key=instance.key,
                attempt=attempt["attempt"],
                job_id=attempt["job_id"],
            )
        job_id = str(attempt["job_id"])
        final, reason = self.wait(job_id, attempt.get("deadline"), cancel)
        details = final.get("commitDetails") or {}
        attempt["input_commit"] = details.get("inputCommitId") or attempt.get("input_commit")
        attempt["output_commit"] = details.get("outputCommitId")
        attempt["job_status"] = (final.get("statuses") or {}).get("executionStatus")
        if reason == "timeout":
            return self._end(
                attempt,
                "timeout",
                changed,
                error=f"timed out after {step.timeout:g} s; job stopped",
            )
        if reason == "cancelled":
            return self._end(attempt, "cancelled", changed, error="cancelled; job stopped")
        if attempt["job_status"] != "Succeeded":
            kind = _FAILURE_KIND.get(str(attempt["job_status"]), "failed")
            return self._end(attempt, kind, changed, error=f"job ended {attempt['job_status']}")
        try:
            values, warnings = self.read_outputs(instance, job_id, attempt["output_commit"])
        except (OutputsError, DominoException) as exc:
            return self._end(attempt, "failed", changed, error=str(exc))
        attempt["outputs"] = values
        if warnings:
            attempt["warnings"] = warnings
        return self._end(attempt, "succeeded", changed)

    def _end(
        self, attempt: dict[str, Any], status: str, changed: Changed, error: str | None = None
    ) -> dict[str, Any]:
        attempt["status"] = status
        attempt["ended"] = now_iso()
        if error:
            attempt["error"] = error
        changed("attempt_ended", attempt=attempt.get("attempt"), status=status, error=error)
        return attempt

    def find_started(self, title: str) -> str | None:
        """Id of a job of this project with ``title`` (a start whose answer was lost)."""
        page = self.client.jobs_list(self.client.project_id, page_size=50)
        for job in page.get("jobs") or []:
            if job.get("title") == title:
                return str(job["id"])
        return None

    # -- waiting -------------------------------------------------------------------------------

    def wait(
        self, job_id: str, deadline: float | None, cancel: threading.Event | None
    ) -> tuple[dict[str, Any], str]:
        """Poll until the job is terminal (``done``), the deadline passes (``timeout``: the job
        is stopped) or ``cancel`` is set (``cancelled``: the job is stopped)."""
        delay = 0.1
        failures = 0
        while True:
            job: dict[str, Any] = {}
            try:
                job = dict(self.client.job_status(job_id))
                failures = 0
            except NotFoundError:
                raise
            except DominoException as exc:
                failures += 1
                if failures > 30:
                    raise
                logger.warning("status of job %s unavailable (%s); retrying", job_id, exc)
            status = (job.get("statuses") or {}).get("executionStatus")
            if status in _TERMINAL_JOB:
                return dict(job), "done"
            if deadline is not None and time.time() >= deadline:
                return self.stop(job_id), "timeout"
            if cancel is not None and cancel.is_set():
                return self.stop(job_id), "cancelled"
            pause = delay
            if deadline is not None:
                pause = max(0.0, min(pause, deadline - time.time()))
            if cancel is not None:
                cancel.wait(pause)
            else:
                time.sleep(pause)
            delay = min(self.poll, delay * 1.5)

    def stop(self, job_id: str) -> dict[str, Any]:
        """Stop the job and wait (bounded) until the server reports it ended."""
        try:
            self.client.job_stop(job_id, commit_results=False)
        except DominoException as exc:
            logger.warning("could not stop job %s: %s", job_id, exc)
        end = time.monotonic() + self.stop_wait
        job: dict[str, Any] = {}
        while time.monotonic() < end:
            try:
                job = dict(self.client.job_status(job_id))
            except DominoException:
                job = {}
            if (job.get("statuses") or {}).get("executionStatus") in _TERMINAL_JOB:
                break
            time.sleep(0.2)
        return job

    # -- outputs -------------------------------------------------------------------------------

    def read_outputs(
        self, instance: Instance, job_id: str, commit: str | None
    ) -> tuple[dict[str, Any], list[str]]:
        where = f"step {instance.key} (job {job_id})"
        raw: bytes | None = None
        if commit:
            try:
                stream = self.client.blobs_get_v2(
                    "/" + output_path(job_id), commit, self.client.project_id
                )
                raw = stream.read(self.outputs_limit + 1)
            except NotFoundError:
                raw = None
        return check_outputs(raw, instance.step.outputs, where=where, limit=self.outputs_limit)
