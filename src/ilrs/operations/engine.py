"""The operations engine: discrete events in SimPy, continuous quantities stepped on the input grid.

Discrete events — element activations, failures, repairs, crew arrivals and departures,
deliveries — are SimPy processes (Matloff's "process-oriented" discrete-event simulation, the
model of :mod:`simpy`). Between two events the discrete configuration (which elements operate,
how many crew members are present) is constant, and the continuous state is advanced step by step
over the precomputed arrays of :class:`~ilrs.operations.model.OperationsInputs` (generation, link
rate): nothing geometric is recomputed inside the loop.

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
* a surplus charges storage (``ΔE = η_c·P·dt``, up to capacity and power limit); the rest is
  curtailed. A deficit discharges storage (``ΔE = P·dt/η_d``).

Hence, per step: ``G·dt = served·dt + ΔE_stored + curtailed + conversion losses`` exactly. A
storage unit tied to an element counts only while that element operates (frozen while it is down);
it arrives with the element holding ``initial_soc`` of its capacity and leaves with it at end of
life, so over a run: ``generated = served + losses + curtailed + (E_final − E_initial)
− storage_arrived + storage_retired``.

Time resolution: a discrete change (activation, failure, arrival …) takes effect from the first
step that starts at or after it; failure and repair times themselves are exact (logged in seconds).

Data: experiments on elements in science mode produce at their rates into one shared store; the
link empties it at the downlink rate; what exceeds capacity is lost. Returns and losses are
attributed to (owner, area) groups in proportion to their share of the store.
"""

from __future__ import annotations

import math

import numpy as np
import simpy

from ilrs.errors import InputError
from ilrs.operations.kpis import kpis, run_lengths
from ilrs.operations.model import (
    CONSUMABLES,
    MODE_FAILURE,
    MODE_FULL,
    MODE_SHEDDING,
    MODE_SURVIVAL,
    SECONDS_PER_DAY,
    SECONDS_PER_YEAR,
    CrewStay,
    Event,
    OperationsInputs,
    OperationsParams,
    OperationsResult,
)

# kpis and run_lengths moved out; still importable from here (plots, bench).
__all__ = ["effective_crews", "kpis", "run_lengths", "simulate_operations", "solar_generation_w"]

SOC_HYSTERESIS = 0.05
"""An alarm clears only when its quantity is back this far (fraction) on the good side."""


def effective_crews(stays: tuple[CrewStay, ...], params: OperationsParams) -> list[tuple[CrewStay, list[str], list[str]]]:
    """Each stay with the crew that actually flies, and the members that were substituted.

    A member from a partner that is neither in ``trained_partners`` nor has finished its
    training (``training_start + training_s``) by the arrival is replaced by an astronaut of
    ``substitute_partner``.
    """
    crew = params.crew
    out = []
    for stay in stays:
        if crew is None:
            out.append((stay, list(stay.crew), []))
            continue
        flown, replaced = [], []
        for member in stay.crew:
            ready = member in crew.trained_partners or (
                member in crew.training_start_s and crew.training_start_s[member] + crew.training_s <= stay.arrival_s)
            if ready:
                flown.append(member)
            else:
                flown.append(crew.substitute_partner)
                replaced.append(member)
        out.append((stay, flown, replaced))
    return out


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


