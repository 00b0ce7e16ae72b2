"""``ilrs map``: whole-region horizon databases and the maps read from them (lit fraction, longest
darkness, Earth visibility, permanently shadowed regions), GeoTIFF + PNG."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import numpy as np
import typer

from ilrs.cli.common import (OutputFormat, echo_json, format_option, out_option, output_folder, parse_datetime_utc,
                              parse_duration_s, quiet_option, step_option)
from ilrs.errors import InputError

map_app = typer.Typer(help="Whole-region horizon databases and maps (lit, darkness, Earth, PSR).",
                      no_args_is_help=True)

_DEM = typer.Option(None, "--dem", help="South polar-stereographic GeoTIFF (e.g. LOLA LDEM_80S_20M); default: the "
                    "packaged coarse DEM resampled to a polar grid at --pixel-m.")
_PIXEL = typer.Option(1000.0, "--pixel-m", help="Pixel of the polar grid for the packaged DEM (20..20000 m).")
_REGION = typer.Option("whole", "--region", help="LAT,LON,SIZE_KM (a square centred there) or 'whole' (the DEM, "
                       "or for the packaged DEM the cap poleward of --poleward-of).")
_MARGIN = typer.Option(150.0, "--margin-km", help="Packaged DEM: terrain kept around the region for the far field.")
_POLEWARD = typer.Option(-80.0, "--poleward-of", help="Count only pixels poleward of this latitude (deg, south < 0).")
_AZ = typer.Option(360, "--azimuths", help="Azimuths of the horizon database (360..7200).")
_MAST = typer.Option(0.0, "--mast-m", help="Observer above the ground, 0..1000 m.")
_START = typer.Option("2027-01-01", "--start", help="Period start (UTC).")
_END = typer.Option("2028-01-01", "--end", help="Period end (UTC, excluded).")
_STEP = step_option("1h")
_OUT = out_option("the GeoTIFF + PNG maps")
def _check_scheduler(address: Optional[str]) -> Optional[str]:
    """``--scheduler`` must look like a Dask address (``tcp://HOST:PORT``) before anything connects to it."""
    import re

    if address is not None and not re.fullmatch(r"(tcp|tls|ucx|inproc)://[^\s/]+:\d{1,5}", address):
        raise InputError(f"{address!r} is not a scheduler address", field="--scheduler", allowed="tcp://HOST:PORT")
    return address


_SCHED = typer.Option(None, "--scheduler", callback=_check_scheduler, help="Dask scheduler address (tcp://HOST:PORT): tiles run there; "
                      "results are identical to a local run.")
_CACHE = typer.Option(None, "--cache", help="Folder of horizon databases (default $ILRS_CACHE_DIR/horizons).")
_FORMAT = format_option()
_QUIET = quiet_option()

_EXAMPLES = """

Examples:

  ilrs map horizons --pixel-m 2000 --region -89.45,222.7,100

  ilrs map lit --dem LDEM_80S_20M.tif --region -89.45,222.7,40 --start 2027-01-01 --end 2028-01-01 --step 1h --out maps/

  ilrs map darkness --pixel-m 1000 --region -89.9,0,60 --out maps/ --format json

  ilrs map earth --pixel-m 1000 --region -89.45,222.7,100 --step 2h

  ilrs map psr --pixel-m 1000 --poleward-of -80 --out psr/ --scheduler tcp://10.0.0.5:8786
"""


def parse_step_s(value: str, option: str = "--step") -> float:
    """``--step`` in seconds (:func:`ilrs.cli.common.parse_duration_s`), from 1 s to 366 days."""
    seconds = parse_duration_s(value, option)
    if not 1.0 <= seconds <= 366 * 86400.0:
        raise InputError(f"{value!r} is out of range", field=option, allowed="1s .. 366d")
    return seconds


def _parse_region(text: str):
    if text.strip().lower() == "whole":
        return None
    parts = text.split(",")
    try:
        lat, lon, size = (float(p) for p in parts)
    except ValueError:
        raise InputError(f"{text!r} is not a region", field="--region", allowed="LAT,LON,SIZE_KM or whole") from None
    if not (-90.0 <= lat <= -60.0 and np.isfinite(lon) and 0.0 < size <= 2000.0):
        raise InputError(f"{text!r} is not a south-polar region", field="--region",
                         allowed="LAT in -90..-60, LON finite, SIZE_KM in (0, 2000]")
    return lat, lon, size


def _load(dem_path, pixel_m, region_text, margin_km, poleward_of):
    """(DEM, rows, cols) of the request."""
    from ilrs.environment.horizon_map import packaged_polar_dem, region_bounds
    from ilrs.environment.terrain import PolarStereoDEM

    region = _parse_region(region_text)
    if not (np.isfinite(margin_km) and 0.0 <= margin_km <= 1000.0):
        raise InputError(f"{margin_km!r}", field="--margin-km", allowed="0..1000 km")
    if not (-90.0 < poleward_of < -60.0):
        raise InputError(f"{poleward_of!r}", field="--poleward-of", allowed="a south latitude in (-90, -60)")
    if dem_path is not None:
        if not Path(dem_path).is_file():
            raise InputError("no such file", file=str(dem_path), field="--dem")
        dem = PolarStereoDEM.from_geotiff(dem_path)
        rows, cols = region_bounds(dem, region[:2] if region else None, region[2] if region else None)
        return dem, rows, cols
    probe = PolarStereoDEM(np.zeros((1, 1)), 0.0, 0.0, 1.0)
    if region is None:
        half = float(probe.latlon_to_xy(poleward_of, 0.0)[1])
        centre, size_m = (0.0, 0.0), 2 * half
    else:
        centre, size_m = tuple(float(v) for v in probe.latlon_to_xy(region[0], region[1])), region[2] * 1000.0
    dem = packaged_polar_dem(pixel_m, centre, size_m / 2 + margin_km * 1000.0)
    lat_c, lon_c = (float(v) for v in dem.xy_to_latlon(*centre))
    rows, cols = region_bounds(dem, (lat_c, lon_c), size_m / 1000.0)
    return dem, rows, cols


def _progress(quiet: bool, format: OutputFormat, label: str):
    """A rich progress bar on stderr (None when quiet or JSON)."""
    if quiet or format == OutputFormat.json:
        return None, None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=Console(stderr=True), transient=True)
    task = bar.add_task(label, total=None)
    return bar, lambda done, total: bar.update(task, completed=done, total=total)


