"""Fuzz the command line: every command and option of the typer app, with bad values, in a subprocess.

Each case must exit 0, or exit 2 with exactly one stderr line, within 60 s — never a traceback.
Commands run with a cheap context (a short scenario, a tiny span, few runs) so that a value that is
accepted finishes quickly; ``ilrs run`` gets an output folder it cannot create, so that it stops
before computing once its options are read.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.harness import expect, run_cli, settings_for

pytestmark = pytest.mark.fuzz


def _commands() -> list[tuple[tuple[str, ...], str, bool, bool]]:
    """(command path, option or argument name, is_flag, is_argument) for every parameter of the app."""
    import typer

    from ilrs.cli.main import _register, app

    if not app.registered_commands:
        _register()
    out = []

    def walk(cmd, path):
        for p in cmd.params:
            if p.name == "help":
                continue
            is_arg = not p.opts or not p.opts[0].startswith("-")
            out.append((path, p.opts[0] if not is_arg else p.name, bool(getattr(p, "is_flag", False)), is_arg))
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            walk(sub, path + (name,))
    walk(typer.main.get_command(app), ())
    return out


PARAMS = _commands()

BAD = ["", " ", "-1", "0", "-0", "nan", "NaN", "inf", "-inf", "1e308", "1e400", "-1e308",
       "99999999999999999999999", "0x10", "abc", "é✓🚀中文", "x" * 3000, "1,5", "2028-02-30", "9999-12-31",
       "0001-01-01", "2027-13-01T00:00:00", "--", "-", "{FOLDER}", "/dev/null", "{FOLDER}/missing/x.yaml",
       "/proc/self", "a/../../../../etc", "\t\n", "1 2", "true", "None"]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A short scenario (tiny span, few runs) and a folder for outputs."""
    from ilrs.scenario import load_scenario

    folder = tmp_path_factory.mktemp("cli-fuzz")
    raw = load_scenario("ilrs-reference").model_dump(mode="json", exclude_unset=True)
    raw["span"] = {"start": "2027-01-01", "end": "2027-03-01"}
    raw["operations"].update(start="2027-01-01", years=0.02)
    raw["relays"].update(analysis_days=0.2, coverage_spacing_km=0.0)
    raw.setdefault("uncertainties", {})["runs"] = 4
    path = folder / "short.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    (folder / "a-folder").mkdir()
    return folder, path


def _context(command: tuple[str, ...], option: str, folder: Path, scenario: Path) -> list[str]:
    """Arguments that keep ``command`` cheap when the value under test is accepted."""
    out = str(folder / "out")
    ctx = {
        ("run",): ["--scenario", str(scenario), "--out", "/dev/null/cannot", "--quiet"],
        ("site",): ["connecting-ridge", "--at", "2027-01-01T00:00:00", "--horizon", "none"],
        ("campaign",): ["--scenario", str(scenario)],
        ("ops",): ["--scenario", str(scenario), "--years", "0.01", "--out", out, "--quiet"],
        ("risk",): ["--scenario", str(scenario), "-n", "2", "--out", out, "--quiet"],
        ("comms",): ["--scenario", str(scenario), "--out", out],
        ("comms", "orbit"): ["queqiao-2", "--days", "0.5", "--step", "6min", "--out", out],
        ("scenario", "show"): ["ilrs-reference"],
        ("scenario", "validate"): [str(scenario)],
        ("scenario", "new"): [str(folder / "new.yaml"), "--force"],
        ("partners", "show"): ["pakistan"],
        ("partners", "timeline"): ["--out", str(folder / "timeline.png")],
        **{("map", k): ["--pixel-m", "20000", "--margin-km", "0", "--quiet"] + (
            ["--start", "2027-01-01", "--end", "2027-01-03", "--step", "1d"] if k in ("lit", "darkness", "earth")
            else ["--step", "30d"] if k == "psr" else []) for k in ("horizons", "lit", "darkness", "earth", "psr")},
        ("export",): ["geojson", "--start", "2027-01-01", "--end", "2027-01-02", "--step", "10min", "--out", out,
                      "--quiet"],
    }.get(command, [])
    if command == ("run",) and option == "--out":
        ctx = ["--scenario", str(folder / "missing.yaml"), "--quiet"]
    args, skip = [], False
    for i, a in enumerate(ctx):  # drop the context's own value of the option under test
        if skip:
            skip = False
            continue
        if a == option or (option == "-n" and a == "--runs"):
            skip = i + 1 < len(ctx) and not ctx[i + 1].startswith("-")
            continue
        args.append(a)
    return args


def _case(command, option, is_flag, is_arg, value, folder, scenario):
    value = value.replace("{FOLDER}", str(folder / "a-folder"))
    ctx = _context(command, option, folder, scenario)
    if is_arg:
        # the argument under test takes the place of the context's positional one
        positional = [a for a in ctx if not a.startswith("-") and (ctx.index(a) == 0)]
        rest = ctx[len(positional):]
        return [*command, value, *rest]
    if is_flag:
        return [*command, *ctx, f"{option}={value}"]
    return [*command, *ctx, option, value]


CASES = [(c, o, f, a) for c, o, f, a in PARAMS]


def test_every_command_is_enumerated():
    names = {" ".join(c) for c, *_ in PARAMS}
    assert {"run", "site", "campaign", "ops", "risk", "scenario new", "scenario validate", "comms orbit"} <= names
    assert len(PARAMS) >= 40


@settings_for(quick=20, full=300)
@given(case=st.sampled_from(CASES), value=st.sampled_from(BAD))
def test_bad_option_values(case, value, workspace):
    folder, scenario = workspace
    command, option, is_flag, is_arg = case
    args = _case(command, option, is_flag, is_arg, value, folder, scenario)
    outcome, _ = run_cli(args, cwd=folder)
    expect(outcome in ("ok", "error"), f"ilrs {' '.join(args)[:200]}: {outcome}: {run_cli.last_detail}")


@pytest.mark.parametrize("args", [
    ["risk", "-n", "1e26"], ["risk", "-n", "100000000000000000000"], ["ops", "--years", "nan"],
    ["ops", "--step-hours", "0"], ["site", "--lat", "nan", "--lon", "0", "--at", "2027-01-01T00:00:00"],
    ["scenario", "validate", "{FOLDER}"], ["scenario", "new", "{FOLDER}"], ["--no-such-option"],
    ["no-such-command"], ["scenario", "show", "é✓🚀"],
])
def test_named_bad_values(args, workspace):
    folder, _ = workspace
    args = [a.replace("{FOLDER}", str(folder / "a-folder")) for a in args]
    outcome, _ = run_cli(args, cwd=folder)
    expect(outcome == "error", f"ilrs {' '.join(args)[:200]}: {outcome}: {run_cli.last_detail}")
