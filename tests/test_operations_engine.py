"""Operations engine: closed-form cases and conservation properties on hand-made inputs.

Expected values are computed here from the stated formulas (straight-line state of charge,
battery-exhaustion step, renewal-process failure counts, BVAD crew needs from ilrs-facts.md),
never copied from the engine's output.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ilrs.errors import InputError
from ilrs.operations.engine import simulate_operations
from ilrs.operations.kpis import kpis, run_lengths
from ilrs.operations.model import (
    AlarmParams,
    MODE_FAILURE,
    MODE_FULL,
    MODE_SHEDDING,
    MODE_SURVIVAL,
    CrewParams,
    CrewStay,
    Delivery,
    ElementActivation,
    ElementParams,
    ExperimentParams,
    FailureModel,
    NuclearParams,
    OperationsInputs,
    OperationsParams,
    SolarArrayParams,
    StorageParams,
)

H = 3600.0
DAY = 86400.0
START = np.datetime64("2030-01-01T00:00:00")
S0 = 1360.8  # W/m^2, Kopp & Lean 2011


def inputs(n, vsf=1.0, rate=0.0, irr=S0, **kw):
    return OperationsInputs(START, H, np.full(n, irr, dtype=float) if np.isscalar(irr) else irr,
                            np.full(n, vsf, dtype=float) if np.isscalar(vsf) else np.asarray(vsf, float),
                            np.full(n, rate, dtype=float) if np.isscalar(rate) else np.asarray(rate, float), **kw)


def flat_element(name="base", load_w=1000.0, **kw):
    return ElementParams(name, survival_w=load_w, nominal_w=load_w, science_w=load_w, **kw)


# ----------------------------------------------------------------------------- power, closed form
def test_constant_sun_and_load_soc_follows_the_line():
    # Generation A*eta*S = 2 m^2 * 0.3 * 1360.8 = 816.48 W; load 500 W; surplus charges at eta_c.
    A, eta, load, eta_c = 2.0, 0.3, 500.0, 0.9
    cap = 100 * 3.6e6
    E0 = 0.3 * cap
    p = OperationsParams(elements=(flat_element(load_w=load),),
                         solar_arrays=(SolarArrayParams("pv", A, eta),),
                         storage=(StorageParams("bat", cap, eta_c, 0.95, 0.8, initial_soc=0.3),),
                         shed_science_below=0.0, shed_nominal_below=0.0)
    n = 400
    r = simulate_operations(inputs(n), p)
    surplus = A * eta * S0 - load
    k = np.arange(1, n + 1)
    expected = np.minimum(cap, E0 + surplus * eta_c * H * k)
    np.testing.assert_allclose(r.series["stored_energy_j"], expected, rtol=1e-12)
    full_step = int(np.argmax(expected >= cap))
    # once full, the whole surplus is curtailed
    np.testing.assert_allclose(r.series["curtailed_w"][full_step + 1:], surplus, rtol=1e-9)
    assert (r.series["mode"] == MODE_FULL).all()


def test_constant_load_in_darkness_discharges_on_the_line():
    load, eta_d, cap = 700.0, 0.92, 50 * 3.6e6
    p = OperationsParams(elements=(flat_element(load_w=load),),
                         storage=(StorageParams("bat", cap, 0.95, eta_d, 1.0),),
                         shed_science_below=0.0, shed_nominal_below=0.0)
    n = 50
    r = simulate_operations(inputs(n, vsf=0.0), p)
    k = np.arange(1, n + 1)
    expected = np.maximum(0.0, cap - load * H * k / eta_d)
    ok = expected > 0
    np.testing.assert_allclose(r.series["stored_energy_j"][ok][:-1], expected[ok][:-1], rtol=1e-12)


def test_battery_smaller_than_the_night_fails_at_the_predicted_step():
    # Sunlit for 100 h (battery full), then dark. Usable energy U = cap * DoD; each dark step draws
    # L*dt/eta_d; the first step that cannot be served is k = floor(U*eta_d / (L*dt)) after dusk.
    load, eta_d, cap, dod = 1234.0, 0.95, 30 * 3.6e6, 0.7
    dusk = 100
    vsf = np.r_[np.ones(dusk), np.zeros(200)]
    p = OperationsParams(elements=(flat_element(load_w=load),),
                         solar_arrays=(SolarArrayParams("pv", 10.0, 0.3),),
                         storage=(StorageParams("bat", cap, 0.95, eta_d, dod),),
                         shed_science_below=0.0, shed_nominal_below=0.0)
    r = simulate_operations(inputs(len(vsf), vsf=vsf), p)
    k_fail = math.floor(cap * dod * eta_d / (load * H))
    first = np.flatnonzero(r.series["mode"] == MODE_FAILURE)[0]
    assert first == dusk + k_fail
    kp = kpis(r)
    assert kp["first_survival_failure_utc"] == str(START + np.timedelta64((dusk + k_fail) * 3600, "s")) + "Z"
    assert [e.kind for e in r.events].count("survival-failure") == 1
    # the failing steps serve exactly what the remaining energy allows
    served = r.series["served_w"][first]
    remaining = cap * dod - k_fail * load * H / eta_d
    assert served == pytest.approx(remaining * eta_d / H, rel=1e-9)


def test_kilopower_constant_output_and_degradation():
    # A Kilopower unit (10 kWe, NASA KRUSTY) and a panel losing 2 %/yr over one year.
    n = 24 * 366
    p = OperationsParams(elements=(flat_element(load_w=0.0),),
                         solar_arrays=(SolarArrayParams("pv", 1.0, 0.25, degradation_per_year=0.02),),
                         nuclear=(NuclearParams("kp", 10e3),))
    r = simulate_operations(inputs(n), p)
    pv = r.series["generated_w"] - 10e3
    t_mid_years = (np.arange(n) + 0.5) * H / (365.25 * DAY)
    np.testing.assert_allclose(pv, 0.25 * S0 * 0.98 ** t_mid_years, rtol=1e-12)
    assert r.totals["generated_j"] == pytest.approx(float(np.sum(10e3 + 0.25 * S0 * 0.98 ** t_mid_years)) * H)


def test_shedding_follows_priority_and_soc_bands():
    # Two elements; the low-priority one (9) leaves science first, then everything drops to survival.
    sci = ElementParams("sci", priority=9, survival_w=100, nominal_w=200, science_w=1000)
    hab = ElementParams("hab", priority=1, survival_w=300, nominal_w=600, science_w=800)
    cap = 10 * 3.6e6
    p = OperationsParams(elements=(sci, hab), storage=(StorageParams("b", cap, 1.0, 1.0, 1.0),),
                         shed_science_below=0.6, shed_nominal_below=0.3)
    r = simulate_operations(inputs(60, vsf=0.0), p)
    served = r.series["served_w"]
    E_prev = np.r_[cap, r.series["stored_energy_j"][:-1]]
    frac = E_prev / cap
    full = 1800.0
    ok = E_prev > 400 * H
    exp = np.where(frac >= 0.6, full, np.where(frac >= 0.3, np.where(frac > 0.45, 200 + 800, 200 + 600), 400.0))
    np.testing.assert_allclose(served[ok], exp[ok])
    assert {MODE_FULL, MODE_SHEDDING, MODE_SURVIVAL} <= set(r.series["mode"].tolist())


# ----------------------------------------------------------------------------- data
def test_data_backlog_and_overflow():
    # 1 Mbit/s produced; link of 3 Mbit/s open 6 h out of 24; 20 Gbit store.
    rate = np.where(np.arange(240) % 24 < 6, 3e6, 0.0)
    p = OperationsParams(elements=(flat_element(load_w=0.0),),
                         experiments=(ExperimentParams("x", "base", "pakistan", "astronomy", 1e6),),
                         data_storage_bit=20e9)
    r = simulate_operations(inputs(240, rate=rate), p)
    # closed form for day 1 after the window: the store fills at 3.6 Gbit/h for 18 h = 64.8 Gbit,
    # capped at 20 Gbit: 44.8 Gbit lost per day after the first window
    produced = 240 * 3.6e9
    assert r.totals["produced_bit"] == pytest.approx(produced)
    # every window: 6 h of 10.8 Gbit/h capacity vs 20 Gbit stored + 3.6 Gbit/h produced -> empties
    lost_per_day = 18 * 3.6e9 - 20e9
    assert r.totals["lost_bit"] == pytest.approx(10 * lost_per_day)
    g = r.totals["data_groups"][0]
    assert g["owner"] == "pakistan" and g["returned_bit"] == pytest.approx(r.totals["returned_bit"])


# ----------------------------------------------------------------------------- crew
def test_crew_consumables_from_bvad_figures_and_training_substitution():
    # ilrs-facts.md (NASA BVAD): O2 0.835 kg, food 0.617 kg dry, potable water 3.909 kg + hygiene 12.6 kg
    need = {"oxygen": 0.835, "water": 3.909 + 12.6, "food": 0.617}
    closure = {"oxygen": 0.5, "water": 0.98, "food": 0.0}
    crew = CrewParams(need, closure, {"oxygen": 1000.0, "water": 1000.0, "food": 1000.0},
                      trained_partners=("china",), training_start_s={"russia": -800 * DAY},
                      training_s=730 * DAY, substitute_partner="china")
    stay = CrewStay(10 * DAY, 40 * DAY, ("china", "russia", "pakistan"))
    p = OperationsParams(elements=(flat_element(load_w=0.0),), crew=crew)
    r = simulate_operations(inputs(24 * 60, deliveries=(Delivery(20 * DAY, {"food": 50.0}),), crew_stays=(stay,)), p)
    crew_days = 3 * 30
    for c in need:
        assert r.totals["consumables"][c]["used_kg"] == pytest.approx(crew_days * need[c] * (1 - closure[c]))
    assert r.totals["crew_days"] == {"china": 60.0, "russia": 30.0}  # pakistan not trained -> china
    assert r.totals["crew_substitutions"] == 1
    assert r.series["crew"].max() == 3


def test_consumable_alarm_and_exhaustion_dates():
    need = {"oxygen": 1.0, "water": 0.0, "food": 0.0}
    crew = CrewParams(need, {"oxygen": 0.0}, {"oxygen": 40.0})
    p = OperationsParams(elements=(flat_element(load_w=0.0),), crew=crew,
                                              alarms=AlarmParams(consumable_margin_days=10.0))
    r = simulate_operations(inputs(24 * 61, crew_stays=(CrewStay(0.0, 60 * DAY, ("china",)),)), p)
    ev = {e.kind: e.time_s for e in r.events if e.subject == "oxygen"}
    # 1 kg/day from 40 kg: fewer than 10 days left after day 30; empty after day 40
    assert ev["alarm"] == pytest.approx(30 * DAY, abs=H)
    assert ev["alarm-cleared"] == pytest.approx(60 * DAY, abs=H)  # the crew leaves
    assert ev["consumable-exhausted"] == pytest.approx(40 * DAY, abs=H)
    assert r.totals["consumables"]["oxygen"]["unmet_kg"] == pytest.approx(20.0)


# ----------------------------------------------------------------------------- failures
def test_failure_count_matches_renewal_theory():
    # Exponential MTBF 20 d, robotic repair 2 d, unlimited spares: alternating renewal process,
    # expected failures in T ≈ T / (MTBF + repair); check within 4 sigma over 50 runs.
    mtbf, rep, T = 20 * DAY, 2 * DAY, 2000 * DAY
    fm = FailureModel("exponential", mtbf_s=mtbf, spares=10_000, repair_s_robot=rep, repair_s_crew=rep)
    p = OperationsParams(elements=(flat_element(failure=fm),))
    rng = np.random.default_rng(7)
    inp = inputs(int(T / H))
    counts = [simulate_operations(inp, p, rng).totals["elements"]["base"]["failures"] for _ in range(50)]
    mean_expected = T / (mtbf + rep)
    # variance of a renewal count ≈ T * var(cycle) / mean(cycle)^3 (Cox, Renewal Theory, 1962)
    sd = math.sqrt(T * mtbf ** 2 / (mtbf + rep) ** 3) / math.sqrt(len(counts))
    assert abs(np.mean(counts) - mean_expected) < 4 * sd
    up = simulate_operations(inp, p, np.random.default_rng(3))
    e = up.totals["elements"]["base"]
    assert e["down_s"] == pytest.approx(e["repairs"] * rep + (e["failures"] - e["repairs"]) * 0, abs=rep)


def test_weibull_mean_time_to_failure():
    k, lam = 1.7, 100 * DAY
    fm = FailureModel("weibull", weibull_shape=k, weibull_scale_s=lam)
    rng = np.random.default_rng(11)
    draws = np.array([fm.draw_time_to_failure_s(rng) for _ in range(20_000)])
    assert draws.mean() == pytest.approx(lam * math.gamma(1 + 1 / k), rel=0.02)


def test_repair_waits_for_spares_and_crew():
    fm = FailureModel("exponential", mtbf_s=1 * DAY, spares=0, repair_s_crew=10 * H, repair_s_robot=None)
    p = OperationsParams(elements=(flat_element(failure=fm),))
    inp = inputs(24 * 30, deliveries=(Delivery(10 * DAY, spares={"base": 1}),),
                 crew_stays=(CrewStay(15 * DAY, 16 * DAY, ("china",)),))
    r = simulate_operations(inp, p, np.random.default_rng(1))
    kinds = [(e.kind, e.time_s) for e in r.events if e.subject in ("base",)]
    first_repair = next(t for k, t in kinds if k == "repair")
    assert first_repair == pytest.approx(15 * DAY + 10 * H)
    assert ("spares-wait" in [k for k, _ in kinds]) and ("crew-wait" in [k for k, _ in kinds])


def test_failed_element_stops_its_array_and_science():
    fm = FailureModel("exponential", mtbf_s=5 * DAY, spares=0, repair_s_robot=H)
    lander = ElementParams("lander", survival_w=50, nominal_w=100, science_w=100, failure=fm)
    p = OperationsParams(elements=(lander,), solar_arrays=(SolarArrayParams("pv", 1.0, 0.3, element="lander"),),
                         experiments=(ExperimentParams("x", "lander", "narit", "astronomy", 1e3),))
    r = simulate_operations(inputs(24 * 100, rate=1e9), p, np.random.default_rng(5))
    t_fail = next(e.time_s for e in r.events if e.kind == "failure")
    i = int(math.ceil(t_fail / H))
    assert (r.series["generated_w"][i:] == 0).all()
    assert (r.series["data_produced_bit"][i:] == 0).all()
    assert r.totals["produced_bit"] == pytest.approx(i * 1e3 * H)


def test_activation_delays_loads():
    p = OperationsParams(elements=(flat_element(load_w=300.0),), nuclear=(NuclearParams("kp", 1e3),))
    r = simulate_operations(inputs(48, activations=(ElementActivation("base", 10 * H),)), p)
    np.testing.assert_allclose(r.series["served_w"], np.r_[np.zeros(10), np.full(38, 300.0)])


def test_bad_inputs_raise_input_error():
    with pytest.raises(InputError):
        inputs(10, vsf=np.ones(9))
    fm = FailureModel("exponential", mtbf_s=DAY)
    with pytest.raises(InputError):
        simulate_operations(inputs(10), OperationsParams(elements=(flat_element(failure=fm),)))
    with pytest.raises(InputError):
        simulate_operations(inputs(10, activations=(ElementActivation("nope", 0.0),)),
                            OperationsParams(elements=(flat_element(),)))


def test_run_lengths():
    assert run_lengths(np.array([0, 1, 1, 0, 1, 1, 1, 0], bool)).tolist() == [2, 3]
    assert run_lengths(np.array([], bool)).tolist() == []


# ----------------------------------------------------------------------------- conservation
@st.composite
def scenarios(draw):
    n = draw(st.integers(24, 400))
    seed = draw(st.integers(0, 2**31))
    g = np.random.default_rng(seed)
    vsf = np.clip(g.normal(0.5, 0.6, n), 0, 1) * (g.random(n) > draw(st.floats(0, 0.6)))
    rate = np.where(g.random(n) < draw(st.floats(0, 1)), g.uniform(0, 5e6, n), 0.0)
    n_el = draw(st.integers(1, 4))
    els = []
    for k in range(n_el):
        s, nm, sc = sorted(g.uniform(0, 3000, 3))
        fm = FailureModel("exponential", mtbf_s=g.uniform(2, 50) * DAY, spares=int(g.integers(0, 3)),
                          repair_s_robot=g.uniform(1, 30) * H) if g.random() < 0.5 else None
        els.append(ElementParams(f"e{k}", owner=("china", "russia", "pakistan")[k % 3], priority=int(g.integers(1, 10)),
                                 survival_w=s, nominal_w=nm, science_w=sc,
                                 role="life-support" if k == 0 else "generic", failure=fm))
    storage = tuple(StorageParams(f"s{k}", g.uniform(1, 200) * 3.6e6, g.uniform(0.6, 1), g.uniform(0.6, 1),
                                  g.uniform(0.3, 1), max_power_w=g.uniform(500, 5000) if g.random() < 0.5 else None,
                                  initial_soc=g.uniform(0.7, 1.0),
                                  element=f"e{int(g.integers(0, n_el))}" if g.random() < 0.5 else None)
                    for k in range(draw(st.integers(0, 3))))
    arrays = tuple(SolarArrayParams(f"a{k}", g.uniform(1, 20), 0.3, g.uniform(0, 0.1),
                                    element=f"e{int(g.integers(0, n_el))}" if g.random() < 0.3 else None)
                   for k in range(draw(st.integers(0, 2))))
    nuclear = (NuclearParams("kp", g.uniform(0, 3000), element="e0"),) if g.random() < 0.3 else ()
    exps = tuple(ExperimentParams(f"x{k}", f"e{int(g.integers(0, n_el))}", ("china", "narit")[k % 2],
                                  ("astronomy", "medicine")[k % 2], g.uniform(1e4, 2e6)) for k in range(3))
    crew = CrewParams({"oxygen": 0.835, "water": 16.509, "food": 0.617}, {"oxygen": 0.5, "water": 0.98},
                      {"oxygen": g.uniform(0, 50), "water": g.uniform(0, 50), "food": g.uniform(0, 50)})
    lo = draw(st.floats(0, 0.5))
    p = OperationsParams(elements=tuple(els), solar_arrays=arrays, storage=storage, nuclear=nuclear,
                         experiments=exps, data_storage_bit=g.uniform(1e9, 50e9), crew=crew,
                         shed_nominal_below=lo, shed_science_below=lo + draw(st.floats(0, 0.5)))
    T = n * H
    stays = (CrewStay(g.uniform(0, T), g.uniform(0, T) + T / 2, ("china", "russia")),)
    deliveries = (Delivery(g.uniform(0, T), {"food": 30.0, "oxygen": 5.0}, {"e0": 1}),)
    t_on = g.uniform(-T / 4, T)
    acts = (ElementActivation(f"e{n_el - 1}", t_on, t_on + g.uniform(0, T) if g.random() < 0.5 else math.inf),)
    inp = inputs(n, vsf=vsf, rate=rate, crew_stays=stays, deliveries=deliveries, activations=acts)
    return inp, p, seed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_conservation_of_energy_data_and_consumables(case):
    inp, p, seed = case
    r = simulate_operations(inp, p, np.random.default_rng(seed))
    t = r.totals
    scale = max(1.0, t["generated_j"], t["stored_initial_j"])
    # energy generated = used + stored change + curtailed (+ conversion losses), where the stored
    # change excludes what storage units brought with their element and took away at its end of life
    scale = max(scale, t["storage_arrived_j"])
    assert t["generated_j"] == pytest.approx(
        t["served_j"] + t["losses_j"] + (t["stored_final_j"] - t["stored_initial_j"]) + t["curtailed_j"]
        - t["storage_arrived_j"] + t["storage_retired_j"], abs=1e-9 * scale)
    # served never exceeds demand; each unit stays between its floor and capacity while on site
    assert (r.series["served_w"] <= r.series["demand_w"] + 1e-6).all()
    assert (r.series["stored_energy_j"] <= r.series["storage_capacity_j"] * (1 + 1e-12) + 1e-6).all()
    for s in p.storage:
        e = r.series[f"storage_{s.name}_j"]
        e = e[np.isfinite(e)]
        assert (e <= s.capacity_j * (1 + 1e-12) + 1e-6).all() and (e >= s.floor_j * (1 - 1e-12) - 1e-6).all()
    # data produced = returned + stored + lost, in total and per (owner, area)
    assert t["produced_bit"] == pytest.approx(t["returned_bit"] + t["lost_bit"] + t["data_stored_final_bit"],
                                              abs=1e-6 * max(1.0, t["produced_bit"]))
    assert (r.series["data_stored_bit"] <= p.data_storage_bit * (1 + 1e-12)).all()
    for grp in t["data_groups"]:
        assert grp["produced_bit"] == pytest.approx(grp["returned_bit"] + grp["lost_bit"] + grp["stored_bit"],
                                                    abs=1e-6 * max(1.0, grp["produced_bit"]))
    assert sum(g["returned_bit"] for g in t["data_groups"]) == pytest.approx(t["returned_bit"], rel=1e-9, abs=1e-3)
    # consumables in = used + stock change
    for c, v in t["consumables"].items():
        assert v["delivered_kg"] == pytest.approx(v["used_kg"] + v["final_kg"] - v["initial_kg"], abs=1e-9)
        assert v["final_kg"] >= 0
    # a survival failure serves everything it can: storage is at its floor (or cannot deliver more)
    fail = r.series["mode"] == MODE_FAILURE
    assert (r.series["curtailed_w"][fail] == 0).all()


def test_same_generator_state_same_result():
    fm = FailureModel("weibull", weibull_shape=1.5, weibull_scale_s=10 * DAY, spares=3, repair_s_robot=DAY)
    p = OperationsParams(elements=(flat_element(failure=fm),), nuclear=(NuclearParams("kp", 2e3),))
    a = simulate_operations(inputs(24 * 200), p, np.random.default_rng(42))
    b = simulate_operations(inputs(24 * 200), p, np.random.default_rng(42))
    assert [(e.time_s, e.kind) for e in a.events] == [(e.time_s, e.kind) for e in b.events]
    np.testing.assert_array_equal(a.series["served_w"], b.series["served_w"])


def test_end_of_life_removes_the_load():
    p = OperationsParams(elements=(flat_element(load_w=300.0),), nuclear=(NuclearParams("kp", 1e3),))
    r = simulate_operations(inputs(48, activations=(ElementActivation("base", 10 * H, 20 * H),)), p)
    np.testing.assert_allclose(r.series["served_w"], np.r_[np.zeros(10), np.full(10, 300.0), np.zeros(28)])
    assert r.totals["elements"]["base"]["active_s"] == pytest.approx(10 * H)


def test_storage_units_discharge_in_order_and_respect_power_limits():
    # battery (listed first) carries the load until its floor, then the fuel cell (power-limited)
    load = 1000.0
    bat = StorageParams("bat", 5 * 3.6e6, 1.0, 1.0, 0.8)
    rfc = StorageParams("rfc", 50 * 3.6e6, 0.7, 0.5, 1.0, max_power_w=600.0, kind="regenerative-fuel-cell")
    p = OperationsParams(elements=(ElementParams("base", survival_w=400, nominal_w=load, science_w=load),),
                         storage=(bat, rfc), shed_science_below=0.0, shed_nominal_below=0.0)
    r = simulate_operations(inputs(10, vsf=0.0), p)
    served = r.series["served_w"]
    # 4 kWh usable in the battery: 4 full steps at 1 kW; then battery (0 left) + RFC limited to 600 W
    np.testing.assert_allclose(served[:4], load)
    assert served[4] == pytest.approx(400.0)  # only 600 W available: survival level (nominal needs 1000)
    # RFC energy falls by P*dt/eta_d = 400 W * 1 h / 0.5 per step once it is the only source
    stored = r.series["stored_energy_j"]
    assert stored[5] - stored[6] == pytest.approx(400.0 * H / 0.5)


# ----------------------------------------------------------------------------- element lifetimes
def test_element_retired_before_the_window_never_operates():
    # retired a day before the grid starts: no load, no generation from its array, no data, no failures
    fm = FailureModel("exponential", mtbf_s=H, spares=5, repair_s_robot=H)
    dead = ElementParams("dead", survival_w=50, nominal_w=100, science_w=200, failure=fm)
    live = flat_element("live", load_w=300.0)
    p = OperationsParams(elements=(dead, live), nuclear=(NuclearParams("kp", 1e3),),
                         solar_arrays=(SolarArrayParams("pv", 1.0, 0.3, element="dead"),),
                         experiments=(ExperimentParams("x", "dead", "narit", "cislunar-environment", 1e4),))
    r = simulate_operations(inputs(48, rate=1e9, activations=(ElementActivation("dead", -10 * DAY, -DAY),)), p,
                            np.random.default_rng(0))
    np.testing.assert_allclose(r.series["served_w"], 300.0)
    np.testing.assert_allclose(r.series["generated_w"], 1e3)
    assert r.totals["produced_bit"] == 0.0
    assert r.totals["elements"]["dead"]["active_s"] == 0.0 and r.totals["elements"]["dead"]["failures"] == 0
    assert not [e for e in r.events if e.subject == "dead"]


def test_pending_repair_stops_counting_at_end_of_life():
    # fails for sure within the first hours (MTBF 1 min), its spare arrives only after it retires at
    # 5 days: downtime = end of life - failure time; no repair (nor spare used) after the end of life
    fm = FailureModel("exponential", mtbf_s=60.0, spares=0, repair_s_robot=H)
    p = OperationsParams(elements=(flat_element(failure=fm),))
    inp = inputs(24 * 20, activations=(ElementActivation("base", 0.0, 5 * DAY),),
                 deliveries=(Delivery(8 * DAY, spares={"base": 1}),))
    r = simulate_operations(inp, p, np.random.default_rng(2))
    t_fail = next(e.time_s for e in r.events if e.kind == "failure")
    e = r.totals["elements"]["base"]
    assert e["down_s"] == pytest.approx(5 * DAY - t_fail)
    assert e["active_s"] == pytest.approx(5 * DAY) and e["repairs"] == 0 and e["spares_left"] == 1
    assert not [ev for ev in r.events if ev.kind in ("repair-start", "repair")]


def test_storage_counts_only_while_its_element_operates():
    # 10 kWh battery (DoD 1, eta 1) on a lander that arrives at 10 h holding 60 %; a station load of
    # 1 kW with no generation: before 10 h nothing can serve it (survival failure); from 10 h the
    # battery carries it for 6 h (6 kWh); a second battery with no element runs out first.
    load, cap = 1000.0, 10 * 3.6e6
    lander = ElementParams("lander")
    p = OperationsParams(elements=(flat_element(load_w=load), lander),
                         storage=(StorageParams("lander-bat", cap, 1.0, 1.0, 1.0, initial_soc=0.6, element="lander"),),
                         shed_science_below=0.0, shed_nominal_below=0.0)
    r = simulate_operations(inputs(30, vsf=0.0, activations=(ElementActivation("lander", 10 * H, 20 * H),)), p)
    mode = r.series["mode"]
    assert (mode[:10] == MODE_FAILURE).all() and (r.series["served_w"][:10] == 0).all()
    assert (mode[10:16] == MODE_FULL).all() and (mode[16:] == MODE_FAILURE).all()
    e = r.series["storage_lander-bat_j"]
    assert np.isnan(e[:10]).all() and np.isnan(e[20:]).all()          # not on site before/after
    np.testing.assert_allclose(e[10:16], 0.6 * cap - load * H * np.arange(1, 7))
    assert r.totals["storage_arrived_j"] == pytest.approx(0.6 * cap)
    assert r.totals["stored_initial_j"] == 0.0 and r.totals["stored_final_j"] == 0.0


def test_storage_is_frozen_while_its_element_is_down():
    # a 1 kW surplus (nuclear) charges the carrier's battery only in the steps the carrier operates;
    # while it is down (failure -> robotic repair, 5 h) the energy is frozen and the surplus curtailed.
    # Expected trajectory rebuilt from the logged failure/repair times (each takes effect from the
    # first step starting at or after it).
    fm = FailureModel("exponential", mtbf_s=3 * H, spares=100, repair_s_robot=5 * H)
    cap, n = 100 * 3.6e6, 60
    p = OperationsParams(elements=(ElementParams("carrier", failure=fm),), nuclear=(NuclearParams("kp", 1e3),),
                         storage=(StorageParams("bat", cap, 1.0, 1.0, 1.0, initial_soc=0.5, element="carrier"),))
    r = simulate_operations(inputs(n), p, np.random.default_rng(1))
    down = np.zeros(n, bool)
    fails = [e.time_s for e in r.events if e.kind == "failure"]
    reps = [e.time_s for e in r.events if e.kind == "repair"] + [n * H]
    assert len(fails) >= 2
    for a, b in zip(fails, reps):
        down[math.ceil(a / H - 1e-9):math.ceil(b / H - 1e-9)] = True
    expected = 0.5 * cap + 1e3 * H * np.cumsum(~down)
    np.testing.assert_allclose(r.series["storage_bat_j"], expected)
    assert (r.series["stored_energy_j"][down] == 0).all() and np.isnan(r.series["soc"][down]).all()
    np.testing.assert_allclose(r.series["curtailed_w"], np.where(down, 1e3, 0.0))


def test_each_array_reads_the_sunlight_at_its_own_mast_height():
    # the site's mast (2 m) is in shadow, a 10 m mast is sunlit: only the tall array generates
    n = 24
    p = OperationsParams(elements=(flat_element(load_w=0.0),),
                         solar_arrays=(SolarArrayParams("low", 2.0, 0.3), SolarArrayParams("tall", 3.0, 0.25, mast_height_m=10.0)))
    r = simulate_operations(inputs(n, vsf=0.0, visible_solar_fraction_at_mast_m={10.0: np.full(n, 0.5)}), p)
    np.testing.assert_allclose(r.series["generated_w"], 3.0 * 0.25 * S0 * 0.5)
    bad = OperationsParams(elements=(flat_element(),), solar_arrays=(SolarArrayParams("x", 1.0, 0.3, mast_height_m=5.0),))
    with pytest.raises(InputError) as err:
        simulate_operations(inputs(n), bad)
    assert err.value.field == "solar_arrays.x.mast_height_m"


def test_data_backlog_alarm_clears_when_the_store_empties():
    # alarm threshold 0: any data on board raises it. 1 Mbit/s for 3 h with the link closed, then the
    # experiment's element retires and the link opens: the store empties at step 3 and the alarm
    # clears there (and stays cleared over the empty steps after it)
    p = OperationsParams(elements=(flat_element(load_w=0.0),),
                         experiments=(ExperimentParams("x", "base", "china", "astronomy", 1e6),),
                         alarms=AlarmParams(data_backlog_above=0.0))
    rate = np.r_[np.zeros(3), np.full(7, 1e9)]
    r = simulate_operations(inputs(10, rate=rate, activations=(ElementActivation("base", 0.0, 3 * H),)), p)
    ev = [(e.kind, e.time_s) for e in r.events if e.subject == "data-storage"]
    assert ev == [("alarm", 0.0), ("alarm-cleared", 3 * H)]
    assert r.totals["returned_bit"] == pytest.approx(3 * 3.6e9)
