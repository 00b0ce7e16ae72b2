"""The CLI as a user meets it: one-line errors with exit 2, JSON output, the main job's files."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest


def test_partners_json_as_of(ilrs_cli):
    r = ilrs_cli("partners", "--as-of", "2023-10-23", "--format", "json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert isinstance(rows, list)  # the issue: a list of objects with at least these keys
    for row in rows:
        assert {"name", "kind", "country", "joined", "instrument", "sources", "date_claims"} <= row.keys()
        assert row["date_claims"] and all(c["sources"] for c in row["date_claims"])
    names = {row["name"] for row in rows}
    assert {"Belarus", "Pakistan", "Azerbaijan", "South Africa", "Venezuela", "Russia", "China"} <= names
    assert "Egypt" not in names  # joined 2023-12-06


def test_partners_show_and_timeline(ilrs_cli, tmp_path):
    r = ilrs_cli("partners", "show", "Belarus")
    assert r.returncode == 0 and "Vladimir Gusakov" in r.stdout and "Zhang Kejian" in r.stdout
    r = ilrs_cli("partners", "timeline", "--out", tmp_path / "o", "--plot-format", "svg")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "o" / "partners-timeline.svg").read_text().lstrip().startswith("<?xml")


@pytest.mark.parametrize("args, fragment", [
    (("partners", "--as-of", "23/10/2023"), "--as-of"),
    (("partners", "--kind", "planet"), "allowed"),
    (("partners", "show", "atlantis"), "no party named"),
    (("scenario", "validate", "missing.yaml"), "missing.yaml: file not found"),
    (("run", "--scenario", "nope"), "allowed"),
    (("risk", "-n", "0"), "--runs"),  # a constraint typer checks itself, through its vendored click
    (("run", "--risk-runs", "0"), "--risk-runs"),
    (("ops", "--years", "x"), "--years"),
    (("partners", "--bogus"), "No such option"),
])
def test_bad_input_is_one_line_exit_2(ilrs_cli, args, fragment):
    r = ilrs_cli(*args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], r.stderr
    assert "Traceback" not in r.stderr


def test_scenario_new_then_validate(ilrs_cli, tmp_path):
    p = tmp_path / "study.yaml"
    assert ilrs_cli("scenario", "new", p).returncode == 0
    assert p.read_text().lstrip().startswith("#")
    r = ilrs_cli("scenario", "validate", p)
    assert r.returncode == 0 and r.stdout.startswith("ok")
    assert ilrs_cli("scenario", "new", p).returncode == 2  # refuses to overwrite


def test_bad_scenario_file_names_field(ilrs_cli, tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("name: x\nspan: {start: 2028-01-01, end: 2027-01-01}\nsite: {name: connecting-ridge}\n")
    r = ilrs_cli("scenario", "validate", p)
    assert r.returncode == 2 and f"{p}: span:" in r.stderr


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.imgs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "img":
            self.imgs.append(dict(attrs).get("src", ""))


def test_run_writes_report_and_summary(ilrs_cli, tmp_path):
    r = ilrs_cli("run", "--out", tmp_path / "o", "--quiet", "--risk-runs", "64", timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["scenario"] == "ilrs-reference"
    assert summary["options"] == {"risk_runs": 64} and summary["risk"]["runs"] == 64
    assert "timings_s" not in (tmp_path / "o" / "summary.json").read_text()
    assert "sections_s" in json.loads((tmp_path / "o" / "timings.json").read_text())
    assert summary["consortium"]["members"] >= 20
    page = _Collector()
    page.feed((tmp_path / "o" / "report.html").read_text())
    assert "html" in page.tags and "table" in page.tags
    assert page.imgs and all(src.startswith("data:image/") for src in page.imgs)  # self-contained
    assert not list((tmp_path / "o").glob(".*.tmp"))  # nothing half-written


@pytest.mark.parametrize("make_args, fragment", [
    (lambda d: ("run", "--quiet", "--out", d / "afile"), "afile: --out: exists and is not a folder"),
    (lambda d: ("partners", "timeline", "--out", d / "afile"), "afile: --out: exists and is not a folder"),
    (lambda d: ("scenario", "new", d / "adir", "--force"), "adir: is a folder"),
    (lambda d: ("scenario", "new", d / "adir"), "adir: is a folder"),
])
def test_unwritable_output_is_one_line_exit_2(ilrs_cli, tmp_path, make_args, fragment):
    (tmp_path / "afile").write_text("keep me\n")
    (tmp_path / "adir").mkdir()
    r = ilrs_cli(*make_args(tmp_path), timeout=60)  # `run` must fail before computing anything
    assert r.returncode == 2 and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], r.stderr
    assert (tmp_path / "afile").read_text() == "keep me\n" and not any((tmp_path / "adir").iterdir())


def test_os_error_anywhere_is_one_line_exit_2(monkeypatch, tmp_path, capsys):
    """An OSError the command did not foresee (disk full, permission) prints FILE: reason, exit 2."""
    from ilrs.cli import main as cli_main, scenario_cmd

    target = tmp_path / "study.yaml"

    def refuse(path, text):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(scenario_cmd, "write_text_atomic", refuse)
    with pytest.raises(SystemExit) as done:
        cli_main.main(["scenario", "new", str(target)])
    assert done.value.code == 2
    assert capsys.readouterr().err.strip() == f"error: {target}: Permission denied"


@pytest.mark.parametrize("name, fragment", [("", "cannot be blank"), ("Azer", "ambiguous (matches: azerbaijan, azercosmos)")])
def test_partners_show_blank_or_ambiguous_is_exit_2(ilrs_cli, name, fragment):
    r = ilrs_cli("partners", "show", name)
    assert r.returncode == 2 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], r.stderr


@pytest.mark.parametrize("day, expected", [
    ("2023-01-01", "Artemis Accords signatories by 2023-01-01: ≥ 8 (reported 2020-10-13)"),  # NASA, 8 founders
    ("2023-09-14", "Artemis Accords signatories by 2023-09-14: 29 (reported 2023-09-14)"),   # Germany, 29th
    ("2019-06-01", "Artemis Accords signatories by 2019-06-01: none reported yet"),
])
def test_artemis_count_between_reports_is_a_lower_bound(ilrs_cli, day, expected):
    r = ilrs_cli("partners", "--as-of", day)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == expected


def test_timeline_is_the_same_any_day_and_honours_until(ilrs_cli, tmp_path):
    r = ilrs_cli("partners", "timeline", "--format", "json")
    series = json.loads(r.stdout)["series"]
    assert series[-1]["date"] == "2026-08-31"  # the last dated fact: Türkiye 71st (secondary)
    r = ilrs_cli("partners", "timeline", "--format", "json", "--until", "2023-10-23")
    series = json.loads(r.stdout)["series"]
    assert series[-1]["date"] == "2023-10-23" and series[-1]["ilrs_states"] == 7  # seed 002: seven nations
    assert series[-1]["artemis_accords"] == 29 and series[-1]["artemis_reported"] == "2023-09-14"


def test_ilrsco_is_the_coordinating_body(ilrs_cli):
    """Seed 003: China is setting up ILRSCO in Hefei "to coordinate the initiative"."""
    r = ilrs_cli("partners", "show", "ILRSCO")
    assert r.returncode == 0 and "coordinating body of the ILRS" in r.stdout and "signing body" not in r.stdout


@pytest.mark.parametrize("command", [
    ("run",), ("partners",), ("partners", "show"), ("partners", "timeline"),
    ("scenario",), ("scenario", "list"), ("scenario", "show"), ("scenario", "validate"), ("scenario", "new"),
])
def test_help_has_an_example(ilrs_cli, command):
    r = ilrs_cli(*command, "--help")
    assert r.returncode == 0
    examples = r.stdout.split("Examples:")[1]
    assert f"ilrs {' '.join(command)}" in examples, r.stdout


def test_summary_json_is_the_same_bytes_run_to_run(tmp_path, monkeypatch):
    """Timings (different on every run) go to timings.json; summary.json keeps only results and options."""
    import time

    from ilrs.report import build as report_build
    from ilrs.report.section import Section
    from ilrs.report.sections import consortium
    from ilrs.scenario import load_scenario

    def measured(scenario, ctx):
        t0 = time.perf_counter()
        time.sleep(0.002)
        return Section("measured", "Measured", "<p>x</p>",
                       {"runs": ctx.options["risk_runs"], "timings_s": {"x": time.perf_counter() - t0},
                        "elapsed_s": time.perf_counter()}, [])

    monkeypatch.setattr(report_build, "section_builders",
                        lambda: [("consortium", consortium.build), ("measured", measured)])
    s = load_scenario("ilrs-reference")
    for name in ("a", "b"):
        report_build.build_report(s, tmp_path / name, options={"risk_runs": 7})
    a, b = ((tmp_path / n / "summary.json").read_bytes() for n in ("a", "b"))
    assert a == b
    summary = json.loads(a)
    assert summary["measured"] == {"runs": 7} and summary["options"] == {"risk_runs": 7}
    timings = json.loads((tmp_path / "a" / "timings.json").read_text())
    assert set(timings) == {"sections_s", "measured"} and set(timings["sections_s"]) == {"consortium", "measured"}
    assert timings["measured"]["timings_s"]["x"] >= 0.002


@pytest.mark.parametrize("content, fragment", [
    (None, "file not found"),
    ("sources: {}\nparties: [\n", "not valid YAML"),
    ("sources: {}\nparties: []\nagreements:\n  - {id: x, title: t, instrument: mou, parties: [a],\n"
     "     date_claims: [{date: 2021-13-01, sources: [s]}]}\n", "line 5: not valid YAML: '2021-13-01' is not a valid date"),
    ("sources: {}\nparties: []\nagreements: []\nparties: []\n", "duplicate key 'parties'"),
    ("- just\n- a list\n", "must be a mapping"),
    ("sources: {}\nparties: [{id: x, name: X, kind: planet, country: null}]\nagreements: []\n", "parties[0].kind"),
])
@pytest.mark.parametrize("command", [(), ("show", "x"), ("timeline",)])
def test_partners_bad_dataset_is_one_line_exit_2(ilrs_cli, tmp_path, content, fragment, command):
    p = tmp_path / "bad.yaml"
    if content is not None:
        p.write_text(content)
    extra = ("--out", tmp_path / "g") if command == ("timeline",) else ()
    r = ilrs_cli("partners", "--dataset", p, *command, *extra)
    assert r.returncode == 2 and r.stdout == "" and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {p}") and fragment in lines[0], r.stderr
    assert not (tmp_path / "g").exists()
