"""Headline figures of an operations run: energy, survival stretches, data per partner and area,
uptime, crew-days, consumables and events by kind (read from :class:`OperationsResult` only)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ilrs.constants import SECONDS_PER_HOUR
from ilrs.operations.model import MODE_FAILURE, MODE_FULL, MODE_SHEDDING, MODE_SURVIVAL, OperationsResult
from ilrs.timeutil import runs_of


def run_lengths(mask: np.ndarray) -> np.ndarray:
    """Lengths of the runs of True in a boolean array (vectorized)."""
    starts, stops = runs_of(mask)
    return stops - starts


def kpis(result: OperationsResult) -> dict[str, Any]:
    """Headline figures of a run (SI values with unit-bearing names, plus a few in kWh/Gbit/days)."""
    t = result.totals
    dt = result.step_s
    mode = result.series["mode"]
    surv = run_lengths(mode >= MODE_SURVIVAL)
    fail = run_lengths(mode == MODE_FAILURE)
    first_fail = np.flatnonzero(mode == MODE_FAILURE)
    soc = result.series["soc"]
    uptime = {name: (1.0 - e["down_s"] / e["active_s"]) if e["active_s"] > 0 else None
              for name, e in t["elements"].items()}
    per_partner: dict[str, float] = {}
    per_area: dict[str, float] = {}
    for g in t["data_groups"]:
        per_partner[g["owner"]] = per_partner.get(g["owner"], 0.0) + g["returned_bit"]
        per_area[g["area"]] = per_area.get(g["area"], 0.0) + g["returned_bit"]
    kinds: dict[str, int] = {}
    for e in result.events:
        kinds[e.kind] = kinds.get(e.kind, 0) + 1
    return {
        "start_utc": result.utc(0.0),
        "end_utc": result.utc(result.n_steps * dt),
        "step_s": dt,
        "energy_generated_kwh": t["generated_j"] / 3.6e6,
        "energy_demand_kwh": t["demand_j"] / 3.6e6,
        "energy_served_kwh": t["served_j"] / 3.6e6,
        "energy_not_served_kwh": t["not_served_j"] / 3.6e6,
        "survival_energy_not_served_kwh": t["survival_not_served_j"] / 3.6e6,
        "energy_curtailed_kwh": t["curtailed_j"] / 3.6e6,
        "storage_losses_kwh": t["losses_j"] / 3.6e6,
        "hours_full_power": float(np.sum(mode == MODE_FULL) * dt / SECONDS_PER_HOUR),
        "hours_shedding": float(np.sum(mode == MODE_SHEDDING) * dt / SECONDS_PER_HOUR),
        "hours_survival_mode": float(np.sum(mode == MODE_SURVIVAL) * dt / SECONDS_PER_HOUR),
        "hours_survival_failure": float(np.sum(mode == MODE_FAILURE) * dt / SECONDS_PER_HOUR),
        "longest_survival_stretch_hours": float(surv.max() * dt / SECONDS_PER_HOUR) if surv.size else 0.0,
        "longest_survival_failure_hours": float(fail.max() * dt / SECONDS_PER_HOUR) if fail.size else 0.0,
        "first_survival_failure_utc": result.utc(first_fail[0] * dt) if first_fail.size else None,
        "min_soc": float(np.nanmin(soc)) if np.isfinite(soc).any() else None,
        "data_produced_gbit": t["produced_bit"] / 1e9,
        "data_returned_gbit": t["returned_bit"] / 1e9,
        "data_lost_gbit": t["lost_bit"] / 1e9,
        "data_returned_gbit_by_partner": {k: v / 1e9 for k, v in sorted(per_partner.items())},
        "data_returned_gbit_by_area": {k: v / 1e9 for k, v in sorted(per_area.items())},
        "uptime_by_element": uptime,
        "failures_by_element": {n: e["failures"] for n, e in t["elements"].items()},
        "crew_days": float(sum(t["crew_days"].values())),
        "crew_days_by_partner": dict(sorted(t["crew_days"].items())),
        "crew_substitutions": t["crew_substitutions"],
        "consumables_kg": t["consumables"],
        "events_by_kind": dict(sorted(kinds.items())),
    }
