"""``ilrs site``: what a lunar south-pole site sees — Sun, Earth, horizon — at an instant or over a span."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import numpy as np
import typer

from ilrs.cli.common import (OutputFormat, deprecated_step_option, echo_json, format_duration, format_option,
                             out_option, output_folder, parse_date, parse_datetime_utc, quiet_option,
                             scenario_option, step_option, step_seconds)
from ilrs.constants import SECONDS_PER_MINUTE
from ilrs.errors import InputError
from ilrs.timeutil import iso_date, iso_utc_minutes


def site(
    name: Optional[str] = typer.Argument(None, help="Catalogue site name (see --list), or omit and give --lat/--lon "
                                         "(or --site NAME); neither: the scenario's site."),
    site_name: Optional[str] = typer.Option(None, "--site", help="Catalogue site name (same as the NAME argument)."),
    scenario: Optional[str] = scenario_option(),
    lat: Optional[float] = typer.Option(None, "--lat", help="Latitude, degrees (south negative)."),
    lon: Optional[float] = typer.Option(None, "--lon", help="East longitude, degrees."),
    height_m: Optional[float] = typer.Option(None, "--height-m", help="Ground height above the 1737.4 km sphere, "
                                             "-10000..12000 m (default: the GeoTIFF's ground at the site for "
                                             "--horizon FILE.tif, else the coarse DEM's for a catalogue site, "
                                             "--horizon dem or a site outside the GeoTIFF; 0 for --lat/--lon "
                                             "with none/sphere/table). Output reports the ground used."),
    mast_m: float = typer.Option(0.0, "--mast-m", help="Height of the panel/antenna above the ground, 0..1000 m."),
    horizon: str = typer.Option("dem", "--horizon", help="none (0°) | sphere (a smooth Moon through the "
                                "site's ground seen from the mast top: dip acos(r/(r+mast)), r = 1737.4 km + "
                                "ground) | dem (coarse global DEM) | FILE (.tif GeoTIFF or LOLA PDS3 .LBL/.IMG near "
                                "field + coarse DEM, or an azimuth_deg,elevation_deg table)."),
    dem_files: Optional[List[Path]] = typer.Option(None, "--dem", help="A DEM file to ray-march (LOLA PDS3 .IMG/.LBL "
                                                   "or GeoTIFF, memory-mapped); repeat it to nest a 5-20 m site tile "
                                                   "in a 240 m regional DEM: the finest with a value wins, the "
                                                   "packaged global DEM beyond. See `ilrs dem info`."),
    at: Optional[str] = typer.Option(None, "--at", help="UTC instant, e.g. 2027-01-01T00:00:00."),
    start: Optional[str] = typer.Option(None, "--start", help="Span start date (UTC), e.g. 2027-01-01."),
    days: float = typer.Option(365.0, "--days", help="Span length in days (with --start)."),
    step: Optional[str] = step_option(None, "Time step (with --start; default 1h)"),
    step_min: Optional[float] = deprecated_step_option("--step-min"),
    out: Optional[Path] = out_option("plots and tables (with --start)"),
    plot_format: str = typer.Option("png", "--plot-format", help="png or svg."),
    map_dem: Optional[Path] = typer.Option(None, "--map", help="With --start: also map the fraction of time lit "
                                           "around the site on this polar-stereographic GeoTIFF."),
    map_px: int = typer.Option(128, "--map-px", help="Size of the illumination map, pixels per side."),
    list_sites: bool = typer.Option(False, "--list", help="List the site catalogue with sources."),
    format: OutputFormat = format_option(),
    quiet: bool = quiet_option(),
) -> None:
    """Sun and Earth elevation/azimuth, visible solar disk and horizon at a south-pole site.

    Examples:

      ilrs site --list

      ilrs site connecting-ridge --at 2027-01-01T00:00:00

      ilrs site --lat -89.45 --lon 222.7 --horizon none --at 2027-01-01T00:00:00 --format json

      ilrs site connecting-ridge --mast-m 2 --start 2027-01-01 --days 365 --step 30min --out out/ridge

      ilrs site --scenario my-study.yaml --at 2027-01-01T00:00:00     # the scenario's site

      ilrs site bussey2010-best-site --horizon my_ldem_20m.tif --start 2028-01-01 --days 90

      ilrs site connecting-ridge --dem LDEM_875S_5M.LBL --dem LDEM_75S_240M.LBL --at 2027-01-01T00:00:00

      ilrs site --lat -89.45 --lon 222.7 --start 2028-01-01 --days 365 --map my_ldem_20m.tif --out out/map
    """
    from ilrs.environment.sites import Site, get_site, site_names

    if list_sites:
        _list(format)
        return
    if plot_format not in ("png", "svg"):
        raise InputError(f"unknown plot format {plot_format!r}", field="--plot-format", allowed=["png", "svg"])
    if (lat is None) != (lon is None):
        raise InputError("give both --lat and --lon", field="--lat/--lon")
    if site_name is not None and name is not None and site_name != name:
        raise InputError("give the site once: NAME or --site NAME", field="--site")
    name = name or site_name
    step_s = step_seconds(step, step_min=(step_min, SECONDS_PER_MINUTE)) or 3600.0
    # every number finite and within the scenario's bounds (scenario/site.py), before any work
    _check_range(lat, "--lat", -90.0, 90.0)
    _check_range(lon, "--lon", -360.0, 360.0)
    _check_range(height_m, "--height-m", -10_000.0, 12_000.0)
    _check_range(mast_m, "--mast-m", 0.0, 1_000.0)
    if start is not None:
        _check_range(days, "--days", 0.0, 40 * 366.0, low_open=True)
        opt = "--step" if step_min is None else "--step-min"
        _check_range(step_s / SECONDS_PER_MINUTE, opt, 0.0, days * 1440.0, low_open=True)
        if days * 86400 / step_s > 20_000_000:
            raise InputError(f"{opt} {format_duration(step_s)} gives too many epochs", field=opt,
                             allowed="at most 20,000,000 epochs")
    if lat is not None:
        h = height_m
        if h is None:
            h = 0.0
            if horizon == "dem":
                from ilrs.environment.dem import ground_height_m
                h = float(ground_height_m(lat, lon))
        s = Site(name or f"{abs(lat):.3f}{'S' if lat < 0 else 'N'}-{lon % 360:.3f}E", lat, lon, h, mast_m)
    elif name is not None:
        s = get_site(name, mast_height_m=mast_m, height_m=height_m)
    else:
        s = _scenario_site(scenario, mast_m, height_m)
    if (at is None) == (start is None):
        raise InputError("give exactly one of --at (an instant) or --start (a span)", field="--at/--start")
    dems = tuple(str(p) for p in dem_files or ())
    if dems and horizon in ("none", "sphere"):
        raise InputError(f"--dem files are ray-marched: they need --horizon dem or a GeoTIFF, not {horizon!r}",
                         field="--dem")
    if at is not None:
        _instant(s, horizon, parse_datetime_utc(at, "--at"), format, height_m, dems)
    else:
        d0 = parse_date(start, "--start")
        if map_dem is not None and not 8 <= map_px <= 4096:
            raise InputError(f"--map-px {map_px} out of range", field="--map-px", allowed="8..4096")
        if out is not None:
            output_folder(out, "--out")  # fail now, not after the computing
        _span(s, horizon, d0, days, step_s, out, plot_format, format, map_dem, map_px, height_m,
              quiet or format is OutputFormat.json, dems)


def _scenario_site(scenario: Optional[str], mast_m: float, height_m: Optional[float]):
    """The scenario's site (the reference's without --scenario), as in every other command."""
    from ilrs.environment.setup import site_from_spec
    from ilrs.scenario import REFERENCE_SCENARIO, load_scenario

    s = site_from_spec(load_scenario(scenario or REFERENCE_SCENARIO).site)
    s = s.with_mast(mast_m) if mast_m else s
    return s if height_m is None else s.with_height(height_m)


def _check_range(value: Optional[float], option: str, lo: float, hi: float, *, low_open: bool = False) -> None:
    """A finite number within [lo, hi] ((lo, hi] with ``low_open``), else a one-line InputError."""
    if value is None:
        return
    ok = np.isfinite(value) and (lo < value if low_open else lo <= value) and value <= hi
    if not ok:
        raise InputError(f"{value:g} is not a finite number in range", field=option,
                         allowed=f"{lo:g} {'<' if low_open else '≤'} value ≤ {hi:g}")


def _list(format: OutputFormat) -> None:
    from ilrs.data import sites_catalogue
    from ilrs.environment.sites import site_sources

    raw = sites_catalogue()
    refs = site_sources()
    rows = [{"name": s["name"], "lat_deg": s["lat_deg"], "lon_deg": s["lon_deg"], "label": s.get("label", ""),
             "uncertain": bool(s.get("uncertain", False)), "sources": s.get("sources", []),
             "coordinates": s.get("coordinates"), "note": s.get("note", "")} for s in raw["sites"]]
    if format is OutputFormat.json:
        echo_json({"sites": rows, "sources": refs})
        return
    for r in rows:
        flag = " [?]" if r["uncertain"] else ""
        typer.echo(f"{r['name']:<38} {r['lat_deg']:8.3f} {r['lon_deg']:8.2f}  {r['label']}{flag}  "
                   f"({', '.join(r['sources'])})")


def _mask(s, horizon: str, ground_m: Optional[float] = None, dems: tuple[str, ...] = ()):
    """(site, mask): the site carries the ground height the horizon actually used (a GeoTIFF's at
    the site, the coarse DEM's for a site outside it, or ``ground_m`` when --height-m is given);
    with ``--dem`` files, the finest covering DEM's ground (a GeoTIFF --horizon joins them)."""
    from ilrs.environment.terrain import horizon_for_site

    from ilrs.environment.dem_info import dem_files_named, horizon_with_dems

    files = dem_files_named(horizon, dems)
    if files:
        mask = horizon_with_dems(s, files, observer_ground_m=ground_m)
    else:
        mask = horizon_for_site(s, horizon, observer_ground_m=ground_m)
    if mask.ground_m is not None and mask.ground_m != s.height_m:
        s = s.with_height(mask.ground_m)
    return s, mask


def _instant(s, horizon: str, t, format: OutputFormat, ground_m: Optional[float] = None,
             dems: tuple[str, ...] = ()) -> None:
    from ilrs.environment.sky import sun_earth_azel

    s, mask = _mask(s, horizon, ground_m, dems)
    tr = sun_earth_azel(s, np.datetime64(t, "ns"), mask)
    data = {
        "site": s.to_dict(), "time_utc": t.isoformat(timespec="seconds") + "Z", "horizon_model": horizon, "horizon_source": mask.source,
        "sun_elevation_deg": round(float(tr.sun_elevation_deg[0]), 5),
        "sun_azimuth_deg": round(float(tr.sun_azimuth_deg[0]), 5),
        "earth_elevation_deg": round(float(tr.earth_elevation_deg[0]), 5),
        "earth_azimuth_deg": round(float(tr.earth_azimuth_deg[0]), 5),
        "horizon_elevation_deg": round(float(tr.sun_horizon_deg[0]), 5),
        "earth_horizon_elevation_deg": round(float(tr.earth_horizon_deg[0]), 5),
        "visible_solar_fraction": round(float(tr.visible_solar_fraction[0]), 6),
        "irradiance_w_m2": round(float(tr.irradiance_w_m2[0]), 3),
        "earth_visible": bool(tr.earth_visible[0]),
        "sun_distance_km": round(float(tr.sun_distance_m[0]) / 1e3, 1),
        "earth_distance_km": round(float(tr.earth_distance_m[0]) / 1e3, 1),
    }
    ends = _instant_ends(s, horizon, tr, dems)
    data["horizon_range"] = ends
    if format is OutputFormat.json:
        echo_json(data)
        return
    typer.echo(f"{s.name} ({s.lat_deg:.3f}°, {s.lon_deg:.3f}°E, ground {s.height_m:.0f} m, mast {s.mast_height_m:g} m)"
               f" at {t.isoformat()} UTC, horizon: {horizon}")
    typer.echo(f"  Sun    el {data['sun_elevation_deg']:+8.3f}°  az {data['sun_azimuth_deg']:7.2f}°  "
               f"horizon {data['horizon_elevation_deg']:+.3f}°  visible disk {data['visible_solar_fraction']:.3f}  "
               f"{data['irradiance_w_m2']:.0f} W/m²")
    typer.echo(f"  Earth  el {data['earth_elevation_deg']:+8.3f}°  az {data['earth_azimuth_deg']:7.2f}°  "
               f"horizon {data['earth_horizon_elevation_deg']:+.3f}°  {'visible' if data['earth_visible'] else 'hidden'}")
    if ends is not None:
        o, p = ends["optimistic"], ends["pessimistic"]
        typer.echo(f"  horizon bounds (optimistic / pessimistic): Sun horizon {o['horizon_elevation_deg']:+.3f}° / "
                   f"{p['horizon_elevation_deg']:+.3f}°, visible disk {o['visible_solar_fraction']:.3f} / "
                   f"{p['visible_solar_fraction']:.3f}, Earth {'visible' if o['earth_visible'] else 'hidden'} / "
                   f"{'visible' if p['earth_visible'] else 'hidden'}")
        if ends["warning"]:
            typer.echo(f"  {ends['warning']}")
            for end in ("optimistic", "pessimistic"):
                typer.echo(f"    {end} end: {ends['assumptions'][end]}")


def _instant_ends(s, horizon: str, tr, dems: tuple[str, ...] = ()) -> Optional[dict]:
    """The instant at both ends of the site's horizon bounds (None where the DEM decides), and the
    bounds' one-line warning when the ends disagree."""
    from ilrs.environment.horizon_range import bounds_warning, site_horizon_bounds, track_under_horizon

    bounds = site_horizon_bounds(s, horizon, dems=dems)
    if bounds is None:
        return None
    out: dict = {}
    for end in ("optimistic", "pessimistic"):
        t = track_under_horizon(tr, getattr(bounds, end))
        out[end] = {"horizon_elevation_deg": round(float(t.sun_horizon_deg[0]), 5),
                    "earth_horizon_elevation_deg": round(float(t.earth_horizon_deg[0]), 5),
                    "visible_solar_fraction": round(float(t.visible_solar_fraction[0]), 6),
                    "earth_visible": bool(t.earth_visible[0])}
    o, p = out["optimistic"], out["pessimistic"]
    differ = (o["visible_solar_fraction"] != p["visible_solar_fraction"]) or (o["earth_visible"] != p["earth_visible"])
    out["assumptions"] = dict(bounds.assumptions)
    what = (f"visible disk {min(o['visible_solar_fraction'], p['visible_solar_fraction']):.3f}–"
            f"{max(o['visible_solar_fraction'], p['visible_solar_fraction']):.3f}")
    out["warning"] = bounds_warning(bounds, what) if differ else ""
    return out


def _span(s, horizon: str, d0, days: float, step_s: float, out: Optional[Path], plot_format: str,
          format: OutputFormat, map_dem: Optional[Path] = None, map_px: int = 128,
          ground_m: Optional[float] = None, quiet: bool = False, dems: tuple[str, ...] = ()) -> None:
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from ilrs.environment.illumination import period_rows, span_statistics
    from ilrs.environment.sky import sun_earth_azel
    from ilrs.environment.time import time_grid

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  disable=quiet, transient=True, console=Console(stderr=True)) as progress:
        task = progress.add_task("horizon mask", total=4)
        s, mask = _mask(s, horizon, ground_m, dems)
        progress.update(task, advance=1, description="Sun and Earth")
        times = time_grid(np.datetime64(d0), days=days, step_s=step_s)
        tr = sun_earth_azel(s, times, mask)
        progress.update(task, advance=1, description="statistics")
        st = span_statistics(tr, step_s)
        progress.update(task, advance=1, description="plots")
        files = _span_files(s, horizon, mask, tr, st, out, plot_format) if out is not None else []
        progress.update(task, advance=1)
        map_info = None
        if map_dem is not None:
            map_info = _illumination_map(s, map_dem, map_px, times, out, plot_format, progress)
            files += map_info.pop("files")
    from ilrs.environment.horizon_range import horizon_range, site_horizon_bounds

    rng = horizon_range(tr, st, site_horizon_bounds(s, horizon, dems=dems))
    data = {"site": s.to_dict(), "horizon_model": horizon, "horizon_source": mask.source,
            **st.to_dict(), "horizon_range": rng.to_dict() if rng is not None else None,
            "darkness_periods": period_rows(st.darkness_periods),
            "earth_windows": period_rows(st.earth_windows), "files": [str(p) for p in files]}
    if map_info is not None:
        data["illumination_map"] = map_info
    if format is OutputFormat.json:
        echo_json(data)
        return
    typer.echo(f"{s.name} ({s.lat_deg:.3f}°, {s.lon_deg:.3f}°E, ground {s.height_m:.0f} m, mast {s.mast_height_m:g} m),"
               f" horizon {horizon}: {iso_date(st.start)} + {days:g} d at {format_duration(step_s)} ({st.samples} epochs)")
    typer.echo(f"  lit (any part of the disk) {st.lit_fraction:7.2%}   full disk {st.full_disk_fraction:7.2%}"
               f"   mean irradiance {st.mean_irradiance_w_m2:.0f} W/m²")
    typer.echo(f"  darkness periods {len(st.darkness_periods)}, longest {st.longest_darkness_hours:.1f} h")
    if st.darkness_periods:
        a, b = max(st.darkness_periods, key=lambda p: p[1] - p[0])
        typer.echo(f"    longest: {iso_utc_minutes(a)} → {iso_utc_minutes(b)} UTC")
    typer.echo(f"  Earth visible {st.earth_visible_fraction:7.2%} ({len(st.earth_windows)} windows, "
               f"longest gap {st.longest_earth_gap_hours:.1f} h)")
    if rng is not None:
        typer.echo(f"  range over the horizon bounds: lit {rng.text('lit_fraction')}, longest darkness "
                   f"{rng.text('longest_darkness_hours', '{:.0f} h')}, Earth visible {rng.text('earth_visible_fraction')}")
        if rng.warning():
            from ilrs.environment.horizon_range import bounds_assumption_lines

            typer.echo(f"  {rng.warning()}")
            for line in bounds_assumption_lines(rng.bounds):
                typer.echo(f"    {line}")
    if map_info is not None:
        typer.echo(f"  illumination map {map_info['pixels']} px: lit {map_info['lit_fraction_min']:.1%} .. "
                   f"{map_info['lit_fraction_max']:.1%} (mean {map_info['lit_fraction_mean']:.1%})")
    for p in files:
        typer.echo(f"  wrote {p}")


