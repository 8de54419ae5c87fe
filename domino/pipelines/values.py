"""The value types of params, template inputs and outputs, and coercion into them."""

from __future__ import annotations

import datetime as dt
from typing import Any

__all__ = ["coerce", "coerce_text", "type_of_list", "is_numeric_type"]


def _item_type(type_name: str) -> str | None:
    if type_name.startswith("list[") and type_name.endswith("]"):
        return type_name[5:-1]
    return None


def type_of_list(item_type: str) -> str:
    """The type of a list of ``item_type`` values (matrix outputs)."""
    return f"list[{item_type}]" if item_type in ("str", "int", "float", "bool") else "list"


def is_numeric_type(type_name: str | None) -> bool:
    return type_name in ("int", "float")


def coerce(value: Any, type_name: str, what: str) -> Any:
    """``value`` as ``type_name``; ValueError naming ``what`` and the value if impossible.

    Lossless only: ``3`` is a float, ``"3"`` is not an int (JSON and YAML keep types); use
    :func:`coerce_text` for command-line strings.
    """
    item = _item_type(type_name)
    if item is not None:
        if not isinstance(value, list):
            raise ValueError(f"{what} must be {_article(type_name)}, got {value!r}")
        return [coerce(v, item, f"{what}[{i}]") for i, v in enumerate(value)]
    if type_name == "list":
        if not isinstance(value, list):
            raise ValueError(f"{what} must be a list, got {value!r}")
        return value
    if type_name == "dict":
        if not isinstance(value, dict):
            raise ValueError(f"{what} must be a mapping, got {value!r}")
        return value
    if type_name == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"{what} must be a bool (true/false), got {value!r}")
        return value
    if type_name == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise ValueError(f"{what} must be an int, got {value!r}")
        return value
    if type_name == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{what} must be a float, got {value!r}")
        return float(value)
    if type_name == "date":
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value[:10]).isoformat() if len(value) >= 10 else _bad()
            except ValueError:
                pass
        raise ValueError(f"{what} must be a date (YYYY-MM-DD), got {value!r}")
    if type_name == "str":
        if not isinstance(value, str):
            raise ValueError(f"{what} must be a str, got {value!r}")
        return value
    raise ValueError(f"unknown type {type_name!r} for {what}")


def _article(type_name: str) -> str:
    return ("an " if type_name[0] in "aeiou" else "a ") + type_name


def _bad() -> str:
    raise ValueError("bad date")


def coerce_text(text: str, type_name: str, what: str) -> Any:
    """A command-line string (``--param epochs=3``) as ``type_name``."""
    import json

    if type_name in ("str", "date"):
        return coerce(text, type_name, what)
    if type_name.startswith("list") and not text.lstrip().startswith("["):
        parts = [p.strip() for p in text.split(",") if p.strip()]
        item = _item_type(type_name) or "str"
        return [coerce_text(p, item, f"{what}[{i}]") for i, p in enumerate(parts)]
    try:
        value = json.loads(text)
    except ValueError:
        raise ValueError(f"{what} must be {_article(type_name)}, got {text!r}") from None
    return coerce(value, type_name, what)
