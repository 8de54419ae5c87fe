"""Apps (model products of type APP): publish, status, id, unpublish."""

from __future__ import annotations

from collections.abc import Callable

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
