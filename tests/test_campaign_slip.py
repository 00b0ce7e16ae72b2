"""One slip model, one sampled run: risk run i replays alone through the campaign layer.

Risk run i draws from ``SeedSequence(seed, spawn_key=(i,))`` (DESIGN.md, Determinism); handed
a generator on that sequence, :func:`ilrs.campaign.sampled_campaign` (what ``ilrs campaign --seed
SEED --run I`` flies) must give the run's sampled inputs and milestone dates exactly, and the
engine's own slips must come from the same function, in the same order, as the risk layer's.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pytest

from ilrs.campaign import sample_campaign_inputs, sampled_campaign, simulate_campaign
from ilrs.scenario import load_scenario, scenario_from_dict
from ilrs.scenario.uncertainties import UncertaintiesSection, correlated_slips_days

from .study import campaign_of, replay

EPOCH = dt.date(1970, 1, 1)
SEED = 20280101


def _run_generator(seed: int, i: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(i,))))


def _days(d: dt.date | None) -> float | None:
    return None if d is None else float((d - EPOCH).days)


@pytest.fixture(scope="module")
def reference():
    return load_scenario("ilrs-reference")


@pytest.mark.parametrize("i", [0, 3, 17, 250])
def test_risk_run_i_replays_alone_through_the_campaign_layer(reference, i):
    row = replay(reference, i, seed=SEED)
    draws, result = sampled_campaign(campaign_of(reference), _run_generator(SEED, i))
    assert {f"input.{k}": v for k, v in draws.items()} == {k: v for k, v in row.items() if k.startswith("input.")}
    got = {f"milestone.{k}": _days(d) for k, d in result.milestones.items()}
    assert got == {k: v for k, v in row.items() if k.startswith("milestone.")}
    outcomes = [m.outcome for m in result.missions if not m.past]
    assert row["launch_failures"] == outcomes.count("launch-failure")
    assert row["landing_failures"] == outcomes.count("landing-failure")


def test_runs_differ_so_the_replay_test_has_teeth(reference):
    """Slips are sampled on every run of the reference (lognormal, median 90 days): two runs give
    different dates, and a replay from the wrong run index would not match."""
    inputs = campaign_of(reference)
    a = sampled_campaign(inputs, _run_generator(SEED, 3))[1].milestones
    b = sampled_campaign(inputs, _run_generator(SEED, 4))[1].milestones
    assert a != b


def test_cli_seed_and_run_is_that_risk_run(reference, ilrs_cli):
    """``ilrs campaign --seed N --run I`` prints risk run I's dates; without --run it is run 0."""
    r = ilrs_cli("campaign", "--seed", str(SEED), "--run", "17", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert (data["seed"], data["run"]) == (SEED, 17)
    row = replay(reference, 17, seed=SEED)
    assert {k: (None if v is None else float((dt.date.fromisoformat(v) - EPOCH).days))
            for k, v in data["milestones"].items()} == {k.removeprefix("milestone."): v for k, v in row.items()
                                                         if k.startswith("milestone.")}
    r0 = ilrs_cli("campaign", "--seed", str(SEED), "--format", "json")
    assert json.loads(r0.stdout)["run"] == 0
    row0 = replay(reference, 0, seed=SEED)
    assert json.loads(r0.stdout)["milestones"] == {
        k.removeprefix("milestone."): (None if v is None else (EPOCH + dt.timedelta(days=v)).isoformat())
        for k, v in row0.items() if k.startswith("milestone.")}


def test_engine_slips_are_the_risk_layers_slips():
    """simulate_campaign's own slip draw (no override) and sample_campaign_inputs both call
    correlated_slips_days with the missions sorted: same generator, same slips. Launches and
    landings never fail and nothing else is drawn, so each launch is its planned day + its slip."""
    raw = {"name": "three", "seed": 1, "span": {"start": "2029-01-01", "end": "2033-01-01"},
           "site": {"name": "connecting-ridge", "horizon": "sphere"},
           "campaign": {"catalogue": False, "vehicles": [{"id": "V"}], "reflight": {"enabled": False},
                        "missions": [{"id": f"m{k}", "kind": "orbiter", "launches": [{"vehicle": "V"}],
                                      "dates": [{"date": "2030-01-01"}], "transfer_days": 5.0}
                                     for k in (2, 0, 1)]},  # manifest order is not the draw order
           "uncertainties": {"schedule_slip_days": {"default": {"dist": "lognormal", "median": 90, "sigma": 0.9},
                                                    "m1": {"dist": "triangular", "low": 0, "mode": 10, "high": 400}},
                             "schedule_slip_correlation": 0.3}}
    s = scenario_from_dict(raw)
    inputs = campaign_of(s)
    for seed in range(5):
        r = simulate_campaign(inputs, np.random.default_rng(seed), {"launch_failure.default": 0.0})
        risk = sample_campaign_inputs(s.uncertainties, [], ["m0", "m1", "m2"], np.random.default_rng(seed))
        for m in r.missions:
            slip = risk[f"schedule_slip_days.{m.id}"]
            assert m.launch == dt.date(2030, 1, 1) + dt.timedelta(days=math.floor(slip))


def test_correlated_slips_draw_order_is_fixed():
    """The order written in its docstring: Z_common, a vector of own normals for the sorted
    missions, then each distribution's own draws; with sigma 0 a lognormal slip is its median."""
    unc = UncertaintiesSection.model_validate(
        {"schedule_slip_days": {"b": {"dist": "lognormal", "median": 50, "sigma": 0.5},
                                "a": {"dist": "lognormal", "median": 20, "sigma": 0.0}}})
    rng = np.random.default_rng(9)
    common, slips = correlated_slips_days(dict(unc.named("schedule_slip_days", ["b", "a"])), 0.25, rng)
    ref = np.random.default_rng(9)
    z_common = ref.standard_normal()
    z_a, z_b = ref.standard_normal(2)
    assert common == z_common
    assert slips["a"] == 20.0
    assert slips["b"] == pytest.approx(50 * math.exp(0.5 * (0.5 * z_common + math.sqrt(0.75) * z_b)))
    assert list(slips) == ["a", "b"] and z_a != z_b
