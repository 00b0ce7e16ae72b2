"""``ilrs comms``: relays, access windows, link rates and coverage for a south-pole site."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ilrs.cli.common import OutputFormat, echo_json, output_folder, parse_date
from ilrs.constants import SECONDS_PER_HOUR
from ilrs.errors import InputError
from ilrs.timeutil import iso_date

comms_app = typer.Typer(
    help="Relay satellites and the station's links to Earth: windows, gaps, rates, data volume, coverage.\n\n"
         "Examples:\n\n  ilrs comms --start 2027-01-01 --days 30\n\n"
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
    scenario: Optional[str] = typer.Option(None, "--scenario", "-s", help="Scenario name or YAML path (default ilrs-reference)."),
    constellation: Optional[list[str]] = typer.Option(None, "--constellation", "-c", help="Relay or constellation name (repeatable); default: the scenario's."),
    site: Optional[str] = typer.Option(None, "--site", help="Catalogue site name; default: the scenario's site."),
    start: Optional[str] = typer.Option(None, "--start", help="First day (UTC), YYYY-MM-DD; default: the scenario's span start."),
    days: Optional[float] = typer.Option(None, "--days", help="Days to analyse; default: relays.analysis_days (30)."),
    step_s: Optional[float] = typer.Option(None, "--step-s", help="Time step in seconds (default 60)."),
    propagation: Optional[str] = typer.Option(None, "--propagation", help="numerical (GRAIL field + Earth + Sun) or j2 (analytic)."),
    coverage_km: Optional[float] = typer.Option(None, "--coverage-km", help="Grid spacing of the coverage map over 80-90°S (0: no map); default: the scenario's (20)."),
    coverage_horizon: Optional[str] = typer.Option(None, "--coverage-horizon", help="sphere or dem (each grid point's DEM horizon, cached); default: the scenario's (dem)."),
    no_station_keeping: bool = typer.Option(False, "--no-station-keeping", help="Relays drift freely (numerical mode): no manoeuvres; a relay that reaches the surface stops the run."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder for plots (windows, coverage map); default out/comms-<site>."),
    plot_format: str = typer.Option("png", "--plot-format", help="png or svg."),
    max_windows: int = typer.Option(200, "--max-windows", help="Windows listed in the JSON (0: all)."),
    list_relays: bool = typer.Option(False, "--list", help="List the built-in relays, constellations and ground stations."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    format: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text or json"),
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
    if step_s is not None and not 1 <= step_s <= SECONDS_PER_HOUR:
        raise InputError(f"--step-s {step_s} out of range", field="--step-s", allowed="1..3600")
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
    from ilrs.environment import SiteSetup, get_site, site_setup
    from ilrs.comms.plots import plot_coverage_map, plot_windows
    from ilrs.report.figures import save_figure
    from ilrs.scenario import load_scenario

    sc = load_scenario(scenario)
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
    if site:
        where = SiteSetup(get_site(site, mast_height_m=sc.site.mast_height_m), sc.site.horizon, where.start,
                          where.end, where.step_s)
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
        folder = out or Path("out") / f"comms-{res.site_name}"
        files = {}
        fig = plot_windows(res)
        files["windows_plot"] = str(save_figure(fig, folder / f"windows.{plot_format}"))
        if coverage_km > 0 and res.relays:
            pts, cov = coverage_map(res, spacing_km=coverage_km, min_elevation_deg=sc.relays.min_elevation_deg,
                                    horizon=coverage_horizon, step_s=max(res.step_s, 300.0), progress=update)
            fig = plot_coverage_map(pts, cov["availability"], "relay availability",
                                    title=f"Relay coverage ≥ {sc.relays.min_elevation_deg:g}° elevation "
                                          f"({coverage_horizon} horizon), {res.days:g} days")
            files["coverage_map"] = str(save_figure(fig, folder / f"coverage.{plot_format}"))
            summary["coverage"] = {
                "points": int(pts.size), "spacing_km": coverage_km, "horizon": coverage_horizon,
                "lat_range_deg": [-90.0, -80.0],
                "mean_availability": float(cov["availability"].mean()),
                "min_availability": float(cov["availability"].min()),
                "max_gap_hours_worst_point": float(cov["max_gap_hours"].max()),
                "mean_max_gap_hours": float(cov["max_gap_hours"].mean()),
            }
        update(3, 3, "comms")
    summary["files"] = files
    if format is OutputFormat.json:
        echo_json(summary)
        return
    _print(summary)


def _print(s: dict) -> None:
    typer.echo(f"Communications at {s['site']}: {iso_date(s['start'])} + {s['days']:g} days, step {s['step_s']:g} s, "
               f"relays {', '.join(s['relays']) or 'none'} ({s['propagation']}), stations {', '.join(s['ground_stations'])}")
    typer.echo(f"  end-to-end availability {100 * s['availability']:.1f}%  (via relay {100 * s['relay_availability']:.1f}%, "
               f"direct to Earth {100 * s['dte_availability']:.1f}%)")
    typer.echo(f"  windows {s['n_windows']}, mean gap {s['mean_gap_hours']:.2f} h, max gap {s['max_gap_hours']:.2f} h")
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
        typer.echo(f"  coverage 80-90°S ({c['points']} points, {c['horizon']}): mean {100 * c['mean_availability']:.1f}%, "
                   f"worst {100 * c['min_availability']:.1f}%, worst gap {c['max_gap_hours_worst_point']:.1f} h")
    for note in s["notes"]:
        typer.echo(f"  note: {note}")
    for k, v in s.get("files", {}).items():
        typer.echo(f"  {k}: {v}")


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
                 f"{r['period_h']:.1f} h") if "period_h" in r else f"Earth-Moon L2, halo radius {r['halo_radius_km']:g} km"
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
    relay: str = typer.Argument("queqiao-2", help="Built-in Keplerian relay."),
    start: Optional[str] = typer.Option(None, "--start", help="Start day (UTC); default 2026-01-01."),
    days: float = typer.Option(365.0, "--days", help="Days to propagate."),
    degree: int = typer.Option(8, "--degree", help="GRGM1200A degree and order (0..50)."),
    step_h: float = typer.Option(6.0, "--step-h", help="Sampling of the elements, hours."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder for the plot; default out/comms-orbit."),
    plot_format: str = typer.Option("png", "--plot-format", help="png or svg."),
    no_station_keeping: bool = typer.Option(False, "--no-station-keeping", help="Free drift: no manoeuvres (a run that reaches the surface stops with an error)."),
    format: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text or json"),
) -> None:
    """Long-run numerical propagation of a relay orbit (GRAIL field + Earth + Sun) with its
    station-keeping manoeuvres: perilune altitude (osculating and at each passage), argument of
    perilune, manoeuvres and Δv per year, with a plot.

    Example:  ilrs comms orbit queqiao-2 --days 365 --degree 8
    """
    from ilrs.comms.gravity import GravityField
    from ilrs.comms.history import orbit_history
    from ilrs.comms.plots import plot_orbit_history
    from ilrs.comms.relays import builtin_relays
    from ilrs.report.figures import save_figure

    cat = builtin_relays()
    if relay not in cat:
        raise InputError(f"unknown relay {relay!r}", field="relay", allowed=sorted(cat))
    if not 0 < days <= 3660:
        raise InputError(f"--days {days} out of range", field="--days", allowed="0 < days <= 3660")
    if not 0 < step_h <= 240:
        raise InputError(f"--step-h {step_h:g} out of range", field="--step-h", allowed="0 < step_h <= 240")
    if cat[relay].elements is None:
        raise InputError(f"{relay} is not a Keplerian relay", field="relay",
                         allowed=sorted(k for k, r in cat.items() if r.elements is not None))
    GravityField.grail(degree=degree)  # validates the degree
    day = parse_date(start, "--start") or "2026-01-01"
    h = orbit_history(cat[relay], str(day), days, step_s=step_h * SECONDS_PER_HOUR, gravity_degree=degree,
                      station_keeping=not no_station_keeping)
    s = h.summary()
    folder = out or Path("out") / "comms-orbit"
    s["plot"] = str(save_figure(plot_orbit_history(h), folder / f"{relay}-orbit.{plot_format}"))
    if format is OutputFormat.json:
        echo_json(s)
        return
    p, w = s["perilune_altitude_km"], s["arg_perilune_deg"]
    typer.echo(f"{relay}: {s['days']:g} days from {iso_date(s['start'])}, GRGM1200A {degree}x{degree} + Earth + Sun")
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
    typer.echo(f"  plot: {s['plot']}")


def register(app: typer.Typer) -> None:
    app.add_typer(comms_app, name="comms")
