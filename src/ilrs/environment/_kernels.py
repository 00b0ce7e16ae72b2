"""Compiled (numba) kernels of the environment layer; the NumPy functions they replace stay the
reference (:func:`ilrs.environment.dem.ground_height_m`, the global-DEM ray march of
:func:`ilrs.environment.terrain.horizon_from_terrain`).

* :func:`ground_height_m` — bilinear height of the padded coarse global DEM, element by element,
  the same arithmetic as the NumPy reference (no (n, 4) gathers, no temporaries).
* :func:`great_circle_xyz` + NumPy's vectorized arcsin/arctan2 + :func:`horizon_from_latlon_deg` —
  the global-DEM ray march of one site: the points along every azimuth's great circle, their
  latitude/longitude by NumPy (SIMD: ~4x cheaper per sample than numba's scalar libm calls), then
  the DEM height, the exact elevation atan2(r1 cos g - r0, r1 sin g) of the terrain module and the
  maximum fused in one compiled pass (the largest y/x tracked: x > 0 beyond the observer, so atan2
  is monotonic in it; one atan2 per azimuth), no (n_az, n_d) height or elevation arrays.

Serial: each is called once per site (milliseconds), where thread start-up and, on a shared
machine, spinning threads cost more than they save.

Selected by :func:`ilrs._compiled.use_compiled` (``ILRS_KERNELS=numpy`` turns them off).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np


@nb.njit(cache=True, inline="always")
def _height_one(z, cell_deg, lat, lon):
    """Bilinear DEM height (km) at one (lat, lon) (deg), the arithmetic of ``dem.ground_height_m``
    (its modulo operations short-cut where the operand is already in range: same values)."""
    nr, nc = z.shape
    fi = (90.0 - lat) / cell_deg + 0.5
    if lat > 90.0 - cell_deg / 2:
        fi = (90.0 - lat) / (cell_deg / 2)
    if lat < -90.0 + cell_deg / 2:
        fi = nr - 1 - (lat + 90.0) / (cell_deg / 2)
    fi = min(max(fi, 0.0), nr - 1.0)
    fj = (lon + 180.0) / cell_deg - 0.5
    if fj < 0.0 or fj >= nc:
        fj = fj % nc
        if fj >= nc:  # -tiny % nc rounds to nc
            fj = 0.0 if fj == nc else fj
    i0 = min(int(fi), nr - 2)
    ffj = math.floor(fj)
    j0 = int(ffj)
    if j0 >= nc:
        j0 -= nc
    j1 = j0 + 1 if j0 + 1 < nc else 0
    di = fi - i0
    dj = fj - ffj
    a = (1 - dj) * np.float64(z[i0, j0]) + dj * np.float64(z[i0, j1])
    b = (1 - dj) * np.float64(z[i0 + 1, j0]) + dj * np.float64(z[i0 + 1, j1])
    return (1 - di) * a + di * b


@nb.njit(cache=True)
def ground_height_m(z, cell_deg, lat_deg, lon_deg):
    """Heights (m) at flat arrays ``lat_deg``, ``lon_deg`` (same size) of the padded DEM ``z`` (km)."""
    out = np.empty(lat_deg.size)
    for k in range(lat_deg.size):
        out[k] = _height_one(z, cell_deg, lat_deg[k], lon_deg[k]) * 1000.0
    return out


@nb.njit(cache=True)
def great_circle_xyz(east, north, up, azimuth_rad, cos_g, sin_g):
    """Unit vectors (3, n_az, n_d) of the points at central angles g (cos_g, sin_g (n_d,)) along the
    great circles leaving ``up`` towards ``azimuth_rad`` (n_az,): cos g up + sin g (cos az north +
    sin az east), the arithmetic of ``terrain._great_circle_points``."""
    n_az, n_d = azimuth_rad.size, cos_g.size
    out = np.empty((3, n_az, n_d))
    for a in range(n_az):
        ca = math.cos(azimuth_rad[a])
        sa = math.sin(azimuth_rad[a])
        for i in range(3):
            t = ca * north[i] + sa * east[i]
            for k in range(n_d):
                out[i, a, k] = cos_g[k] * up[i] + sin_g[k] * t
    return out


@nb.njit(cache=True)
def horizon_from_latlon_deg(z, cell_deg, lat_deg, lon_deg, cos_g, sin_g, moon_radius_m, r0_m):
    """Max elevation (deg) per row of ground points at ``lat_deg``/``lon_deg`` (n_az, n_d) at
    central angles g (cos_g, sin_g): DEM height, exact elevation and the maximum fused (the
    largest y/x tracked, one atan2 per row); -90 where a row is empty."""
    n_az, n_d = lat_deg.shape
    out = np.full(n_az, -90.0)
    for a in range(n_az):
        best_y, best_x = -1.0, 0.0
        for k in range(n_d):
            r1 = moon_radius_m + _height_one(z, cell_deg, lat_deg[a, k], lon_deg[a, k]) * 1000.0
            y = r1 * cos_g[k] - r0_m
            x = r1 * sin_g[k]
            if y * best_x > best_y * x:
                best_y, best_x = y, x
        if best_x > 0.0:
            out[a] = math.degrees(math.atan2(best_y, best_x))
    return out
