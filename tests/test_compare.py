"""``ilrs compare``: pairing, the input diff, the coalition series, and the files it writes.

The studies are the reference scenario cut to half a year (short span, short operations window,
a 2-day comms period, no coverage map) and variants of it written to temporary files: another
site from the catalogue, a later span, the other coalition.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from html import unescape
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ilrs.campaign.result import CrewStay
from ilrs.consortium.coalition import coalition_growth
from ilrs.errors import InputError
from ilrs.report.compare import compare_scenarios
from ilrs.report.compare_diff import flatten, input_diff
from ilrs.report.compare_figures import continuous_presence
from ilrs.report.compare_write import comparison_json, write_comparison
from ilrs.scenario import load_scenario
from ilrs.scenario.loader import builtin_scenarios

RUNS = 30
SITE_DRIVEN = {"site", "relays", "energy", "science", "crew"}
"""Topics a site can move: light, Earth and relay visibility, and what follows from them (energy,
data returned, and crew-days through power failures); the crew's landing and presence dates are
campaign figures and must not move."""


def short_raw(**changes) -> dict:
    """The reference scenario file as written (only its own fields), cut to half a year."""
    raw = yaml.safe_load(builtin_scenarios()["ilrs-reference"].read_text())
    raw["name"] = "short-ref"
    raw["span"] = {"start": "2027-01-01", "end": "2027-07-01"}
    raw["operations"].update(start="2027-02-01", years=0.25)
    raw["relays"].update(analysis_days=2.0, coverage_spacing_km=0.0)
    for path, value in changes.items():
        node = raw
        *parents, leaf = path.split(".")
        for p in parents:
            node = node[p]
        node[leaf] = value
    return raw


def write(folder: Path, raw: dict, file: str) -> str:
    path = folder / file
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return str(path)


def _without_last_milestone(raw: dict) -> dict:
    raw["campaign"]["milestones"] = raw["campaign"]["milestones"][:-1]
    return raw


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("compare-scenarios")
    out = {"ref": write(d, short_raw(), "short-ref.yaml"),
           "malapert": write(d, short_raw(**{"name": "short-malapert", "site.name": "malapert-massif"}),
                             "short-malapert.yaml"),
           "later": write(d, short_raw(name="short-later", span={"start": "2027-03-01", "end": "2027-07-01"}),
                          "short-later.yaml"),
           "accords": write(d, _without_last_milestone(short_raw(name="short-accords", coalition="artemis-accords")),
                            "short-accords.yaml")}
    shutil.copy(out["ref"], d / "short-ref-copy.yaml")
    out["copy"] = str(d / "short-ref-copy.yaml")
    return out


def _compare(*paths: str):
    return compare_scenarios(list(paths), [load_scenario(p) for p in paths], risk_runs=RUNS)


@pytest.fixture(scope="module")
def two_sites(files):
    return _compare(files["ref"], files["malapert"])


def test_a_scenario_against_itself_shows_no_difference(files):
    comp = _compare(files["ref"], files["copy"])
    assert comp.labels[0] != comp.labels[1]  # one name, told apart by how each was given
    rows = [r for t in comp.topics for r in t.rows]
    assert len(rows) > 40
    for r in rows:
        a, b = r.cells.values()
        assert (a.value, a.text) == (b.value, b.text), r.figure
    assert comp.inputs == []
    assert comparison_json(comp)["identical"] is True


def test_two_sites_differ_only_in_site_driven_figures(two_sites):
    comp = two_sites
    assert {d["path"] for d in comp.inputs} == {"name", "site.name"}
    differing = {t.key: {r.figure for r in t.rows if r.differs} for t in comp.topics}
    assert not differing["coalition"] and not differing["milestones"]
    assert {k for k, v in differing.items() if v} <= SITE_DRIVEN
    assert all(f.startswith("crew.crew_days") for f in differing["crew"])
    for fig in ("site.lit_fraction", "site.earth_visible_fraction", "relays.availability"):
        assert fig in differing[fig.split(".")[0]]


def test_two_sites_figures_are_the_main_reports(two_sites, tmp_path):
    """The paired figures are those ``ilrs run`` reports for each scenario (the same products)."""
    from ilrs.report import build_report

    m = two_sites.members[1]
    _, _, json_path = build_report(m.scenario, tmp_path, options={"risk_runs": RUNS, "rival": "none"})
    summary = json.loads(json_path.read_text())
    site = {r.figure: r.cells[m.label] for r in two_sites.topic("site").rows}
    assert site["site.lit_fraction"].value == pytest.approx(summary["environment"]["lit_fraction"], abs=0)
    assert site["site.earth_visible_fraction"].value == summary["environment"]["earth_visible_fraction"]
    energy = {r.figure: r.cells[m.label] for r in two_sites.topic("energy").rows}
    assert energy["energy.energy_not_served_kwh"].value == summary["operations"]["energy_not_served_kwh"]
    ms = {r.figure: r.cells[m.label] for r in two_sites.topic("milestones").rows}
    for mid, v in summary["risk"]["milestones"].items():
        assert ms[f"{mid}.p_on_time"].value == v["probability_on_time"]


def test_one_program_two_dates(files):
    comp = _compare(files["ref"], files["later"])
    assert {d["path"] for d in comp.inputs} == {"name", "span.start"}
    site = {r.figure: r for r in comp.topic("site").rows}
    assert site["site.lit_fraction"].differs and not site["site.name"].differs


def test_two_coalitions_on_one_chart(files, tmp_path):
    comp = _compare(files["ref"], files["accords"])
    assert {s.coalition for s in comp.coalition.values()} == {"ilrs", "artemis-accords"}
    rows = {r.figure: r for r in comp.topic("coalition").rows}
    row = rows["coalition.on_common_day"]
    assert "2027-01-01" in row.label  # both counted on the same day, the earlier study start
    _, accords = row.cells.values()
    assert accords.text.startswith("≥ ")  # 2027-01-01 is no reporting day: a lower bound
    assert accords.value >= 59  # 59 signatories reported in October 2025 (public reporting)
    # milestones matched by id: the one the second study lacks reads "—" there, and each lists its own
    last = yaml.safe_load(Path(files["ref"]).read_text())["campaign"]["milestones"][-1]["id"]
    row = {r.figure: r for r in comp.topic("milestones").rows}[f"{last}.target"]
    assert [c.text for c in row.cells.values()][1] == "—" and row.differs
    ids = {label: [m["id"] for m in rows] for label, rows in comp.milestones_by_scenario.items()}
    assert ids["short-ref"][:-1] == ids["short-accords"] and ids["short-ref"][-1] == last
    files_ = write_comparison(comp, tmp_path / "a")
    assert files_["chart"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the same comparison gives the same bytes (no timing, no date in the files)
    again = write_comparison(comp, tmp_path / "b")
    for kind in ("html", "json", "chart"):
        assert files_[kind].read_bytes() == again[kind].read_bytes(), kind
    assert [p.read_bytes() for p in files_["tables"]] == [p.read_bytes() for p in again["tables"]]


def test_coalition_growth_against_published_dates():
    days = [dt.date(2020, 10, 12), dt.date(2020, 10, 13), dt.date(2020, 10, 14)]
    art = coalition_growth("artemis-accords", days)
    # eight founding signatories on 2020-10-13 (NASA press release of that day), none before; the
    # ninth (Ukraine) signed on 2020-11-14, so the day after the founding is still exactly eight
    assert art.counts == (0, 8, 8) and art.lower_bound == (False, False, False)
    ilrs = coalition_growth("ilrs", [dt.date(2021, 3, 8), dt.date(2021, 12, 31)])
    assert ilrs.counts == (0, 2)  # China and Russia: the MoU of 2021-03-09 (Reuters)
    with pytest.raises(InputError, match="coalition"):
        coalition_growth("nato", days)


def _stay(a: str, b: str) -> CrewStay:
    return CrewStay("m", dt.date.fromisoformat(a), dt.date.fromisoformat(b), ("china",), None)


def test_continuous_presence_closed_form():
    end = dt.date(2037, 1, 1)
    stays = [_stay("2030-01-01", "2030-01-11"), _stay("2034-01-01", "2034-07-01"), _stay("2034-07-01", "2037-06-01")]
    first, longest = continuous_presence(stays, end)
    assert first == dt.date(2034, 1, 1)
    assert longest == (dt.date(2037, 6, 1) - dt.date(2034, 1, 1)).days
    assert continuous_presence(stays[:1], end) == (None, 10.0)
    assert continuous_presence([], end) == (None, 0.0)


def test_input_diff_matches_records_by_id_and_marks_given_fields():
    a = {"site": {"height_m": 0.0}, "ms": [{"id": "x", "t": 1}, {"id": "y", "t": 2}]}
    b = {"site": {"height_m": 0.0}, "ms": [{"id": "y", "t": 3}, {"id": "x", "t": 1}]}
    rows = input_diff([a, b], ["a", "b"], [{"site": {"height_m": 0.0}}, {}])
    assert rows == [{"path": "site.height_m", "values": {"a": "0.0 (given)", "b": "0.0 (default)"}},
                    {"path": "ms[y].t", "values": {"a": "2", "b": "3"}}]


json_tree = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                         lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=4), kids, max_size=3),
                         max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(json_tree, json_tree)
def test_input_diff_is_empty_exactly_when_the_leaves_agree(a, b):
    assert input_diff([a, a], ["1", "2"]) == []
    rows = input_diff([a, b], ["1", "2"])
    assert (rows == []) == (json.dumps(flatten(a), sort_keys=True) == json.dumps(flatten(b), sort_keys=True))


def _html_cells(html: str) -> dict[tuple[str, str], list[str]]:
    """(topic, figure) → the scenario cells of each paired row of compare.html."""
    out = {}
    for topic, body in re.findall(r'<table class="paired" data-topic="([^"]+)">(.*?)</table>', html, re.S):
        for fig, row in re.findall(r'<tr data-figure="([^"]+)"[^>]*>(.*?)</tr>', body, re.S):
            out[(topic, unescape(fig))] = [unescape(c) for c in re.findall(r'<td class="cell">(.*?)</td>', row, re.S)]
    return out


def test_cli_files_read_back_equal(files, tmp_path, ilrs_cli):
    out = tmp_path / "cmp"
    r = ilrs_cli("compare", files["ref"], files["malapert"], "--risk-runs", str(RUNS), "--out", out, "-q",
                 "--format", "json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    data = json.loads((out / "compare.json").read_text())
    cells = _html_cells((out / "compare.html").read_text())
    labels = [s["label"] for s in data["scenarios"]]
    assert summary["headline"] == data["headline"] and labels == ["short-ref", "short-malapert"]
    n = 0
    for key, topic in [("headline", data["headline"]), *data["topics"].items()]:
        table = pq.read_table(out / "tables" / f"compare-{key}.parquet").to_pylist()
        by = {(t["figure"], t["scenario"]): t for t in table}
        for row in topic["rows"]:
            texts = [row["values"][lab]["text"] for lab in labels]
            assert cells[(key, row["figure"])] == texts
            for lab in labels:
                assert by[(row["figure"], lab)]["text"] == row["values"][lab]["text"]
                assert by[(row["figure"], lab)]["value"] == row["values"][lab]["value"]
                n += 1
    assert n > 100
    series = pq.read_table(out / "tables" / "compare-coalition-series.parquet")
    assert set(series.column("scenario").to_pylist()) == set(labels)


@pytest.mark.parametrize("args, says", [
    (["{ref}"], "at least two scenarios, got 1"),
    (["{ref}", "{ref}"], "given twice"),
    (["{ref}", "no-such-scenario"], "scenario 2 (no-such-scenario) does not load"),
    (["{ref}", "{bad}"], "scenario 2 ("),
])
def test_bad_input_one_line_exit_2_nothing_written(files, tmp_path, ilrs_cli, args, says):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nspan: {start: 2027-01-01, end: 2026-01-01}\nsite: {name: connecting-ridge}\n")
    out = tmp_path / "out"
    r = ilrs_cli("compare", *[a.format(bad=bad, **files) for a in args], "--out", out, "-q")
    assert r.returncode == 2
    assert says in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not out.exists() and r.stdout == ""


def test_help_states_the_default_runs(ilrs_cli):
    from ilrs.report.compare import DEFAULT_RISK_RUNS

    r = ilrs_cli("compare", "--help")
    assert r.returncode == 0 and f"default {DEFAULT_RISK_RUNS}" in " ".join(r.stdout.split())
