"""Scenario section ``uncertainties``: distributions the risk layer samples.

Owned by the risk layer's issue; fields may be added, never renamed.
"""

from __future__ import annotations

from ilrs.scenario.base import StrictModel


class UncertaintiesSection(StrictModel):
    pass
