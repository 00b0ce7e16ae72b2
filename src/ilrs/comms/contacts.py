"""Contact windows with root-found edges: site↔relay, relay↔Earth station, site↔station (DTE).

The grid analysis (:func:`ilrs.comms.analyze`) decides visibility at its instants, so its window
edges are quantized to the step (60 s by default, 1 h for the study's timeline). Here each link has
a continuous signed function g(t) — elevation minus the limit it must clear, in degrees — that is
positive exactly when the link is up; its sign changes are bracketed on the coarse grid and each
bracket is bisected (vectorized over all brackets at once) to ``tolerance_s`` (default 0.01 s), the
way skyfield's ``find_discrete`` and GMAT/STK contact locators work. A window shorter than a grid
step that starts and ends between two instants is not seen (the same limit as any bracketing search).

* site → relay: g = el − max(horizon(az), min elevation), the site's horizon on 1° azimuth bins
  (linear, as the grid analysis);
* relay → station: g = min(el_station − min elevation, Moon clearance), the clearance being the
  angle (deg, seen from the station) by which the line passes above the 1737.4 km sphere
  (the grid analysis's segment test, made continuous);
* site → station, direct to Earth: g = min(Earth's apparent elevation − max(horizon, DTE minimum),
  the Moon's elevation at the station − its minimum).

Between grid instants a relay's Moon-centred ICRF position comes from a cubic Hermite spline of
the propagated positions and velocities (Keplerian relays; error ~ h⁴|r⁽⁴⁾|/384), or exactly from
its geometric model (Earth-Moon L2). Frames, Earth and stations are evaluated exactly at every trial
instant; Earth stations and the Earth through cubic splines of their exact values on the grid.
Measured against skyfield's ``find_discrete`` on a two-body relay (300 × 8600 km, 2 days,
tests/test_contacts.py): site → relay edges within 0.003 s on a 60 s grid, 0.006 s on a 600 s
grid, but up to 5.8 s on a 3600 s grid (the relay spline, not the search); relay → Kashi edges
(skyfield WGS84 station, DE421 Moon) within 0.0024 s at 60 s, 0.009 s at 600 s. Bracket on grids
of at most :data:`MAX_GRID_STEP_S` for the ≤ 1 s bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ilrs.comms.access import SurfacePoints, elevation_azimuth_deg, mask_elevation_deg
from ilrs.comms.analysis import elevation_from_station_deg, station_geometry
from ilrs.comms.relays import GroundStation
from ilrs.comms.states import RelayStates, l2_relay_positions
from ilrs.constants import MOON_RADIUS_M, NS_PER_S
from ilrs.errors import InputError

LINKS = ("site-relay", "relay-station", "site-station")
DEFAULT_TOLERANCE_S = 0.01
MAX_GRID_STEP_S = 600.0
"""Coarsest grid whose relay spline keeps root-found edges within 1 s (measured: 0.006 s at 600 s)."""
GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0


@dataclass(frozen=True)
class Contact:
    """One window of one link: start/end (UTC, ns), whether the period cut it, the peak elevation
    (deg, at the receiving end: the site, or the station for relay↔station and DTE) and the range."""

    link: str
    source: str
    target: str
    start_utc: np.datetime64
    end_utc: np.datetime64
    starts_before_period: bool
    ends_after_period: bool
    max_elevation_deg: float
    max_elevation_utc: np.datetime64
    min_range_km: float
    max_range_km: float

    @property
    def duration_s(self) -> float:
        return float((self.end_utc - self.start_utc) / np.timedelta64(1, "ns")) / NS_PER_S

    def as_row(self) -> dict:
        """A CSV/JSON row: ``*_utc`` ISO strings with ``Z`` (millisecond precision), units as suffixes."""
        return {"link": self.link, "source": self.source, "target": self.target,
                "start_utc": _iso_ms(self.start_utc), "end_utc": _iso_ms(self.end_utc),
                "duration_s": round(self.duration_s, 3), "max_elevation_deg": round(self.max_elevation_deg, 4),
                "max_elevation_utc": _iso_ms(self.max_elevation_utc),
                "min_range_km": round(self.min_range_km, 3), "max_range_km": round(self.max_range_km, 3),
                "starts_before_period": self.starts_before_period, "ends_after_period": self.ends_after_period}


def _iso_ms(t: np.datetime64) -> str:
    return f"{np.datetime64(t, 'ms')}Z"


@dataclass(frozen=True)
class LinkFunction:
    """A link's signed margin g(t_s) (deg; > 0 while up) and its elevation and range at t_s, for
    t_s seconds after ``t0``: each callable maps an array of seconds to an array."""

    link: str
    source: str
    target: str
    margin_deg: Callable[[np.ndarray], np.ndarray]
    elevation_deg: Callable[[np.ndarray], np.ndarray]
    range_m: Callable[[np.ndarray], np.ndarray]


# -- root finding ---------------------------------------------------------------------------------

def bisect_sign_changes(f: Callable[[np.ndarray], np.ndarray], lo_s: np.ndarray, hi_s: np.ndarray,
                        up_at_lo: np.ndarray, tolerance_s: float = DEFAULT_TOLERANCE_S) -> np.ndarray:
    """The instants (s) where f changes sign inside each bracket [lo, hi] (one change per bracket,
    ``up_at_lo`` its sign at lo), by vectorized bisection until every bracket is < ``tolerance_s``."""
    lo, hi = np.array(lo_s, float), np.array(hi_s, float)
    up_lo = np.asarray(up_at_lo, bool)
    if lo.size == 0:
        return lo
    n_iter = int(np.ceil(np.log2(max(float((hi - lo).max()), tolerance_s) / tolerance_s)))
    for _ in range(n_iter):
        mid = 0.5 * (lo + hi)
        same = (f(mid) > 0) == up_lo
        lo = np.where(same, mid, lo)
        hi = np.where(same, hi, mid)
    return 0.5 * (lo + hi)


def golden_maximum(f: Callable[[np.ndarray], np.ndarray], lo_s: np.ndarray, hi_s: np.ndarray,
                   tolerance_s: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Vectorized golden-section search of the maximum of f on each [lo, hi]: (t_s, f(t_s))."""
    a, b = np.array(lo_s, float), np.array(hi_s, float)
    if a.size == 0:
        return a, a
    c, d = b - GOLDEN * (b - a), a + GOLDEN * (b - a)
    fc, fd = f(c), f(d)
    while float((b - a).max()) > tolerance_s:
        left = fc > fd
        a, b = np.where(left, a, c), np.where(left, d, b)
        c_new, d_new = b - GOLDEN * (b - a), a + GOLDEN * (b - a)
        probe = np.where(left, c_new, d_new)
        fp = f(probe)
        c, d = np.where(left, c_new, d), np.where(left, c, d_new)
        fc, fd = np.where(left, fp, fd), np.where(left, fc, fp)
    t = 0.5 * (a + b)
    return t, f(t)


