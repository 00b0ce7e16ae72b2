"""Campaign data and validation: bad manifests give one-line errors naming file, field and what is
allowed; the packaged vehicles/missions/elements carry their sources and the published figures."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ilrs.errors import ScenarioError
from ilrs.scenario import load_scenario, scenario_from_dict
from ilrs.scenario.campaign import CZ5_STAND_DOWN_DAYS, FlightRecord, find_cycle, nominal_day, packaged_catalogue

from .study import campaign_of
from .test_campaign_engine import base_scenario, toy_campaign


def bad(mutate) -> ScenarioError:
    c = toy_campaign()
    mutate(c)
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(base_scenario(c), file="bad.yaml")
    err = info.value
    assert "\n" not in str(err) and str(err).startswith("bad.yaml: campaign")
    return err


def test_unknown_vehicle():
    err = bad(lambda c: c["missions"][1]["launches"][0].update(vehicle="Saturn-V"))
    assert err.field == "campaign.missions[1].launches[0].vehicle"
    assert "Saturn-V" in err.message and err.allowed == ["X", "Y", "Z"]


def test_unknown_vehicle_in_packaged_catalogue_allowed_list():
    raw = base_scenario({"missions": [{"id": "m", "kind": "lander", "launches": [{"vehicle": "CZ-11"}],
                                       "dates": [{"date": "2030"}]}]})
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(raw, file="s.yaml")
    assert {"CZ-5", "CZ-9", "CZ-10", "Angara-A5V"} <= set(info.value.allowed)


def test_payload_over_capacity():
    err = bad(lambda c: c["missions"][0]["launches"][0].update(mass_kg=1500))  # X carries 1000 kg
    assert err.field == "campaign.missions[0].launches[0].mass_kg"
    assert "1,500 kg exceeds X's 1,000 kg" in err.message


def test_elements_over_capacity_when_the_launch_mass_is_not_published():
    # m2 flies on Y (2,000 kg to Earth-Moon transfer) with no launch mass: its radio of 2,500 kg cannot fit
    err = bad(lambda c: c["elements"][1].update(mass_kg=2500))
    assert err.field == "campaign.missions[1].elements"
    assert "2,500 kg" in err.message and "Y's 2,000 kg to Earth-Moon transfer" in err.message
    # payloads count too: 1,500 kg of radio + 600 kg of instrument = 2,100 kg > 2,000 kg
    def heavy_payload(c):
        c["elements"][1]["mass_kg"] = 1500
        c["missions"][1]["payloads"] = [{"name": "imager", "owner": "pakistan", "mass_kg": 600}]
    err = bad(heavy_payload)
    assert "2,100 kg" in err.message and err.field == "campaign.missions[1].elements"
    # 1,500 + 500 = 2,000 kg: exactly the capacity, accepted
    c = toy_campaign()
    c["elements"][1]["mass_kg"] = 1500
    c["missions"][1]["payloads"] = [{"name": "imager", "owner": "pakistan", "mass_kg": 500}]
    scenario_from_dict(base_scenario(c))
    # m1 states 900 kg for its launch: a 950 kg power unit does not fit in it
    err = bad(lambda c: c["elements"][0].update(mass_kg=950))
    assert err.field == "campaign.missions[0].elements" and "the 900 kg stated for launches[0]" in err.message


def _angara_mission(**launch):
    return {"id": "a5", "kind": "cargo", "lead": "roscosmos", "launches": [{"vehicle": "Angara-A5", **launch}],
            "dates": [{"date": "2031"}], "elements": ["box"]}


def test_angara_checked_against_its_leo_capacity_as_an_upper_bound():
    """Angara-A5: only 24-24.5 t to LEO published (ilrs-facts.md); the 24,500 kg figure bounds what
    it can send to the Moon."""
    box = {"id": "box", "role": "research", "owner": "roscosmos", "mass_kg": 30_000}
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(base_scenario({"elements": [box], "missions": [_angara_mission()]}), file="s.yaml")
    err = info.value
    assert err.field == "campaign.missions[0].elements" and "\n" not in str(err)
    assert "30,000 kg" in err.message and "Angara-A5's 24,500 kg to low Earth orbit" in err.message
    assert "upper bound" in err.message
    # a stated launch mass over the LEO figure is refused the same way
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(base_scenario({"elements": [{**box, "mass_kg": 1000}],
                                          "missions": [_angara_mission(mass_kg=25_000)]}), file="s.yaml")
    assert info.value.field == "campaign.missions[0].launches[0].mass_kg" and "upper bound" in info.value.message
    # under the bound it passes (the bound cannot tell more)
    scenario_from_dict(base_scenario({"elements": [{**box, "mass_kg": 20_000}], "missions": [_angara_mission()]}))


def test_packaged_crewed_lander_over_cz5_capacity():
    """Lanyue (~26 t, ilrs-facts.md) cannot fly on CZ-5 (~8 t to Earth-Moon transfer)."""
    cat = packaged_catalogue()
    m = cat.missions["crewed-landing-1"].model_dump(mode="json")
    m["id"] = "lanyue-on-cz5"
    m["launches"][0]["vehicle"] = "CZ-5"
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(base_scenario({"missions": [m]}), file="s.yaml")
    assert info.value.field == "campaign.missions[0].launches[0].mass_kg"


def test_circular_element_dependencies():
    def mutate(c):
        c["elements"][0]["depends_on"] = ["lab"]
    err = bad(mutate)
    assert "circular element dependencies" in err.message
    assert "lab" in err.message and "power" in err.message


def test_circular_mission_requirements():
    def mutate(c):
        c["missions"][0]["requires"] = ["m2"]
        c["missions"][1]["requires"] = ["m1"]
    err = bad(mutate)
    assert "circular mission requirements: m1 -> m2 -> m1" in err.message


def test_unknown_element_partner_claim_and_manifest_entry():
    assert bad(lambda c: c["missions"][0].update(elements=["reactor"])).field == "campaign.missions[0].elements[0]"
    err = bad(lambda c: c["elements"][0].update(owner="atlantis"))
    assert err.field == "campaign.elements.power.owner" and "pakistan" in err.allowed
    err = bad(lambda c: c.update(date_claims={"m3": "never"}))
    assert err.field == "campaign.date_claims.m3" and err.allowed == ["early", "late"]
    err = bad(lambda c: c.update(manifest=["change-7"]))  # catalogue: false in the toy
    assert err.field == "campaign.manifest[0]"
    err = bad(lambda c: c["milestones"][0]["condition"].update(all_operational=["warp-drive"]))
    assert err.field == "campaign.milestones[0].condition"


def test_schema_errors_name_the_field():
    err = bad(lambda c: c["missions"][0].update(kind="teleport"))
    assert err.field == "campaign.missions[0].kind" and "lander" in err.allowed
    err = bad(lambda c: c["missions"][0]["dates"][0].update(date="2030/01"))
    assert err.field == "campaign.missions[0].dates[0].date"
    err = bad(lambda c: c["milestones"][0].update(condition={}))
    assert "at least one part" in err.message
    err = bad(lambda c: c["missions"][2]["crew"].update(size=3))
    assert "crew of 3" in err.message
    err = bad(lambda c: c["elements"].append(dict(c["elements"][0])))
    assert "duplicate id 'power'" in err.message


def test_find_cycle_closed_cases():
    assert find_cycle({"a": ["b"], "b": ["c"], "c": []}) is None
    assert find_cycle({"a": ["a"]}) == ["a"]
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c"]


def test_nominal_day_of_each_precision():
    assert nominal_day("2028") == dt.date(2028, 7, 1)
    assert nominal_day("2026-08") == dt.date(2026, 8, 15)
    assert nominal_day("2024-05-03") == dt.date(2024, 5, 3)
    with pytest.raises(ValueError):
        nominal_day("May 2024")


# ---- the packaged catalogue against ilrs-facts.md ----------------------------------------------

def test_vehicle_figures_from_the_facts():
    v = packaged_catalogue().vehicles
    # ilrs-facts.md, Launch vehicles
    assert v["CZ-10"].capacity_tli_kg == 27_000 and v["CZ-10"].capacity_leo_kg == 70_000
    assert v["CZ-9"].capacity_tli_kg == 54_000 and v["CZ-9"].capacity_leo_kg == 150_000
    assert v["CZ-5"].capacity_leo_kg == 25_000
    assert {c.value_kg for c in v["CZ-5"].capacity_claims if c.orbit == "tli"} == {8_000, 8_350}
    assert v["Angara-A5V"].family_id == v["Angara-A5"].family_id
    # CZ-5 Y2 failure 2017-07-02 → return to flight 2019-12-27
    assert CZ5_STAND_DOWN_DAYS == 908


def test_jeffreys_failure_prior():
    # posterior mean of Beta(0.5 + f, 0.5 + n - f) is (f + 0.5) / (n + 1)
    assert FlightRecord(flights=8, failures=1).failure_probability == pytest.approx(1.5 / 9)
    assert FlightRecord(flights=0, failures=0).failure_probability == 0.5


def test_missions_carry_sources_and_facts():
    cat = packaged_catalogue()
    for m in cat.missions.values():
        assert all(c.source for c in m.dates) or m.status != "planned", m.id
        assert m.source or m.note, m.id
    for e in cat.elements.values():
        assert e.source, e.id
    c6 = cat.missions["change-6"]
    assert (c6.launched, c6.launches[0].mass_kg, c6.launches[0].vehicle) == (dt.date(2024, 5, 3), 8350, "CZ-5")
    assert [(p.name, p.owner) for p in c6.payloads] == [("ICUBE-Q", "pakistan")]
    assert "narit" in [p.owner for p in cat.missions["change-7"].payloads]
    l25 = cat.missions["luna-25"]
    assert (l25.status, l25.launched, l25.arrived) == ("failed", dt.date(2023, 8, 11), dt.date(2023, 8, 19))
    # Luna-26: both claims kept (2027 Borisov 2023, 2028 Aug 2025 update)
    assert sorted(c.date for c in cat.missions["luna-26"].dates) == ["2027", "2028"]
    # Aug 2025 update [?]: Luna-27.1 2029, Luna-27.2 2030, with the update's uncertain reliability kept
    (l272,) = cat.missions["luna-27-2"].dates
    assert l272.date == "2030" and "[?]" in l272.source
    assert cat.missions["luna-27"].claim("update-2025").date == "2029"
    crewed = cat.missions["crewed-landing-1"]
    assert [x.vehicle for x in crewed.launches] == ["CZ-10", "CZ-10"] and crewed.crew.size == 2
    assert [cat.missions[f"ilrs-{i}"].launches[0].vehicle for i in range(1, 6)] == ["CZ-9"] * 5


def test_ilrs_flights_keep_both_reported_windows():
    """ILRS-1..5: Construction 2, 2031-2035 (2021 allocation, exbulletin.com/world/995985/) and five
    super-heavy launches 2030-2035 (businesstoday.in 2024-09-11) are two claims, each inside its window."""
    cat = packaged_catalogue()
    for k in range(1, 6):
        claims = {c.id: c for c in cat.missions[f"ilrs-{k}"].dates}
        assert set(claims) == {"construction-2", "super-heavy-2030-2035"}
        assert 2031 <= claims["construction-2"].nominal.year <= 2035 and "exbulletin" in claims["construction-2"].source
        assert 2030 <= claims["super-heavy-2030-2035"].nominal.year <= 2035
        assert "businesstoday" in claims["super-heavy-2030-2035"].source
    # evenly spread over 2030-2035: launch k at 2030 + 1.2 (k - 0.5) years -> these months
    assert [cat.missions[f"ilrs-{k}"].claim("super-heavy-2030-2035").date for k in range(1, 6)] == [
        "2030-08", "2031-10", "2033-01", "2034-03", "2035-05"]


def test_every_element_has_a_mass_and_every_reference_mission_fits_its_vehicle():
    cat = packaged_catalogue()
    missing = [e.id for e in cat.elements.values() if not e.mass_kg]
    assert missing == []
    for e in cat.elements.values():  # a mass is either reported (in kg, with its source) or labelled assumed
        assert "mass" in e.assumption or "kg" in e.source, e.id
    # published figures: Queqiao-2 1,200 kg; Chang'e-7 8,200 kg in all (ilrs-facts.md)
    assert cat.elements["queqiao-2"].mass_kg == 1200
    assert sum(cat.elements[e].mass_kg for e in cat.missions["change-7"].elements) == 8200
    s = load_scenario("ilrs-reference")
    res = s.campaign.resolved()
    for m in res.missions:
        carried = sum(res.elements[e].mass_kg for e in m.elements) + sum(p.mass_kg or 0 for p in m.payloads)
        room = 0.0
        for launch in m.launches:
            v = res.vehicles[launch.vehicle]
            # to Earth-Moon transfer where published; Angara: LEO, an upper bound
            room += launch.mass_kg or v.capacity_tli_kg or v.capacity_leo_kg
        assert carried <= room, (m.id, carried, room)
    # the five ILRS flights each stay within the CZ-9's 54 t to Earth-Moon transfer (ilrs-facts.md)
    for k in range(1, 6):
        assert sum(res.elements[e].mass_kg for e in cat.missions[f"ilrs-{k}"].elements) <= 54_000


def test_reference_scenario_loads_and_picks_claims():
    s = load_scenario("ilrs-reference")
    assert s.campaign.date_claims["luna-26"] == "update-2025"
    res = s.campaign.resolved()
    assert len(res.missions) == len(s.campaign.manifest)


def test_sites_are_checked_softly_against_the_catalogue():
    from ilrs.campaign import sites_not_in_catalogue

    unknown = sites_not_in_catalogue(campaign_of(load_scenario("ilrs-reference")))
    # Luna-25 (Boguslawsky) and Chang'e-6 (far-side Apollo basin) did not target the south pole
    assert {"luna-25", "change-6"} <= set(unknown)
    # the first crewed landing now targets the near side (Rimae Bode, Nature Astronomy 2026-03-09):
    # no coordinates in the sources used, so it is not a catalogue site
    assert unknown.get("crewed-landing-1") == "rimae-bode"
    # south-pole targets are catalogue sites (data/sites.yaml); Chang'e-8 at Leibnitz-Beta (CNSA 2025-04-24)
    assert not {"change-7", "change-8", "ilrs-1"} & set(unknown)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from("abcdef"), st.lists(st.sampled_from("abcdef"), max_size=3), max_size=6))
def test_find_cycle_agrees_with_kahn(graph):
    """find_cycle returns a real cycle exactly when Kahn's topological sort cannot finish."""
    nodes = set(graph)
    indeg = {n: 0 for n in nodes}
    for n, succ in graph.items():
        for s in succ:
            if s in nodes:
                indeg[s] += 1
    ready = [n for n in nodes if indeg[n] == 0]
    removed = 0
    while ready:
        n = ready.pop()
        removed += 1
        for s in graph[n]:
            if s in nodes:
                indeg[s] -= 1
                if indeg[s] == 0:
                    ready.append(s)
    has_cycle = removed < len(nodes)
    cycle = find_cycle(graph)
    assert (cycle is not None) == has_cycle
    if cycle:
        for a, b in zip(cycle, cycle[1:] + cycle[:1]):
            assert b in graph[a]
