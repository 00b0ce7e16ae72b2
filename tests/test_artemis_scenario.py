"""The built-in ``artemis-reference`` scenario and the Artemis Accords dataset (issue 18, part 1).

Expected values come from the public reports the data cite (world-2026-12.md and the sources in
data/accords.yaml, missions.yaml), not from the code's output: the Accords counts NASA and the
press reported on the days of the signings, the dates NASA announced on 2026-02-27, the nine
regions of NASA's 2024-10-28 release, the DSN's three complexes.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ilrs.campaign import compile_campaign, nominal_campaign
from ilrs.consortium import accords_count_on, accords_count_series, accords_signatories, both_camps, default_registry
from ilrs.data import ground_stations_catalogue, relays_catalogue, sites_catalogue
from ilrs.scenario import builtin_scenarios, load_scenario, scenario_from_dict

D = dt.date


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("artemis-reference")


@pytest.fixture(scope="module")
def nominal(scenario):
    return nominal_campaign(compile_campaign(scenario.campaign, scenario.uncertainties))


# ---------------------------------------------------------------------------------------- scenario

def test_builtin_and_valid(scenario, ilrs_cli):
    assert "artemis-reference" in builtin_scenarios()
    assert scenario.coalition == "artemis-accords"
    r = ilrs_cli("scenario", "validate", "artemis-reference")
    assert r.returncode == 0, r.stderr
    assert "valid" in r.stdout


def _arrival(result, mission_id):
    ok = [m for m in result.missions if m.id == mission_id and m.outcome == "success"]
    assert ok, f"{mission_id} did not succeed"
    return ok[-1].launch, ok[-1].arrival


def test_nominal_campaign_reproduces_the_published_dates(nominal):
    # Artemis II flew 2026-04-01 -> 2026-04-10 (AP 2026-04-12)
    assert _arrival(nominal, "artemis-2") == (D(2026, 4, 1), D(2026, 4, 10))
    # restructure 2026-02-27: Artemis III in 2027, first landing (IV) early 2028, second (V) late 2028
    launch3, _ = _arrival(nominal, "artemis-3")
    assert launch3.year == 2027
    _, land4 = _arrival(nominal, "artemis-4")
    assert D(2028, 1, 1) <= land4 <= D(2028, 4, 30)       # "early 2028"
    _, land5 = _arrival(nominal, "artemis-5")
    assert D(2028, 9, 1) <= land5 <= D(2028, 12, 31)      # "late 2028"
    # reactor launched "by 2030" (directive 2025-07-31); pressurized rover for Artemis VII in 2031 (2024-04-10)
    assert _arrival(nominal, "fsp-delivery")[0].year <= 2030
    assert _arrival(nominal, "pressurized-rover-delivery")[0].year == 2031
    # "at least one surface landing every year thereafter": 2028, 2029, 2030 each have one
    years = {c.arrival.year for c in nominal.crew_stays}
    assert {2028, 2029, 2030} <= years
    # the LTV is there for the Artemis V crew (NASA 2024-04-03)
    assert nominal.elements["lunar-terrain-vehicle"].operational <= land5


def test_nominal_milestones_on_their_published_targets(scenario, nominal):
    targets = {m.id: m.target for m in scenario.campaign.milestones}
    assert targets["crewed-landing"] == D(2028, 6, 30) and targets["second-crewed-landing"] == D(2028, 12, 31)
    for mid, target in targets.items():
        reached = nominal.milestones[mid]
        assert reached is not None, mid
        if target is not None and mid != "gateway-initial":  # nothing failing or slipping: on time
            assert reached <= target, (mid, reached, target)
    # Gateway's target is the 2024 plan (before Artemis IV, 2028); its newest claim (2026, secondary)
    # is a launch no earlier than 2028, so even the nominal plan reaches lunar orbit after 2028
    assert nominal.milestones["gateway-initial"] > targets["gateway-initial"]
    assert nominal.milestones["crewed-landing"] < nominal.milestones["second-crewed-landing"]
    # the base camp has no published date: no target, and not before the habitat's assumed 2032 delivery
    assert targets["base-camp"] is None and nominal.milestones["base-camp"].year >= 2032


def test_first_landing_claims_keep_their_history(scenario):
    m = scenario.campaign.resolved().known_missions["artemis-3"]
    history = [(c.reported, c.date) for c in m.dates]
    # 2024 (reported 2019) -> 2025 (2021) -> Sep 2026 (2024-01) -> mid-2027 (2024-12) -> 2028 -> 2027 LEO test
    assert [d for _, d in history] == ["2024", "2025", "2026-09", "2027", "2028", "2027"]
    reported = [r for r, _ in history]
    assert reported[:4] == sorted(reported[:4]) == ["2019-03-26", "2021-11-09", "2024-01-09", "2024-12-05"]
    # the pre-restructure 2028 plan is known from a report after the restructure (space.com 2026-03-06)
    assert reported[4:] == ["2026-03-06", "2026-02-27"]
    assert scenario.campaign.date_claims["artemis-3"] == "restructure-2026"


def test_every_artemis_claim_is_dated_and_sourced(scenario):
    res = scenario.campaign.resolved()
    for m in res.missions:
        assert m.source, m.id
        for c in m.dates:
            assert c.reported is not None and c.source, (m.id, c.id)
    for vid in ("SLS-Block-1", "Starship", "New-Glenn", "Falcon-9", "Falcon-Heavy"):
        v = res.vehicles[vid]
        assert v.record is not None and v.record.as_of and v.record.source, vid
    # Starship: 11 flights to IFT-11 (2025-10-13), three failures in 2025 after a clean 2024 (spacepolicyonline)
    assert res.vehicles["Starship"].record.flights == 11
    for eid in ("fission-surface-power", "lunar-terrain-vehicle", "pressurized-rover-jaxa", "surface-habitat"):
        assert res.elements[eid].source and res.elements[eid].assumption, eid
    assert res.elements["fission-surface-power"].generation_kw == 100.0  # "at least 100 kilowatts"


def test_no_artemis_fact_is_left_recalled():
    """Every figure once marked [recalled] now names a public report, or says it is unverified."""
    from importlib.resources import files

    data = files("ilrs.data")
    texts = {name: data.joinpath(name).read_text() for name in (
        "missions.yaml", "vehicles.yaml", "elements.yaml", "sites.yaml", "relays.yaml", "ground_stations.yaml",
        "accords.yaml")}
    texts["artemis-reference.yaml"] = data.joinpath("scenarios", "artemis-reference.yaml").read_text()
    for name, text in texts.items():
        part = text[text.find("Artemis program"):] if "Artemis program" in text else text
        assert "[recalled]" not in part, name
        for line in part.splitlines():
            if "recalled" in line.lower() and not line.lstrip().startswith("#"):
                assert "unverified" in line.lower(), (name, line[:80])


# Global 2024 record (seradata.com, ilrs-facts.md): 8 failures in 259 launches, Jeffreys posterior mean
GLOBAL_P = (8 + 0.5) / (259 + 1)


def test_launch_failure_rule_is_the_ilrs_rule(scenario):
    """Own record for vehicles with operational launches, the global record for those without:
    Starship's 11 suborbital test flights (5 failures) are not operational launches, as the CZ-10's
    tests are not counted in the ILRS reference. Values are closed forms, not the code's output."""
    p = compile_campaign(scenario.campaign, scenario.uncertainties).p_launch
    assert p["Starship"] == pytest.approx(GLOBAL_P)            # not (5 + 0.5) / (11 + 1) = 0.458
    assert p["SLS-Block-1"] == pytest.approx(0.5 / 3)          # Artemis I, II: 0 failures in 2
    assert p["New-Glenn"] == pytest.approx(0.5 / 3)            # NG-1, NG-2: 0 failures in 2
    assert p["Falcon-Heavy"] == pytest.approx(0.5 / 12)        # 11 flights to Europa Clipper, none failed
    assert p["Falcon-9"] == pytest.approx(2.5 / 354)           # CRS-7 and Starlink 9-3 in 353 flights
    ilrs = load_scenario("ilrs-reference")
    p_ilrs = compile_campaign(ilrs.campaign, ilrs.uncertainties).p_launch
    assert p_ilrs["CZ-10"] == pytest.approx(p["Starship"])    # the same rule for the unflown lunar vehicles
    # the record itself is kept: 5 failures in 11 test flights (IFT-1, -2, -7, -8, -9)
    rec = scenario.campaign.resolved().vehicles["Starship"].record
    assert (rec.flights, rec.failures) == (11, 5)


