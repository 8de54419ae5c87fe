"""Domino training sets from the ``dominodatalab-data`` package (extra ``data``), under the
public client's module name: ``TrainingSetClient`` is the module
``domino_data.training_sets.client`` and ``model`` the module ``domino_data.training_sets.model``.
"""

from __future__ import annotations

from typing import Any

from domino._data_extra import import_domino_data

TrainingSetClient = import_domino_data("domino_data.training_sets.client", "domino.training_sets")
model = import_domino_data("domino_data.training_sets.model", "domino.training_sets")


def __getattr__(name: str) -> Any:
    # other names come from domino_data.training_sets (the public client consulted the
    # top-level package, where e.g. get_training_set is not found)
    return getattr(import_domino_data("domino_data.training_sets", "domino.training_sets"), name)
