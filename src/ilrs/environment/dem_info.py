"""What a DEM file holds and whether it covers a site; several DEMs nested by resolution.

``describe_dem`` answers ``ilrs dem info``; ``dems_for_site`` opens the files a user names
(scenario ``site.dems``, repeatable ``--dem``), checks each is a map of the site's pole, and orders
them finest first — the order in which the ray march lets them win (finest with a value at a
sample; the packaged global DEM beyond them all). A site outside every DEM, or a DEM of the other
pole, is refused with one line naming the file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ilrs.environment.dem_files import GEOTIFF_SUFFIXES, PDS3_SUFFIXES, DemGrid, read_dem_grid
from ilrs.environment.terrain import PolarStereoDEM
from ilrs.errors import InputError

NODATA_SAMPLE_ROWS = 200
"""The no-data count is estimated on this many whole rows, evenly spaced (exact below it)."""


def dem_from_grid(g: DemGrid) -> PolarStereoDEM:
    return PolarStereoDEM(g.raw, g.x0_m, g.y0_m, g.pixel_m, south=g.south, lon0_deg=g.lon0_deg, radius_m=g.radius_m,
                          k0=g.k0, source=g.source, height_scale=g.scale_m, height_offset_m=g.offset_m,
                          nodata=g.nodata)


def map_bounds_m(dem: PolarStereoDEM) -> tuple[float, float, float, float]:
    """(x_min, x_max, y_min, y_max) of the raster's outer pixel edges on the map (m)."""
    nr, nc = dem.heights_m.shape
    px = dem.pixel_m
    return dem.x0_m - px / 2, dem.x0_m + (nc - 0.5) * px, dem.y0_m - (nr - 0.5) * px, dem.y0_m + px / 2


def latitude_range_deg(dem: PolarStereoDEM) -> tuple[float, float]:
    """(latitude nearest the equator, latitude nearest the pole) of any point of the raster:
    ρ = 2·R·k₀·tan(π/4 − |φ|/2) (Snyder eq. 21-33) between the nearest and the farthest point."""
    x0, x1, y0, y1 = map_bounds_m(dem)
    rho_min = float(np.hypot(max(x0, 0.0, -x1), max(y0, 0.0, -y1)))
    rho_max = float(max(np.hypot(x, y) for x in (x0, x1) for y in (y0, y1)))
    sign = -1.0 if dem.south else 1.0
    lat = [sign * (90.0 - np.degrees(2 * np.arctan(r / (2 * dem.radius_m * dem.k0)))) for r in (rho_max, rho_min)]
    return float(lat[0]), float(lat[1])


def site_pixel(dem: PolarStereoDEM, lat_deg: float, lon_deg: float) -> dict:
    """The pixel under a site: (row, col) of the nearest pixel centre, its height, and whether the
    site lies on the raster with a value there."""
    r, c = (float(v) for v in dem.xy_to_pixel(*dem.latlon_to_xy(lat_deg, lon_deg)))
    nr, nc = dem.heights_m.shape
    on = -0.5 <= r < nr - 0.5 and -0.5 <= c < nc - 0.5
    out = {"lat_deg": float(lat_deg), "lon_deg": float(lon_deg), "row": int(np.floor(r + 0.5)),
           "col": int(np.floor(c + 0.5)), "on_raster": bool(on), "height_m": None, "covered": False}
    if on:
        h = float(dem.sample_rc(np.clip(r, 0, nr - 1), np.clip(c, 0, nc - 1)))
        out["height_m"] = h if np.isfinite(h) else None
        out["covered"] = bool(np.isfinite(h))
    return out


def nodata_fraction(dem: PolarStereoDEM) -> tuple[float, int]:
    """(fraction of no-data pixels, pixels looked at): every pixel of up to 200 whole rows evenly
    spaced (contiguous reads: ~12 MB of a 30 000² int16 file, not its 1.8 GB); exact for ≤ 200 rows."""
    nr = dem.heights_m.shape[0]
    rows = np.unique(np.linspace(0, nr - 1, min(nr, NODATA_SAMPLE_ROWS)).round().astype(np.int64))
    v = np.asarray(dem.heights_m[rows], dtype=np.float64)
    if dem.nodata is not None:
        v = np.where(v == dem.nodata, np.nan, v)
    return float(np.isnan(v).mean()), int(v.size)


