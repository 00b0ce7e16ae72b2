"""Power of the station: solar and nuclear generation, the load ladder, and the dispatch of each step.

Power balance of one step of length ``dt`` (a dispatch rule, as in HOMER-style energy-balance
models: Lambert, Gilman & Lilienthal, *Micropower system modeling with HOMER*, 2006):

* generation ``G`` = solar (area × efficiency × irradiance × visible solar fraction × incidence ×
  degradation) + nuclear (constant);
* demand ladder ``L_0 ≥ L_1 ≥ … ≥ L_2m``: every operating element in science mode, then elements
  dropped from science to nominal, then from nominal to survival, in shedding order (priority 9
  first); ``L_2m`` is the survival load;
* shedding policy (state-of-charge bands, as in the load-management of stand-alone PV systems):
  when generation alone cannot serve ``L_0``, the usable stored fraction
  ``u = (E − E_floor)/(E_max − E_floor)`` sets the policy level — 0 for ``u ≥ shed_science_below``,
  then elements leave science mode one by one in priority order as ``u`` falls towards
  ``shed_nominal_below``, and below it only survival loads are served — but never below the first
  level that generation alone covers;
* storage can deliver ``Σ min(P_max, (E − E_floor)·η_d / dt)``; the served level is the first
  policy-allowed ``L_j ≤ G + that``; if even ``L_2m`` exceeds it, all of it is served and the step
  is a survival failure;
* a surplus charges storage (``ΔE = η_c·P·dt``, up to capacity and power limit, units in order);
  the rest is curtailed. A deficit discharges storage (``ΔE = P·dt/η_d``, units in order).

Hence, per step: ``G·dt = served·dt + ΔE_stored + curtailed + conversion losses`` exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ilrs.errors import InputError
from ilrs.operations.model import (
    ALARM_HYSTERESIS,
    MODE_FAILURE,
    MODE_FULL,
    MODE_SHEDDING,
    MODE_SURVIVAL,
    SECONDS_PER_YEAR,
    ElementParams,
    Event,
    OperationsInputs,
    OperationsParams,
)
from ilrs.operations.storage import StorageUnit

def solar_generation_w(inputs: OperationsInputs, params: OperationsParams,
                       activation_s: dict[str, float]) -> list[np.ndarray]:
    """Electric power of each solar array over the grid (W), vectorized.

    ``P = A·η·S·f·c·(1 − d)^years`` with ``S`` the irradiance, ``f`` the visible solar fraction
    (seen from the array's own mast height when it has one), ``c`` the incidence factor —
    ``cos(elevation)`` for a vertical panel turned to the Sun (at the pole the Sun stays within
    ~1.5° of the horizon, so ``c ≈ 1``), times ``max(0, cos(Δazimuth))``
    for a fixed panel — and ``d`` the yearly degradation counted from the array's activation.
    """
    n = inputs.n_steps
    t = (np.arange(n) + 0.5) * inputs.step_s
    bases: dict[float | None, np.ndarray] = {}

    def base_at(h: float | None, name: str) -> np.ndarray:
        if h not in bases:
            if h is None:
                vsf = inputs.visible_solar_fraction
            elif h in inputs.visible_solar_fraction_at_mast_m:
                vsf = inputs.visible_solar_fraction_at_mast_m[h]
            else:
                raise InputError(f"no visible solar fraction at {h:g} m in the inputs",
                                 field=f"solar_arrays.{name}.mast_height_m",
                                 allowed=sorted(inputs.visible_solar_fraction_at_mast_m))
            bases[h] = inputs.solar_irradiance_w_m2 * np.clip(vsf, 0.0, 1.0)
        return bases[h]

    cos_el = None
    if inputs.sun_elevation_deg is not None:
        cos_el = np.cos(np.radians(inputs.sun_elevation_deg))
    out = []
    for a in params.solar_arrays:
        inc = np.ones(n) if cos_el is None else cos_el.copy()
        if not a.tracking:
            if inputs.sun_azimuth_deg is None:
                raise InputError("a fixed (non-tracking) array needs sun_azimuth_deg in the inputs",
                                 field=f"solar_arrays.{a.name}.tracking")
            inc = inc * np.maximum(0.0, np.cos(np.radians(inputs.sun_azimuth_deg - a.azimuth_deg)))
        t0 = activation_s.get(a.element, 0.0) if a.element else 0.0
        years = np.maximum(0.0, t - t0) / SECONDS_PER_YEAR
        out.append(a.area_m2 * a.efficiency * base_at(a.mast_height_m, a.name) * inc
                   * (1.0 - a.degradation_per_year) ** years)
    return out


@dataclass(frozen=True, slots=True)
class LoadLadder:
    """Demand levels ``L_0 … L_2m`` (W) of one discrete configuration, and the operating elements
    in shedding order (``m`` of them): level ``j ≤ m`` has the first ``j`` of them out of science
    mode, level ``m + j`` has the first ``j`` in survival mode."""

    levels_w: list[float]
    order: list[ElementParams]

    @property
    def n_shed(self) -> int:
        return len(self.order)


def load_ladder(elements: tuple[ElementParams, ...], active: list[bool], up: list[bool]) -> LoadLadder:
    """The ladder of the active elements; failed ones draw only their survival heaters."""
    base = 0.0
    ops = []
    for k, e in enumerate(elements):
        if not active[k]:
            continue
        if up[k]:
            ops.append(e)
        else:
            base += e.survival_w
    order = sorted(ops, key=lambda e: (-e.priority, e.name))
    level = base + sum(e.science_w for e in ops)
    ladder = [level]
    for e in order:
        level += e.nominal_w - e.science_w
        ladder.append(level)
    for e in order:
        level += e.survival_w - e.nominal_w
        ladder.append(level)
    return LoadLadder(ladder, order)


@dataclass(frozen=True, slots=True)
class SheddingPolicy:
    """State-of-charge bands: below ``science_below`` elements leave science mode one by one, below
    ``nominal_below`` only survival loads are served (fractions of the usable stored energy)."""

    science_below: float
    nominal_below: float


@dataclass(slots=True)
class PowerSteps:
    """What the dispatch did over a run of steps (one value per step) and its sums."""

    served_w: list[float] = field(default_factory=list)
    curtailed_j: list[float] = field(default_factory=list)
    stored_j: list[float] = field(default_factory=list)
    mode: list[int] = field(default_factory=list)
    level: list[int] = field(default_factory=list)
    """Index of the served ladder level (the last one in a survival failure)."""
    unit_j: list[list[float]] = field(default_factory=list)
    """Energy of each usable unit after each step (only when several units are usable)."""
    curtailed_sum_j: float = 0.0
    losses_j: float = 0.0
    survival_not_served_j: float = 0.0


def dispatch(gen_w: list[float], ladder: LoadLadder, units: list[StorageUnit], policy: SheddingPolicy,
             dt_s: float) -> PowerSteps:
    """Serve, store and curtail step by step; ``units`` (the usable ones, in order) are updated.
    By the compiled :func:`ilrs.operations._kernels.dispatch_steps` (bitwise the same), or the loops
    below (``ILRS_KERNELS=numpy``)."""
    from ilrs._compiled import use_compiled

    if use_compiled() and len(gen_w):
        return _dispatch_compiled(gen_w, ladder, units, policy, dt_s)
    if len(units) == 1:
        return _dispatch_one_unit(gen_w, ladder, units[0], policy, dt_s)
    return _dispatch_units(gen_w, ladder, units, policy, dt_s)


def _dispatch_compiled(gen_w, ladder: LoadLadder, units: list[StorageUnit], policy: SheddingPolicy,
                       dt: float) -> PowerSteps:
    from ilrs.operations._kernels import dispatch_steps

    def each(attr: str) -> np.ndarray:
        return np.array([getattr(u, attr) for u in units], dtype=float)

    energy = each("energy_j")
    served, curt, stored, mode, level, unit_j, sums = dispatch_steps(
        np.asarray(gen_w, float), np.asarray(ladder.levels_w, float), ladder.n_shed, energy, each("capacity_j"),
        each("floor_j"), each("charge_efficiency"), each("discharge_efficiency"), each("max_power_w"),
        float(policy.science_below), float(policy.nominal_below), float(dt))
    for u, e in zip(units, energy.tolist()):
        u.energy_j = e
    out = PowerSteps(served.tolist(), curt.tolist(), stored.tolist(), mode.tolist(), level.tolist(),
                     unit_j.tolist() if len(units) != 1 else [])  # as the loops: none for one unit
    out.curtailed_sum_j, out.losses_j, out.survival_not_served_j = sums.tolist()
    return out


def _policy_level(g_w: float, supply_w: float, frac: float, levels_w: list[float], m: int,
                  policy: SheddingPolicy) -> int:
    """Served level when generation ``g_w`` falls short of ``L_0`` and ``supply_w ≥ L_2m``."""
    s_sci, s_nom = policy.science_below, policy.nominal_below
    if frac >= s_sci or m == 0:
        jp = 0
    elif frac >= s_nom:
        jp = min(m, max(1, math.ceil((s_sci - frac) / (s_sci - s_nom) * m)))
    else:
        jp = 2 * m
    last = len(levels_w) - 1
    jg = 1  # first level that generation alone covers: no need to shed below it
    while jg < last and levels_w[jg] > g_w:
        jg += 1
    j = jp if jp < jg else jg
    while levels_w[j] > supply_w:  # power/energy limit
        j += 1
    return j


def _dispatch_one_unit(gen_w: list[float], ladder: LoadLadder, u: StorageUnit, policy: SheddingPolicy,
                       dt: float) -> PowerSteps:
    """:func:`dispatch` with one usable unit, its state in locals (the common case, kept fast)."""
    levels = ladder.levels_w
    top, surv, last, m = levels[0], levels[-1], len(levels) - 1, ladder.n_shed
    E, capE, floor = u.energy_j, u.capacity_j, u.floor_j
    eta_c, eta_d, pmax = u.charge_efficiency, u.discharge_efficiency, u.max_power_w
    usable_cap = capE - floor
    out = PowerSteps()
    served_l, curt_l, stored_l, mode_l, level_l = out.served_w, out.curtailed_j, out.stored_j, out.mode, out.level
    curtailed_sum = losses_sum = ens_surv = 0.0
    for g in gen_w:
        if g >= top:  # generation alone serves every load in science mode
            j, served, mode = 0, top, MODE_FULL
        else:
            avail = (E - floor) * eta_d / dt
            if avail > pmax:
                avail = pmax
            if avail < 0.0:
                avail = 0.0
            supply = g + avail
            if supply < surv:
                j, served, mode = last, supply, MODE_FAILURE
                ens_surv += (surv - supply) * dt
            else:
                frac = (E - floor) / usable_cap if usable_cap > 0.0 else 0.0
                j = _policy_level(g, supply, frac, levels, m, policy)
                served = levels[j]
                mode = MODE_FULL if j == 0 else (MODE_SURVIVAL if j == last else MODE_SHEDDING)
        net = g - served
        if net >= 0.0:
            p = (capE - E) / (eta_c * dt)
            if p > pmax:
                p = pmax
            if p > net:
                p = net
            if p > 0.0:
                E += p * eta_c * dt
                losses_sum += p * (1.0 - eta_c) * dt
                net -= p
            curt = net * dt
            curtailed_sum += curt
        else:
            d = -net
            curt = 0.0
            E -= d * dt / eta_d
            losses_sum += d * dt * (1.0 / eta_d - 1.0)
            if E < floor:  # rounding only
                E = floor
        served_l.append(served)
        curt_l.append(curt)
        stored_l.append(E)
        mode_l.append(mode)
        level_l.append(j)
    u.energy_j = E
    out.curtailed_sum_j, out.losses_j, out.survival_not_served_j = curtailed_sum, losses_sum, ens_surv
    return out


def _dispatch_units(gen_w: list[float], ladder: LoadLadder, units: list[StorageUnit], policy: SheddingPolicy,
                    dt: float) -> PowerSteps:
    """:func:`dispatch` with no usable unit or several (charged and drawn in order); the units'
    state in local lists during the steps (the same arithmetic as one object per unit, 2x faster)."""
    levels = ladder.levels_w
    top, surv, last, m = levels[0], levels[-1], len(levels) - 1, ladder.n_shed
    usable_cap = sum(u.capacity_j - u.floor_j for u in units)
    E = [u.energy_j for u in units]
    cap = [u.capacity_j for u in units]
    floor = [u.floor_j for u in units]
    eta_c = [u.charge_efficiency for u in units]
    eta_d = [u.discharge_efficiency for u in units]
    pmax = [u.max_power_w for u in units]
    each = range(len(units))
    out = PowerSteps()
    served_l, curt_l, stored_l, mode_l, level_l = out.served_w, out.curtailed_j, out.stored_j, out.mode, out.level
    unit_l = out.unit_j
    curtailed_sum = losses_sum = ens_surv = 0.0
    for g in gen_w:
        if g >= top:  # generation alone serves every load in science mode
            j, served, mode = 0, top, MODE_FULL
        else:
            avail = usable = 0.0
            for q in each:
                a = (E[q] - floor[q]) * eta_d[q] / dt
                avail += (pmax[q] if a > pmax[q] else a) if a > 0.0 else 0.0
                usable += E[q] - floor[q]
            supply = g + avail
            if supply < surv:
                j, served, mode = last, supply, MODE_FAILURE
                ens_surv += (surv - supply) * dt
            else:
                j = _policy_level(g, supply, usable / usable_cap if usable_cap > 0.0 else 0.0, levels, m, policy)
                served = levels[j]
                mode = MODE_FULL if j == 0 else (MODE_SURVIVAL if j == last else MODE_SHEDDING)
        net = g - served
        if net >= 0.0:
            for q in each:
                if net <= 0.0:
                    break
                p = min(net, pmax[q], (cap[q] - E[q]) / (eta_c[q] * dt))
                if p > 0.0:
                    E[q] += p * eta_c[q] * dt
                    losses_sum += p * (1.0 - eta_c[q]) * dt
                    net -= p
            curt = net * dt
            curtailed_sum += curt
        else:
            d = -net
            curt = 0.0
            for q in each:
                if d <= 0.0:
                    break
                a = (E[q] - floor[q]) * eta_d[q] / dt
                p = min(d, pmax[q], a if a > 0.0 else 0.0)
                if p > 0.0:
                    E[q] -= p * dt / eta_d[q]
                    losses_sum += p * dt * (1.0 / eta_d[q] - 1.0)
                    d -= p
        unit_l.append(E.copy())
        served_l.append(served)
        curt_l.append(curt)
        stored_l.append(sum(E))
        mode_l.append(mode)
        level_l.append(j)
    for u, e in zip(units, E):
        u.energy_j = e
    out.curtailed_sum_j, out.losses_j, out.survival_not_served_j = curtailed_sum, losses_sum, ens_surv
    return out


def mode_events(modes: list[int], served_w: list[float], top_w: float, i0: int, dt_s: float,
                mode_before: int) -> tuple[list[Event], int]:
    """An event where the operating mode worsens (load shedding, survival mode, survival failure) or
    comes back to full power, for steps ``i0 …``; returns them and the last mode."""
    events = []
    prev = mode_before
    before = np.empty(len(modes), dtype=np.int8)
    before[0] = mode_before
    before[1:] = modes[:-1]
    for k in np.flatnonzero(np.asarray(modes, dtype=np.int8) != before).tolist():
        mode = modes[k]
        t = (i0 + k) * dt_s
        if mode > prev:
            kind = ("load-shedding", "survival-mode", "survival-failure")[mode - 1]
            events.append(Event(t, kind, "station", f"served {served_w[k]:.0f} W of {top_w:.0f} W"))
        elif mode == MODE_FULL:
            events.append(Event(t, "power-restored", "station", f"{top_w:.0f} W served"))
        prev = mode
    return events, prev


def soc_alarm_events(stored_j: list[float], capacity_j: float, i0: int, dt_s: float, alarm: bool,
                     soc_below: float) -> tuple[list[Event], bool]:
    """Storage alarm: raised on the first step whose state of charge is below ``soc_below``, cleared
    on the first one above ``soc_below + ALARM_HYSTERESIS``; returns the events and the alarm state."""
    if not capacity_j > 0.0:
        return [], alarm
    soc = np.asarray(stored_j, dtype=float) / capacity_j
    lo, hi = soc_below, soc_below + ALARM_HYSTERESIS
    below, above = np.flatnonzero(soc < lo), np.flatnonzero(soc > hi)
    events = []
    k = 0
    while True:
        steps = above if alarm else below
        p = int(np.searchsorted(steps, k))
        if p == len(steps):
            return events, alarm
        k = int(steps[p])
        s = float(soc[k])
        if alarm:
            events.append(Event((i0 + k) * dt_s, "alarm-cleared", "storage", f"state of charge {s:.2f}"))
        else:
            events.append(Event((i0 + k) * dt_s, "alarm", "storage", f"state of charge {s:.2f} < {lo:.2f}"))
        alarm = not alarm
        k += 1
