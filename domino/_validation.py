"""Client-side checks ``job_start`` runs before it starts anything (domino-api.md §11.2).

One :class:`JobValidator` lives for one ``job_start`` call and remembers every list it fetched,
so each validation GET (commits, hardware tiers, environments, Spark defaults) is issued at most
once per call no matter how many ids are checked against it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from domino import exceptions
from domino._base import version_at_least
from domino._resources.files import commit_id_of
from domino.exceptions import InvalidArgumentError

__all__ = ["JobValidator", "CLUSTER_TYPE_MIN_VERSION"]

logger = logging.getLogger(__name__)

MIN_ON_DEMAND_SPARK = "4.2.0"
MIN_EXTERNAL_VOLUME_MOUNTS = "4.3.3"
MIN_COMPUTE_CLUSTER = "4.5.0"
MIN_AUTOSCALING = "5.0.0"
CLUSTER_TYPE_MIN_VERSION = {"Spark": "4.5.0", "Ray": "4.5.0", "Dask": "4.6.0", "MPI": "5.1.1"}
_CLUSTER_REQUIRED_KEYS = (
    "clusterType",
    "computeEnvironmentId",
    "masterHardwareTierId",
    "workerHardwareTierId",
    "workerCount",
)
_STORAGE_UNITS = ("GiB", "MB")
_SPARK_KEYS = (
    "executorCount",
    "computeEnvironmentId",
    "executorHardwareTierId",
    "masterHardwareTierId",
    "executorStorageMB",
)


def tier_id_value(tier: Any) -> Any:
    """A tier id given either plainly or as ``{"value": id}``."""
    if isinstance(tier, Mapping):
        if "value" not in tier:
            raise InvalidArgumentError(f"hardware_tier_id dict missing 'value' key: {dict(tier)!r}")
        return tier["value"]
    return tier


class JobValidator:
    """Validation for one ``job_start`` call; list lookups are fetched lazily and cached."""

    def __init__(
        self,
        version: str,
        *,
        commits: Callable[[], Any],
        hardware_tiers: Callable[[], Any],
        environments: Callable[[], Any],
        spark_defaults: Callable[[], Any],
    ) -> None:
        self.version = version
        self._fetchers = {
            "commits": commits,
            "tiers": hardware_tiers,
            "environments": environments,
            "spark": spark_defaults,
        }
        self._cache: dict[str, Any] = {}

    def _fetch(self, what: str) -> Any:
        if what not in self._cache:
            self._cache[what] = self._fetchers[what]()
        return self._cache[what]

    def _supports(self, minimum: str) -> bool:
        return version_at_least(self.version, minimum)

    # ------------------------------------------------------------------ single values

    def commit_id(self, commit_id: str) -> None:
        if any(commit_id_of(commit) == commit_id for commit in self._fetch("commits") or []):
            return
        raise exceptions.CommitNotFoundException(f"{commit_id} commit Id not found")

    def _tiers(self) -> list[dict[str, Any]]:
        return [entry.get("hardwareTier") or {} for entry in self._fetch("tiers") or []]

    def hardware_tier_id(self, tier: Any) -> None:
        tier_id = tier_id_value(tier)
        if not any(t.get("id") == tier_id for t in self._tiers()):
            raise exceptions.HardwareTierNotFoundException(f"{tier_id} hardware tier Id not found")

    def hardware_tier_name(self, name: str) -> str:
        """Validate a tier name (exactly one match) and return that tier's id."""
        matches = [t for t in self._tiers() if t.get("name") == name]
        if not matches:
            raise exceptions.HardwareTierNotFoundException(f"{name} hardware tier name not found")
        if len(matches) > 1:
            raise exceptions.HardwareTierNotFoundException(
                f"{name} hardware tier name has more than one match"
            )
        return str(matches[0].get("id"))

    def environment_id(self, environment_id: str) -> None:
        environments = (self._fetch("environments") or {}).get("environments") or []
        if not any(env.get("id") == environment_id for env in environments):
            raise exceptions.EnvironmentNotFoundException(f"{environment_id} environment not found")

    def external_volume_mounts(self) -> None:
        if not self._supports(MIN_EXTERNAL_VOLUME_MOUNTS):
            raise exceptions.ExternalVolumeMountsNotSupportedException(
                f"Your domino deployment version {self.version} does not support external "
                f"volume mounts. Minimum support version {MIN_EXTERNAL_VOLUME_MOUNTS}"
            )

    # ------------------------------------------------------------------ compute clusters

    def compute_cluster_properties(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """Validate ``compute_cluster_properties``; return ``computeClusterProperties``."""
        if not isinstance(props, Mapping):
            raise exceptions.MalformedInputException(
                f"compute_cluster_properties must be a dict, got {type(props).__name__}"
            )
        if not self._supports(MIN_COMPUTE_CLUSTER):
            raise exceptions.UnsupportedFieldException(
                f"'compute_cluster_properties' is not supported in Domino {self.version}."
            )
        cluster_type = props.get("clusterType")
        for key in _CLUSTER_REQUIRED_KEYS:
            if key == "masterHardwareTierId" and cluster_type == "MPI":
                continue  # MPI clusters have no master node
            if key not in props:
                raise exceptions.MissingRequiredFieldException(
                    f"{key} is required in compute_cluster_properties"
                )
        minimum = CLUSTER_TYPE_MIN_VERSION.get(str(cluster_type))
        if minimum is None or not self._supports(minimum):
            supported = [t for t, v in CLUSTER_TYPE_MIN_VERSION.items() if self._supports(v)]
            raise exceptions.MalformedInputException(
                f"Domino {self.version} does not support cluster type {cluster_type!r}. "
                f"This version of Domino supports the following cluster types: "
                f"{', '.join(supported)}"
            )
        if "workerStorage" in props:
            storage = props["workerStorage"]
            if (
                not isinstance(storage, Mapping)
                or "value" not in storage
                or storage.get("unit") not in _STORAGE_UNITS
            ):
                raise exceptions.MalformedInputException(
                    f"workerStorage in compute_cluster_properties failed validation: "
                    f"{storage!r}; expected {{'value': <number>, 'unit': 'GiB' | 'MB'}}"
                )
        worker_count = props["workerCount"]
        if not isinstance(worker_count, int | float) or worker_count < 1:
            raise exceptions.MalformedInputException(
                "compute_cluster_properties.workerCount must be greater than 0, "
                f"got {worker_count!r}"
            )
        if "maxWorkerCount" in props and not self._supports(MIN_AUTOSCALING):
            raise exceptions.UnsupportedFieldException(
                f"'maxWorkerCount' is not supported in Domino {self.version}."
            )
        if "masterHardwareTierId" in props:
            self.hardware_tier_id(props["masterHardwareTierId"])
        self.hardware_tier_id(props["workerHardwareTierId"])

        body = dict(props)
        for key in ("masterHardwareTierId", "workerHardwareTierId"):
            if key in body:
                body[key] = {"value": tier_id_value(body[key])}
        return body

    # ------------------------------------------------------------------ on-demand spark

    def on_demand_spark(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """Validate deprecated Spark properties; return ``onDemandSparkClusterProperties``."""
        if not isinstance(props, Mapping):
            raise exceptions.MalformedInputException(
                f"on_demand_spark_cluster_properties must be a dict, got {type(props).__name__}"
            )
        if not self._supports(MIN_ON_DEMAND_SPARK):
            raise exceptions.OnDemandSparkClusterNotSupportedException(
                f"Your domino deployment version {self.version} does not support on demand "
                f"spark cluster. Minimum support version {MIN_ON_DEMAND_SPARK}"
            )
        defaults = self._fetch("spark")
        try:
            max_slots = defaults["maximumExecutionSlotsPerUser"]
            default_executor_tier = defaults["executorHardwareTierId"]
            default_master_tier = defaults["masterHardwareTierId"]
        except (KeyError, TypeError) as missing:
            raise exceptions.MalformedInputException(
                f"the server's default Spark settings lack {missing}"
            ) from None
        if "computeEnvironmentId" not in props:
            raise exceptions.MissingRequiredFieldException(
                "Mandatory field computeEnvironmentId not passed in spark properties"
            )
        for key, value in props.items():
            if key not in _SPARK_KEYS:
                raise exceptions.MalformedInputException(
                    f"Invalid spark property {key}:{value} found"
                )
            if key == "executorCount":
                count = _as_int(key, value)
                if count > max_slots:
                    raise exceptions.MalformedInputException(
                        f"executor count: {count} exceeding max executor count: {max_slots}"
                    )
            elif key == "computeEnvironmentId":
                self.environment_id(value)
            elif key in ("executorHardwareTierId", "masterHardwareTierId"):
                self.hardware_tier_id(value)
        return {
            "computeEnvironmentId": props["computeEnvironmentId"],
            "executorCount": _as_int("executorCount", props.get("executorCount", 1)),
            "executorHardwareTierId": props.get("executorHardwareTierId", default_executor_tier),
            "executorStorageMB": _as_int("executorStorageMB", props.get("executorStorageMB", 0)),
            "masterHardwareTierId": props.get("masterHardwareTierId", default_master_tier),
        }


def _as_int(key: str, value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise exceptions.MalformedInputException(
            f"Invalid spark property {key}:{value} found (not an integer)"
        ) from None