def _database(dem, rows, cols, azimuths, mast_m, cache, scheduler, quiet, format):
    from ilrs.environment.horizon_map import horizon_database
    from ilrs.environment.timeline import cache_dir

    bar, cb = _progress(quiet, format, "horizons")
    folder = cache or cache_dir() / "horizons"
    t0 = time.perf_counter()
    if bar:
        with bar:
            db = horizon_database(dem, rows, cols, n_azimuths=azimuths, mast_m=mast_m, cache_dir=folder,
                                  scheduler=scheduler, progress=cb)
    else:
        db = horizon_database(dem, rows, cols, n_azimuths=azimuths, mast_m=mast_m, cache_dir=folder, scheduler=scheduler)
    return db, time.perf_counter() - t0, Path(folder) / db.key


def _write(out: Path | None, name: str, values: np.ndarray, db, description: str, cmap: str, vmin=None, vmax=None):
    """``name``.tif (same georeferencing as the DEM's region) and ``name``.png in ``out``."""
    if out is None:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ilrs._io import atomic_path
    from ilrs.environment.geotiff_write import write_polar_stereo_geotiff

    tif = write_polar_stereo_geotiff(out / f"{name}.tif", values, db.grid, description=description)
    png = out / f"{name}.png"
    with atomic_path(png) as tmp:
        fig, ax = plt.subplots(figsize=(6, 5))
        im = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        fig.colorbar(im, ax=ax, label=description)
        ax.set_title(f"{name} ({db.grid.pixel_m:g} m/px, grid north up)")
        ax.set_axis_off()
        fig.savefig(tmp, format="png", dpi=110)
        plt.close(fig)
    return [str(tif), str(png)]


def _report(format: OutputFormat, data: dict, lines: list[str]) -> None:
    if format == OutputFormat.json:
        echo_json(data)
    else:
        for line in lines:
            typer.echo(line)


def _common_info(dem, db, seconds, folder) -> dict:
    return {"dem": dem.source, "pixel_m": dem.pixel_m, "region_rows": list(db.rows), "region_cols": list(db.cols),
            "azimuths_count": db.n_azimuths, "mast_m": db.mast_m, "database": str(folder), "database_s": round(seconds, 2)}


