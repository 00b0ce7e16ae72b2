"""Benchmark: ten years of station operations at 1 h for the reference scenario.

ours : ilrs.operations.simulate_operations — SimPy for discrete events only, the continuous
       state advanced between events in a tight loop over precomputed arrays.
peer : the naive design measured side by side — one SimPy process waking every step, reading the
       numpy arrays element by element, rebuilding the load ladder and generation each step
       (same physics and dispatch rule, no failures so that both runs are deterministic).

Prints the headline (steps per second of the real run, failures on; aim: ten years at 1 h in
<= 3 s on one core), events per second, the ours/peer speed ratio measured in the same run, and
the agreement of the totals (energy, storage, data, consumables) between the two implementations.

    .venv/bin/python bench/bench_operations.py [--years 10]
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import time

import numpy as np
import simpy

from ilrs.constants import SECONDS_PER_DAY
from ilrs.operations import kpis, simulate_operations
from ilrs.operations.crew import effective_crews
from ilrs.operations.model import CONSUMABLES, SECONDS_PER_YEAR
from ilrs.scenario import load_scenario


def naive(inputs, params):
    """Per-step SimPy loop, pure Python, recomputing everything each step."""
    env = simpy.Environment()
    n, dt = inputs.n_steps, inputs.step_s
    act = {a.element: (a.time_s, a.end_s) for a in inputs.activations}
    # storage: on site while its element is (arrives holding initial_soc, leaves at end of life)
    units = [[0.0, s, False] for s in params.storage]
    arrived = [0.0]
    retired = [0.0]
    crews = effective_crews(inputs.crew_stays, params)
    tot = dict(gen=0.0, served=0.0, curt=0.0, loss=0.0, prod=0.0, ret=0.0, lost=0.0)
    used = {c: 0.0 for c in CONSUMABLES}
    stock = {c: params.crew.initial_stock_kg.get(c, 0.0) for c in CONSUMABLES}
    deliveries = sorted(inputs.deliveries, key=lambda d: d.time_s)
    data = [0.0]
    ev = [0]

    def alive(name, t):
        if name is None:
            return True
        a, b = act.get(name, (0.0, math.inf))
        return a <= t < b

    def tick():
        di = 0
        for i in range(n):
            t = i * dt
            while di < len(deliveries) and deliveries[di].time_s <= t:
                for c, kg in deliveries[di].consumables_kg.items():
                    stock[c] += kg
                di += 1
            for u in units:
                here = alive(u[1].element, t)
                if here and not u[2]:
                    u[0] = u[1].capacity_j * u[1].initial_soc
                    if i > 0:
                        arrived[0] += u[0]
                elif u[2] and not here:
                    retired[0] += u[0]
                    u[0] = 0.0
                u[2] = here
            g = 0.0
            for a in params.solar_arrays:
                if alive(a.element, t):
                    years = max(0.0, t + dt / 2 - act.get(a.element, (0.0,))[0] if a.element else t + dt / 2) / SECONDS_PER_YEAR
                    vsf = (inputs.visible_solar_fraction if a.mast_height_m is None
                           else inputs.visible_solar_fraction_at_mast_m[a.mast_height_m])
                    g += (a.area_m2 * a.efficiency * float(inputs.solar_irradiance_w_m2[i])
                          * min(1.0, max(0.0, float(vsf[i])))
                          * math.cos(math.radians(float(inputs.sun_elevation_deg[i])))
                          * (1.0 - a.degradation_per_year) ** years)
            for u in params.nuclear:
                if alive(u.element, t):
                    g += u.power_w
            ops = sorted([e for e in params.elements if alive(e.name, t)], key=lambda e: (-e.priority, e.name))
            ladder = [sum(e.science_w for e in ops)]
            for e in ops:
                ladder.append(ladder[-1] + e.nominal_w - e.science_w)
            for e in ops:
                ladder.append(ladder[-1] + e.survival_w - e.nominal_w)
            m = len(ops)
            on = [u for u in units if u[2]]
            avail = sum(max(0.0, min(s.max_power_w or math.inf, (E - s.floor_j) * s.discharge_efficiency / dt))
                        for E, s, _ in on)
            usable = sum(E - s.floor_j for E, s, _ in on)
            ucap = sum(s.capacity_j - s.floor_j for _, s, _ in on)
            if g >= ladder[0]:
                j = 0
            elif g + avail < ladder[-1]:
                j = None
            else:
                frac = usable / ucap if ucap > 0 else 0.0
                if frac >= params.shed_science_below or m == 0:
                    jp = 0
                elif frac >= params.shed_nominal_below:
                    jp = min(m, max(1, math.ceil((params.shed_science_below - frac)
                                                 / (params.shed_science_below - params.shed_nominal_below) * m)))
                else:
                    jp = 2 * m
                jg = next(k for k in range(1, len(ladder)) if ladder[k] <= g or k == len(ladder) - 1)
                j = min(jp, jg)
                while ladder[j] > g + avail:
                    j += 1
            served = ladder[j] if j is not None else g + avail
            net = g - served
            if net >= 0:
                for u in on:
                    E, s, _ = u
                    p = max(0.0, min(net, s.max_power_w or math.inf, (s.capacity_j - E) / (s.charge_efficiency * dt)))
                    u[0] += p * s.charge_efficiency * dt
                    tot["loss"] += p * (1 - s.charge_efficiency) * dt
                    net -= p
                tot["curt"] += net * dt
            else:
                d = -net
                for u in on:
                    E, s, _ = u
                    p = max(0.0, min(d, s.max_power_w or math.inf, (E - s.floor_j) * s.discharge_efficiency / dt))
                    u[0] -= p * dt / s.discharge_efficiency
                    tot["loss"] += p * dt * (1 / s.discharge_efficiency - 1)
                    d -= p
            tot["gen"] += g * dt
            tot["served"] += served * dt
            # data
            pos = {e.name: k for k, e in enumerate(ops)}
            pr = 0.0
            if j is not None:
                for x in params.experiments:
                    if x.element in pos and j <= pos[x.element]:
                        pr += x.rate_bps * dt
            total = data[0] + pr
            r = float(inputs.downlink_rate_bps[i]) * dt
            ret = min(r, total)
            lost = max(0.0, total - ret - params.data_storage_bit)
            data[0] = total - ret - lost
            tot["prod"] += pr
            tot["ret"] += ret
            tot["lost"] += lost
            # crew and consumables
            n_crew = sum(len(flown) for stay, flown, _ in crews if stay.arrival_s <= t < stay.departure_s)
            ls = any(alive(e.name, t) for e in params.elements if e.role == "life-support")
            for c in CONSUMABLES:
                need = n_crew * params.crew.need_kg_per_crew_day.get(c, 0.0) * dt / SECONDS_PER_DAY
                need *= 1 - (params.crew.closure_ratio.get(c, 0.0) if ls else 0.0)
                take = min(stock[c], need)
                stock[c] -= take
                used[c] += take
            ev[0] += 1
            yield env.timeout(dt)

    env.process(tick())
    env.run()
    tot["stored_final"] = sum(E for E, _, _ in units)
    tot["arrived"] = arrived[0]
    tot["retired"] = retired[0]
    tot["used"] = used
    tot["events"] = ev[0]
    return tot


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--years", type=float, default=10.0)
    args = ap.parse_args()
    s = load_scenario("ilrs-reference")
    t0 = time.perf_counter()
    from ilrs.report.products import RunProducts, compile_setup

    built = RunProducts(compile_setup(s, ops_years=args.years), risk_runs=0).operations.built
    t_inputs = time.perf_counter() - t0
    inp, params = built.inputs, built.params
    print(f"reference scenario, {args.years:g} years at 1 h: {inp.n_steps:,} steps, {len(params.elements)} elements, "
          f"{len(params.experiments)} experiments; inputs built in {t_inputs:.2f} s "
          f"(sunlight: {built.sources['sunlight']}; downlink: {built.sources['downlink']})")

    # ours, with failures (the real run): best of 3
    times = []
    for _ in range(3):
        t = time.perf_counter()
        r = simulate_operations(inp, params, np.random.default_rng(s.seed))
        times.append(time.perf_counter() - t)
    ours_fail = min(times)
    events = r.n_sim_events + len(r.events)
    print(f"HEADLINE ours: {inp.n_steps / ours_fail:,.0f} steps/s -- {args.years:g} years at 1 h in {ours_fail:.3f} s "
          f"on one core (aim <= 3 s), failures on")
    print(f"  events: {r.n_sim_events:,} discrete (SimPy) + {len(r.events):,} logged -> {events / ours_fail:,.0f} events/s")

    # ours vs peer without failures (deterministic, same physics)
    quiet = dataclasses.replace(params, elements=tuple(dataclasses.replace(e, failure=None) for e in params.elements))
    times = []
    for _ in range(3):
        t = time.perf_counter()
        ro = simulate_operations(inp, quiet, None)
        times.append(time.perf_counter() - t)
    ours = min(times)
    t = time.perf_counter()
    peer = naive(inp, quiet)
    t_peer = time.perf_counter() - t
    print("ours vs peer (naive: one SimPy step per hour), failures off, same inputs:")
    print(f"  ours  {ours:8.3f} s  {inp.n_steps / ours:>12,.0f} steps/s  ({ro.n_sim_events + len(ro.events):,} events)")
    print(f"  peer  {t_peer:8.3f} s  {inp.n_steps / t_peer:>12,.0f} steps/s  ({peer['events']:,} SimPy events, "
          f"{peer['events'] / t_peer:,.0f} events/s)")
    print(f"  ratio ours/peer speed: {t_peer / ours:.1f}x")
    T = ro.totals
    pairs = [("energy generated", T["generated_j"], peer["gen"]), ("energy served", T["served_j"], peer["served"]),
             ("energy curtailed", T["curtailed_j"], peer["curt"]), ("storage losses", T["losses_j"], peer["loss"]),
             ("final stored energy", T["stored_final_j"], peer["stored_final"]),
             ("storage arrived", T["storage_arrived_j"], peer["arrived"]),
             ("storage retired", T["storage_retired_j"], peer["retired"]),
             ("data produced", T["produced_bit"], peer["prod"]), ("data returned", T["returned_bit"], peer["ret"]),
             ("data lost", T["lost_bit"], peer["lost"])]
    pairs += [(f"{c} used", T["consumables"][c]["used_kg"], peer["used"][c]) for c in CONSUMABLES]
    print("agreement ours vs peer (relative difference of each total):")
    worst = 0.0
    for name, a, b in pairs:
        rel = abs(a - b) / max(abs(a), abs(b), 1e-300) if (a or b) else 0.0
        worst = max(worst, rel)
        print(f"  {name:<20} {a:>16.6g} {b:>16.6g}  {rel:.1e}")
    print(f"  total agreement: every total within {worst:.1e} (relative)")
    k = kpis(ro)
    print(f"no-failure run: {k['hours_survival_failure']:.0f} h survival failure, "
          f"{k['data_returned_gbit']:,.0f} Gbit returned")


if __name__ == "__main__":
    main()
