"""The study as known on a past day (issue 14): only claims reported by then, the newest per
mission, missions not yet announced left out, past events only once they had happened.

Expected values come from the sources, not from the code: the seeds (shared/seeds/) list the
ILRS membership on 2023-10-23, seed 003 and Wu Yanhua (2023-04-25) put Chang'e-7 in 2026,
Xinhua/CNR (2026-08-23) stood it down and the press moved it to 2027.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ilrs.campaign import compile_campaign, simulate_campaign
from ilrs.consortium import default_registry
from ilrs.errors import DatasetError, InputError
from ilrs.scenario import load_scenario
from ilrs.scenario.campaign_asof import catalogue_reported_range, check_known_on, scenario_as_known_on
from ilrs.scenario.campaign_catalogue import MissionSpec, packaged_catalogue, require_reported

D = dt.date
SEED_DAY = D(2023, 10, 23)  # seed 003: "List of known signatories ... as of Oct. 23, 2023"


@pytest.fixture(scope="module")
def reference():
    return load_scenario("ilrs-reference")


def _nominal(scenario):
    return simulate_campaign(compile_campaign(scenario.campaign, scenario.uncertainties), None)


def test_membership_on_2023_10_23_is_the_seeds_list():
    """Seed 002 (2023-10-27): seven nations — China, Russia, Belarus, Pakistan, Azerbaijan,
    Venezuela, South Africa; seed 003's table (as of 2023-10-23) adds APSCO, nanoSPACE, ILOA, NARIT."""
    reg = default_registry().as_known_on(SEED_DAY)
    members = reg.members(as_of=SEED_DAY)
    states = {m.party.id for m in members if m.party.kind == "state"}
    others = {m.party.id for m in members if m.party.kind != "state"}
    assert states == {"china", "russia", "belarus", "pakistan", "azerbaijan", "venezuela", "south-africa"}
    assert others == {"apsco", "nanospace-ag", "iloa", "narit"}
    # the Artemis Accords count then: Germany 29th (2023-09-14, seeds 002/003), a lower bound
    assert reg.artemis_status(SEED_DAY)["count_at_least"] == 29


def test_change_7_in_2026_on_2023_10_23_and_in_2027_on_2026_12_06(reference):
    early = scenario_as_known_on(reference, SEED_DAY)
    late = scenario_as_known_on(reference, D(2026, 12, 6))
    c7_early = next(m for m in early.campaign.resolved().missions if m.id == "change-7")
    c7_late = next(m for m in late.campaign.resolved().missions if m.id == "change-7")
    assert c7_early.claim(early.campaign.date_claims["change-7"]).date == "2026"
    assert c7_late.claim(late.campaign.date_claims["change-7"]).date == "2027"
    launch = {m.id: m.launch for m in _nominal(early).missions}
    assert launch["change-7"] == D(2026, 7, 1)  # a year-precision date sits at 1 July
    launch = {m.id: m.launch for m in _nominal(late).missions}
    assert launch["change-7"].year == 2027


def test_missions_not_yet_announced_are_absent(reference):
    """On 2023-10-23: the nuclear plant (first reported by Borisov, Reuters 2024-03-05) and
    Luna-27.2 (Izvestia 2025-08-22) had not been announced; the milestones stay (their missions
    were), but nothing delivers the plant, so completion is not reached."""
    replay = scenario_as_known_on(reference, SEED_DAY)
    manifest = set(replay.campaign.manifest)
    assert {"ilrs-nuclear", "luna-27-2", "luna-30", "queqiao-successor"}.isdisjoint(manifest)
    assert {"change-7", "change-8", "crewed-landing-1", "luna-26"} <= manifest
    assert _nominal(replay).milestones["completion"] is None


