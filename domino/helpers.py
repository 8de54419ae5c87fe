"""Public helpers kept for compatibility with the public ``dominodatalab`` client."""

from __future__ import annotations

import logging
import os
import socket
import urllib
from typing import Any
from urllib.parse import urlsplit

from domino import constants
from domino.exceptions import InvalidSettingError, MissingHostError

__all__ = [
    "clean_host_url",
    "constants",
    "domino_is_reachable",
    "is_cluster_type_supported",
    "is_compute_cluster_autoscaling_supported",
    "is_compute_cluster_properties_supported",
    "is_external_volume_mounts_supported",
    "is_on_demand_spark_cluster_supported",
    "is_version_compatible",
    "parse_version",
    "urllib",
]

logger = logging.getLogger(__name__)


def clean_host_url(url: str) -> str:
    """Reduce a Domino URL to ``scheme://host[:port]``, the base of every API route.

    As in the public client, any path, query or trailing slash is dropped (the API lives at
    the root of the origin). Unlike it, a value without a scheme (``domino.example.com`` or
    ``domino.example.com:8443``) is taken to mean ``https://`` — Domino deployments are
    served over HTTPS — instead of silently producing a broken URL; pass ``http://...``
    explicitly for a plain-HTTP server such as a local ``domino-server``.

    Raises:
        MissingHostError: ``url`` is empty.
        InvalidSettingError: the scheme is not http/https or there is no host name.
    """
    if not url or not str(url).strip():
        raise MissingHostError(
            "No Domino host: pass host=... or set DOMINO_API_HOST (e.g. https://domino.example.com)"
        )
    value = str(url).strip()
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if "@" in parts.netloc:
        # user:password@ would travel into reprs, logs and error messages; the client never
        # uses it (credentials come from the auth chain), so it is dropped unseen
        parts = parts._replace(netloc=parts.netloc.rsplit("@", 1)[1])
        logger.warning(
            "ignoring the user name/password in the Domino host URL: pass credentials as "
            "api_key, auth_token or domino_token_file instead"
        )
        url = parts.geturl()
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidSettingError(
            f"Domino host {url!r} must start with https:// or http:// (got {parts.scheme}://)"
        )
    if not parts.hostname:
        raise InvalidSettingError(f"Domino host {url!r} has no host name")
    try:
        parts.port  # noqa: B018 - validates the port number
    except ValueError:
        raise InvalidSettingError(f"Domino host {url!r} has an invalid port") from None
    if parts.path.strip("/"):
        logger.warning(
            "ignoring the path %r of Domino host %r: the API is served at the root of %s://%s",
            parts.path,
            url,
            scheme,
            parts.netloc,
        )
    return f"{scheme}://{parts.netloc}"


def domino_is_reachable(
    url: str | None = None, port: str | int | None = None, *, timeout: float = 5.0
) -> bool:
    """Whether a TCP connection to the Domino host can be opened.

    ``url`` defaults to ``DOMINO_API_HOST`` (read at call time, not at import time as the
    public client did). ``port`` defaults to the URL's own port, else 443 (80 for
    ``http://``); the public client always used 443 unless told otherwise. Never raises for
    an unreachable host; returns ``False`` and logs why.
    """
    if url is None:
        url = os.environ.get("DOMINO_API_HOST") or None
    if not url:
        return False
    parts = urlsplit(url if "://" in url else "https://" + url)
    host = parts.hostname
    if not host:
        logger.info("%r has no host name", url)
        return False
    try:
        if port is None:
            port_number = parts.port or (80 if parts.scheme == "http" else 443)
        else:
            port_number = int(port)
    except ValueError:
        logger.info("%r: invalid port %r", url, port)
        return False
    try:
        with socket.create_connection((host, port_number), timeout=timeout):
            return True
    except OSError as exc:
        logger.info("%s:%s is not reachable: %s", host, port_number, exc)
        return False


# --------------------------------------------------------------------------- version checks


def parse_version(version: str) -> Any:
    """:func:`packaging.version.parse` (imported on first use; invalid text raises
    ``packaging.version.InvalidVersion``)."""
    from packaging.version import parse

    return parse(version)


def _at_least(version: str, minimum: str) -> bool:
    return bool(parse_version(version) >= parse_version(minimum))


def is_version_compatible(version: str) -> bool:
    """Whether ``version`` is at least the oldest Domino this client supports (4.1.0)."""
    return _at_least(version, constants.MINIMUM_SUPPORTED_DOMINO_VERSION)


def is_compute_cluster_autoscaling_supported(version: str) -> bool:
    return _at_least(version, constants.COMPUTE_CLUSTER_AUTOSCALING_MIN_SUPPORT_DOMINO_VERSION)


def is_cluster_type_supported(version: str, cluster_type: str) -> bool:
    """Whether ``cluster_type`` (``Spark``, ``Ray``, ``Dask``, ``MPI``; case-sensitive) runs on
    ``version``; an unknown type is not supported."""
    minimum = dict(constants.CLUSTER_TYPE_MIN_SUPPORT).get(cluster_type)
    return minimum is not None and _at_least(version, minimum)


def is_compute_cluster_properties_supported(version: str) -> bool:
    return _at_least(version, constants.MINIMUM_DISTRIBUTED_CLUSTER_SUPPORT_DOMINO_VERSION)


def is_on_demand_spark_cluster_supported(version: str) -> bool:
    return _at_least(version, constants.MINIMUM_ON_DEMAND_SPARK_CLUSTER_SUPPORT_DOMINO_VERSION)


def is_external_volume_mounts_supported(version: str) -> bool:
    return _at_least(version, constants.MINIMUM_EXTERNAL_VOLUME_MOUNTS_SUPPORT_DOMINO_VERSION)
