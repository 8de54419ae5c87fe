"""Server checks of the 2.x families over plain HTTP: bodies without Content-Type, 400 for bad
bodies, 404 for unknown ids, 403 for non-admins (domino-api-2x.md §7)."""

from __future__ import annotations

import json

import pytest
from server_support import Api, Project

ZERO = "0" * 24


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("put", "/v4/cost/budgets/global/alertsSettings", {"alertsEnabled": True}),
        ("put", "/v4/cost/billingtagSettings/mode", {"mode": "Optional"}),
        ("post", "/v4/cost/billingtags", {"billingTags": ["no-content-type"]}),
    ],
)
def test_json_bodies_without_content_type_are_parsed(
    api: Api, method: str, path: str, body: dict[str, object]
) -> None:
    response = api.request(method.upper(), path, data=json.dumps(body))
    assert "Content-Type" not in response.request.headers
    assert response.status_code == 200, response.text


def test_project_billing_tag_bodies_without_content_type(api: Api, project: Project) -> None:
    api.ok("POST", "/v4/cost/billingtags", json={"billingTags": ["plain"]})
    tagged = api.post(f"/v4/projects/{project.id}/billingtag", data='{"tag": "plain"}')
    assert tagged.status_code == 200, tagged.text
    assert api.ok("GET", f"/v4/projects/{project.id}/billingtag") == {"tag": "plain"}
    bulk = {"projectsBillingTags": [{"projectId": project.id, "billingTag": {"tag": "plain"}}]}
    assert api.post("/v4/projects/billingtags/projects", data=json.dumps(bulk)).ok
    # all or nothing: one unknown project, nothing changes
    bulk["projectsBillingTags"].append({"projectId": ZERO, "billingTag": {"tag": "plain"}})
    assert api.post("/v4/projects/billingtags/projects", json=bulk).status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/v4/cost/billingtags", {"billingTags": []}),
        ("post", "/v4/cost/billingtags", {"billingTags": [""]}),
        ("put", "/v4/cost/billingtagSettings/mode", {"mode": "optional"}),
        ("put", "/v4/cost/budgets/defaults/Project", {"limit": -1}),
        ("put", "/v4/cost/budgets/defaults/Project", {"limit": 1, "budgetType": "Override"}),
        ("post", "/v4/cost/budgets/overrides", {"budgetLabel": "Nope", "labelId": "x", "limit": 1}),
        ("post", "/v4/cost/budgets/overrides", {"budgetLabel": "Project", "limit": 1}),
        ("put", "/v4/cost/budgets/global/alertsSettings", {"alertsEnabled": "yes"}),
        ("post", "/api/environments/beta/environments", {"name": "e", "visibility": "Private"}),
        ("post", "/api/environments/beta/environments", {"name": "", "image": "x"}),
        ("post", "/api/metricValues/v1", {"newMetricValues": [{"metric": "m"}]}),
        ("post", "/api/metricAlerts/v1", {"modelMonitoringId": "m", "metric": "x", "value": "1"}),
        ("post", "/v1/models", {"projectId": ZERO}),
    ],
)
def test_bad_bodies_get_400_or_404_with_a_message(
    api: Api, method: str, path: str, body: dict[str, object]
) -> None:
    response = api.request(method.upper(), path, json=body)
    assert response.status_code in (400, 404), (response.status_code, response.text)
    assert response.json()["message"]


def test_non_json_bodies_get_400(api: Api) -> None:
    for path in ("/v4/cost/billingtags", "/api/metricAlerts/v1"):
        response = api.post(path, data="not json")
        assert response.status_code == 400, response.text
        assert response.json()["message"]


def test_bad_model_bodies(api: Api, project: Project) -> None:
    project.upload("m.py", "def f(x):\n    return x\n")
    base = {"projectId": project.id, "name": "m", "file": "m.py", "function": "f"}
    for change, fragment in [
        ({"function": "not a name"}, "function"),
        ({"file": "nope.py"}, "not found"),
        ({"excludeFiles": "m.py"}, "excludeFiles"),
        ({"environmentId": ZERO}, "environment"),
    ]:
        response = api.post("/v1/models", json={**base, **change})
        assert response.status_code == 400 and fragment in response.json()["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/api/environments/v1/environments/{ZERO}"),
        ("delete", f"/api/environments/v1/environments/{ZERO}"),
        ("get", f"/v1/models/{ZERO}/versions"),
        ("get", f"/v4/models/{ZERO}/getExportImageStatus"),
        ("get", f"/v4/models/{ZERO}/getExportLogs"),
        ("get", "/v4/cost/billingtags/never-made"),
        ("delete", "/v4/cost/billingtags/never-made"),
        ("put", f"/v4/cost/budgets/overrides/{ZERO}"),
        ("delete", f"/v4/cost/budgets/overrides/{ZERO}"),
        ("put", "/v4/cost/budgets/defaults/Galaxy"),
        ("get", f"/v4/projects/{ZERO}/billingtag"),
        ("delete", f"/v4/projects/{ZERO}"),
        ("post", f"/models/{ZERO}/latest/model"),
    ],
)
def test_unknown_ids_get_404(api: Api, method: str, path: str) -> None:
    response = api.request(method.upper(), path, json={"limit": 1, "data": 1})
    assert response.status_code == 404, (path, response.status_code, response.text)


def test_delete_on_the_collection_urls_is_refused(api: Api) -> None:
    for path in ("/v4/cost/billingtags", "/v4/cost/budgets/overrides"):
        assert api.delete(path).status_code == 405


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/v4/cost/budgets/defaults"),
        ("put", "/v4/cost/budgets/defaults/Project"),
        ("get", "/v4/cost/budgets/overrides"),
        ("post", "/v4/cost/budgets/overrides"),
        ("get", "/v4/cost/budgets/global/alertsSettings"),
        ("put", "/v4/cost/budgets/global/alertsSettings"),
        ("get", "/v4/cost/billingtags"),
        ("post", "/v4/cost/billingtags"),
        ("get", "/v4/cost/billingtagSettings"),
        ("put", "/v4/cost/billingtagSettings/mode"),
        ("get", "/v4/projects/billingtags/projects"),
        ("post", "/v4/projects/billingtags/projects"),
    ],
)
def test_cost_routes_refuse_non_admins(other_user: tuple[str, Api], method: str, path: str) -> None:
    _, bob = other_user
    response = bob.request(method.upper(), path, json={"limit": 1, "mode": "Optional"})
    assert response.status_code == 403 and "administrator" in response.json()["message"]


def test_archive_refuses_a_project_with_running_work(api: Api, project: Project) -> None:
    project.upload("slow.sh", "sleep 30\n")
    job = project.start_job("slow.sh")["id"]
    try:
        response = api.delete(f"/v4/projects/{project.id}")
        assert response.status_code == 400 and "running" in response.json()["message"]
    finally:
        project.stop(job)
