"""The local runner end to end against a live domino-server (real jobs, real commits)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pipeline_support import cli_env, run_local, statuses, summary

from domino.pipelines.record import RunRecord
from domino.pipelines.runner import LocalRunner


def test_three_steps_pass_outputs_and_commits(
    domino_server: Any, write_pipeline: Callable[..., Path], tmp_path: Path
) -> None:
    path = write_pipeline(
        """\
        pipeline: three
        project: PROJECT
        params: {n: {type: int, default: 4}}
        steps:
          prepare:
            command: write.py prepared
          square:
            needs: [prepare]
            commit: ${{ steps.prepare.commit }}
            command: step.py ${{ params.n }}
            outputs: {v: int, name: str}
          check:
            needs: [square]
            commit: ${{ steps.prepare.commit }}
            command: read.py prepared
            outputs: {seen: bool}
        """
    )
    runner = run_local(domino_server, path, tmp_path / "runs")
    data = runner.record.data
    assert runner.status == "succeeded", data  # type: ignore[attr-defined]
    assert statuses(data) == {"prepare": "succeeded", "square": "succeeded", "check": "succeeded"}
    prepare, square, check = (
        data["steps"][s]["instances"][0] for s in ("prepare", "square", "check")
    )
    assert square["outputs"] == {"v": 16, "name": "n4"}
    assert check["outputs"] == {"seen": True}  # started from prepare's output commit
    assert square["input_commit"] == prepare["output_commit"] == check["input_commit"]
    assert prepare["input_commit"] == data["pinned_commit"]
    # the record on disk is the same, and every change was an event
    on_disk = json.loads((runner.record.dir / "run.json").read_text())
    assert on_disk["status"] == "succeeded" and on_disk["steps"] == data["steps"]
    events = [e["event"] for e in runner.record.events()]
    assert events[0] == "run_created" and events[-1] == "run_ended"
    assert events.count("attempt_running") == 3


@pytest.mark.parametrize("allow_failure", [False, True])
def test_failing_middle_step(
    domino_server: Any, write_pipeline: Callable[..., Path], tmp_path: Path, allow_failure: bool
) -> None:
    path = write_pipeline(
        f"""\
        pipeline: middle
        project: PROJECT
        steps:
          first: {{command: step.py 1}}
          middle:
            needs: [first]
            allow_failure: {str(allow_failure).lower()}
            command: step.py 2 0 3
          last:
            needs: [middle]
            command: step.py 3
        """
    )
    runner = run_local(domino_server, path, tmp_path / "runs")
    data = runner.record.data
    middle = data["steps"]["middle"]["instances"][0]
    assert middle["attempts"][-1]["job_status"] == "Failed"
    assert "job ended Failed" in middle["attempts"][-1]["error"]
    if allow_failure:
        assert statuses(data) == {"first": "succeeded", "middle": "failed", "last": "succeeded"}
        assert runner.status == "succeeded"  # type: ignore[attr-defined]
    else:
        assert statuses(data) == {
            "first": "succeeded",
            "middle": "failed",
            "last": "upstream_failed",
        }
        assert runner.status == "failed"  # type: ignore[attr-defined]
        assert data["failed_steps"] == ["middle"]


def test_retry_that_succeeds(
    domino_server: Any, write_pipeline: Callable[..., Path], tmp_path: Path
) -> None:
    counter = tmp_path / "counter"
    path = write_pipeline(
        f"""\
        pipeline: retry
        project: PROJECT
        steps:
          flaky:
            command: flaky.py {counter}
            retries: {{count: 2, delay: 0.2s, backoff: 2}}
            outputs: {{calls: int}}
        """
    )
    runner = run_local(domino_server, path, tmp_path / "runs")
    inst = runner.record.data["steps"]["flaky"]["instances"][0]
    assert runner.status == "succeeded"  # type: ignore[attr-defined]
    assert [a["status"] for a in inst["attempts"]] == ["failed", "succeeded"]
    assert inst["outputs"] == {"calls": 2}
    assert len({a["job_id"] for a in inst["attempts"]}) == 2
    assert "retry_scheduled" in [e["event"] for e in runner.record.events()]


def test_timeout_stops_the_job_on_the_server(
    domino_server: Any, write_pipeline: Callable[..., Path], tmp_path: Path
) -> None:
    path = write_pipeline(
        """\
        pipeline: slow
        project: PROJECT
        steps:
          slow:
            command: step.py 1 60
            timeout: 2s
            retries: {count: 0}
        """
    )
    began = time.monotonic()
    runner = run_local(domino_server, path, tmp_path / "runs")
    assert time.monotonic() - began < 40
    attempt = runner.record.data["steps"]["slow"]["instances"][0]["attempts"][0]
    assert attempt["status"] == "timeout" and "timed out after 2 s" in attempt["error"]
    client = domino_server.client(runner.pipeline.project)
    assert client.job_status(attempt["job_id"])["statuses"]["executionStatus"] == "Stopped"
    assert runner.status == "failed"  # type: ignore[attr-defined]


def test_skipped_branch_and_trigger_rules(
    domino_server: Any, write_pipeline: Callable[..., Path], tmp_path: Path
) -> None:
    path = write_pipeline(
        """\
        pipeline: branch
        project: PROJECT
        steps:
          probe: {command: step.py 2, outputs: {v: int}}
          big:
            needs: [probe]
            if: ${{ steps.probe.outputs.v > 100 }}
            command: step.py 10
          after_big:
            needs: [big]
            command: step.py 11
          small:
            needs: [probe]
            if: steps.probe.outputs.v <= 100
            command: step.py 1
          join:
            needs: [big, small]
            trigger_rule: none_failed_min_one_success
            command: step.py 5
        """
    )
    runner = run_local(domino_server, path, tmp_path / "runs")
    data = runner.record.data
    assert statuses(data) == {
        "probe": "succeeded",
        "big": "skipped",
        "after_big": "skipped",
        "small": "succeeded",
        "join": "succeeded",
    }
    assert "is false" in data["steps"]["big"]["reason"]
    assert runner.status == "succeeded"  # type: ignore[attr-defined]


def test_matrix_outputs_arrive_as_a_list_in_matrix_order(
    domino_server: Any, write_pipeline: Callable[..., Path], tmp_path: Path
) -> None:
    # the first instance sleeps longest, so completion order is not matrix order
    path = write_pipeline(
        """\
        pipeline: fan
        project: PROJECT
        params: {xs: {type: "list[int]", default: [3, 1, 2]}}
        steps:
          square:
            matrix: {x: "${{ params.xs }}"}
            max_parallel: 3
            command: step.py ${{ matrix.x }} ${{ matrix.x }}
            outputs: {v: int}
          total:
            needs: [square]
            command: "python -m domino.pipelines output got=${{ steps.square.outputs.v | tojson }}"
            outputs: {got: "list[int]"}
        """
    )
    runner = run_local(domino_server, path, tmp_path / "runs")
    data = runner.record.data
    assert runner.status == "succeeded", data  # type: ignore[attr-defined]
    keys = [i["key"] for i in data["steps"]["square"]["instances"]]
    assert keys == ["square.x-3", "square.x-1", "square.x-2"]
    assert data["steps"]["total"]["instances"][0]["outputs"] == {"got": [9, 1, 4]}


def test_missing_declared_output_fails_the_step(
    domino_server: Any, write_pipeline: Callable[..., Path], tmp_path: Path
) -> None:
    path = write_pipeline(
        """\
        pipeline: outs
        project: PROJECT
        steps:
          a: {command: step.py 2, outputs: {v: int, auc: float}}
        """
    )
    runner = run_local(domino_server, path, tmp_path / "runs")
    attempt = runner.record.data["steps"]["a"]["instances"][0]["attempts"][-1]
    assert attempt["job_status"] == "Succeeded" and attempt["status"] == "failed"
    assert "declared output(s) auc missing; the job set name, v" in attempt["error"]


def _wait_for_job(runs: Path, step: str, timeout: float = 60) -> tuple[str, str]:
    """(run id, job id) once ``step``'s first attempt has a job id in run.json."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in runs.glob("*/run.json"):
            try:
                data = json.loads(path.read_text())
            except ValueError:
                continue
            insts = data["steps"][step]["instances"]
            if insts and insts[0]["attempts"] and insts[0]["attempts"][0].get("job_id"):
                return data["run_id"], insts[0]["attempts"][0]["job_id"]
        time.sleep(0.1)
    pytest.fail(f"step {step} never got a job id")


