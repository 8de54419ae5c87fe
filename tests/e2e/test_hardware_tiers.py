"""Hardware tiers: the local server's fixed catalogue as the client sees it."""

from __future__ import annotations

import domino


def test_hardware_tiers_list_has_the_catalogue_with_one_default(client: domino.Domino) -> None:
    tiers = client.hardware_tiers_list()

    ids = [t["hardwareTier"]["id"] for t in tiers]
    assert {"small-k8s", "medium-k8s", "large-k8s"} <= set(ids)
    assert len(ids) == len(set(ids))
    names = [t["hardwareTier"]["name"] for t in tiers]
    assert len(names) == len(set(names))
    defaults = [t["hardwareTier"]["id"] for t in tiers if t["hardwareTier"]["isDefault"]]
    assert defaults == ["small-k8s"]
    assert all(
        t["hardwareTier"]["hwtFlags"]["isDefault"] is (t["hardwareTier"]["id"] == "small-k8s")
        for t in tiers
    )
    assert all("capacity" in t for t in tiers)


def test_job_on_a_tier_id_is_accepted(client: domino.Domino) -> None:
    client.files_upload("/t.py", b"print('on tier')\n")

    job = client.job_start_blocking(
        command="t.py", hardware_tier_id="large-k8s", poll_freq=0.5, max_poll_time=60
    )

    assert job["statuses"]["executionStatus"] == "Succeeded"
    assert "on tier" in client.runs_stdout(job["id"])