def describe_dem(path: str | Path, lat_deg: float | None = None, lon_deg: float | None = None) -> dict:
    """Everything ``ilrs dem info`` prints, as JSON-ready data (units in the key names)."""
    g = read_dem_grid(path)
    dem = dem_from_grid(g)
    nr, nc = dem.heights_m.shape
    x0, x1, y0, y1 = map_bounds_m(dem)
    lat_lo, lat_hi = latitude_range_deg(dem)
    frac, looked = nodata_fraction(dem)
    info = {"file": str(path), "format": g.file_format, "projection": g.projection,
            "central_longitude_deg": g.lon0_deg, "sphere_radius_km": g.radius_m / 1e3, "scale_at_pole_k0": g.k0,
            "pixel_m": g.pixel_m, "lines": nr, "samples": nc,
            "map_extent_km": {"x_min": x0 / 1e3, "x_max": x1 / 1e3, "y_min": y0 / 1e3, "y_max": y1 / 1e3},
            "latitude_range_deg": [lat_lo, lat_hi],
            "height": {"stored": str(g.raw.dtype), "scale_m": g.scale_m, "offset_m": g.offset_m,
                       "nodata_stored": g.nodata},
            "nodata_fraction": frac, "nodata_pixels_estimate": int(round(frac * nr * nc)),
            "nodata_sampled_pixels": looked}
    if lat_deg is not None and lon_deg is not None:
        info["site"] = site_pixel(dem, lat_deg, lon_deg)
        info["site"]["hemisphere_matches"] = (lat_deg < 0) == dem.south
    return info


def check_pole(dem: PolarStereoDEM, lat_deg: float, path: str) -> None:
    """Refuse a DEM of the other pole (one line naming the file)."""
    if (lat_deg < 0) != dem.south:
        have, need = ("south", "north") if dem.south else ("north", "south")
        raise InputError(f"a {have} polar-stereographic DEM; the site at {lat_deg:g}° needs a {need} polar one",
                         file=path)


def dems_for_site(paths, lat_deg: float, lon_deg: float) -> tuple[PolarStereoDEM, ...]:
    """The named DEM files opened (memory-mapped), each checked to map the site's pole, finest
    first; refused when none has a value at the site."""
    dems = []
    for p in paths:
        g = read_dem_grid(p)
        dem = dem_from_grid(g)
        check_pole(dem, lat_deg, str(p))
        dems.append(dem)
    if dems and not any(site_pixel(d, lat_deg, lon_deg)["covered"] for d in dems):
        names = ", ".join(Path(p).name for p in paths)
        raise InputError(f"the site ({lat_deg:g}°, {lon_deg:g}°E) lies outside every DEM given ({names}), "
                         "or on their no-data", file=str(paths[0]), field="dems")
    return tuple(sorted(dems, key=lambda d: d.pixel_m))


def dem_files_named(horizon: str, dems=()) -> tuple[str, ...]:
    """The DEM files to ray-march for a horizon model and a list of DEM files: ``dems``, joined by
    the horizon itself when it names a DEM file — a PDS3 ``.IMG``/``.LBL`` always, a GeoTIFF when
    ``dems`` are given (alone, ``horizon: PATH.tif`` keeps its own route); () for none of them."""
    dems = tuple(str(d) for d in dems)
    suffix = Path(horizon).suffix.lower() if horizon not in ("none", "sphere", "dem") else ""
    if suffix in PDS3_SUFFIXES or (dems and suffix in GEOTIFF_SUFFIXES):
        return dems + (horizon,)
    return dems


def horizon_with_dems(site, dem_paths, *, observer_ground_m: float | None = None, **kwargs):
    """The horizon of ``site`` over the named DEM files, nested: at every ray sample the finest DEM
    with a value wins, the packaged global DEM beyond them all
    (:func:`ilrs.environment.terrain.horizon_from_terrain`); the observer on the finest covering
    DEM's ground unless ``observer_ground_m``."""
    from ilrs.environment.horizon import HorizonMask
    from ilrs.environment.terrain import horizon_for_site, site_ground_m

    dems = dems_for_site(list(dem_paths), site.lat_deg, site.lon_deg)
    ground, where = observer_ground_m, "given"
    if ground is None:
        ground, where = site_ground_m(site, dems)
    m = horizon_for_site(site, "dem", dem=dems, observer_ground_m=ground, **kwargs)
    return HorizonMask(m.azimuth_deg, m.elevation_deg, m.kind, f"{m.source}; observer ground {ground:.0f} m ({where})",
                       ground_m=ground)


def dems_identity(dem_paths) -> list[str]:
    """Cache-key identity of DEM files without reading gigabytes: name, size and modification time
    of each file (and of a label's image), plus the hash of a label's text."""
    import hashlib

    out = []
    for p in map(Path, dem_paths):
        st = p.stat()
        key = f"{p.name}:{st.st_size}:{st.st_mtime_ns}"
        if p.suffix.lower() == ".lbl":
            key += ":" + hashlib.sha256(p.read_bytes()).hexdigest()[:16]
            img = p.with_suffix(".IMG") if p.with_suffix(".IMG").exists() else p.with_suffix(".img")
            if img.exists():
                key += f":{img.stat().st_size}:{img.stat().st_mtime_ns}"
        out.append(key)
    return out
