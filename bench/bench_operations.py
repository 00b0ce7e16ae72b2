"""Benchmark: ten years of station operations at 1 h for the reference scenario.

ours : ilrs.operations.simulate_operations — SimPy for discrete events only, the continuous
       state advanced between events in a tight loop over precomputed arrays.
peer : the strongest fair SimPy design — everything that does not depend on the simulation's
       state precomputed once with NumPy (generation, element configurations and their load
       ladders and data rates, crew needs, storage presence, downlink per step), then one SimPy
       process stepping hourly with scalar arithmetic only (same physics and dispatch rule; no
       failures, so both runs are deterministic). Its precompute and its loop are timed apart.

Prints CPU seconds (best of 3) of both, the agreement of every total (energy, storage, data,
consumables), and the distance to the memory floor (streaming the per-step inputs once).

    .venv/bin/python bench/bench_operations.py [--years 10]     (ILRS_BENCH_QUICK=1: 2 years)
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import time

import os

import numpy as np
import simpy

from ilrs.constants import SECONDS_PER_DAY
from ilrs.operations import kpis, simulate_operations
from ilrs.operations.crew import effective_crews
from ilrs.operations.model import CONSUMABLES, SECONDS_PER_YEAR
from ilrs.scenario import load_scenario

QUICK = bool(os.environ.get("ILRS_BENCH_QUICK"))


# -- the fair peer: SimPy over precomputed arrays ---------------------------------------------------

def _alive_matrix(names, act, t) -> np.ndarray:
    """(len(names), n) bool: element ``name`` active at each t (None: always)."""
    out = np.ones((len(names), t.size), bool)
    for k, name in enumerate(names):
        if name is not None:
            a, b = act.get(name, (0.0, math.inf))
            out[k] = (a <= t) & (t < b)
    return out


def _generation_w(inputs, params, act, t) -> np.ndarray:
    """Generated power per step (W), vectorized once: arrays x irradiance x visible fraction x
    cos(sun elevation) x degradation, plus nuclear units, each while its element is active."""
    dt = inputs.step_s
    g = np.zeros(t.size)
    cos_el = np.cos(np.radians(np.asarray(inputs.sun_elevation_deg, float)))
    irr = np.asarray(inputs.solar_irradiance_w_m2, float)
    for a in params.solar_arrays:
        on = _alive_matrix([a.element], act, t)[0]
        age = np.maximum(0.0, t + dt / 2 - act.get(a.element, (0.0,))[0]) if a.element else t + dt / 2
        vsf = (inputs.visible_solar_fraction if a.mast_height_m is None
               else inputs.visible_solar_fraction_at_mast_m[a.mast_height_m])
        g += np.where(on, a.area_m2 * a.efficiency * irr * np.clip(vsf, 0.0, 1.0) * cos_el
                      * (1.0 - a.degradation_per_year) ** (age / SECONDS_PER_YEAR), 0.0)
    for u in params.nuclear:
        g += np.where(_alive_matrix([u.element], act, t)[0], u.power_w, 0.0)
    return g


def _ladders(params, alive_el) -> tuple[np.ndarray, list]:
    """Element configurations (one per distinct set of active elements) per step, and for each its
    load ladder and the science data rate (bit/s) served at each ladder level."""
    configs, cfg = np.unique(alive_el.T, axis=0, return_inverse=True)
    out = []
    for row in configs:
        ops = sorted([e for e, on in zip(params.elements, row) if on], key=lambda e: (-e.priority, e.name))
        ladder = [sum(e.science_w for e in ops)]
        for e in ops:
            ladder.append(ladder[-1] + e.nominal_w - e.science_w)
        for e in ops:
            ladder.append(ladder[-1] + e.survival_w - e.nominal_w)
        pos = {e.name: k for k, e in enumerate(ops)}
        rate = [sum(x.rate_bps for x in params.experiments if x.element in pos and j <= pos[x.element])
                for j in range(len(ladder))]
        out.append((ladder, len(ops), rate))
    return np.asarray(cfg).ravel(), out


def precompute(inputs, params) -> dict:
    """Every per-step quantity that does not depend on the simulation's state, computed once."""
    n, dt = inputs.n_steps, inputs.step_s
    t = np.arange(n) * dt
    act = {a.element: (a.time_s, a.end_s) for a in inputs.activations}
    alive_el = _alive_matrix([e.name for e in params.elements], act, t)
    cfg, ladders = _ladders(params, alive_el)
    crews = effective_crews(inputs.crew_stays, params)
    n_crew = np.zeros(n)
    for stay, flown, _ in crews:
        n_crew += np.where((stay.arrival_s <= t) & (t < stay.departure_s), len(flown), 0)
    ls = np.zeros(n, bool)
    for k, e in enumerate(params.elements):
        if e.role == "life-support":
            ls |= alive_el[k]
    need = {c: n_crew * params.crew.need_kg_per_crew_day.get(c, 0.0) * dt / SECONDS_PER_DAY
            * (1 - np.where(ls, params.crew.closure_ratio.get(c, 0.0), 0.0)) for c in CONSUMABLES}
    times = np.array([d.time_s for d in inputs.deliveries])
    return {"gen": _generation_w(inputs, params, act, t).tolist(), "cfg": cfg.tolist(), "ladders": ladders,
            "storage_on": _alive_matrix([s.element for s in params.storage], act, t).T.tolist(),
            "need": {c: v.tolist() for c, v in need.items()},
            "down_bit": (np.asarray(inputs.downlink_rate_bps, float) * dt).tolist(),
            "delivered_by": np.searchsorted(np.sort(times), t, side="right").tolist()}


