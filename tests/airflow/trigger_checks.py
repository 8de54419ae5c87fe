"""DominoJobTrigger driven directly with asyncio, inside an Airflow venv (run by test_trigger.py).

Usage: ``<airflow python> trigger_checks.py <project>``, with AIRFLOW_CONN_DOMINO_DEFAULT
pointing at a live domino-server and DOMINO_AF_HOST / DOMINO_AF_KEY for starting jobs.
Prints one JSON object: check name → "ok" or the failure.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys
import time
from typing import Any

import requests
from checks_main import run_all

from domino import Domino
from domino.airflow.triggers import DominoJobTrigger

PROJECT = sys.argv[1] if len(sys.argv) > 1 else "admin/quick-start"
CLIENT = Domino(PROJECT, host=os.environ["DOMINO_AF_HOST"], api_key=os.environ["DOMINO_AF_KEY"])


def events_of(trigger: DominoJobTrigger, timeout: float = 60) -> list[dict[str, Any]]:
    async def collect() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    return asyncio.run(asyncio.wait_for(collect(), timeout))


def check_serialisation_round_trip() -> None:
    trigger = DominoJobTrigger(
        job_id="abc",
        project=PROJECT,
        poll_freq=2,
        deadline=time.time() + 60,
        job_url="http://h/jobs/a/b/abc",
        carry={"start_result": {"runId": "abc"}},
    )
    path, kwargs = trigger.serialize()
    module, _, name = path.rpartition(".")
    again = getattr(importlib.import_module(module), name)(**json.loads(json.dumps(kwargs)))
    assert again.serialize() == (path, kwargs), (again.serialize(), kwargs)
    text = json.dumps(kwargs)
    assert os.environ["DOMINO_AF_KEY"] not in text, "a secret in the trigger kwargs"


def check_success_event_carries_the_final_job() -> None:
    job = CLIENT.job_start("hello.py trigger")
    [event] = events_of(DominoJobTrigger(job_id=job["id"], project=PROJECT, poll_freq=0.5))
    assert event["status"] == "success", event
    assert event["execution_status"] == "Succeeded"
    assert event["job"]["id"] == job["id"]
    json.dumps(event)


def check_failed_job_is_an_event_not_an_exception() -> None:
    job = CLIENT.job_start("fail.py")
    [event] = events_of(DominoJobTrigger(job_id=job["id"], project=PROJECT, poll_freq=0.5))
    assert event["status"] == "failed" and event["execution_status"] == "Failed", event


def check_transient_errors_are_tolerated() -> None:
    job = CLIENT.job_start("hello.py transient")
    real = Domino.job_status
    calls = {"n": 0}

    def flaky(self: Domino, job_id: str) -> Any:
        calls["n"] += 1
        if calls["n"] <= 3:
            raise requests.ConnectionError("connection reset (simulated)")
        return real(self, job_id)

    Domino.job_status = flaky  # type: ignore[method-assign]
    try:
        [event] = events_of(DominoJobTrigger(job_id=job["id"], project=PROJECT, poll_freq=0.3))
    finally:
        Domino.job_status = real  # type: ignore[method-assign]
    assert calls["n"] > 3 and event["status"] == "success", (calls, event)


def check_deadline_becomes_a_timeout_event() -> None:
    job = CLIENT.job_start("slow.py")
    started = time.monotonic()
    trigger = DominoJobTrigger(
        job_id=job["id"], project=PROJECT, poll_freq=5, deadline=time.time() + 1.5
    )
    [event] = events_of(trigger)
    took = time.monotonic() - started
    assert event["status"] == "timeout" and event["execution_status"] == "Running", event
    assert took < 15, took  # woke up at the deadline, not a full poll_freq later
    CLIENT.job_stop(job["id"])


def check_unknown_job_is_an_error_event() -> None:
    [event] = events_of(DominoJobTrigger(job_id="0" * 24, project=PROJECT, poll_freq=0.5))
    assert event["status"] == "error" and "0" * 24 in event["message"], event


def check_unreachable_server_gives_up_after_the_tolerance() -> None:
    trigger = DominoJobTrigger(
        job_id="abc", project=PROJECT, host="http://127.0.0.1:9", poll_freq=0.2, error_tolerance=1
    )
    os.environ["DOMINO_MAX_RETRIES"] = "0"  # the client's own retries would only add time
    try:
        [event] = events_of(trigger)
    finally:
        del os.environ["DOMINO_MAX_RETRIES"]
    assert event["status"] == "error" and "kept failing" in event["message"], event


def check_event_loop_is_never_blocked() -> None:
    job = CLIENT.job_start("short.py loop")
    gaps: list[float] = []

    async def main() -> dict[str, Any]:
        done = asyncio.Event()

        async def ticker() -> None:
            last = time.monotonic()
            while not done.is_set():
                await asyncio.sleep(0.02)
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        tick = asyncio.create_task(ticker())
        trigger = DominoJobTrigger(job_id=job["id"], project=PROJECT, poll_freq=0.3)
        events = [event.payload async for event in trigger.run()]
        done.set()
        await tick
        return events[0]

    event = asyncio.run(main())
    assert event["status"] == "success", event
    assert max(gaps) < 0.5, f"event loop blocked for {max(gaps):.2f} s"


def check_on_kill_stops_only_its_own_job() -> None:
    mine = CLIENT.job_start("slow.py")
    other = CLIENT.job_start("slow.py")
    asyncio.run(DominoJobTrigger(job_id=mine["id"], project=PROJECT).on_kill())
    deadline = time.monotonic() + 30
    while CLIENT.job_status(mine["id"])["statuses"]["executionStatus"] != "Stopped":
        assert time.monotonic() < deadline, "job not stopped"
        time.sleep(0.3)
    assert CLIENT.job_status(other["id"])["statuses"]["executionStatus"] in ("Queued", "Running")
    CLIENT.job_stop(other["id"])


if __name__ == "__main__":
    run_all(globals())
