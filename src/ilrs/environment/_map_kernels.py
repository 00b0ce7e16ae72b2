"""Compiled (numba) kernels of the whole-region horizon maps (:mod:`ilrs.environment.horizon_map`).

* :func:`sweep_horizons` — the horizon of every pixel of a region at a set of grid azimuths by a
  line sweep with an upper convex hull (Stewart 1998, "Fast horizon computation at all points of a
  terrain with visibility and shading applications", IEEE TVCG 4(1); the same construction as
  Cabral, Max & Springmeyer 1987's horizon tables). For one azimuth the DEM is cut into parallel
  lines, one per unit step of the minor grid axis; each line is sampled once per column (or row)
  it crosses, the height linear between the two pixels the line passes between. Walking a line
  from its far end back towards the region, the samples ahead of each observer are kept as the
  upper convex hull of (T, h − T²/2R) — T the ground distance along the line (map distance / k,
  the stereographic scale factor k = k₀(1 + ρ²/4R²k₀²), Snyder 1987 eq. 21-32): the Moon's
  curvature to second order, which keeps every slope comparison exact for the parabola and the
  hull x-monotone. The observer's tangent vertex is found by binary search; the elevation is then
  evaluated with the EXACT formula of :mod:`ilrs.environment.terrain`,
  ε = atan2(r₁ cos γ − r₀, r₁ sin γ), γ = ΔT/R, at that vertex and its two neighbours (the hull
  of the parabola and that of the exact curve differ by < 1e-3°: tests/test_horizon_map.py
  compares with the brute-force maximum over every sample, :func:`reference_horizons` of
  :mod:`horizon_map`). One azimuth per thread (``parallel=True``); every azimuth is independent,
  so the result does not depend on the number of threads.
* :func:`exposure_counts` — per pixel over a list of epochs: samples with some / the centre of a
  body's disk above the horizon, the sum of the visible disk fraction and the longest run without
  any of it (the definitions of :func:`ilrs.environment.illumination.span_statistics`).

The pixel an observer stands for: the line through its column (row) passes within half a pixel of
its centre along the minor axis; the observer stands on the line there, on the DEM's surface as
the line samples it (+ mast). Each pixel's horizon is thus exact for a point ≤ ½ pixel from its
centre. Selected by :func:`ilrs._compiled.use_compiled` like the other kernels.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

NODATA_CDEG = -32768


@nb.njit(cache=True, inline="always")
def _line_height(z, transposed, minor_pos, major, n_minor):
    """Height on the line at integer ``major`` and fractional ``minor_pos``; the edge pixel's up to
    half a pixel beyond the DEM's edge (the edge pixels' observers stand there), NaN further out."""
    if minor_pos < 0.0 or minor_pos > n_minor - 1:
        if minor_pos < -0.5 or minor_pos > n_minor - 0.5:
            return np.nan
        i = 0 if minor_pos < 0.0 else n_minor - 1
        return np.float64(z[major, i]) if transposed else np.float64(z[i, major])
    i = int(math.floor(minor_pos))
    f = minor_pos - i
    if f == 0.0:  # on a pixel row (column): that pixel alone (a no-data neighbour does not count)
        return np.float64(z[major, i]) if transposed else np.float64(z[i, major])
    if i == n_minor - 1:
        return np.nan
    if transposed:
        return (1.0 - f) * np.float64(z[major, i]) + f * np.float64(z[major, i + 1])
    return (1.0 - f) * np.float64(z[i, major]) + f * np.float64(z[i + 1, major])


@nb.njit(cache=True, inline="always")
def _tangent_vertex(stack, top, ht, hy, t_o, y_o):
    """Index in ``stack`` (0..top; top = leftmost) of the hull vertex of largest slope from (t_o, y_o)."""
    lo, hi = 0, top  # k = position from the left: vertex stack[top - k]
    while lo < hi:
        mid = (lo + hi) // 2
        a, b = stack[top - mid], stack[top - mid - 1]
        if (hy[a] - y_o) * (ht[b] - t_o) < (hy[b] - y_o) * (ht[a] - t_o):
            lo = mid + 1
        else:
            hi = mid
    return top - lo


@nb.njit(cache=True, inline="always")
def _first_on_dem(q, slope, n_minor, n_major, first, inc):
    """The sweep's first major index at which line q can be on the DEM (from ``first``, moving ``inc``)."""
    if slope == 0.0:
        return first if 0 <= q <= n_minor - 1 else first + inc * (n_major + 1)
    ma, mb = (-1.0 - q) / slope, (n_minor - q) / slope
    lo, hi = int(math.floor(min(ma, mb))) - 1, int(math.ceil(max(ma, mb))) + 1
    if inc < 0:
        return min(first, hi) if hi >= 0 else first + inc * (n_major + 1)
    return max(first, lo) if lo <= n_major - 1 else first + inc * (n_major + 1)


