"""Fixed catalogues: hardware tiers, compute environments, default Spark settings, and the
validation of compute-cluster / Spark properties against them (no HTTP here)."""

from __future__ import annotations

from typing import Any

from domino.server.store import InvalidInput

_TIERS = [
    # id, name, cores, memory GiB, default
    ("small-k8s", "Small", 1, 4, True),
    ("medium-k8s", "Medium", 2, 8, False),
    ("large-k8s", "Large", 4, 16, False),
]
DEFAULT_TIER = "small-k8s"

ENVIRONMENTS: list[dict[str, Any]] = [
    {
        "id": "5f0000000000000000000001",
        "name": "Domino Standard Environment",
        "archived": False,
        "version": 1,
        "visibility": "Global",
        "supportedClusters": [],
    },
    {
        "id": "5f0000000000000000000002",
        "name": "Spark Compute Environment",
        "archived": False,
        "version": 1,
        "visibility": "Global",
        "supportedClusters": ["Spark"],
    },
    {
        "id": "5f0000000000000000000003",
        "name": "Ray Compute Environment",
        "archived": False,
        "version": 1,
        "visibility": "Global",
        "supportedClusters": ["Ray", "Dask", "MPI"],
    },
]
DEFAULT_ENVIRONMENT: str = ENVIRONMENTS[0]["id"]

CLUSTER_TYPES = ("Spark", "Ray", "Dask", "MPI")
STORAGE_UNITS = ("GiB", "MB")
MAX_EXECUTION_SLOTS = 10


def hardware_tiers() -> list[dict[str, Any]]:
    """§12.1: ``isDefault`` both at the top level (older servers) and under ``hwtFlags``."""
    result = []
    for tier_id, name, cores, memory, default in _TIERS:
        result.append(
            {
                "hardwareTier": {
                    "id": tier_id,
                    "name": name,
                    "cores": cores,
                    "memory": memory,
                    "numberOfGpus": 0,
                    "gpuKey": "",
                    "isDefault": default,
                    "hwtFlags": {"isDefault": default, "isVisible": True, "isArchived": False},
                    "centsPerMinute": 0,
                    "isFree": True,
                    "isAllowedDuringTrial": True,
                    "isVisible": True,
                    "isGlobal": True,
                    "isArchived": False,
                    "runMemoryLimit": {
                        "memoryLimitMegabytes": memory * 1024,
                        "memorySwapLimitMegabytes": 0,
                    },
                    "allowSharedMemoryToExceedDefault": False,
                    "clusterType": "Kubernetes",
                    "creationTime": "2024-01-01T00:00:00Z",
                    "updateTime": "2024-01-01T00:00:00Z",
                },
                "capacity": {
                    "currentNumberOfExecutors": 0,
                    "maximumNumberOfExecutors": 10,
                    "numberOfCurrentlyExecutingRuns": 0,
                    "numberOfQueuedRuns": 0,
                    "maximumConcurrentRuns": 10,
                    "availableCapacityWithoutLaunching": 10,
                    "maximumAvailableCapacity": 10,
                    "capacityLevel": "CAN_EXECUTE_WITH_CURRENT_INSTANCES",
                },
            }
        )
    return result


def tier_name(tier_id: str) -> str:
    for tid, name, *_ in _TIERS:
        if tid == tier_id:
            return name
    return tier_id


def resolve_tier_id(value: Any, *, field: str = "hardware tier") -> str:
    """A tier id, or ``{"value": id}``; unknown → 400."""
    if isinstance(value, dict):
        value = value.get("value")
    if not isinstance(value, str) or value not in {t[0] for t in _TIERS}:
        raise InvalidInput(
            f"unknown {field} {value!r}; known ids: {', '.join(t[0] for t in _TIERS)}"
        )
    return value


def resolve_tier_name(name: str) -> str:
    """v1 runs_start names a tier by its name (we also accept an id); unknown → 400."""
    for tier_id, tier, *_ in _TIERS:
        if name in (tier, tier_id):
            return tier_id
    raise InvalidInput(
        f"unknown hardware tier {name!r}; known names: {', '.join(t[1] for t in _TIERS)}"
    )


def environment(env_id: str) -> dict[str, Any]:
    for env in ENVIRONMENTS:
        if env["id"] == env_id:
            return env
    raise InvalidInput(
        f"unknown environment {env_id!r}; useable ids: {', '.join(e['id'] for e in ENVIRONMENTS)}"
    )


