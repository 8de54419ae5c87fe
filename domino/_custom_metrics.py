"""The public client's custom-metrics module name (the classes live in
``domino._resources.custom_metrics``)."""

from domino._resources.custom_metrics import (
    _CustomMetricsClient,
    _CustomMetricsClientBase,
    _CustomMetricsClientGen,
)

__all__ = ["_CustomMetricsClient", "_CustomMetricsClientBase", "_CustomMetricsClientGen"]
