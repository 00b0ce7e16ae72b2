"""``ilrs comms``: relays, access windows, link rates and coverage for a south-pole site."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ilrs.cli.common import (OutputFormat, deprecated_step_option, echo_json, format_duration, format_option,
                             lat_option, lon_option, out_option, output_folder, parse_date, quiet_option,
                             scenario_option, scenario_with_site, site_option, step_option, step_seconds)
from ilrs.constants import SECONDS_PER_HOUR
from ilrs.errors import InputError
from ilrs.timeutil import iso_date

comms_app = typer.Typer(
    help="Relay satellites and the station's links to Earth: windows, gaps, rates, data volume, coverage.\n\n"
         "Examples:\n\n  ilrs comms --start 2027-01-01 --days 30 --step 5min --out out/comms\n\n"
         "  ilrs comms --constellation moonlight --site connecting-ridge --start 2030-01-01 --days 7 --format json\n\n"
         "  ilrs comms --list\n\n  ilrs comms orbit queqiao-2 --days 365",
    invoke_without_command=True,
)


def _progress(quiet: bool):
    """A rich progress bar callable (done, total, label) and its context manager."""
    from contextlib import nullcontext

    if quiet:
        return (lambda *a: None), nullcontext()
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    prog = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=Console(stderr=True), transient=True)
    tasks: dict = {}

    def update(done, total, label="comms"):
        if label not in tasks:
            tasks[label] = prog.add_task(label, total=total)
        prog.update(tasks[label], completed=done, total=total)

    return update, prog


@comms_app.callback()
def comms(
    ctx: typer.Context,
    scenario: Optional[str] = scenario_option(),
    constellation: Optional[list[str]] = typer.Option(None, "--constellation", "-c", help="Relay or constellation name (repeatable); default: the scenario's."),
    site: Optional[str] = site_option(),
    lat: Optional[float] = lat_option(),
    lon: Optional[float] = lon_option(),
    start: Optional[str] = typer.Option(None, "--start", help="First day (UTC), YYYY-MM-DD; default: the scenario's span start."),
    days: Optional[float] = typer.Option(None, "--days", help="Days to analyse; default: relays.analysis_days (30)."),
    step: Optional[str] = step_option(None, "Time step (default 60s)"),
    step_s_old: Optional[float] = deprecated_step_option("--step-s"),
    propagation: Optional[str] = typer.Option(None, "--propagation", help="numerical (GRAIL field + Earth + Sun) or j2 (analytic)."),
    coverage_km: Optional[float] = typer.Option(None, "--coverage-km", help="Grid spacing of the coverage map over 80-90°S (0: no map); default: the scenario's (20)."),
    coverage_horizon: Optional[str] = typer.Option(None, "--coverage-horizon", help="sphere or dem (each grid point's DEM horizon, cached); default: the scenario's (dem)."),
    no_station_keeping: bool = typer.Option(False, "--no-station-keeping", help="Relays drift freely (numerical mode): no manoeuvres; a relay that reaches the surface stops the run."),
    out: Optional[Path] = out_option("the windows plot and the coverage map"),
    plot_format: str = typer.Option("png", "--plot-format", help="png or svg."),
    max_windows: int = typer.Option(200, "--max-windows", help="Windows listed in the JSON (0: all)."),
    list_relays: bool = typer.Option(False, "--list", help="List the built-in relays, constellations and ground stations."),
    quiet: bool = quiet_option(),
    format: OutputFormat = format_option(),
) -> None:
    """Communications of a south-pole site: site -> relay -> Earth and direct to Earth.

    Prints availability, gaps, windows and data volume per day, per relay and end to end; saves a
    windows/rate plot and a coverage map of the south polar cap.
    """
    if ctx.invoked_subcommand is not None:
        return
    if list_relays:
        _list(format)
        return
    if plot_format not in ("png", "svg"):
        raise InputError(f"unknown plot format {plot_format!r}", field="--plot-format", allowed=["png", "svg"])
    if days is not None and not 0 < days <= 400:
        raise InputError(f"--days {days} out of range", field="--days", allowed="0 < days <= 400")
    step_s = step_seconds(step, step_s=(step_s_old, 1.0))
    if step_s is not None and not 1 <= step_s <= SECONDS_PER_HOUR:
        opt = "--step" if step_s_old is None else "--step-s"
        raise InputError(f"{opt} {format_duration(step_s)} out of range", field=opt, allowed="1s..1h")
    if propagation is not None and propagation not in ("numerical", "j2"):
        raise InputError(f"unknown propagation {propagation!r}", field="--propagation", allowed=["numerical", "j2"])
    if coverage_horizon is not None and coverage_horizon not in ("sphere", "dem"):
        raise InputError(f"unknown coverage horizon {coverage_horizon!r}", field="--coverage-horizon",
                         allowed=["sphere", "dem"])
    if coverage_km is not None and not 0 <= coverage_km <= 200:
        raise InputError(f"--coverage-km {coverage_km:g} out of range", field="--coverage-km",
                         allowed="0..200 (0: no map)")
    day = parse_date(start, "--start")

    from ilrs.comms import analyze_period, comms_setup
    from ilrs.comms.analysis import coverage_map
    from ilrs.environment import site_setup
    from ilrs.comms.plots import plot_coverage_map, plot_windows
    from ilrs.report.figures import save_figure
    from ilrs.scenario import load_scenario

    sc = scenario_with_site(load_scenario(scenario), site, lat, lon)
    changes = {}
    if propagation is not None:
        changes["propagation"] = propagation
    if no_station_keeping:
        changes["station_keeping"] = False
    if changes:
        sc = sc.model_copy(update={"relays": sc.relays.model_copy(update=changes)})
    # names first, before any progress bar: a bad name is one clean line
    setup = comms_setup(sc.relays, constellation or None)
    where = site_setup(sc.site, sc.span.start, sc.span.end)
    coverage_km = sc.relays.coverage_spacing_km if coverage_km is None else coverage_km
    coverage_horizon = coverage_horizon or sc.relays.coverage_horizon
    if out is not None:
        output_folder(out, "--out")  # a folder that cannot be made is one line before the work, not after it
    update, bar = _progress(quiet or format is OutputFormat.json)
    with bar:
        update(0, 3, "comms")
        res = analyze_period(setup, where, start=day, days=days, step_s=step_s)
        update(1, 3, "comms")
        summary = res.summary(max_windows=max_windows or None)
        files = []
        if out is not None:
            files.append(save_figure(plot_windows(res), out / f"windows.{plot_format}"))
        if coverage_km > 0 and res.relays:
            pts, cov = coverage_map(res, spacing_km=coverage_km, min_elevation_deg=sc.relays.min_elevation_deg,
                                    horizon=coverage_horizon, step_s=max(res.step_s, 300.0), progress=update)
            if out is not None:
                fig = plot_coverage_map(pts, cov["availability"], "relay availability",
                                        title=f"Relay coverage ≥ {sc.relays.min_elevation_deg:g}° elevation "
                                              f"({coverage_horizon} horizon), {res.days:g} days")
                files.append(save_figure(fig, out / f"coverage.{plot_format}"))
            summary["coverage"] = {
                "points_count": int(pts.size), "spacing_km": coverage_km, "horizon": coverage_horizon,
                "lat_range_deg": [-90.0, -80.0],
                "mean_availability_fraction": float(cov["availability"].mean()),
                "min_availability_fraction": float(cov["availability"].min()),
                "max_gap_hours_worst_point": float(cov["max_gap_hours"].max()),
                "mean_max_gap_hours": float(cov["max_gap_hours"].mean()),
            }
        update(3, 3, "comms")
    summary["files"] = [str(p) for p in files]
    if format is OutputFormat.json:
        echo_json(summary)
        return
    _print(summary)


def _print(s: dict) -> None:
    typer.echo(f"Communications at {s['site']}: {iso_date(s['start_utc'])} + {s['span_days']:g} days, step {format_duration(s['step_s'])}, "
               f"relays {', '.join(s['relays']) or 'none'} ({s['propagation']}), stations {', '.join(s['ground_stations'])}")
    typer.echo(f"  end-to-end availability {100 * s['availability']:.1f}%  (via relay {100 * s['relay_availability']:.1f}%, "
               f"direct to Earth {100 * s['dte_availability']:.1f}%)")
    typer.echo(f"  windows {s['windows_count']}, mean gap {s['mean_gap_hours']:.2f} h, max gap {s['max_gap_hours']:.2f} h")
    typer.echo(f"  data volume {s['data_volume_gbit_per_day']:.1f} Gbit/day (mean {s['mean_rate_mbps']:.2f} Mbit/s)")
    for key, r in s["per_relay"].items():
        hpo = f", {r['hours_per_orbit_visible']:.1f} h per orbit" if r["hours_per_orbit_visible"] is not None else ""
        sk = r.get("station_keeping")
        keep = ""
        if sk and sk["modelled"]:
            keep = f", station-keeping {sk['manoeuvres']} manoeuvre{'s' if sk['manoeuvres'] != 1 else ''} ({sk['delta_v_m_s']:.1f} m/s)"
        typer.echo(f"  {key:<18} seen {100 * r['site_visibility']:.1f}%{hpo}, end to end {100 * r['end_to_end_availability']:.1f}%, "
                   f"{r['data_volume_gbit_per_day']:.1f} Gbit/day{keep}")
    if "coverage" in s:
        c = s["coverage"]
        typer.echo(f"  coverage 80-90°S ({c['points_count']} points, {c['horizon']}): mean {100 * c['mean_availability_fraction']:.1f}%, "
                   f"worst {100 * c['min_availability_fraction']:.1f}%, worst gap {c['max_gap_hours_worst_point']:.1f} h")
    for note in s["notes"]:
        typer.echo(f"  note: {note}")
    for p in s.get("files", []):
        typer.echo(f"  wrote {p}")


def _list(format: OutputFormat) -> None:
    from ilrs.comms.relays import builtin_constellations, builtin_ground_stations, builtin_relays, relay_sources

    relays = [r.as_dict() for r in builtin_relays().values()]
    stations = [{"key": g.key, "name": g.name, "lat_deg": g.lat_deg, "lon_deg": g.lon_deg,
                 "antenna_diameter_m": g.antenna_diameter_m, "sources": list(g.sources)}
                for g in builtin_ground_stations().values()]
    data = {"relays": relays, "constellations": builtin_constellations(), "ground_stations": stations,
            "sources": relay_sources()}
    if format is OutputFormat.json:
        echo_json(data)
        return
    typer.echo("Relays:")
    for r in relays:
        orbit = (f"{r['perilune_altitude_km']:g} x {r['apolune_altitude_km']:g} km, i {r['inclination_deg']:g}°, "
                 f"{r['period_hours']:.1f} h") if "period_hours" in r else f"Earth-Moon L2, halo radius {r['halo_radius_km']:g} km"
        typer.echo(f"  {r['key']:<16} {orbit:<42} from {r['in_service_from']}  [{', '.join(r['sources'])}]")
    typer.echo("  (osculating elements applied at the START OF EACH ANALYSIS, not at the in-service date; inclination"
               " relative to the plane of the Moon's orbit about the Earth, node measured from the Earth direction;"
               " argument of perilune 90°: apolune over the south)")
    kept = [r for r in relays if r.get("station_keeping")]
    if kept:
        typer.echo("  station-keeping (apolune manoeuvres restore the perilune when it falls below the band): " + "; ".join(
            f"{r['key']} {r['station_keeping']['target_perilune_altitude_km']:g} km, min "
            f"{r['station_keeping']['min_perilune_altitude_km']:g} km" for r in kept))
    typer.echo("Constellations: " + "; ".join(f"{k} = {', '.join(v)}" for k, v in data["constellations"].items()))
    typer.echo("Ground stations:")
    for g in stations:
        typer.echo(f"  {g['key']:<10} {g['lat_deg']:>7.2f} {g['lon_deg']:>8.2f}  {g['antenna_diameter_m']:g} m  {g['name']}")


@comms_app.command("orbit")
def orbit(
    relay: Optional[str] = typer.Argument(None, help="Built-in Keplerian relay (default: the scenario's first)."),
    scenario: Optional[str] = scenario_option(),
    start: Optional[str] = typer.Option(None, "--start", help="Start day (UTC), YYYY-MM-DD; default: the "
                                        "scenario's span start."),
    days: float = typer.Option(365.0, "--days", help="Days to propagate."),
    degree: int = typer.Option(8, "--degree", help="GRGM1200A degree and order (0..50)."),
    step: Optional[str] = step_option(None, "Sampling of the elements (default 6h)"),
    step_h: Optional[float] = deprecated_step_option("--step-h"),
    out: Optional[Path] = out_option("the orbit plot"),
    plot_format: str = typer.Option("png", "--plot-format", help="png or svg."),
    no_station_keeping: bool = typer.Option(False, "--no-station-keeping", help="Free drift: no manoeuvres (a run that reaches the surface stops with an error)."),
    quiet: bool = quiet_option(),
    format: OutputFormat = format_option(),
) -> None:
    """Long-run numerical propagation of a relay orbit (GRAIL field + Earth + Sun) with its
    station-keeping manoeuvres: perilune altitude (osculating and at each passage), argument of
    perilune, manoeuvres and Δv per year, with a plot (with --out). Takes 20-100 s for a year.

    Examples:

      ilrs comms orbit queqiao-2 --days 365 --degree 8

      ilrs comms orbit --scenario my-study.yaml --step 12h --out out/orbit --format json
    """
    from ilrs.comms.gravity import GravityField
    from ilrs.comms.relays import builtin_relays
    from ilrs.scenario import load_scenario

    cat = builtin_relays()
    sc = load_scenario(scenario)
    keplerian = sorted(k for k, r in cat.items() if r.elements is not None)
    relay = relay or _first_keplerian(sc, cat) or "queqiao-2"
    if relay not in cat:
        raise InputError(f"unknown relay {relay!r}", field="relay", allowed=sorted(cat))
    if not 0 < days <= 3660:
        raise InputError(f"--days {days} out of range", field="--days", allowed="0 < days <= 3660")
    step_s = step_seconds(step, step_h=(step_h, SECONDS_PER_HOUR)) or 6 * SECONDS_PER_HOUR
    if not 0 < step_s <= 240 * SECONDS_PER_HOUR:
        opt = "--step" if step_h is None else "--step-h"
        raise InputError(f"{opt} {format_duration(step_s)} out of range", field=opt, allowed="0 < step <= 240h")
    if cat[relay].elements is None:
        raise InputError(f"{relay} is not a Keplerian relay", field="relay", allowed=keplerian)
    if plot_format not in ("png", "svg"):
        raise InputError(f"unknown plot format {plot_format!r}", field="--plot-format", allowed=["png", "svg"])
    GravityField.grail(degree=degree)  # validates the degree
    day = parse_date(start, "--start") or sc.span.start
    if out is not None:
        output_folder(out, "--out")
    s, files = _orbit_run(cat[relay], str(day), days, step_s, degree, not no_station_keeping, out, plot_format,
                          quiet or format is OutputFormat.json)
    s["files"] = files
    if format is OutputFormat.json:
        echo_json(s)
        return
    p, w = s["perilune_altitude_km"], s["arg_perilune_deg"]
    typer.echo(f"{relay}: {s['span_days']:g} days from {iso_date(s['start_utc'])}, GRGM1200A {degree}x{degree} + Earth + Sun")
    typer.echo(f"  perilune altitude {p['min']:.0f} .. {p['max']:.0f} km (start {p['start']:.0f}, end {p['end']:.0f})")
    pp = s["perilune_passes_km"]
    if pp["count"]:
        typer.echo(f"  perilune passages: {pp['count']}, altitude {pp['min']:.0f} .. {pp['max']:.0f} km")
    typer.echo(f"  argument of perilune {w['min']:.1f} .. {w['max']:.1f} deg; eccentricity "
               f"{s['eccentricity']['min']:.3f} .. {s['eccentricity']['max']:.3f}")
    sk = s["station_keeping"]
    if sk is None:
        typer.echo("  station-keeping: off (free drift)")
    else:
        band = f"min {sk['min_perilune_altitude_km']:g} km" + (
            f", max {sk['max_perilune_altitude_km']:g} km" if sk["max_perilune_altitude_km"] is not None else "")
        typer.echo(f"  station-keeping: perilune restored to {sk['target_perilune_altitude_km']:g} km ({band}): "
                   f"{len(s['manoeuvres'])} manoeuvres, {s['delta_v_m_s']:.1f} m/s "
                   f"({s['delta_v_m_s_per_year']:.1f} m/s per year)")
    for p in files:
        typer.echo(f"  wrote {p}")


def _first_keplerian(sc, cat) -> Optional[str]:
    """The scenario's first Keplerian relay (its constellation's order), if any."""
    from ilrs.comms import comms_setup

    for r in comms_setup(sc.relays, None).relays:
        if r.key in cat and cat[r.key].elements is not None:
            return r.key
    return None


def _orbit_run(relay, day: str, days: float, step_s: float, degree: int, keeping: bool, out: Optional[Path],
               plot_format: str, quiet: bool):
    """orbit_history under a progress bar on stderr (the integrator reports no fraction done: the bar
    pulses with the elapsed time), then the plot when --out is given."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from ilrs.comms.history import orbit_history

    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), TimeElapsedColumn(),
                  disable=quiet, transient=True, console=Console(stderr=True)) as progress:
        task = progress.add_task(f"propagating {relay.key}, {days:g} days, GRGM1200A {degree}x{degree}", total=None)
        h = orbit_history(relay, day, days, step_s=step_s, gravity_degree=degree, station_keeping=keeping)
        files = []
        if out is not None:
            from ilrs.comms.plots import plot_orbit_history
            from ilrs.report.figures import save_figure

            progress.update(task, description="plot")
            files.append(str(save_figure(plot_orbit_history(h), out / f"{relay.key}-orbit.{plot_format}")))
    return h.summary(), files


def register(app: typer.Typer) -> None:
    app.add_typer(comms_app, name="comms")