def useable_environments() -> dict[str, Any]:
    envs = [
        dict(env, owner={"id": "000000000000000000000000", "username": "domino"})
        for env in ENVIRONMENTS
    ]
    return {"currentlySelectedEnvironment": envs[0], "environments": envs}


def default_spark_settings() -> dict[str, Any]:
    return {
        "computeEnvironmentId": ENVIRONMENTS[1]["id"],
        "executorCount": 1,
        "executorHardwareTierId": DEFAULT_TIER,
        "masterHardwareTierId": DEFAULT_TIER,
        "executorStorage": {"value": 0, "unit": "MB"},
        "maximumExecutionSlotsPerUser": MAX_EXECUTION_SLOTS,
    }


def _positive_int(props: dict[str, Any], key: str) -> int:
    value = props.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(f"computeClusterProperties.{key} must be a positive integer")
    return value


def validate_compute_cluster(props: Any) -> dict[str, Any]:
    """Check computeClusterProperties (§11.2 step 6, after the client's transformation)."""
    if not isinstance(props, dict):
        raise InvalidInput("computeClusterProperties must be an object")
    cluster_type = props.get("clusterType")
    if cluster_type not in CLUSTER_TYPES:
        raise InvalidInput(
            f"computeClusterProperties.clusterType {cluster_type!r} is not one of "
            + ", ".join(CLUSTER_TYPES)
        )
    required = ["computeEnvironmentId", "workerHardwareTierId", "workerCount"]
    if cluster_type != "MPI":
        required.append("masterHardwareTierId")
    missing = [key for key in required if props.get(key) in (None, "")]
    if missing:
        raise InvalidInput(f"computeClusterProperties is missing {', '.join(missing)}")
    if not isinstance(props["computeEnvironmentId"], str):
        raise InvalidInput("computeClusterProperties.computeEnvironmentId must be a string")
    out = dict(props)
    out["workerHardwareTierId"] = {
        "value": resolve_tier_id(props["workerHardwareTierId"], field="workerHardwareTierId")
    }
    if props.get("masterHardwareTierId") is not None:
        out["masterHardwareTierId"] = {
            "value": resolve_tier_id(props["masterHardwareTierId"], field="masterHardwareTierId")
        }
    workers = _positive_int(props, "workerCount")
    if props.get("maxWorkerCount") is not None and _positive_int(props, "maxWorkerCount") < workers:
        raise InvalidInput("computeClusterProperties.maxWorkerCount is below workerCount")
    storage = props.get("workerStorage")
    if storage is not None and (
        not isinstance(storage, dict)
        or storage.get("unit") not in STORAGE_UNITS
        or isinstance(storage.get("value"), bool)
        or not isinstance(storage.get("value"), int | float)
        or storage["value"] < 0
    ):
        raise InvalidInput("computeClusterProperties.workerStorage must be {value, unit: GiB|MB}")
    revision = props.get("computeEnvironmentRevisionSpec")
    if revision is not None and not (
        revision in ("ActiveRevision", "LatestRevision")
        or (isinstance(revision, dict) and isinstance(revision.get("revisionId"), str))
    ):
        raise InvalidInput(
            "computeClusterProperties.computeEnvironmentRevisionSpec must be ActiveRevision, "
            "LatestRevision or {revisionId}"
        )
    return out


def validate_spark(props: Any) -> dict[str, Any]:
    """Check onDemandSparkClusterProperties (§11.2 step 7)."""
    if not isinstance(props, dict):
        raise InvalidInput("onDemandSparkClusterProperties must be an object")
    allowed = {
        "computeEnvironmentId",
        "executorCount",
        "executorHardwareTierId",
        "executorStorageMB",
        "masterHardwareTierId",
        "executorStorage",
    }
    unknown = sorted(set(props) - allowed)
    if unknown:
        raise InvalidInput(f"unknown onDemandSparkClusterProperties keys: {', '.join(unknown)}")
    env_id = props.get("computeEnvironmentId")
    if not isinstance(env_id, str):
        raise InvalidInput("onDemandSparkClusterProperties.computeEnvironmentId is required")
    environment(env_id)
    count = props.get("executorCount", 1)
    if (
        isinstance(count, bool)
        or not isinstance(count, int)
        or not 1 <= count <= MAX_EXECUTION_SLOTS
    ):
        raise InvalidInput(
            f"onDemandSparkClusterProperties.executorCount must be 1..{MAX_EXECUTION_SLOTS}"
        )
    out = dict(props)
    for key in ("executorHardwareTierId", "masterHardwareTierId"):
        if props.get(key) is not None:
            out[key] = resolve_tier_id(props[key], field=key)
    return out
