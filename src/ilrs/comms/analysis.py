"""End-to-end communications of a lunar site: site -> relay -> Earth station, or site -> Earth.

For every instant of a UTC grid:

* site -> relay: the relay above the site's minimum elevation and horizon mask;
* relay -> station: the station sees the relay above its minimum elevation and the Moon does not
  block the line; station positions from skyfield's WGS84 model (GCRS, Earth rotation included);
* direct to Earth (DTE): the Earth's centre above the site's horizon and minimum elevation
  (:func:`ilrs.environment.sun_earth_azel`), and a station sees the Moon;
* rates: each link's budget (:mod:`ilrs.comms.links`) at the instant's distance, capped by its
  modem. Through a relay the rate is min(site->relay, best relay->station); the site uses the best
  relay path or DTE, whichever is faster (one terminal, one link at a time).

Light time and aberration are neglected for access (< 1.3 s, < 0.005 deg at these distances).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ilrs.comms.access import (SurfacePoints, elevation_azimuth_deg, gap_statistics, mask_elevation_deg,
                               segment_clear_of_moon, windows)
from ilrs.comms.links import LinkBudget
from ilrs.comms.relays import GroundStation, Relay
from ilrs.comms.states import RelayStates, relay_states
from ilrs.constants import SECONDS_PER_DAY, SECONDS_PER_HOUR
from ilrs.errors import InputError
from ilrs.timeutil import iso_utc, seconds_since


@dataclass(frozen=True)
class SiteTerminal:
    """The station's radio: a scenario's ``relays.site_terminal`` (:func:`site_terminal`)."""

    band: str
    tx_power_w: float
    antenna_diameter_m: float
    dte_max_rate_bps: float
    direct_to_earth: bool


def site_terminal(spec=None) -> SiteTerminal:
    """The terminal of a :class:`ilrs.scenario.SiteTerminalSpec` (None: the scenario's defaults)."""
    from ilrs.scenario.comms import SiteTerminalSpec

    st = spec if spec is not None else SiteTerminalSpec()
    return SiteTerminal(st.band, st.tx_power_w, st.antenna_diameter_m, st.dte_max_rate_bps, st.direct_to_earth)


def station_geometry(stations: list[GroundStation], times_utc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Geocentric GCRS positions (G, T, 3) and local-vertical (geodetic normal) unit vectors
    (G, T, 3) of Earth stations: WGS84 ITRS coordinates rotated by skyfield's ITRS -> GCRS matrix,
    computed once for all stations, with the IAU 2000B nutation series (skyfield's documented
    speed-up; differs from 2000A by ~1 mas), interpolated between daily nodes
    (:func:`ilrs.comms.earth_orientation.itrs_rotation`: < 3 mm at a station)."""
    from skyfield.api import wgs84

    from ilrs.comms.earth_orientation import itrs_rotation

    rot = itrs_rotation(times_utc)  # GCRS -> ITRS, (3, 3, T)
    if rot.ndim == 2:
        rot = rot[:, :, None]
    pos, up = [], []
    for g in stations:
        xyz = np.asarray(wgs84.latlon(g.lat_deg, g.lon_deg, elevation_m=g.height_m).itrs_xyz.m, float)
        la, lo = np.radians(g.lat_deg), np.radians(g.lon_deg)
        n = np.array([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])
        pos.append(np.einsum("jit,j->ti", rot, xyz))  # R^T @ itrs
        up.append(np.einsum("jit,j->ti", rot, n))
    t_count = rot.shape[2]
    return np.array(pos).reshape(len(stations), t_count, 3), np.array(up).reshape(len(stations), t_count, 3)


def elevation_from_station_deg(station_gcrs_m, up, target_geocentric_m) -> np.ndarray:
    d = target_geocentric_m - station_gcrs_m
    return np.degrees(np.arcsin(np.clip(np.sum(d * up, -1) / np.linalg.norm(d, axis=-1), -1, 1)))


@dataclass
class CommsResult:
    """Everything one analysis found; arrays over the T grid instants (``step_s`` apart)."""

    times_utc: np.ndarray
    step_s: float
    site_name: str
    relays: tuple[Relay, ...]
    stations: tuple[GroundStation, ...]
    states: RelayStates
    site_relay_visible: np.ndarray      # (N, T)
    site_relay_elevation_deg: np.ndarray
    site_relay_range_m: np.ndarray      # (N, T)
    relay_station_visible: np.ndarray   # (N, G, T)
    dte_visible: np.ndarray             # (T,)
    relay_path_rate_bps: np.ndarray     # (N, T) end-to-end through each relay
    dte_rate_bps: np.ndarray            # (T,)
    rate_bps: np.ndarray                # (T,) best available
    notes: list[str] = field(default_factory=list)
    terminal: SiteTerminal = field(default_factory=SiteTerminal)

    @property
    def available(self) -> np.ndarray:
        return self.rate_bps > 0

    @property
    def days(self) -> float:
        return self.times_utc.size * self.step_s / SECONDS_PER_DAY

    def windows_utc(self, mask: np.ndarray | None = None) -> list[dict]:
        m = self.available if mask is None else mask
        out = []
        step = np.timedelta64(int(self.step_s * 1e9), "ns")
        for a, b in windows(m):
            vol = float(self.rate_bps[a:b].sum() * self.step_s) if mask is None else None
            w = {"start_utc": iso_utc(self.times_utc[a]), "end_utc": iso_utc(self.times_utc[b - 1] + step),
                 "duration_hours": round((b - a) * self.step_s / SECONDS_PER_HOUR, 4)}
            if vol is not None:
                w["volume_gbit"] = round(vol / 1e9, 4)
                w["mean_rate_mbps"] = round(float(self.rate_bps[a:b].mean()) / 1e6, 4)
            out.append(w)
        return out

    def data_volume_gbit_per_day(self, rate: np.ndarray | None = None) -> float:
        r = self.rate_bps if rate is None else rate
        return float(r.sum() * self.step_s / 1e9 / self.days)

    def summary(self, max_windows: int | None = 200) -> dict:
        """The figures ``ilrs comms --format json`` prints (hours, Gbit, fractions)."""
        stats = gap_statistics(self.available, self.step_s)
        keeping = self.states.station_keeping() if self.states is not None else {}
        per_relay = {}
        for k, r in enumerate(self.relays):
            s = gap_statistics(self.site_relay_visible[k], self.step_s)
            e2e = gap_statistics(self.relay_path_rate_bps[k] > 0, self.step_s)
            vis = self.site_relay_visible[k]
            per_relay[r.key] = {
                "name": r.name, "site_visibility": s["availability"], "visibility_windows_count": s["n_windows"],
                "max_gap_hours": s["max_gap_hours"], "end_to_end_availability": e2e["availability"],
                "mean_range_km": float(self.site_relay_range_m[k][vis].mean() / 1e3) if vis.any() else None,
                "data_volume_gbit_per_day": self.data_volume_gbit_per_day(self.relay_path_rate_bps[k]),
                "hours_per_orbit_visible": _hours_per_orbit(r, vis, self.step_s),
            }
            if keeping and r.key in keeping:
                per_relay[r.key]["station_keeping"] = keeping[r.key]
        win = self.windows_utc()
        out = {
            "site": self.site_name, "start_utc": iso_utc(self.times_utc[0]), "span_days": round(self.days, 4),
            "step_s": self.step_s, "relays": [r.key for r in self.relays],
            "ground_stations": [g.key for g in self.stations], "propagation": self.states.method if self.states is not None else "none",
            "availability": stats["availability"], "max_gap_hours": stats["max_gap_hours"],
            "mean_gap_hours": stats["mean_gap_hours"], "windows_count": stats["n_windows"],
            "relay_availability": float((self.relay_path_rate_bps.max(axis=0) > 0).mean()) if len(self.relays) else 0.0,
            "dte_availability": float((self.dte_rate_bps > 0).mean()),
            "data_volume_gbit_per_day": self.data_volume_gbit_per_day(),
            "mean_rate_mbps": float(self.rate_bps.mean() / 1e6),
            "per_relay": per_relay,
            "windows": win if max_windows is None else win[:max_windows],
            "windows_truncated": max_windows is not None and len(win) > max_windows,
            "link_budgets": self.link_budgets(),
            "notes": self.notes,
        }
        return out

    def link_budgets(self) -> list[dict]:
        """Budgets of each link in S, X and Ka at its mean distance over the period (site -> relay
        while visible, relay -> stations, site -> Earth): the configured band with its modem
        ceiling (``configured``), the other bands with the same powers and dishes for comparison."""
        rows = []
        term = self.terminal
        moon_geo = -self.states.earth_icrf_m if self.states is not None else None
        for k, r in enumerate(self.relays):
            vis = self.site_relay_visible[k]
            d_up = float(self.site_relay_range_m[k][vis].mean()) if vis.any() else float(self.site_relay_range_m[k].mean())
            d_tr = float(np.linalg.norm(self.states.r_icrf_m[:, k] + moon_geo, axis=-1).mean())
            for band in ("S", "X", "Ka"):
                up = LinkBudget(band, term.tx_power_w, term.antenna_diameter_m, r.antenna_diameter_m,
                                r.proximity.noise_temperature_k,
                                r.proximity.max_rate_bps if band == r.proximity.band else np.inf)
                rows.append({"link": f"site -> {r.key}", "configured": band == r.proximity.band, **up.as_dict(d_up)})
                best = max(self.stations, key=lambda g: g.antenna_diameter_m) if self.stations else None
                if best is not None:
                    tr = LinkBudget(band, r.trunk.tx_power_w, r.antenna_diameter_m, best.antenna_diameter_m,
                                    best.noise_temperature_k.get(band, 100.0),
                                    r.trunk.max_rate_bps if band == r.trunk.band else np.inf)
                    rows.append({"link": f"{r.key} -> {best.key}", "configured": band == r.trunk.band,
                                 **tr.as_dict(d_tr)})
        if self.stations:
            from ilrs.environment import earth_position_m

            d = float(np.linalg.norm(earth_position_m(self.times_utc[:: max(1, self.times_utc.size // 50)]), axis=1).mean())
            best = max(self.stations, key=lambda g: g.antenna_diameter_m)
            for band in ("S", "X", "Ka"):
                dte = LinkBudget(band, term.tx_power_w, term.antenna_diameter_m, best.antenna_diameter_m,
                                 best.noise_temperature_k.get(band, 40.0),
                                 term.dte_max_rate_bps if band == term.band else np.inf)
                rows.append({"link": f"site -> Earth ({best.key})", "configured": band == term.band, **dte.as_dict(d)})
        for row in rows:
            for key, v in list(row.items()):
                if isinstance(v, float):
                    row[key] = round(v, 3) if np.isfinite(v) else None
        return rows

    def rate_at(self, times_utc) -> np.ndarray:
        """Achievable downlink rate (bit/s) at ``times_utc`` inside the analysed period (the sample
        at or before each time); outside it raises InputError — see :class:`DownlinkTimeline`."""
        rate, inside = held_rate(self.times_utc, self.rate_bps, times_utc)
        if not inside.all():
            raise InputError("time outside the analysed period", field="times",
                             allowed=f"{self.times_utc[0]} .. {self.times_utc[-1]}")
        return rate


def held_rate(grid_utc: np.ndarray, rate_bps: np.ndarray, times_utc) -> tuple[np.ndarray, np.ndarray]:
    """The one resampling rule of a rate timeline: each sample holds until the next one (a rate is
    constant over its step), so a time reads the sample at or before it. Returns the rates at
    ``times_utc`` (0 outside the grid's steps) and which times lie inside them."""
    from ilrs.environment import utc_array

    t = utc_array(times_utc).astype(np.int64)
    src = np.asarray(grid_utc).astype("datetime64[ns]").astype(np.int64)
    k = np.searchsorted(src, t, side="right") - 1
    step = src[1] - src[0] if src.size > 1 else 0
    inside = (k >= 0) & (t < src[-1] + step)
    return np.where(inside, np.asarray(rate_bps)[np.clip(k, 0, src.size - 1)], 0.0), inside


def _best_station_rate_bps(terminal: SiteTerminal, stations, st_pos, st_up, moon_geo, site_icrf) -> np.ndarray:
    """Direct to Earth: the best rate over the stations that see the Moon, at each instant."""
    best = np.zeros(site_icrf.shape[0])
    for j, g in enumerate(stations):
        sees_moon = elevation_from_station_deg(st_pos[j], st_up[j], moon_geo) > g.min_elevation_deg
        link = LinkBudget(terminal.band, terminal.tx_power_w, terminal.antenna_diameter_m, g.antenna_diameter_m,
                          g.noise_temperature_k.get(terminal.band, 40.0), terminal.dte_max_rate_bps)
        rate = link.rate_bps(np.linalg.norm(site_icrf - st_pos[j], axis=-1))
        best = np.maximum(best, np.where(sees_moon, rate, 0.0))
    return best


def _hours_per_orbit(relay: Relay, vis: np.ndarray, step_s: float) -> float | None:
    if relay.elements is None:
        return None
    period = float(relay.elements.period_s())
    return float(vis.sum() * step_s / SECONDS_PER_HOUR / (vis.size * step_s / period))


def analyze(site, horizon, relays: list[Relay], stations: list[GroundStation], times_utc, *,
            min_elevation_deg: float = 5.0, dte_min_elevation_deg: float = 0.0,
            terminal: SiteTerminal | None = None, propagation: str = "numerical", gravity_degree: int = 8,
            third_bodies: bool = True, station_keeping: bool = True,
            states: RelayStates | None = None, sky=None) -> CommsResult:
    """End-to-end communications of ``site`` (an environment Site) with ``horizon`` (HorizonMask or
    None) through ``relays`` to ``stations`` on the UTC grid ``times_utc`` (regular). ``sky``: the
    site's SkyTrack on the same grid, when already computed (the Earth's visibility is read from it);
    ``terminal`` None: the scenario's default site terminal."""
    from ilrs.environment import moon_me_to_icrf, sun_earth_azel, utc_array

    times = utc_array(times_utc)
    terminal = terminal if terminal is not None else site_terminal()
    if times.size < 2:
        raise InputError("the time grid needs at least two instants", field="days")
    step_s = float(seconds_since(times[0], times[1:2])[0])
    notes = []
    in_service = [r for r in relays if r.in_service_from <= times[-1]]
    for r in relays:
        if r not in in_service:
            notes.append(f"{r.key} enters service {str(r.in_service_from)[:10]}, after the period: left out")
    relays = in_service
    pts = SurfacePoints.from_site(site, horizon)
    n, g_count, t_count = len(relays), len(stations), times.size
    if states is None and relays:
        states = relay_states(relays, times, propagation=propagation, gravity_degree=gravity_degree,
                              third_bodies=third_bodies, station_keeping=station_keeping)
    earth_icrf = states.earth_icrf_m if states is not None else None
    if earth_icrf is None:
        from ilrs.environment import earth_position_m
        earth_icrf = earth_position_m(times)
    # site -> relay
    if relays:
        el, az = elevation_azimuth_deg(pts, states.r_me_m)  # (T, N, 1)
        el, az = el[..., 0].T, az[..., 0].T
        limit = np.maximum(mask_elevation_deg(pts, az[..., None])[..., 0], min_elevation_deg) if pts.mask_deg is not None \
            else np.full_like(el, min_elevation_deg)
        site_vis = el > limit
        rng = np.linalg.norm(states.r_me_m - pts.position_me_m[0], axis=-1).T  # (N, T)
        for k, r in enumerate(relays):  # no service before the relay's date
            site_vis[k] &= times >= r.in_service_from
    else:
        el = np.zeros((0, t_count))
        site_vis = np.zeros((0, t_count), bool)
        rng = np.zeros((0, t_count))
    # stations
    st_pos, st_up = station_geometry(stations, times)
    moon_geo = -earth_icrf  # Moon's geocentric position, ICRF axes
    rs_vis = np.zeros((n, g_count, t_count), bool)
    rs_rate = np.zeros((n, g_count, t_count))
    for k, r in enumerate(relays):
        relay_geo = states.r_icrf_m[:, k] + moon_geo
        for j, g in enumerate(stations):
            elev = elevation_from_station_deg(st_pos[j], st_up[j], relay_geo)
            clear = segment_clear_of_moon(states.r_icrf_m[:, k], st_pos[j] - moon_geo)
            rs_vis[k, j] = (elev > g.min_elevation_deg) & clear
            link = LinkBudget(r.trunk.band, r.trunk.tx_power_w, r.antenna_diameter_m, g.antenna_diameter_m,
                              g.noise_temperature_k.get(r.trunk.band, 100.0), r.trunk.max_rate_bps)
            rs_rate[k, j] = np.where(rs_vis[k, j], link.rate_bps(np.linalg.norm(relay_geo - st_pos[j], axis=-1)), 0.0)
    path_rate = np.zeros((n, t_count))
    for k, r in enumerate(relays):
        prox = LinkBudget(r.proximity.band, terminal.tx_power_w, terminal.antenna_diameter_m, r.antenna_diameter_m,
                          r.proximity.noise_temperature_k, r.proximity.max_rate_bps)
        up_rate = prox.rate_bps(rng[k])
        path_rate[k] = np.where(site_vis[k], np.minimum(up_rate, rs_rate[k].max(axis=0) if g_count else 0.0), 0.0)
    dte_vis, dte_rate = np.zeros(t_count, bool), np.zeros(t_count)
    if terminal.direct_to_earth and g_count:
        sky = sky if sky is not None else sun_earth_azel(site, times, horizon)
        dte_vis = sky.earth_elevation_deg > np.maximum(sky.earth_horizon_deg, dte_min_elevation_deg)
        me_to_icrf = np.swapaxes(states.icrf_to_me, -1, -2) if states is not None else moon_me_to_icrf(times)
        site_icrf = np.einsum("tij,j->ti", me_to_icrf, pts.position_me_m[0]) + moon_geo
        dte_rate = np.where(dte_vis, _best_station_rate_bps(terminal, stations, st_pos, st_up, moon_geo, site_icrf), 0.0)
    rate = np.maximum(path_rate.max(axis=0) if n else 0.0, dte_rate)
    return CommsResult(times, step_s, site.name, tuple(relays), tuple(stations), states, site_vis, el, rng,
                       rs_vis, dte_vis, path_rate, dte_rate, rate, notes, terminal)


def grid_horizons(points: SurfacePoints, floor_deg: float = -90.0, progress=None) -> np.ndarray:
    """DEM horizon masks (S, 360) of grid points (one-degree azimuth bins), ray-marched by the
    environment layer on the coarse global DEM (ground height from the DEM, no mast) and cached on
    disk. Against an elevation limit ``floor_deg`` only the bins that can matter are marched in
    full (:func:`ilrs.environment.terrain.horizon_above_floor_deg`): the other bins hold the floor."""
    import ilrs.comms._cache as _cache
    from ilrs.environment import Site
    from ilrs.environment.terrain import HORIZON_MARCH, horizon_above_floor_deg

    key = _cache.cache_key("horizons", {"lat": np.round(points.lat_deg, 9).tolist(),
                                        "lon": np.round(points.lon_deg, 9).tolist(), "march": HORIZON_MARCH,
                                        "floor_deg": float(floor_deg)})
    hit = _cache.load(key)
    if hit is not None and hit["mask"].shape == (points.size, 360):
        return hit["mask"]
    from ilrs.environment.dem import ground_height_m

    rows = []
    heights = np.asarray(ground_height_m(points.lat_deg, points.lon_deg), float)
    for k in range(points.size):
        site = Site(name=f"p{k}", lat_deg=float(points.lat_deg[k]), lon_deg=float(points.lon_deg[k]),
                    height_m=float(heights[k]))
        rows.append(horizon_above_floor_deg(site, floor_deg, azimuth_step_deg=1.0))
        if progress is not None and k % 50 == 0:
            progress(k, points.size, "horizons")
    mask = np.array(rows)
    _cache.save(key, {"mask": mask})
    return mask


def coverage_map(result: CommsResult, *, spacing_km: float = 20.0, lat_min_deg: float = -90.0,
                 lat_max_deg: float = -80.0, min_elevation_deg: float = 5.0, horizon: str = "sphere",
                 step_s: float | None = None, progress=None) -> tuple[SurfacePoints, dict]:
    """Relay coverage of the south polar cap: for each grid point, the fraction of time some relay
    is above ``min_elevation_deg`` (and the point's horizon) while that relay has an Earth station.

    ``horizon``: ``sphere`` (smooth Moon; no terrain) or ``dem`` (each point's horizon ray-marched
    on the coarse global DEM by :func:`ilrs.environment.terrain.horizon_for_site`). ``step_s``
    subsamples the result's grid (default: the result's own step)."""
    from ilrs.comms.access import coverage

    if not result.relays:
        raise InputError("no relay in service during the period: no coverage map", field="relays.constellation")
    mask = None
    pts = SurfacePoints.polar_grid(lat_min_deg, lat_max_deg, spacing_km)
    if horizon == "dem":
        from ilrs.environment.dem import ground_height_m

        mask = grid_horizons(pts, floor_deg=min_elevation_deg, progress=progress)
        pts = SurfacePoints.on_sphere(pts.lat_deg, pts.lon_deg, np.asarray(ground_height_m(pts.lat_deg, pts.lon_deg)),
                                      mask_deg=mask)
    elif horizon not in ("sphere", "none"):
        raise InputError(f"unknown coverage horizon {horizon!r}", field="coverage horizon", allowed=["sphere", "dem"])
    every = max(1, int(round((step_s or result.step_s) / result.step_s)))
    targets = result.states.r_me_m[::every]
    usable = result.relay_station_visible.any(axis=1).T  # (T, N)
    in_service = np.stack([result.times_utc >= r.in_service_from for r in result.relays], axis=1)
    usable = (usable & in_service)[::every]  # no service before each relay's date
    stats = coverage(pts, targets, result.step_s * every, min_elevation_deg, target_usable=usable,
                     progress=(lambda d, t: progress(d, t, "coverage")) if progress else None)
    return pts, stats


@dataclass
class DownlinkTimeline:
    """Achievable site -> Earth downlink rate (bit/s) on a UTC grid: ``times`` and
    ``downlink_rate_bps`` (what :mod:`ilrs.operations` reads), plus :meth:`rate_bps` for any
    other grid (sample at or before each time; zero outside the grid)."""

    times: np.ndarray
    downlink_rate_bps: np.ndarray
    via_relay_bps: np.ndarray
    direct_to_earth_bps: np.ndarray
    method: str

    def rate_bps(self, times_utc) -> np.ndarray:
        """The rate at ``times_utc`` by :func:`held_rate` (zero outside the grid)."""
        return held_rate(self.times, self.downlink_rate_bps, times_utc)[0]

    __call__ = rate_bps

    def yearly(self) -> list[dict]:
        years = self.times.astype("datetime64[Y]").astype(int) + 1970
        step_s = float((self.times[1] - self.times[0]) / np.timedelta64(1, "s")) if self.times.size > 1 else 0.0
        out = []
        for y in np.unique(years):
            m = years == y
            r = self.downlink_rate_bps[m]
            out.append({"year": int(y), "availability": float((r > 0).mean()),
                        "via_relay": float((self.via_relay_bps[m] > 0).mean()),
                        "direct_to_earth": float((self.direct_to_earth_bps[m] > 0).mean()),
                        "gbit_per_day": float(r.mean() * SECONDS_PER_DAY / 1e9),
                        "max_gap_hours": gap_statistics(r > 0, step_s)["max_gap_hours"]})
        return out
