"""Compiled (numba) kernels of the environment layer; the NumPy functions they replace stay the
reference (:func:`ilrs.environment.dem.ground_height_m`, the global-DEM ray march of
:func:`ilrs.environment.terrain.horizon_from_terrain` with ``ILRS_KERNELS=numpy``).

* :func:`ground_height_m` — bilinear height of the padded coarse global DEM, element by element,
  the same arithmetic as the NumPy reference (no (n, 4) gathers, no temporaries).
* :func:`converged_horizon_deg` — the global-DEM ray march of one site, every crossing of a
  cell-centre row or column (:func:`_step_rad`), the DEM height, the exact elevation
  atan2(r1 cos g − r0, r1 sin g) and the maximum fused (the largest y/x tracked), by branch and
  bound over 2 km intervals (an interval is marched only if the highest cell it can touch could
  raise the horizon); :func:`converged_ray_samples` gives the sample positions themselves (with a
  user DEM, whose cells win), the NumPy reference being :func:`ilrs.environment.dem.converged_ray_samples`.

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


# -- the converged global-DEM march: every crossing of a cell-centre row or column -------------------

@nb.njit(cache=True, inline="always")
def _next_line(f, rate, reached):
    """(central angle to, index of) the next integer line of ``f`` moving at ``rate`` per rad; a line
    just ``reached`` by the previous step (the first-order step may land a hair short of it) counts
    as crossed. (inf, nan) when ``f`` does not move."""
    if rate > 0.0:
        line = math.floor(f) + 1.0
        if line <= reached and reached - f < 0.5:
            line = reached + 1.0
        return (line - f) / rate, line
    if rate < 0.0:
        line = math.ceil(f) - 1.0
        if line >= reached and f - reached < 0.5:
            line = reached - 1.0
        return (line - f) / rate, line
    return math.inf, math.nan


@nb.njit(cache=True, inline="always")
def _step_rad(z_rows, cell_deg, lat, lon, px, py, pz, qx, qy, qz, min_step_rad, to_boundary_rad, ri, rj):
    """(step, row line reached, column line reached): the central angle from the point p (at
    ``lat``/``lon`` deg; unit tangent q) to the next crossing of a cell-centre row or column of the
    padded DEM (first order; the row/column arithmetic of :func:`_height_one`, half cells at the
    polar caps), within [min_step, to_boundary]; ``ri``/``rj`` the lines the previous step reached
    (nan at a chain's start)."""
    cell_rad = math.radians(cell_deg)
    rho2 = max(px * px + py * py, 1e-24)
    dfi = -(qz / math.sqrt(rho2)) / cell_rad
    fi = (90.0 - lat) / cell_deg + 0.5
    if lat > 90.0 - cell_deg / 2:
        fi = (90.0 - lat) / (cell_deg / 2)
        dfi = 2.0 * dfi
    if lat < -90.0 + cell_deg / 2:
        fi = z_rows - 1 - (lat + 90.0) / (cell_deg / 2)
        dfi = 2.0 * dfi
    fj = (lon + 180.0) / cell_deg - 0.5
    dfj = ((px * qy - py * qx) / rho2) / cell_rad
    ds_i, line_i = _next_line(fi, dfi, ri)
    ds_j, line_j = _next_line(fj, dfj, rj)
    ds = max(min(ds_i, ds_j), min_step_rad)
    if ds > to_boundary_rad:
        return to_boundary_rad, math.nan, math.nan
    return ds, (line_i if ds_i <= ds else math.nan), (line_j if ds_j <= ds else math.nan)


@nb.njit(cache=True, inline="always")
def _latlon(px, py, pz):
    return math.degrees(math.asin(min(max(pz, -1.0), 1.0))), math.degrees(math.atan2(py, px))


@nb.njit(cache=True, inline="always")
def _chain(z, cell_deg, up, tx, ty, tz, ga, gb, n_sub, min_step_rad, out, pos, write):
    """The samples of one interval [ga, gb] of a ray: a chain of steps from ``ga`` to each next
    crossing, ``n_sub`` samples per step (the last at the step's end), written to ``out`` from
    ``pos`` when ``write``; returns the next position."""
    z_rows = z.shape[0]
    s = ga
    cg, sg = math.cos(s), math.sin(s)
    px, py, pz = cg * up[0] + sg * tx, cg * up[1] + sg * ty, cg * up[2] + sg * tz
    qx, qy, qz = -sg * up[0] + cg * tx, -sg * up[1] + cg * ty, -sg * up[2] + cg * tz
    lat, lon = _latlon(px, py, pz)
    ri, rj = math.nan, math.nan
    while s < gb:
        ds, ri, rj = _step_rad(z_rows, cell_deg, lat, lon, px, py, pz, qx, qy, qz, min_step_rad, gb - s, ri, rj)
        s_end = min(s + ds, gb)
        for m in range(1, n_sub + 1):
            if write:
                out[pos] = s_end if m == n_sub else s + (s_end - s) * m / n_sub
            pos += 1
        cg, sg = math.cos(s_end), math.sin(s_end)
        px, py, pz = cg * up[0] + sg * tx, cg * up[1] + sg * ty, cg * up[2] + sg * tz
        qx, qy, qz = -sg * up[0] + cg * tx, -sg * up[1] + cg * ty, -sg * up[2] + cg * tz
        lat, lon = _latlon(px, py, pz)
        s = s_end
    return pos


@nb.njit(cache=True)
def converged_ray_samples(z, cell_deg, east, north, up, azimuth_rad, bounds_rad, n_sub, min_step_rad):
    """Central angles (rad) of the samples along each azimuth's great circle: on each interval
    between ``bounds_rad`` (a fixed grid, where every ray's chain of steps restarts) every crossing
    of a cell-centre row or column of the padded DEM ``z`` and ``n_sub − 1`` evenly spaced samples
    inside every stretch between crossings (a stretch lies in one bilinear patch).
    Returns (counts (n_az,), s_flat), rays one after another."""
    n_az = azimuth_rad.size
    counts = np.zeros(n_az, np.int64)
    out = np.empty(0)
    total = 0
    for sweep in range(2):
        if sweep == 1:
            out = np.empty(total)
        pos = 0
        for a in range(n_az):
            ca, sa = math.cos(azimuth_rad[a]), math.sin(azimuth_rad[a])
            tx, ty, tz = ca * north[0] + sa * east[0], ca * north[1] + sa * east[1], ca * north[2] + sa * east[2]
            start = pos
            for k in range(bounds_rad.size - 1):
                pos = _chain(z, cell_deg, up, tx, ty, tz, bounds_rad[k], bounds_rad[k + 1], n_sub, min_step_rad,
                             out, pos, sweep == 1)
            counts[a] = pos - start
        total = pos
    return counts, out


@nb.njit(cache=True, inline="always")
def _columns_max(z, b16, b240, r, c, n):
    """Max of row ``r`` of ``z`` over ``n`` columns from ``c`` (wrapping), by blocks of 240 and 16."""
    nc = z.shape[1]
    best = -np.inf
    while n > 0:
        c = c % nc
        if c % 240 == 0 and n >= 240:
            best = max(best, b240[r, c // 240])
            c += 240
            n -= 240
        elif c % 16 == 0 and n >= 16:
            best = max(best, b16[r, c // 16])
            c += 16
            n -= 16
        else:
            best = max(best, np.float64(z[r, c]))
            c += 1
            n -= 1
    return best


@nb.njit(cache=True, inline="always")
def _row_col(z_rows, cell_deg, lat, lon):
    fi = (90.0 - lat) / cell_deg + 0.5
    if lat > 90.0 - cell_deg / 2:
        fi = (90.0 - lat) / (cell_deg / 2)
    if lat < -90.0 + cell_deg / 2:
        fi = z_rows - 1 - (lat + 90.0) / (cell_deg / 2)
    return fi, (lon + 180.0) / cell_deg - 0.5


@nb.njit(cache=True)
def _arc_max_height_m(z, b16, b240, row_max, cell_deg, lat_a, lon_a, lat_b, lon_b, lat_x, eastward):
    """Upper bound (m) on the bilinear heights along a great-circle arc: the max of the cells of every
    row and column its bilinear patches use — the rows between the ends' and ``lat_x`` (the arc's
    latitude extremum, or an end) and the next, the columns between the ends' longitudes in the
    arc's direction and the next (longitude is monotonic along a great circle)."""
    nr, nc = z.shape
    fia, fja = _row_col(nr, cell_deg, lat_a, lon_a)
    fib, fjb = _row_col(nr, cell_deg, lat_b, lon_b)
    fix, _ = _row_col(nr, cell_deg, lat_x, 0.0)
    r0 = max(int(math.floor(min(fia, fib, fix))), 0)
    r1 = min(int(math.floor(max(fia, fib, fix))) + 1, nr - 1)
    lo, hi = (fja, fjb) if eastward else (fjb, fja)
    c0 = int(math.floor(lo))
    n = int(math.floor(lo + (hi - lo) % nc)) - c0 + 2
    best = -np.inf
    for r in range(r0, r1 + 1):
        best = max(best, row_max[r] if n >= nc else _columns_max(z, b16, b240, r, c0, n))
    return best * 1000.0


@nb.njit(cache=True, inline="always")
def _interval_bound(z, b16, b240, row_max, cell_deg, up, tx, ty, tz, ga, gb, eastward, top_m, moon_radius_m, r0_m):
    """Upper bound on tan(elevation) of any terrain sample in the ray's interval [ga, gb] (ga > 0):
    the highest cell it can touch (+ ``top_m``), rb, at the central angle where tan(elevation) =
    (rb cos s − r0)/(rb sin s) peaks inside [ga, gb] (it grows with rb; in s it rises up to the
    tangent point cos s* = rb/r0 of a sphere of radius rb < r0, where it is −√(r0² − rb²)/rb, then
    falls: the maximum is at s* when s* lies inside, else at an end)."""
    ca_, sa_ = math.cos(ga), math.sin(ga)
    cb_, sb_ = math.cos(gb), math.sin(gb)
    lat_a, lon_a = _latlon(ca_ * up[0] + sa_ * tx, ca_ * up[1] + sa_ * ty, ca_ * up[2] + sa_ * tz)
    lat_b, lon_b = _latlon(cb_ * up[0] + sb_ * tx, cb_ * up[1] + sb_ * ty, cb_ * up[2] + sb_ * tz)
    qza, qzb = -sa_ * up[2] + ca_ * tz, -sb_ * up[2] + cb_ * tz
    lat_x = lat_a
    if (qza > 0.0) != (qzb > 0.0):  # the latitude's extremum lies inside: where cos s uz + sin s tz peaks
        sx = math.atan2(tz, up[2])
        if qza < 0.0:
            sx += math.pi
        lat_x = math.degrees(math.asin(min(max(math.cos(sx) * up[2] + math.sin(sx) * tz, -1.0), 1.0)))
    rb = moon_radius_m + _arc_max_height_m(z, b16, b240, row_max, cell_deg, lat_a, lon_a, lat_b, lon_b, lat_x,
                                           eastward) + top_m
    return _sphere_tan_bound(rb, r0_m, ga, gb)


@nb.njit(cache=True, inline="always")
def _sphere_tan_bound(rb, r0_m, ga, gb):
    """Max over central angles s in [ga, gb] (ga > 0) of tan(elevation) = (rb cos s − r0)/(rb sin s) of
    a sphere of radius ``rb`` seen from radius ``r0_m``: at the tangent point cos s* = rb/r0 when
    it lies inside, else at an end."""
    ca_, cb_ = math.cos(ga), math.cos(gb)
    if r0_m * cb_ < rb < r0_m * ca_:
        return -math.sqrt((r0_m - rb) * (r0_m + rb)) / rb
    return max((rb * ca_ - r0_m) / (rb * math.sin(ga)), (rb * cb_ - r0_m) / (rb * math.sin(gb)))


@nb.njit(cache=True)
def _rows_max_km(row_max, cell_deg, lat_deg, reach_deg):
    """Max of the padded DEM's whole rows (``row_max``) between latitudes lat ± reach (clipped at
    the poles): the highest terrain any ray of that reach can meet."""
    nr = row_max.size
    f_hi, _ = _row_col(nr, cell_deg, min(lat_deg + reach_deg, 90.0), 0.0)
    f_lo, _ = _row_col(nr, cell_deg, max(lat_deg - reach_deg, -90.0), 0.0)
    r0 = max(int(math.floor(f_hi)), 0)
    r1 = min(int(math.floor(f_lo)) + 1, nr - 1)
    best = -np.inf
    for r in range(r0, r1 + 1):
        best = max(best, row_max[r])
    return best


SECTORS = 360
"""Azimuth sectors of :func:`_sector_heights_km` (1° each)."""
SECTOR_TABLE_MIN_RAYS = 64
"""Fewer rays than this, unfloored, march without the sector table (building it costs ~100 rays' bounds)."""
CORNER_MARGIN_M = 6000.0
"""A bilinear sample of the coarse DEM reads the four cell centres around it, all within one cell
diagonal (≤ 5.37 km: 3.79 km north-south, ≤ 3.79 km east-west) of it."""


@nb.njit(cache=True)
def _sector_heights_km(z, b16, row_max, cell_deg, east, north, up, edges_rad, n_sectors, margin_rad, moon_radius_m,
                       r0_m, top_m, floor_tan):
    """Table (groups, sectors): an upper bound (km) on every DEM cell a bilinear sample can read
    whose central angle from the site lies in [edges[k], edges[k+1]] and whose azimuth lies in sector
    s (``n_sectors`` equal sectors from north through east; a great circle leaving the site keeps its
    azimuth as seen from the site, so every sample of a ray lies in the ray's sector). Built from the
    16-column block maxima ``b16``: a block's cell centres lie within e = 7.5 cells · cos(lat) of its
    centre B along its parallel, so a sample reading one of them lies in the cap of radius
    ρ = e + ``margin_rad`` about B: at central angle d_B ± ρ from the site and azimuth within
    asin(sin ρ / sin d_B) of B's (the cap's tangent great circles; every azimuth when d_B ≤ ρ).
    A block (or a whole row, ``row_max``) whose height (+ ``top_m``) cannot rise above tan(elevation)
    ``floor_tan`` anywhere in its distance range is left out: the table then bounds only what could
    beat the floor (−inf: nothing can)."""
    n_gr = edges_rad.size - 1
    table = np.full((n_gr, n_sectors), -np.inf)
    nr, nc = z.shape
    n_blk = nc // 16
    cell = math.radians(cell_deg)
    reach = edges_rad[-1]
    tiny = 1e-9
    lat_s = math.asin(min(max(up[2], -1.0), 1.0))
    sector = 2.0 * math.pi / n_sectors
    cos_b, sin_b = np.empty(n_blk), np.empty(n_blk)
    for blk in range(n_blk):
        lon_b = math.radians((16 * blk + 8) * cell_deg - 180.0)
        cos_b[blk], sin_b[blk] = math.cos(lon_b), math.sin(lon_b)
    for r in range(nr):
        lat_r = math.pi / 2 if r == 0 else (-math.pi / 2 if r == nr - 1 else math.radians(90.0 - (r - 0.5) * cell_deg))
        near = abs(lat_r - lat_s) - margin_rad
        if near > reach:
            continue
        if _sphere_tan_bound(moon_radius_m + top_m + 1000.0 * row_max[r], r0_m, max(near, tiny), reach) <= floor_tan:
            continue
        cl, sl = math.cos(lat_r), math.sin(lat_r)
        rho = 7.5 * cell * cl + margin_rad
        ux, uy, uz = cl * up[0], cl * up[1], sl * up[2]
        ex, ey, ez = cl * east[0], cl * east[1], sl * east[2]
        nx, ny, nz = cl * north[0], cl * north[1], sl * north[2]
        for blk in range(n_blk):
            cu = cos_b[blk] * ux + sin_b[blk] * uy + uz
            ce = cos_b[blk] * ex + sin_b[blk] * ey + ez
            cn = cos_b[blk] * nx + sin_b[blk] * ny + nz
            d_b = math.atan2(math.sqrt(ce * ce + cn * cn), cu)
            if d_b - rho > reach:
                continue
            h = np.float64(b16[r, blk])
            if _sphere_tan_bound(moon_radius_m + top_m + 1000.0 * h, r0_m, max(d_b - rho, tiny), d_b + rho) <= floor_tan:
                continue
            s0, s1 = 0, n_sectors - 1
            if d_b > rho:
                half = math.asin(min(1.0, math.sin(rho) / math.sin(d_b))) + 1e-9
                if half < math.pi - sector:
                    alpha = math.atan2(ce, cn)
                    s0 = int(math.floor((alpha - half) / sector))
                    s1 = int(math.floor((alpha + half) / sector))
            for k in range(n_gr):
                if edges_rad[k + 1] < d_b - rho:
                    continue
                if edges_rad[k] > d_b + rho:
                    break
                for q in range(s0, s1 + 1):
                    qq = q % n_sectors
                    if h > table[k, qq]:
                        table[k, qq] = h
    return table


@nb.njit(cache=True, inline="always")
def _march_interval(z, cell_deg, up, tx, ty, tz, s, gb, n_sub, min_step_rad, moon_radius_m, r0_m, relief_m,
                    relief_length_m, relief_exponent, min_distance_m, best_y, best_x):
    """The samples of :func:`_chain` on [s, gb], fused with the DEM height + relief, the exact
    elevation and the running maximum (tracked as the largest y/x); returns (best_y, best_x)."""
    cg, sg = math.cos(s), math.sin(s)
    px, py, pz = cg * up[0] + sg * tx, cg * up[1] + sg * ty, cg * up[2] + sg * tz
    qx, qy, qz = -sg * up[0] + cg * tx, -sg * up[1] + cg * ty, -sg * up[2] + cg * tz
    lat, lon = _latlon(px, py, pz)
    ri, rj = math.nan, math.nan
    while s < gb:
        ds, ri, rj = _step_rad(z.shape[0], cell_deg, lat, lon, px, py, pz, qx, qy, qz, min_step_rad, gb - s, ri, rj)
        s_end = min(s + ds, gb)
        for m in range(1, n_sub + 1):
            g = s_end if m == n_sub else s + (s_end - s) * m / n_sub
            cg, sg = math.cos(g), math.sin(g)
            px, py, pz = cg * up[0] + sg * tx, cg * up[1] + sg * ty, cg * up[2] + sg * tz
            lat, lon = _latlon(px, py, pz)
            d = g * moon_radius_m
            if d < min_distance_m:
                continue
            h = _height_one(z, cell_deg, lat, lon) * 1000.0
            if relief_m != 0.0:
                h += relief_m * min(d / relief_length_m, 1.0) ** relief_exponent
            r1 = moon_radius_m + h
            y = r1 * cg - r0_m
            x = r1 * sg
            if y * best_x > best_y * x:
                best_y, best_x = y, x
        qx, qy, qz = -sg * up[0] + cg * tx, -sg * up[1] + cg * ty, -sg * up[2] + cg * tz
        s = s_end
    return best_y, best_x


@nb.njit(cache=True)
def converged_horizon_deg(z, b16, b240, row_max, cell_deg, east, north, up, azimuth_rad, bounds_rad, groups,
                          n_sub, min_step_rad, moon_radius_m, r0_m, relief_m, relief_length_m, relief_exponent,
                          min_distance_m, floor_deg=-90.0):
    """Horizon elevation (deg) along each azimuth over the samples of :func:`converged_ray_samples`,
    fused, by branch and bound (exact: the same maximum as over all samples): the intervals of
    ``bounds_rad`` are gathered in groups (``groups``: first interval of each, then the end),
    visited near to far; a group is skipped when the highest row the whole reach touches
    (:func:`_rows_max_km`, O(1) per group), or else the highest cell the group can touch
    (:func:`_interval_bound`), cannot beat the best so far, and inside a group each interval
    likewise (the near terrain, marched first, usually prunes the far). Per sample: DEM height + the added relief
    ``relief_m·min(d/relief_length_m, 1)^exponent``, the exact elevation atan2(r1 cos s − r0, r1 sin s);
    samples nearer than ``min_distance_m`` skipped; −90 where a ray has no sample. A ``floor_deg``
    above −90 starts every ray's best at that elevation, so intervals that cannot rise above it are
    skipped: the result is then max(horizon, floor_deg) (``floor_deg`` itself where nothing beats it)."""
    n_az = azimuth_rad.size
    n_gr = groups.size - 1
    res = np.full(n_az, -90.0)
    top = max(relief_m, 0.0)
    area_rb = moon_radius_m + top + 1000.0 * _rows_max_km(
        row_max, cell_deg, math.degrees(math.asin(min(max(up[2], -1.0), 1.0))), math.degrees(bounds_rad[-1]))
    edges = np.empty(n_gr + 1)
    for k in range(n_gr + 1):
        edges[k] = bounds_rad[groups[k]]
    floored = floor_deg > -90.0
    floor_tan = math.tan(math.radians(floor_deg)) if floored else -np.inf
    if floored or n_az >= SECTOR_TABLE_MIN_RAYS:
        sectors = _sector_heights_km(z, b16, row_max, cell_deg, east, north, up, edges, SECTORS,
                                     CORNER_MARGIN_M / moon_radius_m, moon_radius_m, r0_m, top, floor_tan)
    else:  # a few rays: the table (~2 ms) would cost more than it saves
        sectors = np.full((n_gr, SECTORS), -np.inf)
    for a in range(n_az):
        ca, sa = math.cos(azimuth_rad[a]), math.sin(azimuth_rad[a])
        tx, ty, tz = ca * north[0] + sa * east[0], ca * north[1] + sa * east[1], ca * north[2] + sa * east[2]
        eastward = (up[0] * ty - up[1] * tx) >= 0.0   # z of the circle's normal u × t: constant along it
        sec = int(math.floor((azimuth_rad[a] % (2.0 * math.pi)) / (2.0 * math.pi / SECTORS))) % SECTORS
        best_y, best_x = -1.0, 0.0
        if floored:
            best_y, best_x = math.sin(math.radians(floor_deg)), math.cos(math.radians(floor_deg))
        start_y, start_x = best_y, best_x
        for k in range(n_gr):  # near to far: the near terrain sets a horizon that prunes the far
            ga, gb = bounds_rad[groups[k]], bounds_rad[groups[k + 1]]
            if ga > 0.0:
                if _sphere_tan_bound(area_rb, r0_m, ga, gb) * best_x <= best_y:  # the whole reach's highest row
                    continue
                h_sec = sectors[k, sec]
                if h_sec == -np.inf:
                    if floored:
                        continue  # nothing in the ray's sector at this distance can rise above the floor
                elif _sphere_tan_bound(moon_radius_m + top + 1000.0 * h_sec, r0_m, ga, gb) * best_x <= best_y:
                    continue  # the highest cell of the ray's sector at this distance cannot raise the horizon
                if _interval_bound(z, b16, b240, row_max, cell_deg, up, tx, ty, tz, ga, gb, eastward, top,
                                   moon_radius_m, r0_m) * best_x <= best_y:
                    continue
            for i in range(groups[k], groups[k + 1]):
                ga, gb = bounds_rad[i], bounds_rad[i + 1]
                if ga > 0.0 and _interval_bound(z, b16, b240, row_max, cell_deg, up, tx, ty, tz, ga, gb, eastward,
                                                top, moon_radius_m, r0_m) * best_x <= best_y:
                    continue
                best_y, best_x = _march_interval(z, cell_deg, up, tx, ty, tz, ga, gb, n_sub, min_step_rad,
                                                 moon_radius_m, r0_m, relief_m, relief_length_m, relief_exponent,
                                                 min_distance_m, best_y, best_x)
        if best_y == start_y and best_x == start_x:
            res[a] = max(floor_deg, -90.0)
        elif best_x > 0.0:
            res[a] = math.degrees(math.atan2(best_y, best_x))
    return res
