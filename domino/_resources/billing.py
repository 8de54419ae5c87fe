"""Billing tags and project billing tags (domino-api-2x.md §3.6; admin-only on Domino)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domino._base import ClientBase, enum_value, nonempty
from domino.domino_enums import BillingTagSettingMode
from domino.exceptions import InvalidArgumentError

__all__ = ["BillingTagsMixin"]

MIN_BILLING_TAGS = "5.11.0"


class BillingTagsMixin(ClientBase):
    def requires_at_least(self, at_least_version: str) -> bool:  # implemented by Domino
        raise NotImplementedError

    # ------------------------------------------------------------------ deployment-level tags

    def billing_tags_list_active(self) -> dict[str, Any]:
        """Active billing tags: ``{"billingTags": [{"tag", "active"}, ...]}`` (Domino >= 5.11)."""
        self.requires_at_least(MIN_BILLING_TAGS)
        answer: dict[str, Any] = self._get(self._routes.billing_tags())
        return answer

    def billing_tags_create(self, tags_list: list[str]) -> dict[str, Any]:
        """Create (or un-archive) billing tags by name; returns ``{"billingTags": [...]}``.

        Example::

            domino.billing_tags_create(["team-a", "team-b"])
        """
        self.requires_at_least(MIN_BILLING_TAGS)
        names = [tags_list] if isinstance(tags_list, str) else list(tags_list)
        for name in names:
            nonempty(name, "billing tag name")
        answer: dict[str, Any] = self._json_text(
            "POST", self._routes.billing_tags(), {"billingTags": names}
        )
        return answer

    def active_billing_tag_by_name(self, name: str) -> dict[str, Any]:
        """``{"billingTag": {"tag", "active"}}`` for one tag (archived tags too)."""
        answer: dict[str, Any] = self._get(self._routes.billing_tags(nonempty(name, "name")))
        return answer

    def billing_tag_archive(self, name: str) -> dict[str, Any]:
        """Archive a billing tag; returns it with ``active: false``."""
        path = self._routes.billing_tags(nonempty(name, "name"))
        answer: dict[str, Any] = self._http.json("DELETE", path)
        return answer

    def billing_tag_settings(self) -> dict[str, Any]:
        """The deployment's billing-tag settings (``{"mode", ...}``)."""
        answer: dict[str, Any] = self._get(self._routes.billing_tag_settings())
        return answer

    def billing_tag_settings_mode(self) -> dict[str, Any]:
        """``{"mode": "Disabled" | "Optional" | "Required"}``."""
        answer: dict[str, Any] = self._get(self._routes.billing_tag_settings(mode_only=True))
        return answer

    def billing_tag_settings_mode_update(self, mode: BillingTagSettingMode | str) -> dict[str, Any]:
        """Set the billing-tag mode (a :class:`BillingTagSettingMode`, or its name or value)."""
        body = {"mode": enum_value(mode, BillingTagSettingMode, "mode")}
        answer: dict[str, Any] = self._json_text(
            "PUT", self._routes.billing_tag_settings(mode_only=True), body
        )
        return answer

    # ------------------------------------------------------------------ project-level tags

    def project_billing_tag(self, project_id: str | None = None) -> dict[str, Any] | None:
        """The project's billing tag ``{"tag": name}``, or ``None`` when it has none.
        ``project_id`` defaults to this client's project."""
        answer: dict[str, Any] | None = self._get(
            self._routes.project_billing_tag(project_id or self.project_id)
        )
        return answer

    def project_billing_tag_update(
        self, billing_tag: str, project_id: str | None = None
    ) -> dict[str, Any]:
        """Give the project (default: this client's) a billing tag."""
        nonempty(billing_tag, "billing_tag")
        path = self._routes.project_billing_tag(project_id or self.project_id)
        answer: dict[str, Any] = self._json_text(
            "POST", path, {"tag": billing_tag}, content_type=False
        )
        return answer

    def project_billing_tag_reset(self, project_id: str | None = None) -> dict[str, Any]:
        """Remove the project's (default: this client's) billing tag."""
        path = self._routes.project_billing_tag(project_id or self.project_id)
        answer: dict[str, Any] = self._http.json("DELETE", path)
        return answer

    def projects_by_billing_tag(
        self,
        billing_tag: str | None = None,
        offset: int | None = 0,
        page_size: int | None = 10,
        name_filter: str | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        missing_tag_only: bool = False,
    ) -> dict[str, Any]:
        """A page of projects and their billing tags: ``{"page": [...], "totalMatches": n}``."""
        params: dict[str, Any] = {
            "offset": offset,
            "pageSize": page_size,
            "missingBillingTagOnly": str(bool(missing_tag_only)).lower(),
        }
        optional = {
            "billingTag": billing_tag,
            "nameFilter": name_filter,
            "sortBy": sort_by,
            "sortOrder": sort_order,
        }
        params.update({key: value for key, value in optional.items() if value is not None})
        params = {key: value for key, value in params.items() if value is not None}
        answer: dict[str, Any] = self._get(self._routes.projects_billing_tags(), params=params)
        return answer

    def project_billing_tag_bulk_update(self, projects_tag: Mapping[str, str]) -> dict[str, Any]:
        """Set billing tags of many projects at once: ``{project_id: tag_name, ...}``."""
        if not isinstance(projects_tag, Mapping):
            raise InvalidArgumentError(
                f"projects_tag must be a dict of project id -> billing tag, got {projects_tag!r}"
            )
        entries = [
            {
                "projectId": nonempty(project_id, "project id"),
                "billingTag": {"tag": nonempty(tag, "billing tag")},
            }
            for project_id, tag in projects_tag.items()
        ]
        answer: dict[str, Any] = self._json_text(
            "POST",
            self._routes.projects_billing_tags(),
            {"projectsBillingTags": entries},
            content_type=False,
        )
        return answer
