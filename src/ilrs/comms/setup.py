"""The comms layer's typed inputs for one study, and the two analyses a study runs.

:func:`comms_setup` compiles a scenario's ``relays`` section once into a :class:`CommsSetup`:
resolved relays and Earth stations, the site terminal, thresholds, propagation options and the
representative period. With the environment layer's :class:`ilrs.environment.SiteSetup` (the site
on its ground and its horizon) it runs:

* :func:`analyze_period`: the representative period (``analysis_days`` at ``step_s``, relays
  propagated numerically by default): windows, gaps, per-relay figures;
* :func:`downlink_timeline`: the achievable downlink rate on any regular grid (the whole span
  hourly), relays in the analytic mode (two-body + J2 about the lunar equator + averaged Earth and
  Sun quadrupole), cached on disk. Given the study's Sun/Earth track on the same grid, it reads the
  Earth's visibility from it instead of computing it again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

import ilrs.comms._cache as _cache
from ilrs.comms.analysis import CommsResult, DownlinkTimeline, SiteTerminal, analyze, held_rate, site_terminal
from ilrs.comms.relays import GroundStation, Relay, resolve_ground_stations, resolve_relays


@dataclass(frozen=True)
class CommsSetup:
    """Relays, Earth stations, the site's radio and the analysis options of one study."""

    relays: tuple[Relay, ...]
    stations: tuple[GroundStation, ...]
    terminal: SiteTerminal
    min_elevation_deg: float
    dte_min_elevation_deg: float
    propagation: str
    gravity_degree: int
    third_bodies: bool
    station_keeping: bool
    analysis_days: float
    step_s: float
    coverage_spacing_km: float
    coverage_horizon: str
    identity: str  # the section as JSON: part of the downlink cache key


def comms_setup(section, constellation: list[str] | None = None) -> CommsSetup:
    """Compile a scenario's ``relays`` section (:class:`ilrs.scenario.RelaysSection`);
    ``constellation`` replaces its relay names (``ilrs comms --relays``)."""
    names = list(constellation) if constellation else list(section.constellation)
    dump = section.model_dump(mode="json")
    dump["constellation"] = names
    return CommsSetup(
        relays=tuple(resolve_relays(names, section.custom)),
        stations=tuple(resolve_ground_stations(section.ground_stations, section.custom_ground_stations)),
        terminal=site_terminal(section.site_terminal), min_elevation_deg=section.min_elevation_deg,
        dte_min_elevation_deg=section.dte_min_elevation_deg, propagation=section.propagation,
        gravity_degree=section.gravity_degree, third_bodies=section.third_bodies,
        station_keeping=section.station_keeping, analysis_days=section.analysis_days, step_s=section.step_s,
        coverage_spacing_km=section.coverage_spacing_km, coverage_horizon=section.coverage_horizon,
        identity=json.dumps(dump, sort_keys=True))


def analyze_period(setup: CommsSetup, site, *, start=None, days: float | None = None,
                   step_s: float | None = None) -> CommsResult:
    """The representative period: ``days`` (default ``analysis_days``) from ``start`` (default the
    study start) at ``step_s`` (default the section's), for ``site`` (a :class:`SiteSetup`)."""
    from ilrs.environment import time_grid

    first = start if start is not None else site.start
    times = time_grid(first, days=days or setup.analysis_days, step_s=step_s or setup.step_s)
    return analyze(site.site, site.horizon, list(setup.relays), list(setup.stations), times,
                   min_elevation_deg=setup.min_elevation_deg, dte_min_elevation_deg=setup.dte_min_elevation_deg,
                   terminal=setup.terminal, propagation=setup.propagation, gravity_degree=setup.gravity_degree,
                   third_bodies=setup.third_bodies, station_keeping=setup.station_keeping)


def _timeline_key(setup: CommsSetup, site, times: np.ndarray) -> str:
    return _cache.cache_key("downlink", {
        **site.identity(times[0], times[-1]), "relays": setup.identity,
        "t0": str(times[0]), "n": int(times.size), "t1": str(times[-1]),
        "tsum": int(((times - times[0]).astype(np.int64) // 1000).sum())})


def downlink_timeline(setup: CommsSetup, site, times_utc, sky=None) -> DownlinkTimeline:
    """The achievable site → Earth rate on ``times_utc`` (relays in the analytic mode), cached on
    disk; ``sky`` (a SkyTrack of ``site`` on the same grid) supplies the Earth's visibility."""
    from ilrs.environment import utc_array

    times = utc_array(times_utc)
    key = _timeline_key(setup, site, times)
    hit = _cache.load(key)
    if hit is not None and hit["rate"].shape == (times.size,):
        return DownlinkTimeline(times, hit["rate"], hit["via"], hit["dte"], "j2")
    if sky is not None and not np.array_equal(np.asarray(sky.times, "datetime64[ns]"), times):
        sky = None  # another grid: the analysis computes the Earth's visibility itself
    res = analyze(site.site, site.horizon, list(setup.relays), list(setup.stations), times,
                  min_elevation_deg=setup.min_elevation_deg, dte_min_elevation_deg=setup.dte_min_elevation_deg,
                  terminal=setup.terminal, propagation="j2", third_bodies=setup.third_bodies, sky=sky)
    via = res.relay_path_rate_bps.max(axis=0) if len(res.relays) else np.zeros(times.size)
    _cache.save(key, {"rate": res.rate_bps, "via": via, "dte": res.dte_rate_bps})
    return DownlinkTimeline(times, res.rate_bps, via, res.dte_rate_bps, "j2")


def downlink_on_grid(setup: CommsSetup, site, times_utc, product: DownlinkTimeline | None = None
                     ) -> tuple[np.ndarray, str]:
    """The achievable rate (bit/s) on any grid ``times_utc``: read from ``product`` (the study's
    timeline) by :func:`held_rate` where it covers the grid; each stretch it leaves (an operations
    window past the span) is computed by :func:`downlink_timeline` on that stretch — never the
    product's last value held. Returns the rates and a label saying where they came from."""
    from ilrs.environment import utc_array

    times = utc_array(times_utc)
    if product is not None:
        rate, inside = held_rate(product.times, product.downlink_rate_bps, times)
    else:
        rate, inside = np.zeros(times.size), np.zeros(times.size, bool)
    label = "comms: relay and direct-to-Earth links"
    if inside.all():
        return rate, label + " (this study's timeline)"
    step = times[1] - times[0] if times.size > 1 else np.timedelta64(3600, "s")
    edges = np.diff(np.r_[0, (~inside).astype(np.int8), 0])
    for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
        block = times[a:b] if b - a > 1 else np.array([times[a], times[a] + step])
        rate[a:b] = downlink_timeline(setup, site, block).downlink_rate_bps[: b - a]
    computed = int((~inside).sum())
    return rate, label + (f"; {computed} steps outside this study's timeline computed for this window"
                          if product is not None else "")
