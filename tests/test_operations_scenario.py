"""Operations from a scenario: sourced defaults, validation, units, access policy, the adapter
against the environment layer, and the `ilrs ops` command."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from ilrs.errors import ScenarioError
from ilrs.operations import (
    ElementParams,
    OperationsParams,
    SolarArrayParams,
    StorageParams,
    access_policy,
    params_from_section,
    simulate_operations,
)
from ilrs.operations.model import MODE_FAILURE
from ilrs.operations.params import crew_needs_kg_per_day, default_closure, ops_defaults
from ilrs.report.products import RunProducts, compile_setup, operations_inputs
from ilrs.scenario import load_scenario, scenario_from_dict

BASE = {"name": "ops-test", "span": {"start": "2033-01-01", "end": "2034-01-01"},
        "site": {"name": "connecting-ridge", "mast_height_m": 2.0, "horizon": "dem"}}


def with_ops(ops: dict) -> dict:
    return {**BASE, "operations": ops}


def build_inputs(scenario, *, campaign="nominal", start=None, years=None, step_hours=None):
    """The operations inputs of ``scenario`` exactly as ``ilrs ops`` and ``ilrs run`` build them
    (``campaign=None``: the operations section alone)."""
    setup = compile_setup(scenario, ops_start=start, ops_years=years, ops_step_hours=step_hours)
    products = RunProducts(setup, risk_runs=0)
    flown = products.campaign if campaign is not None and setup.campaign.missions else None
    return operations_inputs(setup, products.environment, products.downlink, flown)


# --------------------------------------------------------------------------- sourced defaults
def test_defaults_are_the_published_figures():
    # ilrs-facts.md, "Power and life support": NASA BVAD per crew-member-day and ISS recovery
    need = crew_needs_kg_per_day()
    assert need["oxygen"] == 0.835
    assert need["food"] == 0.617
    assert need["water"] == pytest.approx(3.909 + 12.6)
    assert default_closure()["water"] == 0.98
    assert default_closure()["oxygen"] == 0.5
    units = ops_defaults()["nuclear_units"]
    assert units["kilopower"]["power_kwe"] == 10.0          # KRUSTY: up to 10 kWe
    assert units["fission-surface-power"]["power_kwe"] == 40.0
    assert ops_defaults()["metabolic_energy_mj_per_crew_member_day"]["value"] == 11.82
    # these are the 2004 ALS BVAD table's figures (Hanford, NASA/CR-2004-208941), cited as such
    d = ops_defaults()
    src = d["consumables_per_crew_member_day"]["oxygen"]["source"]
    assert "CR-2004-208941" in d["sources"][src]["title"]
    assert d["consumables_per_crew_member_day"]["water"]["parts"]["potable"]["source"] == src
    # NASA MMRTG: about 110 W electric at the start of a mission
    assert units["rtg"]["power_kwe"] == pytest.approx(0.110)
    s = scenario_from_dict(with_ops({"power": {"nuclear": [{"name": "r", "kind": "rtg"}]}}))
    assert params_from_section(s.operations).nuclear[0].power_w == pytest.approx(110.0)


def test_units_are_converted_once():
    s = scenario_from_dict(with_ops({
        "elements": [{"name": "hab", "owner": "russia", "survival_kw": 0.5, "nominal_kw": 1.5, "science_kw": 2.0,
                      "failure": {"distribution": "exponential", "mtbf_days": 100, "repair_hours_crew": 6}}],
        "power": {"storage": [{"name": "b", "capacity_kwh": 10, "max_power_kw": 3}],
                  "nuclear": [{"name": "kp", "kind": "kilopower"}, {"name": "fsp", "kind": "fission-surface-power"}]},
        "data": {"storage_gbit": 2, "experiments": [{"name": "x", "element": "hab", "owner": "pakistan", "rate_kbps": 5}]},
    }))
    p = params_from_section(s.operations)
    e = p.elements[0]
    assert (e.survival_w, e.nominal_w, e.science_w) == (500.0, 1500.0, 2000.0)
    assert e.failure.mtbf_s == 100 * 86400 and e.failure.repair_s_crew == 6 * 3600
    assert p.storage[0].capacity_j == 10 * 3.6e6 and p.storage[0].max_power_w == 3000.0
    assert [u.power_w for u in p.nuclear] == [10e3, 40e3]
    assert p.data_storage_bit == 2e9 and p.experiments[0].rate_bps == 5e3


@pytest.mark.parametrize("ops, field", [
    ({"elements": [{"name": "a", "survival_kw": 2, "nominal_kw": 1, "science_kw": 3}]}, "operations.elements"),
    ({"elements": [{"name": "a", "owner": "atlantis"}]}, "operations.elements[0].owner"),
    ({"data": {"experiments": [{"name": "x", "element": "nope", "owner": "china", "rate_kbps": 1}]}}, "operations"),
    ({"power": {"shed_science_below": 0.2, "shed_nominal_below": 0.5}}, "operations.power"),
    ({"power": {"storage": [{"name": "b", "capacity_kwh": 1, "element": "nope"}]}}, "operations"),
    ({"power": {"nuclear": [{"name": "u", "kind": "custom"}]}}, "operations.power.nuclear[0].power_kwe"),
    ({"crew": {"stays": [{"arrival": "2033-02-01", "departure": "2033-01-01", "crew": ["china"]}]}}, "operations.crew"),
])
def test_bad_operations_sections_name_the_field(ops, field):
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(with_ops(ops), file="s.yaml")
    assert str(err.value).startswith(f"s.yaml: {field}")
    assert "\n" not in str(err.value)


# --------------------------------------------------------------------------- access policy
def test_access_policy_follows_the_ip_clause_of_seed_004():
    # seed 004: the Russia-China agreement protects "the rights of both parties"
    ru = access_policy("russia")
    assert set(ru.access) == {"china", "russia"} and "china-russia-iga-2022" in ru.agreements
    assert set(access_policy("roscosmos").access) >= {"china", "russia"}
    pk = access_policy("pakistan")
    assert pk.access == ("pakistan",) and not pk.agreements


# --------------------------------------------------------------------------- adapter + environment
@pytest.fixture(scope="module")
def half_year():
    from ilrs.environment import site_from_spec, sun_earth_azel, time_grid
    from ilrs.environment.terrain import horizon_for_site

    s = scenario_from_dict(with_ops({"start": "2033-06-01", "years": 0.5}))
    built = build_inputs(s, campaign=None)
    site = site_from_spec(s.site)
    times = time_grid("2033-06-01", days=0.5 * 365.25, step_s=3600.0)
    track = sun_earth_azel(site, times, horizon_for_site(site, "dem"))
    return s, built, track


def test_inputs_match_the_environment_layer(half_year):
    s, built, track = half_year
    inp = built.inputs
    assert inp.n_steps == len(track.times) == math.ceil(0.5 * 365.25 * 24)
    np.testing.assert_allclose(inp.visible_solar_fraction, track.visible_solar_fraction)
    # unobstructed irradiance: Sun-Moon distance within Earth's perihelion/aphelion (0.98329, 1.01671 au)
    # ± the Moon's apogee distance (405,500 km = 0.00271 au)
    lo, hi = 1361 / (1.01671 + 0.00271) ** 2, 1361 / (0.98329 - 0.00271) ** 2
    assert lo < inp.solar_irradiance_w_m2.min() and inp.solar_irradiance_w_m2.max() < hi
    # the inputs are the span's timeline sliced to the window: its 6 h spline nodes sit elsewhere than
    # those of this track (anchored at the window start), so they agree to the spline's accuracy
    # (Sun distance: ~2e-8 relative), not to the last bit
    np.testing.assert_allclose(inp.solar_irradiance_w_m2 * inp.visible_solar_fraction, track.irradiance_w_m2, rtol=1e-6)
    assert "horizon dem" in built.sources["sunlight"]


def test_downlink_from_the_comms_layer_or_a_product(half_year):
    from ilrs.comms import comms_setup, downlink_on_grid, downlink_timeline
    from ilrs.environment import site_setup

    s, built, track = half_year
    setup, site = comms_setup(s.relays), site_setup(s.site, s.span.start, s.span.end)
    times = track.times[:500]
    rate, label = downlink_on_grid(setup, site, times)
    np.testing.assert_array_equal(rate, downlink_timeline(setup, site, times).downlink_rate_bps)
    assert label.startswith("comms")
    # a product on a coarser grid holds each sample over its step (a rate is constant over a step):
    # grid instant j reads coarse sample j // 2
    from ilrs.comms import DownlinkTimeline

    coarse = DownlinkTimeline(times[::2], np.arange(250, dtype=float), np.zeros(250), np.zeros(250), "test")
    rate2, label2 = downlink_on_grid(setup, site, times, coarse)
    np.testing.assert_array_equal(rate2, np.arange(500) // 2)
    assert "outside" not in label2  # the coarse grid's last step reaches past times[-1]


def test_battery_too_small_fails_at_the_date_the_environment_predicts(half_year):
    s, built, track = half_year
    load, cap, eta_d = 800.0, 40 * 3.6e6, 0.9
    area, eff = 1e4, 0.3  # generation >= load whenever any of the disc shows: dark = "cannot serve"
    p = OperationsParams(elements=(ElementParams("base", survival_w=load, nominal_w=load, science_w=load),),
                         solar_arrays=(SolarArrayParams("pv", area, eff),),
                         storage=(StorageParams("b", cap, 1.0, eta_d, 1.0),),
                         shed_science_below=0.0, shed_nominal_below=0.0)
    r = simulate_operations(built.inputs, p)
    # prediction from the environment's own track: darkness runs where area*eff*irradiance < load
    gen = area * eff * track.irradiance_w_m2
    dark = gen < load
    k_fail = math.floor(cap * eta_d / (load * 3600.0))  # steps the full battery carries the load
    edges = np.diff(np.r_[0, dark.astype(np.int8), 0])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    long_runs = [(a, b) for a, b in zip(starts, ends) if b - a > k_fail and a > 0]
    assert long_runs, "the half year has a darkness longer than the battery lasts"
    a0 = long_runs[0][0]
    # the partial-sun step before each darkness may top the battery up; the store is full at dusk
    first = np.flatnonzero(r.series["mode"] == MODE_FAILURE)[0]
    assert first == a0 + k_fail
    predicted = track.times[a0 + k_fail].astype("datetime64[s]")
    assert r.times()[first] == predicted


# --------------------------------------------------------------------------- CLI
def test_ops_command_json_and_files(tmp_path, ilrs_cli):
    res = ilrs_cli("ops", "--start", "2032-01-01", "--years", "0.3", "--format", "json", "--out", tmp_path)
    assert res.returncode == 0, res.stderr
    k = json.loads(res.stdout)
    assert k["start_utc"] == "2032-01-01T00:00:00Z"
    assert k["energy_generated_kwh"] > 0
    for name in ("ops-soc.png", "ops-data.png", "ops-consumables.png", "ops-events.csv", "ops-kpis.json",
                 "ops-series.parquet"):
        assert (tmp_path / name).stat().st_size > 0
    # the time series: one row per hour of the window, adding up to the KPIs
    import pyarrow.parquet as pq

    t = pq.read_table(tmp_path / "ops-series.parquet").to_pandas()
    assert len(t) == math.ceil(0.3 * 365.25 * 24)
    assert str(t["time_utc"].iloc[0]) == "2032-01-01 00:00:00+00:00"
    assert t["generated_w"].sum() * 3600 / 3.6e6 == pytest.approx(k["energy_generated_kwh"], rel=1e-12)
    assert t["data_returned_bit"].sum() / 1e9 == pytest.approx(k["data_returned_gbit"], rel=1e-12)
    socs = [c for c in t.columns if c.startswith("soc_")]
    assert "soc_ilrs-energy-battery" in socs and {"stock_oxygen_kg", "data_stored_bit", "served_w"} <= set(t.columns)
    for c in socs:
        v = t[c].dropna()
        assert ((v >= 0) & (v <= 1 + 1e-12)).all()
    # data returned per partner sums to the total returned
    assert sum(k["data_returned_gbit_by_partner"].values()) == pytest.approx(k["data_returned_gbit"], rel=1e-9)


def test_ops_command_bad_date_is_one_line(ilrs_cli):
    res = ilrs_cli("ops", "--start", "2032-13-01")
    assert res.returncode == 2
    assert "--start" in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_reference_scenario_operations_section_loads():
    s = load_scenario("ilrs-reference")
    names = {e.name for e in s.operations.elements}
    assert {"ilrs-energy-solar", "ilrs-research-facility", "nuclear-power-plant"} <= names


def test_report_section_equals_the_ops_command(tmp_path):
    """The operations section of ``ilrs run`` and ``ilrs ops`` give the same KPIs for the same
    scenario and seed: one path builds both (issue 12: they used to differ, 602,642 vs 602,210 Gbit)."""
    import yaml

    from ilrs.data import data_path
    from ilrs.report.products import operations_products
    from ilrs.report.section import RunContext
    from ilrs.report.sections import operations as section

    raw = yaml.safe_load(data_path("scenarios", "ilrs-reference.yaml").read_text())
    raw["span"] = {"start": "2033-10-01", "end": "2034-03-01"}
    raw["operations"]["start"] = "2033-11-01"
    raw["operations"]["years"] = 0.25
    s = scenario_from_dict(raw)
    products = RunProducts(compile_setup(s), risk_runs=0)
    sec = section.build(products, RunContext(out_dir=tmp_path))
    direct = operations_products(compile_setup(s)).kpis
    for key in ("energy_generated_kwh", "energy_served_kwh", "data_returned_gbit", "hours_survival_mode"):
        assert sec.summary[key] == direct[key]
    assert sec.summary["inputs"]["sunlight"].startswith("environment: connecting-ridge")
    assert "<img" in sec.html and products.operations.result.n_steps == math.ceil(0.25 * 365.25 * 24)
    import pyarrow.parquet as pq

    assert sec.summary["series_table"] == "tables/ops-series.parquet"
    assert pq.read_metadata(tmp_path / "tables" / "ops-series.parquet").num_rows == math.ceil(0.25 * 365.25 * 24)


def test_reference_storage_arrives_with_its_element():
    # ILRS-1's battery and fuel cell ride on ilrs-energy-solar: not on site (NaN) before the campaign
    # makes it operational, then full (initial_soc 1.0) and never above capacity
    s = load_scenario("ilrs-reference")
    built = build_inputs(s, step_hours=24.0)
    t_on = next(a.time_s for a in built.inputs.activations if a.element == "ilrs-energy-solar")
    assert 0 < t_on < built.inputs.duration_s
    r = simulate_operations(built.inputs, built.params, np.random.default_rng(1))
    i_on = math.ceil(t_on / built.inputs.step_s - 1e-9)
    for name, kwh in (("ilrs-energy-battery", 150.0), ("ilrs-energy-rfc", 600.0)):
        e = r.series[f"storage_{name}_j"]
        assert np.isnan(e[:i_on]).all() and np.isfinite(e[i_on:]).any()
        assert np.nanmax(e) <= kwh * 3.6e6 * (1 + 1e-12)
    assert r.totals["storage_arrived_j"] >= (150.0 + 600.0) * 3.6e6


def test_products_shorter_than_the_grid_are_completed_not_extrapolated(half_year):
    # a product ending inside the operations grid (e.g. ops years past the scenario span): the part it
    # covers is reused, the rest comes from the layer's API -- never the product's last value held
    from ilrs.comms import DownlinkTimeline, comms_setup, downlink_on_grid, downlink_timeline
    from ilrs.environment import EnvironmentProducts, site_setup, timeline_of

    s, built, track = half_year
    site = site_setup(s.site, "2033-06-01", "2033-06-09 08:00")  # 200 hourly epochs
    env = EnvironmentProducts(site, timeline_of(site, use_cache=False))
    times = track.times[:600]
    sky, computed = env.track(times)
    # the 400 computed epochs come from their own 6 h node spline: Sun az/el within 6e-8° of the
    # half-year's, a visible fraction within 7e-8 where the disk meets a steep horizon
    np.testing.assert_allclose(sky.visible_solar_fraction, track.visible_solar_fraction[:600], atol=1e-6)
    np.testing.assert_array_equal(sky.earth_visible, track.earth_visible[:600])
    assert computed == 400
    setup = comms_setup(s.relays)
    full = downlink_timeline(setup, site, times).downlink_rate_bps
    short = DownlinkTimeline(times[:200], full[:200], full[:200], np.zeros(200), "j2")
    rate, label = downlink_on_grid(setup, site, times, short)
    np.testing.assert_allclose(rate, full)
    assert "400 steps outside" in label


def test_arrays_on_taller_masts_see_at_least_as_much_sun():
    # Raising the observer lowers the elevation angle to every terrain point, so the horizon at a
    # 10 m mast is nowhere higher than at 2 m: its visible solar fraction is >= at every step. The
    # 10 m fraction equals the environment layer's own track from site.with_mast(10).
    from ilrs.environment import site_from_spec, sun_earth_azel, time_grid
    from ilrs.environment.terrain import horizon_for_site

    s = scenario_from_dict(with_ops({
        "start": "2033-06-01", "years": 0.25,
        "elements": [{"name": "e"}],
        "power": {"solar_arrays": [{"name": "low", "element": "e", "area_m2": 1.0, "degradation_per_year": 0},
                                   {"name": "tall", "element": "e", "area_m2": 1.0, "degradation_per_year": 0,
                                    "mast_height_m": 10.0}]}}))
    built = build_inputs(s, campaign=None)
    site10 = site_from_spec(s.site).with_mast(10.0)
    times = time_grid("2033-06-01", days=0.25 * 365.25, step_s=3600.0)
    ref = sun_earth_azel(site10, times, horizon_for_site(site10, "dem")).visible_solar_fraction
    tall = built.inputs.visible_solar_fraction_at_mast_m[10.0]
    np.testing.assert_allclose(tall, ref, atol=1e-12)
    assert (tall >= built.inputs.visible_solar_fraction - 1e-9).all()
    assert tall.sum() > built.inputs.visible_solar_fraction.sum()
    assert "10 m" in built.sources["sunlight"]
    # P = A * eta * S * f * cos(el) for each array, each with its own f
    inp = built.inputs
    r = simulate_operations(inp, built.params)
    expected = 0.30 * inp.solar_irradiance_w_m2 * np.cos(np.radians(inp.sun_elevation_deg)) * (inp.visible_solar_fraction + ref)
    np.testing.assert_allclose(r.series["generated_w"], expected, rtol=1e-12)


def test_campaign_only_elements_fail_by_role_unless_overridden():
    import yaml

    from ilrs.data import data_path

    raw = yaml.safe_load(data_path("scenarios", "ilrs-reference.yaml").read_text())
    raw["operations"]["years"] = 1
    listed = {e["name"] for e in raw["operations"]["elements"]}
    defaults = yaml.safe_load(data_path("ops_defaults.yaml").read_text())["failure_by_role"]
    built = build_inputs(scenario_from_dict(raw), step_hours=24.0)
    extra = [e for e in built.params.elements if e.name not in listed]
    assert len(extra) >= 5 and all(e.failure is not None for e in extra)
    for e in extra:
        assert e.failure.mtbf_s == defaults[e.role]["mtbf_days"] * 86400.0
    assert "ops_defaults.yaml" in built.sources["failures"]
    # the scenario overrides a role; "none" disables failures of that role
    raw["operations"]["failure_by_role"] = {"mobility": {"distribution": "none"},
                                            "comms": {"distribution": "weibull", "weibull_shape": 2.0,
                                                      "weibull_scale_days": 500}}
    built = build_inputs(scenario_from_dict(raw), step_hours=24.0)
    extra = {e.name: e for e in built.params.elements if e.name not in listed}
    assert all(e.failure is None for e in extra.values() if e.role == "mobility")
    comms = [e for e in extra.values() if e.role == "comms"]
    assert comms and all(e.failure.weibull_scale_s == 500 * 86400.0 for e in comms)


def test_campaign_crew_stays_elsewhere_consume_nothing_here():
    # a campaign whose two crewed stays are at the far-side node and at this site: only the second
    # brings crew (and crew-days) to the station
    import datetime as dt
    from types import SimpleNamespace

    from ilrs.operations import with_campaign

    s = scenario_from_dict(with_ops({"start": "2033-06-01", "years": 0.1, "elements": [{"name": "e"}]}))
    built = build_inputs(s, campaign=None, step_hours=6.0)
    stay = lambda mission, site: SimpleNamespace(mission=mission, arrival=dt.date(2033, 6, 10),  # noqa: E731
                                                 departure=dt.date(2033, 6, 20), crew=("china", "china"), site=site)
    camp = SimpleNamespace(elements={}, deliveries=(),
                           crew_stays=(stay("far", "far-side"), stay("here", "connecting-ridge")))
    b = with_campaign(built, compile_setup(s).operations, camp)
    assert len(b.inputs.crew_stays) == 1 and "far (far-side)" in b.sources["crew"]
    r = simulate_operations(b.inputs, b.params)
    assert r.totals["crew_days"] == {"china": 20.0}


def test_a_campaign_of_inline_missions_only_is_flown_by_operations():
    """A campaign with no manifest, only inline missions (issue 12: operations used to drop it): the
    station's elements arrive on the campaign's dates and the crew stay at the site counts."""
    from .test_campaign_engine import base_scenario, toy_campaign

    raw = base_scenario(toy_campaign())
    raw["operations"] = {"start": "2030-01-01", "years": 1.0, "step_hours": 6.0}
    s = scenario_from_dict(raw)
    assert not s.campaign.manifest and len(s.campaign.missions) == 3
    built = build_inputs(s)
    on = {a.element: a.time_s / 86400.0 for a in built.inputs.activations}
    # power: launched 2030-01-10, 10 days to the Moon, 5 days to deploy -> operational 2030-01-25 (day 24)
    assert on["power"] == pytest.approx(24.0)
    # radio: 2030-01-01 + 3 days transfer, deployed when power is (it depends on it) -> day 24 too
    assert on["radio"] == pytest.approx(24.0)
    assert "campaign result" in built.sources["elements"]
    assert len(built.inputs.crew_stays) == 1 and built.inputs.crew_stays[0].crew == ("china", "pakistan")