def windows_of(fn: LinkFunction, grid_s: np.ndarray, tolerance_s: float = DEFAULT_TOLERANCE_S) -> list[tuple]:
    """Windows (start_s, end_s, cut_at_start, cut_at_end) of one link over the grid ``grid_s``:
    sign changes of g between consecutive instants, each refined by :func:`bisect_sign_changes`."""
    up = fn.margin_deg(grid_s) > 0
    change = np.flatnonzero(up[1:] != up[:-1])
    edges = bisect_sign_changes(fn.margin_deg, grid_s[change], grid_s[change + 1], up[change], tolerance_s)
    rises = list(edges[~up[change]])
    sets = list(edges[up[change]])
    cut_start = bool(up[0])
    if cut_start:
        rises.insert(0, float(grid_s[0]))
    cut_end = len(sets) < len(rises)
    if cut_end:
        sets.append(float(grid_s[-1]))
    out = []
    for k, (a, b) in enumerate(zip(rises, sets)):
        out.append((a, b, cut_start and k == 0, cut_end and k == len(rises) - 1))
    return out


def contacts_of(fn: LinkFunction, grid_s: np.ndarray, t0: np.datetime64,
                tolerance_s: float = DEFAULT_TOLERANCE_S) -> list[Contact]:
    """The :class:`Contact` rows of one link: root-found edges, the peak elevation (golden section
    around the best grid instant, within the window) and the range over the window (grid instants
    inside it, its edges and its peak)."""
    wins = windows_of(fn, grid_s, tolerance_s)
    if not wins:
        return []
    step = float(np.median(np.diff(grid_s)))
    lo = np.array([w[0] for w in wins])
    hi = np.array([w[1] for w in wins])
    el_grid, rng_grid = fn.elevation_deg(grid_s), fn.range_m(grid_s)
    inside = [np.flatnonzero((grid_s >= a) & (grid_s <= b)) for a, b in zip(lo, hi)]
    best = np.array([grid_s[k[np.argmax(el_grid[k])]] if k.size else 0.5 * (a + b)
                     for k, a, b in zip(inside, lo, hi)])
    t_peak, el_peak = golden_maximum(fn.elevation_deg, np.maximum(lo, best - step), np.minimum(hi, best + step))
    rng_extra = fn.range_m(np.r_[lo, hi, t_peak]).reshape(3, -1)
    rows = []
    for k, (a, b, cut_a, cut_b) in enumerate(wins):
        rng = np.r_[rng_grid[inside[k]], rng_extra[:, k]]
        rows.append(Contact(fn.link, fn.source, fn.target, _at(t0, a), _at(t0, b), cut_a, cut_b,
                            float(el_peak[k]), _at(t0, t_peak[k]), float(rng.min()) / 1e3, float(rng.max()) / 1e3))
    return rows


