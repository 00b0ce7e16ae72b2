"""Risk drivers that respect causality (issue 17, item 1): a milestone is driven only by what it
depends on, and a mission's own slip is told apart from the slip factor all missions share.

Closed form: slips from a one-factor Gaussian copula, Z_m = √ρ·Z_c + √(1−ρ)·Z_own(m), a normal
slip (increasing in Z_m), nothing failing: a milestone reached when m0 arrives has the rank order of
Z_m0, and for a bivariate normal Spearman's ρ_s = (6/π)·asin(r/2) (Kruskal 1958), with
r = √ρ against the shared factor and r = √(1−ρ) against the mission's own part.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from ilrs.risk.analysis import causal_drivers, milestone_dependencies, own_slip_scores
from ilrs.scenario import scenario_from_dict

from .study import campaign_of, run_risk

RHO = 0.8


def _two_missions() -> dict:
    missions = [{"id": m, "kind": "orbiter", "launches": [{"vehicle": v}], "dates": [{"date": d}],
                 "transfer_days": 5.0} for m, v, d in (("m0", "V", "2030-01-01"), ("m1", "W", "2045-01-01"))]
    return {
        "name": "two-missions", "seed": 777, "span": {"start": "2029-01-01", "end": "2046-01-01"},
        "site": {"name": "connecting-ridge", "horizon": "sphere"},
        "campaign": {"catalogue": False, "vehicles": [{"id": "V", "family": "V"}, {"id": "W", "family": "W"}],
                     "missions": missions, "reflight": {"enabled": False},
                     "milestones": [{"id": "early", "target": "2030-06-01", "condition": {"missions_succeeded": ["m0"]}},
                                    {"id": "late", "target": "2045-06-01", "condition": {"missions_succeeded": ["m1"]}}]},
        "uncertainties": {"runs": 3000, "schedule_slip_correlation": RHO,
                          "launch_failure": {"default": {"dist": "fixed", "value": 0.0}},
                          "schedule_slip_days": {"default": {"dist": "normal", "mean": 200.0, "sd": 60.0}}},
    }


def _spearman_of_normal(r: float) -> float:
    return 6.0 / math.pi * math.asin(r / 2.0)


def test_a_later_mission_never_drives_an_earlier_milestone():
    scenario = scenario_from_dict(_two_missions())
    result = run_risk(scenario, runs=3000)
    inputs = campaign_of(scenario)
    assert milestone_dependencies(inputs) == {"early": frozenset({"m0"}), "late": frozenset({"m1"})}
    drivers = causal_drivers(result.table, inputs)
    early = {r["input"]: r["spearman_rho"] for r in drivers["early"]}
    assert not any("m1" in k or k.endswith(".W") for k in early)  # the 2045 mission cannot move 2030
    # the shared factor and m0's own part, at their closed-form rank correlations
    assert abs(early["schedule_slip_common_z"] - _spearman_of_normal(math.sqrt(RHO))) < 0.04
    assert abs(early["own_slip.m0"] - _spearman_of_normal(math.sqrt(1 - RHO))) < 0.05
    # the old, non-causal ranking put m1's slip high (through the shared factor alone)
    old = {r["input"]: r["spearman_rho"] for r in result.summary["sensitivity"]["early"]}
    assert old["schedule_slip_days.m1"] > 0.6


def test_own_slip_scores_recover_the_missions_own_part():
    rng = np.random.default_rng(5)
    n, rho = 4000, 0.6
    zc, zown = rng.standard_normal(n), rng.standard_normal(n)
    slip = np.exp(3.0 + 0.7 * (math.sqrt(rho) * zc + math.sqrt(1 - rho) * zown))  # a lognormal slip
    own = own_slip_scores(slip, zc)
    assert np.corrcoef(own, zown)[0, 1] > 0.98
    assert abs(np.corrcoef(own, zc)[0, 1]) < 0.02


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=5, max_size=60))
def test_own_slip_scores_keep_the_order_without_a_shared_factor(values):
    x = np.array(values)
    z = own_slip_scores(x, None)
    order = np.argsort(x, kind="mergesort")
    assert np.all(np.diff(z[order]) >= -1e-12)  # increasing in the slip


def test_every_milestone_of_the_reference_study_gets_its_drivers():
    from ilrs.scenario import load_scenario

    scenario = load_scenario("ilrs-reference")
    inputs = campaign_of(scenario)
    deps = milestone_dependencies(inputs)
    # published plan: groundbreaking needs Chang'e-8 (the base's first element), not the 2040s extended model
    assert "change-8" in deps["groundbreaking"]
    assert not deps["groundbreaking"] & deps["extended-model"]
    result = run_risk(scenario, runs=200)
    drivers = causal_drivers(result.table, inputs)
    assert set(drivers) == set(result.summary["milestones"])
    assert all(drivers[m] for m in drivers)
    for m, rows in drivers.items():
        for r in rows:
            what = r["input"].split(".", 1)[-1]
            if r["input"].startswith(("own_slip.", "landing_failure.")):
                assert what in deps[m], (m, r)


def test_a_table_without_slips_has_no_shared_factor():
    table = pa.table({"input.launch_failure.V": [0.1, 0.2, 0.3, 0.4], "milestone.early": [1.0, 2.0, 3.0, 4.0]})
    scenario = scenario_from_dict(_two_missions())
    drivers = causal_drivers(table, campaign_of(scenario))
    assert [r["input"] for r in drivers["early"]] == ["launch_failure.V"]
    assert math.isclose(drivers["early"][0]["spearman_rho"], 1.0)
