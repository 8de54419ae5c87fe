"""Billing tags, project billing tags and budgets: exact wire format, the four JSON bodies
without Content-Type, and the public client's quirks we fix (domino-api-2x.md §3.5, §3.6, §6)."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests_mock
from wire_support import HOST, PROJECT_ID, api_calls

from domino import Domino, exceptions
from domino.domino_enums import BillingTagSettingMode, BudgetLabel

TAGS = f"{HOST}/v4/cost/billingtags"
SETTINGS = f"{HOST}/v4/cost/billingtagSettings"
PROJECT_TAG = f"{HOST}/v4/projects/{PROJECT_ID}/billingtag"
BY_TAG = f"{HOST}/v4/projects/billingtags/projects"
BUDGETS = f"{HOST}/v4/cost/budgets"
ALERTS = f"{BUDGETS}/global/alertsSettings"
ALERT_SETTINGS = {
    "alertsEnabled": False,
    "notifyOrgOwner": False,
    "alertTargets": [{"label": "Project", "emails": []}, {"label": "Organization", "emails": []}],
}


def no_content_type(request: object) -> bool:
    return "Content-Type" not in request.headers  # type: ignore[attr-defined]


# ---------------------------------------------------------------------- billing tags


def test_billing_tags_list_and_create(make_client: object, wire: requests_mock.Mocker) -> None:
    client = make_client(version="5.11.0")  # type: ignore[operator]
    wire.get(TAGS, json={"billingTags": [{"tag": "a", "active": True}]})
    wire.post(TAGS, json={"billingTags": [{"tag": "a", "active": True}]})
    assert client.billing_tags_list_active()["billingTags"][0]["tag"] == "a"
    client.billing_tags_create(["a", "b"])
    assert wire.last_request.text == '{"billingTags": ["a", "b"]}'
    assert wire.last_request.headers["Content-Type"] == "application/json"


def test_billing_tags_list_needs_5_11(make_client: object, wire: requests_mock.Mocker) -> None:
    old = make_client(version="5.10.0")  # type: ignore[operator]
    with pytest.raises(exceptions.UnsupportedDominoVersionError, match="5.11.0"):
        old.billing_tags_list_active()


def test_tag_by_name_and_archive_quote_the_name(client: Domino, wire: requests_mock.Mocker) -> None:
    url = f"{TAGS}/a%20b%2Fc%3Fd%23e"
    wire.get(url, json={"billingTag": {"tag": "a b/c?d#e", "active": True}})
    wire.delete(url, json={"billingTag": {"tag": "a b/c?d#e", "active": False}})
    assert client.active_billing_tag_by_name("a b/c?d#e")["billingTag"]["active"] is True
    assert client.billing_tag_archive("a b/c?d#e")["billingTag"]["active"] is False
    assert api_calls(wire) == [("GET", url), ("DELETE", url)]


@pytest.mark.parametrize("call", ["active_billing_tag_by_name", "billing_tag_archive"])
def test_empty_tag_name_never_hits_the_collection(
    client: Domino, wire: requests_mock.Mocker, call: str
) -> None:
    with pytest.raises(exceptions.InvalidArgumentError, match="name"):
        getattr(client, call)("")
    assert api_calls(wire) == []


@pytest.mark.parametrize("mode", [BillingTagSettingMode.REQUIRED, "Required", "REQUIRED"])
def test_settings_and_mode_update(client: Domino, wire: requests_mock.Mocker, mode: object) -> None:
    wire.get(SETTINGS, json={"mode": "Optional"})
    wire.get(f"{SETTINGS}/mode", json={"mode": "Optional"})
    wire.put(f"{SETTINGS}/mode", json={"mode": "Required"})
    assert client.billing_tag_settings() == {"mode": "Optional"}
    assert client.billing_tag_settings_mode() == {"mode": "Optional"}
    assert client.billing_tag_settings_mode_update(mode) == {"mode": "Required"}
    assert wire.last_request.text == '{"mode": "Required"}'
    assert wire.last_request.headers["Content-Type"] == "application/json"


def test_mode_update_rejects_unknown_mode(client: Domino, wire: requests_mock.Mocker) -> None:
    with pytest.raises(exceptions.InvalidArgumentError, match="BillingTagSettingMode.REQUIRED"):
        client.billing_tag_settings_mode_update("Sometimes")
    assert api_calls(wire) == []


# ---------------------------------------------------------------------- project billing tags


def test_project_billing_tag_get_may_be_null(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(PROJECT_TAG, text="null", headers={"Content-Type": "application/json"})
    assert client.project_billing_tag() is None
    wire.get(f"{HOST}/v4/projects/other/billingtag", json={"tag": "a"})
    assert client.project_billing_tag("other") == {"tag": "a"}


def test_project_billing_tag_update_is_json_text_without_content_type(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.post(PROJECT_TAG, json={"tag": "a"})
    assert client.project_billing_tag_update("a") == {"tag": "a"}
    assert wire.last_request.text == '{"tag": "a"}'
    assert no_content_type(wire.last_request)


def test_project_billing_tag_reset(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.delete(PROJECT_TAG, json={})
    assert client.project_billing_tag_reset() == {}
    assert api_calls(wire) == [("DELETE", PROJECT_TAG)]


def test_projects_by_billing_tag_query_order(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(BY_TAG, json={"page": [], "totalMatches": 0})
    client.projects_by_billing_tag()
    assert parse_qsl(urlsplit(wire.last_request.url).query) == [
        ("offset", "0"),
        ("pageSize", "10"),
        ("missingBillingTagOnly", "false"),
    ]
    client.projects_by_billing_tag("a", None, 5, "na me", "name", "asc", True)
    assert urlsplit(wire.last_request.url).query == (
        "pageSize=5&missingBillingTagOnly=true&billingTag=a&nameFilter=na+me"
        "&sortBy=name&sortOrder=asc"
    )


def test_bulk_update_is_json_text_without_content_type(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.post(BY_TAG, json={"updated": 2})
    assert client.project_billing_tag_bulk_update({"p1": "a", "p2": "b"}) == {"updated": 2}
    assert no_content_type(wire.last_request)
    assert wire.last_request.text == json.dumps(
        {
            "projectsBillingTags": [
                {"projectId": "p1", "billingTag": {"tag": "a"}},
                {"projectId": "p2", "billingTag": {"tag": "b"}},
            ]
        }
    )


# ---------------------------------------------------------------------- budgets


@pytest.mark.parametrize("label", [BudgetLabel.PROJECT, "Project", "PROJECT"])
def test_budget_defaults_update(client: Domino, wire: requests_mock.Mocker, label: object) -> None:
    wire.put(f"{BUDGETS}/defaults/Project", json={"budgetLabel": "Project", "limit": 5})
    assert client.budget_defaults_update(label, 5)["limit"] == 5
    assert wire.last_request.text == (
        '{"budgetLabel": "Project", "budgetType": "Default", "limit": 5, "window": "monthly"}'
    )
    assert wire.last_request.headers["Content-Type"] == "application/json"


def test_budget_lists(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(f"{BUDGETS}/defaults", json=[{"budgetLabel": "Project", "limit": 1}])
    wire.get(f"{BUDGETS}/overrides", json=[])
    assert client.budget_defaults_list() == [{"budgetLabel": "Project", "limit": 1}]
    assert client.budget_overrides_list() == []


def test_budget_override_create_update_delete(client: Domino, wire: requests_mock.Mocker) -> None:
    body = (
        '{"limit": 7.5, "labelId": "p1", "window": "monthly", "budgetLabel": "Project",'
        ' "budgetType": "Override"}'
    )
    wire.post(f"{BUDGETS}/overrides", json={"labelId": "p1"})
    wire.put(f"{BUDGETS}/overrides/p1", json={"labelId": "p1"})
    wire.delete(f"{BUDGETS}/overrides/p1", json=["deleted"])
    client.budget_override_create(BudgetLabel.PROJECT, "p1", 7.5)
    assert wire.last_request.text == body
    client.budget_override_update(BudgetLabel.PROJECT, "p1", 7.5)
    assert wire.last_request.text == body
    assert client.budget_override_delete("p1") == ["deleted"]
    assert Domino._generate_budget(BudgetLabel.PROJECT, "p1", 7.5) == json.loads(body)


@pytest.mark.parametrize("budget_id", ["", None])
def test_empty_override_id_never_hits_the_collection(
    client: Domino, wire: requests_mock.Mocker, budget_id: object
) -> None:
    with pytest.raises(exceptions.InvalidArgumentError, match="budget_id"):
        client.budget_override_delete(budget_id)  # type: ignore[arg-type]
    with pytest.raises(exceptions.InvalidArgumentError, match="budget_id"):
        client.budget_override_update(BudgetLabel.PROJECT, budget_id, 1)  # type: ignore[arg-type]
    assert api_calls(wire) == []


@pytest.mark.parametrize("limit", [-1, "5", True])
def test_bad_budget_limit(client: Domino, wire: requests_mock.Mocker, limit: object) -> None:
    with pytest.raises(exceptions.InvalidArgumentError, match="budget_limit"):
        client.budget_defaults_update(BudgetLabel.PROJECT, limit)  # type: ignore[arg-type]
    assert api_calls(wire) == []


def test_alert_settings_update_gets_then_puts_without_content_type(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(ALERTS, json=ALERT_SETTINGS)
    wire.put(ALERTS, json={"ok": True})
    assert client.budget_alerts_settings() == ALERT_SETTINGS
    assert client.budget_alerts_settings_update(alerts_enabled=True) == {"ok": True}
    sent = wire.last_request
    assert no_content_type(sent)
    assert sent.json() == {**ALERT_SETTINGS, "alertsEnabled": True}
    client.budget_alerts_settings_update()
    assert wire.last_request.json() == ALERT_SETTINGS  # both None: PUT back unchanged


def test_alert_targets_accept_enum_keys_and_add_missing_labels(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(ALERTS, json=ALERT_SETTINGS)
    wire.put(ALERTS, json={})
    client.budget_alerts_targets_update(
        {BudgetLabel.PROJECT: ["a@x.com"], "BillingTag": ["b@x.com"]}
    )
    assert no_content_type(wire.last_request)
    assert wire.last_request.json()["alertTargets"] == [
        {"label": "Project", "emails": ["a@x.com"]},
        {"label": "Organization", "emails": []},
        {"label": "BillingTag", "emails": ["b@x.com"]},
    ]


def test_update_if_set_copies_false_and_zero() -> None:
    target = {"a": 1, "b": 2}
    assert Domino._update_if_set(target, {"a": None, "b": 0, "c": False}) == {
        "a": 1,
        "b": 0,
        "c": False,
    }
