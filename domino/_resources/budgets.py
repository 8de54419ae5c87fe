"""Budgets: defaults per label, overrides per labelled thing, alert settings
(domino-api-2x.md §3.5; admin-only on Domino)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from domino._base import ClientBase, enum_value, expect_dict, nonempty
from domino.domino_enums import BudgetLabel, BudgetType
from domino.exceptions import InvalidArgumentError

__all__ = ["BudgetsMixin"]

_WINDOW = "monthly"


def _limit(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise InvalidArgumentError(f"budget_limit must be a non-negative number, got {value!r}")
    return value


class BudgetsMixin(ClientBase):
    # ------------------------------------------------------------------ defaults

    def budget_defaults_list(self) -> list[Any]:
        """The default budget of each label (``Project``, ``Organization``, ``BillingTag``)."""
        answer: list[Any] = self._get(self._routes.budget_defaults())
        return answer

    def budget_defaults_update(
        self, budget_label: BudgetLabel | str, budget_limit: float
    ) -> dict[str, Any]:
        """Set the monthly default budget of a label; returns the updated budget.

        Example::

            domino.budget_defaults_update(BudgetLabel.PROJECT, 500)
        """
        label = enum_value(budget_label, BudgetLabel, "budget_label")
        body = {
            "budgetLabel": label,
            "budgetType": BudgetType.DEFAULT.value,
            "limit": _limit(budget_limit),
            "window": _WINDOW,
        }
        answer: dict[str, Any] = self._json_text("PUT", self._routes.budget_defaults(label), body)
        return answer

    # ------------------------------------------------------------------ overrides

    @staticmethod
    def _generate_budget(
        budget_label: BudgetLabel | str, budget_id: str, budget_limit: float
    ) -> dict[str, Any]:
        """The body of an override create/update (key order as the public client)."""
        return {
            "limit": _limit(budget_limit),
            "labelId": nonempty(budget_id, "budget_id"),
            "window": _WINDOW,
            "budgetLabel": enum_value(budget_label, BudgetLabel, "budget_label"),
            "budgetType": BudgetType.OVERRIDE.value,
        }

    def budget_overrides_list(self) -> list[Any]:
        """Every budget override (``labelId``, ``limit``, ``budgetLabel`` ...)."""
        answer: list[Any] = self._get(self._routes.budget_overrides())
        return answer

    def budget_override_create(
        self, budget_label: BudgetLabel | str, budget_id: str, budget_limit: float
    ) -> dict[str, Any]:
        """Give one project / organization / billing tag (``budget_id``) its own budget."""
        body = self._generate_budget(budget_label, budget_id, budget_limit)
        answer: dict[str, Any] = self._json_text("POST", self._routes.budget_overrides(), body)
        return answer

    def budget_override_update(
        self, budget_label: BudgetLabel | str, budget_id: str, budget_limit: float
    ) -> dict[str, Any]:
        """Change an existing override's limit."""
        body = self._generate_budget(budget_label, budget_id, budget_limit)
        answer: dict[str, Any] = self._json_text(
            "PUT", self._routes.budget_overrides(budget_id), body
        )
        return answer

    def budget_override_delete(self, budget_id: str) -> list[Any]:
        """Delete an override (by its ``labelId``)."""
        path = self._routes.budget_overrides(nonempty(budget_id, "budget_id"))
        answer: list[Any] = self._http.json("DELETE", path)
        return answer

    # ------------------------------------------------------------------ alerts

    def budget_alerts_settings(self) -> dict[str, Any]:
        """``{"alertsEnabled", "notifyOrgOwner", "alertTargets": [{"label", "emails"}]}``."""
        path = self._routes.budget_alerts_settings()
        return expect_dict(self._get(path), f"GET {path}")

    @staticmethod
    def _update_if_set(update_dict: dict[str, Any], new_dict: Mapping[str, Any]) -> dict[str, Any]:
        """Copy every value of ``new_dict`` that is not ``None`` into ``update_dict``."""
        for key, value in new_dict.items():
            if value is not None:
                update_dict[key] = value
        return update_dict

    def _put_alerts(self, settings: dict[str, Any]) -> dict[str, Any]:
        # JSON text without Content-Type, as the public client sends it
        answer: dict[str, Any] = self._json_text(
            "PUT", self._routes.budget_alerts_settings(), settings, content_type=False
        )
        return answer

    def budget_alerts_settings_update(
        self, alerts_enabled: bool | None = None, notify_org_owner: bool | None = None
    ) -> dict[str, Any]:
        """Turn budget alerts and owner notification on or off (``None`` keeps a setting)."""
        settings = copy.deepcopy(self.budget_alerts_settings())
        self._update_if_set(
            settings, {"alertsEnabled": alerts_enabled, "notifyOrgOwner": notify_org_owner}
        )
        return self._put_alerts(settings)

    def budget_alerts_targets_update(
        self, targets: Mapping[BudgetLabel | str, list[str]]
    ) -> dict[str, Any]:
        """Set who is emailed per label: ``{BudgetLabel.PROJECT: ["a@x.com"], ...}``.

        Keys may be :class:`BudgetLabel` members or their names or values (the public client
        silently ignored members), and a label the server did not list yet is added.
        """
        if not isinstance(targets, Mapping):
            raise InvalidArgumentError(f"targets must be a dict of label -> emails: {targets!r}")
        wanted: dict[str, list[str]] = {}
        for key, emails in targets.items():
            if isinstance(emails, str) or not all(isinstance(e, str) for e in emails):
                raise InvalidArgumentError(f"emails for {key!r} must be a list of strings")
            wanted[enum_value(key, BudgetLabel, "targets key")] = list(emails)
        settings = copy.deepcopy(self.budget_alerts_settings())
        entries = settings.setdefault("alertTargets", [])
        for entry in entries:
            if isinstance(entry, dict) and entry.get("label") in wanted:
                entry["emails"] = wanted.pop(entry["label"])
        entries.extend({"label": label, "emails": emails} for label, emails in wanted.items())
        return self._put_alerts(settings)