def test_past_events_only_once_they_happened(reference):
    """Luna-25 launched 2023-08-11 and crashed 2023-08-19 (ilrs-facts.md): planned for May 2022 as
    known on 2022-01-01 (Gazeta.ru 2021-08-20), in flight on 2023-08-15, lost from 2023-08-19."""
    def luna25(day):
        replay = scenario_as_known_on(reference, day)
        return next(m for m in _nominal(replay).missions if m.id == "luna-25")

    before = luna25(D(2022, 1, 1))
    assert (before.launch, before.past) == (D(2022, 5, 15), False)
    flying = luna25(D(2023, 8, 15))
    assert (flying.launch, flying.past) == (D(2023, 8, 11), False)
    after = luna25(D(2023, 8, 19))
    assert (after.outcome, after.past) == ("landing-failure", True)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 5000))
def test_replay_uses_only_claims_reported_by_then_and_grows_with_time(offset):
    first, _ = catalogue_reported_range()
    day = min(first + dt.timedelta(days=offset), D(2026, 12, 6))
    cat, later = packaged_catalogue().as_known_on(day), packaged_catalogue().as_known_on(day + dt.timedelta(days=30))
    for m in cat.missions.values():
        assert all(c.reported_day <= day for c in m.dates)
        # the newest is the default; a retrospective claim only where no contemporaneous one is known
        contemporaneous = [c.reported_day for c in m.dates if not c.retrospective]
        assert m.dates[0].reported_day == max(contemporaneous or [c.reported_day for c in m.dates])
        assert m.launched is None or m.launched <= day
    assert set(cat.missions) <= set(later.missions)


def test_partner_counts_are_claims_known_on_their_day():
    """CNSA 17 (2025-04-23) and Roscosmos 13 (2025-04-29) disagree: both kept, each from its day."""
    def counts(day):
        return {(c.date, c.count) for c in default_registry().as_known_on(day).dataset.count_claims}

    assert (D(2025, 4, 23), 17) in counts(D(2025, 4, 23)) and (D(2025, 4, 29), 13) not in counts(D(2025, 4, 23))
    assert {(D(2025, 4, 23), 17), (D(2025, 4, 29), 13)} <= counts(D(2025, 4, 29))
    # Djibouti, Ethiopia, Bolivia: named only in Roscosmos's 2025-04-29 list
    assert "djibouti" not in {m.party.id for m in default_registry().as_known_on(D(2025, 4, 28)).members()}
    assert "djibouti" in {m.party.id for m in default_registry().as_known_on(D(2025, 4, 29)).members()}


def test_partners_cli_as_known_on(ilrs_cli):
    r = ilrs_cli("partners", "--as-known-on", "2025-04-29")
    assert r.returncode == 0, r.stderr
    assert "as known on 2025-04-29" in r.stdout
    assert "17 countries and international organizations" in r.stdout and "13 countries" in r.stdout


def test_partners_timeline_as_known_on(ilrs_cli, tmp_path):
    """The growth chart as it could be drawn on 2023-10-23: it ends that day, with the seven states
    seed 002 names (Russia, Belarus, Pakistan, Azerbaijan, Venezuela, South Africa and China)."""
    import json

    r = ilrs_cli("partners", "--as-known-on", "2023-10-23", "timeline", "--out", str(tmp_path / "g.png"),
                 "--format", "json")
    assert r.returncode == 0, r.stderr
    last = json.loads(r.stdout)["series"][-1]
    assert last["date"] == "2023-10-23" and last["ilrs_states"] == 7
    r = ilrs_cli("partners", "--as-known-on", "2999-01-01", "timeline", "--out", str(tmp_path / "h.png"))
    assert r.returncode == 2 and not (tmp_path / "h.png").exists()


@pytest.mark.parametrize("day, why", [("2001-01-01", "before the first reported claim"), ("2999-01-01", "in the future"),
                                      ("2023-02-30", "not a date")])
