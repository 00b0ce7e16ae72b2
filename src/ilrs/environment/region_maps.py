"""Maps as look-ups: lit fraction, longest darkness and Earth visibility of every pixel of a
horizon database (:mod:`ilrs.environment.horizon_map`) against the Sun/Earth track of a period.

Definitions (those of :func:`ilrs.environment.illumination.span_statistics`, per pixel):

* ``lit_any_fraction`` — samples with ANY part of the solar disk above the horizon (x > −1);
* ``lit_centre_fraction`` — samples with the disk's CENTRE above the horizon (x > 0);
* ``mean_visible_fraction`` — time-mean of the visible disk fraction (circle-segment area of
  :func:`ilrs.environment.sky.visible_disk_fraction`, the horizon straight across the disk);
* ``longest_darkness_hours`` — the longest run of samples with no part of the disk up (runs at
  the period's ends included, truncated there);
* ``earth_visible_fraction`` / ``longest_earth_gap_hours`` — Earth's centre above the horizon.

with x = (ε − h)/ρ, ε the body's elevation at the pixel, h the pixel's horizon at the body's grid
azimuth (linear between the database's nodes), ρ the Sun's apparent radius asin(R☉/d).

Geometry per pixel. The Sun's and Earth's apparent vectors (light time, aberration; Moon ME) are
computed once from the region's centre (:func:`ilrs.environment.sky.apparent_vectors_site`). The
region is cut into tiles of ≤ 12.8 km and ≤ 128 px a side (:func:`tile_px_for`); for each tile, its centre's own vertical and
meridian give the bodies' elevation and GRID azimuth exactly (Earth: its vector moved to the
tile's centre, E + P_centre − P_tile, parallax included); within a tile each pixel's elevation is
the tile's plus ŝ·Δû / cos ε (first order in the tilt Δû of the pixel's vertical, ≤ 6.4 km from
the tile centre: 0.21° of tilt, second-order error < 1e-4° for a body within 10° of the
horizon), its grid azimuth the tile's (estimate: the grid azimuth of a distant body changes by
~colatitude/2 × tilt across a tile, ≤ 0.02° at 80°S, ~0 at the pole). The Sun's parallax across a region (≤ 600 km from its centre: 2e-4°) is ignored.
So the local frame turns with every tile: the vertical's 1° per 30 km is carried exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ilrs.constants import MOON_RADIUS_M, SUN_RADIUS_M
from ilrs.environment.horizon_map import NODATA_CDEG, HorizonDatabase, Progress, run_tasks

TILE_PX = 128
TILE_KM = 12.8


def tile_px_for(pixel_m: float) -> int:
    """Tile side (px): ≤ 12.8 km of ground and ≤ 128 px (a fixed function of the grid: serial and
    Dask runs cut the region alike)."""
    return int(min(TILE_PX, max(8, round(TILE_KM * 1000.0 / pixel_m))))


@dataclass(frozen=True)
class SkyTiles:
    """Per tile of a region: a body's grid-azimuth position (units of the azimuth step), elevation
    (deg), degrees(unit vector)/cos(elevation) and angular radius (deg) at each epoch."""

    pos: list
    el_deg: list
    sc: list
    rho_deg: list


def tile_slices(shape: tuple[int, int], tile_px: int = TILE_PX) -> list[tuple[slice, slice]]:
    """The fixed tiling of a region (the same whatever runs it: results never depend on it)."""
    return [(slice(r, min(r + tile_px, shape[0])), slice(c, min(c + tile_px, shape[1])))
            for r in range(0, shape[0], tile_px) for c in range(0, shape[1], tile_px)]


def _pixel_up(grid, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Unit radial vectors (…, 3), Moon ME, of pixel centres (south polar stereographic, Snyder 21-33)."""
    x = grid.x0_m + cols * grid.pixel_m
    y = grid.y0_m - rows * grid.pixel_m
    c = 2.0 * np.arctan(np.hypot(x, y) / (2.0 * grid.radius_m * grid.k0))
    lat = -(np.pi / 2 - c)
    lon = np.arctan2(x, y) + np.radians(grid.lon0_deg)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


def _tile_frame(grid, sl: tuple[slice, slice], ground_m: float):
    """Centre of a tile: (up, east, north) unit vectors, convergence (deg), ME position (m)."""
    rc = ((sl[0].start + sl[0].stop - 1) / 2.0, (sl[1].start + sl[1].stop - 1) / 2.0)
    up = _pixel_up(grid, np.array(rc[0]), np.array(rc[1]))
    lon = np.arctan2(up[1], up[0])
    east = np.array([-np.sin(lon), np.cos(lon), 0.0])
    north = np.cross(up, east)
    conv = np.degrees(lon) - grid.lon0_deg
    return up, east, north, conv, up * (grid.radius_m + ground_m)


