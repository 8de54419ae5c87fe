"""Python bindings for the Domino Data Lab REST API.

``from domino import Domino`` gives the client; every exception it raises lives in
:mod:`domino.exceptions` (also importable from here). Importing this package stays light:
the local server, the Airflow operators and the upload engine load only when used.
"""

from domino import exceptions
from domino._version import __version__
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


def __getattr__(name: str) -> object:
    # ``domino.datasets`` without an import, as with the public client (whose facade imported
    # it eagerly); loaded on first use so that ``import domino`` stays light
    if name == "datasets":
        import importlib

        return importlib.import_module("domino.datasets")
    raise AttributeError(f"module 'domino' has no attribute {name!r}")
