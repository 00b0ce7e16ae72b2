"""Access geometry, vectorized over surface points x satellites x times, and window statistics.

A target (relay, Earth) is visible from a surface point when its elevation exceeds both the
minimum elevation and the point's horizon mask at the target's azimuth. Elevation and azimuth come
from the local east/north/up basis; the inner products for all points are matrix products
(targets (T*N, 3) @ basis (3, S)), so one pass over a time chunk serves every point and satellite.
Earth stations see a relay when it is above their minimum elevation and the Moon does not block
the line (segment-sphere test against the 1737.4 km sphere).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ilrs._compiled import use_compiled
from ilrs.constants import MOON_RADIUS_M, SECONDS_PER_HOUR
from ilrs.errors import InputError
from ilrs.timeutil import runs_of

MASK_BINS = 360


@dataclass(frozen=True)
class SurfacePoints:
    """S points on the Moon (ME frame): positions (S, 3), east/north/up unit vectors (S, 3) each,
    and an optional horizon mask table ``mask_deg`` (S, A) on A uniform azimuth bins (0, 360/A, …)."""

    lat_deg: np.ndarray
    lon_deg: np.ndarray
    position_me_m: np.ndarray
    east: np.ndarray
    north: np.ndarray
    up: np.ndarray
    mask_deg: np.ndarray | None = None
    names: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return self.position_me_m.shape[0]

    @classmethod
    def on_sphere(cls, lat_deg, lon_deg, height_m=0.0, mask_deg=None, names=()) -> "SurfacePoints":
        """Points on the 1737.4 km sphere (+ height); up = radial (spherical Moon)."""
        lat = np.radians(np.atleast_1d(np.asarray(lat_deg, float)))
        lon = np.radians(np.atleast_1d(np.asarray(lon_deg, float)))
        lat, lon = np.broadcast_arrays(lat, lon)
        up = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)
        east = np.stack([-np.sin(lon), np.cos(lon), np.zeros_like(lon)], axis=-1)
        north = np.cross(up, east)
        pos = up * (MOON_RADIUS_M + np.broadcast_to(np.asarray(height_m, float), lat.shape))[:, None]
        if mask_deg is not None:
            mask_deg = np.atleast_2d(np.asarray(mask_deg, float))
            if mask_deg.shape[0] == 1 and lat.size > 1:
                mask_deg = np.repeat(mask_deg, lat.size, axis=0)
        return cls(np.degrees(lat), np.degrees(lon), pos, east, north, up, mask_deg, tuple(names))

    @classmethod
    def from_site(cls, site, horizon=None) -> "SurfacePoints":
        """One environment :class:`~ilrs.environment.Site` (its ME position and ENU basis) with its
        :class:`~ilrs.environment.HorizonMask` resampled on 360 one-degree bins."""
        enu = np.asarray(site.enu_matrix, float)
        mask = None
        if horizon is not None:
            mask = np.asarray(horizon.elevation_at(np.arange(MASK_BINS) * 360.0 / MASK_BINS), float)[None, :]
        return cls(np.array([site.lat_deg]), np.array([site.lon_deg]), np.asarray(site.position_me_m, float)[None, :],
                   enu[0][None, :], enu[1][None, :], enu[2][None, :], mask, (site.name,))

    @classmethod
    def polar_grid(cls, lat_min_deg: float = -90.0, lat_max_deg: float = -80.0, spacing_km: float = 10.0,
                   mask_deg=None) -> "SurfacePoints":
        """A near-uniform grid over a polar cap: rings every ``spacing_km``, points every
        ``spacing_km`` along each ring."""
        if not -90.0 <= lat_min_deg < lat_max_deg <= 90.0:
            raise InputError(f"bad latitude range {lat_min_deg}..{lat_max_deg}", field="lat")
        dlat = np.degrees(spacing_km * 1e3 / MOON_RADIUS_M)
        lats, lons = [], []
        pole = -90.0 if lat_max_deg <= 0 else 90.0
        for lat in np.arange(lat_min_deg + dlat / 2, lat_max_deg, dlat):
            circ = 2 * np.pi * MOON_RADIUS_M * np.cos(np.radians(lat)) / 1e3
            n = max(1, int(round(circ / spacing_km)))
            lats.append(np.full(n, lat))
            lons.append(np.arange(n) * 360.0 / n)
        del pole
        return cls.on_sphere(np.concatenate(lats), np.concatenate(lons), mask_deg=mask_deg)


def elevation_azimuth_deg(points: SurfacePoints, targets_me_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Elevation and azimuth (deg) of targets (..., 3) (ME frame) from every point: shape (..., S)."""
    tg = np.asarray(targets_me_m, float)
    flat = tg.reshape(-1, 3)
    p = points.position_me_m
    # d = target - point; components along E, N, U as matrix products
    de = flat @ points.east.T - np.einsum("si,si->s", p, points.east)
    dn = flat @ points.north.T - np.einsum("si,si->s", p, points.north)
    du = flat @ points.up.T - np.einsum("si,si->s", p, points.up)
    el = np.degrees(np.arctan2(du, np.hypot(de, dn)))
    az = np.degrees(np.arctan2(de, dn)) % 360.0
    az[az >= 360.0] = 0.0  # -0.0 and -1e-15 wrap to 360.0
    shape = tg.shape[:-1] + (points.size,)
    return el.reshape(shape), az.reshape(shape)