def test_stand_down_bounds_are_the_reported_intervals(scenario):
    sd = scenario.uncertainties.stand_down_days
    assert sd["default"].high == (D(1988, 9, 29) - D(1986, 1, 28)).days == 975   # Challenger -> STS-26
    starship = sd["Starship"]
    assert starship.low == (D(2025, 3, 6) - D(2025, 1, 16)).days                 # IFT-7 -> IFT-8
    assert starship.mode == (D(2025, 5, 27) - D(2025, 3, 6)).days                # IFT-8 -> IFT-9


# ---------------------------------------------------------------------------------------- site, relays, stations

NINE = ["Peak near Cabeus B", "Haworth", "Malapert Massif", "Mons Mouton Plateau", "Mons Mouton", "Nobile Rim 1",
        "Nobile Rim 2", "de Gerlache Rim 2", "Slater Plain"]  # NASA 2024-10-28


def test_the_nine_candidate_regions_are_catalogued(scenario):
    sites = {s["name"]: s for s in sites_catalogue()["sites"] if s["name"].endswith("-artemis3")}
    labels = {s["label"].split("— ", 1)[1] for s in sites.values()}
    assert labels == set(NINE)
    for s in sites.values():
        assert s["uncertain"] and "No centre published" in s["note"]
        assert s["lat_deg"] <= -84.0, s["name"]  # "within 6 degrees of latitude of the pole"
    assert scenario.site.name == "malapert-massif-artemis3"


