"""Scenario section ``campaign``: manifest, station elements, milestones.

Owned by the campaign layer's issue; fields may be added, never renamed.
"""

from __future__ import annotations

from ilrs.scenario.base import StrictModel


class CampaignSection(StrictModel):
    pass
