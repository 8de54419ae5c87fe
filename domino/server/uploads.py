"""Dataset upload protocol (§13.2) and the /_local/ dataset file listing. Placeholder."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

router = APIRouter()


def reset(store: Any) -> None:
    """Forget every upload session (called by POST /_local/reset)."""


def expire_stale_sessions(store: Any) -> None:
    """Remove upload sessions that were never ended (called at start-up and periodically)."""
