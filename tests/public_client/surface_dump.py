"""Print the public surface of the ``domino`` package importable by this interpreter as JSON.

Run by test_public_surface_parity.py with the public 2.2.0 client's Python and with ours.
For each module: every name without a leading underscore, and whether it is "ours to
provide" — a value (constant) or a class/function defined by the ``domino`` package, as
opposed to a module or a name re-imported from another library (``requests``, ``typing``...).
For ``domino.Domino``: every non-dunder member with its kind and positional parameters.
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
import types

MODULES = [
    "domino",
    "domino.domino",
    "domino.constants",
    "domino.domino_enums",
    "domino.exceptions",
    "domino.helpers",
    "domino.authentication",
    "domino.http_request_manager",
    "domino.datasets",
    "domino.routes",
]


def ours_to_provide(value: object) -> bool:
    if isinstance(value, types.ModuleType):
        return False
    origin = getattr(value, "__module__", None)
    if isinstance(value, (type, types.FunctionType)) or callable(value):
        return isinstance(origin, str) and origin.split(".")[0] == "domino"
    return not (isinstance(origin, str) and origin.startswith("typing"))


def parameters(member: object) -> list[list[str | None]] | None:
    function = member.__func__ if isinstance(member, (staticmethod, classmethod)) else member
    if isinstance(member, property) or not callable(function):
        return None
    try:
        signature = inspect.signature(function)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return [
        [p.name, None if p.default is p.empty else repr(p.default)]
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]


def main() -> None:
    report: dict[str, object] = {}
    for name in MODULES:
        module = importlib.import_module(name)
        report[name] = {
            attr: ours_to_provide(getattr(module, attr))
            for attr in dir(module)
            if not attr.startswith("_")
        }
    client = importlib.import_module("domino").Domino
    report["Domino"] = {
        attr: {
            "kind": type(inspect.getattr_static(client, attr)).__name__,
            "params": parameters(inspect.getattr_static(client, attr)),
        }
        for attr in dir(client)
        if not attr.startswith("__")
    }
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