class _Station:
    """Mutable state of one run; the SimPy processes change it, :meth:`advance` integrates it."""

    def __init__(self, inputs: OperationsInputs, params: OperationsParams, rng: np.random.Generator):
        self.inputs, self.params, self.rng = inputs, params, rng
        self.n, self.dt = inputs.n_steps, float(inputs.step_s)
        self.env = simpy.Environment()
        self.events: list[Event] = []
        self.n_discrete = 0
        self.i = 0  # next step to integrate
        self.dirty = True

        names = [e.name for e in params.elements]
        if len(set(names)) != len(names):
            raise InputError("element names must be unique", field="elements")
        self.el_index = {e.name: k for k, e in enumerate(params.elements)}
        act = {a.element: a.time_s for a in inputs.activations}
        for a in inputs.activations:
            if a.element not in self.el_index:
                raise InputError(f"activation of unknown element {a.element!r}", field="activations",
                                 allowed=names)
        self.activation_s = {e.name: float(act.get(e.name, 0.0)) for e in params.elements}
        ends = {a.element: a.end_s for a in inputs.activations}
        self.end_s = {e.name: float(ends.get(e.name, math.inf)) for e in params.elements}
        # operating at the grid start: activated at or before it and not yet retired
        self.active = [self.activation_s[e.name] <= 0.0 < self.end_s[e.name] for e in params.elements]
        self.retired = [self.end_s[e.name] <= 0.0 for e in params.elements]
        self.up = [True] * len(params.elements)
        self.spares = [e.failure.spares if e.failure else 0 for e in params.elements]
        self.down_since: list[float | None] = [None] * len(params.elements)
        self.down_s = [0.0] * len(params.elements)
        self.n_failures = [0] * len(params.elements)
        self.n_repairs = [0] * len(params.elements)
        self.spare_arrived = [self.env.event() for _ in params.elements]
        self.crew_arrived = self.env.event()
        for what, owner in ([("solar_arrays", a.element) for a in params.solar_arrays]
                            + [("storage", s.element) for s in params.storage]
                            + [("nuclear", u.element) for u in params.nuclear]
                            + [("experiments", x.element) for x in params.experiments]):
            if owner is not None and owner not in self.el_index:
                raise InputError(f"element {owner!r} is not in the parameters", field=what, allowed=names)

        # power
        self.array_gen = solar_generation_w(inputs, params, self.activation_s)
        # storage: a unit is on site while its element is (activated, not retired) and usable while
        # the element operates; when its element fails its energy is frozen (neither charged nor
        # drawn) until the repair. A unit arrives with its element holding initial_soc x capacity
        # (energy brought from outside: `storage_arrived_j`) and leaves at the element's end of
        # life with what it holds (`storage_retired_j`).
        self.unit_el = [None if s.element is None else self.el_index[s.element] for s in params.storage]
        self.present = [k is None or self.active[k] for k in self.unit_el]
        self.units = [[s.capacity_j * s.initial_soc if on else 0.0, s.capacity_j, s.floor_j, s.charge_efficiency,
                       s.discharge_efficiency, s.max_power_w if s.max_power_w else math.inf]
                      for s, on in zip(params.storage, self.present)]
        for s in params.storage:
            if s.initial_soc < 1.0 - s.max_depth_of_discharge - 1e-12:
                raise InputError("initial state of charge is below the depth-of-discharge floor",
                                 field=f"storage.{s.name}.initial_soc")
        self.stored_initial_j = sum(u[0] for u in self.units)
        self.storage_arrived_j = 0.0
        self.storage_retired_j = 0.0
        self.avail = list(range(len(self.units)))

        # data: one group per (owner, area)
        self.groups: list[tuple[str, str]] = sorted({(x.owner, x.area) for x in params.experiments})
        self.group_index = {g: k for k, g in enumerate(self.groups)}
        self.g_stored = [0.0] * len(self.groups)
        self.g_produced = [0.0] * len(self.groups)
        self.g_returned = [0.0] * len(self.groups)
        self.g_lost = [0.0] * len(self.groups)
        self.data_stored = 0.0

        # crew and consumables
        self.crew_members: list[str] = []
        crew = params.crew
        self.stock = {c: float(crew.initial_stock_kg.get(c, 0.0)) if crew else 0.0 for c in CONSUMABLES}
        self.stock_initial = dict(self.stock)
        self.delivered = {c: 0.0 for c in CONSUMABLES}
        self.used = {c: 0.0 for c in CONSUMABLES}
        self.unmet = {c: 0.0 for c in CONSUMABLES}
        self.consumable_alarm = {c: False for c in CONSUMABLES}
        self.exhausted = {c: False for c in CONSUMABLES}
        self.has_life_support = any(e.role == "life-support" for e in params.elements)

        # totals and alarms
        self.tot = dict(generated_j=0.0, demand_j=0.0, served_j=0.0, curtailed_j=0.0, losses_j=0.0,
                        survival_not_served_j=0.0, produced_bit=0.0, returned_bit=0.0, lost_bit=0.0)
        self.mode_prev = MODE_FULL
        self.soc_alarm = False
        self.backlog_alarm = False

        # series
        self.s_gen = np.zeros(self.n)
        self.s_demand = np.zeros(self.n)
        self.s_served = np.zeros(self.n)
        self.s_curtailed = np.zeros(self.n)
        self.s_stored = np.zeros(self.n)
        self.s_capacity = np.zeros(self.n)
        self.s_unit = np.full((len(self.units), self.n), np.nan)
        self.s_mode = np.zeros(self.n, dtype=np.int8)
        self.s_data = np.zeros(self.n)
        self.s_prod = np.zeros(self.n)
        self.s_ret = np.zeros(self.n)
        self.s_lost = np.zeros(self.n)
        self.s_crew = np.zeros(self.n, dtype=np.int16)
        self.s_stock = {c: np.zeros(self.n) for c in CONSUMABLES}
        self.rate_bit = (np.asarray(inputs.downlink_rate_bps, dtype=float) * self.dt).tolist()

    # ------------------------------------------------------------------ helpers
    def log(self, kind: str, subject: str, detail: str = "", time_s: float | None = None) -> None:
        self.events.append(Event(self.env.now if time_s is None else time_s, kind, subject, detail))

    def step_of(self, time_s: float) -> int:
        return min(self.n, max(0, int(math.ceil(time_s / self.dt - 1e-9))))

    def operating(self, name: str | None) -> bool:
        if name is None:
            return True
        k = self.el_index[name]
        return self.active[k] and self.up[k]

    def _configure(self) -> None:
        """Generation, demand ladder and data production for the current discrete state."""
        p = self.params
        gen_parts = [g for a, g in zip(p.solar_arrays, self.array_gen) if self.operating(a.element)]
        self.nuclear_w = sum(u.power_w for u in p.nuclear if self.operating(u.element))
        self.avail = [q for q, k in enumerate(self.unit_el)
                      if self.present[q] and (k is None or (self.active[k] and self.up[k]))]
        self.gen_parts = gen_parts
        base = 0.0  # failed elements keep their survival heaters
        ops = []
        for k, e in enumerate(p.elements):
            if not self.active[k]:
                continue
            if self.up[k]:
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
        self.ladder = ladder
        self.m = len(order)
        # data production (bit/s) per group at each ladder level: an element produces science data
        # while it is in science mode, i.e. for levels j <= its position in the shedding order.
        pos = {e.name: i for i, e in enumerate(order)}
        prod = [[0.0] * len(self.groups) for _ in ladder]
        for x in p.experiments:
            if x.element not in pos:
                continue
            g = self.group_index[(x.owner, x.area)]
            for j in range(0, pos[x.element] + 1):
                prod[j][g] += x.rate_bps * self.dt
        self.prod_levels = prod
        self.prod_tot = [sum(r) for r in prod]
        self.use_per_step = self._use_rates()
        self.dirty = False

    def _use_rates(self) -> dict[str, float]:
        """Net use of each consumable per step (kg): crew × need × (1 − closure), with the closure
        ratio only while a life-support element operates (or when none is modelled)."""
        p, crew = self.params, self.params.crew
        n_crew = len(self.crew_members)
        ls_ok = (not self.has_life_support) or any(
            self.active[k] and self.up[k] for k, e in enumerate(p.elements) if e.role == "life-support")
        out = {}
        for c in CONSUMABLES:
            if crew is None or n_crew == 0:
                out[c] = 0.0
                continue
            closure = crew.closure_ratio.get(c, 0.0) if ls_ok else 0.0
            out[c] = n_crew * crew.need_kg_per_crew_day.get(c, 0.0) * (1.0 - closure) * self.dt / SECONDS_PER_DAY
        return out

    # ------------------------------------------------------------------ continuous integration
    def advance(self, to_step: int) -> None:
        """Integrate steps [self.i, to_step) with the current discrete configuration."""
        i0, i1 = self.i, min(to_step, self.n)
        if i1 <= i0:
            return
        if self.dirty:
            self._configure()
        self._power_and_data(i0, i1)
        self._consumables(i0, i1)
        self.s_crew[i0:i1] = len(self.crew_members)
        self.i = i1

    def _power_and_data(self, i0: int, i1: int) -> None:
        dt = self.dt
        gen = np.full(i1 - i0, float(self.nuclear_w))
        for g in self.gen_parts:
            gen += g[i0:i1]
        gen_l = gen.tolist()
        ladder = self.ladder
        top = ladder[0]
        surv = ladder[-1]
        nlev = len(ladder)
        units = [self.units[q] for q in self.avail]
        single = len(units) == 1
        multi = len(units) > 1
        prod_tot = self.prod_tot
        prod_levels = self.prod_levels
        rate = self.rate_bit
        cap_data = self.params.data_storage_bit
        g_st, g_ret, g_lost, g_prod = self.g_stored, self.g_returned, self.g_lost, self.g_produced
        ng = len(g_st)
        rng_g = range(ng)
        data = self.data_stored
        cap_tot = sum(u[1] for u in units)
        al = self.params.alarms
        soc_lo, soc_hi = al.storage_soc_below, al.storage_soc_below + SOC_HYSTERESIS
        bl_hi = al.data_backlog_above * cap_data
        bl_lo = max(0.0, al.data_backlog_above - SOC_HYSTERESIS) * cap_data  # clears at or below
        mode_prev = self.mode_prev
        m = self.m
        s_sci, s_nom = self.params.shed_science_below, self.params.shed_nominal_below
        usable_cap = sum(u[1] - u[2] for u in units)
        served_l, curt_l, stored_l, mode_l = [], [], [], []
        data_l, prod_l, ret_l, lost_l = [], [], [], []
        unit_l = []
        curtailed_sum = losses_sum = ens_surv = 0.0
        if single:
            u = units[0]
            E, capE, floor, eta_c, eta_d, pmax = u
        for k in range(i1 - i0):
            i = i0 + k
            g = gen_l[k]
            # --- power
            if g >= top:  # generation alone serves every load in science mode
                j, served, mode = 0, top, MODE_FULL
            else:
                if single:
                    avail = (E - floor) * eta_d / dt
                    if avail > pmax:
                        avail = pmax
                    if avail < 0.0:
                        avail = 0.0
                    usable = E - floor
                else:
                    avail = usable = 0.0
                    for u in units:
                        a = (u[0] - u[2]) * u[4] / dt
                        avail += (u[5] if a > u[5] else a) if a > 0.0 else 0.0
                        usable += u[0] - u[2]
                supply = g + avail
                if supply < surv:
                    j, served, mode = nlev - 1, supply, MODE_FAILURE
                    ens_surv += (surv - supply) * dt
                else:
                    # policy: shed by usable state of charge (bands, priority order)
                    frac = usable / usable_cap if usable_cap > 0.0 else 0.0
                    if frac >= s_sci or m == 0:
                        jp = 0
                    elif frac >= s_nom:
                        jp = min(m, max(1, math.ceil((s_sci - frac) / (s_sci - s_nom) * m)))
                    else:
                        jp = 2 * m
                    jg = 1  # first level that generation alone covers: no need to shed below it
                    while jg < nlev - 1 and ladder[jg] > g:
                        jg += 1
                    j = jp if jp < jg else jg
                    while ladder[j] > supply:  # power/energy limit
                        j += 1
                    served = ladder[j]
                    mode = MODE_FULL if j == 0 else (MODE_SURVIVAL if j == nlev - 1 else MODE_SHEDDING)
            net = g - served
            if net >= 0.0:
                if single:
                    p = (capE - E) / (eta_c * dt)
                    if p > pmax:
                        p = pmax
                    if p > net:
                        p = net
                    if p > 0.0:
                        E += p * eta_c * dt
                        losses_sum += p * (1.0 - eta_c) * dt
                        net -= p
                else:
                    for u in units:
                        if net <= 0.0:
                            break
                        p = min(net, u[5], (u[1] - u[0]) / (u[3] * dt))
                        if p > 0.0:
                            u[0] += p * u[3] * dt
                            losses_sum += p * (1.0 - u[3]) * dt
                            net -= p
                curt = net * dt
                curtailed_sum += curt
            else:
                d = -net
                curt = 0.0
                if single:
                    E -= d * dt / eta_d
                    losses_sum += d * dt * (1.0 / eta_d - 1.0)
                    if E < floor:  # rounding only
                        E = floor
                else:
                    for u in units:
                        if d <= 0.0:
                            break
                        a = (u[0] - u[2]) * u[4] / dt
                        p = min(d, u[5], a if a > 0.0 else 0.0)
                        if p > 0.0:
                            u[0] -= p * dt / u[4]
                            losses_sum += p * dt * (1.0 / u[4] - 1.0)
                            d -= p
            if multi:
                unit_e = [u[0] for u in units]
                unit_l.append(unit_e)
                stored = sum(unit_e)
            else:
                stored = E if single else 0.0
            served_l.append(served)
            curt_l.append(curt)
            stored_l.append(stored)
            mode_l.append(mode)
            if mode != mode_prev:
                t = i * dt
                if mode > mode_prev:
                    kind = ("load-shedding", "survival-mode", "survival-failure")[mode - 1]
                    self.events.append(Event(t, kind, "station", f"served {served:.0f} W of {top:.0f} W"))
                elif mode == MODE_FULL:
                    self.events.append(Event(t, "power-restored", "station", f"{top:.0f} W served"))
                mode_prev = mode
            if cap_tot > 0.0:
                soc = stored / cap_tot
                if not self.soc_alarm and soc < soc_lo:
                    self.soc_alarm = True
                    self.events.append(Event(i * dt, "alarm", "storage", f"state of charge {soc:.2f} < {soc_lo:.2f}"))
                elif self.soc_alarm and soc > soc_hi:
                    self.soc_alarm = False
                    self.events.append(Event(i * dt, "alarm-cleared", "storage", f"state of charge {soc:.2f}"))
            # --- data
            pt = prod_tot[j] if mode != MODE_FAILURE else 0.0
            total = data + pt
            r = rate[i]
            if total <= 0.0:
                prod_l.append(0.0); ret_l.append(0.0); lost_l.append(0.0); data_l.append(0.0)
                data = 0.0
                if self.backlog_alarm:  # an empty store always clears the backlog alarm
                    self.backlog_alarm = False
                    self.events.append(Event(i * dt, "alarm-cleared", "data-storage", "backlog 0.00"))
                continue
            if pt > 0.0:
                row = prod_levels[j]
                for q in rng_g:
                    x = row[q]
                    g_st[q] += x
                    g_prod[q] += x
            if r >= total:  # the link empties the store
                for q in rng_g:
                    g_ret[q] += g_st[q]
                    g_st[q] = 0.0
                ret, lost, data = total, 0.0, 0.0
            else:
                ret = r
                lost = total - r - cap_data
                if lost < 0.0:
                    lost = 0.0
                keep = (total - ret - lost) / total
                if ret > 0.0 or lost > 0.0:
                    fr, fl = ret / total, lost / total
                    for q in rng_g:
                        s = g_st[q]
                        g_ret[q] += s * fr
                        g_lost[q] += s * fl
                        g_st[q] = s * keep
                data = total - ret - lost
            prod_l.append(pt); ret_l.append(ret); lost_l.append(lost); data_l.append(data)
            if not self.backlog_alarm and data > bl_hi:
                self.backlog_alarm = True
                self.events.append(Event(i * dt, "alarm", "data-storage", f"backlog {data / cap_data:.2f} of capacity"))
            elif self.backlog_alarm and data <= bl_lo:
                self.backlog_alarm = False
                self.events.append(Event(i * dt, "alarm-cleared", "data-storage", f"backlog {data / cap_data:.2f}"))
        if single:
            units[0][0] = E
        self.mode_prev = mode_prev
        self.data_stored = data
        sl = slice(i0, i1)
        self.s_gen[sl] = gen
        self.s_demand[sl] = top
        self.s_served[sl] = served_l
        self.s_curtailed[sl] = np.asarray(curt_l) / dt
        self.s_stored[sl] = stored_l
        self.s_capacity[sl] = cap_tot
        if multi:
            self.s_unit[self.avail, sl] = np.asarray(unit_l).T
        elif single:
            self.s_unit[self.avail[0], sl] = stored_l
        for q, u in enumerate(self.units):  # on site but frozen (its element is down): constant
            if self.present[q] and q not in self.avail:
                self.s_unit[q, sl] = u[0]
        self.s_mode[sl] = mode_l
        self.s_data[sl] = data_l
        self.s_prod[sl] = prod_l
        self.s_ret[sl] = ret_l
        self.s_lost[sl] = lost_l
        t = self.tot
        t["generated_j"] += float(gen.sum()) * dt
        t["demand_j"] += top * dt * (i1 - i0)
        t["served_j"] += float(np.sum(served_l)) * dt
        t["curtailed_j"] += curtailed_sum
        t["losses_j"] += losses_sum
        t["survival_not_served_j"] += ens_surv

    def _consumables(self, i0: int, i1: int) -> None:
        """Stocks fall linearly while the crew and closure are constant (closed form per segment)."""
        n = i1 - i0
        k = np.arange(1, n + 1)
        margin = self.params.alarms.consumable_margin_days
        for c in CONSUMABLES:
            u = self.use_per_step[c]
            s0 = self.stock[c]
            if u <= 0.0:
                self.s_stock[c][i0:i1] = s0
                continue
            need = u * n
            self.s_stock[c][i0:i1] = np.maximum(0.0, s0 - u * k)
            used = min(s0, need)
            self.used[c] += used
            self.unmet[c] += need - used
            s1 = s0 - used
            per_day = u * SECONDS_PER_DAY / self.dt
            if not self.consumable_alarm[c] and s1 < margin * per_day:
                # first step whose end-of-step stock lasts fewer than `margin` days
                k_alarm = max(0, int(math.ceil((s0 - margin * per_day) / u)) - 1)
                self.consumable_alarm[c] = True
                self.log("alarm", c, f"stock lasts < {margin:g} days at {per_day:.2f} kg/day",
                         time_s=(i0 + min(k_alarm, n - 1)) * self.dt)
            if not self.exhausted[c] and need > s0:
                self.exhausted[c] = True
                k_out = int(math.floor(s0 / u))
                self.log("consumable-exhausted", c, "stock is empty; crew needs not met",
                         time_s=(i0 + min(k_out, n - 1)) * self.dt)
            self.stock[c] = s1

    # ------------------------------------------------------------------ discrete processes
    def sync(self) -> None:
        """Integrate up to the current simulation time before a discrete change."""
        self.n_discrete += 1
        self.advance(self.step_of(self.env.now))
        self.dirty = True

    def _activation(self, k: int, t: float):
        yield self.env.timeout(t)
        self.sync()
        self.active[k] = True
        for q, kq in enumerate(self.unit_el):
            if kq == k and not self.present[q]:
                s = self.params.storage[q]
                self.present[q] = True
                self.units[q][0] = s.capacity_j * s.initial_soc
                self.storage_arrived_j += self.units[q][0]
        self.log("activation", self.params.elements[k].name)

    def _retirement(self, k: int, t: float):
        yield self.env.timeout(t)
        self.sync()
        self.active[k] = False
        self.retired[k] = True
        for q, kq in enumerate(self.unit_el):
            if kq == k and self.present[q]:
                self.present[q] = False
                self.storage_retired_j += self.units[q][0]
                self.units[q][0] = 0.0
        if self.down_since[k] is not None:  # a pending repair ends with the element: no downtime after it
            self.down_s[k] += self.env.now - self.down_since[k]
            self.down_since[k] = None
        self.log("end-of-life", self.params.elements[k].name)

    def _failures(self, k: int):
        e = self.params.elements[k]
        fm = e.failure
        env = self.env
        start = self.activation_s[e.name]
        if start > env.now:
            yield env.timeout(start - env.now)
        while True:
            ttf = fm.draw_time_to_failure_s(self.rng)
            if not math.isfinite(ttf):
                return
            yield env.timeout(ttf)
            if env.now >= self.end_s[e.name]:
                return
            self.sync()
            self.up[k] = False
            self.down_since[k] = env.now
            self.n_failures[k] += 1
            self.log("failure", e.name, f"spares on site: {self.spares[k]}")
            while self.spares[k] <= 0:
                self.log("spares-wait", e.name, "no spare on site")
                yield self.spare_arrived[k]
                if self.retired[k]:
                    return
            while not self.crew_members and fm.repair_s_robot is None:
                self.log("crew-wait", e.name, "repair needs a crew")
                yield self.crew_arrived
                if self.retired[k]:
                    return
            by_crew = bool(self.crew_members)
            duration = fm.repair_s_crew if by_crew else fm.repair_s_robot
            if env.now + duration >= self.end_s[e.name]:  # the element reaches its end of life first
                return
            self.spares[k] -= 1
            self.log("repair-start", e.name, f"by {'crew' if by_crew else 'robot'}, {duration / 3600:.0f} h")
            yield env.timeout(duration)
            self.sync()
            self.up[k] = True
            self.down_s[k] += env.now - self.down_since[k]
            self.down_since[k] = None
            self.n_repairs[k] += 1
            self.log("repair", e.name, f"spares left: {self.spares[k]}")

    def _stay(self, stay: CrewStay, flown: list[str], replaced: list[str]):
        env = self.env
        if stay.arrival_s > env.now:
            yield env.timeout(stay.arrival_s - env.now)
        self.sync()
        self.crew_members.extend(flown)
        detail = f"crew {len(flown)}: {', '.join(flown)}"
        if replaced:
            detail += f"; untrained {', '.join(replaced)} replaced by {self.params.crew.substitute_partner}"
        self.log("crew-arrival", "crew", detail)
        ev, self.crew_arrived = self.crew_arrived, env.event()
        ev.succeed()
        if stay.departure_s > env.now:
            yield env.timeout(stay.departure_s - env.now)
        self.sync()
        for m in flown:
            self.crew_members.remove(m)
        self.log("crew-departure", "crew", f"crew {len(flown)}")
        if not self.crew_members:  # nobody consumes: stocks last indefinitely
            for c in CONSUMABLES:
                if self.consumable_alarm[c]:
                    self.consumable_alarm[c] = False
                    self.log("alarm-cleared", c, "no crew on site")

    def _delivery(self, d):
        if d.time_s > self.env.now:
            yield self.env.timeout(d.time_s - self.env.now)
        self.sync()
        parts = []
        for c, kg in d.consumables_kg.items():
            if c not in self.stock:
                raise InputError(f"unknown consumable {c!r}", field="deliveries", allowed=list(CONSUMABLES))
            self.stock[c] += kg
            self.delivered[c] += kg
            parts.append(f"{c} {kg:g} kg")
            margin = self.params.alarms.consumable_margin_days
            per_day = self._use_rates()[c] * SECONDS_PER_DAY / self.dt
            if self.consumable_alarm[c] and (per_day == 0.0 or self.stock[c] >= margin * per_day):
                self.consumable_alarm[c] = False
                self.log("alarm-cleared", c, f"stock {self.stock[c]:.0f} kg")
            if self.stock[c] > 0:
                self.exhausted[c] = False
        for name, count in d.spares.items():
            k = self.el_index.get(name)
            if k is None:
                raise InputError(f"spares for unknown element {name!r}", field="deliveries",
                                 allowed=list(self.el_index))
            self.spares[k] += count
            parts.append(f"{count} spare(s) for {name}")
            ev, self.spare_arrived[k] = self.spare_arrived[k], self.env.event()
            ev.succeed()
        self.log("delivery", "logistics", ", ".join(parts) or "nothing")

    # ------------------------------------------------------------------ run
    def run(self) -> OperationsResult:
        env = self.env
        horizon = self.n * self.dt
        for k, e in enumerate(self.params.elements):
            t = self.activation_s[e.name]
            if 0.0 < t < horizon and t < self.end_s[e.name]:
                env.process(self._activation(k, t))
            t_end = self.end_s[e.name]
            if max(t, 0.0) < t_end < horizon:
                env.process(self._retirement(k, t_end))
            if e.failure is not None and e.failure.distribution != "none" and t < min(horizon, t_end) and t_end > 0.0:
                env.process(self._failures(k))
        crews = effective_crews(self.inputs.crew_stays, self.params)
        for stay, flown, replaced in crews:
            if stay.arrival_s < horizon and stay.departure_s > 0:
                env.process(self._stay(stay, flown, replaced))
        for d in self.inputs.deliveries:
            if d.time_s < horizon:
                env.process(self._delivery(d))
        env.run(until=horizon)
        self.advance(self.n)
        for k in range(len(self.params.elements)):
            if self.down_since[k] is not None:
                name = self.params.elements[k].name
                self.down_s[k] += max(0.0, min(horizon, self.end_s[name]) - self.down_since[k])
        self.events.sort(key=lambda ev: ev.time_s)
        return self._result(crews)

    def _result(self, crews) -> OperationsResult:
        p, dt, horizon = self.params, self.dt, self.n * self.dt
        series = {
            "generated_w": self.s_gen, "demand_w": self.s_demand, "served_w": self.s_served,
            "curtailed_w": self.s_curtailed, "stored_energy_j": self.s_stored,
            "storage_capacity_j": self.s_capacity,
            "soc": np.divide(self.s_stored, self.s_capacity, out=np.full(self.n, np.nan), where=self.s_capacity > 0),
            **{f"storage_{s.name}_j": self.s_unit[q] for q, s in enumerate(p.storage)},
            "mode": self.s_mode, "data_stored_bit": self.s_data, "data_produced_bit": self.s_prod,
            "data_returned_bit": self.s_ret, "data_lost_bit": self.s_lost, "crew": self.s_crew,
            **{f"stock_{c}_kg": self.s_stock[c] for c in CONSUMABLES},
        }
        t = dict(self.tot)
        t["produced_bit"] = float(self.s_prod.sum())
        t["returned_bit"] = float(self.s_ret.sum())
        t["lost_bit"] = float(self.s_lost.sum())
        t["data_stored_final_bit"] = float(self.data_stored)
        t["stored_initial_j"] = self.stored_initial_j
        t["stored_final_j"] = float(sum(u[0] for u in self.units))
        t["storage_arrived_j"] = self.storage_arrived_j
        t["storage_retired_j"] = self.storage_retired_j
        t["not_served_j"] = t["demand_j"] - t["served_j"]
        t["data_groups"] = [
            {"owner": o, "area": a, "produced_bit": self.g_produced[q], "returned_bit": self.g_returned[q],
             "lost_bit": self.g_lost[q], "stored_bit": self.g_stored[q]}
            for q, (o, a) in enumerate(self.groups)]
        t["consumables"] = {c: {"initial_kg": self.stock_initial[c], "delivered_kg": self.delivered[c],
                                "used_kg": self.used[c], "unmet_kg": self.unmet[c], "final_kg": self.stock[c]}
                            for c in CONSUMABLES}
        elements = {}
        for k, e in enumerate(p.elements):
            t_act = min(max(0.0, self.activation_s[e.name]), horizon)
            active_s = max(0.0, min(horizon, self.end_s[e.name]) - t_act)
            elements[e.name] = {"owner": e.owner, "active_s": active_s, "down_s": self.down_s[k],
                                "failures": self.n_failures[k], "repairs": self.n_repairs[k],
                                "spares_left": self.spares[k]}
        t["elements"] = elements
        crew_days: dict[str, float] = {}
        substitutions = 0
        for stay, flown, replaced in crews:
            a, b = max(0.0, stay.arrival_s), min(horizon, stay.departure_s)
            if b <= a:
                continue
            substitutions += len(replaced)
            for m in flown:
                crew_days[m] = crew_days.get(m, 0.0) + (b - a) / SECONDS_PER_DAY
        t["crew_days"] = crew_days
        t["crew_substitutions"] = substitutions
        return OperationsResult(start=self.inputs.start, step_s=dt, n_steps=self.n, series=series,
                                events=self.events, totals=t, n_sim_events=self.n_discrete)


def simulate_operations(inputs: OperationsInputs, params: OperationsParams,
                        rng: np.random.Generator | None = None) -> OperationsResult:
    """Run the station over the input grid; pure: the same inputs, params and generator state give
    the same result. ``rng`` draws the failure times (required when any element has a failure
    model)."""
    if rng is None:
        if any(e.failure is not None and e.failure.distribution != "none" for e in params.elements):
            raise InputError("failure models need an explicit numpy.random.Generator", field="rng")
        rng = np.random.default_rng(0)  # never drawn from
    return _Station(inputs, params, rng).run()