def mask_elevation_deg(points: SurfacePoints, azimuth_deg: np.ndarray) -> np.ndarray | float:
    """Horizon elevation (deg) at ``azimuth_deg`` (..., S) for each point (linear, periodic)."""
    if points.mask_deg is None:
        return -90.0
    m = points.mask_deg
    a = m.shape[1]
    x = azimuth_deg * (a / 360.0)
    i0 = np.floor(x).astype(np.int64) % a
    w = x - np.floor(x)
    s = np.arange(points.size)
    flat = m.ravel()
    lo = flat[s * a + i0]
    hi = flat[s * a + (i0 + 1) % a]
    return lo + w * (hi - lo)


def visible(points: SurfacePoints, targets_me_m: np.ndarray, min_elevation_deg: float = 0.0) -> np.ndarray:
    """Boolean (..., S): target above max(min elevation, horizon mask)."""
    el, az = elevation_azimuth_deg(points, targets_me_m)
    limit = np.maximum(mask_elevation_deg(points, az), min_elevation_deg)
    return el > limit


def _is_radial(points: SurfacePoints) -> bool:
    """True when every point's up vector is its radial direction (spherical Moon)."""
    p = points.position_me_m
    return bool(np.allclose(p / np.linalg.norm(p, axis=1)[:, None], points.up, atol=1e-12))


