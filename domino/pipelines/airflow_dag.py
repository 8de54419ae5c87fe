"""The Airflow driver: a pipeline YAML becomes a DAG of Domino job tasks, at parse time.

``pipeline_dag("pipelines/churn.yaml")`` maps pipeline → dag_id, params → Params (JSON Schema),
schedule → a cron timetable in the time zone, every step (every matrix instance, in a TaskGroup
with readable ids such as ``train.region-us``) → one :class:`PipelineStepOperator` (a
:class:`~domino.airflow.DominoJobOperator`: deferrable, extra link, re-attach, on_kill), needs →
edges, trigger_rule → the same rule, retries → Airflow retries (the only retry layer), timeout →
the job deadline plus ``execution_timeout``, ``if`` false → skipped. A first task pins the
run's commit; a last ``all_done`` task fails the DAG run exactly when the local runner's run
would fail (any failed step without ``allow_failure``), and writes the same run record.

The step semantics (expressions, commits, outputs, trigger-rule fallout, record format) are
the step engine's, shared with the local runner.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from domino.airflow._compat import AIRFLOW_V3, AirflowException, BaseOperator, Context
from domino.airflow._execution import DominoJobTimeoutError
from domino.airflow.operators import DominoJobOperator
from domino.pipelines.engine import (
    StepEngine,
    attempt_title,
    effective_state,
    evaluate_if,
    expression_context,
    steps_context,
    trigger_decision,
)
from domino.pipelines.expressions import ExpressionError
from domino.pipelines.outputs import OutputsError
from domino.pipelines.pipeline import Instance, Pipeline
from domino.pipelines.record import RUNS_DIR_ENV, now_iso
from domino.pipelines.validate import load_pipeline

if AIRFLOW_V3:
    from airflow.sdk import DAG, CronTriggerTimetable, Param, TaskGroup
    from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException
else:  # Airflow 2.10
    from airflow import DAG
    from airflow.exceptions import AirflowFailException, AirflowSkipException
    from airflow.models.param import Param
    from airflow.timetables.trigger import CronTriggerTimetable
    from airflow.utils.task_group import TaskGroup

__all__ = ["DagBuilder", "PipelineStepOperator", "pipeline_dag"]

START_TASK = "pipeline_start"
STATUS_TASK = "pipeline_status"
STEP_XCOM = "pipeline_step"
EXECUTION_MARGIN = 120.0
_PLACEHOLDER = "(resolved by the pipeline engine when the task runs)"
_cache: dict[str, tuple[float, Pipeline]] = {}


def _pipeline(path: str) -> Pipeline:
    """The validated pipeline at ``path`` (cached per process while the file is unchanged)."""
    mtime = os.stat(path).st_mtime
    cached = _cache.get(path)
    if cached is None or cached[0] != mtime:
        pipeline, _ = load_pipeline(path)
        _cache[path] = (mtime, pipeline)
        return pipeline
    return cached[1]


_JSON_TYPES = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "list": {"type": "array"},
    "dict": {"type": "object"},
}


def _param_schema(type_name: str) -> dict[str, Any]:
    if type_name.startswith("list["):
        return {"type": "array", "items": _JSON_TYPES[type_name[5:-1]]}
    return dict(_JSON_TYPES[type_name])


def airflow_params(pipeline: Pipeline) -> dict[str, Any]:
    out = {}
    for name, param in pipeline.params.items():
        schema = _param_schema(param.type)
        default = param.default
        if isinstance(default, str) and "${{" in default:
            # evaluated by the start task (it may use run.logical_date)
            schema = {"type": ["null", schema["type"]]}
            default = None
        extra: dict[str, Any] = {}
        if param.minimum is not None:
            extra["minimum"] = param.minimum
        if param.maximum is not None:
            extra["maximum"] = param.maximum
        if param.enum is not None:
            extra["enum"] = param.enum
        out[name] = Param(default, description=param.description, **schema, **extra)
    return out


def _upstream_records(context: Context, pipeline: Pipeline, step_ids: set[str]) -> dict[str, Any]:
    """Step records of ``step_ids`` from their tasks' XComs (missing: never ran)."""
    ti = context["ti"]
    params = _run_info(context)["params"]
    records: dict[str, Any] = {}
    for sid in [s for s in pipeline.steps if s in step_ids]:
        instances = []
        for inst in pipeline.instances(sid, params):
            rec = ti.xcom_pull(task_ids=inst.key, key=STEP_XCOM)
            instances.append(rec or {"key": inst.key, "status": None, "attempts": []})
        statuses = [i.get("status") for i in instances]
        status: str | None
        if all(s == "succeeded" for s in statuses):
            status = "succeeded"
        elif "failed" in statuses:
            status = "failed"
        elif statuses and all(s == "skipped" for s in statuses):
            status = "skipped"
        else:
            status = statuses[0] if len(statuses) == 1 else None
        records[sid] = {"status": status, "instances": instances}
    return records


