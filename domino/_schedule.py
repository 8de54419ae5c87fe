"""The wait schedule every poller shares: the client's ``poll()``, and the Airflow operator's
wait loop and trigger.

The gap between the starts of two status checks is a tenth of the time waited so far, at least
``MIN_INTERVAL`` and at most ``poll_freq``. No imports: Airflow DAG files load this while they
are parsed.
"""

from __future__ import annotations

__all__ = ["FRACTION", "MIN_INTERVAL", "interval"]

#: shortest gap between the starts of two checks, in seconds (leaves room, within the 0.3 s
#: promise, for the request itself)
MIN_INTERVAL = 0.25
#: the gap as a share of the time waited so far
FRACTION = 0.1


def interval(waited: float, poll_freq: float) -> float:
    """The nominal gap between check starts after ``waited`` seconds (before any jitter)."""
    return min(poll_freq, max(MIN_INTERVAL, FRACTION * waited))