def _at(t0: np.datetime64, t_s: float) -> np.datetime64:
    return np.datetime64(t0, "ns") + np.timedelta64(int(round(float(t_s) * NS_PER_S)), "ns")


# -- the links ------------------------------------------------------------------------------------

class RelayTrack:
    """Moon-centred ICRF positions of the relays at any instant of the states' period (see the
    module docstring): Hermite splines where velocities exist, the geometric L2 model otherwise."""

    def __init__(self, states: RelayStates):
        from scipy.interpolate import CubicHermiteSpline, CubicSpline

        self.states = states
        self.station_cache: dict = {}  # station key -> splines of its view (:func:`_station_view`)
        self.t0 = np.datetime64(states.times_utc[0], "ns")
        self.grid_s = (states.times_utc.astype("datetime64[ns]") - self.t0) / np.timedelta64(1, "ns") / NS_PER_S
        self.earth_fit = CubicSpline(self.grid_s, states.earth_icrf_m, axis=0)  # Moon-centred Earth
        self._fits = []
        for k, relay in enumerate(states.relays):
            v = None if states.v_icrf_m_s is None else states.v_icrf_m_s[:, k]
            if relay.kind == "earth-moon-l2":
                self._fits.append(None)
            elif v is not None and np.isfinite(v).all():
                self._fits.append(CubicHermiteSpline(self.grid_s, states.r_icrf_m[:, k], v, axis=0))
            else:
                self._fits.append(CubicSpline(self.grid_s, states.r_icrf_m[:, k], axis=0))

    def times(self, t_s: np.ndarray) -> np.ndarray:
        return self.t0 + np.round(np.asarray(t_s, float) * NS_PER_S).astype("timedelta64[ns]")

    def icrf_m(self, k: int, t_s: np.ndarray) -> np.ndarray:
        fit = self._fits[k]
        if fit is None:
            return l2_relay_positions(self.states.relays[k], self.times(t_s))
        return fit(np.asarray(t_s, float))


def site_relay_function(track: RelayTrack, k: int, site, horizon, min_elevation_deg: float) -> LinkFunction:
    """g(t) = relay elevation − max(horizon at its azimuth, ``min_elevation_deg``) at ``site``."""
    from ilrs.environment import icrf_to_moon_me

    pts = SurfacePoints.from_site(site, horizon)
    relay = track.states.relays[k]
    in_service_s = (np.datetime64(relay.in_service_from, "ns") - track.t0) / np.timedelta64(1, "ns") / NS_PER_S

    def me(t_s):
        return np.einsum("tij,tj->ti", icrf_to_moon_me(track.times(t_s)), track.icrf_m(k, t_s))

    def elevation(t_s):
        return elevation_azimuth_deg(pts, me(t_s))[0][:, 0]

    def margin(t_s):
        el, az = elevation_azimuth_deg(pts, me(t_s))
        limit = np.maximum(mask_elevation_deg(pts, az)[:, 0] if pts.mask_deg is not None else -90.0,
                           min_elevation_deg)
        g = el[:, 0] - limit
        return np.where(np.asarray(t_s) >= in_service_s, g, -90.0)

    def range_m(t_s):
        return np.linalg.norm(me(t_s) - pts.position_me_m[0], axis=-1)

    return LinkFunction("site-relay", site.name, relay.key, margin, elevation, range_m)


