"""The environment layer's typed inputs and products for one study.

:func:`site_setup` compiles a scenario's ``site`` section and span once into a :class:`SiteSetup`:
the site, its horizon model, and the study grid (the span at ``step_s``). The horizon is ray-marched
on first use and kept, and the site then stands on the ground that horizon used (a GeoTIFF's, say).

:func:`environment_products` computes, once per study, the site's timeline on the study grid and the
timeline of every other mast height the study needs (arrays on masts, published figures at another
height): an :class:`EnvironmentProducts`. Higher layers read Sun and Earth tracks from it on their
own grids through :meth:`EnvironmentProducts.track`, which slices the stored timeline where the
grid is a subset of it and computes only what lies outside (a product is never extrapolated).

Where the DEM cannot resolve the near terrain, :attr:`SiteSetup.bounds` holds the two horizon masks
that bracket the truth (:mod:`ilrs.environment.horizon_range`), compiled once;
:meth:`EnvironmentProducts.horizon_range` gives the span statistics at both ends beside the central
ones, and :meth:`EnvironmentProducts.at_position` the products seen from a position in that range
(0 the optimistic end, 1 the pessimistic): the same interface as the products themselves, so the
operations layer runs at either end, or anywhere between, unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable

import numpy as np

from ilrs.environment.horizon import HorizonMask
from ilrs.environment.horizon_range import HorizonRange, blended_mask, site_horizon_bounds, track_under_horizon
from ilrs.environment.illumination import span_statistics
from ilrs.environment.sites import Site, site_from_spec
from ilrs.environment.sky import SkyTrack, sun_earth_azel
from ilrs.environment.terrain import horizon_for_site
from ilrs.environment.time import time_grid
from ilrs.environment.timeline import (DEFAULT_STEP_S, EnvironmentTimeline, check_study_span, site_identity,
                                       timeline_of)

SKY_FIELDS = ("sun_azimuth_deg", "sun_elevation_deg", "sun_distance_m", "sun_horizon_deg",
              "visible_solar_fraction", "irradiance_w_m2", "earth_azimuth_deg", "earth_elevation_deg",
              "earth_distance_m", "earth_horizon_deg", "earth_visible")


@dataclass(frozen=True)
class SiteSetup:
    """Where the station stands, how its terrain is modelled, and the study grid [start, end)."""

    declared_site: Site
    horizon_kind: str
    start: np.datetime64
    end: np.datetime64
    step_s: float = DEFAULT_STEP_S
    dems: tuple[str, ...] = ()

    @cached_property
    def horizon(self) -> HorizonMask:
        """The horizon mask seen from the mast top (ray-marched once, on first use), over the
        scenario's ``dems`` and/or a PDS3 ``horizon`` file when it names any (see
        :func:`ilrs.environment.dem_info.dem_files_named`)."""
        from ilrs.environment.dem_info import dem_files_named, horizon_with_dems

        files = dem_files_named(self.horizon_kind, self.dems)
        if files:
            return horizon_with_dems(self.declared_site, files)
        return horizon_for_site(self.declared_site, self.horizon_kind)

    @cached_property
    def site(self) -> Site:
        """The site on the ground its horizon used (a GeoTIFF's ground may differ from the DEM's)."""
        ground = self.horizon.ground_m
        if ground is not None and ground != self.declared_site.height_m:
            return self.declared_site.with_height(ground)
        return self.declared_site

    @cached_property
    def bounds(self):
        """The :class:`~ilrs.environment.terrain_range.HorizonBounds` of the site, or None where the
        DEM resolves it or the model is not terrain (computed once, kept on disk)."""
        return site_horizon_bounds(self.declared_site, self.horizon_kind, on_ground=lambda: self.site,
                                   dems=self.dems)

    @property
    def mast_height_m(self) -> float:
        return float(self.declared_site.mast_height_m)

    def identity(self, start=None, end=None) -> dict:
        """The site, its horizon model (a file by its bytes) and the kernels over [start, end]
        (default the study span): part of every cache key of a product of this site."""
        return site_identity(self.declared_site, self.horizon_kind, self.start if start is None else start,
                             self.end if end is None else end, dems=self.dems)

    def times(self) -> np.ndarray:
        """The study grid (UTC, datetime64[ns])."""
        return time_grid(self.start, self.end, step_s=self.step_s)

    def at_mast(self, mast_height_m: float) -> "SiteSetup":
        """The same site and grid seen from another mast height (its own horizon: it depends on height)."""
        if float(mast_height_m) == self.mast_height_m:
            return self
        return SiteSetup(self.declared_site.with_mast(float(mast_height_m)), self.horizon_kind, self.start,
                         self.end, self.step_s, self.dems)


def site_setup(site_section, span_start, span_end, *, step_s: float = DEFAULT_STEP_S) -> SiteSetup:
    """Compile a scenario's ``site`` section (:class:`ilrs.scenario.SiteSpec`) and its span."""
    start, end = np.datetime64(span_start, "ns"), np.datetime64(span_end, "ns")
    check_study_span(start, end)
    return SiteSetup(site_from_spec(site_section), site_section.horizon, start, end, float(step_s),
                     tuple(getattr(site_section, "dems", ())))


