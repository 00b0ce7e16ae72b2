"""One sampled run of the campaign: every uncertain input drawn first, then the engine.

This is risk run i, run alone: :func:`ilrs.risk.model.campaign_run` calls :func:`sampled_campaign`
with the generator of ``SeedSequence(seed, spawn_key=(i,))`` and so does ``ilrs campaign --seed
SEED --run I``, so the two give the same dates.

Draw order of :func:`sample_campaign_inputs` (group by group, names sorted; a name without a
distribution of its own or a ``default`` draws nothing and keeps the campaign's value):
``launch_failure`` per vehicle (a ``beta`` with ``from_record`` is the prior updated by the
vehicle's flight record, Gelman et al., *Bayesian Data Analysis*, 3rd ed., §2.4), ``landing_failure``
per landing mission, the correlated ``schedule_slip_days``
(:func:`ilrs.scenario.uncertainties.correlated_slips_days`), ``stand_down_days`` per vehicle. The
engine then draws the launch and landing outcomes from the same generator.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np

from ilrs.campaign.engine import simulate_campaign, simulate_milestones
from ilrs.campaign.inputs import CampaignInputs
from ilrs.campaign.result import CampaignResult
from ilrs.scenario.uncertainties import UncertaintiesSection, correlated_slips_days, draw

COMMON_SLIP_FACTOR = "schedule_slip_common_z"
"""Key of the standard-normal programme-wide slip factor (not a campaign override)."""


def sample_campaign_inputs(unc: UncertaintiesSection, vehicles: Mapping[str, tuple[int, int] | None] | Iterable[str],
                           missions: Iterable[str], rng: np.random.Generator,
                           landing_missions: Iterable[str] | None = None) -> dict[str, float]:
    """Sampled campaign inputs of one run, keyed ``<group>.<name>``.

    Groups: ``launch_failure`` (probability, per vehicle id; ``vehicles`` maps each id to its
    flight record (failures, flights) or None), ``landing_failure`` (probability, per mission),
    ``schedule_slip_days`` (per mission, correlated through ``schedule_slip_correlation``),
    ``stand_down_days`` (per vehicle: how long its family is grounded after it fails), and
    ``schedule_slip_common_z`` (the common factor of the slips, when correlated). A name with
    no entry and no ``default`` gets no draw (the campaign's own value stands). ``landing_missions``:
    the missions that land (default: all).
    """
    records = dict(vehicles) if isinstance(vehicles, dict) else {v: None for v in vehicles}
    missions = list(missions)
    landing = missions if landing_missions is None else list(landing_missions)
    out: dict[str, float] = {}
    for v, d in unc.named("launch_failure", records):
        out[f"launch_failure.{v}"] = draw(d, rng, record=records[v])
    for m, d in unc.named("landing_failure", landing):
        out[f"landing_failure.{m}"] = draw(d, rng)
    slips = dict(unc.named("schedule_slip_days", missions))
    if slips:
        common, slip_days = correlated_slips_days(slips, unc.schedule_slip_correlation, rng)
        if unc.schedule_slip_correlation > 0.0:  # recorded so that sensitivity can name the programme-wide factor
            out[COMMON_SLIP_FACTOR] = common
        out.update((f"schedule_slip_days.{m}", v) for m, v in slip_days.items())
    for v, d in unc.named("stand_down_days", records):
        out[f"stand_down_days.{v}"] = max(0.0, draw(d, rng))
    return out


def sample_inputs_of(inputs: CampaignInputs, rng: np.random.Generator) -> dict[str, float]:
    """:func:`sample_campaign_inputs` for a compiled campaign: the vehicles that fly a planned
    mission (with their flight records), the planned missions, the planned ones that land."""
    planned = [m for m in inputs.missions if m.past is None]
    used = sorted({v for m in planned for v in m.vehicles})
    return sample_campaign_inputs(inputs.uncertainties, {v: inputs.vehicle_records.get(v) for v in used},
                                  [m.id for m in planned], rng, landing_missions=[m.id for m in planned if m.lands])


def sampled_campaign(inputs: CampaignInputs, rng: np.random.Generator) -> tuple[dict[str, float], CampaignResult]:
    """One sampled run: (the sampled inputs, keyed ``<group>.<name>``, and the campaign flown with
    them as overrides and the same generator for the launch and landing outcomes)."""
    draws = sample_inputs_of(inputs, rng)
    result = simulate_campaign(inputs, rng, {k: v for k, v in draws.items() if k != COMMON_SLIP_FACTOR})
    return draws, result


def sampled_milestones(inputs: CampaignInputs, rng: np.random.Generator
                       ) -> tuple[dict[str, float], dict[str, Any], list[str]]:
    """:func:`sampled_campaign` reduced as :func:`ilrs.campaign.engine.simulate_milestones` is: (the
    sampled inputs, milestone id → date or None, the outcome of each attempt of a planned mission)."""
    draws = sample_inputs_of(inputs, rng)
    dates, outcomes = simulate_milestones(inputs, rng, {k: v for k, v in draws.items() if k != COMMON_SLIP_FACTOR})
    return draws, dates, outcomes
