"""Cost administration: billing tags, their settings, and budgets (domino-api-2x.md §3.5,
§3.6, §7). Every route here is for administrators only (403 otherwise), as on Domino.

Four of these bodies arrive as JSON without ``Content-Type`` from the public client; the
application parses JSON bodies whatever their declared type.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends

from domino.server.auth import User, current_user
from domino.server.errors import ApiError
from domino.server.routers.deps import PlainJSONRoute, services
from domino.server.services import Services

router = APIRouter(tags=["cost"], route_class=PlainJSONRoute)


def admin(user: User = Depends(current_user)) -> User:
    if not user.is_admin:
        raise ApiError(403, f"user {user.name!r} is not an administrator; cost settings need one")
    return user


# -- billing tags --------------------------------------------------------------------------------


@router.get("/v4/cost/billingtags")
def billing_tags(user: User = Depends(admin), svc: Services = Depends(services)) -> Any:
    return svc.cost.active_tags()


@router.post("/v4/cost/billingtags")
def billing_tags_create(
    body: dict[str, Any] = Body(...),
    user: User = Depends(admin),
    svc: Services = Depends(services),
) -> Any:
    return svc.cost.create_tags(body)


@router.get("/v4/cost/billingtags/{name:path}")
def billing_tag(name: str, user: User = Depends(admin), svc: Services = Depends(services)) -> Any:
    return svc.cost.tag(name)


@router.delete("/v4/cost/billingtags/{name:path}")
def billing_tag_archive(
    name: str, user: User = Depends(admin), svc: Services = Depends(services)
) -> Any:
    return svc.cost.archive_tag(name)


@router.get("/v4/cost/billingtagSettings")
def billing_tag_settings(user: User = Depends(admin), svc: Services = Depends(services)) -> Any:
    return svc.cost.tag_settings()


@router.get("/v4/cost/billingtagSettings/mode")
def billing_tag_mode(user: User = Depends(admin), svc: Services = Depends(services)) -> Any:
    return {"mode": svc.cost.mode()}


@router.put("/v4/cost/billingtagSettings/mode")
def billing_tag_mode_update(
    body: dict[str, Any] = Body(...),
    user: User = Depends(admin),
    svc: Services = Depends(services),
) -> Any:
    return svc.cost.set_mode(body)


# -- budgets -------------------------------------------------------------------------------------


@router.get("/v4/cost/budgets/defaults")
def budget_defaults(user: User = Depends(admin), svc: Services = Depends(services)) -> Any:
    return svc.cost.defaults()


@router.put("/v4/cost/budgets/defaults/{label}")
def budget_default_update(
    label: str,
    body: dict[str, Any] = Body(...),
    user: User = Depends(admin),
    svc: Services = Depends(services),
) -> Any:
    return svc.cost.set_default(label, body)


@router.get("/v4/cost/budgets/overrides")
def budget_overrides(user: User = Depends(admin), svc: Services = Depends(services)) -> Any:
    return svc.cost.overrides()


@router.post("/v4/cost/budgets/overrides")
def budget_override_create(
    body: dict[str, Any] = Body(...),
    user: User = Depends(admin),
    svc: Services = Depends(services),
) -> Any:
    def exists(label: str, label_id: str) -> bool:
        if label == "Project":
            return svc.store.get_project(label_id) is not None
        if label == "BillingTag":
            return any(t["tag"] == label_id for t in svc.cost.active_tags()["billingTags"])
        return True  # organizations are not modelled locally

    return svc.cost.create_override(body, exists)


@router.put("/v4/cost/budgets/overrides/{budget_id}")
def budget_override_update(
    budget_id: str,
    body: dict[str, Any] = Body(...),
    user: User = Depends(admin),
    svc: Services = Depends(services),
) -> Any:
    return svc.cost.update_override(budget_id, body)


@router.delete("/v4/cost/budgets/overrides/{budget_id}")
def budget_override_delete(
    budget_id: str, user: User = Depends(admin), svc: Services = Depends(services)
) -> Any:
    return svc.cost.delete_override(budget_id)


@router.get("/v4/cost/budgets/global/alertsSettings")
def budget_alerts(user: User = Depends(admin), svc: Services = Depends(services)) -> Any:
    return svc.cost.alerts()


@router.put("/v4/cost/budgets/global/alertsSettings")
def budget_alerts_update(
    body: dict[str, Any] = Body(...),
    user: User = Depends(admin),
    svc: Services = Depends(services),
) -> Any:
    return svc.cost.set_alerts(body)