def _span_files(s, horizon: str, mask, tr, st, out_dir: Path, plot_format: str) -> list[Path]:
    """The span's plots and tables in ``out_dir`` (only with --out)."""
    from ilrs._io import write_text_atomic
    from ilrs.environment.illumination import periods_csv
    from ilrs.environment.plots import plot_horizon_polar, plot_sun_vs_horizon
    from ilrs.report.figures import save_figure

    title = f"{s.name}, mast {s.mast_height_m:g} m, horizon {horizon}"
    return [save_figure(plot_sun_vs_horizon(tr, title), out_dir / f"sun-vs-horizon.{plot_format}"),
            save_figure(plot_horizon_polar(mask, tr, title), out_dir / f"horizon-polar.{plot_format}"),
            write_text_atomic(out_dir / "horizon-mask.csv", mask.to_table()),
            write_text_atomic(out_dir / "darkness-periods.csv", periods_csv(st.darkness_periods)),
            write_text_atomic(out_dir / "earth-windows.csv", periods_csv(st.earth_windows))]


def _illumination_map(s, path: Path, map_px: int, times, out_dir: Optional[Path], plot_format: str, progress) -> dict:
    import io

    from ilrs._io import write_bytes_atomic
    from ilrs.environment.illumination import illumination_map
    from ilrs.environment.plots import plot_illumination_map
    from ilrs.environment.terrain import PolarStereoDEM
    from ilrs.report.figures import save_figure

    dem = PolarStereoDEM.from_geotiff(path)
    r, c = dem.xy_to_pixel(*dem.latlon_to_xy(s.lat_deg, s.lon_deg))
    nr, nc = dem.heights_m.shape
    if not (0 <= r < nr and 0 <= c < nc):
        raise InputError("the site lies outside this DEM", file=str(path), field="--map")
    half = map_px // 2
    r0 = int(np.clip(round(float(r)) - half, 0, max(nr - map_px, 0)))
    c0 = int(np.clip(round(float(c)) - half, 0, max(nc - map_px, 0)))
    rows, cols = (r0, min(r0 + map_px, nr)), (c0, min(c0 + map_px, nc))
    task = progress.add_task("illumination map (azimuths)", total=None)

    def tick(i, n):
        progress.update(task, completed=i, total=n)

    im = illumination_map(dem, times, rows=rows, cols=cols, mast_height_m=s.mast_height_m, progress=tick)
    info = {"dem": str(path), "rows": list(rows), "cols": list(cols), "pixels": int(im.lit_fraction.size),
            "lit_fraction_min": float(im.lit_fraction.min()), "lit_fraction_max": float(im.lit_fraction.max()),
            "lit_fraction_mean": float(im.lit_fraction.mean()), "files": []}
    if out_dir is None:
        return info
    fig = plot_illumination_map(im.lit_fraction, im.extent_m, f"Fraction of time lit around {s.name} "
                                f"(mast {s.mast_height_m:g} m, {len(times)} epochs)")
    x, y = dem.latlon_to_xy(s.lat_deg, s.lon_deg)
    fig.axes[0].plot([x / 1000], [y / 1000], marker="+", color="cyan", ms=12)
    buf = io.BytesIO()
    np.savez_compressed(buf, lit_fraction=im.lit_fraction,
                        mean_visible_solar_fraction=im.mean_visible_solar_fraction,
                        extent_m=np.array(im.extent_m), rows=np.array(rows), cols=np.array(cols))
    info["files"] = [save_figure(fig, out_dir / f"illumination-map.{plot_format}"),
                     write_bytes_atomic(out_dir / "illumination-map.npz", buf.getvalue())]
    return info


def register(app: typer.Typer) -> None:
    app.command("site")(site)