def body_tiles(db: HorizonDatabase, vectors_me: np.ndarray, *, centre_me: np.ndarray | None = None,
               radius_m: float = 0.0, ground_m: float = 0.0, reduce=None) -> SkyTiles:
    """A body's track in every tile's frame. ``vectors_me`` (n, 3): apparent vectors from the region's
    centre ``centre_me`` (given: moved to each tile, parallax; None: a direction, the Sun).
    ``reduce(pos, el, sc, rho)`` → the same four, applied to each tile's track as it is made."""
    step = db.azimuth_step_deg
    out = SkyTiles([], [], [], [])
    for sl in tile_slices(db.horizon_cdeg.shape[1:], tile_px_for(db.grid.pixel_m)):
        up, east, north, conv, p_tile = _tile_frame(db.grid, sl, ground_m)
        v = vectors_me if centre_me is None else vectors_me + (centre_me - p_tile)
        d = np.linalg.norm(v, axis=1)
        s = v / d[:, None]
        e, n, u = s @ east, s @ north, s @ up
        el = np.arctan2(u, np.hypot(e, n))
        track = (((np.degrees(np.arctan2(e, n)) + conv) % 360.0) / step, np.degrees(el),
                 np.ascontiguousarray(np.degrees(s) / np.cos(el)[:, None]),
                 np.degrees(np.arcsin(radius_m / d)) if radius_m else np.zeros(len(d)))
        for lst, a in zip((out.pos, out.el_deg, out.sc, out.rho_deg), reduce(*track) if reduce else track):
            lst.append(a)
    return out


def tile_tilts(db: HorizonDatabase, sl: tuple[slice, slice]) -> np.ndarray:
    """Δû (rows, cols, 3) of a tile's pixels from its centre's vertical."""
    rr, cc = np.meshgrid(np.arange(sl[0].start, sl[0].stop), np.arange(sl[1].start, sl[1].stop), indexing="ij")
    up_c = _pixel_up(db.grid, np.array((sl[0].start + sl[0].stop - 1) / 2.0), np.array((sl[1].start + sl[1].stop - 1) / 2.0))
    return np.ascontiguousarray(_pixel_up(db.grid, rr.astype(float), cc.astype(float)) - up_c)


def exposure_task(horizon_cdeg, pos, el_deg, sc, rho_deg, du, want_fraction):
    """One tile's counts (compiled kernel, or the NumPy reference under ILRS_KERNELS=numpy)."""
    from ilrs._compiled import use_compiled

    h = np.ascontiguousarray(np.moveaxis(np.asarray(horizon_cdeg, np.int16), 0, -1))  # (rows, cols, n_az)
    if use_compiled():
        from ilrs.environment._map_kernels import exposure_counts
        from ilrs.environment.horizon_map import _KERNEL_LOCK

        with _KERNEL_LOCK:
            return exposure_counts(h, pos, el_deg, sc, rho_deg, du, want_fraction)
    return reference_exposure(h, pos, el_deg, sc, rho_deg, du)


def _exposure_shared(_shared, *task):
    return exposure_task(*task)


def reference_exposure(h, pos, el_deg, sc, rho_deg, du):
    """NumPy reference of :func:`ilrs.environment._map_kernels.exposure_counts` (all epochs at once;
    ``h`` (rows, cols, n_az))."""
    n_az = h.shape[2]
    j = np.floor(pos).astype(int) % n_az
    w = (pos - np.floor(pos))[:, None, None]
    hh = np.moveaxis(h, 2, 0).astype(float)
    bad = ((hh == NODATA_CDEG).any(axis=0))
    hz = ((1.0 - w) * hh[j] + w * hh[(j + 1) % n_az]) * 0.01                 # (n_t, rows, cols)
    el = el_deg[:, None, None] + np.einsum("tk,rck->trc", sc, du)
    d = el - hz
    rho = rho_deg[:, None, None]
    up = d > -rho
    with np.errstate(invalid="ignore", divide="ignore"):
        x = np.clip(np.where(rho > 0, d / np.where(rho > 0, rho, 1.0), 0.0), -1.0, 1.0)
    f = np.where(rho > 0, 1.0 - (np.arccos(x) - x * np.sqrt(1.0 - x * x)) / np.pi, d > 0)   # a point: 0 or 1
    longest = np.zeros(h.shape[:2], np.int32)
    run = np.zeros(h.shape[:2], np.int32)
    for k in range(len(pos)):
        run = np.where(up[k], 0, run + 1)
        longest = np.maximum(longest, run)
    z = lambda a, dt: np.where(bad, 0, a).astype(dt)  # noqa: E731 - no-data pixels count nothing
    return z(up.sum(0), np.int32), z((d > 0).sum(0), np.int32), z(f.sum(0), float), z(longest, np.int32)


@dataclass(frozen=True)
class RegionMaps:
    """Per-pixel maps of a region over a period (NaN where the DEM has no data)."""

    values: dict            # name -> (rows, cols) float array
    samples: int
    step_s: float
    start_utc: str
    end_utc: str


