"""Import of ``dominodatalab-data`` for the thin ``domino.data_sources`` and
``domino.training_sets`` wrappers, with the public client's message when it is missing."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["import_domino_data"]


def _install_hint(module: str) -> str:
    return (
        f"{module} is not installed.\n\n"
        "Please pip install dominodatalab-data:\n\n"
        "  python -m pip install dominodatalab-data   # install directly\n"
        '  python -m pip install "dominodatalab[data]" --upgrade   # install via extra dependency'
    )


def import_domino_data(name: str, wrapper: str) -> ModuleType:
    """``importlib.import_module(name)``; when ``domino_data`` itself is missing, an
    ImportError naming ``wrapper`` and how to install it. Errors from inside
    ``domino_data`` (a missing dependency of it, say) propagate unchanged."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != "domino_data":
            raise
        raise ImportError(_install_hint(wrapper)) from exc
