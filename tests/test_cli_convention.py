"""The CLI convention (docs/cli.md): every command's --format json follows one key convention, and
every command accepts the shared options. The checker's rules are written here from the
convention, not from any command's output."""

from __future__ import annotations

import json
import re

import pytest

from ilrs.cli.common import format_duration, parse_duration_s
from ilrs.errors import InputError

# --- the checker ------------------------------------------------------------------------------

KEY = re.compile(r"^[a-z][a-z0-9_]*$")
DATA_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+\-]*$")  # an id used as a key (relay, element, CZ-5 …)
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
UTC_VALUE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$")
# unit spellings that have one spelling: _hours, _minutes, _s, _days, _percent, _fraction
BAD_SUFFIX = re.compile(r"_(h|hr|hrs|mins?|sec|secs|pct|perc|kms|degs|degrees)$")
# one name per quantity: canonical name -> names it must not appear under
ONE_NAME = {
    "start_utc": {"start", "start_time", "begin", "t0"},
    "end_utc": {"end", "end_time", "stop"},
    "time_utc": {"time", "epoch", "when", "at"},
    "step_s": {"step", "step_min", "step_h", "step_hours", "step_minutes", "time_step_s"},
    "span_days": {"days", "duration_days"},
    "duration_hours": {"hours", "length_hours"},
    "files": {"plot", "plots", "tables", "figures", "paths", "outputs", "written"},
    "windows_count": {"n_windows"},
    "points_count": {"points", "n_points"},
    "period_hours": {"period_h"},
}
FORBIDDEN = {bad: good for good, bads in ONE_NAME.items() for bad in bads}
# keys of these mappings are data names (relays, milestones, inputs …), not field names
OPEN_MAPS = {"per_relay", "milestones", "kpis", "sensitivity", "kpi_sensitivity", "constellations", "inputs",
             "targets", "other", "on_time", "dates", "members_by_kind", "counts", "orbits", "station_keeping",
             "by_partner", "science", "per_partner", "shares", "partners", "elements", "drivers", "options",
             "outcomes", "kinds", "relays", "headline", "values", "cells", "figures_by_key", "slips", "risk_drivers",
             "sources", "spares"}
# `scenario show` prints the scenario itself: its keys are the input schema (docs/scenario), not output keys


def convention_problems(data, path: str = "$") -> list[str]:
    """Every place where ``data`` breaks the JSON convention, as ``path: problem``."""
    problems: list[str] = []
    if isinstance(data, list):
        for i, item in enumerate(data):
            problems += convention_problems(item, f"{path}[{i}]")
        return problems
    if not isinstance(data, dict):
        return problems
    open_map = path.rsplit(".", 1)[-1] in OPEN_MAPS  # a list item is never an open map
    for key, value in data.items():
        where = f"{path}.{key}"
        if not open_map:
            problems += _key_problems(key, value, where)
        problems += convention_problems(value, where)
    return problems


def _key_problems(key: str, value, where: str) -> list[str]:
    out = []
    if not KEY.match(key) and not DATA_NAME.match(key):
        out.append(f"{where}: not a snake_case key (a display label is not a key)")
    if BAD_SUFFIX.search(key):
        out.append(f"{where}: unit spelled {key.rsplit('_', 1)[1]!r} (one spelling: _hours, _minutes, _s …)")
    if key in FORBIDDEN and not (key in ("start", "end") and isinstance(value, (int, float))):
        out.append(f"{where}: this quantity is called {FORBIDDEN[key]!r}")
    if key == "files" and not (isinstance(value, list) and all(isinstance(p, str) for p in value)):
        out.append(f"{where}: files must be a list of paths")
    strings = value if isinstance(value, list) else [value]
    for v in strings:
        if isinstance(v, str) and DATETIME.match(v) and not key.endswith("_utc"):
            out.append(f"{where}: a date-time under a key not ending in _utc ({v!r})")
        if key.endswith("_utc") and v is not None and not (isinstance(v, str) and UTC_VALUE.match(v)):
            out.append(f"{where}: *_utc must be ISO date-time ending in Z, got {v!r}")
    return out


