"""``ilrs run`` checked by value: each section's headline figures equal what the layer's own command
prints for the same scenario and seed (issue 12, item 8; ``ilrs ops`` used to return 602,210 Gbit
where ``ilrs run`` gave 602,642 for the reference).

Each command runs in its own process, as a user runs it, from one short scenario file.
"""

from __future__ import annotations

import json

import pytest
import yaml

from ilrs.scenario import load_scenario


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A short reference study (half a year, ops over a quarter, a two-day comms period), its
    scenario file and the summary.json of one ``ilrs run``."""
    folder = tmp_path_factory.mktemp("by-value")
    raw = load_scenario("ilrs-reference").model_dump(mode="json", exclude_unset=True)
    raw["span"] = {"start": "2027-01-01", "end": "2027-07-01"}
    raw["operations"].update(start="2027-02-01", years=0.25)
    raw["relays"].update(analysis_days=2.0, coverage_spacing_km=0.0)
    path = folder / "short.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return folder, path


def _json(ilrs_cli, *args):
    r = ilrs_cli(*map(str, args), timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)


def test_each_section_equals_its_command(study, ilrs_cli):
    folder, path = study
    r = ilrs_cli("run", "--scenario", path, "--out", folder / "run", "--quiet", "--risk-runs", "60", timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    summary = json.loads((folder / "run" / "summary.json").read_text())

    site = _json(ilrs_cli, "site", "connecting-ridge", "--mast-m", "2", "--horizon", "dem", "--start", "2027-01-01",
                 "--days", "181", "--format", "json", "--out", folder / "site")
    for key in ("lit_fraction", "full_disk_fraction", "earth_visible_fraction", "longest_darkness_hours"):
        assert summary["environment"][key] == site[key], key

    comms = _json(ilrs_cli, "comms", "--scenario", path, "--format", "json", "--out", folder / "comms")
    for key in ("availability", "relay_availability", "dte_availability", "data_volume_gbit_per_day",
                "max_gap_hours"):
        assert summary["comms"][key] == comms[key], key

    campaign = _json(ilrs_cli, "campaign", "--scenario", path, "--format", "json")
    assert summary["campaign"]["milestones"] == campaign["milestones"]

    ops = _json(ilrs_cli, "ops", "--scenario", path, "--format", "json", "--out", folder / "ops")
    for key in ("energy_generated_kwh", "energy_not_served_kwh", "data_returned_gbit", "hours_survival_failure",
                "crew_days", "data_returned_gbit_by_partner"):
        assert summary["operations"][key] == ops[key], key

    risk = _json(ilrs_cli, "risk", "--scenario", path, "-n", "60", "--workers", "0", "--format", "json",
                 "--out", folder / "risk")
    for name, m in summary["risk"]["milestones"].items():
        assert m["probability_on_time"] == risk["milestones"][name]["probability_on_time"], name
        assert m["p50_date"] == risk["milestones"][name]["p50_date"], name