def test_bad_as_known_on_is_one_line_exit_2(ilrs_cli, day, why):
    commands = (["campaign"], ["partners"]) + ((["risk", "-n", "1"], ["run"]) if why == "in the future" else ())
    for command in commands:
        r = ilrs_cli(*command, "--as-known-on", day)
        assert r.returncode == 2 and why in r.stderr, (command, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and r.stdout == ""


def test_future_and_past_bounds():
    first, _ = catalogue_reported_range()
    assert first == D(2013, 4, 8)  # the earliest claim: Luna-Glob for 2014 (RIA Novosti 2013-04-08)
    with pytest.raises(InputError):
        check_known_on(first - dt.timedelta(days=1))
    assert check_known_on(first) == first


def test_a_claim_without_reported_date_is_refused():
    m = MissionSpec.model_validate({"id": "x", "kind": "lander", "launches": [{"vehicle": "CZ-5"}],
                                    "dates": [{"date": "2030", "source": "somewhere"}]})
    with pytest.raises(DatasetError, match="has no reported"):
        require_reported({"x": m}, "missions.yaml")
    m = MissionSpec.model_validate({"id": "x", "kind": "lander", "launches": [{"vehicle": "CZ-5"}],
                                    "dates": [{"date": "2030", "reported": "2025-01-01"}]})
    with pytest.raises(DatasetError, match="has no source"):
        require_reported({"x": m}, "missions.yaml")


def test_packaged_claim_without_reported_is_one_line_exit_2(monkeypatch, capsys, tmp_path):
    import copy
    import shutil

    import ilrs.data as data
    from ilrs.cli.main import main
    from ilrs.scenario.loader import builtin_scenarios

    real = data.load_dataset

    def stripped(name):
        raw = copy.deepcopy(real(name))
        if name == "missions":
            raw["missions"][3]["dates"][0].pop("reported")
        return raw

    monkeypatch.setattr(data, "load_dataset", stripped)
    study = shutil.copy(builtin_scenarios()["ilrs-reference"], tmp_path / "study.yaml")  # not a cached scenario
    packaged_catalogue.cache_clear()
    try:
        with pytest.raises(SystemExit) as exc:
            main(["campaign", "--scenario", str(study)])
    finally:
        packaged_catalogue.cache_clear()
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 2 and len(err.splitlines()) == 1
    assert "missions.yaml" in err and "reported" in err


def test_report_sections_of_a_replay_say_as_known_on(reference, tmp_path):
    """`ilrs run --as-known-on 2023-10-23`: the consortium section counts the seeds' 11 members
    (7 states, 4 organizations) and the drift section's newest fact is that day (Belarus's
    declaration, seeds 002/003)."""
    from ilrs.report.products import RunProducts, compile_setup
    from ilrs.report.section import RunContext
    from ilrs.report.sections import consortium, drift

    products = RunProducts(compile_setup(scenario_as_known_on(reference, SEED_DAY)))
    ctx = RunContext(out_dir=tmp_path)
    sec = consortium.build(products, ctx)
    assert (sec.summary["members"], sec.summary["states"], sec.summary["as_known_on"]) == (11, 7, "2023-10-23")
    assert drift.build(products, ctx).summary["newest_fact"] == "2023-10-23"


@pytest.mark.parametrize("day", [dt.date(2023, 10, 23), dt.date(2026, 12, 6)])
def test_replay_changes_the_campaign_only(reference, day):
    """A replay keeps every other section as the study gave it: the site stands on the same ground
    (an unset height means "from the DEM"; written out as 0.0 it would put the site on the sphere,
    and the site came out dark: lit 0 %, 96,432 h of darkness, found by review)."""
    from ilrs.report.products import compile_setup

    replay = scenario_as_known_on(reference, day)
    for section in ("site", "span", "relays", "operations"):
        assert getattr(replay, section) == getattr(reference, section), section
        assert getattr(replay, section).model_fields_set == getattr(reference, section).model_fields_set, section
    assert compile_setup(replay).site.identity() == compile_setup(reference).site.identity()