def test_checker_catches_what_the_convention_forbids():
    bad = {"start": "2027-01-01T00:00:00", "step_h": 6, "plot": "a.png", "x_utc": "2027-01-01T00:00:00",
           "hours": 3.0, "files": {"a": "b"}, "Bad Key": 1, "when_utc": "2027-01-01", "per_relay": {"Q-2": {"days": 1}}}
    found = "\n".join(convention_problems(bad))
    for fragment in ("$.start: this quantity is called 'start_utc'", "$.step_h: unit spelled 'h'",
                     "$.plot: this quantity is called 'files'", "$.x_utc: *_utc must be ISO",
                     "$.hours: this quantity is called 'duration_hours'", "$.files: files must be a list",
                     "$.Bad Key: not a snake_case key", "$.when_utc: *_utc must be ISO",
                     "$.per_relay.Q-2.days: this quantity is called 'span_days'"):
        assert fragment in found, found
    good = {"start_utc": "2027-01-01T00:00:00Z", "step_s": 60.0, "files": ["a.png"], "span_days": 1,
            "perilune_altitude_km": {"start": 200.0, "end": 210.0}, "per_relay": {"Q-2": {"span_days": 1}},
            "launch": "2027-08-01"}
    assert convention_problems(good) == []


# --- parse_duration_s: values from the definition of the units ----------------------------------

@pytest.mark.parametrize("text, seconds", [("60s", 60.0), ("30min", 1800.0), ("1h", 3600.0), ("1.5h", 5400.0),
                                           ("0.5d", 43200.0), ("2 days", 172800.0), ("90 MIN", 5400.0)])
def test_parse_duration(text, seconds):
    assert parse_duration_s(text) == seconds


@pytest.mark.parametrize("text", ["60", "h", "-1h", "0s", "1 fortnight", "", "1e999h", "nan"])
def test_parse_duration_refuses(text):
    with pytest.raises(InputError, match="--step"):
        parse_duration_s(text)


@pytest.mark.parametrize("seconds, text", [(60.0, "1min"), (3600.0, "1h"), (5400.0, "90min"), (86400.0, "1d"),
                                           (45.0, "45s"), (21600.0, "6h")])
def test_format_duration_round_trips(seconds, text):
    assert format_duration(seconds) == text and parse_duration_s(text) == seconds


# --- every command: the shared options, and its JSON ----------------------------------------------

SITE_SPAN = ("--lat", "-89.45", "--lon", "222.7", "--start", "2027-01-01", "--days", "3", "--step", "6h",
             "--horizon", "none")
COMMS_QUICK = ("--start", "2027-01-01", "--days", "0.5", "--step", "10min", "--propagation", "j2",
               "--coverage-km", "0", "--max-windows", "3")
# the packaged DEM at 20 km/px around a 100 km square: a 5 x 5 px region, a few seconds
MAP_QUICK = ("--pixel-m", "20000", "--margin-km", "0", "--region", "-89.45,222.7,100")
MAP_DAYS = ("--start", "2027-01-01", "--end", "2027-01-02", "--step", "6h")
MAP_KINDS = [("horizons", ()), ("lit", MAP_DAYS), ("darkness", MAP_DAYS), ("earth", MAP_DAYS), ("psr", ("--step", "30d"))]
EXPORT_QUICK = ("geojson", "contacts", "--site", "malapert-massif", "--start", "2027-01-01", "--end", "2027-01-02",
                "--step", "10min")
# (command words, quick arguments that make it print JSON with --format json)
QUICK = [
    (("scenario", "list"), ()),
    (("scenario", "validate"), ("ilrs-reference",)),
    (("partners",), ("--as-of", "2023-10-23")),
    (("partners", "show"), ("Belarus",)),
    (("partners", "timeline"), ("--until", "2023-12-31")),
    (("site",), ("--list",)),
    (("site",), ("connecting-ridge", "--at", "2027-01-01T00:00:00", "--horizon", "none")),
    (("site",), SITE_SPAN),
    (("comms",), ("--list",)),
    (("comms",), COMMS_QUICK),
    (("comms", "orbit"), ("queqiao-2", "--days", "2", "--degree", "2", "--step", "12h")),
    (("campaign",), ()),
    (("campaign",), ("--drift",)),
    (("risk",), ("-n", "40", "--workers", "0")),
    (("risk",), ("--replay", "3")),
    *((("map", kind), MAP_QUICK + extra) for kind, extra in MAP_KINDS),
    (("export",), EXPORT_QUICK),
]
# commands whose product is files (docs/cli.md): they write to out/<name> unless --out says where
# (`export` needs --out: it refuses to run without one)
WRITERS = {("risk",), ("export",)}


