"""``ilrs export``: the study's relays, site, links and maps in formats other tools read."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import typer

from ilrs.cli.common import OutputFormat, echo_json, output_folder
from ilrs.errors import InputError

_UNITS_S = {"s": 1.0, "sec": 1.0, "min": 60.0, "m": 60.0, "h": 3600.0}


def _step_s(text: str | None) -> float | None:
    """A duration with its unit (``60s``, ``5min``, ``0.1h``).
    TODO(cli): swap for ilrs.cli.common.parse_duration_s once the cli branch is merged (T4)."""
    if text is None:
        return None
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(s|sec|min|m|h)\s*", text)
    if not m:
        raise InputError(f"{text!r} is not a duration", field="--step", allowed="a number and a unit: 60s, 5min, 0.1h")
    return float(m.group(1)) * _UNITS_S[m.group(2)]


def export(
    kinds: list[str] = typer.Argument(..., help="oem, czml, geojson, contacts, maps, or all (several allowed)."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder to write into (created if missing)."),
    scenario: Optional[str] = typer.Option(None, "--scenario", "-s", help="Scenario name or YAML path (default ilrs-reference)."),
    start: Optional[str] = typer.Option(None, "--start", help="First instant (UTC, ISO); default: the scenario's span start."),
    end: Optional[str] = typer.Option(None, "--end", help="Last instant (UTC, ISO); default: 7 days after --start."),
    step: Optional[str] = typer.Option(None, "--step", help="Relay grid step with unit, ≤ 600s (default: the scenario's comms step, 60s)."),
    dem: Optional[Path] = typer.Option(None, "--dem", help="Polar-stereographic GeoTIFF DEM: `maps` adds the lit fraction of the 128 px around the site over a year (6 h steps)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress lines."),
    format: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text or json"),
) -> None:
    """Write exchange formats for the study: CCSDS OEM (relay ephemerides, Moon-centred ICRF),
    CZML (a Cesium scene on a Moon globe), GeoJSON (sites), GeoTIFF (coverage, illumination) and
    contact CSVs per link with root-found edges (≤ 1 s).

    Examples:

      ilrs export all --out out/exports

      ilrs export oem czml --start 2027-01-01 --end 2027-01-08 --out exports/

      ilrs export contacts --scenario my-study.yaml --step 30s --out exports/ --format json

      ilrs export maps --dem LDEM_87S_20M.tif --out exports/
    """
    from ilrs.report.exports import KINDS, study_exports
    from ilrs.report.exports.study import check_request
    from ilrs.scenario import load_scenario

    asked = list(KINDS) if "all" in kinds else list(dict.fromkeys(kinds))
    bad = [k for k in asked if k not in KINDS]
    if bad:
        raise InputError(f"unknown export {bad[0]!r}", field="KINDS", allowed=[*KINDS, "all"])
    if dem is not None and not dem.is_file():
        raise InputError("no such file", file=str(dem), field="--dem")
    step_s = _step_s(step)
    sc = load_scenario(scenario)
    check_request(sc, asked, start=start, end=end, step_s=step_s)  # every bad option before any folder
    folder = output_folder(out, "--out")
    say = (lambda label: None) if quiet or format is OutputFormat.json else \
        (lambda label: typer.echo(f"  … {label}", err=True))
    result = study_exports(sc, folder, asked, start=start, end=end, step_s=step_s, dem=dem, progress=say)
    if format is OutputFormat.json:
        echo_json({"scenario": sc.name, **result.figures, "files": result.files})
        return
    f = result.figures
    typer.echo(f"ilrs export — {sc.name}: {f['period_days']:g} days from {f['period_start_utc']} at {f['step_s']:g} s")
    if "contacts" in f:
        typer.echo(f"  {f['contacts']} contact windows (edges root-found to 0.01 s)")
    for path in result.files:
        typer.echo(f"wrote {path} ({f['bytes'][Path(path).name]:,} bytes)")


def register(app: typer.Typer) -> None:
    app.command("export")(export)
