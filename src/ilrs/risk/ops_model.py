"""The run function of a risk study with ``--ops``: campaign, then the station's operations.

One run: the campaign run of :mod:`ilrs.risk.model` (same draws, same generator, first), then
operations draws (:func:`ilrs.risk.sampling.sample_operations_inputs`: element MTBFs, solar-array
degradation), then :func:`ilrs.operations.simulate_operations` on the sunlight and link arrays
computed once for the scenario (:func:`ilrs.operations.build_inputs`) with this run's elements,
crew stays and deliveries (:func:`ilrs.operations.with_campaign`). The row gains ``kpi.<name>``
for every numeric headline figure of :func:`ilrs.operations.kpis` and
``kpi.data_returned_gbit.<partner>``.

Where the DEM cannot decide the site's horizon (:attr:`ilrs.environment.SiteSetup.bounds`), each
run also draws where within the horizon bounds it stands: a position ``p ~ U(0, 1)`` (0 the
optimistic end, 1 the pessimistic), recorded as ``input.horizon_position`` (so the sensitivity
analysis ranks the terrain beside the failure draws), from a stream of its own —
``SeedSequence(seed, spawn_key=(i, HORIZON_STREAM))`` — so the campaign and failure draws of every
run are the same with or without bounds. The run uses the sunlight computed once at the nearest of
:data:`ilrs.risk.setup.SUNLIGHT_POSITIONS` (a blended horizon, linear in elevation between the two
masks: :func:`ilrs.environment.horizon_range.blended_mask`). Uniform: nothing published says where
the truth lies between the ends (an assumption).

MTBF of a Weibull failure model: mean = scale · Γ(1 + 1/shape) (e.g. Rausand & Høyland, *System
Reliability Theory*, 2nd ed., §2.15), so an absolute MTBF sets scale = MTBF / Γ(1 + 1/shape) and a
factor multiplies the scale.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ilrs.constants import SECONDS_PER_HOUR
from ilrs.operations import BuiltInputs, OperationsSetup
from ilrs.risk.model import CampaignPayload, campaign_row
from ilrs.risk.sampling import sample_operations_inputs
from ilrs.risk.setup import SunlightLevels
from ilrs.scenario.uncertainties import UncertaintiesSection

SKIP_KPIS = {"step_s"}


@dataclass(frozen=True)
class OpsPayload:
    """What every run of a campaign + operations study needs (picklable): the campaign, the
    sunlight and link arrays built once, the operations setup, the distributions of the draws."""

    campaign: CampaignPayload
    built: BuiltInputs
    setup: OperationsSetup
    uncertainties: UncertaintiesSection
    sunlight: SunlightLevels | None = None


def _with_failures(params, draws: dict[str, float]):
    elements = []
    for e in params.elements:
        f = e.failure
        if f is None or f.distribution == "none":
            elements.append(e)
            continue
        h = draws.get(f"element_mtbf_h.{e.name}")
        k = draws.get(f"element_mtbf_factor.{e.name}")
        if h is not None:
            if f.distribution == "weibull":
                f = dataclasses.replace(f, weibull_scale_s=h * SECONDS_PER_HOUR / math.gamma(1.0 + 1.0 / f.weibull_shape))
            else:
                f = dataclasses.replace(f, mtbf_s=h * SECONDS_PER_HOUR)
        elif k is not None:
            if f.distribution == "weibull":
                f = dataclasses.replace(f, weibull_scale_s=f.weibull_scale_s * k)
            else:
                f = dataclasses.replace(f, mtbf_s=f.mtbf_s * k)
        elements.append(dataclasses.replace(e, failure=f))
    arrays = params.solar_arrays
    deg = draws.get("array_degradation_per_year")
    if deg is not None:
        arrays = tuple(dataclasses.replace(a, degradation_per_year=deg) for a in arrays)
    return dataclasses.replace(params, elements=tuple(elements), solar_arrays=arrays)


def failing_elements(params) -> list[str]:
    return sorted(e.name for e in params.elements if e.failure is not None and e.failure.distribution != "none")


def ops_run(payload: OpsPayload, i: int, seed_sequence: np.random.SeedSequence) -> dict[str, Any]:
    """Run i of a campaign + operations study (module level: picklable)."""
    from ilrs.operations import kpis, simulate_operations, with_campaign

    rng = np.random.Generator(np.random.PCG64(seed_sequence))
    row, campaign = campaign_row(payload.campaign, rng)
    built = with_campaign(payload.built, payload.setup, campaign)
    draws = sample_operations_inputs(payload.uncertainties, failing_elements(built.params), rng)
    row.update({f"input.{k}": v for k, v in draws.items()})
    if payload.sunlight is not None:
        position = horizon_position(seed_sequence)
        row["input.horizon_position"] = position
        built = with_sunlight(built, payload.sunlight, payload.sunlight.nearest(position))
    result = simulate_operations(built.inputs, _with_failures(built.params, draws), rng)
    for name, value in kpis(result).items():
        if name in SKIP_KPIS or isinstance(value, bool):
            continue
        if isinstance(value, (int, float)) and math.isfinite(value):
            row[f"kpi.{name}"] = float(value)
    for partner, gbit in kpis_by_partner(result).items():
        row[f"kpi.data_returned_gbit.{partner}"] = gbit
    return row


HORIZON_STREAM = 71
"""The last spawn key of a run's horizon draw (any constant other runs' keys cannot reach: run keys
are (i,), this is (i, 71))."""


def horizon_position(seed_sequence: np.random.SeedSequence) -> float:
    """Where within the horizon bounds a run stands (0 optimistic … 1 pessimistic), uniform, from
    the run's own horizon stream (independent of its campaign and failure draws)."""
    seq = np.random.SeedSequence(seed_sequence.entropy, spawn_key=tuple(seed_sequence.spawn_key) + (HORIZON_STREAM,))
    return float(np.random.Generator(np.random.PCG64(seq)).random())


def with_sunlight(built: BuiltInputs, levels: SunlightLevels, k: int) -> BuiltInputs:
    """``built`` with the visible solar fraction of level ``k`` (the site's mast and every array mast)."""
    inputs = dataclasses.replace(built.inputs, visible_solar_fraction=levels.fractions[k],
                                 visible_solar_fraction_at_mast_m=dict(levels.by_mast[k]))
    return dataclasses.replace(built, inputs=inputs)


def kpis_by_partner(result) -> dict[str, float]:
    out: dict[str, float] = {}
    for g in result.totals["data_groups"]:
        out[g["owner"]] = out.get(g["owner"], 0.0) + g["returned_bit"] / 1e9
    return dict(sorted(out.items()))
