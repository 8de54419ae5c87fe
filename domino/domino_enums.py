"""The enums of the public client's cost and project APIs (same names and values as 2.2.0).

Plain :class:`enum.Enum` classes, as upstream: ``BudgetLabel.PROJECT == "Project"`` is
``False``. Methods of :class:`domino.Domino` that take one also accept the member's name or
value as a string (upstream raised ``AttributeError`` for a string).
"""

from __future__ import annotations

from enum import Enum

__all__ = ["BillingTagSettingMode", "BudgetLabel", "BudgetType", "ProjectVisibility"]


class BudgetLabel(Enum):
    """What a budget applies to."""

    BILLINGTAG = "BillingTag"
    ORGANIZATION = "Organization"
    PROJECT = "Project"


class BudgetType(Enum):
    """A default budget (per label) or an override (per labelled thing)."""

    OVERRIDE = "Override"
    DEFAULT = "Default"


class BillingTagSettingMode(Enum):
    """Whether projects may, must or must not carry a billing tag."""

    DISABLED = "Disabled"
    OPTIONAL = "Optional"
    REQUIRED = "Required"


class ProjectVisibility(Enum):
    """Who can see a project."""

    PRIVATE = "Private"
    PUBLIC = "Public"
    SEARCHABLE = "Searchable"
