"""Billing tags, project billing tags and budgets as SQLite state (domino-api-2x.md §3.5,
§3.6, §7). No HTTP here; callers check that the caller is an administrator."""

from __future__ import annotations

import json
from typing import Any

from domino.server.store import InvalidInput, NotFound, Store, now_ms

LABELS = ("BillingTag", "Organization", "Project")
MODES = ("Disabled", "Optional", "Required")
DEFAULT_LIMIT = 1000.0
WINDOW = "monthly"

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS billing_tags (
        tag TEXT PRIMARY KEY, active INTEGER NOT NULL, created INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS project_billing_tags (
        project_id TEXT PRIMARY KEY REFERENCES projects(id),
        tag TEXT NOT NULL REFERENCES billing_tags(tag))""",
    """CREATE TABLE IF NOT EXISTS budgets (
        label TEXT NOT NULL, label_id TEXT NOT NULL, amount REAL NOT NULL,
        PRIMARY KEY(label, label_id))""",
    """CREATE TABLE IF NOT EXISTS cost_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
)
# label_id "" marks a label's default budget
_DEFAULT_ID = ""


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise InvalidInput(f"{what} must be a non-negative number, got {value!r}")
    return value


def _tag_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise InvalidInput(f"a billing tag must be a non-empty string, got {value!r}")
    return value


