"""The risk layer's typed inputs: what every run of one study shares (compiled once, at the
scenario boundary, by :func:`ilrs.report.products.risk_setup`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ilrs.campaign import CampaignInputs
from ilrs.operations import BuiltInputs, OperationsSetup
from ilrs.scenario.uncertainties import UncertaintiesSection


@dataclass(frozen=True)
class OperationsStudy:
    """What each run of a campaign + operations study starts from: the sunlight and link arrays
    built once, and the operations setup each run's campaign is merged with."""

    built: BuiltInputs
    setup: OperationsSetup


@dataclass(frozen=True)
class StudySetup:
    """A Monte Carlo study's inputs.

    ``campaign`` carries the sampled distributions and the vehicles' flight records; ``identity``: the whole scenario as JSON, hashed into the study
    identity with the seed, N and the code; ``operations``: set for a campaign + operations study
    (``ilrs risk --ops``), None for campaign only."""

    name: str
    seed: int
    uncertainties: UncertaintiesSection
    campaign: CampaignInputs
    milestone_names: dict[str, str]
    identity: dict[str, Any]
    operations: OperationsStudy | None = None

    @property
    def default_runs(self) -> int:
        return int(self.uncertainties.runs)
