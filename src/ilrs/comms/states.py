"""Relay positions over a UTC time grid, Moon-centred ICRF axes, metres.

Ephemeris, Moon orientation and sites come from :mod:`ilrs.environment` (DE421 and the lunar
PA/ME kernels). Keplerian relays (osculating elements at the grid's first instant in the relay's
element frame, see :mod:`ilrs.comms.relays`) are propagated

* ``numerical``: DOP853 with the GRGM1200A field to ``gravity_degree`` (evaluated in the Moon
  ME frame — the ME/PA offset is ~0.02 deg, immaterial at these degrees) plus Earth and Sun, all
  relays in one batch, with each relay's station-keeping manoeuvres (:mod:`ilrs.comms.keeping`)
  unless switched off; a relay that reaches the surface stops the analysis with a
  :class:`~ilrs.errors.ComputationError` (never analysed inside the Moon); or
* ``j2``: analytic mean elements (:func:`ilrs.comms.orbits.secular_propagate`): the two-body
  ellipse of orbit-averaged elements driven by J2 about the lunar spin axis (ME z axis, sampled
  daily: it precesses over 18.6 years) and, with ``third_bodies``, the doubly averaged Earth
  (pole of the Moon's orbit, sampled daily) and Sun (ecliptic pole) quadrupoles: node regression
  and the Kozai libration that keeps a frozen orbit frozen. No short-period terms, so its
  half-month perilune swing is absent (the perilune is as if station-kept).

Queqiao-1 (``earth-moon-l2``) is placed geometrically: the collinear point L2 of the circular
restricted three-body problem for the instantaneous Earth-Moon distance (gamma from the quintic
of Szebehely, *Theory of Orbits*, 1967, sec. 4.5) plus a circle of ``halo_radius`` in the plane
normal to the Earth-Moon line — a geometric stand-in for the halo, not its dynamics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ilrs.comms.gravity import GravityField
from ilrs.comms.orbits import KeplerElements, elements_to_state, secular_propagate
from ilrs.comms.propagation import (GM_EARTH_M3_S2, GM_SUN_M3_S2, ForceModel, SurfaceImpact, TabulatedEphemeris,
                                    propagate)
from ilrs.comms.relays import ELEMENT_FRAMES, Relay
from ilrs.constants import AU_M, MOON_RADIUS_M, NS_PER_S, SECONDS_PER_DAY, SECONDS_PER_HOUR
from ilrs.errors import ComputationError, InputError
from ilrs.timeutil import iso_utc, seconds_since

EPHEMERIS_STEP_S = SECONDS_PER_HOUR
MOON_ORBIT_SEMI_MAJOR_AXIS_M = 384_400e3
"""Mean Earth-Moon distance (IAU/NASA lunar fact sheet), for the averaged Earth quadrupole."""
MOON_ORBIT_ECCENTRICITY = 0.0549
EARTH_ORBIT_ECCENTRICITY = 0.0167
OBLIQUITY_J2000_RAD = np.radians(84381.406 / 3600.0)
"""Obliquity of the ecliptic at J2000 (IAU 2006), for the ecliptic pole in ICRF axes."""


def _env():
    import ilrs.environment as env  # lazy: the environment layer pulls skyfield and kernels

    return env


def ephemeris_table(start_utc, duration_s: float, step_s: float = EPHEMERIS_STEP_S) -> TabulatedEphemeris:
    """Earth, Sun (Moon-centred ICRF) and ICRF -> ME rotation every ``step_s`` over
    [start, start + duration], padded by two samples on each side for the splines."""
    env = _env()
    t0 = env.utc_array(start_utc)[0]
    n = int(np.ceil(duration_s / step_s)) + 3
    t_s = np.arange(-2, n) * step_s
    times = t0 + (t_s * 1e9).astype("timedelta64[ns]")
    sun, earth = env.sun_earth_positions_m(times)
    return TabulatedEphemeris(t0, t_s, earth, sun, env.icrf_to_moon_me(times))


def l2_gamma(mass_ratio: float) -> float:
    """Distance of L2 beyond the Moon in units of the Earth-Moon distance: the root of
    g^5 + (3 - mu) g^4 + (3 - 2 mu) g^3 - mu g^2 - 2 mu g - mu = 0 (Szebehely 1967)."""
    mu = mass_ratio
    roots = np.roots([1.0, 3.0 - mu, 3.0 - 2.0 * mu, -mu, -2.0 * mu, -mu])
    real = roots[np.abs(roots.imag) < 1e-12].real
    return float(real[real > 0][0])


def l2_relay_positions(relay: Relay, times_utc: np.ndarray, earth_m: np.ndarray | None = None) -> np.ndarray:
    """Geometric Earth-Moon L2 "halo" positions (T, 3), Moon-centred ICRF, metres."""
    env = _env()
    times = env.utc_array(times_utc)
    from ilrs.constants import GM_MOON_M3_S2

    mu = GM_MOON_M3_S2 / (GM_MOON_M3_S2 + GM_EARTH_M3_S2)
    gamma = l2_gamma(mu)
    earth = env.earth_position_m(times) if earth_m is None else earth_m
    # orbit normal of the Earth around the Moon from a centred difference
    dt = np.timedelta64(600, "s")
    ev = env.earth_position_m(times + dt) - env.earth_position_m(times - dt)
    x = -earth / np.linalg.norm(earth, axis=1)[:, None]  # Moon -> L2 direction
    z = np.cross(earth, ev)
    z /= np.linalg.norm(z, axis=1)[:, None]
    y = np.cross(z, x)
    d = np.linalg.norm(earth, axis=1)[:, None]
    phase = 2 * np.pi * seconds_since(relay.in_service_from, times) / relay.halo_period_s
    return gamma * d * x + relay.halo_radius_m * (np.cos(phase)[:, None] * y + np.sin(phase)[:, None] * z)


def earth_moon_plane_to_icrf(times_utc) -> np.ndarray:
    """Rotation (T, 3, 3), v_icrf = R @ v_plane, of the frame whose z axis is the pole of the Moon's
    orbit about the Earth (instantaneous, from the ephemeris) and whose x axis points from the
    Moon to the Earth at that instant."""
    env = _env()
    times = env.utc_array(times_utc)
    dt = np.timedelta64(600, "s")
    e = env.earth_position_m(times)
    ev = env.earth_position_m(times + dt) - env.earth_position_m(times - dt)
    z = np.cross(e, ev)  # (-e) x (-de): the Moon's angular momentum about the Earth
    z /= np.linalg.norm(z, axis=1)[:, None]
    x = e - np.sum(e * z, axis=1)[:, None] * z
    x /= np.linalg.norm(x, axis=1)[:, None]
    y = np.cross(z, x)
    return np.stack([x, y, z], axis=-1)


def element_frame_to_icrf(frame: str, t0) -> np.ndarray:
    """Rotation (3, 3) from a relay's element frame at ``t0`` to ICRF axes."""
    env = _env()
    if frame == "earth-moon-plane":
        return earth_moon_plane_to_icrf(t0)[0]
    if frame == "moon-me":
        return env.moon_me_to_icrf(t0)[0]
    if frame == "icrf":
        return np.eye(3)
    raise InputError(f"unknown element frame {frame!r}", field="frame", allowed=list(ELEMENT_FRAMES))


