"""The operations engine: discrete events in SimPy, continuous quantities stepped on the input grid.

Discrete events — element activations, failures, repairs, crew arrivals and departures,
deliveries — are SimPy processes (Matloff's "process-oriented" discrete-event simulation, the
model of :mod:`simpy`). Between two events the discrete configuration (which elements operate,
how many crew members are present) is constant, and the continuous state is advanced step by step
over the precomputed arrays of :class:`~ilrs.operations.model.OperationsInputs` (generation, link
rate): nothing geometric is recomputed inside the loop. The models of each step live beside this
module: :mod:`~ilrs.operations.power` (generation, load ladder, shedding and dispatch — the
HOMER-style energy balance), :mod:`~ilrs.operations.storage` (units and their elements),
:mod:`~ilrs.operations.datastore` (science data and downlink), :mod:`~ilrs.operations.crew`
(who flies, consumables); spares and crew presence are :class:`~ilrs.operations.stock.Stock`
containers.

Over a run: ``generated = served + losses + curtailed + (E_final − E_initial) − storage_arrived
+ storage_retired`` (a storage unit arrives and leaves with its element).

Time resolution: a discrete change (activation, failure, arrival …) takes effect from the first
step that starts at or after it; failure and repair times themselves are exact (logged in seconds).
Events are logged in the order they happen and sorted (stably) by time at the end, so events of
the same instant keep that order: discrete changes first, then per step the power mode, the
storage alarm, the data alarms and the consumables.
"""

from __future__ import annotations

import math

import numpy as np
import simpy

from ilrs.constants import SECONDS_PER_HOUR
from ilrs.errors import InputError
from ilrs.operations.crew import Consumables, crew_days, effective_crews
from ilrs.operations.datastore import DataStore
from ilrs.operations.model import (
    CONSUMABLES,
    MODE_FULL,
    CrewStay,
    Delivery,
    Event,
    OperationsInputs,
    OperationsParams,
    OperationsResult,
)
from ilrs.operations.power import (
    PowerSteps,
    SheddingPolicy,
    dispatch,
    load_ladder,
    mode_events,
    soc_alarm_events,
    solar_generation_w,
)
from ilrs.operations.stock import Stock
from ilrs.operations.storage import StorageBank

