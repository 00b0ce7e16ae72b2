"""From a table of runs to the study's answers: milestone probabilities, dates, KPIs, sensitivity.

Column conventions of a run table (one row per run, see :mod:`ilrs.risk.store`):

- ``input.<name>``      a sampled input (float), e.g. ``input.launch_failure.CZ-10``;
- ``milestone.<name>``  the date a milestone is reached, days since 1970-01-01 UTC (null: not
                        reached; read here as NaN);
- ``kpi.<name>``        a key performance indicator of the run (float), with ``--ops``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pyarrow as pa

from ilrs.risk.stats import EPOCH, days_to_date, milestone_statistics, sensitivity

INPUT, MILESTONE, KPI = "input.", "milestone.", "kpi."


def _columns(table: pa.Table, prefix: str) -> dict[str, np.ndarray]:
    out = {}
    for name in table.column_names:
        if name.startswith(prefix):
            col = table.column(name)
            if not pa.types.is_floating(col.type):
                col = col.cast(pa.float64())
            out[name[len(prefix):]] = np.asarray(col.to_numpy(zero_copy_only=False), dtype=float)
    return out


def milestone_days(table: pa.Table) -> dict[str, np.ndarray]:
    return _columns(table, MILESTONE)


def sampled_inputs(table: pa.Table) -> dict[str, np.ndarray]:
    return _columns(table, INPUT)


def kpis(table: pa.Table) -> dict[str, np.ndarray]:
    return _columns(table, KPI)


HEADLINE_KPIS = ("energy_not_served_kwh", "hours_survival_failure", "longest_survival_stretch_hours", "min_soc",
                 "data_returned_gbit", "crew_days")


def summarize(table: pa.Table, targets: dict[str, dt.date | None], confidence: float = 0.95,
              top_inputs: int = 8) -> dict[str, Any]:
    """The JSON-able summary: ``runs``, ``milestones`` (name → probability_on_time, ci_low, ci_high,
    p10/p50/p90 dates, target_date, probability_reached), ``sensitivity`` (milestone → inputs ranked
    by |Spearman ρ| with its date), ``kpis`` (name → mean and p10/p50/p90), ``kpi_sensitivity``
    (headline KPI → inputs ranked the same way)."""
    ms = milestone_days(table)
    inputs = sampled_inputs(table)
    out: dict[str, Any] = {"runs": table.num_rows, "confidence": confidence, "milestones": {},
                           "sensitivity": {}, "kpis": {}}
    for name, days in ms.items():
        out["milestones"][name] = milestone_statistics(days, targets.get(name), confidence)
        if inputs:
            out["sensitivity"][name] = sensitivity(inputs, days, top=top_inputs)
    out["kpi_sensitivity"] = {}
    for name, values in kpis(table).items():
        if name in HEADLINE_KPIS and inputs:
            out["kpi_sensitivity"][name] = sensitivity(inputs, values, top=top_inputs)
        v = values[np.isfinite(values)]
        out["kpis"][name] = ({"mean": float(v.mean()), "p10": float(np.percentile(v, 10)),
                              "p50": float(np.percentile(v, 50)), "p90": float(np.percentile(v, 90)),
                              "runs": int(v.size)} if v.size else {"runs": 0})
    return out


def _figure(width_in: float, height_in: float):
    """A matplotlib Figure without pyplot (no GUI backend; save with fig.savefig)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in))
    return fig, fig.add_subplot()


def _to_datetime64(days: np.ndarray) -> np.ndarray:
    return (np.datetime64(EPOCH.isoformat(), "D") + np.floor(days).astype("int64")).astype("datetime64[D]")