def secular_poles(t0, duration_s: float = 0.0, step_s: float = SECONDS_PER_DAY) -> dict:
    """What the analytic mode needs from ``t0`` over ``duration_s``: sample times ``t_s`` (every
    ``step_s``, at least two), the lunar spin pole (ME z axis), the pole of the Moon's orbit about
    the Earth and the ecliptic pole (the Sun's apparent orbit about the Moon), ICRF unit vectors
    (K, 3), and the averaged quadrupole coefficients C = GM / (a^3 (1-e^2)^1.5) (s^-2) of Earth
    and Sun."""
    env = _env()
    t0 = env.utc_array(t0)[0]
    n = max(2, int(np.ceil(duration_s / step_s)) + 1)
    t_s = np.arange(n) * step_s
    times = t0 + (t_s * 1e9).astype("timedelta64[ns]")
    me_pole = env.moon_me_to_icrf(times)[:, :, 2]
    em_pole = earth_moon_plane_to_icrf(times)[:, :, 2]
    ecl = np.array([0.0, -np.sin(OBLIQUITY_J2000_RAD), np.cos(OBLIQUITY_J2000_RAD)])
    c_earth = GM_EARTH_M3_S2 / (MOON_ORBIT_SEMI_MAJOR_AXIS_M**3 * (1 - MOON_ORBIT_ECCENTRICITY**2) ** 1.5)
    c_sun = GM_SUN_M3_S2 / (AU_M**3 * (1 - EARTH_ORBIT_ECCENTRICITY**2) ** 1.5)
    return {"t_s": t_s, "equator": me_pole, "earth": (c_earth, em_pole), "sun": (c_sun, np.tile(ecl, (n, 1)))}


