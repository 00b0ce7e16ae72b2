"""Plan drift (issue 14): announced dates against the day they were announced, and the milestone
forecasts of the study replayed as known on each of those days.

Expected values are computed here from the reported dates in the sources (RIA Novosti 2013-04-08,
Sputnik 2014-10-03, Gazeta.ru 2021-08-20, launch 2023-08-11 for Luna-25; SCMP 2022-03, Wu Yanhua
2023-04-25, ..., Xinhua 2026-08-23 for Chang'e-7), not read back from the code's output.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ilrs.campaign.drift import milestone_drift, mission_drift
from ilrs.scenario import load_scenario

D = dt.date


@pytest.fixture(scope="module")
def reference():
    return load_scenario("ilrs-reference")


@pytest.fixture(scope="module")
def claims(reference):
    return mission_drift(list(reference.campaign.resolved().missions))


def test_luna_25_announced_for_2014_flew_2023(claims):
    luna = [c for c in claims if c.mission == "luna-25"]
    assert [(c.announced, c.reported) for c in luna] == [
        ("2014", D(2013, 4, 8)), ("2018", D(2014, 10, 3)), ("2022-05", D(2021, 8, 20)), ("2023-08-11", D(2023, 8, 11))]
    # slip of each announcement to the actual launch 2023-08-11 (a year sits at 1 July, a month on the 15th)
    assert [c.slip_days for c in luna] == [(D(2023, 8, 11) - d).days for d in
                                           (D(2014, 7, 1), D(2018, 7, 1), D(2022, 5, 15), D(2023, 8, 11))]
    assert luna[0].slip_days == 3328  # more than nine years


def test_change_7_from_2024_to_2026_to_2027(claims):
    c7 = [c for c in claims if c.mission == "change-7"]
    assert [c.announced for c in c7] == ["2024", "2026", "2026-08", "2026-08-24", "2027"]
    assert [c.reported for c in c7] == sorted(c.reported for c in c7)
    assert c7[-1].reported == D(2026, 8, 23) and all(c.launched is None for c in c7)


def test_crewed_landing_forecast_moves_when_before_2030_is_announced(reference):
    """Before CMSA's 'before 2030' (SpaceNews 2023-05-29) the only crewed flight known is the
    roadmap's 2036 utilization visit (2036-07-01 + 5 days); from then, 2029-07-01 + 5 days."""
    days = [D(2023, 5, 28), D(2023, 5, 29)]
    points = {p.known_on: p.reached for p in milestone_drift(reference, days) if p.milestone == "crewed-landing"}
    assert points == {D(2023, 5, 28): D(2036, 7, 6), D(2023, 5, 29): D(2029, 7, 6)}


def test_drift_cli_json_and_chart(ilrs_cli, tmp_path):
    out = tmp_path / "drift.png"
    r = ilrs_cli("campaign", "--drift", "--format", "json", "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["files"] == [str(out)]
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    luna = [c for c in data["missions"] if c["mission"] == "luna-25"]
    assert luna[0]["announced"] == "2014" and luna[0]["reported"] == "2013-04-08"
    ms = {m["milestone"] for m in data["milestones"]}
    assert {"crewed-landing", "basic-model", "basic-model-2030"} <= ms


def test_drift_cli_as_known_on_stops_at_that_day(ilrs_cli):
    r = ilrs_cli("campaign", "--drift", "--format", "json", "--as-known-on", "2023-10-23")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert max(c["reported"] for c in data["missions"]) <= "2023-10-23"
    assert max(m["known_on"] for m in data["milestones"]) <= "2023-10-23"


def test_report_section_states_its_newest_fact(reference, tmp_path):
    """The newest dated facts of the packaged data: Türkiye's Accords signing as 71st on 2026-08-31
    (research note 2026-09-13, secondary; Djibouti's 72nd was only scheduled, no count) and
    Chang'e-7's stand-down notice of 2026-08-23."""
    from ilrs.report.products import RunProducts, compile_setup
    from ilrs.report.section import RunContext
    from ilrs.report.sections import drift

    sec = drift.build(RunProducts(compile_setup(reference)), RunContext(out_dir=tmp_path))
    assert sec.summary["newest_fact"] == "2026-08-31"
    assert sec.summary["newest_mission_claim"]["reported"] == "2026-08-23"
    assert "newest fact is dated 2026-08-31" in sec.html and "data:image/png;base64," in sec.html