def _dispatch(params, g, ladder, m, on):
    """The ladder level served (None: not even survival) and the power served (the model's rule)."""
    avail = sum(max(0.0, min(s.max_power_w or math.inf, (u[0] - s.floor_j) * s.discharge_efficiency / u[3]))
                for u in on for s in (u[1],))
    if g >= ladder[0]:
        return 0, ladder[0]
    if g + avail < ladder[-1]:
        return None, g + avail
    usable = sum(u[0] - u[1].floor_j for u in on)
    ucap = sum(u[1].capacity_j - u[1].floor_j for u in on)
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
    return j, ladder[j]


def _store(on, net, dt, tot) -> None:
    """Charge (net > 0, surplus curtailed) or discharge the units on site, in order."""
    if net >= 0:
        for u in on:
            s = u[1]
            p = max(0.0, min(net, s.max_power_w or math.inf, (s.capacity_j - u[0]) / (s.charge_efficiency * dt)))
            u[0] += p * s.charge_efficiency * dt
            tot["loss"] += p * (1 - s.charge_efficiency) * dt
            net -= p
        tot["curt"] += net * dt
        return
    d = -net
    for u in on:
        s = u[1]
        p = max(0.0, min(d, s.max_power_w or math.inf, (u[0] - s.floor_j) * s.discharge_efficiency / dt))
        u[0] -= p * dt / s.discharge_efficiency
        tot["loss"] += p * dt * (1 / s.discharge_efficiency - 1)
        d -= p


def precomputed_peer(inputs, params):
    """Peer: one SimPy process stepping hourly over the arrays of :func:`precompute` (the state —
    storage, data buffer, stocks — advanced with scalar arithmetic only). Returns totals, the
    precompute's and the loop's CPU seconds."""
    c0 = time.process_time()
    pre = precompute(inputs, params)
    c_pre = time.process_time() - c0
    env = simpy.Environment()
    n, dt = inputs.n_steps, inputs.step_s
    units = [[0.0, s, False, dt] for s in params.storage]
    tot = dict(gen=0.0, served=0.0, curt=0.0, loss=0.0, prod=0.0, ret=0.0, lost=0.0, arrived=0.0, retired=0.0)
    used = {c: 0.0 for c in CONSUMABLES}
    stock = {c: params.crew.initial_stock_kg.get(c, 0.0) for c in CONSUMABLES}
    deliveries = sorted(inputs.deliveries, key=lambda d: d.time_s)
    state = {"data": 0.0, "delivered": 0, "events": 0}

    def tick():
        for i in range(n):
            while state["delivered"] < pre["delivered_by"][i]:
                for c, kg in deliveries[state["delivered"]].consumables_kg.items():
                    stock[c] += kg
                state["delivered"] += 1
            for u, here in zip(units, pre["storage_on"][i]):
                if here and not u[2]:
                    u[0] = u[1].capacity_j * u[1].initial_soc
                    tot["arrived"] += u[0] if i > 0 else 0.0
                elif u[2] and not here:
                    tot["retired"] += u[0]
                    u[0] = 0.0
                u[2] = here
            g = pre["gen"][i]
            ladder, m, rate = pre["ladders"][pre["cfg"][i]]
            on = [u for u in units if u[2]]
            j, served = _dispatch(params, g, ladder, m, on)
            _store(on, g - served, dt, tot)
            tot["gen"] += g * dt
            tot["served"] += served * dt
            pr = rate[j] * dt if j is not None else 0.0
            total = state["data"] + pr
            ret = min(pre["down_bit"][i], total)
            lost = max(0.0, total - ret - params.data_storage_bit)
            state["data"] = total - ret - lost
            tot["prod"] += pr
            tot["ret"] += ret
            tot["lost"] += lost
            for c in CONSUMABLES:
                take = min(stock[c], pre["need"][c][i])
                stock[c] -= take
                used[c] += take
            state["events"] += 1
            yield env.timeout(dt)

    env.process(tick())
    c1 = time.process_time()
    env.run()
    tot.update(stored_final=sum(u[0] for u in units), used=used, events=state["events"])
    return tot, c_pre, time.process_time() - c1