def _json_of(ilrs_cli, tmp_path, words, args):
    extra = ("--out", str(tmp_path / "o")) if words in WRITERS and "--replay" not in args else ()
    r = ilrs_cli(*words, *args, *extra, "--format", "json", "--quiet", cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)


@pytest.mark.parametrize("words, args", QUICK, ids=[" ".join(w + a)[:60] for w, a in QUICK])
def test_every_json_key_follows_the_convention(ilrs_cli, tmp_path, words, args):
    data = _json_of(ilrs_cli, tmp_path, words, args)
    assert convention_problems(data) == []
    if words not in WRITERS and words != ("scenario", "new"):
        assert not list(tmp_path.iterdir()), "wrote files without --out"


def test_files_listed_when_asked(ilrs_cli, tmp_path):
    """With --out, what was written is listed under ``files`` and exists."""
    for words, args in [(("site",), SITE_SPAN), (("partners", "timeline"), ()), (("campaign",), ()),
                        (("comms",), COMMS_QUICK), (("map", "darkness"), MAP_QUICK + MAP_DAYS),
                        (("export",), EXPORT_QUICK)]:
        out = tmp_path / "-".join(words)
        r = ilrs_cli(*words, *args, "--out", out, "--format", "json", "--quiet")
        assert r.returncode == 0, r.stderr[-2000:]
        files = json.loads(r.stdout)["files"]
        assert files and all(p.startswith(str(out)) for p in files)
        assert sorted(str(p) for p in out.rglob("*") if p.is_file()) == sorted(files)


MAPS = ["map horizons", "map lit", "map darkness", "map earth", "map psr"]
SHARED = {  # option -> commands that must accept it (docs/cli.md)
    "--format": ["run", "site", "comms", "comms orbit", "ops", "campaign", "risk", "compare", "partners",
                 "partners show", "partners timeline", "scenario list", "scenario show", "scenario validate",
                 "dem info", *MAPS, "export"],
    "--quiet": ["run", "site", "comms", "comms orbit", "ops", "campaign", "risk", "compare", "partners timeline",
                "scenario validate", *MAPS, "export"],
    "--out": ["run", "site", "comms", "comms orbit", "ops", "campaign", "risk", "compare", "partners timeline",
              *MAPS, "export"],
    "--scenario": ["run", "site", "comms", "comms orbit", "ops", "campaign", "risk", "export"],
    "--step": ["site", "comms", "comms orbit", "ops", "map lit", "map darkness", "map earth", "map psr", "export"],
    "--lat": ["site", "comms", "ops", "dem info", "export"],
    "--site": ["site", "comms", "ops", "dem info", "export"],
}


