"""``ilrs export``: the study's relays, site, links and maps in formats other tools read."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ilrs.cli.common import (OutputFormat, echo_json, format_option, lat_option, lon_option, out_option,
                             output_folder, parse_duration_s, quiet_option, scenario_option, scenario_with_site,
                             site_option, step_option)
from ilrs.errors import InputError

# the study's figure names -> their names by the JSON convention (docs/cli.md)
_KEYS = {"period_start_utc": "start_utc", "period_days": "span_days", "contacts": "windows_count",
         "coverage_points": "coverage_points_count", "illumination_pixels": "illumination_pixels_count",
         "bytes": "bytes_by_file"}


def _figures(figures: dict) -> dict:
    """The export's figures under the convention's names, with the span's end (``end_utc``)."""
    import numpy as np

    out = {_KEYS.get(k, k): v for k, v in figures.items()}
    if "start_utc" in out and "span_days" in out:
        end = np.datetime64(out["start_utc"].removesuffix("Z"), "ms") + np.timedelta64(round(out["span_days"] * 86400e3), "ms")
        out["end_utc"] = str(end.astype("datetime64[s]")) + "Z"
    return out


_OUT = out_option("the exports")
_OUT.help += " Required here: the files are this command's product."


def export(
    kinds: list[str] = typer.Argument(..., help="oem, czml, geojson, contacts, maps, or all (several allowed)."),
    out: Optional[Path] = _OUT,
    scenario: Optional[str] = scenario_option(),
    site: Optional[str] = site_option(),
    lat: Optional[float] = lat_option(),
    lon: Optional[float] = lon_option(),
    start: Optional[str] = typer.Option(None, "--start", help="First instant (UTC, ISO); default: the scenario's span start."),
    end: Optional[str] = typer.Option(None, "--end", help="Last instant (UTC, ISO); default: 7 days after --start."),
    step: Optional[str] = step_option(None, "Relay grid step, at most 600s (default: the scenario's comms step)"),
    dem: Optional[Path] = typer.Option(None, "--dem", help="Polar-stereographic GeoTIFF DEM: `maps` adds the lit fraction of the 128 px around the site over a year (6 h steps)."),
    quiet: bool = quiet_option(),
    format: OutputFormat = format_option(),
) -> None:
    """Write exchange formats for the study: CCSDS OEM (relay ephemerides, Moon-centred ICRF),
    CZML (a Cesium scene on a Moon globe), GeoJSON (sites), GeoTIFF (coverage, illumination) and
    contact CSVs per link with root-found edges (≤ 1 s).

    Examples:

      ilrs export all --out out/exports

      ilrs export oem czml --start 2027-01-01 --end 2027-01-08 --out exports/

      ilrs export contacts --scenario my-study.yaml --site malapert-massif --step 30s --out exports/ --format json

      ilrs export maps --dem LDEM_87S_20M.tif --out exports/
    """
    from ilrs.report.exports import KINDS, study_exports
    from ilrs.report.exports.study import check_request
    from ilrs.scenario import load_scenario

    asked = list(KINDS) if "all" in kinds else list(dict.fromkeys(kinds))
    bad = [k for k in asked if k not in KINDS]
    if bad:
        raise InputError(f"unknown export {bad[0]!r}", field="KINDS", allowed=[*KINDS, "all"])
    if out is None:
        raise InputError("give the folder to write into", field="--out", allowed="--out FOLDER")
    if dem is not None and not dem.is_file():
        raise InputError("no such file", file=str(dem), field="--dem")
    step_s = parse_duration_s(step, "--step") if step is not None else None
    sc = scenario_with_site(load_scenario(scenario), site, lat, lon)
    check_request(sc, asked, start=start, end=end, step_s=step_s)  # every bad option before any folder
    folder = output_folder(out, "--out")
    say = (lambda label: None) if quiet or format is OutputFormat.json else \
        (lambda label: typer.echo(f"  … {label}", err=True))
    result = study_exports(sc, folder, asked, start=start, end=end, step_s=step_s, dem=dem, progress=say)
    f = _figures(result.figures)
    if format is OutputFormat.json:
        echo_json({"scenario": sc.name, "site": sc.site.name, **f, "files": list(result.files)})
        return
    typer.echo(f"ilrs export — {sc.name} at {sc.site.name}: {f['span_days']:g} days from {f['start_utc']} "
               f"at {f['step_s']:g} s")
    if "windows_count" in f:
        typer.echo(f"  {f['windows_count']} contact windows (edges root-found to 0.01 s)")
    if not quiet:
        for path in result.files:
            typer.echo(f"wrote {path} ({f['bytes_by_file'][Path(path).name]:,} bytes)")


def register(app: typer.Typer) -> None:
    app.command("export")(export)