__all__ = ["simulate_operations"]


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
        self._index_elements()
        self.array_gen = solar_generation_w(inputs, params, self.activation_s)
        self.storage = StorageBank(params.storage, self.el_index, self.active, self.n)
        self.data = DataStore(params.experiments, params.data_storage_bit, self.n)
        self.crew_on_site = Stock(self.env)
        self.consumables = Consumables(params.crew, params.alarms.consumable_margin_days, self.n, self.dt)
        self.has_life_support = any(e.role == "life-support" for e in params.elements)
        self.policy = SheddingPolicy(params.shed_science_below, params.shed_nominal_below)
        self.tot = dict(generated_j=0.0, demand_j=0.0, served_j=0.0, curtailed_j=0.0, losses_j=0.0,
                        survival_not_served_j=0.0, produced_bit=0.0, returned_bit=0.0, lost_bit=0.0)
        self.mode_prev = MODE_FULL
        self.soc_alarm = False
        self.s_gen = np.zeros(self.n)
        self.s_demand = np.zeros(self.n)
        self.s_served = np.zeros(self.n)
        self.s_curtailed = np.zeros(self.n)
        self.s_stored = np.zeros(self.n)
        self.s_capacity = np.zeros(self.n)
        self.s_mode = np.zeros(self.n, dtype=np.int8)
        self.s_crew = np.zeros(self.n, dtype=np.int16)
        self.rate_bit = (np.asarray(inputs.downlink_rate_bps, dtype=float) * self.dt).tolist()

    def _index_elements(self) -> None:
        """Check element names and references; each element's dates, state and spares on site."""
        p, inputs = self.params, self.inputs
        names = [e.name for e in p.elements]
        if len(set(names)) != len(names):
            raise InputError("element names must be unique", field="elements")
        self.el_index = {e.name: k for k, e in enumerate(p.elements)}
        for a in inputs.activations:
            if a.element not in self.el_index:
                raise InputError(f"activation of unknown element {a.element!r}", field="activations",
                                 allowed=names)
        act = {a.element: a.time_s for a in inputs.activations}
        ends = {a.element: a.end_s for a in inputs.activations}
        self.activation_s = {e.name: float(act.get(e.name, 0.0)) for e in p.elements}
        self.end_s = {e.name: float(ends.get(e.name, math.inf)) for e in p.elements}
        # operating at the grid start: activated at or before it and not yet retired
        self.active = [self.activation_s[e.name] <= 0.0 < self.end_s[e.name] for e in p.elements]
        self.retired = [self.end_s[e.name] <= 0.0 for e in p.elements]
        self.up = [True] * len(p.elements)
        self.down_since: list[float | None] = [None] * len(p.elements)
        self.down_s = [0.0] * len(p.elements)
        self.n_failures = [0] * len(p.elements)
        self.n_repairs = [0] * len(p.elements)
        self.spares = [Stock(self.env, e.failure.spares if e.failure else 0) for e in p.elements]
        for what, owner in ([("solar_arrays", a.element) for a in p.solar_arrays]
                            + [("storage", s.element) for s in p.storage]
                            + [("nuclear", u.element) for u in p.nuclear]
                            + [("experiments", x.element) for x in p.experiments]):
            if owner is not None and owner not in self.el_index:
                raise InputError(f"element {owner!r} is not in the parameters", field=what, allowed=names)

    # ------------------------------------------------------------------ helpers
    def log(self, kind: str, subject: str, detail: str = "", time_s: float | None = None) -> None:
        self.events.append(Event(self.env.now if time_s is None else time_s, kind, subject, detail))

    def step_of(self, time_s: float) -> int:
        return min(self.n, max(0, int(math.ceil(time_s / self.dt - 1e-9))))

    def element_operates(self, k: int) -> bool:
        return self.active[k] and self.up[k]

    def operating(self, name: str | None) -> bool:
        return name is None or self.element_operates(self.el_index[name])

    def _configure(self) -> None:
        """Generation, demand ladder and data production for the current discrete state."""
        p = self.params
        self.gen_parts = [g for a, g in zip(p.solar_arrays, self.array_gen) if self.operating(a.element)]
        self.nuclear_w = sum(u.power_w for u in p.nuclear if self.operating(u.element))
        self.usable = self.storage.usable(self.element_operates)
        self.ladder = load_ladder(p.elements, self.active, self.up)
        self.prod_levels = self.data.production_bit(self.ladder.order, len(self.ladder.levels_w), self.dt)
        self.use_per_step = self._use_rates()
        self.dirty = False

    def _use_rates(self) -> dict[str, float]:
        """Net use of each consumable per step (kg), with the closure ratio only while a
        life-support element operates (or when none is modelled)."""
        ls_ok = (not self.has_life_support) or any(
            self.element_operates(k) for k, e in enumerate(self.params.elements) if e.role == "life-support")
        return self.consumables.use_per_step_kg(self.crew_on_site.level, ls_ok)

    # ------------------------------------------------------------------ continuous integration
    def advance(self, to_step: int) -> None:
        """Integrate steps [self.i, to_step) with the current discrete configuration."""
        i0, i1 = self.i, min(to_step, self.n)
        if i1 <= i0:
            return
        if self.dirty:
            self._configure()
        steps = self._power(i0, i1)
        self.data.advance(i0, steps.level, steps.mode, self.rate_bit[i0:i1], self.prod_levels,
                          self.params.alarms, self.events, self.dt)
        self.consumables.deplete(i0, i1, self.use_per_step, self.log)
        self.s_crew[i0:i1] = self.crew_on_site.level
        self.i = i1

    def _power(self, i0: int, i1: int) -> PowerSteps:
        """Dispatch steps [i0, i1); log mode changes and storage alarms; record series and totals."""
        dt = self.dt
        gen = np.full(i1 - i0, float(self.nuclear_w))
        for g in self.gen_parts:
            gen += g[i0:i1]
        units = [self.storage.units[q] for q in self.usable]
        cap_tot = sum(u.capacity_j for u in units)
        top = self.ladder.levels_w[0]
        steps = dispatch(gen.tolist(), self.ladder, units, self.policy, dt)
        # same-step order of the log: mode change, then storage alarm (then data, consumables)
        events, self.mode_prev = mode_events(steps.mode, steps.served_w, top, i0, dt, self.mode_prev)
        self.events += events
        events, self.soc_alarm = soc_alarm_events(steps.stored_j, cap_tot, i0, dt, self.soc_alarm,
                                                  self.params.alarms.storage_soc_below)
        self.events += events
        sl = slice(i0, i1)
        self.s_gen[sl] = gen
        self.s_demand[sl] = top
        self.s_served[sl] = steps.served_w
        self.s_curtailed[sl] = np.asarray(steps.curtailed_j) / dt
        self.s_stored[sl] = steps.stored_j
        self.s_capacity[sl] = cap_tot
        self.s_mode[sl] = steps.mode
        self.storage.record(sl, self.usable, steps.unit_j, steps.stored_j)
        t = self.tot
        t["generated_j"] += float(gen.sum()) * dt
        t["demand_j"] += top * dt * (i1 - i0)
        t["served_j"] += float(np.sum(steps.served_w)) * dt
        t["curtailed_j"] += steps.curtailed_sum_j
        t["losses_j"] += steps.losses_j
        t["survival_not_served_j"] += steps.survival_not_served_j
        return steps

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
        self.storage.arrive(k)
        self.log("activation", self.params.elements[k].name)

    def _retirement(self, k: int, t: float):
        yield self.env.timeout(t)
        self.sync()
        self.active[k] = False
        self.retired[k] = True
        self.storage.retire(k)
        if self.down_since[k] is not None:  # a pending repair ends with the element: no downtime after it
            self.down_s[k] += self.env.now - self.down_since[k]
            self.down_since[k] = None
        self.log("end-of-life", self.params.elements[k].name)

    def _failures(self, k: int):
        """Failures of element ``k`` (a renewal process: draw, fail, wait for a spare and, for a
        crew-only repair, a crew; repair; draw again) until its end of life."""
        e = self.params.elements[k]
        fm = e.failure
        env, spares, crew = self.env, self.spares[k], self.crew_on_site
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
            self.log("failure", e.name, f"spares on site: {spares.level}")
            while spares.level <= 0:
                self.log("spares-wait", e.name, "no spare on site")
                yield spares.restocked()
                if self.retired[k]:
                    return
            while not crew.level and fm.repair_s_robot is None:
                self.log("crew-wait", e.name, "repair needs a crew")
                yield crew.restocked()
                if self.retired[k]:
                    return
            by_crew = bool(crew.level)
            duration = fm.repair_s_crew if by_crew else fm.repair_s_robot
            if env.now + duration >= self.end_s[e.name]:  # the element reaches its end of life first
                return
            spares.take(1)  # the spare is used when the repair starts
            self.log("repair-start", e.name, f"by {'crew' if by_crew else 'robot'}, {duration / SECONDS_PER_HOUR:.0f} h")
            yield env.timeout(duration)
            self.sync()
            self.up[k] = True
            self.down_s[k] += env.now - self.down_since[k]
            self.down_since[k] = None
            self.n_repairs[k] += 1
            self.log("repair", e.name, f"spares left: {spares.level}")

    def _stay(self, stay: CrewStay, flown: list[str], replaced: list[str]):
        env = self.env
        if stay.arrival_s > env.now:
            yield env.timeout(stay.arrival_s - env.now)
        self.sync()
        self.crew_on_site.add(len(flown))  # wakes repairs waiting for a crew
        detail = f"crew {len(flown)}: {', '.join(flown)}"
        if replaced:
            detail += f"; untrained {', '.join(replaced)} replaced by {self.params.crew.substitute_partner}"
        self.log("crew-arrival", "crew", detail)
        if stay.departure_s > env.now:
            yield env.timeout(stay.departure_s - env.now)
        self.sync()
        self.crew_on_site.take(len(flown))
        self.log("crew-departure", "crew", f"crew {len(flown)}")
        if not self.crew_on_site.level:
            self.consumables.nobody_on_site(self.log)

    def _delivery(self, d: Delivery):
        if d.time_s > self.env.now:
            yield self.env.timeout(d.time_s - self.env.now)
        self.sync()
        parts = self.consumables.deliver(d.consumables_kg, self._use_rates(), self.log)
        for name, count in d.spares.items():
            k = self.el_index.get(name)
            if k is None:
                raise InputError(f"spares for unknown element {name!r}", field="deliveries",
                                 allowed=list(self.el_index))
            if count < 0:
                raise InputError(f"negative number of spares for {name!r}", field="deliveries")
            self.spares[k].add(count)  # wakes a repair waiting for a spare
            parts.append(f"{count} spare(s) for {name}")
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
        self.events.sort(key=lambda ev: ev.time_s)  # stable: same-time events keep their order
        return self._result(crews)

    def _series(self) -> dict[str, np.ndarray]:
        p, data = self.params, self.data
        return {
            "generated_w": self.s_gen, "demand_w": self.s_demand, "served_w": self.s_served,
            "curtailed_w": self.s_curtailed, "stored_energy_j": self.s_stored,
            "storage_capacity_j": self.s_capacity,
            "soc": np.divide(self.s_stored, self.s_capacity, out=np.full(self.n, np.nan), where=self.s_capacity > 0),
            **{f"storage_{s.name}_j": self.storage.series_j[q] for q, s in enumerate(p.storage)},
            "mode": self.s_mode, "data_stored_bit": data.s_stored_bit, "data_produced_bit": data.s_produced_bit,
            "data_returned_bit": data.s_returned_bit, "data_lost_bit": data.s_lost_bit, "crew": self.s_crew,
            **{f"stock_{c}_kg": self.consumables.s_stock_kg[c] for c in CONSUMABLES},
        }

    def _result(self, crews) -> OperationsResult:
        p, horizon, data = self.params, self.n * self.dt, self.data
        t = dict(self.tot)
        t["produced_bit"] = float(data.s_produced_bit.sum())
        t["returned_bit"] = float(data.s_returned_bit.sum())
        t["lost_bit"] = float(data.s_lost_bit.sum())
        t["data_stored_final_bit"] = float(data.total_bit)
        t["stored_initial_j"] = self.storage.initial_j
        t["stored_final_j"] = float(self.storage.stored_j())
        t["storage_arrived_j"] = self.storage.arrived_j
        t["storage_retired_j"] = self.storage.retired_j
        t["not_served_j"] = t["demand_j"] - t["served_j"]
        t["data_groups"] = data.group_rows()
        t["consumables"] = self.consumables.totals()
        elements = {}
        for k, e in enumerate(p.elements):
            t_act = min(max(0.0, self.activation_s[e.name]), horizon)
            active_s = max(0.0, min(horizon, self.end_s[e.name]) - t_act)
            elements[e.name] = {"owner": e.owner, "active_s": active_s, "down_s": self.down_s[k],
                                "failures": self.n_failures[k], "repairs": self.n_repairs[k],
                                "spares_left": self.spares[k].level}
        t["elements"] = elements
        t["crew_days"], t["crew_substitutions"] = crew_days(crews, horizon)
        return OperationsResult(start=self.inputs.start, step_s=self.dt, n_steps=self.n, series=self._series(),
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
