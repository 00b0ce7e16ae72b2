"""One operations run: simulated once from built inputs, its KPIs, time-series table and headline lines.

Shared by ``ilrs ops`` and the operations section of ``ilrs run`` (both build the inputs through
:mod:`ilrs.report.products`, so their figures agree).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ilrs.constants import SECONDS_PER_HOUR
from ilrs.operations.adapter import BuiltInputs
from ilrs.operations.model import OperationsResult
from ilrs.timeutil import iso_date

@dataclass(frozen=True)
class OperationsRun:
    """One simulated run: its inputs, the result, and the KPIs a report or the CLI shows."""

    built: BuiltInputs
    result: OperationsResult
    kpis: dict[str, Any]


def simulate_once(built: BuiltInputs, seed: int) -> OperationsRun:
    """Simulate ``built`` once with failures drawn from ``seed``; KPIs with the inputs' sources and
    who may access each partner's data."""
    import numpy as np

    from ilrs.operations.engine import simulate_operations
    from ilrs.operations.kpis import kpis
    from ilrs.operations.science import data_by_partner

    t0 = time.perf_counter()
    result = simulate_operations(built.inputs, built.params, np.random.default_rng(seed))
    k = kpis(result)
    k["inputs"] = built.sources
    k["timings_s"] = {"simulate": round(time.perf_counter() - t0, 3)}
    k["data_access"] = data_by_partner(result.totals["data_groups"])
    return OperationsRun(built, result, k)


RANGE_KPIS = ("energy_generated_kwh", "energy_not_served_kwh", "survival_energy_not_served_kwh",
              "hours_shedding", "hours_survival_mode", "hours_survival_failure", "longest_survival_stretch_hours",
              "min_soc", "data_returned_gbit", "data_lost_gbit", "crew_days")
"""The headline KPIs given as ranges over the site's horizon bounds."""


def kpi_ranges(central: dict[str, Any], ends: dict[str, OperationsRun]) -> dict[str, dict[str, float | None]]:
    """Each of :data:`RANGE_KPIS` in the central run and in the runs at each end of the horizon
    bounds (``ends``: ``optimistic``/``pessimistic``), with ``low``/``high`` the envelope of the three.

    Design: the station is simulated three times with the same seed, campaign, failure draws and
    link rates, once per horizon (the point mask and the two bounding masks): the spread is what the
    terrain the DEM cannot resolve does to power, survival and data — nothing else varies."""
    out: dict[str, dict[str, float | None]] = {}
    for name in RANGE_KPIS:
        vals = {"central": central.get(name), **{e: run.kpis.get(name) for e, run in ends.items()}}
        known = [float(v) for v in vals.values() if v is not None]
        out[name] = {**{k: (None if v is None else float(v)) for k, v in vals.items()},
                     "low": min(known) if known else None, "high": max(known) if known else None}
    return out


def series_table(result, params):
    """The run's time series as an Arrow table, one row per step (values over the step, states at its
    end): ``time_utc``; power ``generated_w``, ``demand_w``, ``served_w``, ``curtailed_w``, ``mode``
    (0 full, 1 shedding, 2 survival, 3 survival failure); storage ``stored_energy_j``,
    ``storage_capacity_j``, ``soc`` (usable units) and per unit ``soc_<name>`` (null while it is not on
    site); data ``data_stored_bit``, ``data_produced_bit``, ``data_returned_bit``, ``data_lost_bit``;
    ``crew`` and ``stock_<consumable>_kg``."""
    import numpy as np
    import pyarrow as pa

    s = result.series
    cols = {"time_utc": pa.array(result.times().astype("datetime64[s]"), type=pa.timestamp("s", tz="UTC"))}
    for name in ("generated_w", "demand_w", "served_w", "curtailed_w", "mode", "stored_energy_j",
                 "storage_capacity_j", "soc"):
        cols[name] = pa.array(s[name], from_pandas=True)
    for unit in params.storage:
        e = s[f"storage_{unit.name}_j"]
        cols[f"soc_{unit.name}"] = pa.array(e / unit.capacity_j, from_pandas=True)  # NaN -> null: not on site
    for name in ("data_stored_bit", "data_produced_bit", "data_returned_bit", "data_lost_bit", "crew"):
        cols[name] = pa.array(s[name])
    for name in sorted(k for k in s if k.startswith("stock_")):
        cols[name] = pa.array(np.asarray(s[name], dtype=float))
    return pa.table(cols)


def write_series(result, params, path):
    """``series_table`` to Parquet (zstd), atomically."""
    import pyarrow.parquet as pq

    from ilrs._io import atomic_path

    with atomic_path(path) as tmp:
        pq.write_table(series_table(result, params), tmp, compression="zstd")
    return path


def summary_lines(k: dict[str, Any]) -> list[str]:
    """A few lines of headline figures (shared with the report section)."""
    up = {n: v for n, v in k["uptime_by_element"].items() if v is not None}
    worst = sorted(up.items(), key=lambda kv: kv[1])[:3]
    partners = ", ".join(f"{p} {v:,.0f}" for p, v in sorted(k["data_returned_gbit_by_partner"].items(),
                                                            key=lambda kv: -kv[1]))
    events = k["events_by_kind"]
    return [
        f"operations {iso_date(k['start_utc'])} → {iso_date(k['end_utc'])} (step {k['step_s'] / SECONDS_PER_HOUR:g} h); "
        f"simulated in {k['timings_s']['simulate']:.2f} s",
        f"energy: {k['energy_generated_kwh']:,.0f} kWh generated, {k['energy_served_kwh']:,.0f} served, "
        f"{k['energy_not_served_kwh']:,.0f} not served ({k['survival_energy_not_served_kwh']:,.0f} of it survival load)",
        f"power modes: {k['hours_shedding']:,.0f} h shedding, {k['hours_survival_mode']:,.0f} h survival, "
        f"{k['hours_survival_failure']:,.0f} h survival failure; longest survival stretch "
        f"{k['longest_survival_stretch_hours']:,.0f} h; first failure {k['first_survival_failure_utc'] or 'none'}",
        f"data: {k['data_produced_gbit']:,.0f} Gbit produced, {k['data_returned_gbit']:,.0f} returned, "
        f"{k['data_lost_gbit']:,.0f} lost",
        f"returned per partner (Gbit): {partners or 'none'}",
        f"crew-days: {k['crew_days']:,.0f} ({', '.join(f'{p} {v:,.0f}' for p, v in k['crew_days_by_partner'].items()) or 'no crew'}); "
        f"untrained crew replaced: {k['crew_substitutions']}",
        f"failures: {events.get('failure', 0)}, repairs: {events.get('repair', 0)}; lowest uptime: "
        + (", ".join(f"{n} {v:.1%}" for n, v in worst) or "n/a"),
        f"inputs: sunlight — {k['inputs']['sunlight']}; downlink — {k['inputs']['downlink']}",
    ]
