"""Scenario section ``operations``: power, data, crew, failures, science.

Owned by the operations layer's issue; fields may be added, never renamed.
"""

from __future__ import annotations

from ilrs.scenario.base import StrictModel


class OperationsSection(StrictModel):
    pass