class Cost:
    def __init__(self, store: Store) -> None:
        self.store = store
        store.ensure_schema(*_SCHEMA)

    # -- settings ------------------------------------------------------------------------------

    def _setting(self, key: str, default: Any) -> Any:
        row = self.store.query_one("SELECT value FROM cost_settings WHERE key = ?", (key,))
        return json.loads(row["value"]) if row else default

    def _put_setting(self, key: str, value: Any) -> None:
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT OR REPLACE INTO cost_settings (key, value) VALUES (?, ?)",
                (key, json.dumps(value)),
            )

    def mode(self) -> str:
        return str(self._setting("billingTagMode", "Optional"))

    def set_mode(self, body: dict[str, Any]) -> dict[str, Any]:
        mode = body.get("mode")
        if mode not in MODES:
            raise InvalidInput(f"mode must be one of {list(MODES)}, got {mode!r}")
        self._put_setting("billingTagMode", mode)
        return {"mode": mode}

    def tag_settings(self) -> dict[str, Any]:
        mode = self.mode()
        return {"mode": mode, "enabled": mode != "Disabled"}

    # -- billing tags --------------------------------------------------------------------------

    @staticmethod
    def _tag_view(row: dict[str, Any]) -> dict[str, Any]:
        return {"tag": row["tag"], "active": bool(row["active"])}

    def active_tags(self) -> dict[str, Any]:
        rows = self.store.query("SELECT * FROM billing_tags WHERE active = 1 ORDER BY tag")
        return {"billingTags": [self._tag_view(r) for r in rows]}

    def create_tags(self, body: dict[str, Any]) -> dict[str, Any]:
        names = body.get("billingTags")
        if not isinstance(names, list) or not names:
            raise InvalidInput("billingTags must be a non-empty list of tag names")
        names = [_tag_name(n) for n in names]
        with self.store.transaction() as tx:
            for name in names:
                tx.execute(
                    "INSERT INTO billing_tags (tag, active, created) VALUES (?, 1, ?)"
                    " ON CONFLICT(tag) DO UPDATE SET active = 1",
                    (name, now_ms()),
                )
        return {"billingTags": [{"tag": n, "active": True} for n in dict.fromkeys(names)]}

    def tag(self, name: str) -> dict[str, Any]:
        row = self.store.query_one("SELECT * FROM billing_tags WHERE tag = ?", (name,))
        if row is None:
            raise NotFound(f"billing tag {name!r} not found")
        return {"billingTag": self._tag_view(row)}

    def archive_tag(self, name: str) -> dict[str, Any]:
        self.tag(name)
        with self.store.transaction() as tx:
            tx.execute("UPDATE billing_tags SET active = 0 WHERE tag = ?", (name,))
        return self.tag(name)

    # -- project billing tags ------------------------------------------------------------------

    def project_tag(self, project_id: str) -> dict[str, Any] | None:
        row = self.store.query_one(
            "SELECT tag FROM project_billing_tags WHERE project_id = ?", (project_id,)
        )
        return {"tag": row["tag"]} if row else None

    def check_assignable(self, tag: Any) -> str:
        name = _tag_name(tag)
        if self.mode() == "Disabled":
            raise InvalidInput("billing tags are disabled on this deployment")
        row = self.store.query_one("SELECT active FROM billing_tags WHERE tag = ?", (name,))
        if row is None or not row["active"]:
            raise InvalidInput(f"billing tag {name!r} does not exist or is archived")
        return name

    def set_project_tag(self, project_id: str, tag: Any) -> None:
        name = self.check_assignable(tag)
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT OR REPLACE INTO project_billing_tags (project_id, tag) VALUES (?, ?)",
                (project_id, name),
            )

    def reset_project_tag(self, project_id: str) -> None:
        if self.mode() == "Required":
            raise InvalidInput("billing tags are required: a project's tag cannot be removed")
        with self.store.transaction() as tx:
            tx.execute("DELETE FROM project_billing_tags WHERE project_id = ?", (project_id,))

    def check_new_project(self, billing_tag: Any) -> str | None:
        """The tag a new project gets (``billingTag`` of a create body), per the mode."""
        tag = billing_tag.get("tag") if isinstance(billing_tag, dict) else billing_tag
        if tag in (None, ""):
            if self.mode() == "Required":
                raise InvalidInput("billing tags are required: create the project with one")
            return None
        return self.check_assignable(tag)

    def bulk_update(self, body: dict[str, Any], known: set[str]) -> list[str]:
        entries = body.get("projectsBillingTags")
        if not isinstance(entries, list) or not entries:
            raise InvalidInput("projectsBillingTags must be a non-empty list")
        pairs = []
        for entry in entries:
            tag = entry.get("billingTag") if isinstance(entry, dict) else None
            project_id = entry.get("projectId") if isinstance(entry, dict) else None
            if not isinstance(tag, dict) or not isinstance(project_id, str):
                raise InvalidInput("each entry must be {projectId, billingTag: {tag}}")
            if project_id not in known:
                raise NotFound(f"project {project_id!r} not found")
            pairs.append((project_id, self.check_assignable(tag.get("tag"))))
        with self.store.transaction() as tx:  # all or nothing
            tx.executemany(
                "INSERT OR REPLACE INTO project_billing_tags (project_id, tag) VALUES (?, ?)",
                pairs,
            )
        return [p for p, _ in pairs]

    # -- budgets -------------------------------------------------------------------------------

    @staticmethod
    def _budget_view(row: dict[str, Any]) -> dict[str, Any]:
        is_default = row["label_id"] == _DEFAULT_ID
        return {
            "budgetLabel": row["label"],
            "budgetType": "Default" if is_default else "Override",
            "labelId": None if is_default else row["label_id"],
            "limit": row["amount"],
            "window": WINDOW,
        }

    def defaults(self) -> list[dict[str, Any]]:
        stored = {
            r["label"]: r
            for r in self.store.query("SELECT * FROM budgets WHERE label_id = ?", (_DEFAULT_ID,))
        }
        empty = {"label_id": _DEFAULT_ID, "amount": DEFAULT_LIMIT}
        return [
            self._budget_view(stored.get(label) or {"label": label, **empty}) for label in LABELS
        ]

    @staticmethod
    def _check_label(label: Any) -> str:
        if label not in LABELS:
            raise InvalidInput(f"budgetLabel must be one of {list(LABELS)}, got {label!r}")
        return str(label)

    def _check_body(self, body: dict[str, Any], label: str, kind: str) -> float:
        if body.get("budgetLabel", label) != label:
            raise InvalidInput(f"budgetLabel {body.get('budgetLabel')!r} does not match {label!r}")
        if body.get("budgetType", kind) != kind:
            raise InvalidInput(f"budgetType must be {kind!r}")
        if body.get("window", WINDOW) != WINDOW:
            raise InvalidInput(f"window must be {WINDOW!r}")
        return _number(body.get("limit"), "limit")

    def set_default(self, label: str, body: dict[str, Any]) -> dict[str, Any]:
        if label not in LABELS:
            raise NotFound(f"budget label {label!r} not found; labels are {list(LABELS)}")
        amount = self._check_body(body, label, "Default")
        self._write_budget(label, _DEFAULT_ID, amount)
        return next(b for b in self.defaults() if b["budgetLabel"] == label)

    def _write_budget(self, label: str, label_id: str, amount: float) -> None:
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT OR REPLACE INTO budgets (label, label_id, amount) VALUES (?,?,?)",
                (label, label_id, amount),
            )

    def overrides(self) -> list[dict[str, Any]]:
        rows = self.store.query(
            "SELECT * FROM budgets WHERE label_id != ? ORDER BY label, label_id", (_DEFAULT_ID,)
        )
        return [self._budget_view(r) for r in rows]

    def _override(self, label_id: str) -> dict[str, Any] | None:
        return self.store.query_one(
            "SELECT * FROM budgets WHERE label_id = ? AND label_id != ''", (label_id,)
        )

    def create_override(self, body: dict[str, Any], exists: Any) -> dict[str, Any]:
        label = self._check_label(body.get("budgetLabel"))
        label_id = body.get("labelId")
        if not isinstance(label_id, str) or not label_id:
            raise InvalidInput(
                "labelId (the project id, organization id or billing tag) is required"
            )
        amount = self._check_body(body, label, "Override")
        if not exists(label, label_id):
            raise InvalidInput(f"{label} {label_id!r} does not exist")
        if self._override(label_id) is not None:
            raise InvalidInput(f"an override for {label_id!r} exists; update it instead")
        self._write_budget(label, label_id, amount)
        return self._budget_view(self._override(label_id) or {})

    def update_override(self, label_id: str, body: dict[str, Any]) -> dict[str, Any]:
        row = self._override(label_id)
        if row is None:
            raise NotFound(f"budget override {label_id!r} not found")
        if body.get("labelId", label_id) != label_id:
            raise InvalidInput("labelId of the body does not match the URL")
        amount = self._check_body(body, row["label"], "Override")
        self._write_budget(row["label"], label_id, amount)
        return self._budget_view(self._override(label_id) or {})

    def delete_override(self, label_id: str) -> list[dict[str, Any]]:
        if self._override(label_id) is None:
            raise NotFound(f"budget override {label_id!r} not found")
        with self.store.transaction() as tx:
            tx.execute("DELETE FROM budgets WHERE label_id = ?", (label_id,))
        return self.overrides()

    # -- alerts --------------------------------------------------------------------------------

    def alerts(self) -> dict[str, Any]:
        default = {
            "alertsEnabled": False,
            "notifyOrgOwner": False,
            "alertTargets": [{"label": label, "emails": []} for label in LABELS],
        }
        settings: dict[str, Any] = self._setting("budgetAlerts", default)
        return settings

    def set_alerts(self, body: dict[str, Any]) -> dict[str, Any]:
        settings = self.alerts()
        for key in ("alertsEnabled", "notifyOrgOwner"):
            if key in body:
                if not isinstance(body[key], bool):
                    raise InvalidInput(f"{key} must be a boolean")
                settings[key] = body[key]
        if "alertTargets" in body:
            targets = body["alertTargets"]
            if not isinstance(targets, list):
                raise InvalidInput("alertTargets must be a list of {label, emails}")
            seen = {}
            for target in targets:
                if not isinstance(target, dict):
                    raise InvalidInput("alertTargets must be a list of {label, emails}")
                label = self._check_label(target.get("label"))
                emails = target.get("emails")
                if not isinstance(emails, list) or not all(
                    isinstance(e, str) and "@" in e for e in emails
                ):
                    raise InvalidInput(f"emails of {label} must be a list of email addresses")
                seen[label] = emails
            settings["alertTargets"] = [{"label": k, "emails": v} for k, v in seen.items()]
        self._put_setting("budgetAlerts", settings)
        return settings
