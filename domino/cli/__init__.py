"""The ``domino`` command line (``pip install 'dominodatalab[cli]'``; also ``python -m domino``).

One module per command family (``jobs``, ``runs``, ``files``, ``datasets``, ``projects``,
``apps``, ``deployment``, ``login``), loaded only when its command runs, so ``domino version``
starts quickly; the group itself is in ``_root``. ``domino pipeline`` comes from
``domino.pipelines.cli`` when the ``pipelines`` extra is installed. Exit codes: see
:mod:`domino.cli._exit` (which needs no click, so other packages can reuse it).
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["cli", "main"]

_MISSING_CLICK = (
    "Error: the domino command needs click, which is not installed — install it with: "
    "pip install 'dominodatalab[cli]'\n"
)


def main() -> None:
    """Console-script entry point (``domino``). The script is installed with the package
    even without the ``cli`` extra, so a missing click is reported, not a traceback."""
    try:
        import click  # noqa: F401
    except ImportError:
        sys.stderr.write(_MISSING_CLICK)
        raise SystemExit(2) from None
    from domino.cli._root import main as run

    run()


def __getattr__(name: str) -> Any:
    if name == "cli":
        from domino.cli._root import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