SLOW_MIDDLE = """\
pipeline: crash
project: PROJECT
steps:
  first: {command: step.py 1}
  slow: {needs: [first], command: step.py 2 4, outputs: {v: int}}
  last: {needs: [slow], command: "step.py ${{ steps.slow.outputs.v }}", outputs: {v: int}}
"""


def test_resume_after_kill_9_reattaches_without_a_duplicate_job(
    domino_server: Any, write_pipeline: Callable[..., Path], tmp_path: Path
) -> None:
    path = write_pipeline(SLOW_MIDDLE)
    runs = tmp_path / "runs"
    proc = subprocess.Popen(
        [sys.executable, "-m", "domino.pipelines", "run", str(path), "--poll", "0.3", "-q"],
        env=cli_env(domino_server, runs),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        run_id, job_id = _wait_for_job(runs, "slow")
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        proc.kill()
    assert RunRecord.load(runs, run_id).data["steps"]["slow"]["status"] == "running"
    runner = LocalRunner.resume(
        runs, run_id, lambda project, host: domino_server.client(project), poll=0.3
    )
    assert runner.run() == "succeeded"
    data = runner.record.data
    slow = data["steps"]["slow"]["instances"][0]
    assert [a["job_id"] for a in slow["attempts"]] == [job_id]  # re-attached, not restarted
    assert data["steps"]["last"]["instances"][0]["outputs"] == {"v": 16}
    client = domino_server.client(runner.pipeline.project)
    jobs = client.jobs_list(client.project_id, page_size=100)
    assert jobs["totalCount"] == 3  # the server ran exactly one job per step


def test_ctrl_c_stops_running_jobs(
    domino_server: Any, write_pipeline: Callable[..., Path], tmp_path: Path
) -> None:
    path = write_pipeline(SLOW_MIDDLE.replace("step.py 2 4", "step.py 2 60"))
    runs = tmp_path / "runs"
    proc = subprocess.Popen(
        [sys.executable, "-m", "domino.pipelines", "run", str(path), "--poll", "0.3", "-q"],
        env=cli_env(domino_server, runs),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        run_id, job_id = _wait_for_job(runs, "slow")
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, out
    data = RunRecord.load(runs, run_id).data
    assert data["status"] == "cancelled"
    assert statuses(data) == {"first": "succeeded", "slow": "cancelled", "last": "cancelled"}
    client = domino_server.client(data["project"])
    assert client.job_status(job_id)["statuses"]["executionStatus"] == "Stopped"
    assert f"resume with: domino pipeline resume {run_id}" in out


def test_resume_from_a_step_reruns_it_and_its_dependents(
    domino_server: Any, write_pipeline: Callable[..., Path], tmp_path: Path
) -> None:
    path = write_pipeline(SLOW_MIDDLE.replace("step.py 2 4", "step.py 2"))
    runs = tmp_path / "runs"
    first = run_local(domino_server, path, runs)
    assert first.status == "succeeded"  # type: ignore[attr-defined]
    again = LocalRunner.resume(
        runs,
        first.record.run_id,
        lambda project, host: domino_server.client(project),
        from_step="slow",
        poll=0.3,
    )
    assert again.run() == "succeeded"
    data = again.record.data
    assert len(data["steps"]["first"]["instances"][0]["attempts"]) == 1
    assert len(data["steps"]["slow"]["instances"][0]["attempts"]) == 2
    assert len(data["steps"]["last"]["instances"][0]["attempts"]) == 2
    assert summary(data)["last"]["instances"][0]["outputs"] == {"v": 16}


def test_fail_fast_cancels_the_other_matrix_instances(
    domino_server: Any, write_pipeline: Callable[..., Path], tmp_path: Path
) -> None:
    path = write_pipeline(
        """\
        pipeline: fast
        project: PROJECT
        steps:
          m:
            matrix: {code: [3, 0, 4]}
            max_parallel: 1
            command: step.py 1 0 ${{ matrix.code }}
        """
    )
    runner = run_local(domino_server, path, tmp_path / "runs")
    insts = runner.record.data["steps"]["m"]["instances"]
    assert [i["status"] for i in insts] == ["failed", "cancelled", "cancelled"]
    assert all(not i["attempts"] for i in insts[1:])  # never started
    assert "fail_fast: m.code-3 failed" in insts[1]["reason"]
    assert runner.status == "failed"  # type: ignore[attr-defined]


def test_live_view_redraws_the_step_table(
    domino_server: Any, write_pipeline: Callable[..., Path], tmp_path: Path
) -> None:
    import io

    from domino.pipelines.view import LiveView

    screen = io.StringIO()
    path = write_pipeline(
        "pipeline: live\nproject: PROJECT\nsteps:\n  a: {command: step.py 1}\n"
        "  b: {needs: [a], matrix: {x: [1, 2]}, command: step.py 2}\n"
    )
    run_local(domino_server, path, tmp_path / "runs", listener=LiveView(screen, live=True))
    text = screen.getvalue()
    assert "\x1b[" in text  # cursor movement: the table is redrawn in place
    last = text.rsplit("\x1b[J", 1)[-1].splitlines()
    assert last[0].endswith("succeeded") and last[0].startswith("run live-")
    assert [line.split()[:3] for line in last[1:]] == [
        ["✔", "a", "succeeded"],
        ["✔", "b", "succeeded"],
        ["✔", "b.x-1", "succeeded"],
        ["✔", "b.x-2", "succeeded"],
    ]


def test_resume_finds_a_job_whose_start_was_not_recorded(
    domino_server: Any, write_pipeline: Callable[..., Path], tmp_path: Path
) -> None:
    """A runner killed between job_start and writing the job id: resume finds the job by its
    title instead of starting a second one."""
    path = write_pipeline(
        "pipeline: lost\nproject: PROJECT\nsteps:\n  a: {command: step.py 3, outputs: {v: int}}\n"
    )
    runs = tmp_path / "runs"
    first = run_local(domino_server, path, runs)
    record = json.loads((first.record.dir / "run.json").read_text())
    inst = record["steps"]["a"]["instances"][0]
    attempt = inst["attempts"][0]
    job_id = attempt.pop("job_id")
    attempt["status"] = "starting"
    inst["status"] = "running"
    record["steps"]["a"]["status"] = "running"
    record["status"] = "running"
    (first.record.dir / "run.json").write_text(json.dumps(record))
    again = LocalRunner.resume(
        runs, record["run_id"], lambda project, host: domino_server.client(project), poll=0.3
    )
    assert again.run() == "succeeded"
    inst = again.record.data["steps"]["a"]["instances"][0]
    assert [a["job_id"] for a in inst["attempts"]] == [job_id]
    assert inst["outputs"] == {"v": 9}
    client = domino_server.client(again.pipeline.project)
    assert client.jobs_list(client.project_id)["totalCount"] == 1
