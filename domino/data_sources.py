"""Domino data sources: ``domino_data.data_sources`` of the ``dominodatalab-data`` package
(extra ``data``), re-exported under the public client's module name.

Every public name of that module is available here as the very same object; other names
(the ``*Config`` classes such as ``S3Config``) are looked up on it on demand.
"""

from __future__ import annotations

from typing import Any

from domino._data_extra import import_domino_data

_source = import_domino_data("domino_data.data_sources", "domino.data_sources")
globals().update({k: v for k, v in vars(_source).items() if not k.startswith("_")})


def __getattr__(name: str) -> Any:
    return getattr(_source, name)