def visible_radial(points: SurfacePoints, targets_me_m: np.ndarray, min_elevation_deg: float = 0.0) -> np.ndarray:
    """:func:`visible` for points whose up vector is radial (p = rho u), in fewer operations.

    With x = t.u one matrix product gives both the height above the local horizontal plane,
    x - rho, and the distance, |d|^2 = |t|^2 - 2 rho x + rho^2. Targets clearly above
    max(mask, min elevation) or clearly below min elevation are decided from sin(el) alone;
    only those in between get an azimuth and a mask lookup. Float32 inside (metre-level
    precision: ~1e-7 in sin(el)).
    """
    tg = np.asarray(targets_me_m)
    flat = tg.reshape(-1, 3)
    up = points.up.astype(np.float32)
    rho = np.linalg.norm(points.position_me_m, axis=1).astype(np.float32)
    x = flat.astype(np.float32) @ up.T                       # (M, S)
    t2 = np.einsum("mi,mi->m", flat, flat).astype(np.float32)[:, None]
    h = x - rho
    d2 = t2 - 2.0 * rho * x + rho * rho
    lo = np.float32(np.sin(np.radians(min_elevation_deg)))
    if points.mask_deg is None:
        out = (h > 0) & (h * h > lo * lo * d2) if lo >= 0 else h > lo * np.sqrt(d2)
        return out.reshape(tg.shape[:-1] + (points.size,))
    hi_el = np.maximum(points.mask_deg.max(axis=1), min_elevation_deg)
    hi = np.sin(np.radians(hi_el)).astype(np.float32)
    hd = np.sqrt(np.maximum(d2, 0.0))
    sure = h > hi * hd
    maybe = (~sure) & (h > lo * hd)
    m_idx, s_idx = np.nonzero(maybe)
    if m_idx.size:
        tgt = flat[m_idx]
        d = tgt - points.position_me_m[s_idx]
        de = np.einsum("ki,ki->k", d, points.east[s_idx])
        dn = np.einsum("ki,ki->k", d, points.north[s_idx])
        du = np.einsum("ki,ki->k", d, points.up[s_idx])
        el = np.degrees(np.arctan2(du, np.hypot(de, dn)))
        az = np.degrees(np.arctan2(de, dn)) % 360.0
        a = points.mask_deg.shape[1]
        xa = az * (a / 360.0)
        i0 = np.floor(xa).astype(np.int64) % a
        w = xa - np.floor(xa)
        flat_mask = points.mask_deg.ravel()
        lo_mask = flat_mask[s_idx * a + i0]
        lim = lo_mask + w * (flat_mask[s_idx * a + (i0 + 1) % a] - lo_mask)  # as mask_elevation_deg
        sure[m_idx, s_idx] = el > np.maximum(lim, min_elevation_deg)
    return sure.reshape(tg.shape[:-1] + (points.size,))


def segment_clear_of_moon(a_m: np.ndarray, b_m: np.ndarray, radius_m: float = MOON_RADIUS_M) -> np.ndarray:
    """True where the segment a->b (Moon-centred, (..., 3)) stays outside the sphere."""
    d = b_m - a_m
    s = np.clip(-np.sum(a_m * d, -1) / np.sum(d * d, -1), 0.0, 1.0)
    closest = a_m + s[..., None] * d
    return np.linalg.norm(closest, axis=-1) > radius_m


# -- windows and gaps ----------------------------------------------------------------------------

def windows(mask: np.ndarray) -> np.ndarray:
    """Index pairs [start, stop) of the runs of True in a 1-D boolean array, shape (W, 2)."""
    return np.stack(runs_of(mask), axis=1)


def gap_statistics(mask: np.ndarray, step_s: float) -> dict:
    """Availability, window count and gaps (hours) of a 1-D boolean timeline sampled every ``step_s``.
    Gaps are the runs of False, those cut by the start or end of the period included."""
    m = np.asarray(mask, bool)
    w = windows(m)
    g = windows(~m)
    gap_h = (g[:, 1] - g[:, 0]) * step_s / SECONDS_PER_HOUR if len(g) else np.zeros(0)
    return {"availability": float(m.mean()) if m.size else 0.0, "n_windows": int(len(w)),
            "max_gap_hours": float(gap_h.max()) if gap_h.size else 0.0,
            "mean_gap_hours": float(gap_h.mean()) if gap_h.size else 0.0}