def timeline_for(site: Site, start, end, *, horizon: str = "dem", step_s: float = DEFAULT_STEP_S,
                 use_cache: bool = True) -> EnvironmentTimeline:
    """Timeline of ``site`` over [start, end) UTC at ``step_s`` with the named horizon model."""
    start, end = np.datetime64(start, "ns"), np.datetime64(end, "ns")
    check_study_span(start, end)
    return timeline_of(SiteSetup(site, horizon, start, end, float(step_s)), use_cache=use_cache)


@dataclass(frozen=True)
class EnvironmentProducts:
    """The site's timeline on the study grid, and one per other mast height: each computed once,
    when first asked for (:meth:`at_mast`), then kept."""

    setup: SiteSetup
    timeline: EnvironmentTimeline
    masts: dict[float, EnvironmentTimeline] = field(default_factory=dict)
    use_cache: bool = True
    ranges: dict[float, HorizonRange | None] = field(default_factory=dict)
    bounds_by_mast: dict[float, object] = field(default_factory=dict)
    positioned: dict[tuple[float, float], EnvironmentTimeline] = field(default_factory=dict)

    def bounds(self, mast_height_m: float | None = None):
        """The site's horizon bounds seen from ``mast_height_m`` (None: its own mast), kept once read."""
        h = self.setup.mast_height_m if mast_height_m is None else float(mast_height_m)
        if h not in self.bounds_by_mast:
            if h == self.setup.mast_height_m:
                self.bounds_by_mast[h] = self.setup.bounds
            else:  # the site on the ground its own timeline's horizon used (never ray-marched again)
                s = self.setup.at_mast(h)
                self.bounds_by_mast[h] = site_horizon_bounds(s.declared_site, s.horizon_kind,
                                                             on_ground=lambda: self.at_mast(h).site, dems=s.dems)
        return self.bounds_by_mast[h]

    def at_mast(self, mast_height_m: float | None) -> EnvironmentTimeline:
        """The timeline seen from ``mast_height_m`` (None: the site's own mast)."""
        h = self.setup.mast_height_m if mast_height_m is None else float(mast_height_m)
        if h == self.setup.mast_height_m:
            return self.timeline
        if h not in self.masts:
            self.masts[h] = timeline_of(self.setup.at_mast(h), use_cache=self.use_cache)
        return self.masts[h]

    def track(self, times: np.ndarray, mast_height_m: float | None = None) -> tuple[SkyTrack, int]:
        """Sun and Earth on ``times`` from ``mast_height_m``, and how many epochs had to be computed.

        Epochs on the stored grid are read from it; epochs inside it but off its nodes are
        interpolated linearly (geometry is smooth over an hour; ``earth_visible`` by majority);
        epochs outside it are computed through :func:`sun_earth_azel` (never extrapolated)."""
        tl = self.at_mast(mast_height_m)
        return _track_on(tl, self.setup.at_mast(tl.site.mast_height_m), np.asarray(times, "datetime64[ns]"))

    def horizon_range(self, mast_height_m: float | None = None) -> HorizonRange | None:
        """The span statistics at both ends of the site's horizon bounds from ``mast_height_m``
        beside the central ones (None where the DEM decides: no bounds)."""
        h = self.setup.mast_height_m if mast_height_m is None else float(mast_height_m)
        if h not in self.ranges:
            b = self.bounds(h)
            self.ranges[h] = None if b is None else HorizonRange(
                b, self.at_mast(h).statistics, self.timeline_at(0.0, h).statistics, self.timeline_at(1.0, h).statistics)
        return self.ranges[h]

    def timeline_at(self, position: float, mast_height_m: float | None = None) -> EnvironmentTimeline:
        """The timeline from ``mast_height_m`` against the horizon at ``position`` in the bounds
        (the central timeline where there are none), on the study grid; computed once, then kept."""
        h = self.setup.mast_height_m if mast_height_m is None else float(mast_height_m)
        key = (h, float(position))
        if key not in self.positioned:
            tl, b = self.at_mast(h), self.bounds(h)
            if b is None:
                self.positioned[key] = tl
            else:
                mask = blended_mask(b, position)
                track = track_under_horizon(tl.track, mask)
                self.positioned[key] = EnvironmentTimeline(tl.site, mask, track, span_statistics(track, tl.step_s),
                                                           tl.step_s)
        return self.positioned[key]

    def at_position(self, position: float) -> "PositionedProducts":
        """These products seen against the horizon at ``position`` in the bounds (0 optimistic,
        1 pessimistic; :func:`~ilrs.environment.horizon_range.blended_mask`); without bounds, the
        central products' tracks unchanged."""
        return PositionedProducts(self, float(position))


