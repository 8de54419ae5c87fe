"""Suite-wide test setup.

Every test starts with no ``DOMINO_*`` environment variables, so a developer's own
credentials or host can never leak into (or change the outcome of) a test.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

# The local-server fixtures (domino_server, ...) live in domino.testing; register them once
# that module exists.
pytest_plugins = ["domino.testing"] if importlib.util.find_spec("domino.testing") else []


@pytest.fixture(autouse=True)
def _clear_domino_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("DOMINO_"):
            monkeypatch.delenv(name, raising=False)
