"""poll(): deadline, interval schedule (latency and request-rate promises), jitter bounds,
tolerated vs. propagated errors.

A fake clock advances only when poll() sleeps, so no test waits for real time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import polling2
import pytest
import requests

from domino._wait import FRACTION, MIN_INTERVAL, interval, poll
from domino.exceptions import (
    NotFoundError,
    PollRetriesExceededError,
    PollTimeoutError,
    RateLimitedError,
    ReloginRequiredException,
    RunFailedException,
    ServerError,
)


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


def _steps(items: Iterable[Any]) -> Callable[[], Any]:
    """A fetch() returning (or raising) the given items in turn, then the last one forever."""
    queue = list(items)

    def fetch() -> Any:
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, BaseException):
            raise item
        return item

    return fetch


def _poll(fetch: Callable[[], Any], t: FakeTime, rand: float = 0.0, **kw: Any) -> Any:
    kw.setdefault("is_done", lambda v: v == "done")
    return poll(fetch, clock=t.clock, sleep=t.sleep, rand=lambda: rand, **kw)


def test_returns_first_done_value_without_sleeping_when_already_done() -> None:
    t = FakeTime()
    assert _poll(_steps(["done"]), t) == "done"
    assert t.sleeps == []


def _check_times(finish_at: float, poll_freq: float = 5.0, rand: float = 0.0) -> list[float]:
    """When poll() looks (fake seconds since the start) for a job that ends at ``finish_at``."""
    t = FakeTime()
    looks: list[float] = []

    def fetch() -> str:
        looks.append(t.now - 1000.0)
        return "done" if t.now - 1000.0 >= finish_at else "running"

    _poll(fetch, t, poll_freq=poll_freq, rand=rand, max_poll_time=None)
    return looks


def test_intervals_start_short_and_grow_with_the_time_waited_up_to_poll_freq() -> None:
    t = FakeTime()
    assert _poll(_steps(["running"] * 60 + ["done"]), t, poll_freq=5.0) == "done"
    assert t.sleeps[:10] == [MIN_INTERVAL] * 10  # 0.25 s until 2.5 s have passed
    waited = 0.0
    for pause in t.sleeps:
        assert pause == pytest.approx(interval(waited, 5.0))
        waited += pause
    assert t.sleeps[-1] == 5.0
    assert all(b >= a - 1e-9 for a, b in zip(t.sleeps, t.sleeps[1:], strict=False))


@pytest.mark.parametrize("finish_at", [0.1, 0.7, 2.0, 2.6, 7.3, 20.0, 33.3, 55.0, 300.0])
def test_completion_is_noticed_within_max_of_0_3_s_and_a_tenth_of_the_time_waited(
    finish_at: float,
) -> None:
    looks = _check_times(finish_at)
    noticed = looks[-1]
    assert noticed >= finish_at
    assert noticed - finish_at <= max(0.3, 0.1 * finish_at, 0) + 1e-9
    # the 5 s cap only starts to limit the latency bound after 50 s
    if finish_at > 50:
        assert noticed - finish_at <= 5.0


def test_a_long_wait_averages_well_under_one_request_per_second() -> None:
    looks = _check_times(600.0)
    assert len(looks) / 600.0 < 1.0
    assert len(looks) / 600.0 < 0.3  # settles at one check per poll_freq (5 s)
    # The price of the latency promise is paid early: 10 looks in the first 2.5 s, then about
    # 10 * ln(t / 2.5) more, so a 20 s job costs 33 checks (bench/wait_latency.py measures it).
    assert len(_check_times(20.0)) <= 34
    assert len(_check_times(2.0)) <= 10


def test_small_poll_freq_caps_even_the_first_pause() -> None:
    t = FakeTime()
    _poll(_steps(["running", "running", "done"]), t, poll_freq=0.1)
    assert t.sleeps == [pytest.approx(0.1), pytest.approx(0.1)]


def test_a_slow_answer_is_counted_in_the_gap_not_added_to_it() -> None:
    t = FakeTime()
    answers = iter(["running", "running", "done"])

    def slow_fetch() -> str:
        t.now += 0.2  # each answer takes 200 ms
        return next(answers)

    _poll(slow_fetch, t, poll_freq=5.0)
    assert t.sleeps == [pytest.approx(MIN_INTERVAL - 0.2), pytest.approx(MIN_INTERVAL - 0.2)]


@pytest.mark.parametrize("rand", [0.0, 0.5, 0.999999])
def test_jitter_only_shortens_pauses_by_at_most_a_tenth(rand: float) -> None:
    t = FakeTime()
    _poll(_steps(["running"] * 40 + ["done"]), t, rand=rand, poll_freq=2.0)
    waited = 0.0
    for actual in t.sleeps:
        nominal = interval(waited, 2.0)
        assert 0.9 * nominal - 1e-9 <= actual <= nominal + 1e-9
        waited += actual
    assert t.sleeps[0] == pytest.approx(MIN_INTERVAL * (1 - 0.1 * rand))
    assert FRACTION == 0.1


def test_deadline_raises_poll_timeout_with_last_value() -> None:
    t = FakeTime()
    with pytest.raises(PollTimeoutError) as info:
        _poll(
            _steps([{"status": "Running"}]),
            t,
            is_done=lambda v: False,
            max_poll_time=10,
            what="job 42",
            describe=lambda v: v["status"],
        )
    assert info.value.last == {"status": "Running"}
    assert str(info.value) == "job 42 did not finish within 10 s (last status: Running)"
    # never sleeps past the deadline; the last look happens exactly at it
    assert sum(t.sleeps) == pytest.approx(10.0)
    assert t.now == pytest.approx(1010.0)


def test_poll_timeout_is_a_timeout_error_and_a_polling2_timeout() -> None:
    t = FakeTime()
    with pytest.raises(TimeoutError):
        _poll(_steps(["x"]), t, max_poll_time=1)
    with pytest.raises(polling2.TimeoutException):
        _poll(_steps(["x"]), t, max_poll_time=1)


def test_deadline_is_enforced_even_when_every_fetch_fails(caplog: pytest.LogCaptureFixture) -> None:
    t = FakeTime()
    with caplog.at_level(logging.WARNING), pytest.raises(PollTimeoutError) as info:
        _poll(_steps([requests.ConnectionError("down")]), t, max_poll_time=3)
    assert "no status check succeeded" in str(info.value) and "down" in str(info.value)
    assert info.value.last is None


def test_no_deadline_when_max_poll_time_is_none() -> None:
    t = FakeTime()
    assert _poll(_steps(["r"] * 200 + ["done"]), t, max_poll_time=None, poll_freq=1) == "done"
    assert t.now > 1000 + 150


def test_tolerated_errors_are_logged_as_visible_warnings_and_polling_continues(
    caplog: pytest.LogCaptureFixture,
) -> None:
    t = FakeTime()
    fetch = _steps([requests.ConnectionError("boom"), ServerError("503", status_code=503), "done"])
    with caplog.at_level(logging.WARNING, logger="domino"):
        assert _poll(fetch, t, what="run 7") == "done"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "checking run 7 failed (1 in a row)" in warnings[0].getMessage()
    assert "checking run 7 failed (2 in a row)" in warnings[1].getMessage()
    assert warnings[0].name.startswith("domino")


def test_more_consecutive_failures_than_allowed_raise_retries_exceeded() -> None:
    t = FakeTime()
    fetch = _steps([requests.ConnectionError("down")])
    with pytest.raises(PollRetriesExceededError, match="3 status checks in a row failed") as info:
        _poll(fetch, t, max_consecutive_failures=2)
    assert isinstance(info.value.__cause__, requests.ConnectionError)
    assert len(t.sleeps) == 2


def test_a_success_resets_the_consecutive_failure_count() -> None:
    t = FakeTime()
    err = requests.ConnectionError("blip")
    fetch = _steps([err, err, "running", err, err, "done"])
    assert _poll(fetch, t, max_consecutive_failures=2) == "done"


def test_non_tolerated_errors_propagate_immediately() -> None:
    t = FakeTime()
    with pytest.raises(KeyError):
        _poll(_steps([KeyError("status")]), t)
    assert t.sleeps == []


def test_relogin_required_propagates_even_if_exception_is_tolerated() -> None:
    t = FakeTime()
    with pytest.raises(ReloginRequiredException):
        _poll(_steps([ReloginRequiredException()]), t, tolerate=(Exception,))


def test_permanent_4xx_propagates_but_429_is_tolerated() -> None:
    t = FakeTime()
    with pytest.raises(NotFoundError):
        _poll(_steps([NotFoundError("gone", status_code=404)]), t)
    fetch = _steps([RateLimitedError("slow down", status_code=429), "done"])
    assert _poll(fetch, t) == "done"


def test_4xx_is_tolerated_when_its_class_is_named_explicitly() -> None:
    t = FakeTime()
    fetch = _steps([NotFoundError("not yet", status_code=404), "done"])
    assert _poll(fetch, t, tolerate=(NotFoundError, requests.RequestException)) == "done"


def test_errors_raised_by_is_done_propagate() -> None:
    t = FakeTime()

    def is_done(v: str) -> bool:
        if v == "Failed":
            raise RunFailedException("run 1 Failed", run_id="1", status="Failed")
        return v == "Succeeded"

    with pytest.raises(RunFailedException):
        _poll(_steps(["Running", "Failed"]), t, is_done=is_done)


def test_first_fetch_happens_immediately() -> None:
    t = FakeTime()
    calls: list[float] = []

    def fetch() -> str:
        calls.append(t.now)
        return "done"

    _poll(fetch, t)
    assert calls == [1000.0]


def test_non_positive_poll_freq_is_rejected() -> None:
    with pytest.raises(ValueError, match="poll_freq"):
        poll(lambda: 1, is_done=bool, poll_freq=0)
