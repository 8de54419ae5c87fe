"""Custom metrics against a live domino-server: log, read back, alert."""

from __future__ import annotations

from typing import Any

import pytest
from e2e_support import unique

import domino
from domino import exceptions


def test_log_then_read_back_in_range(client: domino.Domino) -> None:
    metrics = client.custom_metrics_client()
    mm = unique("mm")
    metrics.log_metric(mm, "accuracy", 0.91, "2026-01-01T00:00:00Z", {"region": "eu"})
    metrics.log_metrics(
        [
            {
                "modelMonitoringId": mm,
                "metric": "accuracy",
                "value": 0.5,
                "timestamp": "2026-02-01",
            },
            {
                "modelMonitoringId": mm,
                "metric": "accuracy",
                "value": 0.7,
                "timestamp": "2026-03-01",
            },
        ]
    )
    answer = metrics.read_metrics(mm, "accuracy", "2026-01-01T00:00:00Z", "2026-02-15T00:00:00Z")
    assert answer["metricValues"] == [
        {"timestamp": "2026-01-01T00:00:00Z", "value": 0.91, "tags": {"region": "eu"}},
        {"timestamp": "2026-02-01", "value": 0.5, "tags": {}},
    ]
    assert "requestId" in answer["metadata"]


def test_alerts_and_bad_input(client: domino.Domino) -> None:
    metrics = client.custom_metrics_client()
    metrics.trigger_alert("mm", "drift", 0.4)
    metrics.trigger_alert("mm", "drift", 0.4, metrics.BETWEEN, 0, 0.3, "drift out of range")
    with pytest.raises(exceptions.BadRequestError, match="ISO 8601"):
        metrics.log_metric("mm", "drift", 1, "yesterday")
    with pytest.raises(exceptions.BadRequestError, match="before"):
        metrics.read_metrics("mm", "drift", "2026-02-01", "2026-01-01")


def test_metrics_are_deployment_wide_on_domino_server(
    client: domino.Domino, domino_server: Any
) -> None:
    """README (Custom metrics): every user can log and read the metrics of any monitoring id."""
    other_name = unique("metrics-user")
    other_key = domino_server.add_user(other_name)
    other = domino_server.client(domino_server.create_project(owner=other_name), api_key=other_key)
    mm = unique("mm")
    client.custom_metrics_client().log_metric(mm, "auc", 0.8, "2026-01-01T00:00:00Z")
    theirs = other.custom_metrics_client()
    theirs.log_metric(mm, "auc", 0.7, "2026-01-02T00:00:00Z")
    read = theirs.read_metrics(mm, "auc", "2026-01-01T00:00:00Z", "2026-01-03T00:00:00Z")
    assert [v["value"] for v in read["metricValues"]] == [0.8, 0.7]
