"""Apps (model products of type APP): publish, status, id, unpublish."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from e2e_support import wait_for

import domino

APP_SH = """\
#!/usr/bin/env bash
echo "app serving"
exec sleep 300
"""

NOT_RUNNING = {"Stopped", "Failed"}


def test_project_without_app_has_no_app_id_and_unpublish_is_a_no_op(
    client: domino.Domino,
) -> None:
    assert client.app_id is None
    assert client.app_unpublish() is None
    assert client.app_get_status(None) is None


def test_app_publish_creates_and_starts_the_app(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("app.sh", APP_SH)

    response = client.app_publish()

    assert response.status_code == 200
    app_id = client.app_id
    assert app_id is not None
    status = wait_for(
        lambda: client.app_get_status(app_id), lambda s: s == "Running", what="app running"
    )
    assert status == "Running"
    client.app_unpublish()


def test_app_unpublish_stops_the_running_app(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("app.sh", APP_SH)
    client.app_publish()
    app_id = client.app_id
    wait_for(lambda: client.app_get_status(app_id), lambda s: s == "Running", what="app running")

    response = client.app_unpublish()

    assert response is not None and response.ok
    wait_for(lambda: client.app_get_status(app_id), lambda s: s in NOT_RUNNING, what="app stopped")
    # A second unpublish finds nothing running and sends no stop.
    assert client.app_unpublish() is None


def test_republishing_reuses_the_same_app(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("app.sh", APP_SH)
    client.app_publish()
    first = client.app_id
    wait_for(lambda: client.app_get_status(first), lambda s: s == "Running", what="app running")

    client.app_publish(unpublish_running_apps=True)

    assert client.app_id == first
    wait_for(lambda: client.app_get_status(first), lambda s: s == "Running", what="app again")
    client.app_unpublish(app_id=first)
    wait_for(lambda: client.app_get_status(first), lambda s: s in NOT_RUNNING, what="stopped")


def test_a_failed_app_logs_its_reason_from_app_get_status(
    client: domino.Domino, upload: Callable[[str, str], None], caplog: pytest.LogCaptureFixture
) -> None:
    upload("app.sh", 'echo "starting"\necho "error: port 8888 is taken" >&2\nexit 3\n')
    client.app_publish()
    app_id = client.app_id
    with caplog.at_level(logging.WARNING, logger="domino"):
        wait_for(lambda: client.app_get_status(app_id), lambda s: s == "Failed", what="failed")
    reasons = [r.getMessage() for r in caplog.records if "failed:" in r.getMessage()]
    assert reasons and "app.sh exited with code 3" in reasons[-1]
    assert "error: port 8888 is taken" in reasons[-1]


def test_an_app_without_app_sh_fails_saying_so(
    client: domino.Domino, upload: Callable[[str, str], None], caplog: pytest.LogCaptureFixture
) -> None:
    upload("main.py", "print('not an app')\n")
    client.app_publish()
    with caplog.at_level(logging.WARNING, logger="domino"):
        assert client.app_get_status(client.app_id) == "Failed"
    assert "app.sh not found in commit" in caplog.text
