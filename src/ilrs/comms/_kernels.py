"""Compiled (numba) kernels of the comms layer; the NumPy functions they replace stay the reference.

* :func:`coverage_counts` — the coverage pass of :func:`ilrs.comms.access.coverage` fused into one
  loop over points x times x targets: visibility against max(mask, minimum elevation)
  and the gap statistics of :class:`ilrs.comms.access.GapAccumulator`, without (T, S) temporaries.
  Float64 throughout: sin(el) = du/|d| decides targets clearly above the highest limit or clearly
  below the lowest; the rest get the reference's exact elevation/azimuth (atan2) and mask lookup.
* :func:`relay_rhs` — the right-hand side of :func:`ilrs.comms.propagation.propagate`: the
  ephemeris spline row, the lunar field by the Cunningham recursion of V_nm, W_nm (Montenbruck &
  Gill, *Satellite Orbits*, 2000, eqs. 3.29-3.33) in the body frame, and Earth and Sun as third
  bodies (M&G eq. 3.37), for every satellite in one call.

Selected by :func:`ilrs._compiled.use_compiled` (``ILRS_KERNELS=numpy`` turns them off). Serial
on purpose: a numba ``parallel=True`` kernel costs ~1.6 s to load from its cache in every new
process (threading layer, gufunc wrappers; measured on this 2-core box), more than the whole
coverage pass of the reference run.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

SURE_MARGIN = 1e-12
"""Margin on sin(el) (dimensionless) inside which the exact atan2 path decides."""


@nb.njit(cache=True)
def _mask_at(mask, s, az_deg):
    """Periodic linear interpolation of row ``s`` of ``mask`` (S, A) on A uniform azimuth bins."""
    a = mask.shape[1]
    x = az_deg * (a / 360.0)
    fx = math.floor(x)
    i0 = int(fx) % a
    w = x - fx
    lo = mask[s, i0]
    return lo + w * (mask[s, (i0 + 1) % a] - lo)


@nb.njit(cache=True)
def _exact_visible(dx, dy, dz, du, s, east, north, mask, has_mask, min_el):
    """The reference's exact test for a target at d = (dx, dy, dz) from point ``s`` (du = d.up):
    elevation and azimuth by atan2, limit = max(mask at the azimuth, min_el)."""
    de = dx * east[s, 0] + dy * east[s, 1] + dz * east[s, 2]
    dn = dx * north[s, 0] + dy * north[s, 1] + dz * north[s, 2]
    el = math.degrees(math.atan2(du, math.hypot(de, dn)))
    limit = min_el
    if has_mask:
        az = math.degrees(math.atan2(de, dn)) % 360.0
        if az >= 360.0:
            az = 0.0
        limit = max(_mask_at(mask, s, az), min_el)
    return el > limit


@nb.njit(cache=True, inline="always")
def _visible_one(tx, ty, tz, s, pos, east, north, up, mask, has_mask, min_el, sin_lo, sin_hi):
    """Is the target at (tx, ty, tz) above max(mask, min_el) for point ``s``? (the reference
    :func:`visible`). sin(el) = du/|d| decides clear cases; the band between goes to the exact test."""
    dx = tx - pos[s, 0]
    dy = ty - pos[s, 1]
    dz = tz - pos[s, 2]
    du = dx * up[s, 0] + dy * up[s, 1] + dz * up[s, 2]
    dist = math.sqrt(dx * dx + dy * dy + dz * dz)
    if du <= (sin_lo - SURE_MARGIN) * dist:
        return False
    if du > (sin_hi[s] + SURE_MARGIN) * dist:
        return True
    return _exact_visible(dx, dy, dz, du, s, east, north, mask, has_mask, min_el)


@nb.njit(cache=True)
def coverage_counts(targets, todo, row_all, pos, east, north, up, mask, has_mask, min_el, sin_lo, sin_hi):
    """Per point: (visible count, windows, gaps, longest gap) in samples, over T times.

    ``targets`` (T, N, 3) ME frame; ``todo`` (T, N) bool: targets needing the per-point test;
    ``row_all`` (T,) bool: some usable target is above every point. Windows and gaps follow
    :class:`~ilrs.comms.access.GapAccumulator` (a window or a gap starting at t=0 counts)."""
    t_count, n_sat = todo.shape
    n_pts = pos.shape[0]
    out = np.zeros((n_pts, 4), np.int64)
    for s in range(n_pts):
        count = 0
        n_win = 0
        n_gap = 0
        run = 0
        longest = 0
        prev = False
        p0, p1, p2 = pos[s, 0], pos[s, 1], pos[s, 2]
        u0, u1, u2 = up[s, 0], up[s, 1], up[s, 2]
        lo = sin_lo - SURE_MARGIN
        hi = sin_hi[s] + SURE_MARGIN
        for t in range(t_count):
            v = row_all[t]
            if not v:
                for n in range(n_sat):
                    if not todo[t, n]:
                        continue
                    dx = targets[t, n, 0] - p0
                    dy = targets[t, n, 1] - p1
                    dz = targets[t, n, 2] - p2
                    du = dx * u0 + dy * u1 + dz * u2
                    dist = math.sqrt(dx * dx + dy * dy + dz * dz)
                    if du <= lo * dist:
                        continue
                    if du > hi * dist or _exact_visible(dx, dy, dz, du, s, east, north, mask, has_mask, min_el):
                        v = True
                        break
            if v:
                count += 1
                if t == 0 or not prev:
                    n_win += 1
                run = 0
            else:
                if t == 0 or prev:
                    n_gap += 1
                run += 1
                longest = max(longest, run)
            prev = v
        out[s, 0] = count
        out[s, 1] = n_win
        out[s, 2] = n_gap
        out[s, 3] = longest
    return out


@nb.njit(cache=True)
def visible_matrix(targets, pos, east, north, up, mask, has_mask, min_el, sin_lo, sin_hi):
    """Boolean (M, S): each of M targets (M, 3) against each point (the reference :func:`visible`)."""
    m_count = targets.shape[0]
    n_pts = pos.shape[0]
    out = np.zeros((m_count, n_pts), np.bool_)
    for s in range(n_pts):
        for m in range(m_count):
            out[m, s] = _visible_one(targets[m, 0], targets[m, 1], targets[m, 2], s, pos, east, north, up, mask,
                                     has_mask, min_el, sin_lo, sin_hi)
    return out


# -- propagation ------------------------------------------------------------------------------------

@nb.njit(cache=True)
def spline_row(x, c, t):
    """Value at ``t`` of a scipy PPoly/CubicSpline with breakpoints ``x`` (K,) and coefficients
    ``c`` (4, K-1, P): sum_k c[k, i] (t - x[i])^(3-k) on the interval i holding t."""
    i = np.searchsorted(x, t, side="right") - 1
    i = min(max(i, 0), x.size - 2)
    dt = t - x[i]
    out = np.empty(c.shape[2])
    for p in range(c.shape[2]):
        out[p] = ((c[0, i, p] * dt + c[1, i, p]) * dt + c[2, i, p]) * dt + c[3, i, p]
    return out


@nb.njit(cache=True)
def _cunningham(px, py, pz, radius, nmax, V, W):
    """V_nm, W_nm (M&G eqs. 3.29-3.31) for n, m <= nmax at body-fixed (px, py, pz), in place."""
    r2 = px * px + py * py + pz * pz
    x0 = radius * px / r2
    y0 = radius * py / r2
    z0 = radius * pz / r2
    rho = radius * radius / r2
    V[0, 0] = radius / math.sqrt(r2)
    W[0, 0] = 0.0
    for m in range(nmax + 1):
        if m > 0:
            f = 2.0 * m - 1.0
            V[m, m] = f * (x0 * V[m - 1, m - 1] - y0 * W[m - 1, m - 1])
            W[m, m] = f * (x0 * W[m - 1, m - 1] + y0 * V[m - 1, m - 1])
        if m + 1 <= nmax:
            f = 2.0 * m + 1.0
            V[m + 1, m] = f * z0 * V[m, m]
            W[m + 1, m] = f * z0 * W[m, m]
        for n in range(m + 2, nmax + 1):
            a1 = (2.0 * n - 1.0) / (n - m)
            a2 = (n + m - 1.0) / (n - m)
            V[n, m] = a1 * z0 * V[n - 1, m] - a2 * rho * V[n - 2, m]
            W[n, m] = a1 * z0 * W[n - 1, m] - a2 * rho * W[n - 2, m]


@nb.njit(cache=True)
def field_acceleration(px, py, pz, C, S, gm, radius, degree, V, W):
    """Body-fixed acceleration (m/s^2) of the field with unnormalized C, S to ``degree``
    (M&G eq. 3.33); V, W scratch arrays of at least (degree + 2, degree + 2)."""
    _cunningham(px, py, pz, radius, degree + 1, V, W)
    ax = 0.0
    ay = 0.0
    az = 0.0
    for n in range(degree + 1):
        c0 = C[n, 0]
        ax -= c0 * V[n + 1, 1]
        ay -= c0 * W[n + 1, 1]
        az -= (n + 1.0) * c0 * V[n + 1, 0]
        for m in range(1, n + 1):
            c = C[n, m]
            s = S[n, m]
            fac = (n - m + 2.0) * (n - m + 1.0)
            ax += 0.5 * ((-c * V[n + 1, m + 1] - s * W[n + 1, m + 1])
                         + fac * (c * V[n + 1, m - 1] + s * W[n + 1, m - 1]))
            ay += 0.5 * ((-c * W[n + 1, m + 1] + s * V[n + 1, m + 1])
                         + fac * (-c * W[n + 1, m - 1] + s * V[n + 1, m - 1]))
            az += (n - m + 1.0) * (-c * V[n + 1, m] - s * W[n + 1, m])
    k = gm / (radius * radius)
    return k * ax, k * ay, k * az


@nb.njit(cache=True)
def _third_body(r0, r1, r2, b0, b1, b2, gm):
    """GM [(b - r)/|b - r|^3 - b/|b|^3] (M&G eq. 3.37) for a satellite at r and a body at b."""
    d0, d1, d2 = b0 - r0, b1 - r1, b2 - r2
    dn3 = (d0 * d0 + d1 * d1 + d2 * d2) ** 1.5
    bn3 = (b0 * b0 + b1 * b1 + b2 * b2) ** 1.5
    return gm * (d0 / dn3 - b0 / bn3), gm * (d1 / dn3 - b1 / bn3), gm * (d2 / dn3 - b2 / bn3)


@nb.njit(cache=True)
def relay_rhs(t, y, x, c, has_eph, C, S, gm, radius, degree, gm_earth, gm_sun):
    """d/dt of the stacked state y (6N,): velocities and accelerations (inertial frame). With
    ``has_eph`` the rotation ICRF -> body and Earth/Sun positions come from the spline (x, c);
    ``gm_earth``/``gm_sun`` 0 switch a third body off."""
    n_sat = y.size // 6
    out = np.empty_like(y)
    V = np.empty((degree + 3, degree + 3))
    W = np.empty((degree + 3, degree + 3))
    row = np.zeros(15)
    row[6] = row[10] = row[14] = 1.0  # identity rotation, no third body
    if has_eph:
        row = spline_row(x, c, t)
    # row[6:15]: the rotation ICRF -> body, row-major: b = R r, a_inertial = R^T a_body
    for k in range(n_sat):
        r0, r1, r2 = y[6 * k], y[6 * k + 1], y[6 * k + 2]
        b0 = row[6] * r0 + row[7] * r1 + row[8] * r2
        b1 = row[9] * r0 + row[10] * r1 + row[11] * r2
        b2 = row[12] * r0 + row[13] * r1 + row[14] * r2
        gx, gy, gz = field_acceleration(b0, b1, b2, C, S, gm, radius, degree, V, W)
        a0 = row[6] * gx + row[9] * gy + row[12] * gz
        a1 = row[7] * gx + row[10] * gy + row[13] * gz
        a2 = row[8] * gx + row[11] * gy + row[14] * gz
        if has_eph and gm_earth != 0.0:
            e0, e1, e2 = _third_body(r0, r1, r2, row[0], row[1], row[2], gm_earth)
            a0, a1, a2 = a0 + e0, a1 + e1, a2 + e2
        if has_eph and gm_sun != 0.0:
            s0, s1, s2 = _third_body(r0, r1, r2, row[3], row[4], row[5], gm_sun)
            a0, a1, a2 = a0 + s0, a1 + s1, a2 + s2
        out[6 * k] = y[6 * k + 3]
        out[6 * k + 1] = y[6 * k + 4]
        out[6 * k + 2] = y[6 * k + 5]
        out[6 * k + 3] = a0
        out[6 * k + 4] = a1
        out[6 * k + 5] = a2
    return out


# -- analytic (orbit-averaged) mode ------------------------------------------------------------------

@nb.njit(cache=True)
def _cross3(a0, a1, a2, b0, b1, b2):
    return a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0


@nb.njit(cache=True)
def _unit_poles(x, c, t):
    """The P poles (P, 3) at ``t``: spline rows (coefficients ``c`` (P, 4, K-1, 3)), renormalized."""
    out = np.empty((c.shape[0], 3))
    for p in range(c.shape[0]):
        v = spline_row(x, c[p], t)
        norm = math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])
        for i in range(3):
            out[p, i] = v[i] / norm
    return out


@nb.njit(cache=True)
def secular_rhs(t, y, a, j2, radius, mu, x, pole_c, third_c):
    """d/dt of (j, e, M-correction) per orbit, y (7N,): the rates of
    :func:`ilrs.comms.orbits.secular_rates_vector` (Tremaine, Touma & Kazandjian 2009, eq. 3) with
    the spin axis pole 0 and the third bodies' orbit poles 1.. (strengths ``third_c``)."""
    poles = _unit_poles(x, pole_c, t)
    out = np.empty_like(y)
    s0, s1, s2 = poles[0, 0], poles[0, 1], poles[0, 2]
    for k in range(y.size // 7):
        j0, j1, jz, e0, e1, e2 = y[7 * k], y[7 * k + 1], y[7 * k + 2], y[7 * k + 3], y[7 * k + 4], y[7 * k + 5]
        n = math.sqrt(mu / a[k] ** 3)
        jn = math.sqrt(j0 * j0 + j1 * j1 + jz * jz)
        e2n = e0 * e0 + e1 * e1 + e2 * e2
        js = j0 * s0 + j1 * s1 + jz * s2
        kk = n * j2 * radius ** 2 / a[k] ** 2
        f = 1.5 * kk * js / jn ** 5
        c0, c1, c2 = _cross3(j0, j1, jz, s0, s1, s2)
        dj0, dj1, dj2 = f * c0, f * c1, f * c2
        x0, x1, x2 = _cross3(e0, e1, e2, j0, j1, jz)
        y0, y1, y2 = _cross3(e0, e1, e2, s0, s1, s2)
        g1 = 0.25 * kk * (3.0 / jn ** 5 - 15.0 * js ** 2 / jn ** 7)
        g2 = 0.25 * kk * (6.0 * js / jn ** 5)
        de0, de1, de2 = g1 * x0 + g2 * y0, g1 * x1 + g2 * y1, g1 * x2 + g2 * y2
        cos_i = js / jn
        dm = 0.75 * n * j2 * (radius / (a[k] * jn ** 2)) ** 2 * jn * (3.0 * cos_i ** 2 - 1.0)
        for b in range(third_c.size):
            p0, p1, p2 = poles[b + 1, 0], poles[b + 1, 1], poles[b + 1, 2]
            jnh = j0 * p0 + j1 * p1 + jz * p2
            enh = e0 * p0 + e1 * p1 + e2 * p2
            k3 = 3.0 * third_c[b] / (4.0 * n)
            u0, u1, u2 = _cross3(j0, j1, jz, p0, p1, p2)
            v0, v1, v2 = _cross3(e0, e1, e2, p0, p1, p2)
            w0, w1, w2 = _cross3(j0, j1, jz, e0, e1, e2)
            dj0 += k3 * (jnh * u0 - 5.0 * enh * v0)
            dj1 += k3 * (jnh * u1 - 5.0 * enh * v1)
            dj2 += k3 * (jnh * u2 - 5.0 * enh * v2)
            de0 += k3 * (2.0 * w0 - 5.0 * enh * u0 + jnh * v0)
            de1 += k3 * (2.0 * w1 - 5.0 * enh * u1 + jnh * v1)
            de2 += k3 * (2.0 * w2 - 5.0 * enh * u2 + jnh * v2)
            F = -1.0 + 6.0 * e2n + 3.0 * jnh ** 2 - 15.0 * enh ** 2
            G = 2.0 * jn ** 2 - jnh ** 2 - 5.0 * jn ** 2 * enh ** 2 / max(e2n, 1e-24)
            dm -= third_c[b] / (8.0 * n) * (4.0 * F + 6.0 * G)
        out[7 * k] = dj0
        out[7 * k + 1] = dj1
        out[7 * k + 2] = dj2
        out[7 * k + 3] = de0
        out[7 * k + 4] = de1
        out[7 * k + 5] = de2
        out[7 * k + 6] = dm
    return out
