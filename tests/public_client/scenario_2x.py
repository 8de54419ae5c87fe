"""The 2.x families driven by the PUBLIC ``dominodatalab`` 2.2.0 client (run in its venv):
projects v4, environments, models and model APIs, the legacy endpoint, billing tags, project
billing tags, budgets and custom metrics, against a local domino-server.

Run by test_public_client_2x.py like scenario.py (``DOMINO_API_HOST`` / ``DOMINO_USER_API_KEY``
of the admin user). Argument: a unique suffix. Prints ``STEP <name>`` lines and, at the end,
``SCENARIO-RESULT <json>``; exit status 0 means every step passed.
"""

from __future__ import annotations

import json
import sys
import time

import requests

import domino
from domino import Domino
from domino._custom_metrics import _CustomMetricsClient
from domino.domino_enums import BillingTagSettingMode, BudgetLabel, ProjectVisibility

MODEL = b"""\
def predict(x, y=1):
    return {"sum": x + y}
"""


def step(name: str) -> None:
    print(f"STEP {name}", flush=True)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def main(suffix: str) -> dict[str, object]:
    check(
        "site-packages" in (domino.__file__ or ""), f"not the installed client: {domino.__file__}"
    )
    result: dict[str, object] = {}
    admin = Domino("admin/quick-start")

    step("projects v4: create, list, fork, archive")
    name = f"v4-{suffix}"
    created = admin.project_create_v4(
        name, description="public", visibility=ProjectVisibility.PRIVATE
    )
    check(created["name"] == name, f"project_create_v4 answered {created}")
    check(name in {p["name"] for p in admin.projects_list()}, "new project not listed")
    d = Domino(f"admin/{name}")
    result["project_id"] = d.project_id
    check(d.files_upload("/model.py", MODEL).status_code == 201, "upload failed")
    fork_name = f"fork-{suffix}"
    check(d.fork_project(fork_name).status_code == 200, "fork failed")
    check(fork_name in {p["name"] for p in admin.projects_list()}, "fork not listed")
    admin.project_archive(fork_name)
    check(fork_name not in {p["name"] for p in admin.projects_list(show_completed=True)}, "kept")

    step("environments")
    envs = d.environments_list()
    check(envs["objectType"] == "list", "environments_list shape")
    env = d.create_environment(f"env-{suffix}", "Private", dockerfile_instructions="RUN true")
    revision = d.create_environment_revision(env["id"], base_image="python:3.12")
    d.restrict_environment_revision(env["id"], revision["id"])
    check(d.get_environment(env["id"])["latestRevision"]["isRestricted"] is True, "restrict")
    check(d._validate_environment_id(env["id"]), "created environment not useable")
    d.archive_environment(env["id"])

    step("models: publish, predict, new version")
    model = d.model_publish("model.py", "predict", None, "adder", "adds")
    model_id = model["data"]["_id"]
    check(d.models_list()["data"][0]["id"] == model_id, "models_list")
    url = f"{d._routes.host}/models/{model_id}/latest/model"
    headers = {"X-Domino-Api-Key": d.request_manager.auth.api_key}
    answer = requests.post(url, json={"data": {"x": 4, "y": 5}}, headers=headers, timeout=90)
    check(answer.status_code == 200 and answer.json()["result"] == {"sum": 9}, answer.text)
    version = d.model_version_publish(model_id, "model.py", "predict", None, "second")
    check(version["number"] == 2, f"model_version_publish answered {version}")
    versions = d.model_versions_get(model_id)["data"]
    check([v["metadata"]["number"] for v in versions] == [1, 2], "versions")
    export = d.model_version_export(model_id, versions[0]["_id"], "r.io", "u", "p", "repo", "t")
    check(d.model_version_export_status(export["exportId"])["status"] == "failed", "export")
    check("builds no images" in d.model_version_export_logs(export["exportId"])["logs"], "logs")

    step("legacy endpoint")
    check(bool(d.endpoint_publish("model.py", "predict")), "endpoint_publish")
    check(d.endpoint_state()["isPublished"] is True, "endpoint_state")
    check(bool(d.endpoint_unpublish()), "endpoint_unpublish")

    step("billing tags and project billing tags")
    tag = f"team-{suffix}"
    created_tags = d.billing_tags_create([tag])
    check(created_tags["billingTags"][0]["tag"] == tag, "billing_tags_create")
    check(tag in {t["tag"] for t in d.billing_tags_list_active()["billingTags"]}, "list_active")
    check(d.active_billing_tag_by_name(tag)["billingTag"]["active"] is True, "by name")
    check(d.billing_tag_settings_mode()["mode"] in ("Optional", "Disabled", "Required"), "mode")
    d.billing_tag_settings_mode_update(BillingTagSettingMode.OPTIONAL)
    check(d.project_billing_tag() is None, "project tag should be unset")
    d.project_billing_tag_update(tag)
    check(d.project_billing_tag() == {"tag": tag}, "project_billing_tag_update")
    page = d.projects_by_billing_tag(billing_tag=tag)
    check([p["id"] for p in page["page"]] == [d.project_id], f"projects_by_billing_tag {page}")
    d.project_billing_tag_reset()
    d.project_billing_tag_bulk_update({d.project_id: tag})
    check(d.project_billing_tag(d.project_id) == {"tag": tag}, "bulk update")
    other = f"gone-{suffix}"
    d.billing_tags_create([other])
    check(d.billing_tag_archive(other)["billingTag"]["active"] is False, "archive")

    step("budgets")
    check(len(d.budget_defaults_list()) == 3, "three default budgets")
    check(d.budget_defaults_update(BudgetLabel.PROJECT, 300)["limit"] == 300, "defaults update")
    d.budget_override_create(BudgetLabel.PROJECT, d.project_id, 20)
    d.budget_override_update(BudgetLabel.PROJECT, d.project_id, 25)
    limits = {o["labelId"]: o["limit"] for o in d.budget_overrides_list()}
    check(limits.get(d.project_id) == 25, f"overrides {limits}")
    check(isinstance(d.budget_override_delete(d.project_id), list), "override delete")
    d.budget_alerts_settings_update(alerts_enabled=True)
    d.budget_alerts_targets_update({"Project": ["owner@example.com"]})
    settings = d.budget_alerts_settings()
    targets = {t["label"]: t["emails"] for t in settings["alertTargets"]}
    check(settings["alertsEnabled"] is True and targets["Project"] == ["owner@example.com"], "al")

    step("custom metrics")
    metrics = d.custom_metrics_client()
    mm = f"mm-{suffix}"
    metrics.log_metric(mm, "accuracy", 0.9, "2026-01-01T00:00:00Z", {"k": "v"})
    metrics.log_metrics(
        [
            {
                "modelMonitoringId": mm,
                "metric": "accuracy",
                "value": 0.8,
                "timestamp": "2026-01-02T00:00:00Z",
            }
        ]
    )
    metrics.trigger_alert(mm, "accuracy", 0.8, "lessThan", 0.85, 1.0, "dropped")
    # the default (generated) client's read_metrics fails on Python >= 3.10: use the other one
    read = _CustomMetricsClient(d, d._routes).read_metrics(
        mm, "accuracy", "2026-01-01T00:00:00Z", "2026-01-31T00:00:00Z"
    )
    check([v["value"] for v in read["metricValues"]] == [0.9, 0.8], f"read_metrics {read}")
    check(read["metricValues"][0]["tags"] == {"k": "v"}, "tags")
    result["finished"] = time.time()
    return result


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: scenario_2x.py <suffix>")
    print("SCENARIO-RESULT " + json.dumps(main(sys.argv[1])), flush=True)
