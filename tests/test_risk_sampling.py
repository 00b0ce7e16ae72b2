"""Sampling the ``uncertainties`` section: closed-form moments, correlation, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ilrs.errors import ScenarioError
from ilrs.risk.sampling import draw, sample_campaign_inputs, sample_operations_inputs
from ilrs.scenario import load_scenario, scenario_from_dict
from ilrs.scenario.uncertainties import BetaDist, UncertaintiesSection


def _unc(**kw) -> UncertaintiesSection:
    return UncertaintiesSection.model_validate(kw)


def test_beta_from_flight_record_is_the_jeffreys_posterior():
    # 2 failures in 14 launches, Jeffreys prior Beta(1/2, 1/2) -> Beta(2.5, 12.5), mean 1/6
    d = BetaDist(dist="beta", events=2, trials=14)
    assert d.shape == (2.5, 12.5) and d.mean == pytest.approx(1 / 6)
    rng = np.random.default_rng(1)
    x = np.array([draw(d, rng) for _ in range(20000)])
    var = 2.5 * 12.5 / (15**2 * 16)  # a b / ((a+b)^2 (a+b+1))
    assert x.mean() == pytest.approx(1 / 6, abs=4 * math.sqrt(var / x.size))
    assert x.var() == pytest.approx(var, rel=0.05)


def test_beta_from_each_vehicles_record():
    unc = _unc(launch_failure={"default": {"dist": "beta", "from_record": True, "events": 8, "trials": 259}})
    d = unc.for_name("launch_failure", "CZ-5")
    # CZ-5: 1 failure in 8 flights -> Beta(1.5, 7.5); no record -> the 2024 global record Beta(8.5, 251.5)
    assert d.shape_with_record(1, 8) == (1.5, 7.5) and d.shape_with_record(None, None) == (8.5, 251.5)
    assert d.shape_with_record(0, 0) == (8.5, 251.5)  # not yet flown: the global record
    rng = np.random.default_rng(5)
    x = np.array([sample_campaign_inputs(unc, {"CZ-5": (1, 8), "CZ-8": None}, [], rng)["launch_failure.CZ-5"]
                  for _ in range(8000)])
    assert x.mean() == pytest.approx(1.5 / 9.0, abs=4 * math.sqrt(1.5 * 7.5 / (81 * 10) / x.size))


def test_correlated_lognormal_slips():
    unc = _unc(schedule_slip_days={"default": {"dist": "lognormal", "median": 90, "sigma": 0.8}},
               schedule_slip_correlation=0.5)
    rng = np.random.default_rng(7)
    draws = [sample_campaign_inputs(unc, [], ["m1", "m2", "m3"], rng) for _ in range(6000)]
    a = np.log([d["schedule_slip_days.m1"] for d in draws])
    b = np.log([d["schedule_slip_days.m3"] for d in draws])
    assert np.median(np.exp(a)) == pytest.approx(90, rel=0.05)
    assert a.std() == pytest.approx(0.8, rel=0.04)
    assert np.corrcoef(a, b)[0, 1] == pytest.approx(0.5, abs=0.04)
    z = np.array([d["schedule_slip_common_z"] for d in draws])
    # Corr(ln slip, Z_common) = sqrt(rho) (one-factor model)
    assert np.corrcoef(a, z)[0, 1] == pytest.approx(math.sqrt(0.5), abs=0.03)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.permutations(["CZ-10", "CZ-5", "Soyuz-2.1b"]))
def test_draws_depend_on_the_seed_only_not_on_name_order(seed, vehicles):
    unc = _unc(launch_failure={"default": {"dist": "beta", "events": 1, "trials": 20},
                               "CZ-10": {"dist": "uniform", "low": 0.02, "high": 0.2}},
               stand_down_days={"default": {"dist": "triangular", "low": 60, "mode": 120, "high": 365}},
               landing_failure={"ce-8": {"dist": "fixed", "value": 0.1}})
    a = sample_campaign_inputs(unc, vehicles, ["ce-8", "ce-7"], np.random.default_rng(seed))
    b = sample_campaign_inputs(unc, sorted(vehicles), ["ce-7", "ce-8"], np.random.default_rng(seed))
    assert a == b
    assert set(a) == {"launch_failure.CZ-10", "launch_failure.CZ-5", "launch_failure.Soyuz-2.1b",
                      "stand_down_days.CZ-10", "stand_down_days.CZ-5", "stand_down_days.Soyuz-2.1b",
                      "landing_failure.ce-8"}
    assert 0.02 <= a["launch_failure.CZ-10"] < 0.2 and 60 <= a["stand_down_days.CZ-5"] <= 365
    assert a["landing_failure.ce-8"] == 0.1


def test_operations_draws():
    unc = _unc(element_mtbf_h={"default": {"dist": "lognormal", "median": 20000, "sigma": 0.5}},
               array_degradation_per_year={"dist": "normal", "mean": 0.01, "sd": 0.005, "low": 0, "high": 0.05})
    d = sample_operations_inputs(unc, ["habitat", "isru"], np.random.default_rng(3))
    assert set(d) == {"element_mtbf_h.habitat", "element_mtbf_h.isru", "array_degradation_per_year"}
    assert 0 <= d["array_degradation_per_year"] <= 0.05


def _with_unc(unc: dict) -> dict:
    s = load_scenario("ilrs-reference").model_dump(mode="json")
    s["uncertainties"] = unc
    return s


@pytest.mark.parametrize("unc,field", [
    ({"launch_failure": {"CZ-5": {"dist": "lognormal", "median": 0.1, "sigma": 1}}}, "uncertainties"),
    ({"landing_failure": {"default": {"dist": "beta", "events": 5, "trials": 3}}}, "uncertainties.landing_failure"),
    ({"launch_failure": {"CZ-5": {"dist": "gamma", "k": 1}}}, "uncertainties.launch_failure.CZ-5"),
    ({"schedule_slip_correlation": 1.5}, "uncertainties.schedule_slip_correlation"),
])
def test_bad_uncertainties_are_one_line_scenario_errors(unc, field):
    with pytest.raises(ScenarioError) as e:
        scenario_from_dict(_with_unc(unc), file="s.yaml")
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith("s.yaml: " + field)


# names the reference study has: CZ-5 (Chang'e-7/8's launcher, ilrs-facts.md), the mission
# crewed-landing-1, the milestone groundbreaking, the operations element lanyue-habitat
@pytest.mark.parametrize("group,typo,right,kind", [
    ("launch_failure", "CZ5", "CZ-5", "vehicle"),
    ("stand_down_days", "CZ_5", "CZ-5", "vehicle"),
    ("landing_failure", "crewed-landing1", "crewed-landing-1", "mission"),
    ("schedule_slip_days", "nosuch", "crewed-landing-1", "mission"),
    ("element_mtbf_h", "lanyue", "lanyue-habitat", "operations element"),
    ("element_mtbf_factor", "habitat", "lanyue-habitat", "operations element"),
    ("target_dates", "ground-breaking", "groundbreaking", "milestone"),
])
def test_mistyped_names_in_uncertainties_are_errors(group, typo, right, kind):
    value = ("2031-12-31" if group == "target_dates" else
             {"dist": "fixed", "value": 0.1 if group.endswith("failure") else 1000.0})
    with pytest.raises(ScenarioError) as e:
        scenario_from_dict(_with_unc({group: {typo: value}}), file="s.yaml")
    msg = str(e.value)
    assert msg.startswith(f"s.yaml: uncertainties.{group}.{typo}: unknown {kind} {typo!r}") and "\n" not in msg
    assert right in e.value.allowed and ("default" in e.value.allowed) == (group != "target_dates")
    spelled_right = scenario_from_dict(_with_unc({group: {right: value}}))
    assert right in getattr(spelled_right.uncertainties, group)
    if group != "target_dates":
        scenario_from_dict(_with_unc({group: {"default": value}}))
