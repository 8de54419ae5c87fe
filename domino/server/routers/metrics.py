"""Custom model-monitoring metrics: values and alerts (domino-api-2x.md §3.7, §7).

Values are kept in SQLite; alerts are recorded (nobody is emailed locally).
"""

from __future__ import annotations

import json
import numbers
from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Body, Depends, Response

from domino.server.auth import User, current_user
from domino.server.errors import ApiError
from domino.server.routers.deps import PlainJSONRoute, services
from domino.server.services import Services
from domino.server.store import Store, new_id, now_ms

router = APIRouter(tags=["custom metrics"], route_class=PlainJSONRoute)

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS metric_values (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, monitoring_id TEXT NOT NULL,
        metric TEXT NOT NULL, reference_ms INTEGER NOT NULL, reference TEXT NOT NULL,
        value REAL NOT NULL, tags TEXT NOT NULL, user_id TEXT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS metric_values_by_metric
        ON metric_values(monitoring_id, metric, reference_ms)""",
    """CREATE TABLE IF NOT EXISTS metric_alerts (
        id TEXT PRIMARY KEY, body TEXT NOT NULL, user_id TEXT NOT NULL,
        created INTEGER NOT NULL)""",
)
CONDITIONS = ("lessThan", "lessThanEqual", "greaterThan", "greaterThanEqual", "between")


def ensure_schema(store: Store) -> None:
    store.ensure_schema(*SCHEMA)


def _instant(value: Any, what: str) -> int:
    """Milliseconds since the epoch of an ISO 8601 timestamp (UTC when no zone is given)."""
    if not isinstance(value, str) or not value:
        raise ApiError(400, f"{what} must be an ISO 8601 timestamp, got {value!r}")
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(400, f"{what} must be an ISO 8601 timestamp, got {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return int(parsed.timestamp() * 1000)


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise ApiError(400, f"{key} must be a non-empty string")
    return value


def _number(body: dict[str, Any], key: str, *, required: bool = True) -> Any:
    value = body.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ApiError(400, f"{key} must be a number, got {value!r}")
    return value


@router.post("/api/metricValues/v1")
def log_metric_values(
    body: dict[str, Any] = Body(...),
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> Response:
    values = body.get("newMetricValues")
    if not isinstance(values, list) or not values:
        raise ApiError(400, "newMetricValues must be a non-empty list")
    rows = []
    for item in values:
        if not isinstance(item, dict):
            raise ApiError(400, "each metric value must be an object")
        tags = item.get("tags") or []
        if not isinstance(tags, list) or not all(
            isinstance(t, dict)
            and isinstance(t.get("key"), str)
            and isinstance(t.get("value"), str)
            for t in tags
        ):
            raise ApiError(400, "tags must be a list of {key, value} strings")
        rows.append(
            (
                _text(item, "modelMonitoringId"),
                _text(item, "metric"),
                _instant(item.get("referenceTimestamp"), "referenceTimestamp"),
                item["referenceTimestamp"],
                _number(item, "value"),
                json.dumps(tags),
                user.id,
            )
        )
    with svc.store.transaction() as tx:  # all values or none
        tx.executemany(
            "INSERT INTO metric_values (monitoring_id, metric, reference_ms, reference, value,"
            " tags, user_id) VALUES (?,?,?,?,?,?,?)",
            rows,
        )
    return Response(status_code=200)


@router.get("/api/metricValues/v1/{monitoring_id}/{metric}")
def read_metric_values(
    monitoring_id: str,
    metric: str,
    startingReferenceTimestampInclusive: str | None = None,  # noqa: N803 - wire names
    endingReferenceTimestampInclusive: str | None = None,  # noqa: N803
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    start = _instant(startingReferenceTimestampInclusive, "startingReferenceTimestampInclusive")
    end = _instant(endingReferenceTimestampInclusive, "endingReferenceTimestampInclusive")
    if end < start:
        raise ApiError(400, "the ending timestamp is before the starting one")
    rows = svc.store.query(
        "SELECT * FROM metric_values WHERE monitoring_id = ? AND metric = ?"
        " AND reference_ms BETWEEN ? AND ? ORDER BY reference_ms, seq",
        (monitoring_id, metric, start, end),
    )
    return {
        "metadata": {"requestId": new_id(), "notices": []},
        "metricValues": [
            {
                "referenceTimestamp": r["reference"],
                "value": r["value"],
                "tags": json.loads(r["tags"]),
            }
            for r in rows
        ],
    }


@router.post("/api/metricAlerts/v1")
def send_metric_alert(
    body: dict[str, Any] = Body(...),
    user: User = Depends(current_user),
    svc: Services = Depends(services),
) -> Response:
    _text(body, "modelMonitoringId")
    _text(body, "metric")
    _number(body, "value")
    target = body.get("targetRange")
    if target is not None:
        if not isinstance(target, dict) or target.get("condition") not in CONDITIONS:
            raise ApiError(400, f"targetRange.condition must be one of {list(CONDITIONS)}")
        _number(target, "lowerLimit", required=False)
        _number(target, "upperLimit", required=False)
    if body.get("description") is not None and not isinstance(body["description"], str):
        raise ApiError(400, "description must be a string")
    with svc.store.transaction() as tx:
        tx.execute(
            "INSERT INTO metric_alerts (id, body, user_id, created) VALUES (?,?,?,?)",
            (new_id(), json.dumps(body), user.id, now_ms()),
        )
    return Response(status_code=200)
