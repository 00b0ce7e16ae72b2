"""One ``ilrs run``, each expensive product computed once (issue 12).

Every function that computes an expensive product is wrapped where any ilrs module holds it, and
calls are counted by what they compute (the site's mast height, the grid's length). Before the
typed products, one run computed the 10 m-mast Sun track twice, the DEM horizon three times, the
Earth visibility twice, the campaign inputs twice and the operations parameters twice.
"""

from __future__ import annotations

import collections
import functools
import importlib
import sys

import pytest

from ilrs.scenario import load_scenario, scenario_from_dict

COUNTED = [  # (module, function, what distinguishes one product from another)
    ("ilrs.environment.sky", "sun_earth_azel", lambda a, k: f"{a[0].mast_height_m:g} m, {len(a[1])} epochs"),
    ("ilrs.environment.terrain", "horizon_for_site", lambda a, k: f"{a[0].mast_height_m:g} m"),
    ("ilrs.comms.analysis", "analyze", lambda a, k: f"{len(a[4])} epochs"),
    ("ilrs.campaign.inputs", "compile_campaign", lambda a, k: ""),
    ("ilrs.campaign.engine", "simulate_campaign", lambda a, k: "nominal" if (a[1:2] or [k.get("rng")])[0] is None
     else "sampled"),
    ("ilrs.campaign.engine", "simulate_milestones", lambda a, k: "nominal" if (a[1:2] or [k.get("rng")])[0] is None
     else "sampled"),  # a campaign-only risk run: the same flight without the run's records
    ("ilrs.operations.params", "params_from_section", lambda a, k: ""),
    ("ilrs.operations.engine", "simulate_operations", lambda a, k: ""),
]


def _wrap_everywhere(monkeypatch, module: str, name: str, key, counts) -> None:
    original = getattr(importlib.import_module(module), name)

    @functools.wraps(original)
    def counted(*args, **kwargs):
        counts[f"{name}({key(args, kwargs)})"] += 1
        return original(*args, **kwargs)

    for mod in list(sys.modules.values()):
        if getattr(mod, "__name__", "").startswith("ilrs"):
            for attr, value in list(vars(mod).items()):
                if value is original:
                    monkeypatch.setattr(mod, attr, counted)


@pytest.fixture
def counts(monkeypatch):
    import ilrs.report.build  # noqa: F401  (every module the run uses, loaded before wrapping)
    import ilrs.report.sections.campaign  # noqa: F401
    import ilrs.report.sections.comms  # noqa: F401
    import ilrs.report.sections.consortium  # noqa: F401
    import ilrs.report.sections.drift  # noqa: F401
    import ilrs.report.sections.environment  # noqa: F401
    import ilrs.report.sections.operations  # noqa: F401
    import ilrs.report.sections.risk  # noqa: F401
    from ilrs.scenario.campaign import CampaignSection

    c = collections.Counter()
    for module, name, key in COUNTED:
        _wrap_everywhere(monkeypatch, module, name, key, c)
    resolve = CampaignSection._resolve
    monkeypatch.setattr(CampaignSection, "_resolve", lambda self: c.update(["CampaignSection.resolve"]) or resolve(self))
    return c


def _short_reference() -> dict:
    raw = load_scenario("ilrs-reference").model_dump(mode="json", exclude_unset=True)
    raw["span"] = {"start": "2027-01-01", "end": "2027-07-01"}
    raw["operations"].update(start="2027-02-01", years=0.25)
    raw["relays"].update(analysis_days=2.0, coverage_spacing_km=0.0)
    return raw


def test_one_run_computes_each_product_once(counts, tmp_path, monkeypatch):
    from ilrs.report import build_report

    monkeypatch.setenv("ILRS_CACHE_DIR", str(tmp_path / "cache"))  # cold: nothing from disk
    raw = _short_reference()
    # the drift section flies the nominal campaign of a different study, the one known on each day a
    # claim was reported (ilrs.campaign.drift): one resolve, compile and nominal flight per day
    from ilrs.campaign.drift import replay_days

    replays = len(replay_days(scenario_from_dict(raw)))
    assert replays >= 20  # one per distinct reported day of the reference's missions
    counts.clear()
    build_report(scenario_from_dict(raw), tmp_path / "cold", options={"risk_runs": 20, "rival": "none"})
    hours = 181 * 24  # the span, hourly (2027 is not a leap year)
    period = 2 * 24 * 60  # relays.analysis_days at relays.step_s (60 s)
    assert dict(counts) == {
        f"sun_earth_azel(2 m, {hours} epochs)": 1,     # the site's timeline (and the DTE of the downlink)
        f"sun_earth_azel(10 m, {hours} epochs)": 1,    # arrays on their masts and the published 10 m figure
        f"sun_earth_azel(2 m, {period} epochs)": 1,    # the representative comms period's DTE
        "horizon_for_site(2 m)": 1, "horizon_for_site(10 m)": 1,
        f"analyze({hours} epochs)": 1, f"analyze({period} epochs)": 1,
        "compile_campaign()": 1 + replays, "CampaignSection.resolve": 1 + replays,  # loading checks it, the run reuses it
        # the risk section's runs, then the same runs with slips learned from the record (issue 14)
        "simulate_campaign(nominal)": 1 + replays, "simulate_milestones(sampled)": 2 * 20,
        # the operations run, and the same run at each end of the site's horizon bounds (the coarse
        # DEM cannot decide connecting-ridge's horizon: the KPIs are ranges)
        "params_from_section()": 1, "simulate_operations()": 3,
    }
    # warm: the timelines come from the disk cache; no Sun track, horizon or span analysis again
    counts.clear()
    build_report(scenario_from_dict(raw), tmp_path / "warm", options={"risk_runs": 20, "rival": "none"})
    per_replay = ("compile_campaign()", "CampaignSection.resolve", "simulate_campaign(nominal)")
    assert all(n == 1 for k, n in counts.items() if k not in per_replay)
    assert all(counts[k] == 1 + replays for k in per_replay), dict(counts)
    assert f"sun_earth_azel(2 m, {hours} epochs)" not in counts and f"analyze({hours} epochs)" not in counts
    # issue 15: both Monte Carlo studies and the operations run are read back, not run again
    assert "simulate_milestones(sampled)" not in counts and "simulate_operations()" not in counts, dict(counts)
    assert (tmp_path / "cold" / "summary.json").read_bytes() == (tmp_path / "warm" / "summary.json").read_bytes()
