"""The local runner: a pipeline's steps as Domino jobs, scheduled from this process.

A state machine per step (pending → running → succeeded | failed | skipped | upstream_failed |
cancelled) with Airflow's trigger rules, matrix instances on a bounded thread pool, retries with
backoff, and a run record written after every change. ``resume`` continues a run from its
record: succeeded steps keep their outputs, jobs that were running are re-attached (never
started twice), the rest run again. Ctrl-C stops the running jobs and marks them cancelled.
"""

from __future__ import annotations

import copy
import queue
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from domino.pipelines.engine import (
    StepEngine,
    attempt_title,
    effective_state,
    evaluate_if,
    expression_context,
    steps_context,
    trigger_decision,
)
from domino.pipelines.errors import PipelineRunError
from domino.pipelines.expressions import ExpressionError
from domino.pipelines.pipeline import Instance, Pipeline, logical_date_now
from domino.pipelines.record import TERMINAL, RunRecord, iter_runs, new_run_id, now_iso
from domino.pipelines.validate import validate_text

if TYPE_CHECKING:
    from domino.domino import Domino

__all__ = ["LocalRunner"]

Listener = Callable[[RunRecord, dict[str, Any]], None]


class LocalRunner:
    """Runs (or resumes) one pipeline run; :meth:`run` returns the run's final status."""

    def __init__(
        self,
        pipeline: Pipeline,
        client: Domino,
        record: RunRecord,
        *,
        poll: float = 1.0,
        max_workers: int = 16,
        listener: Listener | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.record = record
        self.engine = StepEngine(client, pipeline, poll=poll)
        self.max_workers = max_workers
        self.listener = listener
        self._cancel = threading.Event()
        self._step_cancel: dict[str, threading.Event] = {}
        self._done: queue.Queue[tuple[str, int]] = queue.Queue()
        self._running: dict[str, set[int]] = {}
        self.lock = record._lock

    # -- construction --------------------------------------------------------------------------

    @classmethod
    def new_run(
        cls,
        pipeline: Pipeline,
        client: Domino,
        runs_dir: Path,
        *,
        params: Mapping[str, Any] | None = None,
        params_from_text: bool = False,
        logical_date: str | None = None,
        force: bool = False,
        **kw: Any,
    ) -> LocalRunner:
        run_id = new_run_id(pipeline.id)
        logical = logical_date or logical_date_now()
        if logical_date and not force:
            for old in iter_runs(runs_dir):
                if (
                    old.get("pipeline") == pipeline.id
                    and old.get("logical_date") == logical
                    and old.get("status") == "succeeded"
                ):
                    raise PipelineRunError(
                        f"run {old['run_id']} already succeeded for logical date {logical};"
                        " use --force to run it again"
                    )
        run = {"id": run_id, "logical_date": logical}
        typed = pipeline.resolve_params(params, run=run, from_text=params_from_text)
        engine = StepEngine(client, pipeline)
        needs_pin = any(s.commit == "pinned" for s in pipeline.steps.values())
        pinned = engine.pinned_commit() if needs_pin else None
        data: dict[str, Any] = {
            "run_id": run_id,
            "pipeline": pipeline.id,
            "file": str(pipeline.file),
            "spec_hash": pipeline.spec_hash,
            "project": pipeline.project,
            "host": client.host,
            "params": typed,
            "logical_date": logical,
            "pinned_commit": pinned,
            "status": "pending",
            "started": now_iso(),
            "ended": None,
            "steps": {
                sid: {"status": "pending", "needs": list(step.needs), "instances": []}
                for sid, step in pipeline.steps.items()
            },
        }
        runs_dir.mkdir(parents=True, exist_ok=True)
        record = RunRecord.create(runs_dir, data, pipeline.source)
        return cls(pipeline, client, record, **kw)

    @classmethod
    def resume(
        cls,
        runs_dir: Path,
        run_id: str,
        client_factory: Callable[[str, str | None], Domino],
        *,
        from_step: str | None = None,
        **kw: Any,
    ) -> LocalRunner:
        record = RunRecord.load(runs_dir, run_id)
        data = record.data
        source = (record.dir / "pipeline.yaml").read_text(encoding="utf-8")
        original = Path(str(data.get("file") or record.dir / "pipeline.yaml"))
        pipeline, _ = validate_text(source, str(original), base_dir=original.parent)
        if from_step is not None and from_step not in pipeline.steps:
            raise PipelineRunError(
                f"--from {from_step!r}: no such step; steps: {', '.join(pipeline.steps)}"
            )
        if data.get("status") == "succeeded" and from_step is None:
            raise PipelineRunError(f"run {run_id} already succeeded; use --from STEP to rerun")
        reset = {from_step, *pipeline.downstream(from_step)} if from_step else set()
        for sid, srec in data["steps"].items():
            if sid in reset or srec["status"] in (
                "failed",
                "cancelled",
                "upstream_failed",
                "skipped",
            ):
                srec["status"] = "pending"
                srec.pop("reason", None)
                for inst in srec["instances"]:
                    if sid in reset or inst["status"] != "succeeded":
                        inst["status"] = "pending"
                        inst["retry_base"] = len(inst["attempts"])
        data["status"] = "pending"
        data["ended"] = None
        data.setdefault("resumes", []).append({"at": now_iso(), "from": from_step})
        record.save("run_resumed", from_step=from_step)
        client = client_factory(pipeline.project, data.get("host"))
        return cls(pipeline, client, record, **kw)

    # -- the loop ------------------------------------------------------------------------------

    def _changed(self, event: str, /, **fields: Any) -> None:
        with self.lock:
            self.record.save(event, **fields)
            if self.listener is not None:
                self.listener(self.record, {"event": event, **fields})

    def cancel(self) -> None:
        self._cancel.set()
        for event in self._step_cancel.values():
            event.set()

    def run(self) -> str:
        """Run to the end; returns succeeded, failed or cancelled. Ctrl-C cancels."""
        data = self.record.data
        with self.lock:
            data["status"] = "running"
        self._changed("run_running")
        pool = ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="pipeline")
        try:
            try:
                self._loop(pool)
            except KeyboardInterrupt:
                self._interrupt(pool)
        finally:
            pool.shutdown(wait=True, cancel_futures=False)
        return self._finish()

    def _interrupt(self, pool: ThreadPoolExecutor) -> None:
        self.cancel()
        self._changed("run_cancelling")
        while any(self._running.values()):
            try:
                sid, index = self._done.get(timeout=0.5)
            except queue.Empty:
                continue
            except KeyboardInterrupt:
                continue  # a second Ctrl-C: still wait for the stops to be recorded
            self._collect(sid, index)
        with self.lock:
            for srec in self.record.data["steps"].values():
                for inst in srec["instances"]:
                    if inst["status"] not in TERMINAL:
                        inst["status"] = "cancelled"
                if srec["status"] not in TERMINAL:
                    srec["status"] = "cancelled"
        self._changed("run_cancelled")

    def _loop(self, pool: ThreadPoolExecutor) -> None:
        steps = self.record.data["steps"]
        while True:
            self._schedule(pool)
            if all(s["status"] in TERMINAL for s in steps.values()) and not any(
                self._running.values()
            ):
                return
            try:
                sid, index = self._done.get(timeout=0.5)
            except queue.Empty:
                continue
            self._collect(sid, index)

    def _finish(self) -> str:
        data = self.record.data
        with self.lock:
            failed = [
                sid
                for sid, s in data["steps"].items()
                if s["status"] in ("failed",) and not self.pipeline.steps[sid].allow_failure
            ]
            if self._cancel.is_set():
                status = "cancelled"
            elif failed:
                status = "failed"
            else:
                status = "succeeded"
            data["status"] = status
            data["ended"] = now_iso()
            data["failed_steps"] = failed
        self._changed("run_ended", status=status)
        return status

    # -- scheduling ----------------------------------------------------------------------------

    def _context(self, instance: Instance | None = None) -> dict[str, Any]:
        data = self.record.data
        with self.lock:
            snapshot = copy.deepcopy(data["steps"])
        run = {"id": data["run_id"], "logical_date": data["logical_date"]}
        return expression_context(
            data["params"], run, steps_context(self.pipeline, snapshot), instance
        )

    def _schedule(self, pool: ThreadPoolExecutor) -> None:
        data = self.record.data
        for sid, step in self.pipeline.steps.items():
            srec = data["steps"][sid]
            if srec["status"] == "pending" and not self._cancel.is_set():
                ups = [data["steps"][u] for u in step.needs]
                if any(u["status"] not in TERMINAL for u in ups):
                    continue
                states = [
                    effective_state(u["status"], self.pipeline.steps[n].allow_failure)
                    for n, u in zip(step.needs, ups, strict=True)
                ]
                decision = trigger_decision(step.trigger_rule, states)
                if decision != "run":
                    self._set_step(
                        sid,
                        "skipped" if decision == "skip" else decision,
                        f"trigger rule {step.trigger_rule}",
                    )
                    continue
                try:
                    go = evaluate_if(step.if_, self._context())
                    instances = self.pipeline.instances(sid, data["params"])
                except (ExpressionError, PipelineRunError) as exc:
                    self._set_step(sid, "failed", str(exc))
                    continue
                if not go:
                    self._set_step(sid, "skipped", f"if: {step.if_} is false")
                    continue
                with self.lock:
                    if len(srec["instances"]) != len(instances):
                        srec["instances"] = [
                            {
                                "key": i.key,
                                "matrix": dict(i.matrix) if i.matrix is not None else None,
                                "index": i.index,
                                "status": "pending",
                                "attempts": [],
                            }
                            for i in instances
                        ]
                    srec["status"] = "running"
                self._step_cancel.setdefault(sid, threading.Event())
                self._changed("step_running", step=sid)
            if srec["status"] != "running":
                continue
            running = self._running.setdefault(sid, set())
            self._step_cancel.setdefault(sid, threading.Event())
            if self._cancel.is_set():
                continue
            limit = step.max_parallel or len(srec["instances"]) or 1
            instances = self.pipeline.instances(sid, data["params"])
            for index, inst in enumerate(srec["instances"]):
                if len(running) >= limit:
                    break
                if index in running or inst["status"] in TERMINAL:
                    continue
                if self._step_cancel[sid].is_set():
                    break
                running.add(index)
                with self.lock:
                    inst["status"] = "running"
                pool.submit(self._worker, sid, index, instances[index])
            if not running and all(i["status"] in TERMINAL for i in srec["instances"]):
                self._complete_step(sid)

    def _set_step(self, sid: str, status: str, reason: str) -> None:
        with self.lock:
            srec = self.record.data["steps"][sid]
            srec["status"] = status
            srec["reason"] = reason
        self._changed("step_" + status, step=sid, reason=reason)

    def _collect(self, sid: str, index: int) -> None:
        self._running.get(sid, set()).discard(index)
        srec = self.record.data["steps"][sid]
        step = self.pipeline.steps[sid]
        inst = srec["instances"][index]
        if inst["status"] == "failed" and step.matrix and step.fail_fast:
            self._step_cancel[sid].set()
            with self.lock:
                for other in srec["instances"]:
                    if other["status"] == "pending":
                        other["status"] = "cancelled"
                        other["reason"] = f"fail_fast: {inst['key']} failed"
            self._changed("fail_fast", step=sid, key=inst["key"])

    def _complete_step(self, sid: str) -> None:
        srec = self.record.data["steps"][sid]
        statuses = [i["status"] for i in srec["instances"]]
        if all(s == "succeeded" for s in statuses):
            status = "succeeded"
        elif "failed" in statuses:
            status = "failed"
        else:
            status = "cancelled"
        with self.lock:
            srec["status"] = status
        self._changed("step_" + status, step=sid)

    # -- one instance, with its retries --------------------------------------------------------

    def _worker(self, sid: str, index: int, instance: Instance) -> None:
        try:
            self._run_instance(sid, index, instance)
        except Exception as exc:  # never lose a worker silently: the step fails, visibly
            with self.lock:
                inst = self.record.data["steps"][sid]["instances"][index]
                inst["status"] = "failed"
                inst["reason"] = f"runner error: {type(exc).__name__}: {exc}"
            self._changed("instance_error", key=instance.key, error=str(exc))
        finally:
            self._done.put((sid, index))

    def _run_instance(self, sid: str, index: int, instance: Instance) -> None:
        data = self.record.data
        step = instance.step
        cancel = self._step_cancel[sid]
        with self.lock:
            inst = data["steps"][sid]["instances"][index]
            attempts = inst["attempts"]
        while True:
            with self.lock:
                last = copy.deepcopy(attempts[-1]) if attempts else None
            if last is not None and last.get("status") in ("starting", "running"):
                attempt = last  # left by a runner that stopped: re-attach
                if not attempt.get("job_id"):
                    found = self.engine.find_started(attempt["title"])
                    if found:
                        attempt.update(job_id=found, url=self.engine.job_url(found))
                    else:
                        attempt = {"attempt": attempt["attempt"], "title": attempt["title"]}
                self._store_attempt(inst, attempt, "attempt_reattached", key=instance.key)
            else:
                number = len(attempts) + 1
                attempt = {
                    "attempt": number,
                    "title": attempt_title(self.pipeline.id, data["run_id"], instance.key, number),
                    "status": "pending",
                }
                with self.lock:
                    attempts.append(copy.deepcopy(attempt))

            def changed(event: str, _a: dict[str, Any] = attempt, **fields: Any) -> None:
                fields.setdefault("key", instance.key)
                self._store_attempt(inst, _a, event, **fields)

            self.engine.run_attempt(
                instance,
                self._context(instance),
                attempt,
                pinned=data.get("pinned_commit"),
                changed=changed,
                cancel=cancel,
            )
            status = attempt["status"]
            with self.lock:
                for field in ("job_id", "url", "input_commit", "output_commit"):
                    inst[field] = attempt.get(field)
                inst["outputs"] = attempt.get("outputs") or {}
            if status == "succeeded":
                return self._end_instance(inst, "succeeded", instance)
            if status == "cancelled" or cancel.is_set():
                return self._end_instance(inst, "cancelled", instance)
            used = len(attempts) - int(inst.get("retry_base", 0))
            if status in step.retries.on and used <= step.retries.count:
                delay = step.retries.delay * step.retries.backoff ** (used - 1)
                self._changed("retry_scheduled", key=instance.key, delay=delay, after=status)
                if cancel.wait(delay):
                    return self._end_instance(inst, "cancelled", instance)
                continue
            return self._end_instance(inst, "failed", instance)

    def _store_attempt(
        self, inst: dict[str, Any], attempt: dict[str, Any], event: str, /, **fields: Any
    ) -> None:
        with self.lock:
            attempts = inst["attempts"]
            saved = copy.deepcopy(attempt)
            for i, old in enumerate(attempts):
                if old.get("attempt") == attempt.get("attempt"):
                    attempts[i] = saved
                    break
            else:
                attempts.append(saved)
        self._changed(event, **fields)

    def _end_instance(self, inst: dict[str, Any], status: str, instance: Instance) -> None:
        with self.lock:
            inst["status"] = status
        self._changed("instance_" + status, key=instance.key)
