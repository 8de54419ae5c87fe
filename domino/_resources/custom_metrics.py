"""Custom model-monitoring metrics: log values, read them back, raise alerts
(domino-api-2x.md §3.7).

One client class does the work on every supported Python. It validates like the public
client's generated one (numbers must be numbers, conditions one of five names) but, unlike it,
``trigger_alert`` needs no optional argument and ``read_metrics`` works.
"""

from __future__ import annotations

import abc
import copy
import numbers
from typing import Any

from domino._base import ClientBase, expect_dict, nonempty
from domino.exceptions import InvalidArgumentError

__all__ = [
    "CustomMetricsMixin",
    "_CustomMetricsClient",
    "_CustomMetricsClientBase",
    "_CustomMetricsClientGen",
]

MIN_CUSTOM_METRICS = "5.3.1"


def _number(value: Any, name: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidArgumentError(f"{name} must be a number, got {value!r}")
    return value


def _plain_value(value: Any) -> Any:
    """A wire metric value as the caller gets it: ``timestamp`` first, tags as a dict."""
    if not isinstance(value, dict):
        return value
    plain = dict(value)
    if "referenceTimestamp" in plain:
        plain = {"timestamp": plain.pop("referenceTimestamp"), **plain}
    tags = plain.get("tags")
    if isinstance(tags, list):
        plain["tags"] = {t.get("key"): t.get("value") for t in tags if isinstance(t, dict)}
    return plain


class _CustomMetricsClientBase(abc.ABC):
    """The interface (and target-range condition names) of a custom-metrics client."""

    LESS_THAN = "lessThan"
    LESS_THAN_EQUAL = "lessThanEqual"
    GREATER_THAN = "greaterThan"
    GREATER_THAN_EQUAL = "greaterThanEqual"
    BETWEEN = "between"

    @abc.abstractmethod
    def trigger_alert(
        self,
        model_monitoring_id: str,
        metric: str,
        value: Any,
        condition: str | None = None,
        lower_limit: Any = None,
        upper_limit: Any = None,
        description: str | None = None,
    ) -> None: ...

    @abc.abstractmethod
    def log_metric(
        self,
        model_monitoring_id: str,
        metric: str,
        value: Any,
        timestamp: str,
        tags: dict[str, str] | None = None,
    ) -> None: ...

    @abc.abstractmethod
    def log_metrics(self, metric_values_array: list[dict[str, Any]]) -> None: ...

    @abc.abstractmethod
    def read_metrics(
        self, model_monitoring_id: str, metric: str, start_timestamp: str, end_timestamp: str
    ) -> dict[str, Any]: ...


class _CustomMetricsClient(_CustomMetricsClientBase):
    """Custom metrics through ``parent.request_manager`` (auth and errors as every call)."""

    CONDITIONS = ("lessThan", "lessThanEqual", "greaterThan", "greaterThanEqual", "between")

    def __init__(self, parent: Any, routes: Any) -> None:
        self._parent = parent
        self._routes = routes

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._parent!r})"

    @property
    def _http(self) -> Any:
        return self._parent.request_manager

    def trigger_alert(
        self,
        model_monitoring_id: str,
        metric: str,
        value: Any,
        condition: str | None = None,
        lower_limit: Any = None,
        upper_limit: Any = None,
        description: str | None = None,
    ) -> None:
        """Raise an alert for ``metric`` of a monitored model.

        ``condition`` (one of :attr:`CONDITIONS`) with ``lower_limit``/``upper_limit`` says
        which range the value should have been in; a limit of ``0`` is sent (upstream's
        hand-rolled client dropped it).
        """
        body: dict[str, Any] = {
            "modelMonitoringId": nonempty(model_monitoring_id, "model_monitoring_id"),
            "metric": nonempty(metric, "metric"),
            "value": _number(value, "value"),
        }
        if condition is not None:
            if condition not in self.CONDITIONS:
                raise InvalidArgumentError(
                    f"condition must be one of {list(self.CONDITIONS)}, got {condition!r}"
                )
            target: dict[str, Any] = {"condition": condition}
            if lower_limit is not None:
                target["lowerLimit"] = _number(lower_limit, "lower_limit")
            if upper_limit is not None:
                target["upperLimit"] = _number(upper_limit, "upper_limit")
            body["targetRange"] = target
        elif lower_limit is not None or upper_limit is not None:
            raise InvalidArgumentError("lower_limit/upper_limit need a condition")
        if description is not None:
            body["description"] = str(description)
        self._http.post(self._routes.metric_alerts(), json=body)

    def log_metric(
        self,
        model_monitoring_id: str,
        metric: str,
        value: Any,
        timestamp: str,
        tags: dict[str, str] | None = None,
    ) -> None:
        """Record one value of ``metric`` at ``timestamp`` (ISO 8601 text)."""
        item: dict[str, Any] = {
            "modelMonitoringId": model_monitoring_id,
            "metric": metric,
            "value": value,
            "timestamp": timestamp,
        }
        if tags is not None:
            item["tags"] = tags
        self.log_metrics([item])

    @staticmethod
    def _wire_value(item: Any, index: int) -> dict[str, Any]:
        if not isinstance(item, dict):
            raise InvalidArgumentError(f"metric value #{index} must be a dict, got {item!r}")
        missing = [
            k for k in ("modelMonitoringId", "metric", "value", "timestamp") if k not in item
        ]
        if missing:
            raise InvalidArgumentError(f"metric value #{index} lacks {missing}: {item!r}")
        if not isinstance(item["timestamp"], str):
            raise InvalidArgumentError(f"metric value #{index}: timestamp must be a string")
        wire: dict[str, Any] = {
            "referenceTimestamp": item["timestamp"],
            "metric": nonempty(item["metric"], "metric"),
            "modelMonitoringId": nonempty(item["modelMonitoringId"], "modelMonitoringId"),
            "value": _number(item["value"], "value"),
        }
        tags = item.get("tags")
        if tags is not None:
            if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
                raise InvalidArgumentError(f"metric value #{index}: tags must map names to text")
            wire["tags"] = [{"key": key, "value": val} for key, val in tags.items()]
        return wire

    def log_metrics(self, metric_values_array: list[dict[str, Any]]) -> None:
        """Record many values: dicts with ``modelMonitoringId``, ``metric``, ``value``,
        ``timestamp`` and optional ``tags``. Everything is checked before anything is sent."""
        values = [self._wire_value(item, i) for i, item in enumerate(metric_values_array)]
        self._http.post(self._routes.metric_values(), json={"newMetricValues": values})

    def read_metrics(
        self, model_monitoring_id: str, metric: str, start_timestamp: str, end_timestamp: str
    ) -> dict[str, Any]:
        """Values of ``metric`` between two timestamps (both inclusive):
        ``{"metadata": {...}, "metricValues": [{"timestamp", "value", "tags": {k: v}}]}``."""
        path = self._routes.metric_values(
            nonempty(model_monitoring_id, "model_monitoring_id"), nonempty(metric, "metric")
        )
        params = {
            "startingReferenceTimestampInclusive": nonempty(start_timestamp, "start_timestamp"),
            "endingReferenceTimestampInclusive": nonempty(end_timestamp, "end_timestamp"),
        }
        answer = self._http.parse_json("GET", self._http.get(path, params=params))
        result = copy.deepcopy(expect_dict(answer, f"GET {path}"))
        values = result.get("metricValues")
        if isinstance(values, list):
            result["metricValues"] = [_plain_value(v) for v in values]
        return result


# The public client's default class name; ours is the same working client.
_CustomMetricsClientGen = _CustomMetricsClient


class CustomMetricsMixin(ClientBase):
    _CUSTOM_METRICS_USE_GEN = True

    def requires_at_least(self, at_least_version: str) -> bool:  # implemented by Domino
        raise NotImplementedError

    def custom_metrics_client(self) -> _CustomMetricsClientBase:
        """A new client for custom model-monitoring metrics (Domino >= 5.3.1).

        Example::

            metrics = domino.custom_metrics_client()
            metrics.log_metric("mm-1", "accuracy", 0.93, "2026-01-01T00:00:00Z")
        """
        self.requires_at_least(MIN_CUSTOM_METRICS)
        return _CustomMetricsClient(self, self._routes)