@dataclass(frozen=True)
class _PositionedSetup:
    site: Site
    horizon_kind: str


@dataclass(frozen=True)
class PositionedProducts:
    """:class:`EnvironmentProducts` seen against a horizon within the bounds (the same ``track``
    and ``setup.site`` / ``setup.horizon_kind`` interface the operations layer reads)."""

    products: EnvironmentProducts
    position: float

    @property
    def setup(self) -> _PositionedSetup:
        s = self.products.setup
        end = {0.0: "optimistic end", 1.0: "pessimistic end"}.get(self.position, f"position {self.position:g}")
        kind = s.horizon_kind if s.bounds is None else f"{s.horizon_kind}, {end} of the horizon bounds"
        return _PositionedSetup(s.site, kind)

    def track(self, times: np.ndarray, mast_height_m: float | None = None) -> tuple[SkyTrack, int]:
        """Sun and Earth on ``times`` against this position's horizon: read from the positioned
        timeline where it covers ``times`` (as :meth:`EnvironmentProducts.track`), else the central
        track on ``times`` seen against the positioned mask."""
        times = np.asarray(times, "datetime64[ns]")
        tl = self.products.timeline_at(self.position, mast_height_m)
        src = tl.times
        if len(times) and len(src) and times.min() >= src[0] and times.max() <= src[-1]:
            return _track_on(tl, self.products.setup, times)  # nothing outside: never computed
        sky, computed = self.products.track(times, mast_height_m)
        if self.products.bounds(mast_height_m) is None:
            return sky, computed
        return track_under_horizon(sky, tl.horizon), computed


def _track_on(tl: EnvironmentTimeline, setup: SiteSetup, times: np.ndarray) -> tuple[SkyTrack, int]:
    src = tl.times.astype(np.int64)
    t = times.astype(np.int64)
    if src.size == t.size and np.array_equal(src, t):
        return tl.track, 0
    inside = (t >= src[0]) & (t <= src[-1]) if src.size else np.zeros(t.shape, bool)
    k = np.searchsorted(src, t)
    on_node = inside & (src[np.clip(k, 0, src.size - 1)] == t)
    cols = {}
    for name in SKY_FIELDS:
        v = np.asarray(getattr(tl.track, name), dtype=float)
        out = np.empty(t.size)
        out[on_node] = v[k[on_node]]
        off = inside & ~on_node
        if off.any():  # azimuths unwrapped first, so 359° → 1° passes through 0°, not 180°
            wrap = name.endswith("azimuth_deg")
            base = np.rad2deg(np.unwrap(np.deg2rad(v))) if wrap else v
            vals = np.interp(t[off].astype(float), src.astype(float), base)
            out[off] = vals % 360.0 if wrap else vals
        cols[name] = out
    outside = ~inside
    if outside.any():
        rest = sun_earth_azel(setup.site, times[outside], setup.horizon)
        for name in SKY_FIELDS:
            cols[name][outside] = np.asarray(getattr(rest, name), dtype=float)
    cols["earth_visible"] = cols["earth_visible"] >= 0.5
    return SkyTrack(times=times, **cols), int(outside.sum())


def environment_products(setup: SiteSetup, mast_heights_m: Iterable[float] = (), *,
                         use_cache: bool = True) -> EnvironmentProducts:
    """The site's timeline on the study grid, and one per distinct other mast height (cached on disk)."""
    products = EnvironmentProducts(setup, timeline_of(setup, use_cache=use_cache), use_cache=use_cache)
    for h in sorted(set(map(float, mast_heights_m))):
        products.at_mast(h)
    return products