@dataclass(frozen=True)
class RelayStates:
    """Positions of N relays at T times: ``r_icrf_m`` (T, N, 3) Moon-centred ICRF; the same in the
    Moon ME frame ``r_me_m``; and the ephemeris used (Earth, rotations) at those times."""

    times_utc: np.ndarray
    relays: tuple[Relay, ...]
    r_icrf_m: np.ndarray
    r_me_m: np.ndarray
    earth_icrf_m: np.ndarray
    icrf_to_me: np.ndarray
    method: str
    v_icrf_m_s: np.ndarray | None = None  # (T, N, 3) for Keplerian relays (NaN for the others)
    manoeuvres: tuple[dict, ...] = ()      # station-keeping: relay, time (UTC), delta_v_m_s, perilune km
    perilunes: tuple[dict, ...] = ()       # perilune passages: relay, time (UTC), altitude_km
    kept: bool = True                      # station-keeping switched on for this computation

    def station_keeping(self) -> dict[str, dict]:
        """Per Keplerian relay: manoeuvre count, total |Δv| (m/s) over the grid and the range of
        perilune passage altitudes (numerical mode; the analytic mode holds the perilune and reports
        none). A yearly Δv needs a year: :func:`ilrs.comms.orbit_history`."""
        out = {}
        for r in self.relays:
            if r.kind != "keplerian":
                continue
            mine = [m for m in self.manoeuvres if m["relay"] == r.key]
            dv = float(sum(abs(m["delta_v_m_s"]) for m in mine))
            peri = [p["altitude_km"] for p in self.perilunes if p["relay"] == r.key]
            out[r.key] = {"modelled": self.method == "numerical" and r.station_keeping is not None and self.kept,
                          "manoeuvres": len(mine), "delta_v_m_s": dv,
                          "perilune_passes_km": [min(peri), max(peri)] if peri else None}
        return out

    def element_history(self) -> dict[str, dict[str, np.ndarray]]:
        """Osculating perilune altitude (km), eccentricity, inclination and argument of perilune
        (deg) of each Keplerian relay over the grid, in its element frame at the first instant."""
        from ilrs.comms.orbits import state_to_elements

        out = {}
        if self.v_icrf_m_s is None:
            return out
        for k, r in enumerate(self.relays):
            if r.kind != "keplerian":
                continue
            frame = element_frame_to_icrf(r.frame, self.times_utc[0])
            el = state_to_elements(self.r_icrf_m[:, k] @ frame, self.v_icrf_m_s[:, k] @ frame)
            a, e = np.asarray(el.semi_major_axis_m), np.asarray(el.eccentricity)
            out[r.key] = {"perilune_altitude_km": (a * (1 - e) - MOON_RADIUS_M) / 1e3, "eccentricity": e,
                          "inclination_deg": np.degrees(el.inclination_rad),
                          "arg_perilune_deg": np.degrees(el.arg_periapsis_rad)}
        return out