def best_cpu(fn, repeat: int = 3):
    best, out = math.inf, None
    for _ in range(repeat):
        c = time.process_time()
        out = fn()
        best = min(best, time.process_time() - c)
    return out, best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--years", type=float, default=2.0 if QUICK else 10.0)
    args = ap.parse_args()
    s = load_scenario("ilrs-reference")
    t0 = time.perf_counter()
    from ilrs.report.products import RunProducts, compile_setup

    built = RunProducts(compile_setup(s, ops_years=args.years), risk_runs=0).operations.built
    inp, params = built.inputs, built.params
    print(f"reference scenario, {args.years:g} years at 1 h: {inp.n_steps:,} steps, {len(params.elements)} elements, "
          f"{len(params.experiments)} experiments; inputs built in {time.perf_counter() - t0:.2f} s")
    r, c_fail = best_cpu(lambda: simulate_operations(inp, params, np.random.default_rng(s.seed)))
    print(f"ours, failures on : {c_fail:.3f} s CPU ({inp.n_steps / c_fail:,.0f} steps/s), "
          f"{r.n_sim_events:,} SimPy events + {len(r.events):,} logged")
    quiet = dataclasses.replace(params, elements=tuple(dataclasses.replace(e, failure=None) for e in params.elements))
    ro, c_ours = best_cpu(lambda: simulate_operations(inp, quiet, None))
    (peer, c_pre, c_loop), c_peer = best_cpu(lambda: precomputed_peer(inp, quiet))
    print(f"ours, failures off: {c_ours:.3f} s CPU ({inp.n_steps / c_ours:,.0f} steps/s)")
    print(f"peer (SimPy, one event per hour over precomputed arrays): {c_peer:.3f} s CPU = precompute {c_pre:.3f} s "
          f"+ loop {c_loop:.3f} s ({peer['events']:,} SimPy events)")
    worst = agreement(ro.totals, peer)
    floor, bw = memory_floor_s(inp.n_steps * 8 * 8)
    print(f"limit: streaming the inputs once (~8 doubles per step) at {bw / 1e9:.1f} GB/s takes {floor * 1e3:.2f} ms")
    print("\nworkload | ours | peer | ratio | accuracy | distance to limit")
    print(f"operations {args.years:g} y at 1 h, failures off | {c_ours:.3f} s CPU | SimPy + precomputed arrays "
          f"{c_peer:.3f} s CPU | {c_peer / c_ours:.1f}x | totals within {worst:.1e} relative | "
          f"{c_ours / floor:.0f}x the memory floor ({floor * 1e3:.2f} ms)")


def agreement(T: dict, peer: dict) -> float:
    """Print each total of ours and the peer; return the worst relative difference."""
    pairs = [("energy generated", T["generated_j"], peer["gen"]), ("energy served", T["served_j"], peer["served"]),
             ("energy curtailed", T["curtailed_j"], peer["curt"]), ("storage losses", T["losses_j"], peer["loss"]),
             ("final stored energy", T["stored_final_j"], peer["stored_final"]),
             ("storage arrived", T["storage_arrived_j"], peer["arrived"]),
             ("storage retired", T["storage_retired_j"], peer["retired"]),
             ("data produced", T["produced_bit"], peer["prod"]), ("data returned", T["returned_bit"], peer["ret"]),
             ("data lost", T["lost_bit"], peer["lost"])]
    pairs += [(f"{c} used", T["consumables"][c]["used_kg"], peer["used"][c]) for c in CONSUMABLES]
    worst = 0.0
    for name, a, b in pairs:
        rel = abs(a - b) / max(abs(a), abs(b), 1e-300) if (a or b) else 0.0
        worst = max(worst, rel)
        print(f"  {name:<20} {a:>16.6g} {b:>16.6g}  {rel:.1e}")
    return worst


def memory_floor_s(n_bytes: float) -> tuple[float, float]:
    """Seconds to stream ``n_bytes`` at the measured copy bandwidth (bytes/s)."""
    a = np.ones(16_000_000)
    b = np.zeros_like(a)
    best = math.inf
    for _ in range(3):
        c = time.perf_counter()
        np.copyto(b, a)
        best = min(best, time.perf_counter() - c)
    bw = 2 * a.nbytes / best
    return n_bytes / bw, bw


if __name__ == "__main__":
    main()
