"""Fixtures for the reliability tests: a real HTTP server per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from scripted_server import ScriptedServer


@pytest.fixture()
def server() -> Iterator[ScriptedServer]:
    s = ScriptedServer()
    yield s
    s.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from live_support import TALLY

    if TALLY:
        terminalreporter.write_line(
            f"reliability: {TALLY['cases']} cases tried, {TALLY['faults']} faults injected,"
            f" {TALLY['requests']} requests made"
        )
