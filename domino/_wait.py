"""The one poller under every ``*_blocking`` method.

``poll()`` fetches immediately, then again and again until ``is_done`` says so or the overall
deadline passes. The gap between the starts of two checks is a tenth of the time waited so
far, but at least ``MIN_INTERVAL`` and at most ``poll_freq``::

    interval(t) = min(poll_freq, max(MIN_INTERVAL, FRACTION * t))

so completion is noticed within ``max(0.3 s, 10 % of the time waited)`` — a 2 s job is seen
done a few hundred milliseconds after it ends, a 20 s job within two seconds — while a long
wait settles at one check per ``poll_freq`` (5 s by default: 12 requests a minute). Each gap is
shortened by a random 0-10 % so that many waiters do not synchronise (never lengthened, so the
bound holds). Transient errors are tolerated with a visible WARNING; permanent ones propagate
at once.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

import requests

from domino._schedule import FRACTION, MIN_INTERVAL, interval
from domino.exceptions import (
    DominoHTTPError,
    InvalidArgumentError,
    PollRetriesExceededError,
    PollTimeoutError,
    ReloginRequiredException,
)

__all__ = ["FRACTION", "INITIAL_DELAY", "MIN_INTERVAL", "check_poll_args", "interval", "poll"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: the first gap (kept under this name for callers of earlier versions)
INITIAL_DELAY = MIN_INTERVAL
#: each gap is its nominal length times a factor drawn from [1 - JITTER, 1]
JITTER = 0.1

_MISSING: Any = object()


def _permanent(exc: BaseException, tolerate: tuple[type[BaseException], ...]) -> bool:
    """Errors that waiting cannot fix, even though their type is in ``tolerate``.

    Expired credentials and 4xx answers (other than 408/429) are raised at once, unless the
    caller named that HTTP error class explicitly (e.g. a run that is briefly 404).
    """
    if isinstance(exc, ReloginRequiredException):
        return not any(
            t is not Exception and issubclass(t, ReloginRequiredException) for t in tolerate
        )
    if isinstance(exc, DominoHTTPError):
        status = exc.status_code or 0
        if 400 <= status < 500 and status not in (408, 429):
            return not any(issubclass(t, DominoHTTPError) and isinstance(exc, t) for t in tolerate)
    return False


def check_poll_args(poll_freq: Any, max_poll_time: Any) -> None:
    """:class:`InvalidArgumentError` for waiting arguments :func:`poll` cannot use.

    The ``*_blocking`` methods call this before they start anything, so a typo never leaves
    a run going that nobody waits for.
    """
    if isinstance(poll_freq, bool) or not isinstance(poll_freq, int | float) or not poll_freq > 0:
        raise InvalidArgumentError(f"poll_freq={poll_freq!r} must be a positive number of seconds")
    if max_poll_time is not None and (
        isinstance(max_poll_time, bool)
        or not isinstance(max_poll_time, int | float)
        or max_poll_time < 0
    ):
        raise InvalidArgumentError(
            f"max_poll_time={max_poll_time!r} must be a number of seconds (>= 0) or None"
        )


def _default_describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def poll(
    fetch: Callable[[], T],
    *,
    is_done: Callable[[T], bool],
    poll_freq: float = 5.0,
    max_poll_time: float | None = 6000.0,
    describe: Callable[[T], str] | None = None,
    tolerate: tuple[type[BaseException], ...] = (requests.RequestException,),
    max_consecutive_failures: int | None = None,
    what: str = "job",
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    rand: Callable[[], float] = random.random,
) -> T:
    """Call ``fetch`` until ``is_done(value)`` is true; return that value.

    Args:
        fetch: returns the current state (e.g. a job dict). Called once right away.
        is_done: decides completion; may raise (e.g. ``RunFailedException``) to stop waiting.
        poll_freq: the longest gap between two fetches, in seconds (see :func:`interval`).
        max_poll_time: overall deadline in seconds from the first call; ``None`` = no limit.
        describe: renders the last value for messages (default: a short ``repr``).
        tolerate: exception types treated as transient: logged as a WARNING and retried.
            Expired credentials and 4xx errors still propagate unless named explicitly.
        max_consecutive_failures: more tolerated failures than this in a row raise
            :class:`PollRetriesExceededError`; ``None`` = only the deadline limits them.
        what: noun used in messages ("job", "run 1234", ...).
        clock, sleep, rand: injectable for tests.

    Raises:
        PollTimeoutError: the deadline passed (``.last`` holds the last value seen).
        PollRetriesExceededError: too many consecutive tolerated failures.
    """
    check_poll_args(poll_freq, max_poll_time)
    render = describe or _default_describe
    start = clock()
    deadline = None if max_poll_time is None else start + max_poll_time
    failures = 0
    last: Any = _MISSING
    last_error: BaseException | None = None
    while True:
        began = clock()
        try:
            value = fetch()
        except Exception as exc:
            if not isinstance(exc, tolerate) or _permanent(exc, tolerate):
                raise
            failures += 1
            last_error = exc
            if max_consecutive_failures is not None and failures > max_consecutive_failures:
                raise PollRetriesExceededError(
                    f"gave up waiting for {what}: {failures} status checks in a row failed; "
                    f"last error: {type(exc).__name__}: {exc}"
                ) from exc
            logger.warning(
                "checking %s failed (%d in a row), will retry: %s: %s",
                what,
                failures,
                type(exc).__name__,
                exc,
            )
        else:
            failures = 0
            last = value
            logger.debug("%s: %s", what, render(value))
            if is_done(value):
                return value

        now = clock()
        # the gap runs from the start of this check, so a slow answer does not add to it
        gap = interval(began - start, poll_freq) * (1.0 - JITTER * rand())
        pause = max(0.0, began + gap - now)
        if deadline is not None:
            if now >= deadline:
                raise _timeout(what, max_poll_time, last, last_error, render)
            # wake up exactly at the deadline for one last look rather than overshoot it
            pause = min(pause, deadline - now)
        sleep(pause)


def _timeout(
    what: str,
    max_poll_time: float | None,
    last: Any,
    last_error: BaseException | None,
    render: Callable[[Any], str],
) -> PollTimeoutError:
    if last is _MISSING:
        detail = "no status check succeeded"
        if last_error is not None:
            detail += f"; last error: {type(last_error).__name__}: {last_error}"
        last = None
    else:
        detail = f"last status: {render(last)}"
    return PollTimeoutError(
        f"{what} did not finish within {max_poll_time:g} s ({detail})", last=last
    )
