"""Numerical propagation of many relay satellites at once around the Moon.

Frame: Moon-centred, ICRF axes ("lunar inertial"), SI units. Forces:

* the lunar field as a spherical-harmonic expansion (:class:`ilrs.comms.gravity.GravityField`),
  evaluated in the body-fixed frame given by a rotation ICRF -> body at each instant;
* Earth and Sun as third bodies, with the indirect term (Montenbruck & Gill, *Satellite Orbits*,
  2000, eq. 3.37): a = GM_b [(s - r)/|s - r|^3 - s/|s|^3].

Integration: scipy's DOP853 (Hairer, Norsett & Wanner 1993, an 8th-order embedded Runge-Kutta
with dense output), all satellites stacked in one state vector so that each right-hand-side call
evaluates the field for every satellite in one vectorized pass (batch propagation).

The ephemeris (Earth and Sun positions, Moon orientation) comes in as a :class:`TabulatedEphemeris`:
samples on a time grid, interpolated by cubic splines. With a 1-hour grid the interpolation error
of the Earth position is ~(5/384) h^4 w^4 |r| ~ 0.04 m (w = 2.66e-6 rad/s), far below the forces'
own uncertainty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from scipy.integrate import solve_ivp
from scipy.interpolate import CubicSpline

from ilrs._compiled import use_compiled
from ilrs.comms.gravity import GravityField
from ilrs.constants import MOON_RADIUS_M, SECONDS_PER_DAY
from ilrs.errors import ComputationError

GM_EARTH_M3_S2 = 398600.435436e9
"""GM of the Earth, DE430 (Folkner et al. 2014, IPN PR 42-196, table 8), m^3/s^2."""
GM_SUN_M3_S2 = 132712440041.939400e9
"""GM of the Sun, DE430 (Folkner et al. 2014, table 8), m^3/s^2."""


@dataclass(frozen=True)
class TabulatedEphemeris:
    """Moon-centred Earth and Sun positions (ICRF axes, m) and the rotation ICRF -> Moon body-fixed,
    sampled at ``t_s`` (seconds after ``epoch_utc``), interpolated by cubic splines.

    ``rotation_icrf_to_body`` has shape (T, 3, 3): v_body = R @ v_icrf.
    """

    epoch_utc: np.datetime64
    t_s: np.ndarray
    earth_m: np.ndarray
    sun_m: np.ndarray
    rotation_icrf_to_body: np.ndarray
    _spline: CubicSpline = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        t = np.asarray(self.t_s, float)
        if t.ndim != 1 or t.size < 4 or np.any(np.diff(t) <= 0):
            raise ComputationError("the ephemeris table needs at least 4 increasing sample times")
        table = np.concatenate([np.asarray(self.earth_m, float), np.asarray(self.sun_m, float),
                                np.asarray(self.rotation_icrf_to_body, float).reshape(t.size, 9)], axis=1)
        object.__setattr__(self, "_spline", CubicSpline(t, table, axis=0))

    def _eval(self, t_s) -> np.ndarray:
        t = np.asarray(t_s, float)
        lo, hi = self.t_s[0], self.t_s[-1]
        if np.any(t < lo - 1e-6) or np.any(t > hi + 1e-6):
            raise ComputationError(f"time {t.min() if t.ndim else t} .. {t.max() if t.ndim else t} s is outside "
                                   f"the tabulated ephemeris {lo} .. {hi} s")
        return self._spline(t)

    def earth(self, t_s) -> np.ndarray:
        return self._eval(t_s)[..., 0:3]

    def sun(self, t_s) -> np.ndarray:
        return self._eval(t_s)[..., 3:6]

    def rotation(self, t_s) -> np.ndarray:
        """ICRF -> body rotation at ``t_s``, re-orthonormalized (polar decomposition by SVD)."""
        m = self._eval(t_s)[..., 6:15].reshape(np.shape(t_s) + (3, 3))
        u, _, vt = np.linalg.svd(m)
        return u @ vt


@dataclass(frozen=True)
class ForceModel:
    """What pulls on a relay: the lunar field to ``gravity.degree``, optionally Earth and Sun.

    Without an ephemeris the body-fixed frame is taken equal to the inertial one and no third
    body acts (used for closed-form checks: two-body, J2).
    """

    gravity: GravityField
    ephemeris: TabulatedEphemeris | None = None
    earth: bool = True
    sun: bool = True

    def acceleration(self, t_s: float, r_m: np.ndarray) -> np.ndarray:
        """Acceleration (m/s^2) of satellites at inertial positions ``r_m`` (N, 3) at time ``t_s``."""
        eph = self.ephemeris
        if eph is None:
            return self.gravity.acceleration(r_m)
        row = eph._eval(t_s)
        R = row[6:15].reshape(3, 3)
        a = self.gravity.acceleration(r_m @ R.T) @ R
        if self.earth:
            a += third_body_acceleration(r_m, row[0:3], GM_EARTH_M3_S2)
        if self.sun:
            a += third_body_acceleration(r_m, row[3:6], GM_SUN_M3_S2)
        return a


def third_body_acceleration(r_m: np.ndarray, body_m: np.ndarray, gm_m3_s2: float) -> np.ndarray:
    """Perturbing acceleration of a third body at ``body_m`` on satellites at ``r_m`` (both
    Moon-centred): GM [(s - r)/|s - r|^3 - s/|s|^3] (Montenbruck & Gill 2000, eq. 3.37)."""
    d = body_m[None, :] - r_m
    dn = np.linalg.norm(d, axis=1)[:, None]
    sn = np.linalg.norm(body_m)
    return gm_m3_s2 * (d / dn**3 - body_m[None, :] / sn**3)


@dataclass(frozen=True)
class Trajectory:
    """States of N satellites at T times: ``r_m`` and ``v_m_s`` of shape (T, N, 3).

    With station-keeping or a surface check (:func:`propagate`), ``manoeuvres`` lists the impulsive
    manoeuvres (:class:`ilrs.comms.keeping.Manoeuvre`) and ``perilunes`` every perilune passage as
    (t_s, index, altitude_m above the mean sphere)."""

    t_s: np.ndarray
    r_m: np.ndarray
    v_m_s: np.ndarray
    n_rhs_calls: int = 0
    manoeuvres: tuple = ()
    perilunes: tuple = ()


class SurfaceImpact(ComputationError):
    """A satellite reached the lunar surface (its radius fell below the surface radius)."""

    def __init__(self, index: int, t_s: float, message: str | None = None):
        self.index = int(index)
        self.t_s = float(t_s)
        super().__init__(message or f"satellite {index} reaches the lunar surface "
                                    f"{t_s / SECONDS_PER_DAY:.2f} days after the start")


def propagate(r0_m, v0_m_s, t_s: Sequence[float] | np.ndarray, force: ForceModel, *,
              rtol: float = 1e-12, atol_m: float = 1e-6, max_step_s: float = np.inf,
              keeping: Sequence | None = None, surface_radius_m: float | None = None) -> Trajectory:
    """Integrate N satellites from (r0, v0) (shape (N, 3) or (3,)) at t_s[0] to every time in ``t_s``.

    Returns a :class:`Trajectory` sampled at ``t_s`` (strictly increasing). Tolerances are for the
    whole stacked state; the defaults keep a 10-day two-body run within centimetres of Kepler.

    ``surface_radius_m``: a satellite whose radius falls below it raises :class:`SurfaceImpact`
    (a solve_ivp terminal event, so a dip between output samples is caught too).
    ``keeping``: per satellite a :class:`ilrs.comms.keeping.StationKeeping` or None; kept
    satellites get apolune manoeuvres (see :mod:`ilrs.comms.keeping`).
    """
    r0 = np.atleast_2d(np.asarray(r0_m, float))
    v0 = np.atleast_2d(np.asarray(v0_m_s, float))
    if r0.shape != v0.shape or r0.shape[1] != 3:
        raise ComputationError(f"positions {r0.shape} and velocities {v0.shape} must both be (N, 3)")
    t = np.asarray(t_s, float)
    if t.ndim != 1 or t.size < 2 or np.any(np.diff(t) <= 0):
        raise ComputationError("propagation times must be at least two, strictly increasing")
    n = r0.shape[0]
    calls = [0]
    rhs = _compiled_rhs(force, calls) if use_compiled() else _numpy_rhs(force, n, calls)

    y0 = np.concatenate([r0, v0], axis=1).ravel()
    atol = np.tile(np.r_[np.full(3, atol_m), np.full(3, atol_m * 1e-3)], n)
    kept = list(keeping) if keeping is not None else [None] * n
    if len(kept) != n:
        raise ComputationError(f"{len(kept)} station-keeping entries for {n} satellites")
    if surface_radius_m is None and not any(k is not None for k in kept):
        sol = solve_ivp(rhs, (t[0], t[-1]), y0, method="DOP853", t_eval=t, rtol=rtol, atol=atol,
                        max_step=max_step_s)
        if not sol.success:
            raise ComputationError(f"orbit propagation failed: {sol.message}")
        y = sol.y.T.reshape(t.size, n, 6)
        return Trajectory(t, y[:, :, :3], y[:, :, 3:], calls[0])
    return _propagate_with_events(rhs, y0, t, n, kept, surface_radius_m, rtol, atol, max_step_s, calls)


def _numpy_rhs(force: ForceModel, n: int, calls: list):
    """The reference right-hand side: ``force.acceleration`` on the (n, 6) stacked state."""
    def rhs(tt, y):
        calls[0] += 1
        s = y.reshape(n, 6)
        out = np.empty_like(s)
        out[:, :3] = s[:, 3:]
        out[:, 3:] = force.acceleration(tt, s[:, :3])
        return out.ravel()
    return rhs


def _compiled_rhs(force: ForceModel, calls: list):
    """The same right-hand side by :func:`ilrs.comms._kernels.relay_rhs` (one compiled call)."""
    from ilrs.comms._kernels import relay_rhs

    g, eph = force.gravity, force.ephemeris
    spline = eph._spline if eph is not None else None
    x = np.ascontiguousarray(spline.x if spline is not None else np.zeros(2))
    c = np.ascontiguousarray(spline.c if spline is not None else np.zeros((4, 1, 15)))
    args = (x, c, eph is not None, np.ascontiguousarray(g.C), np.ascontiguousarray(g.S), g.gm_m3_s2, g.radius_m,
            g.degree, GM_EARTH_M3_S2 if force.earth else 0.0, GM_SUN_M3_S2 if force.sun else 0.0)

    def rhs(tt, y):
        calls[0] += 1
        return relay_rhs(float(tt), y, *args)
    return rhs


def _radial_rate(k: int):
    def g(_t, y):
        s = y[6 * k: 6 * k + 6]
        return s[0] * s[3] + s[1] * s[4] + s[2] * s[5]
    return g


def _events(n: int, kept, surface_radius_m, guard: np.ndarray) -> tuple[list, list]:
    """solve_ivp event functions and their (kind, satellite) labels: surface impacts (terminal),
    apolunes of kept satellites (terminal; none before ``guard[k]``, read when evaluated) and
    perilune passages of every satellite (recorded)."""
    events, kinds = [], []
    if surface_radius_m is not None:
        for k in range(n):
            def impact(_t, y, k=k):
                return float(np.linalg.norm(y[6 * k: 6 * k + 3])) - surface_radius_m
            impact.terminal, impact.direction = True, -1
            events.append(impact)
            kinds.append(("impact", k))
    for k in range(n):
        if kept[k] is None:
            continue
        rv = _radial_rate(k)

        def apolune(tt, y, k=k, rv=rv):
            return rv(tt, y) if tt > guard[k] else -1.0
        apolune.terminal, apolune.direction = True, -1
        events.append(apolune)
        kinds.append(("apolune", k))
    for k in range(n):
        peri = _radial_rate(k)
        peri.terminal, peri.direction = False, 1
        events.append(peri)
        kinds.append(("perilune", k))
    return events, kinds


def _predicted_perilune_m(state: np.ndarray, passages: list[float], mu: float) -> float:
    """Altitude of the next perilune, predicted at an apolune from the last passages (one orbit
    apart): quadratic extrapolation through three (the half-month swing curves), else linear, else
    the last one, else the osculating ellipse's."""
    h = passages
    if len(h) >= 3:
        return 3.0 * h[-1] - 3.0 * h[-2] + h[-3]
    if len(h) == 2:
        return 2.0 * h[-1] - h[-2]
    if h:
        return h[-1]
    a = 1.0 / (2.0 / np.linalg.norm(state[:3]) - state[3:] @ state[3:] / mu)
    return 2.0 * a - np.linalg.norm(state[:3]) - MOON_RADIUS_M


