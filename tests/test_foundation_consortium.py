"""The consortium registry against the seed articles and the sourced facts (not the code's output)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, strategies as st

from ilrs.consortium import MEMBER_KINDS, Registry, ReportedDate, default_registry
from ilrs.data import data_path
from ilrs.errors import DatasetError, NotFoundError
from tests.conftest import SHARED

SEED_DAY = dt.date(2023, 10, 23)


@pytest.fixture(scope="module")
def reg():
    return default_registry()


def test_seed_members_as_of_belarus_declaration(reg):
    """Seeds 001-003: states and organizations in the ILRS as of 2023-10-23."""
    members = reg.members(as_of=SEED_DAY)
    states = {m.party.name for m in members if m.party.kind == "state"}
    orgs = {m.party.short or m.party.name for m in members if m.party.kind != "state"}
    assert {"Belarus", "Pakistan", "Azerbaijan", "South Africa", "Venezuela", "Russia", "China"} <= states
    assert {"APSCO", "nanoSPACE", "ILOA", "NARIT"} <= orgs
    # seed 002: "now has seven nations" — exactly the seven states, as of that date
    assert len(states) == 7


def test_belarus_joint_declaration(reg):
    """Seeds 002/003: NASB and CNSA, 2023-10-23, Gusakov and Zhang Kejian."""
    [agreement] = [a for a in reg.agreements_of("belarus") if "belarus" in a.admits]
    assert agreement.instrument == "joint-declaration"
    assert reg.date_of(agreement).earliest == reg.date_of(agreement).latest == SEED_DAY
    assert set(agreement.parties) == {"nasb", "cnsa"}
    assert {s.person for s in agreement.signatories} == {"Vladimir Gusakov", "Zhang Kejian"}
    assert any("new materials" in a for a in agreement.areas)
    seeds = [reg.sources[s].seed for s in agreement.all_sources]
    assert any(s and s.startswith("seeds/003_") for s in seeds)


@pytest.mark.skipif(not (SHARED / "seeds").is_dir(), reason="the project's seed articles are not beside this clone")
def test_every_cited_seed_exists():
    reg = default_registry()
    for src in reg.sources.values():
        if src.seed:
            assert (SHARED / src.seed).is_file(), src.seed


def test_artemis_accords_at_29_in_october_2023(reg):
    assert reg.artemis_count(SEED_DAY) == 29
    assert reg.artemis_count(dt.date(2025, 12, 31)) == 59
    assert reg.artemis_count(dt.date(2019, 1, 1)) is None


def test_disagreeing_sources_are_kept(reg):
    az = reg.agreements["azerbaijan-2023"]
    assert len(az.date_claims) == 2
    counts = {c.count for c in reg.dataset.count_claims}
    assert {7, 13, 17} <= counts


def test_russia_agreement_has_ip_clause_and_ratification(reg):
    """Seed 004: signed 2022-11-25 with IP protection; ratified by the Duma (tass, 2024-05-28);
    ratification law 2024-06-12, in force 2024-07-18 (world-2026-12.md, Russian legal reporting)."""
    a = reg.agreements["china-russia-iga-2022"]
    assert reg.date_of(a).earliest == dt.date(2022, 11, 25)
    assert "intellectual-property" in a.clauses
    assert [e.date for e in a.events] == [dt.date(2024, 5, 28), dt.date(2024, 6, 12), dt.date(2024, 7, 18)]


def test_unknown_dates_are_not_invented(reg):
    djibouti = next(m for m in reg.memberships() if m.party.id == "djibouti")
    assert djibouti.joined.precision == "unknown"
    assert djibouti.joined.latest == dt.date(2025, 4, 28)
    assert djibouti not in reg.members(as_of=dt.date(2025, 1, 1))


def test_find_by_name_short_and_id(reg):
    assert reg.find("CNSA").id == "cnsa"
    assert reg.find("south africa").id == "south-africa"
    with pytest.raises(NotFoundError, match="allowed:"):
        reg.find("atlantis")


def test_member_kind_filter(reg):
    for kind in MEMBER_KINDS:
        assert all(m.party.kind == kind for m in reg.members(kind=kind))
    with pytest.raises(NotFoundError, match="allowed"):
        reg.members(kind="planet")


def _broken(tmp_path, mutate):
    raw = yaml.safe_load(data_path("partners.yaml").read_text())
    mutate(raw)
    p = tmp_path / "partners.yaml"
    p.write_text(yaml.safe_dump(raw))
    return p


@pytest.mark.parametrize("mutate, field", [
    (lambda r: r["agreements"][0]["parties"].append("atlantis"), "agreements[0].parties[2]"),
    (lambda r: r["agreements"][0]["date_claims"][0]["sources"].append("nowhere"), "agreements[0].date_claims[0].sources[2]"),
    (lambda r: r["parties"].insert(1, dict(r["parties"][0])), "parties[1].id"),
    (lambda r: r["agreements"][0].update(instrument="handshake"), "agreements[0].instrument"),
    (lambda r: r["agreements"][0].update(admits=["cnsa"]), "agreements[0].admits[0]"),
    (lambda r: r["agreements"][0]["date_claims"][0].update(date="2021-13"), "agreements[0].date_claims[0]"),
])
def test_bad_dataset_gives_one_line_error(tmp_path, mutate, field):
    p = _broken(tmp_path, mutate)
    with pytest.raises(DatasetError) as err:
        Registry.load(p)
    assert f"{p}: {field}:" in str(err.value)
    assert "\n" not in str(err.value)


@given(st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2030, 1, 1)),
       st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2030, 1, 1)))
def test_membership_is_monotone_in_time(d1, d2):
    reg = default_registry()
    early, late = sorted((d1, d2))
    assert {m.party.id for m in reg.members(as_of=early)} <= {m.party.id for m in reg.members(as_of=late)}
    a1, a2 = reg.artemis_count(early), reg.artemis_count(late)
    assert a1 is None or a1 <= a2


@given(st.integers(1990, 2060), st.integers(1, 12))
def test_month_interval_covers_the_month(year, month):
    r = ReportedDate.parse(f"{year}-{month:02d}")
    assert r.earliest.day == 1 and r.earliest.month == r.latest.month == month
    assert (r.latest + dt.timedelta(days=1)).month != month


@pytest.mark.parametrize("bad", ["2021-13-01", "2023-13-40", "2023-02-29"])
def test_impossible_dataset_date_names_file_and_line(tmp_path, bad):
    """No 13th month; 2023 is not a leap year. The error gives the line of the bad date, no ValueError."""
    text = data_path("partners.yaml").read_text()
    good = "date: 2021-03-09"
    line = text[:text.index(good)].count("\n") + 1
    p = tmp_path / "partners.yaml"
    p.write_text(text.replace(good, f"date: {bad}", 1))
    with pytest.raises(DatasetError) as err:
        Registry.load(p)
    assert str(err.value).startswith(f"{p}: line {line}: not valid YAML: '{bad}' is not a valid date")


def test_duplicate_dataset_key_is_refused(tmp_path):
    text = data_path("partners.yaml").read_text()
    p = tmp_path / "partners.yaml"
    p.write_text(text + "\nsources: {}\n")
    first = text.splitlines().index("sources:") + 1
    with pytest.raises(DatasetError, match=rf"duplicate key 'sources' \(first at line {first}\)"):
        Registry.load(p)


@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_blank_party_name_is_refused(reg, blank):
    with pytest.raises(NotFoundError, match="cannot be blank"):
        reg.find(blank)


def test_ambiguous_prefix_names_every_match(reg):
    """'Azer' is the start of both Azerbaijan (the state) and Azercosmos (its agency, seed 003 context)."""
    with pytest.raises(NotFoundError, match=r"ambiguous \(matches: azerbaijan, azercosmos\)"):
        reg.find("Azer")
    assert reg.find("Azerb").id == "azerbaijan"


def test_reliable_claim_dates_an_agreement_over_a_narrower_uncertain_one(reg):
    """Azerbaijan: vestikavkaza.ru [?] says 2023-10-03; seed 003 says "earlier this month" (before 2023-10-23)."""
    az = next(m for m in reg.memberships() if m.party.id == "azerbaijan")
    assert (az.joined.earliest, az.joined.latest) == (dt.date(2023, 10, 1), dt.date(2023, 10, 22))
    assert "[?]" not in az.joined.text
    assert az.party.id not in {m.party.id for m in reg.members(as_of=dt.date(2023, 10, 3))}
    row = az.as_dict(reg)
    assert row["date_reliability"] == "primary"
    assert [(c["date"], c["reliability"], c["used"]) for c in row["date_claims"]] == [
        ("2023-10-03", "uncertain", False), ("2023-10 (before 2023-10-23)", "primary", True)]


def test_uncertain_only_date_is_marked(tmp_path):
    raw = yaml.safe_load(data_path("partners.yaml").read_text())
    az = next(a for a in raw["agreements"] if a["id"] == "azerbaijan-2023")
    az["date_claims"] = az["date_claims"][:1]  # keep only the vestikavkaza.ru [?] claim
    p = tmp_path / "partners.yaml"
    p.write_text(yaml.safe_dump(raw))
    reg = Registry.load(p)
    joined = next(m for m in reg.memberships() if m.party.id == "azerbaijan").joined
    assert joined.text == "2023-10-03 [?]" and joined.earliest == joined.latest == dt.date(2023, 10, 3)


def test_artemis_status_says_when_the_count_was_reported(reg):
    assert reg.artemis_status(dt.date(2023, 1, 1)) | {"sources": None} == {
        "count_at_least": 8, "exact": False, "reported": "2020-10-13", "sources": None,
        "text": "≥ 8 (reported 2020-10-13)"}
    assert reg.artemis_status(dt.date(2024, 12, 20))["text"] == "52 (reported 2024-12-20)"
    assert reg.artemis_status(dt.date(2020, 10, 12)) is None


def test_growth_plot_draws_artemis_only_where_reported(reg):
    """Markers at the published counts (8, 29, 44, 47, 52, 57, 59; 60 Portugal, 61 Oman, 70-72
    secondary, world-2026-12.md); the step between them is dashed."""
    from ilrs.consortium.timeline import plot_growth

    fig = plot_growth(reg)
    ax = fig.axes[0]
    [markers] = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
    assert list(markers.get_ydata()) == [8, 29, 44, 47, 52, 57, 59, 60, 61, 70, 71]
    [bound] = [ln for ln in ax.get_lines() if "at least" in ln.get_label()]
    assert bound.get_linestyle() == "--"
    import matplotlib.pyplot as plt
    plt.close(fig)


def test_growth_series_ends_at_the_last_dated_fact(reg):
    from ilrs.consortium.timeline import growth_series

    s = growth_series(reg)
    # Türkiye signed the Accords as 71st on 2026-08-31 (secondary; world-2026-12.md); Djibouti's 72nd
    # signing was only scheduled (2026-09-14), so it is no count
    assert s["date"][-1] == reg.last_dated_fact() == dt.date(2026, 8, 31)


def _consortium_section(start: str):
    from pathlib import Path

    from ilrs.report.products import RunProducts, compile_setup
    from ilrs.report.section import RunContext
    from ilrs.report.sections.consortium import build
    from ilrs.scenario import scenario_from_dict

    s = scenario_from_dict({"name": "t", "span": {"start": start, "end": "2030-01-01"}, "site": {"name": "connecting-ridge"}})
    return build(RunProducts(compile_setup(s)), RunContext(out_dir=Path("."), options={}))


def test_report_agreements_are_as_of_the_start():
    """By 2023-07-01 only the China-Russia MoU (2021-03-09), roadmap (2021-06-16) and IGA (2022-11-25) were
    certainly concluded: not APSCO's undated listing, nor nanoSPACE/ILOA's "July 2023" (ilrs-facts.md)."""
    sec = _consortium_section("2023-07-01")
    assert sec.summary["agreements"] == 3
    assert sec.summary["members"] == 2  # China and Russia
    assert "APSCO listed" not in sec.html and "nanoSPACE AG memorandum" not in sec.html
    assert "Artemis Accords: ≥ 29 (reported 2023-09-14)" not in sec.lines[0]
    assert sec.lines[0].endswith("Artemis Accords: ≥ 8 (reported 2020-10-13)")


def test_report_before_the_first_member_reads_sensibly():
    sec = _consortium_section("2019-06-01")
    assert sec.summary["members"] == 0 and sec.summary["agreements"] == 0
    assert sec.summary["artemis_accords"] is None
    assert "None" not in " ".join(sec.lines) and not any(line.rstrip().endswith(":") for line in sec.lines)
    assert "first joined 2021-03-09" in sec.lines[1]


EXCERPTS = json.loads((Path(__file__).parent / "data" / "shared_excerpts.json").read_text(encoding="utf-8"))
"""Verbatim excerpts of ../shared (the facts' partner table, seed sentences): the tests below run in
a clone without ../shared; where ../shared is present, the excerpts are checked against it."""


def test_excerpts_are_verbatim_where_the_shared_sources_are_present():
    table = EXCERPTS["facts_partners_table"]
    quotes = EXCERPTS["seed_quotes"].values()
    assert table["text"].startswith("| partner | date | instrument | source |") and len(quotes) == 4
    facts = SHARED / table["file"]
    if facts.is_file():
        section = facts.read_text(encoding="utf-8").split(table["heading"])[1].split("\n\n")[0]
        assert section.strip() == table["text"]
    for q in quotes:
        seed = SHARED / q["file"]
        if seed.is_file():
            assert q["text"] in seed.read_text(encoding="utf-8"), q["file"]


def _facts_partner_rows() -> list[dict]:
    """The 'Partners (state, date, instrument)' table of shared/reference/ilrs-facts.md (excerpt)."""
    rows = []
    for line in EXCERPTS["facts_partners_table"]["text"].splitlines()[2:]:
        partner, date, instrument, source = (c.strip() for c in line.strip().strip("|").split("|"))
        rows.append({"partner": partner, "date": date, "instrument": instrument, "source": source})
    return rows


def test_cnsa_is_a_party_only_where_the_facts_name_it(reg):
    """Nicaragua and Kazakhstan: the facts name no Chinese counterpart, so CNSA must not be invented."""
    rows = [r for r in _facts_partner_rows() if "," not in r["partner"]]
    assert len(rows) == 12
    for row in rows:
        party = reg.find(row["partner"])
        # the instrument the facts table describes (Pakistan: seed 002's agreement, kept beside the
        # CNSA-SUPARCO memorandum reported by Xinhua 2023-10-25)
        admitting = [a for a in reg.agreements.values() if party.id in a.admits]
        assert any(("cnsa" in a.parties) == ("CNSA" in row["instrument"]) for a in admitting), row


def test_djibouti_ethiopia_bolivia_each_by_its_own_instrument(reg):
    [row] = [r for r in _facts_partner_rows() if "," in r["partner"]]
    assert row["date"] == "before 2025-04-29" and row["instrument"] == "not found"
    for name in (n.strip() for n in row["partner"].split(",")):
        party = reg.find(name)
        [a] = [a for a in reg.agreements.values() if party.id in a.admits]
        assert a.admits == a.parties == [party.id] and a.instrument == "unknown"
        assert reg.date_of(a).is_unknown and reg.date_of(a).latest == dt.date(2025, 4, 28)
        assert reg.cite(a.all_sources) == ["sputniknews.africa"]


def test_egypt_government_mou_is_its_own_agreement(reg):
    """ilrs-facts.md: Egypt, 2023-12-06, "government space MoU + CNSA-EgSA ILRS agreement" (spacenews.com)."""
    egypt = [a for a in reg.agreements_of("egypt") if reg.date_of(a).text == "2023-12-06"]
    assert len(egypt) == 2
    [admitting] = [a for a in egypt if "egypt" in a.admits]
    assert set(admitting.parties) == {"cnsa", "egsa"}
    [gov] = [a for a in egypt if not a.admits]
    assert gov.instrument == "mou" and set(gov.parties) == {"china", "egypt"}


def test_pakistan_agreement_is_between_governments(reg):
    """Seed 002: signed by Pakistan's interim prime minister with Chinese Premier Li Qiang."""
    a = reg.agreements["pakistan-2023"]
    assert {reg.parties[p].kind for p in a.parties} == {"government"}
    assert "government" not in MEMBER_KINDS


def test_roadmap_and_artemis_29_cite_every_source(reg):
    roadmap = reg.agreements["china-russia-roadmap-2021"]
    assert reg.date_of(roadmap).text == "2021-06-16"  # dfnc.ru; seed 003 says "June 2021", consistent
    assert any(reg.sources[s].seed and reg.sources[s].seed.startswith("seeds/003_")
               for c in roadmap.date_claims for s in c.sources)
    [p29] = [p for p in reg.dataset.artemis_accords if p.count == 29]
    assert {"seed-002", "seed-003"} <= set(p29.sources) and any(s.startswith("ilrs-facts") for s in p29.sources)
    assert any("nearly 30" in m.what and m.sources == ["seed-001"] for m in p29.mentions)


@pytest.mark.parametrize("pid, phrase", [
    ("dsel", "Deep Space Exploration Laboratory (DSEL), under CNSA"),
    ("belarus-space-agency", "Belarus Space Agency operates under the NASB"),
    ("sjtu", "Shanghai Jiaotong University"),
    ("ilrsco", "named ILRSCO"),
])
def test_parties_named_in_the_seeds_are_there_with_their_seed(reg, pid, phrase):
    party = reg.parties[pid]
    seeds = [reg.sources[s].seed for s in party.sources if reg.sources[s].seed]
    quote = EXCERPTS["seed_quotes"][pid]
    assert phrase in quote["text"] and quote["file"] in seeds
    assert party.id not in {m.party.id for m in reg.memberships()}  # named, not admitted