def _station_view(station: GroundStation, track: RelayTrack, t_s: np.ndarray):
    """The station's GCRS position and up vector, and the Moon's geocentric position, at t_s:
    computed exactly on the track's grid once per station (skyfield, IAU 2000B), then cubic
    splines of them (60 s steps: the Earth's rotation makes the error ~ R⊕(ωh)⁴/384 ≈ 10 µm;
    at 600 s ~ 0.1 m, far below what moves an edge by 1 ms)."""
    from scipy.interpolate import CubicSpline

    if station.key not in track.station_cache:
        pos, up = station_geometry([station], track.times(track.grid_s))
        track.station_cache[station.key] = (CubicSpline(track.grid_s, pos[0], axis=0),
                                            CubicSpline(track.grid_s, up[0], axis=0))
    pos_fit, up_fit = track.station_cache[station.key]
    t = np.asarray(t_s, float)
    up = up_fit(t)
    return pos_fit(t), up / np.linalg.norm(up, axis=-1)[..., None], -track.earth_fit(t)


def moon_clearance_deg(station_gcrs_m: np.ndarray, target_geo_m: np.ndarray, moon_geo_m: np.ndarray) -> np.ndarray:
    """Signed clearance of the segment station → target above the Moon's sphere, as the angle it
    subtends at the station (deg; negative: blocked): the closest point of the segment to the
    Moon's centre (the test of :func:`ilrs.comms.access.segment_clear_of_moon`), continuous in t."""
    a = station_gcrs_m - moon_geo_m
    d = target_geo_m - station_gcrs_m
    s = np.clip(-np.sum(a * d, -1) / np.sum(d * d, -1), 0.0, 1.0)
    closest = a + s[..., None] * d
    height = np.linalg.norm(closest, axis=-1) - MOON_RADIUS_M
    return np.degrees(height / np.maximum(np.linalg.norm(s[..., None] * d, axis=-1), 1.0))


def relay_station_function(track: RelayTrack, k: int, station: GroundStation) -> LinkFunction:
    """g(t) = min(relay elevation at the station − its minimum, Moon clearance)."""
    relay = track.states.relays[k]

    def geometry(t_s):
        pos, up, moon = _station_view(station, track, t_s)
        return pos, up, moon, track.icrf_m(k, t_s) + moon

    def elevation(t_s):
        pos, up, _, geo = geometry(t_s)
        return elevation_from_station_deg(pos, up, geo)

    def margin(t_s):
        pos, up, moon, geo = geometry(t_s)
        el = elevation_from_station_deg(pos, up, geo) - station.min_elevation_deg
        return np.minimum(el, moon_clearance_deg(pos, geo, moon))

    def range_m(t_s):
        pos, _, _, geo = geometry(t_s)
        return np.linalg.norm(geo - pos, axis=-1)

    return LinkFunction("relay-station", relay.key, station.key, margin, elevation, range_m)


