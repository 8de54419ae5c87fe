"""Executions as real processes (placeholder; filled in below)."""

from __future__ import annotations

import os
from collections.abc import Callable

from domino.server.store import Store


class Runner:
    def __init__(self, store: Store, *, workers: int | None = None, stop_grace: float = 5.0):
        self.store = store
        self.workers = workers or os.cpu_count() or 2
        self.stop_grace = stop_grace

    def recover_interrupted(self) -> None:
        pass

    def start(self, housekeeping: Callable[[], None] | None = None) -> None:
        pass

    def shutdown(self) -> None:
        pass

    def reset(self) -> None:
        pass