def relay_states(relays: list[Relay], times_utc, *, propagation: str = "numerical", gravity_degree: int = 8,
                 third_bodies: bool = True, station_keeping: bool = True, use_cache: bool = True) -> RelayStates:
    """Positions of ``relays`` on the UTC grid ``times_utc`` (see the module docstring). Numerical
    trajectories are cached on disk (:mod:`ilrs.comms._cache`). ``station_keeping`` False: every
    relay drifts freely (numerical mode); a relay reaching the surface raises ComputationError."""
    if propagation not in ("numerical", "j2"):
        raise InputError(f"unknown propagation {propagation!r}", field="relays.propagation",
                         allowed=["numerical", "j2"])
    env = _env()
    times = env.utc_array(times_utc)
    if times.size < 2:
        raise InputError("the time grid needs at least two instants", field="times")
    t0 = times[0]
    t_s = seconds_since(t0, times)
    earth = env.earth_position_m(times)
    rot = env.icrf_to_moon_me(times)
    out = np.empty((times.size, len(relays), 3))
    vel = np.full((times.size, len(relays), 3), np.nan)
    manoeuvres: list[dict] = []
    perilunes: list[dict] = []
    kep = [k for k, r in enumerate(relays) if r.kind == "keplerian"]
    if kep:
        el = KeplerElements.from_array(np.stack([relays[k].elements.as_array() for k in kep]))
        # frame of each relay's elements -> ICRF at t0, shape (K, 3, 3)
        to_icrf = np.stack([element_frame_to_icrf(relays[k].frame, t0) for k in kep])
        r0_el, v0_el = elements_to_state(el)
        r0 = np.einsum("nij,nj->ni", to_icrf, r0_el)
        v0 = np.einsum("nij,nj->ni", to_icrf, v0_el)
        if propagation == "j2":
            field = GravityField.grail(degree=2)
            poles = secular_poles(t0, float(t_s[-1]))
            third = (poles["earth"], poles["sun"]) if third_bodies else ()
            r_j, v_j = secular_propagate(r0, v0, t_s, j2=field.j2, j2_pole=poles["equator"], third=third,
                                         pole_t_s=poles["t_s"], body_radius_m=field.radius_m)
            out[:, kep] = r_j
            vel[:, kep] = v_j
        else:
            keeping = [relays[k].station_keeping if station_keeping else None for k in kep]
            import ilrs.comms._cache as _cache

            key = _cache.cache_key("states", {
                "r0": r0.tolist(), "v0": v0.tolist(), "t0": str(t0), "n": int(times.size),
                "t_last": float(t_s[-1]), "t_sum": float(t_s.sum()), "degree": gravity_degree,
                "third": third_bodies, "keeping": [k.as_dict() if k else None for k in keeping]}) if use_cache else None
            hit = _cache.load(key) if key else None
            if hit is not None and hit["r"].shape == (times.size, len(kep), 3) and "man" in hit:
                out[:, kep] = hit["r"]
                vel[:, kep] = hit["v"]
                man_rows, peri_rows = hit["man"], hit["peri"]
            else:
                eph = ephemeris_table(t0, t_s[-1])
                force = ForceModel(GravityField.grail(degree=gravity_degree), eph, earth=third_bodies,
                                   sun=third_bodies)
                try:
                    traj = propagate(r0, v0, t_s, force, rtol=1e-10, atol_m=1e-3, keeping=keeping,
                                     surface_radius_m=MOON_RADIUS_M)
                except SurfaceImpact as hit_surface:
                    raise impact_error(relays[kep[hit_surface.index]], t0, hit_surface.t_s, station_keeping) from None
                out[:, kep] = traj.r_m
                vel[:, kep] = traj.v_m_s
                man_rows = np.array([[m.index, m.t_s, m.delta_v_m_s, m.perilune_before_m, m.perilune_after_m]
                                     for m in traj.manoeuvres]).reshape(-1, 5)
                peri_rows = np.array(traj.perilunes, float).reshape(-1, 3)
                if key:
                    _cache.save(key, {"r": traj.r_m, "v": traj.v_m_s, "man": man_rows, "peri": peri_rows})
            for row in man_rows:
                manoeuvres.append({"relay": relays[kep[int(row[0])]].key, "time_utc": _utc_at(t0, row[1]),
                                   "delta_v_m_s": float(row[2]), "perilune_before_km": float(row[3]) / 1e3,
                                   "perilune_after_km": float(row[4]) / 1e3})
            for row in peri_rows:
                perilunes.append({"relay": relays[kep[int(row[1])]].key, "time_utc": _utc_at(t0, row[0]),
                                  "altitude_km": float(row[2]) / 1e3})
    for k, r in enumerate(relays):
        if r.kind == "earth-moon-l2":
            out[:, k] = l2_relay_positions(r, times, earth)
    r_me = np.einsum("tij,tnj->tni", rot, out)
    return RelayStates(times, tuple(relays), out, r_me, earth, rot, propagation, vel, tuple(manoeuvres),
                       tuple(perilunes), station_keeping)


def _utc_at(t0, t_s: float) -> str:
    return iso_utc(np.datetime64(t0, "ns") + np.timedelta64(int(round(t_s * NS_PER_S)), "ns"))


def impact_error(relay: Relay, t0, t_s: float, station_keeping: bool) -> ComputationError:
    """The one-line error for a relay whose propagated orbit reaches the lunar surface."""
    if relay.station_keeping is not None and station_keeping:
        hint = "its station-keeping band could not hold the perilune; widen it or change the elements"
    elif relay.station_keeping is not None:
        hint = "it drifts freely (station-keeping off); turn station-keeping on (relays.station_keeping)"
    else:
        hint = "it has no station-keeping; give it a station_keeping block or change its elements"
    return ComputationError(f"relay {relay.key}: the propagated orbit reaches the lunar surface on "
                            f"{_utc_at(t0, t_s)} ({t_s / SECONDS_PER_DAY:.1f} days after the start) — {hint}")