@map_app.command("horizons", help="Compute (or reuse) the horizon database of a region." + _EXAMPLES)
def horizons(dem_path: Optional[Path] = _DEM, pixel_m: float = _PIXEL, region: str = _REGION,
             margin_km: float = _MARGIN, poleward_of: float = _POLEWARD, azimuths: int = _AZ, mast_m: float = _MAST,
             out: Optional[Path] = _OUT, scheduler: Optional[str] = _SCHED, cache: Optional[Path] = _CACHE,
             format: OutputFormat = _FORMAT, quiet: bool = _QUIET) -> None:
    out = output_folder(out, "--out") if out else None
    dem, rows, cols = _load(dem_path, pixel_m, region, margin_km, poleward_of)
    db, sec, folder = _database(dem, rows, cols, azimuths, mast_m, cache, scheduler, quiet, format)
    h = np.asarray(db.horizon_cdeg, dtype=float)
    hmax = np.where((h == -32768).any(axis=0), np.nan, h.max(axis=0) / 100.0)
    files = _write(out, "horizon_max_deg", hmax, db, "highest horizon over azimuth (deg)", "magma")
    data = _common_info(dem, db, sec, folder) | {"horizon_max_median_deg": float(np.nanmedian(hmax)), "files": files}
    _report(format, data, [f"horizon database {db.horizon_cdeg.shape[1]}×{db.horizon_cdeg.shape[2]} px × "
                           f"{db.n_azimuths} azimuths in {sec:.1f} s: {folder}",
                           f"DEM: {dem.source} ({dem.pixel_m:g} m/px)",
                           f"median of the highest horizon: {data['horizon_max_median_deg']:.2f}°"] + files)


def _period(start: str, end: str, step: str) -> np.ndarray:
    t0 = np.datetime64(parse_datetime_utc(start, "--start"), "ns")
    t1 = np.datetime64(parse_datetime_utc(end, "--end"), "ns")
    step_s = parse_step_s(step)
    if t1 <= t0:
        raise InputError(f"--end {end} is not after --start {start}", field="--end")
    n = int((t1 - t0) / np.timedelta64(int(step_s * 1e9), "ns"))
    if not 1 <= n <= 2_000_000:
        raise InputError(f"{n} epochs", field="--step", allowed="1..2,000,000 epochs between --start and --end")
    return t0 + (np.arange(n) * int(step_s * 1e9)).astype("timedelta64[ns]")


_MAPS = {
    "lit": (("sun",), [("lit_any_fraction", "fraction of time any part of the Sun is up", "viridis", 0, 1),
                       ("lit_centre_fraction", "fraction of time the Sun's centre is up", "viridis", 0, 1),
                       ("mean_visible_fraction", "mean visible fraction of the solar disk", "viridis", 0, 1)]),
    "darkness": (("sun",), [("longest_darkness_hours", "longest darkness (h)", "magma_r", None, None)]),
    "earth": (("earth",), [("earth_visible_fraction", "fraction of time Earth's centre is up", "cividis", 0, 1),
                           ("longest_earth_gap_hours", "longest time without Earth (h)", "magma_r", None, None)]),
}


def _sky_map(kind: str, dem_path, pixel_m, region, margin_km, poleward_of, azimuths, mast_m, start, end, step,
             out, scheduler, cache, format, quiet) -> None:
    from ilrs.environment.region_maps import sun_earth_maps

    times = _period(start, end, step)
    out = output_folder(out, "--out") if out else None
    dem, rows, cols = _load(dem_path, pixel_m, region, margin_km, poleward_of)
    db, sec, folder = _database(dem, rows, cols, azimuths, mast_m, cache, scheduler, quiet, format)
    bodies, layers = _MAPS[kind]
    bar, cb = _progress(quiet, format, kind)
    t0 = time.perf_counter()
    ground = float(np.nanmean(dem.heights_m[rows[0]:rows[1], cols[0]:cols[1]]))
    if bar:
        with bar:
            maps = sun_earth_maps(db, times, bodies=bodies, ground_m=ground, scheduler=scheduler, progress=cb)
    else:
        maps = sun_earth_maps(db, times, bodies=bodies, ground_m=ground, scheduler=scheduler)
    files, stats, lines = [], {}, []
    for name, desc, cmap, lo, hi in layers:
        v = maps.values[name]
        files += _write(out, name, v, db, desc, cmap, lo, hi)
        stats[f"region_mean_{name}"] = float(np.nanmean(v))
        stats[f"region_max_{name}"] = float(np.nanmax(v))
        lines.append(f"{desc}: region mean {np.nanmean(v):.4g}, max {np.nanmax(v):.4g}")
    data = _common_info(dem, db, sec, folder) | stats | {
        "start_utc": maps.start_utc, "end_utc": maps.end_utc, "step_s": maps.step_s, "samples_count": maps.samples,
        "maps_s": round(time.perf_counter() - t0, 2), "files": files}
    _report(format, data, [f"{kind} map, {maps.samples} epochs {maps.start_utc} – {maps.end_utc}; database "
                           f"{db.horizon_cdeg.shape[1]}×{db.horizon_cdeg.shape[2]} px ({sec:.1f} s), maps "
                           f"{data['maps_s']:.1f} s", f"DEM: {dem.source}"] + lines + files)