@nb.njit(cache=True)
def _sweep_azimuth(z, transposed, n_major, n_minor, a0, a1, b0, b1, slope, direction, step_m,
                   px, cx0, cy0, cx_major, cy_major, cx_minor, cy_minor, radius_m, k0, mast_m,
                   quantize, out, plane):
    """One azimuth: every line of the family crossing the region (see module docstring)."""
    corners = (b0 - slope * a0, b0 - slope * (a1 - 1), b1 - 1 - slope * a0, b1 - 1 - slope * (a1 - 1))
    q_lo = int(math.floor(min(corners))) - 1
    q_hi = int(math.ceil(max(corners))) + 1
    n = n_major + 2
    ht = np.empty(n)
    hy = np.empty(n)
    hh = np.empty(n)
    stack = np.empty(n, np.int64)
    two_r = 2.0 * radius_m
    four_rk = 4.0 * radius_m * radius_m * k0 * k0
    if direction > 0:
        first, last, inc = n_major - 1, a0 - 1, -1
    else:
        first, last, inc = 0, a1, 1
    for q in range(q_lo, q_hi + 1):
        top = -1
        t_ground = 0.0
        m = _first_on_dem(q, slope, n_minor, n_major, first, inc)
        if (last - m) * inc <= 0:
            continue
        count = 0
        while m != last:
            pos = q + slope * m
            if count > 0:  # ground length of the last step: map length / k at its midpoint
                mid_major = m - 0.5 * inc
                mid_minor = q + slope * mid_major
                xm = cx0 + cx_major * mid_major + cx_minor * mid_minor
                ym = cy0 + cy_major * mid_major + cy_minor * mid_minor
                t_ground -= step_m / (k0 * (1.0 + (xm * xm + ym * ym) / four_rk))
            count += 1
            h = _line_height(z, transposed, pos, m, n_minor)
            b = int(math.floor(pos + 0.5))
            observer = a0 <= m < a1 and b0 <= b < b1
            if observer:
                r_out, c_out = (b - b0, m - a0) if not transposed else (m - a0, b - b0)
                if math.isnan(h):
                    out[plane, r_out, c_out] = NODATA_CDEG if quantize else np.nan
            if math.isnan(h):
                m += inc
                continue
            y = h - t_ground * t_ground / two_r
            if observer and mast_m > 0.0:  # raised observer: its tangent by binary search on the hull
                k = _tangent_vertex(stack, top, ht, hy, t_ground, y + mast_m) if top >= 0 else -1
                e = _observer_elevation(stack, top, k, ht, hh, t_ground, h + mast_m, mast_m, radius_m, -1)
                out[plane, r_out, c_out] = math.floor(e * 100.0 + 0.5) if quantize else e
            popped = -1
            while top >= 1:  # insert the sample as the hull's new leftmost vertex
                p0, p1 = stack[top], stack[top - 1]
                if (hy[p0] - y) * (ht[p1] - t_ground) <= (hy[p1] - y) * (ht[p0] - t_ground):
                    popped = p0
                    top -= 1
                else:
                    break
            if observer and mast_m == 0.0:  # on the ground: its tangent is its neighbour on the hull
                e = _observer_elevation(stack, top, top, ht, hh, t_ground, h, 0.0, radius_m, popped)
                out[plane, r_out, c_out] = math.floor(e * 100.0 + 0.5) if quantize else e
            top += 1
            ht[count] = t_ground
            hy[count] = y
            hh[count] = h
            stack[top] = count
            m += inc


@nb.njit(cache=True, inline="always")
def _sin_cos(g):
    """sin and cos of g (rad); Taylor to g¹⁰ below 0.5 rad (error < 2e-11, i.e. < 4e-5 m at the
    Moon's radius), libm beyond."""
    if abs(g) > 0.5:
        return math.sin(g), math.cos(g)
    g2 = g * g
    return (g * (1.0 - g2 / 6.0 * (1.0 - g2 / 20.0 * (1.0 - g2 / 42.0 * (1.0 - g2 / 72.0)))),
            1.0 - g2 / 2.0 * (1.0 - g2 / 12.0 * (1.0 - g2 / 30.0 * (1.0 - g2 / 56.0 * (1.0 - g2 / 90.0)))))


@nb.njit(cache=True, inline="always")
def _observer_elevation(stack, top, k, ht, hh, t_o, h_o, mast_m, radius_m, extra):
    """Exact elevation (deg) of the highest of hull vertices k−1..k+1 (and sample ``extra``, the
    vertex next to k that the observer's own insertion removed) seen from an observer at height
    h_o, ground distance t_o: atan2(r₁ cos γ − r₀, r₁ sin γ), γ = (T − t_o)/R."""
    if top < 0:  # no terrain ahead (the DEM's edge): the smooth sphere through the ground stands in
        return -math.degrees(math.acos(min(1.0, (radius_m + h_o - mast_m) / (radius_m + h_o))))
    r0 = radius_m + h_o
    best_y, best_x = -1.0, 0.0
    for kk in range(max(k - 1, 0), min(k + 1, top) + 2):
        if kk <= top:
            p = stack[kk]
        elif extra >= 0:
            p = extra
        else:
            continue
        sg, cg = _sin_cos((ht[p] - t_o) / radius_m)
        r1 = radius_m + hh[p]
        y = r1 * cg - r0
        x = r1 * sg
        if best_x == 0.0 or y * best_x > best_y * x:
            best_y, best_x = y, x
    return math.degrees(math.atan2(best_y, best_x))


