"""Compiled (numba) kernels of the environment layer; the NumPy functions they replace stay the
reference (:func:`ilrs.environment.dem.ground_height_m`, the global-DEM ray march of
:func:`ilrs.environment.terrain.horizon_from_terrain`).

* :func:`ground_height_m` — bilinear height of the padded coarse global DEM, element by element,
  the same arithmetic as the NumPy reference (no (n, 4) gathers, no temporaries).
* :func:`global_horizon_deg` — for each azimuth, the maximum over distances of the exact elevation
  atan2(r1 cos g - r0, r1 sin g) of the ground along the great circle (the terrain module's
  formula), fused: the point, its latitude/longitude and its DEM height computed and reduced in one
  pass, never stored; the largest y/x is tracked (x > 0 beyond the observer, so atan2 is monotonic
  in it) and one atan2 per azimuth turns it into the elevation. Serial: it is called once per site
  (~12 ms), where thread start-up and, on a shared machine, spinning threads cost more than they
  save (measured: 2 threads doubled the CPU time under load).

Selected by :func:`ilrs._compiled.use_compiled` (``ILRS_KERNELS=numpy`` turns them off).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np


@nb.njit(cache=True)
def _height_one(z, cell_deg, lat, lon):
    """Bilinear DEM height (km) at one (lat, lon) (deg), the arithmetic of ``dem.ground_height_m``."""
    nr, nc = z.shape
    fi = (90.0 - lat) / cell_deg + 0.5
    if lat > 90.0 - cell_deg / 2:
        fi = (90.0 - lat) / (cell_deg / 2)
    if lat < -90.0 + cell_deg / 2:
        fi = nr - 1 - (lat + 90.0) / (cell_deg / 2)
    fi = min(max(fi, 0.0), nr - 1.0)
    fj = ((lon + 180.0) / cell_deg - 0.5) % nc
    i0 = min(int(math.floor(fi)), nr - 2)
    ffj = math.floor(fj)
    j0 = int(ffj) % nc
    j1 = (j0 + 1) % nc
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
def global_horizon_deg(z, cell_deg, east, north, up, azimuth_rad, distance_m, moon_radius_m, r0_m):
    """Max elevation (deg) of the ground along great circles leaving ``up`` (unit, ME) towards
    local ``azimuth_rad`` (from ``north`` through ``east``) at ``distance_m``; -90 if none."""
    n_az = azimuth_rad.size
    g = distance_m / moon_radius_m
    cos_g = np.cos(g)
    sin_g = np.sin(g)
    out = np.full(n_az, -90.0)
    for a in range(n_az):
        ca = math.cos(azimuth_rad[a])
        sa = math.sin(azimuth_rad[a])
        t0 = ca * north[0] + sa * east[0]
        t1 = ca * north[1] + sa * east[1]
        t2 = ca * north[2] + sa * east[2]
        best_y, best_x = -1.0, 0.0  # elevation atan2(y, x) with x > 0: track the largest y / x
        for k in range(distance_m.size):
            cg = cos_g[k]
            sg = sin_g[k]
            p0 = cg * up[0] + sg * t0
            p1 = cg * up[1] + sg * t1
            p2 = cg * up[2] + sg * t2
            lat = math.degrees(math.asin(min(max(p2, -1.0), 1.0)))
            lon = math.degrees(math.atan2(p1, p0))
            r1 = moon_radius_m + _height_one(z, cell_deg, lat, lon) * 1000.0
            y = r1 * cg - r0_m
            x = r1 * sg
            if y * best_x > best_y * x:
                best_y, best_x = y, x
        if best_x > 0.0:
            out[a] = math.degrees(math.atan2(best_y, best_x))
    return out