def plot_milestone_dates(table: pa.Table, targets: dict[str, dt.date | None]):
    """Cumulative probability of each milestone being reached by a date (one curve per milestone);
    the curves end below 1 by the share of runs that never reach it. Target dates dashed."""
    ms = milestone_days(table)
    fig, ax = _figure(9.0, 4.5)
    n = table.num_rows
    for k, (name, days) in enumerate(sorted(ms.items(), key=lambda kv: np.nanmedian(kv[1]) if np.isfinite(kv[1]).any() else math.inf)):
        x = np.sort(days[np.isfinite(days)])
        if x.size == 0 or n == 0:
            continue
        color = f"C{k % 10}"
        y = np.arange(1, x.size + 1) / n
        ax.step(_to_datetime64(x), y, where="post", color=color, label=name)
        t = targets.get(name)
        if t is not None:
            ax.axvline(np.datetime64(t.isoformat(), "D"), color=color, ls="--", lw=0.8)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("probability reached by date")
    ax.set_title(f"Milestone dates over {n} Monte Carlo runs (dashed: target dates)")
    ax.grid(alpha=0.3)
    if ms:
        ax.legend(fontsize=8, loc="lower right")
    return fig


def plot_tornado(summary: dict[str, Any], milestone: str, top: int = 8):
    """Tornado plot: the inputs that move ``milestone``'s date most (Spearman ρ, bars from 0)."""
    rows = summary["sensitivity"].get(milestone, [])[:top][::-1]
    fig, ax = _figure(8.0, 0.45 * max(3, len(rows)) + 1.2)
    if rows:
        rho = [r["spearman_rho"] for r in rows]
        ax.barh([r["input"] for r in rows], rho, color=["#d62728" if v > 0 else "#1f77b4" for v in rho])
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xlim(-1, 1)
    ax.set_xlabel("Spearman rank correlation with the milestone date (> 0: later)")
    ax.set_title(f"What moves '{milestone}'")
    ax.grid(axis="x", alpha=0.3)
    return fig