def _propagate_with_events(rhs, y0, t, n, kept, surface_radius_m, rtol, atol, max_step_s, calls) -> Trajectory:
    """Segment-wise integration: terminal events at surface impact and at the apolunes of kept
    satellites (a manoeuvre may follow), perilune passages of every satellite recorded."""
    from ilrs.comms.keeping import Manoeuvre, apsis_velocity_change
    from ilrs.constants import GM_MOON_M3_S2

    guard = np.full(n, -np.inf)  # no apolune stop before this time (just after the previous one)
    events, kinds = _events(n, kept, surface_radius_m, guard)
    out = np.empty((t.size, n * 6))
    idx = 0
    t_cur, y = float(t[0]), np.array(y0, float)
    history: list[list[float]] = [[] for _ in range(n)]
    perilunes, manoeuvres = [], []
    # the start may sit on an apolune (mean anomaly 180 deg): no stop there
    for k in range(n):
        if kept[k] is not None:
            guard[k] = t_cur + 0.25 * _period_s(y[6 * k: 6 * k + 6], GM_MOON_M3_S2)
    while True:
        sol = solve_ivp(rhs, (t_cur, t[-1]), y, method="DOP853", t_eval=t[idx:], rtol=rtol, atol=atol,
                        max_step=max_step_s, events=events)
        if sol.status == -1:
            raise ComputationError(f"orbit propagation failed: {sol.message}")
        m = sol.t.size
        out[idx: idx + m] = sol.y.T
        idx += m
        stop = None
        for j, (kind, k) in enumerate(kinds):
            te = sol.t_events[j]
            if kind == "perilune":
                for tt, yy in zip(te, sol.y_events[j]):
                    alt = float(np.linalg.norm(yy[6 * k: 6 * k + 3])) - MOON_RADIUS_M
                    perilunes.append((float(tt), k, alt))
                    history[k].append(alt)
            elif sol.status == 1 and te.size and (stop is None or te[-1] < stop[0]):
                stop = (float(te[-1]), j, sol.y_events[j][-1])
        if sol.status != 1 or stop is None:
            break
        t_cur, j, y = stop[0], stop[1], np.array(stop[2], float)
        kind, k = kinds[j]
        if kind == "impact":
            raise SurfaceImpact(k, t_cur - t[0])
        # apolune of satellite k: correct the next perilune predicted from the last passages
        s = y[6 * k: 6 * k + 6]
        pred = _predicted_perilune_m(s, history[k], GM_MOON_M3_S2)
        change = kept[k].correction_m(pred)
        if change != 0.0:
            v_new, dv = apsis_velocity_change(s[:3], s[3:], change, GM_MOON_M3_S2, MOON_RADIUS_M)
            y[6 * k + 3: 6 * k + 6] = v_new
            manoeuvres.append(Manoeuvre(k, t_cur - t[0], dv, pred, pred + change))
            # the extrapolation must restart from passages after the manoeuvre
            history[k].clear()
        guard[k] = t_cur + 0.25 * _period_s(y[6 * k: 6 * k + 6], GM_MOON_M3_S2)
        if t_cur >= t[-1] or idx >= t.size:
            break
    if idx != t.size:
        raise ComputationError(f"orbit propagation stopped early ({idx} of {t.size} samples)")
    yy = out.reshape(t.size, n, 6)
    return Trajectory(t, yy[:, :, :3], yy[:, :, 3:], calls[0], tuple(manoeuvres), tuple(perilunes))


def _period_s(state: np.ndarray, mu: float) -> float:
    r = float(np.linalg.norm(state[:3]))
    inv_a = 2.0 / r - float(state[3:] @ state[3:]) / mu
    return float(2.0 * np.pi / np.sqrt(mu * inv_a**3)) if inv_a > 0 else SECONDS_PER_DAY