def test_dsn_and_lcrns():
    gs = ground_stations_catalogue()["ground_stations"]
    lons = sorted(gs[k]["lon_deg"] % 360 for k in ("goldstone", "madrid", "canberra"))
    gaps = [b - a for a, b in zip(lons, lons[1:])] + [360 - lons[-1] + lons[0]]
    assert all(abs(g - 120) < 35 for g in gaps)  # three complexes "approximately 120 deg apart" (NASA DSN): 94, 113, 153
    assert all(gs[k]["antenna_diameter_m"] == 70.0 for k in ("goldstone", "madrid", "canberra"))
    cat = relays_catalogue()
    lcrns = cat["constellations"]["lcrns"]
    assert len(lcrns) == 3  # one on IM-3, two on IM-4 (of five, Intuitive Machines 2025-04)
    assert [cat["relays"][k]["epoch"][:4] for k in lcrns] == ["2026", "2027", "2027"]


# ---------------------------------------------------------------------------------------- Accords

REPORTED = {  # day -> count, as reported on that day (accords.yaml sources)
    D(2020, 10, 13): 8, D(2022, 12, 13): 23, D(2023, 9, 14): 29, D(2024, 1, 23): 34, D(2024, 4, 19): 39,
    D(2024, 6, 12): 43, D(2024, 10, 4): 44, D(2024, 10, 13): 45, D(2024, 10, 28): 47, D(2024, 12, 11): 50,
    D(2024, 12, 20): 52, D(2025, 1, 21): 53, D(2025, 5, 15): 55, D(2025, 7, 24): 56, D(2025, 10, 26): 59,
    D(2026, 1, 11): 60, D(2026, 1, 26): 61, D(2026, 7, 17): 70, D(2026, 8, 31): 71,
}


def test_accords_counts_on_report_days():
    series = accords_count_series(sorted(REPORTED))
    for c in series:
        assert c.at_least == REPORTED[c.day], c
    exact = [c.day for c in series if c.exact]
    assert D(2025, 10, 26) in exact and D(2026, 1, 26) in exact and D(2020, 10, 13) in exact
    assert accords_count_on(D(2025, 10, 22)).at_least == 57  # Hungary 57th


def test_accords_counts_between_reports_are_bounds():
    gap = accords_count_on(D(2026, 4, 1))  # 62nd..69th not in the sources: between Oman (61) and Mauritius (70)
    assert (gap.at_least, gap.at_most, gap.exact) == (61, 69, False)
    late = accords_count_on(D(2026, 12, 7))  # Djibouti's 72nd signing only scheduled: not counted
    assert late.at_least == 71 and late.at_most is None and late.text == ">= 71"
    assert len(accords_signatories(D(2020, 10, 13))) == 8


def test_accords_agree_with_the_registry_series():
    reg = default_registry()
    for pt in reg.dataset.artemis_accords:
        day = pt.reported.latest
        assert accords_count_on(day).at_least == pt.count, day


