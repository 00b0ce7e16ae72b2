"""The risk layer's typed inputs: what every run of one study shares (compiled once, at the
scenario boundary, by :func:`ilrs.report.products.risk_setup`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ilrs.campaign import CampaignInputs
from ilrs.operations import BuiltInputs, OperationsSetup
from ilrs.scenario.uncertainties import UncertaintiesSection


SUNLIGHT_POSITIONS = tuple(i / 8 for i in range(9))
"""Positions within the horizon bounds (0 optimistic … 1 pessimistic) whose sunlight is computed once
for a risk study: a run uses the one nearest its draw (at most 1/16 of the range away)."""


@dataclass(frozen=True)
class SunlightLevels:
    """The visible solar fraction on the operations grid at ``positions`` within the site's horizon
    bounds (0 the optimistic end, 1 the pessimistic), on the site's own mast (``fractions``) and on
    each array mast (``by_mast``): what a run draws from (:mod:`ilrs.risk.ops_model`)."""

    positions: tuple[float, ...]
    fractions: tuple[np.ndarray, ...]
    by_mast: tuple[dict[float, np.ndarray], ...]

    def nearest(self, position: float) -> int:
        """Index of the computed position nearest ``position``."""
        return int(np.argmin(np.abs(np.asarray(self.positions) - float(position))))


@dataclass(frozen=True)
class OperationsStudy:
    """What each run of a campaign + operations study starts from: the sunlight and link arrays
    built once, the operations setup each run's campaign is merged with, and (where the DEM cannot
    decide the horizon) the sunlight at positions within the horizon bounds."""

    built: BuiltInputs
    setup: OperationsSetup
    sunlight: SunlightLevels | None = None


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