def exposure_maps(db: HorizonDatabase, tiles: SkyTiles, *, want_fraction: bool,
                  scheduler: str | None = None, progress: Progress | None = None) -> tuple[np.ndarray, ...]:
    """(any_up, centre_up, fraction_sum, longest_none) over the whole region, tile by tile, here or
    on a Dask cluster (byte-identical: the same fixed tiles, each deterministic)."""
    slices = tile_slices(db.horizon_cdeg.shape[1:], tile_px_for(db.grid.pixel_m))
    tasks = ((np.asarray(db.horizon_cdeg[:, a, b]), tiles.pos[i], tiles.el_deg[i], tiles.sc[i], tiles.rho_deg[i],
              tile_tilts(db, (a, b)), want_fraction) for i, (a, b) in enumerate(slices))
    if scheduler is not None:
        tasks = list(tasks)
    shape = db.horizon_cdeg.shape[1:]
    out = [np.zeros(shape, np.int32), np.zeros(shape, np.int32), np.zeros(shape), np.zeros(shape, np.int32)]

    def put(i, part):
        for o, p in zip(out, part):
            o[slices[i]] = p

    run_tasks(_exposure_shared, tasks, scheduler, progress, on_result=put, n_tasks=len(slices))
    return tuple(out)


def nodata_mask(db: HorizonDatabase) -> np.ndarray:
    """Pixels without a horizon at some azimuth (the DEM has no data at or beside them)."""
    bad = np.zeros(db.horizon_cdeg.shape[1:], bool)
    for plane in db.horizon_cdeg:
        bad |= np.asarray(plane) == NODATA_CDEG
    return bad


def sun_earth_maps(db: HorizonDatabase, times, *, bodies=("sun", "earth"), ground_m: float = 0.0,
                   scheduler: str | None = None, progress: Progress | None = None) -> RegionMaps:
    """Lit fraction (three definitions), longest darkness, Earth visibility of every pixel of ``db``
    over UTC ``times`` (a regular grid), as look-ups (see the module docstring)."""
    from ilrs.environment.sites import Site
    from ilrs.environment.sky import apparent_vectors_site
    from ilrs.environment.time import utc_array
    from ilrs.timeutil import iso_utc

    t = utc_array(times)
    step_s = float((t[1] - t[0]) / np.timedelta64(1, "s")) if len(t) > 1 else 3600.0
    shape = db.horizon_cdeg.shape[1:]
    up_c = _pixel_up(db.grid, np.array((shape[0] - 1) / 2.0), np.array((shape[1] - 1) / 2.0))
    centre = Site("region-centre", float(np.degrees(np.arcsin(up_c[2]))),
                  float(np.degrees(np.arctan2(up_c[1], up_c[0]))), ground_m, db.mast_m)
    vec = apparent_vectors_site(centre, t, bodies=tuple(bodies))
    bad = nodata_mask(db)
    values = {}
    n = float(len(t))
    if "sun" in bodies:
        tiles = body_tiles(db, vec["sun"], radius_m=SUN_RADIUS_M, ground_m=ground_m)
        anyu, cen, fsum, dark = exposure_maps(db, tiles, want_fraction=True, scheduler=scheduler, progress=progress)
        values.update(lit_any_fraction=anyu / n, lit_centre_fraction=cen / n, mean_visible_fraction=fsum / n,
                      longest_darkness_hours=dark * step_s / 3600.0)
    if "earth" in bodies:
        tiles = body_tiles(db, vec["earth"], centre_me=centre.position_me_m, ground_m=ground_m)
        _, cen, _, gap = exposure_maps(db, tiles, want_fraction=False, scheduler=scheduler, progress=progress)
        values.update(earth_visible_fraction=cen / n, longest_earth_gap_hours=gap * step_s / 3600.0)
    values = {k: np.where(bad, np.nan, v.astype(float)) for k, v in values.items()}
    end = t[-1] + np.timedelta64(int(round(step_s * 1e9)), "ns")
    return RegionMaps(values, len(t), step_s, iso_utc(t[0]), iso_utc(end))


def pixel_area_km2(db: HorizonDatabase) -> np.ndarray:
    """Ground area (km²) of each pixel: (pixel / k)², k the stereographic scale factor (Snyder 21-32)."""
    g = db.grid
    rr, cc = np.meshgrid(np.arange(db.horizon_cdeg.shape[1]), np.arange(db.horizon_cdeg.shape[2]), indexing="ij")
    x, y = g.x0_m + cc * g.pixel_m, g.y0_m - rr * g.pixel_m
    k = g.k0 * (1.0 + (x * x + y * y) / (4.0 * g.radius_m ** 2 * g.k0 ** 2))
    return (g.pixel_m / k) ** 2 / 1e6


def pixel_latitude_deg(db: HorizonDatabase) -> np.ndarray:
    rr, cc = np.meshgrid(np.arange(db.horizon_cdeg.shape[1]), np.arange(db.horizon_cdeg.shape[2]), indexing="ij")
    return np.degrees(np.arcsin(_pixel_up(db.grid, rr.astype(float), cc.astype(float))[..., 2]))


__all__ = ["RegionMaps", "sun_earth_maps", "exposure_maps", "body_tiles", "pixel_area_km2", "MOON_RADIUS_M"]