def test_states_in_both_camps():
    both = {r["id"]: r for r in both_camps()}
    # Thailand (Accords 2024-12-16; ILRS 2024) and Senegal (Accords 2025-07-24) signed both;
    # Djibouti's Accords signing was scheduled for 2026-09-14 (secondary)
    assert set(both) == {"thailand", "senegal", "djibouti"}
    assert both["thailand"]["accords_signed"] == "2024-12-16" and both["senegal"]["accords_signed"] == "2025-07-24"
    assert both["djibouti"]["accords_status"] == "scheduled"
    # partners.yaml's "signed the Accords" flags name signatories of accords.yaml
    ids = {s.id for s in accords_signatories()}
    flagged = {p.id for p in default_registry().parties.values() if p.artemis_accords and p.artemis_accords.signed}
    assert flagged <= ids


@settings(max_examples=60, deadline=None)
@given(st.lists(st.dates(min_value=D(2020, 1, 1), max_value=D(2027, 12, 31)), min_size=1, max_size=20))
def test_accords_series_invariants(days):
    days = sorted(days)
    series = accords_count_series(days)
    lows = [c.at_least for c in series]
    assert lows == sorted(lows)  # nobody leaves the Accords
    for c in series:
        assert c.at_most is None or c.at_least <= c.at_most
        assert c.at_least >= len(accords_signatories(c.day))


# DSN 810-005 module 301 Rev. P (via NAIF earth_topo_260717.tf): ITRF93 x, y, z in metres
DSN_XYZ_M = {"goldstone": (-2353621.420, -4641341.472, 3677052.318),   # DSS-14
             "canberra": (-4460894.917, 2682361.507, -3674748.152),    # DSS-43
             "madrid": (4849092.518, -360180.348, 4115109.251)}        # DSS-63


def _geodetic_deg(x, y, z, a=6378137.0, b=6356752.3142):
    """Bowring's closed form (WGS84), good to ~1e-9 rad at the Earth's surface."""
    e2, ep2 = 1 - (b / a) ** 2, (a / b) ** 2 - 1
    p = math.hypot(x, y)
    t = math.atan2(z * a, p * b)
    lat = math.atan2(z + ep2 * b * math.sin(t) ** 3, p - e2 * a * math.cos(t) ** 3)
    return math.degrees(lat), math.degrees(math.atan2(y, x))


def test_dsn_stations_are_where_the_dsn_handbook_puts_them():
    stations = ground_stations_catalogue()["ground_stations"]
    for key, xyz in DSN_XYZ_M.items():
        lat, lon = _geodetic_deg(*xyz)
        assert stations[key]["lat_deg"] == pytest.approx(lat, abs=0.006), key   # catalogue rounds to 0.01 deg
        assert stations[key]["lon_deg"] == pytest.approx(lon, abs=0.006), key


# ---------------------------------------------------------------------------------------- the run

def _short_artemis() -> dict:
    raw = load_scenario("artemis-reference").model_dump(mode="json", exclude_unset=True)
    raw["span"] = {"start": "2028-01-01", "end": "2028-04-01"}
    raw["operations"].update(start="2028-02-01", years=0.1)
    raw["relays"].update(analysis_days=1.0, coverage_spacing_km=0.0)
    return raw


def test_short_artemis_run_writes_a_report(tmp_path, monkeypatch):
    from ilrs.report import build_report

    monkeypatch.setenv("ILRS_CACHE_DIR", str(tmp_path / "cache"))
    build_report(scenario_from_dict(_short_artemis()), tmp_path / "out", options={"risk_runs": 20})
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert (tmp_path / "out" / "report.html").stat().st_size > 0
    text = json.dumps(summary)
    assert "malapert-massif-artemis3" in text and "crewed-landing" in text
    # the coalition is the Accords: counted as of the span start (2028-01-01), after Türkiye (71st, 2026-08-31)
    accords = summary["consortium"]["accords"]
    assert accords["at_least"] == 71 and accords["at_most"] is None
    assert {b["id"] for b in accords["both_camps"]} == {"thailand", "senegal", "djibouti"}


@pytest.mark.slow
def test_full_artemis_run(ilrs_cli, tmp_path):
    r = ilrs_cli("run", "--scenario", "artemis-reference", "--out", tmp_path / "run", "--quiet", timeout=1800)
    assert r.returncode == 0, r.stderr
    timings = json.loads((tmp_path / "run" / "timings.json").read_text())
    assert all(math.isfinite(float(v)) for v in _numbers(timings))


def _numbers(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _numbers(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _numbers(v)
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        yield obj