class GapAccumulator:
    """Availability, window count and gap statistics per column of boolean (T, S) chunks fed in
    time order (running state carried across chunks; memory O(S))."""

    def __init__(self, size: int):
        self.n = 0
        self.count = np.zeros(size, np.int64)
        self.prev = np.zeros(size, bool)
        self.run = np.zeros(size, np.int64)  # current run of False
        self.max_gap = np.zeros(size, np.int64)
        self.n_gaps = np.zeros(size, np.int64)
        self.n_windows = np.zeros(size, np.int64)

    def add(self, chunk: np.ndarray) -> None:
        v = np.asarray(chunk, bool)
        tc = v.shape[0]
        first_w = self.prev if self.n else np.zeros(v.shape[1], bool)   # before the start: no window
        first_g = self.prev if self.n else np.ones(v.shape[1], bool)    # … and no gap
        self.n_windows += np.sum(v & ~np.vstack([first_w[None, :], v[:-1]]), axis=0)
        self.n_gaps += np.sum(~v & np.vstack([first_g[None, :], v[:-1]]), axis=0)
        self.count += v.sum(axis=0)
        # running length of False runs: t - (last True index), with the carried run
        idx = np.arange(1, tc + 1)[:, None]
        last_true = np.maximum.accumulate(np.where(v, idx, 0), axis=0)
        run = np.where(last_true == 0, self.run[None, :] + idx, idx - last_true)
        run = np.where(v, 0, run)
        self.max_gap = np.maximum(self.max_gap, run.max(axis=0))
        self.run = run[-1]
        self.prev = v[-1]
        self.n += tc

    def result(self, step_s: float) -> dict:
        gaps = self.n - self.count
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_gap = np.where(self.n_gaps > 0, gaps / np.maximum(self.n_gaps, 1), 0.0)
        return {"availability": self.count / max(self.n, 1), "n_windows": self.n_windows,
                "max_gap_hours": self.max_gap * step_s / SECONDS_PER_HOUR,
                "mean_gap_hours": mean_gap * step_s / SECONDS_PER_HOUR}