def plot_kpis(table: pa.Table, names: tuple[str, ...] = HEADLINE_KPIS):
    """Histograms of operations KPIs over the runs (``--ops``), median dashed."""
    values = kpis(table)
    names = [n for n in names if n in values] or sorted(values)[:6]
    cols = 3
    rows = max(1, -(-len(names) // cols))
    fig, _ = _figure(11.0, 3.0 * rows)
    fig.clear()
    for k, name in enumerate(names):
        ax = fig.add_subplot(rows, cols, k + 1)
        v = values[name][np.isfinite(values[name])]
        if v.size:
            ax.hist(v, bins=min(40, max(5, v.size // 5)), color="#1f77b4", alpha=0.8)
            ax.axvline(float(np.median(v)), color="k", ls="--", lw=0.8)
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=8)
    fig.suptitle(f"Operations KPIs over {table.num_rows} runs (dashed: median)")
    fig.set_layout_engine("tight")  # laid out as it draws (once)
    return fig


COMMON_SLIP = "schedule_slip_common_z"
"""The programme-wide slip factor's column (``input.`` prefix dropped): it moves every mission at once."""

OWN_SLIP = "own_slip."
"""Prefix of a mission's own slip score: its slip with the shared factor taken out (:func:`own_slip_scores`)."""


def milestone_dependencies(inputs) -> dict[str, frozenset[str]]:
    """Milestone id -> the missions whose outcome can move it (a compiled ``CampaignInputs``):
    the missions delivering the elements its condition names (each with the elements those depend
    on), the missions it names, every crewed mission when it counts crewed landings, then every
    mission those ``require`` (the engine makes a mission wait for them). A mission outside this set
    cannot change the day the condition first holds, whatever its slip."""
    deliver: dict[int, list[int]] = {}
    for i, m in enumerate(inputs.missions):
        for e in m.elements:
            deliver.setdefault(e, []).append(i)
    out: dict[str, frozenset[str]] = {}
    for mst in inputs.milestones:
        elements = set(mst.all_op) | set(mst.any_op) | {e for r in mst.roles for e in r}
        if mst.base_count:
            elements |= set(mst.base_elements)
        todo = list(elements)
        while todo:  # the elements they depend on
            for d in inputs.element_deps[todo.pop()]:
                if d not in elements:
                    elements.add(d)
                    todo.append(d)
        missions = {i for e in elements for i in deliver.get(e, ())} | set(mst.missions)
        if mst.crewed:
            missions |= {i for i, m in enumerate(inputs.missions) if m.crew}
        todo = list(missions)
        while todo:  # the missions they wait for
            for r in inputs.missions[todo.pop()].requires:
                if r not in missions:
                    missions.add(r)
                    todo.append(r)
        out[mst.id] = frozenset(inputs.missions[i].id for i in missions)
    return out


def own_slip_scores(slip_days: np.ndarray, common_z: np.ndarray | None) -> np.ndarray:
    """A mission's own slip in each run: the normal score of its slip's rank, less its regression on
    the shared factor (slip = F⁻¹(Φ(√ρ·Z_common + √(1−ρ)·Z_own)) is increasing in its score, so the
    residual estimates √(1−ρ)·Z_own; :func:`ilrs.scenario.uncertainties.correlated_slips_days`)."""
    from statistics import NormalDist

    from ilrs.risk.stats import average_ranks

    x = np.asarray(slip_days, dtype=float)
    ok = np.isfinite(x)
    z = np.full(x.shape, np.nan)
    inv = NormalDist().inv_cdf
    z[ok] = [inv(p) for p in ((average_ranks(x[ok]) - 0.5) / ok.sum()).tolist()]
    if common_z is None:
        return z
    c = np.asarray(common_z, dtype=float)
    both = ok & np.isfinite(c)
    cc = c[both] - c[both].mean()
    beta = float(np.dot(cc, z[both] - z[both].mean()) / max(np.dot(cc, cc), 1e-300))
    return z - beta * c


def _driver_kind(name: str) -> tuple[str, str]:
    """(kind, what) of a causal driver's name."""
    if name == COMMON_SLIP:
        return "shared slip factor", "all missions"
    if name.startswith(OWN_SLIP):
        return "own slip", name[len(OWN_SLIP):]
    group, _, what = name.partition(".")
    return group.replace("_", " "), what


def causal_drivers(table: pa.Table, inputs) -> dict[str, list[dict[str, Any]]]:
    """Milestone -> every input that can move its date, ranked by |Spearman ρ| with it (all, not a
    top few): the shared slip factor, the own slip of each mission it depends on
    (:func:`milestone_dependencies`, :func:`own_slip_scores`), their landing failures, and the
    launch failures and stand-downs of the vehicle families they fly. Rows: input, kind, what, ρ."""
    ms, drawn = milestone_days(table), sampled_inputs(table)
    common = drawn.get(COMMON_SLIP)
    deps = milestone_dependencies(inputs)
    family = inputs.vehicle_family
    own = {k[len("schedule_slip_days."):]: own_slip_scores(v, common)
           for k, v in drawn.items() if k.startswith("schedule_slip_days.")}
    out: dict[str, list[dict[str, Any]]] = {}
    for name, days in ms.items():
        missions = deps.get(name, frozenset())
        families = {f for m in inputs.missions if m.id in missions for f in m.families}
        allowed = {f"{OWN_SLIP}{m}": v for m, v in own.items() if m in missions}
        allowed.update({k: v for k, v in drawn.items() if k.startswith("landing_failure.")
                        and k.partition(".")[2] in missions})
        allowed.update({k: v for k, v in drawn.items() if k.startswith(("launch_failure.", "stand_down_days."))
                        and family.get(k.partition(".")[2]) in families})
        if common is not None and any(m in own for m in missions):
            allowed[COMMON_SLIP] = common
        out[name] = [{**r, "kind": _driver_kind(r["input"])[0], "what": _driver_kind(r["input"])[1]}
                     for r in sensitivity(allowed, days)]
    return out


def milestone_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Table rows (strings) for text output and the report."""
    def pct(v):
        return "—" if v is None else f"{100 * v:.1f} %"

    rows = []
    for name, m in summary["milestones"].items():
        ci = "—" if m["ci_low"] is None else f"{100 * m['ci_low']:.1f}–{100 * m['ci_high']:.1f} %"
        rows.append({"milestone": name, "target": m["target_date"] or "—",
                     "on time": pct(m["probability_on_time"]), "95% CI": ci,
                     "reached": pct(m["probability_reached"]),
                     "p10": m["p10_date"] or "never", "p50": m["p50_date"] or "never",
                     "p90": m["p90_date"] or "never"})
    return rows


__all__ = ["summarize", "causal_drivers", "milestone_dependencies", "own_slip_scores", "plot_milestone_dates", "plot_tornado", "plot_kpis", "milestone_rows", "milestone_days",
           "sampled_inputs", "kpis", "days_to_date"]