def site_station_function(track: RelayTrack, site, horizon, station: GroundStation,
                          dte_min_elevation_deg: float) -> LinkFunction:
    """Direct to Earth: g(t) = min(Earth's apparent elevation at the site − max(horizon, DTE
    minimum), the Moon's elevation at the station − its minimum)."""
    from ilrs.environment import moon_me_to_icrf, sun_earth_azel

    def earth_margin(t_s):
        sky = sun_earth_azel(site, track.times(t_s), horizon)  # exact at few instants, 6 h spline on grids
        return sky.earth_elevation_deg - np.maximum(sky.earth_horizon_deg, dte_min_elevation_deg)

    def elevation(t_s):  # the Moon seen from the station (the peak that matters for the station)
        pos, up, moon = _station_view(station, track, t_s)
        return elevation_from_station_deg(pos, up, moon)

    def margin(t_s):
        return np.minimum(earth_margin(t_s), elevation(t_s) - station.min_elevation_deg)

    def range_m(t_s):
        pos, _, moon = _station_view(station, track, t_s)
        site_icrf = np.einsum("tij,j->ti", moon_me_to_icrf(track.times(t_s)), np.asarray(site.position_me_m, float))
        return np.linalg.norm(site_icrf + moon - pos, axis=-1)

    return LinkFunction("site-station", site.name, station.key, margin, elevation, range_m)


# -- the report -----------------------------------------------------------------------------------

def link_functions(states: RelayStates, site, horizon, stations, *, min_elevation_deg: float = 5.0,
                   dte_min_elevation_deg: float = 0.0, links=LINKS) -> tuple[RelayTrack, list[LinkFunction]]:
    """The continuous margin functions of every asked link (``links``: a subset of :data:`LINKS`)."""
    bad = [x for x in links if x not in LINKS]
    if bad:
        raise InputError(f"unknown link kind {bad[0]!r}", field="links", allowed=list(LINKS))
    track = RelayTrack(states)
    fns = []
    n = len(states.relays)
    if "site-relay" in links:
        fns += [site_relay_function(track, k, site, horizon, min_elevation_deg) for k in range(n)]
    if "relay-station" in links:
        fns += [relay_station_function(track, k, g) for k in range(n) for g in stations]
    if "site-station" in links:
        fns += [site_station_function(track, site, horizon, g, dte_min_elevation_deg) for g in stations]
    return track, fns


def contact_windows(states: RelayStates, site, horizon, stations, *, min_elevation_deg: float = 5.0,
                    dte_min_elevation_deg: float = 0.0, links=LINKS,
                    tolerance_s: float = DEFAULT_TOLERANCE_S) -> list[Contact]:
    """Every window of every link over the states' period, edges root-found to ``tolerance_s``,
    sorted by start. ``site``/``horizon``: an environment Site and HorizonMask (None: no mask);
    ``stations``: :class:`GroundStation` list; brackets come from the states' own grid."""
    if not tolerance_s > 0:
        raise InputError(f"tolerance {tolerance_s!r} s must be positive", field="tolerance_s")
    track, fns = link_functions(states, site, horizon, stations, min_elevation_deg=min_elevation_deg,
                                dte_min_elevation_deg=dte_min_elevation_deg, links=links)
    rows = [c for fn in fns for c in contacts_of(fn, track.grid_s, track.t0, tolerance_s)]
    return sorted(rows, key=lambda c: (c.start_utc, c.link, c.source, c.target))


def contacts_for(result, site, horizon, *, min_elevation_deg: float = 5.0, dte_min_elevation_deg: float = 0.0,
                 links=LINKS, tolerance_s: float = DEFAULT_TOLERANCE_S) -> list[Contact]:
    """:func:`contact_windows` on a :class:`~ilrs.comms.CommsResult`'s relay states and stations
    (its grid brackets the edges). Links needing relays are left out when none is in service."""
    if result.states is None:
        links = [x for x in links if x == "site-station"]
        if not links or not result.stations:
            return []
        raise InputError("contacts need relay states for the time grid; none were computed", field="relays")
    return contact_windows(result.states, site, horizon, list(result.stations),
                           min_elevation_deg=min_elevation_deg, dte_min_elevation_deg=dte_min_elevation_deg,
                           links=links, tolerance_s=tolerance_s)


CSV_COLUMNS = ("link", "source", "target", "start_utc", "end_utc", "duration_s", "max_elevation_deg",
               "max_elevation_utc", "min_range_km", "max_range_km", "starts_before_period", "ends_after_period")


def contacts_csv(contacts: list[Contact]) -> str:
    """The contacts as CSV text (header :data:`CSV_COLUMNS`)."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    for c in contacts:
        w.writerow(c.as_row())
    return buf.getvalue()
