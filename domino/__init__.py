"""Python bindings for the Domino Data Lab REST API."""

from domino._version import __version__

__all__ = ["__version__"]
