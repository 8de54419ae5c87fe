"""Schemathesis against the live server's /openapi.json, a few generated examples per
operation: no 5xx, and every status answered is one the document declares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from live_support import TALLY, LocalServer

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import status_code_conformance  # noqa: E402

EXAMPLES = 8


def test_generated_requests_get_no_5xx_and_only_declared_statuses(tmp_path: Path) -> None:
    with LocalServer(tmp_path / "data", workers=2) as server:
        schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        problems: list[str] = []
        for operation in operations:
            if operation.path == "/_local/reset":
                continue  # wipes what the other operations are generated against

            @given(case=operation.as_strategy())
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                response = case.call(headers=server.headers(), timeout=30)
                TALLY["cases"] += 1
                TALLY["requests"] += 1
                case.validate_response(
                    response, checks=(not_a_server_error, status_code_conformance)
                )

            try:
                run()
            except Exception as exc:  # collect all, report together
                problems.append(f"{operation.method.upper()} {operation.path}: {exc}"[:600])
    assert len(operations) >= 40
    assert not problems, "\n".join(problems)