def _help(command: str) -> str:
    from typer.testing import CliRunner

    from ilrs.cli.main import _register, app

    _register()
    r = CliRunner().invoke(app, [*command.split(), "--help"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    return r.output


@pytest.mark.parametrize("option", sorted(SHARED))
def test_every_command_accepts_the_shared_options(option):
    missing = [c for c in SHARED[option] if not re.search(rf"(^|\s|,){re.escape(option)}[\s,]", _help(c))]
    assert missing == []


def test_old_step_spellings_still_work_hidden(ilrs_cli):
    old = ilrs_cli("site", "--lat", "-89.45", "--lon", "222.7", "--start", "2027-01-01", "--days", "1",
                   "--step-min", "360", "--horizon", "none", "--format", "json")
    new = ilrs_cli("site", "--lat", "-89.45", "--lon", "222.7", "--start", "2027-01-01", "--days", "1",
                   "--step", "6h", "--horizon", "none", "--format", "json")
    assert old.returncode == new.returncode == 0, old.stderr + new.stderr
    assert json.loads(old.stdout) == json.loads(new.stdout) and json.loads(new.stdout)["step_s"] == 21600
    assert "--step 6h" in old.stderr  # the deprecation note names the new spelling
    assert "--step-min" not in _help("site")
    both = ilrs_cli("site", "south-pole", "--start", "2027-01-01", "--step", "1h", "--step-min", "60")
    assert both.returncode == 2 and "not both" in both.stderr


def test_dem_info_json_follows_the_convention(ilrs_cli, tmp_path_factory):
    """`dem info` on a small synthetic LOLA PDS3 product, asked about a site: JSON by the convention, nothing written."""
    from tests.dem_fixtures import write_lola_pds3

    folder = tmp_path_factory.mktemp("dem")
    lbl, _, _ = write_lola_pds3(folder, 32, 20.0)
    before = sorted(folder.iterdir())
    for where in (("--site", "connecting-ridge"), ("--lat", "-89.99", "--lon", "45")):
        r = ilrs_cli("dem", "info", lbl, *where, "--format", "json", cwd=folder)
        assert r.returncode == 0, r.stderr[-2000:]
        assert convention_problems(json.loads(r.stdout)) == []
    assert sorted(folder.iterdir()) == before


def test_version(ilrs_cli):
    from ilrs import __version__

    r = ilrs_cli("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"ilrs {__version__}"


def test_a_bare_scenario_file_is_pointed_to_the_option(ilrs_cli, tmp_path):
    """`ilrs run my.yaml` (a natural first try): one line naming --scenario, exit 2, nothing written."""
    r = ilrs_cli("run", "my-study.yaml", "--out", tmp_path / "o")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "my-study.yaml" in r.stderr and "--scenario" in r.stderr
    assert not (tmp_path / "o").exists()
    given = ilrs_cli("run", "--scenario", "my-study.yaml", "extra", "--out", tmp_path / "o")
    assert given.returncode == 2 and "--scenario" not in given.stderr  # the scenario was given: no hint


BAD = """name: bad
span: {start: 2026-01-01, end: 2040-01-01}
site: {name: connecting-ridge, mast_height_m: -3}
operations: {years: -1}
bogus: 1
"""


def test_validate_lists_every_error(ilrs_cli, tmp_path):
    """Three independent mistakes: three lines (text) and three entries (JSON), exit status 2."""
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    text = ilrs_cli("scenario", "validate", path)
    assert text.returncode == 2
    lines = [ln for ln in text.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 3 and {"site.mast_height_m", "bogus"} <= {ln.split(": ")[2] for ln in lines}, text.stderr
    for command in (("scenario", "validate", path), ("run", "--scenario", path, "--out", tmp_path / "o")):
        r = ilrs_cli(*command, "--format", "json")
        assert r.returncode == 2
        data = json.loads(r.stdout)
        assert data["valid"] is False and len(data["errors"]) == 3
        assert all(e["file"] == str(path) and e["field"] and e["message"] for e in data["errors"])
    assert not (tmp_path / "o").exists()


def test_comms_orbit_takes_a_scenario_and_shows_progress(ilrs_cli, tmp_path):
    """The scenario's span start is the default start; the progress bar goes to stderr, off with --quiet."""
    doc = "name: later\nspan: {start: 2030-03-01, end: 2031-01-01}\nsite: {name: connecting-ridge}\n"
    (tmp_path / "s.yaml").write_text(doc)
    r = ilrs_cli("comms", "orbit", "--scenario", tmp_path / "s.yaml", "--days", "1", "--degree", "2",
                 "--step", "12h", "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["start_utc"] == "2030-03-01T00:00:00Z" and d["relay"] == "queqiao-2" and d["files"] == []


def test_run_ops_and_summary_json_follow_the_convention(ilrs_cli, tmp_path):
    """The slower commands on a short study: `ops`, and `run` (its stdout JSON and summary.json)."""
    import yaml

    from ilrs.scenario import load_scenario

    raw = load_scenario("ilrs-reference").model_dump(mode="json", exclude_unset=True)
    raw["span"] = {"start": "2027-01-01", "end": "2027-07-01"}
    raw["operations"].update(start="2027-02-01", years=0.1)
    raw["relays"].update(analysis_days=1.0, coverage_spacing_km=0.0)
    path = tmp_path / "short.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    ops = ilrs_cli("ops", "--scenario", path, "--step", "2h", "--format", "json", cwd=tmp_path, timeout=600)
    assert ops.returncode == 0, ops.stderr[-2000:]
    assert convention_problems(json.loads(ops.stdout)) == [] and json.loads(ops.stdout)["files"] == []
    run = ilrs_cli("run", "--scenario", path, "--risk-runs", "20", "--out", tmp_path / "o", "--format", "json",
                   timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    printed = json.loads(run.stdout)
    assert convention_problems(printed) == []
    assert sorted(printed["files"]) == sorted(str(p) for p in (tmp_path / "o").iterdir() if p.is_file())
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert convention_problems(summary) == []
