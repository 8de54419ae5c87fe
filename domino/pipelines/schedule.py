"""Cron schedules in a time zone: validation, the next fire times, DST gaps and repeats."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

__all__ = ["FireTime", "check_cron", "check_timezone", "dst_warnings", "next_fire_times"]


@dataclass(frozen=True)
class FireTime:
    local: dt.datetime  # aware, in the schedule's zone
    utc: dt.datetime
    note: str = ""  # "DST gap: ..." or "DST repeat: ..." when the wall time is unusual


def check_timezone(name: str) -> str | None:
    """An error message for an unknown zone (with a suggestion), or None."""
    try:
        ZoneInfo(name)
        return None
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        import difflib

        close = difflib.get_close_matches(name, sorted(available_timezones()), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown time zone {name!r}{hint}; use an IANA name such as 'Europe/Zurich'"


def check_cron(expression: str) -> str | None:
    """An error message for a cron expression that cannot fire, or None."""
    from croniter import croniter

    fields = expression.split()
    if len(fields) != 5:
        return (
            f"cron expression {expression!r} must have 5 fields (minute hour day month weekday),"
            f" it has {len(fields)}"
        )
    if not croniter.is_valid(expression):
        return f"invalid cron expression {expression!r}"
    return None


def _wall_times(expression: str, start: dt.datetime, limit: int) -> list[dt.datetime]:
    from croniter import croniter

    it = croniter(expression, start.replace(tzinfo=None))
    return [it.get_next(dt.datetime) for _ in range(limit)]


def _classify(wall: dt.datetime, zone: ZoneInfo) -> str:
    first = wall.replace(tzinfo=zone, fold=0)
    second = wall.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return ""
    back = first.astimezone(dt.timezone.utc).astimezone(zone).replace(tzinfo=None)
    if back != wall:
        return f"DST gap: {wall:%Y-%m-%d %H:%M} does not exist in {zone.key}"
    return (
        f"DST repeat: {wall:%Y-%m-%d %H:%M} happens twice in {zone.key} (runs once, at the first)"
    )


def next_fire_times(
    expression: str, timezone: str, n: int = 5, after: dt.datetime | None = None
) -> list[FireTime]:
    """The next ``n`` fire times after ``after`` (default: now), in the zone and in UTC."""
    zone = ZoneInfo(timezone)
    now = (after or dt.datetime.now(dt.timezone.utc)).astimezone(zone)
    out: list[FireTime] = []
    seen: set[dt.datetime] = set()
    for wall in _wall_times(expression, now, n * 2 + 4):
        note = _classify(wall, zone)
        local = wall.replace(tzinfo=zone, fold=0)
        utc = local.astimezone(dt.timezone.utc)
        if note.startswith("DST gap"):
            # Airflow's cron timetable (and ours) runs a skipped wall time at the next instant.
            local = utc.astimezone(zone)
        if utc in seen:
            continue
        seen.add(utc)
        out.append(FireTime(local, utc, note))
        if len(out) == n:
            break
    return out


def dst_warnings(expression: str, timezone: str, *, days: int = 366) -> list[str]:
    """Warnings for fire times in the next ``days`` that fall into a DST gap or repeat."""
    zone = ZoneInfo(timezone)
    start = dt.datetime.now(dt.timezone.utc).astimezone(zone)
    end = start.replace(tzinfo=None) + dt.timedelta(days=days)
    warnings: list[str] = []
    from croniter import croniter

    it = croniter(expression, start.replace(tzinfo=None))
    for _ in range(20000):
        wall = it.get_next(dt.datetime)
        if wall > end:
            break
        note = _classify(wall, zone)
        if note and note not in warnings:
            warnings.append(note)
        if len(warnings) >= 4:
            break
    return warnings