def _sky_command(kind: str, summary: str):
    def command(dem_path: Optional[Path] = _DEM, pixel_m: float = _PIXEL, region: str = _REGION,
                margin_km: float = _MARGIN, poleward_of: float = _POLEWARD, azimuths: int = _AZ,
                mast_m: float = _MAST, start: str = _START, end: str = _END, step: str = _STEP,
                out: Optional[Path] = _OUT, scheduler: Optional[str] = _SCHED, cache: Optional[Path] = _CACHE,
                format: OutputFormat = _FORMAT, quiet: bool = _QUIET) -> None:
        _sky_map(kind, dem_path, pixel_m, region, margin_km, poleward_of, azimuths, mast_m, start, end, step,
                 out, scheduler, cache, format, quiet)

    map_app.command(kind, help=summary + _EXAMPLES)(command)


_sky_command("lit", "Lit fraction of every pixel (any part of the disk, its centre, mean visible fraction).")
_sky_command("darkness", "Longest darkness of every pixel (no part of the solar disk above the horizon).")
_sky_command("earth", "Earth visibility of every pixel (Earth's centre above the horizon) and its longest gap.")


@map_app.command("psr", help="Permanently shadowed pixels over a lunar precession cycle (18.6 yr), area beside "
                 "Mazarico 2011." + _EXAMPLES)
def psr(dem_path: Optional[Path] = _DEM, pixel_m: float = _PIXEL, region: str = _REGION,
        margin_km: float = _MARGIN, poleward_of: float = _POLEWARD, azimuths: int = _AZ, mast_m: float = _MAST,
        start: str = typer.Option("2024-01-01", "--start", help="Start of the 18.6-year cycle (UTC)."),
        step: str = step_option("1h", "Sampling of the Sun's track over the cycle, 10min or more"),
        out: Optional[Path] = _OUT, scheduler: Optional[str] = _SCHED, cache: Optional[Path] = _CACHE,
        format: OutputFormat = _FORMAT, quiet: bool = _QUIET) -> None:
    from ilrs.environment.psr import MAZARICO_2011, permanent_shadow

    step_s = parse_step_s(step)
    if step_s < 600.0:
        raise InputError(f"{step!r} over 18.6 years", field="--step", allowed="10min or more")
    t_start = np.datetime_as_string(np.datetime64(parse_datetime_utc(start, "--start"), "s"))
    out = output_folder(out, "--out") if out else None
    dem, rows, cols = _load(dem_path, pixel_m, region, margin_km, poleward_of)
    db, sec, folder = _database(dem, rows, cols, azimuths, mast_m, cache, scheduler, quiet, format)
    t0 = time.perf_counter()
    res = permanent_shadow(db, start=t_start, step_s=step_s, poleward_of_deg=poleward_of, scheduler=scheduler)
    values = np.where(res.counted, res.mask.astype(float), np.nan)
    files = _write(out, "psr_mask", values, db, "permanently shadowed (1) over 18.6 yr", "Blues", 0, 1)
    data = _common_info(dem, db, sec, folder) | {
        "psr_area_km2": round(res.area_km2, 1), "counted_area_km2": round(res.counted_area_km2, 1),
        "poleward_of_deg": poleward_of, "start_utc": res.start_utc, "end_utc": res.end_utc, "step_s": res.step_s,
        "sun_samples_count": res.samples, "envelope_points_per_tile": res.envelope_points,
        "psr_s": round(time.perf_counter() - t0, 2), "published": MAZARICO_2011, "files": files}
    _report(format, data, [
        f"permanently shadowed poleward of {poleward_of:g}°: {res.area_km2:,.0f} km² of {res.counted_area_km2:,.0f} km² "
        f"counted ({res.start_utc} – {res.end_utc}, Sun every {step_s / 3600:g} h)",
        f"  DEM: {dem.source} ({dem.pixel_m:g} m/px)",
        f"  Mazarico et al. 2011: {MAZARICO_2011['south_psr_area_km2']:,.0f} km² south ({MAZARICO_2011['dem']})"] + files)


def register(app: typer.Typer) -> None:
    app.add_typer(map_app, name="map")
