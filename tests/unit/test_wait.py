"""poll(): deadline, backoff shape, jitter bounds, tolerated vs. propagated errors.

A fake clock advances only when poll() sleeps, so no test waits for real time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import polling2
import pytest
import requests

from domino._wait import INITIAL_DELAY, poll
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


def test_backoff_starts_under_a_second_doubles_and_caps_at_poll_freq() -> None:
    t = FakeTime()
    fetch = _steps(["running"] * 8 + ["done"])
    assert _poll(fetch, t, poll_freq=5.0) == "done"
    assert t.sleeps == [0.25, 0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0]
    assert INITIAL_DELAY < 1


def test_small_poll_freq_caps_even_the_first_pause() -> None:
    t = FakeTime()
    _poll(_steps(["running", "running", "done"]), t, poll_freq=0.1)
    assert t.sleeps == [0.1, 0.1]


@pytest.mark.parametrize("rand", [0.0, 0.5, 0.999999])
def test_jitter_only_shortens_pauses_by_at_most_a_quarter(rand: float) -> None:
    t = FakeTime()
    _poll(_steps(["running"] * 7 + ["done"]), t, rand=rand, poll_freq=2.0)
    nominal = [0.25, 0.5, 1.0, 2.0, 2.0, 2.0, 2.0]
    for actual, expected in zip(t.sleeps, nominal, strict=True):
        assert 0.75 * expected <= actual <= expected
    assert t.sleeps[0] == pytest.approx(0.25 * (1 - 0.25 * rand))


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
    assert _poll(_steps(["r"] * 50 + ["done"]), t, max_poll_time=None, poll_freq=1) == "done"
    assert t.now > 1000 + 40


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
