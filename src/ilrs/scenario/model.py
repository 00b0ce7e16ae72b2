"""The root of a scenario file: one study, validated and immutable."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import Field, model_validator

from ilrs.scenario.base import StrictModel
from ilrs.scenario.campaign import CampaignSection
from ilrs.scenario.comms import RelaysSection
from ilrs.scenario.operations import OperationsSection
from ilrs.scenario.site import SiteSpec
from ilrs.scenario.uncertainties import UncertaintiesSection

NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"


class TimeSpan(StrictModel):
    """The span a study covers, UTC dates (inclusive start, exclusive end)."""

    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> "TimeSpan":
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        if self.start.year < 1900 or self.end.year > 2150:
            raise ValueError("the span must lie within 1900-2150 (ephemeris coverage)")
        return self

    @property
    def days(self) -> int:
        return (self.end - self.start).days


class Scenario(StrictModel):
    """One study of the ILRS. Load with :func:`ilrs.scenario.load_scenario`."""

    name: str = Field(pattern=NAME_PATTERN, description="Short id: lower case, digits, '.', '_' or '-'.")
    description: str = ""
    seed: int = Field(20280101, ge=0, description="Seed of every random draw in the study.")
    coalition: Literal["ilrs", "artemis-accords"] = Field(
        "ilrs", description="Whose coalition the study follows: ILRS members or Artemis Accords signatories.")
    span: TimeSpan
    site: SiteSpec
    relays: RelaysSection = RelaysSection()
    campaign: CampaignSection = CampaignSection()
    operations: OperationsSection = OperationsSection()
    uncertainties: UncertaintiesSection = UncertaintiesSection()

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9._-]", "-", self.name)
