"""The run function of a scenario's risk study: sample the uncertainties, run the campaign.

One run i (:func:`campaign_run`):

1. a ``numpy.random.Generator`` (PCG64) on the run's seed sequence;
2. the sampled inputs (:func:`ilrs.campaign.sampling.sample_campaign_inputs`): a launch-failure
   probability per vehicle that flies a planned mission, a landing-failure probability per
   planned landing mission, a (correlated) schedule slip per planned mission, a stand-down per
   vehicle — drawn first, in a fixed order;
3. :func:`ilrs.campaign.simulate_campaign` with those values as ``overrides`` and the same
   generator for the launch/landing outcomes (a family grounded after a failure, re-flights …);
   steps 2-3 are :func:`ilrs.campaign.sampling.sampled_campaign`, which ``ilrs campaign --seed``
   runs alone;
4. the row: ``input.<group>.<name>`` per sampled input, ``milestone.<id>`` (days since
   1970-01-01, null when not reached), counts of failures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from ilrs.risk.stats import EPOCH


@dataclass(frozen=True)
class CampaignPayload:
    """What every run needs (picklable; sent once per chunk / scattered once to a cluster): the
    compiled campaign, which carries the uncertainties and the vehicles' flight records."""

    inputs: Any  # ilrs.campaign CampaignInputs


def _days(d: dt.date | None) -> float | None:
    """Days since 1970-01-01; None (a null in Arrow, equal to itself unlike NaN) when not reached."""
    return None if d is None else float((d - EPOCH).days)


def _row(draws: dict[str, float], milestones: dict[str, dt.date | None], outcomes: list[str]) -> dict[str, Any]:
    row: dict[str, Any] = {f"input.{k}": v for k, v in draws.items()}
    for name, day in milestones.items():
        row[f"milestone.{name}"] = _days(day)
    row["launch_failures"] = sum(1 for o in outcomes if o == "launch-failure")
    row["landing_failures"] = sum(1 for o in outcomes if o == "landing-failure")
    row["missions_cancelled"] = sum(1 for o in outcomes if o == "cancelled")
    return row


def campaign_row(payload: CampaignPayload, rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Sampled inputs and campaign result of one run (the row without the ``run`` column)."""
    from ilrs.campaign.sampling import sampled_campaign  # the run `ilrs campaign --seed --run` replays

    draws, result = sampled_campaign(payload.inputs, rng)
    return _row(draws, result.milestones, [m.outcome for m in result.missions if not m.past]), result


def campaign_run(payload: CampaignPayload, i: int, seed_sequence: np.random.SeedSequence) -> dict[str, Any]:
    """Run i of a campaign-only study (module level: picklable for worker processes and Dask): the
    row of :func:`campaign_row`, from the same draws without building the run's records."""
    from ilrs.campaign.sampling import sampled_milestones

    rng = np.random.Generator(np.random.PCG64(seed_sequence))
    return _row(*sampled_milestones(payload.inputs, rng))


def code_digest(packages: tuple[str, ...]) -> str:
    """sha256 of the source of the ilrs sub-packages a run executes: results made by other code
    are another study (``--resume`` refuses to mix them)."""
    import hashlib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for pkg in sorted(packages):
        for f in sorted((root / pkg).rglob("*.py")):
            h.update(str(f.relative_to(root)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()
