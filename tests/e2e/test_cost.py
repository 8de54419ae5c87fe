"""Billing tags, project billing tags and budgets against a live domino-server, including the
access rules (administrators only) and the bodies the public client sends without
Content-Type. The billing-tag mode is deployment-wide: tests that change it restore it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from e2e_support import unique

import domino
from domino import exceptions
from domino.domino_enums import BillingTagSettingMode, BudgetLabel


@pytest.fixture
def stranger(domino_server: Any, project: str) -> domino.Domino:
    """A non-admin user with their own project."""
    name = unique("user")
    key = domino_server.add_user(name)
    own = domino_server.create_project(owner=name)
    return domino_server.client(own, api_key=key)


@pytest.fixture
def optional_mode(client: domino.Domino) -> Iterator[None]:
    yield
    client.billing_tag_settings_mode_update(BillingTagSettingMode.OPTIONAL)


def test_billing_tags_create_archive_and_unarchive(client: domino.Domino) -> None:
    a, b = unique("tag"), unique("tag/with?odd#chars")
    created = client.billing_tags_create([a, b])
    assert [t["tag"] for t in created["billingTags"]] == [a, b]
    assert {a, b} <= {t["tag"] for t in client.billing_tags_list_active()["billingTags"]}
    assert client.active_billing_tag_by_name(b)["billingTag"] == {"tag": b, "active": True}
    assert client.billing_tag_archive(b)["billingTag"]["active"] is False
    assert b not in {t["tag"] for t in client.billing_tags_list_active()["billingTags"]}
    assert client.active_billing_tag_by_name(b)["billingTag"]["active"] is False
    client.billing_tags_create([b])  # creating again un-archives
    assert client.active_billing_tag_by_name(b)["billingTag"]["active"] is True
    with pytest.raises(exceptions.NotFoundError):
        client.active_billing_tag_by_name(unique("never"))


def test_project_billing_tags(client: domino.Domino, optional_mode: None) -> None:
    tag = unique("tag")
    client.billing_tags_create([tag])
    assert client.project_billing_tag() is None
    client.project_billing_tag_update(tag)  # JSON body without Content-Type
    assert client.project_billing_tag() == {"tag": tag}
    page = client.projects_by_billing_tag(billing_tag=tag)
    assert page["totalMatches"] == 1 and page["page"][0]["id"] == client.project_id
    client.project_billing_tag_reset()
    assert client.project_billing_tag() is None
    missing = client.projects_by_billing_tag(missing_tag_only=True, page_size=1000)
    assert client.project_id in {p["id"] for p in missing["page"]}

    client.project_billing_tag_bulk_update({client.project_id: tag})  # no Content-Type either
    assert client.project_billing_tag(client.project_id) == {"tag": tag}
    with pytest.raises(exceptions.BadRequestError, match="archived"):
        client.project_billing_tag_update(unique("unknown"))


def test_mode_required_and_disabled_are_enforced(
    client: domino.Domino, optional_mode: None
) -> None:
    tag = unique("tag")
    client.billing_tags_create([tag])
    client.billing_tag_settings_mode_update(BillingTagSettingMode.REQUIRED)
    assert client.billing_tag_settings_mode() == {"mode": "Required"}
    assert client.billing_tag_settings()["mode"] == "Required"
    with pytest.raises(exceptions.BadRequestError, match="required"):
        client.project_create_v4(unique("p"))
    created = client.project_create_v4(unique("p"), billing_tag=tag)
    assert client.project_billing_tag(created["id"]) == {"tag": tag}
    client.billing_tag_settings_mode_update("Disabled")
    with pytest.raises(exceptions.BadRequestError, match="disabled"):
        client.project_billing_tag_update(tag)


def test_budgets(client: domino.Domino) -> None:
    defaults = client.budget_defaults_list()
    assert sorted(b["budgetLabel"] for b in defaults) == ["BillingTag", "Organization", "Project"]
    updated = client.budget_defaults_update(BudgetLabel.PROJECT, 250)
    assert updated["limit"] == 250 and updated["budgetType"] == "Default"

    override = client.budget_override_create(BudgetLabel.PROJECT, client.project_id, 40)
    assert override == {
        "budgetLabel": "Project",
        "budgetType": "Override",
        "labelId": client.project_id,
        "limit": 40,
        "window": "monthly",
    }
    client.budget_override_update(BudgetLabel.PROJECT, client.project_id, 60)
    limits = {o["labelId"]: o["limit"] for o in client.budget_overrides_list()}
    assert limits[client.project_id] == 60
    remaining = client.budget_override_delete(client.project_id)
    assert isinstance(remaining, list)
    assert client.project_id not in {o["labelId"] for o in client.budget_overrides_list()}
    with pytest.raises(exceptions.NotFoundError):
        client.budget_override_delete(client.project_id)
    with pytest.raises(exceptions.BadRequestError, match="does not exist"):
        client.budget_override_create(BudgetLabel.PROJECT, "0" * 24, 1)


def test_budget_alerts(client: domino.Domino) -> None:
    client.budget_alerts_settings_update(alerts_enabled=True, notify_org_owner=False)
    settings = client.budget_alerts_settings()
    assert settings["alertsEnabled"] is True and settings["notifyOrgOwner"] is False
    client.budget_alerts_targets_update({BudgetLabel.BILLINGTAG: ["fin@example.com"]})
    targets = {t["label"]: t["emails"] for t in client.budget_alerts_settings()["alertTargets"]}
    assert targets["BillingTag"] == ["fin@example.com"]
    with pytest.raises(exceptions.BadRequestError, match="email"):
        client.budget_alerts_targets_update({"Project": ["not-an-address"]})


@pytest.mark.parametrize(
    "call",
    [
        lambda d: d.budget_defaults_list(),
        lambda d: d.budget_overrides_list(),
        lambda d: d.budget_alerts_settings(),
        lambda d: d.budget_defaults_update(BudgetLabel.PROJECT, 1),
        lambda d: d.billing_tags_list_active(),
        lambda d: d.billing_tags_create(["x"]),
        lambda d: d.billing_tag_settings_mode_update("Optional"),
        lambda d: d.projects_by_billing_tag(),
    ],
)
def test_non_admins_get_403(stranger: domino.Domino, call: Any) -> None:
    with pytest.raises(exceptions.ForbiddenError, match="not an administrator"):
        call(stranger)
