"""Python bindings for the Domino Data Lab REST API.

``from domino import Domino`` gives the client; every exception it raises lives in
:mod:`domino.exceptions` (also importable from here). Importing this package costs next to
nothing: the client, the exceptions (which need ``requests``), the local server, the Airflow
operators and the upload engine load on first use, so ``domino.airflow`` and
``domino._version`` stay cheap for Airflow's DAG parsing and provider discovery.
"""

# (no public helper names here: every public name of this module is in __all__)
import importlib as _importlib
import typing as _typing

from domino._version import __version__

if _typing.TYPE_CHECKING:
    from domino import exceptions
    from domino.domino import Domino
    from domino.exceptions import (
        CommitNotFoundException,
        DatasetExistsException,
        DatasetNotFoundException,
        DominoException,
        DominoHTTPError,
        EnvironmentNotFoundException,
        ExternalVolumeMountsNotSupportedException,
        HardwareTierNotFoundException,
        MalformedInputException,
        MissingRequiredFieldException,
        OnDemandSparkClusterNotSupportedException,
        ProjectNotFoundException,
        ReloginRequiredException,
        RunFailedException,
        RunNotFoundException,
        UnsupportedFieldException,
        UnsupportedOperationException,
        UserNotFoundException,
    )

__all__ = [
    "CommitNotFoundException",
    "DatasetExistsException",
    "DatasetNotFoundException",
    "Domino",
    "DominoException",
    "DominoHTTPError",
    "EnvironmentNotFoundException",
    "ExternalVolumeMountsNotSupportedException",
    "HardwareTierNotFoundException",
    "MalformedInputException",
    "MissingRequiredFieldException",
    "OnDemandSparkClusterNotSupportedException",
    "ProjectNotFoundException",
    "ReloginRequiredException",
    "RunFailedException",
    "RunNotFoundException",
    "UnsupportedFieldException",
    "UnsupportedOperationException",
    "UserNotFoundException",
    "__version__",
    "exceptions",
]

# name → the module it lives in; ``datasets`` is the public client's eagerly imported facade
_LAZY = {
    "Domino": "domino.domino",
    "exceptions": "domino.exceptions",
    "datasets": "domino.datasets",
    **{
        name: "domino.exceptions"
        for name in __all__
        if name not in ("Domino", "__version__", "exceptions")
    },
}


def __getattr__(name: str) -> object:
    home = _LAZY.get(name)
    if home is not None:
        module = _importlib.import_module(home)
        value = module if home == f"domino.{name}" else getattr(module, name)
        globals()[name] = value
        return value
    if not name.startswith("__"):
        # the submodules an eager ``import domino`` used to load (``domino.routes``,
        # ``domino.http_request_manager``, ...) stay reachable as attributes
        _importlib.import_module("domino.domino")
        if name in globals():
            return globals()[name]
    raise AttributeError(f"module 'domino' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