def _run_info(context: Context) -> dict[str, Any]:
    info: dict[str, Any] = context["ti"].xcom_pull(task_ids=START_TASK) or {}
    return info


def _logical_date(context: Context) -> str:
    value = context.get("logical_date") or getattr(context.get("dag_run"), "run_after", None)
    if value is None:
        value = dt.datetime.now(dt.timezone.utc)
    return str(value.isoformat()) if hasattr(value, "isoformat") else str(value)


def _run_id(pipeline: Pipeline, context: Context) -> str:
    raw = str(getattr(context.get("dag_run"), "run_id", "") or context.get("run_id") or "run")
    return f"{pipeline.id}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', raw)}"


class PipelineStartOperator(BaseOperator):
    """Types the params, pins the run's commit, and shares both with the step tasks (XCom)."""

    ui_color = "#e8eef7"

    def __init__(self, *, pipeline_path: str, domino_conn_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pipeline_path = pipeline_path
        self.domino_conn_id = domino_conn_id

    def execute(self, context: Context) -> Any:
        from domino.airflow.hooks import DominoHook

        pipeline = _pipeline(self.pipeline_path)
        run = {"id": _run_id(pipeline, context), "logical_date": _logical_date(context)}
        given = {k: v for k, v in dict(context.get("params") or {}).items() if v is not None}
        params = pipeline.resolve_params(
            {k: v for k, v in given.items() if k in pipeline.params}, run=run
        )
        pinned = None
        if any(s.commit == "pinned" for s in pipeline.steps.values()):
            client = DominoHook(self.domino_conn_id).get_client(pipeline.project)
            pinned = StepEngine(client, pipeline).pinned_commit()
        return {
            "run_id": run["id"],
            "logical_date": run["logical_date"],
            "params": params,
            "pinned_commit": pinned,
            "started": now_iso(),
            "spec_hash": pipeline.spec_hash,
        }


class PipelineStepOperator(DominoJobOperator):
    """One step instance as a Domino job; returns the step's validated outputs.

    Nothing here is Jinja-templated (``template_fields = ()``): ``${{ }}`` is the pipeline's own
    syntax, resolved by the step engine when the task runs, from upstream XComs.
    """

    template_fields: tuple[str, ...] = ()
    ui_color = "#cfe3f7"

    def __init__(
        self,
        *,
        pipeline_path: str,
        step_id: str,
        matrix_index: int = 0,
        **kwargs: Any,
    ) -> None:
        pipeline = _pipeline(pipeline_path)
        step = pipeline.steps[step_id]
        super().__init__(
            project=pipeline.project,
            command=_PLACEHOLDER,
            max_poll_time=step.timeout,
            **kwargs,
        )
        self.pipeline_path = pipeline_path
        self.step_id = step_id
        self.matrix_index = matrix_index

    # -- the engine's parts ------------------------------------------------------------------

    def _instance(self, pipeline: Pipeline, params: Mapping[str, Any]) -> Instance:
        instances = pipeline.instances(self.step_id, params)
        if self.matrix_index >= len(instances) or instances[self.matrix_index].key != self.task_id:
            raise AirflowFailException(
                f"the matrix of step {self.step_id!r} changed with this run's params: task"
                f" {self.task_id} is not one of {[i.key for i in instances]}"
            )
        return instances[self.matrix_index]

    def _record(self, context: Context, **fields: Any) -> dict[str, Any]:
        record = {
            "key": self.task_id,
            "attempt": context["ti"].try_number,
            **fields,
        }
        record["attempts"] = [
            {k: record.get(k) for k in ("attempt", "status", "job_id", "error", "job_status")}
        ]
        context["ti"].xcom_push(key=STEP_XCOM, value=record)
        return record

    def execute(self, context: Context) -> Any:
        pipeline = _pipeline(self.pipeline_path)
        info = _run_info(context)
        params = info.get("params") or {}
        instance = self._instance(pipeline, params)
        steps = steps_context(
            pipeline, _upstream_records(context, pipeline, pipeline.upstream(self.step_id))
        )
        run = {"id": info.get("run_id"), "logical_date": info.get("logical_date")}
        ctx = expression_context(params, run, steps, instance)
        matrix = dict(instance.matrix) if instance.matrix is not None else None
        try:
            if not evaluate_if(instance.step.if_, ctx):
                self._record(context, status="skipped", matrix=matrix, reason="if is false")
                raise AirflowSkipException(f"if: {instance.step.if_} is false")
            client = self._get_client()
            engine = StepEngine(client, pipeline)
            title = attempt_title(
                pipeline.id, str(run["id"]), self.task_id, context["ti"].try_number
            )
            request = engine.render(instance, ctx, info.get("pinned_commit"), title)
        except (ExpressionError, OutputsError) as exc:
            self._record(context, status="failed", matrix=matrix, error=str(exc))
            raise AirflowFailException(str(exc)) from None
        self.command = request.command
        self.commit_id = request.commit_id
        self.hardware_tier_id = request.hardware_tier_id
        self.environment_id = request.environment_id
        self.title = request.title
        self.log.info("step %s: %s", self.task_id, request.command)
        return self._guard(context, lambda: DominoJobOperator.execute(self, context))

    def execute_complete(self, context: Context, event: dict[str, Any]) -> Any:
        return self._guard(
            context, lambda: DominoJobOperator.execute_complete(self, context, event)
        )

    def _guard(self, context: Context, call: Any) -> Any:
        """Run the job operator's part; record a failure, honour retries.on and allow_failure."""
        pipeline = _pipeline(self.pipeline_path)
        step = pipeline.steps[self.step_id]
        try:
            return call()
        except (AirflowSkipException, AirflowFailException):
            raise
        except Exception as exc:  # a failed, stopped or unstartable job (never TaskDeferred)
            message = str(exc)
            kind = "timeout" if isinstance(exc, DominoJobTimeoutError) else "failed"
            job_status = context["ti"].xcom_pull(task_ids=self.task_id, key="job_status")
            if job_status == "Error":
                kind = "error"
            record = self._record(
                context,
                status="failed",
                attempt_status=kind,
                job_id=self._job_id,
                job_status=job_status,
                error=message.splitlines()[0],
                matrix=self._matrix(pipeline, context),
            )
            last_try = context["ti"].try_number > (self.retries or 0)
            if step.allow_failure and (last_try or kind not in step.retries.on):
                self.log.warning("step %s failed (allow_failure): %s", self.task_id, message)
                return record.get("outputs") or {}
            if kind not in step.retries.on:
                raise AirflowFailException(message) from None
            raise

    def _matrix(self, pipeline: Pipeline, context: Context) -> dict[str, Any] | None:
        params = _run_info(context).get("params") or {}
        inst = pipeline.instances(self.step_id, params)[self.matrix_index]
        return dict(inst.matrix) if inst.matrix is not None else None

    def job_finished(self, context: Context, job: dict[str, Any]) -> Any:
        pipeline = _pipeline(self.pipeline_path)
        info = _run_info(context)
        instance = self._instance(pipeline, info.get("params") or {})
        client = self._get_client()
        details = job.get("commitDetails") or {}
        fields = {
            "matrix": dict(instance.matrix) if instance.matrix is not None else None,
            "job_id": str(job["id"]),
            "url": StepEngine(client, pipeline).job_url(str(job["id"])),
            "input_commit": details.get("inputCommitId"),
            "output_commit": details.get("outputCommitId"),
            "job_status": (job.get("statuses") or {}).get("executionStatus"),
            "hardware_tier": job.get("hardwareTierId"),
            "environment": job.get("environmentId"),
        }
        try:
            commit = details.get("outputCommitId")
            values, warnings = StepEngine(client, pipeline).read_outputs(
                instance, str(job["id"]), str(commit) if commit else None
            )
        except OutputsError as exc:
            self._record(context, status="failed", error=str(exc), **fields)
            raise AirflowException(str(exc)) from None
        for warning in warnings:
            self.log.warning("%s", warning)
        self._record(context, status="succeeded", outputs=values, **fields)
        return values


class PipelineStatusOperator(BaseOperator):
    """The last task (``all_done``): the run's status by the local runner's rule, and its record."""

    ui_color = "#f7e8cf"

    def __init__(self, *, pipeline_path: str, **kwargs: Any) -> None:
        super().__init__(trigger_rule="all_done", **kwargs)
        self.pipeline_path = pipeline_path

    def execute(self, context: Context) -> Any:
        pipeline = _pipeline(self.pipeline_path)
        info = _run_info(context)
        records = _upstream_records(context, pipeline, set(pipeline.steps))
        # Steps that never ran got their status from trigger rules: derive it the same way.
        for sid, step in pipeline.steps.items():
            rec = records[sid]
            if rec["status"] is not None:
                continue
            states = [
                effective_state(records[n]["status"], pipeline.steps[n].allow_failure)
                for n in step.needs
            ]
            decision = trigger_decision(step.trigger_rule, states)
            rec["status"] = "skipped" if decision == "skip" else "upstream_failed"
            if decision == "run":
                rec["status"] = "failed"  # it should have run: it failed without a record
            for inst in rec["instances"]:
                inst["status"] = inst.get("status") or rec["status"]
        failed = [
            sid
            for sid, rec in records.items()
            if rec["status"] == "failed" and not pipeline.steps[sid].allow_failure
        ]
        status = "failed" if failed else "succeeded"
        data = {
            "run_id": info.get("run_id") or _run_id(pipeline, context),
            "pipeline": pipeline.id,
            "driver": "airflow",
            "spec_hash": pipeline.spec_hash,
            "project": pipeline.project,
            "params": info.get("params"),
            "logical_date": info.get("logical_date"),
            "pinned_commit": info.get("pinned_commit"),
            "status": status,
            "started": info.get("started"),
            "ended": now_iso(),
            "failed_steps": failed,
            "steps": records,
        }
        runs_dir = os.environ.get(RUNS_DIR_ENV)
        if runs_dir:
            directory = Path(runs_dir) / str(data["run_id"])
            directory.mkdir(parents=True, exist_ok=True)
            (directory / "run.json").write_text(json.dumps(data, indent=2, default=str))
        if failed:
            raise AirflowException(f"pipeline {pipeline.id} failed: step(s) {', '.join(failed)}")
        return {"status": status}


class DagBuilder:
    """Builds the DAG of one pipeline file: its start and status tasks, then steps on demand.

    :func:`pipeline_dag` wires every step; a static DAG file (``compile --airflow --static``)
    calls :meth:`task` and :meth:`group` itself, one line per task, for review.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        dag_id: str | None = None,
        domino_conn_id: str = "domino_default",
        deferrable: bool | None = None,
        poll_freq: float = 5,
        start_date: dt.datetime | None = None,
        spec_hash: str | None = None,
        **dag_kwargs: Any,
    ) -> None:
        self.file = str(Path(path).resolve())
        self.pipeline = pipeline = _pipeline(self.file)
        if spec_hash is not None and spec_hash != pipeline.spec_hash:
            raise AirflowException(
                f"{self.file} changed since this DAG file was generated (spec {spec_hash}, now"
                f" {pipeline.spec_hash}): run domino pipeline compile --airflow --static again"
            )
        self.domino_conn_id = domino_conn_id
        self.deferrable = deferrable
        self.poll_freq = poll_freq
        schedule: Any = None
        catchup = False
        if pipeline.schedule is not None:
            schedule = CronTriggerTimetable(
                pipeline.schedule.cron, timezone=pipeline.schedule.timezone
            )
            catchup = pipeline.schedule.catchup
            dag_kwargs.setdefault("max_active_runs", pipeline.schedule.max_active_runs)
        dag_kwargs.setdefault("tags", ["domino-pipeline"])
        self.dag = DAG(
            dag_id or pipeline.id,
            description=pipeline.description,
            schedule=schedule,
            start_date=start_date or dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
            catchup=catchup,
            params=airflow_params(pipeline),
            **dag_kwargs,
        )
        with self.dag:
            self.start = PipelineStartOperator(
                task_id=START_TASK, pipeline_path=self.file, domino_conn_id=domino_conn_id
            )
            self.status = PipelineStatusOperator(task_id=STATUS_TASK, pipeline_path=self.file)
        defaults_known = all(p.default is not None for p in pipeline.params.values())
        self.defaults = (
            pipeline.resolve_params(run={"id": "parse", "logical_date": "2000-01-01"})
            if defaults_known
            else {}
        )

    def group(self, step_id: str) -> Any:
        """The TaskGroup of a matrix step (use as a context manager around its tasks)."""
        return TaskGroup(group_id=step_id, dag=self.dag)

    def task(self, step_id: str, matrix_index: int = 0) -> PipelineStepOperator:
        step = self.pipeline.steps[step_id]
        common: dict[str, Any] = {
            "pipeline_path": self.file,
            "step_id": step_id,
            "domino_conn_id": self.domino_conn_id,
            "deferrable": self.deferrable,
            "poll_freq": self.poll_freq,
            "trigger_rule": step.trigger_rule,
            "retries": step.retries.count,
            "retry_delay": dt.timedelta(seconds=step.retries.delay),
            "retry_exponential_backoff": step.retries.backoff > 1,
            "dag": self.dag,
        }
        if step.timeout is not None:
            common["execution_timeout"] = dt.timedelta(seconds=step.timeout + EXECUTION_MARGIN)
        if step.matrix:
            inst = self.pipeline.instances(step_id, self.defaults)[matrix_index]
            return PipelineStepOperator(
                task_id=inst.key[len(step_id) + 1 :], matrix_index=matrix_index, **common
            )
        return PipelineStepOperator(task_id=step_id, **common)

    def wire_all(self) -> Any:
        nodes: dict[str, Any] = {}
        with self.dag:
            for sid, step in self.pipeline.steps.items():
                if step.matrix:
                    with self.group(sid) as group:
                        for inst in self.pipeline.instances(sid, self.defaults):
                            self.task(sid, inst.index)
                    nodes[sid] = group
                else:
                    nodes[sid] = self.task(sid)
            for sid, step in self.pipeline.steps.items():
                if not step.needs:
                    self.start >> nodes[sid]
                for dep in step.needs:
                    nodes[dep] >> nodes[sid]
                nodes[sid] >> self.status
        return self.dag


def pipeline_dag(
    path: str | os.PathLike[str],
    *,
    dag_id: str | None = None,
    domino_conn_id: str = "domino_default",
    deferrable: bool | None = None,
    poll_freq: float = 5,
    start_date: dt.datetime | None = None,
    **dag_kwargs: Any,
) -> Any:
    """Build the Airflow DAG of the pipeline file at ``path`` (validated now, at parse time).

    Credentials come from the Airflow connection ``domino_conn_id``; nothing secret is put in
    the DAG. Extra keyword arguments go to ``DAG(...)`` (tags, default_args, ...).
    """
    builder = DagBuilder(
        path,
        dag_id=dag_id,
        domino_conn_id=domino_conn_id,
        deferrable=deferrable,
        poll_freq=poll_freq,
        start_date=start_date,
        **dag_kwargs,
    )
    return builder.wire_all()
