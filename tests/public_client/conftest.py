"""Fixtures for the public-client compatibility tests (a live domino-server)."""

from __future__ import annotations

from pathlib import Path

# A non-root conftest may not declare pytest_plugins; import the fixtures when the root
# conftest does not register the domino.testing plugin.
_ROOT_CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"
if not (_ROOT_CONFTEST.exists() and "domino.testing" in _ROOT_CONFTEST.read_text()):
    from domino.testing import domino_server, fresh_project  # noqa: F401