def sky_bounds(points: SurfacePoints, targets_me_m: np.ndarray, min_elevation_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Per target (..., 3): visible from *every* point / from *no* point, decided from bounds that
    hold for the whole set (radial up vectors within an angle alpha of their mean, radii in
    [rho_min, rho_max]). With theta the target's angle from the mean up and T = |t|:
    t.u in [T cos(min(theta + alpha, pi)), T cos(max(theta - alpha, 0))], |t - p| in
    [T - rho_max, T + rho_max] (triangle inequality), so sin(el) = (t.u - rho)/|t - p| is bounded.
    Exact: targets near the threshold are left to the per-point test."""
    p = points.position_me_m
    rho = np.linalg.norm(p, axis=1)
    u0 = points.up.mean(axis=0)
    u0 /= np.linalg.norm(u0)
    alpha = float(np.arccos(np.clip(points.up @ u0, -1, 1)).max()) + 1e-9
    t = np.asarray(targets_me_m, float)
    tn = np.linalg.norm(t, axis=-1)
    theta = np.arccos(np.clip((t @ u0) / tn, -1, 1))
    x_lo = tn * np.cos(np.minimum(theta + alpha, np.pi))
    x_hi = tn * np.cos(np.maximum(theta - alpha, 0.0))
    h_lo, h_hi = x_lo - rho.max(), x_hi - rho.min()
    d_max = tn + rho.max()
    d_min = np.maximum(tn - rho.max(), 1.0)
    s_lo = np.where(h_lo > 0, h_lo / d_max, h_lo / d_min)
    s_hi = np.where(h_hi > 0, h_hi / d_min, h_hi / d_max)
    top = max(float(points.mask_deg.max()) if points.mask_deg is not None else -90.0, min_elevation_deg)
    all_vis = s_lo > np.sin(np.radians(top)) + 1e-9
    none_vis = s_hi < np.sin(np.radians(min_elevation_deg)) - 1e-9
    return all_vis, none_vis


def coverage(points: SurfacePoints, targets_me_m: np.ndarray, step_s: float, min_elevation_deg: float = 0.0,
             target_usable: np.ndarray | None = None, chunk_elements: int = 5_000_000, progress=None,
             prune: bool = True) -> dict:
    """Coverage of every point by any of N targets over T times (targets (T, N, 3), ME frame):
    arrays (S,) of availability, n_windows, max_gap_hours, mean_gap_hours. ``target_usable``
    (T, N) boolean, if given, marks when each target is of use (e.g. the relay has an Earth link).

    Instants when some usable target is above every point's horizon (or every target below all
    of them) are settled by :func:`sky_bounds` without the per-point pass."""
    tg = np.asarray(targets_me_m, float)
    t_count, n_sat = tg.shape[:2]
    usable = np.ones((t_count, n_sat), bool) if target_usable is None else np.asarray(target_usable, bool)
    acc = GapAccumulator(points.size)
    step = max(1, chunk_elements // max(1, points.size))
    radial = _is_radial(points)
    all_vis, none_vis = sky_bounds(points, tg, min_elevation_deg) if radial and prune else (
        np.zeros((t_count, n_sat), bool), np.zeros((t_count, n_sat), bool))
    all_vis &= usable
    none_vis |= ~usable
    row_all = all_vis.any(axis=1)
    if use_compiled():
        return _coverage_compiled(points, tg, ~none_vis & ~row_all[:, None], row_all, step_s, min_elevation_deg,
                                  progress)
    for a in range(0, t_count, step):
        b = min(a + step, t_count)
        vis = np.zeros((b - a, points.size), bool)
        vis[row_all[a:b]] = True
        todo = ~none_vis[a:b] & ~row_all[a:b, None]  # (tc, N) pairs needing the per-point test
        ti, ni = np.nonzero(todo)
        if ti.size:
            sub = tg[a:b][ti, ni]
            v = visible_radial(points, sub, min_elevation_deg) if radial else visible(points, sub, min_elevation_deg)
            order = np.argsort(ti, kind="stable")
            ti_s, v_s = ti[order], v[order]
            starts = np.flatnonzero(np.r_[True, ti_s[1:] != ti_s[:-1]])
            vis[ti_s[starts]] |= np.logical_or.reduceat(v_s, starts, axis=0)
        acc.add(vis)
        if progress is not None:
            progress(b, t_count)
    return acc.result(step_s)


def _kernel_arguments(points: SurfacePoints, min_elevation_deg: float) -> tuple:
    """Point arrays and elevation bounds in the layout of :mod:`ilrs.comms._kernels`."""
    has_mask = points.mask_deg is not None
    mask = np.ascontiguousarray(points.mask_deg, float) if has_mask else np.zeros((points.size, 1))
    top = np.maximum(mask.max(axis=1), min_elevation_deg) if has_mask else np.full(points.size, min_elevation_deg)
    return (np.ascontiguousarray(points.position_me_m, float), np.ascontiguousarray(points.east, float),
            np.ascontiguousarray(points.north, float), np.ascontiguousarray(points.up, float), mask, has_mask,
            float(min_elevation_deg), float(np.sin(np.radians(min_elevation_deg))), np.sin(np.radians(top)))


def visible_compiled(points: SurfacePoints, targets_me_m: np.ndarray, min_elevation_deg: float = 0.0) -> np.ndarray:
    """:func:`visible` by the compiled kernel (float64, same decisions up to rounding at the limit)."""
    from ilrs.comms._kernels import visible_matrix

    tg = np.asarray(targets_me_m, float)
    out = visible_matrix(np.ascontiguousarray(tg.reshape(-1, 3)), *_kernel_arguments(points, min_elevation_deg))
    return out.reshape(tg.shape[:-1] + (points.size,))


def _coverage_compiled(points: SurfacePoints, targets: np.ndarray, todo: np.ndarray, row_all: np.ndarray,
                       step_s: float, min_elevation_deg: float, progress) -> dict:
    """The coverage pass fused in :func:`ilrs.comms._kernels.coverage_counts`; the same dict as
    :meth:`GapAccumulator.result`."""
    from ilrs.comms._kernels import coverage_counts

    t_count = targets.shape[0]
    counts = coverage_counts(np.ascontiguousarray(targets), np.ascontiguousarray(todo), np.ascontiguousarray(row_all),
                             *_kernel_arguments(points, min_elevation_deg))
    count, n_windows, n_gaps, longest = counts.T
    mean_gap = np.where(n_gaps > 0, (t_count - count) / np.maximum(n_gaps, 1), 0.0)
    if progress is not None:
        progress(t_count, t_count)
    return {"availability": count / max(t_count, 1), "n_windows": np.ascontiguousarray(n_windows),
            "max_gap_hours": longest * step_s / SECONDS_PER_HOUR,
            "mean_gap_hours": mean_gap * step_s / SECONDS_PER_HOUR}