@nb.njit(cache=True, parallel=True)
def sweep_horizons(z, x0_m, y0_m, pixel_m, radius_m, k0, azimuth_rad, r0, r1, c0, c1, mast_m, quantize, out):
    """Horizon (deg, or centidegrees rounded when ``quantize``) of pixels z[r0:r1, c0:c1] at grid
    azimuths ``azimuth_rad`` (clockwise from grid north, +y) into ``out`` (n_az, r1-r0, c1-c0)."""
    nr, nc = z.shape
    for j in nb.prange(azimuth_rad.size):
        sa, ca = math.sin(azimuth_rad[j]), math.cos(azimuth_rad[j])
        dcol, drow = sa, -ca
        if abs(dcol) >= abs(drow):  # major axis: columns; minor: rows
            slope = drow / dcol
            _sweep_azimuth(z, False, nc, nr, c0, c1, r0, r1, slope, 1 if dcol > 0 else -1,
                           pixel_m * math.sqrt(1.0 + slope * slope), pixel_m, x0_m, y0_m,
                           pixel_m, 0.0, 0.0, -pixel_m, radius_m, k0, mast_m, quantize, out, j)
        else:  # major axis: rows; minor: columns (z read transposed)
            slope = dcol / drow
            _sweep_azimuth(z, True, nr, nc, r0, r1, c0, c1, slope, 1 if drow > 0 else -1,
                           pixel_m * math.sqrt(1.0 + slope * slope), pixel_m, x0_m, y0_m,
                           0.0, -pixel_m, pixel_m, 0.0, radius_m, k0, mast_m, quantize, out, j)


@nb.njit(cache=True, parallel=True)
def exposure_counts(horizon_cdeg, pos, el_deg, sc, rho_deg, du, want_fraction):
    """Per pixel of one tile, over epochs (time order): samples with some of the disk up (x > −1),
    with its centre up (x > 0), Σ visible disk fraction, and the longest run with none of it up.

    ``horizon_cdeg`` (rows, cols, n_az) int16 (each pixel's horizon contiguous); ``pos`` (n_t,): the
    body's grid azimuth in units of the azimuth step (linear interpolation between nodes);
    ``el_deg`` (n_t,): its elevation at the tile's reference point; ``sc`` (n_t, 3):
    degrees(unit vector)/cos(el) — the elevation at a pixel is el + sc·du (first order in the tilt
    ``du`` (rows, cols, 3) of the pixel's vertical from the reference's); ``rho_deg`` (n_t,): the
    disk's angular radius (0: a point). x = (ε − h)/ρ; the fraction is the circle-segment area of
    ``sky.visible_disk_fraction``.
    """
    nr, nc, n_az = horizon_cdeg.shape
    n_t = pos.size
    j0 = np.empty(n_t, np.int64)
    j1 = np.empty(n_t, np.int64)
    w = np.empty(n_t)
    for t in range(n_t):
        jf = math.floor(pos[t])
        w[t] = pos[t] - jf
        j0[t] = int(jf) % n_az
        j1[t] = (j0[t] + 1) % n_az
    any_up = np.zeros((nr, nc), np.int32)
    centre_up = np.zeros((nr, nc), np.int32)
    frac_sum = np.zeros((nr, nc))
    longest_none = np.zeros((nr, nc), np.int32)
    for r in nb.prange(nr):
        for c in range(nc):
            hz = horizon_cdeg[r, c]
            missing = False
            for k in range(n_az):
                missing |= hz[k] == NODATA_CDEG
            if missing:
                continue
            d0, d1, d2 = du[r, c, 0], du[r, c, 1], du[r, c, 2]
            n_any, n_centre, f_sum, run, longest = 0, 0, 0.0, 0, 0
            for t in range(n_t):
                h = ((1.0 - w[t]) * hz[j0[t]] + w[t] * hz[j1[t]]) * 0.01
                d = el_deg[t] + sc[t, 0] * d0 + sc[t, 1] * d1 + sc[t, 2] * d2 - h
                rho = rho_deg[t]
                if d > -rho:
                    n_any += 1
                    run = 0
                    if d > 0.0:
                        n_centre += 1
                    if want_fraction:
                        if d >= rho:
                            f_sum += 1.0
                        else:
                            x = d / rho
                            f_sum += 1.0 - (math.acos(x) - x * math.sqrt(1.0 - x * x)) / math.pi
                else:
                    run += 1
                    if run > longest:
                        longest = run
            any_up[r, c] = n_any
            centre_up[r, c] = n_centre
            frac_sum[r, c] = f_sum
            longest_none[r, c] = longest
    return any_up, centre_up, frac_sum, longest_none
