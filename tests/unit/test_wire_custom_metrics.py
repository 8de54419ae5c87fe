"""The custom-metrics client: wire format, validation, and the fixed read_metrics /
trigger_alert behaviour (domino-api-2x.md §3.7)."""

from __future__ import annotations

import pytest
import requests_mock
from wire_support import HOST, api_calls

from domino import Domino, exceptions
from domino._resources.custom_metrics import _CustomMetricsClientBase

ALERTS = f"{HOST}/api/metricAlerts/v1"
VALUES = f"{HOST}/api/metricValues/v1"


@pytest.fixture
def metrics(make_client: object, wire: requests_mock.Mocker) -> _CustomMetricsClientBase:
    client = make_client(version="5.3.1")  # type: ignore[operator]
    wire.reset_mock()
    built: _CustomMetricsClientBase = client.custom_metrics_client()
    return built


def test_needs_5_3_1(make_client: object) -> None:
    with pytest.raises(exceptions.UnsupportedDominoVersionError, match="5.3.1"):
        make_client(version="5.3.0").custom_metrics_client()  # type: ignore[operator]


def test_new_client_per_call_with_condition_constants(client: Domino) -> None:
    first, second = client.custom_metrics_client(), client.custom_metrics_client()
    assert first is not second and isinstance(first, _CustomMetricsClientBase)
    assert first.GREATER_THAN == "greaterThan" and first.BETWEEN == "between"
    assert Domino._CUSTOM_METRICS_USE_GEN is True


def test_log_metric_body(metrics: _CustomMetricsClientBase, wire: requests_mock.Mocker) -> None:
    wire.post(VALUES, status_code=200)
    metrics.log_metric("mm1", "acc", 0.9, "2026-01-01T00:00:00Z", {"region": "eu"})
    assert wire.last_request.headers["Content-Type"] == "application/json"
    assert wire.last_request.json() == {
        "newMetricValues": [
            {
                "referenceTimestamp": "2026-01-01T00:00:00Z",
                "metric": "acc",
                "modelMonitoringId": "mm1",
                "value": 0.9,
                "tags": [{"key": "region", "value": "eu"}],
            }
        ]
    }


def test_log_metrics_checks_every_item_before_sending(
    metrics: _CustomMetricsClientBase, wire: requests_mock.Mocker
) -> None:
    good = {"modelMonitoringId": "mm1", "metric": "acc", "value": 1, "timestamp": "t"}
    for bad, match in [
        ({**good, "value": "1"}, "value must be a number"),
        ({**good, "value": True}, "value must be a number"),
        ({k: v for k, v in good.items() if k != "timestamp"}, "lacks"),
    ]:
        with pytest.raises(exceptions.InvalidArgumentError, match=match):
            metrics.log_metrics([good, bad])
    assert api_calls(wire) == []


def test_trigger_alert_without_optional_arguments(
    metrics: _CustomMetricsClientBase, wire: requests_mock.Mocker
) -> None:
    wire.post(ALERTS, status_code=200)
    metrics.trigger_alert("mm1", "acc", 0.5)
    assert wire.last_request.json() == {"modelMonitoringId": "mm1", "metric": "acc", "value": 0.5}


def test_trigger_alert_keeps_a_zero_limit(
    metrics: _CustomMetricsClientBase, wire: requests_mock.Mocker
) -> None:
    wire.post(ALERTS, status_code=200)
    metrics.trigger_alert("mm1", "acc", -1, metrics.BETWEEN, 0, 1, "out of range")
    assert wire.last_request.json() == {
        "modelMonitoringId": "mm1",
        "metric": "acc",
        "value": -1,
        "targetRange": {"condition": "between", "lowerLimit": 0, "upperLimit": 1},
        "description": "out of range",
    }


def test_trigger_alert_rejects_unknown_condition(
    metrics: _CustomMetricsClientBase, wire: requests_mock.Mocker
) -> None:
    with pytest.raises(exceptions.InvalidArgumentError, match="GREATER_THAN"):
        metrics.trigger_alert("mm1", "acc", 1, "GREATER_THAN", 0)
    assert api_calls(wire) == []


def test_read_metrics_works_and_reshapes(
    metrics: _CustomMetricsClientBase, wire: requests_mock.Mocker
) -> None:
    wire.get(
        f"{VALUES}/mm1/acc",
        json={
            "metadata": {"requestId": "r", "notices": []},
            "metricValues": [
                {"referenceTimestamp": "t1", "value": 0.9, "tags": [{"key": "k", "value": "v"}]}
            ],
        },
    )
    answer = metrics.read_metrics("mm1", "acc", "2026-01-01T00:00:00Z", "2026-02-01")
    assert answer == {
        "metadata": {"requestId": "r", "notices": []},
        "metricValues": [{"timestamp": "t1", "value": 0.9, "tags": {"k": "v"}}],
    }
    assert wire.last_request.url == (
        f"{VALUES}/mm1/acc?startingReferenceTimestampInclusive=2026-01-01T00%3A00%3A00Z"
        "&endingReferenceTimestampInclusive=2026-02-01"
    )


def test_calls_go_through_request_manager_at_call_time(
    metrics: _CustomMetricsClientBase, client: Domino, wire: requests_mock.Mocker
) -> None:
    seen: list[str] = []
    original = client.request_manager.post

    def spy(url: str, *args: object, **kwargs: object) -> object:
        seen.append(url)
        return original(url, *args, **kwargs)

    wire.post(ALERTS, status_code=200)
    wire.post(f"{HOST}/v1/models", json={"data": {"_id": "m"}})
    client.request_manager.post = spy  # type: ignore[method-assign]
    client.custom_metrics_client().trigger_alert("mm1", "acc", 1)
    client.model_publish("m.py", "f", None, "n", "d")
    assert seen == ["/api/metricAlerts/v1", "/v1/models"]
