"""What a site sees at each end of its horizon bounds: the honest range where the DEM cannot decide.

:func:`ilrs.environment.terrain_range.horizon_bounds` brackets the true horizon between two masks
where terrain closer than the DEM resolves is unknown (the optimistic mask: the lowest plausible
horizon; the pessimistic: the highest). The point mask (:func:`horizon_for_site`) stays the central
value. This module carries the bounds downstream:

* :func:`site_horizon_bounds`: the bounds of a site and horizon model, ray-marched once and kept on
  disk (``$ILRS_CACHE_DIR/environment/bounds-*.entry``, keyed by the site, the horizon model, a
  user file's bytes and the terrain code), or None where a DEM resolves the site (or the model is
  not a terrain model: none, sphere, a table);
* :func:`track_under_horizon`: the same Sun and Earth track seen against another mask — only the
  horizon-dependent columns change. The bounds' observers stand within the unresolved relief of
  the central one (metres to hundreds of metres): the Sun's direction moves by < 1e-7° and the
  Earth's by < 1e-4° (300 m against 384,000 km), far below the horizon's own uncertainty of
  degrees, so the geometry is read, not recomputed. The visible solar fraction is the exact
  integral across the disk (:func:`ilrs.environment.sky.visible_fraction_under_mask`) wherever
  the disk meets the mask's elevation band, 0 or 1 elsewhere; Earth is visible when its centre is
  above the mask (as in :func:`ilrs.environment.sky.sun_earth_azel`);
* :func:`blended_mask`: the mask at a position ``p`` in the range (0 optimistic, 1 pessimistic):
  elevation ``(1 − p)·optimistic + p·pessimistic`` at every azimuth of either mask — how the risk
  layer samples where in the range a run stands;
* :class:`HorizonRange`: the span statistics at both ends beside the central ones, as ranges, with
  the one-line warning every output prints when the coarse DEM decides the answer.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ilrs.constants import AU_M, SOLAR_CONSTANT_W_M2, SUN_RADIUS_M
from ilrs.environment.horizon import HorizonMask
from ilrs.environment.illumination import SpanStatistics, span_statistics
from ilrs.environment.sites import Site
from ilrs.environment.sky import SkyTrack, visible_disk_fraction, visible_fraction_under_mask

CACHE_VERSION = "horizon-bounds-1"
ENDS = ("optimistic", "pessimistic")
RANGE_FIGURES = ("lit_fraction", "full_disk_fraction", "mean_visible_solar_fraction", "mean_irradiance_w_m2",
                 "longest_darkness_hours", "earth_visible_fraction", "longest_earth_gap_hours")
"""The span statistics reported as ranges (the fields of :class:`SpanStatistics` that depend on the horizon)."""
COLLAPSED = {"lit_fraction": 5e-4, "longest_darkness_hours": 0.5, "earth_visible_fraction": 5e-4}
"""Below these widths (0.05 points, half an hour) the range has collapsed: the DEM decides, no warning."""
log = logging.getLogger("ilrs.cache")


# -- the bounds of a site, kept on disk --------------------------------------------------------

def _terrain_code_stamp() -> str:
    """SHA-256 of the terrain code's source (bounds from an older terrain model are never reused)."""
    import sys

    from ilrs.environment.terrain import horizon_from_terrain
    from ilrs.environment.terrain_range import horizon_bounds

    h = hashlib.sha256(CACHE_VERSION.encode())
    for fn in (horizon_from_terrain, horizon_bounds):
        h.update(Path(sys.modules[fn.__module__].__file__).read_bytes())
    return h.hexdigest()


def _bounds_key(site: Site, horizon_kind: str, dems: tuple[str, ...] = ()) -> str:
    from ilrs.environment.timeline import _horizon_key

    payload = {"v": CACHE_VERSION, "site": site.to_dict(), "horizon": _horizon_key(horizon_kind),
               "code": _terrain_code_stamp()}
    if dems:
        from ilrs.environment.dem_info import dems_identity

        payload["dems"] = dems_identity(dems)
    return "bounds-" + hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _compute_bounds(site: Site, horizon_kind: str, dems: tuple[str, ...] = ()):
    """The bounds under the model; the user's DEM files (``site.dems``/``--dem``) nest inside it,
    and one of ≤ 20 m/px covering the site removes the range (None)."""
    from ilrs.environment.terrain_range import horizon_bounds

    files = ()
    if dems:
        from ilrs.environment.dem_info import dems_for_site

        files = dems_for_site(list(dems), site.lat_deg, site.lon_deg)
    if horizon_kind == "dem":
        return horizon_bounds(site, files)
    if Path(horizon_kind).suffix.lower() in (".tif", ".tiff"):
        from ilrs.environment.terrain import PolarStereoDEM

        return horizon_bounds(site, (PolarStereoDEM.from_geotiff(horizon_kind), *files))
    return None  # none, sphere, a table: no terrain model, nothing to bound


def _mask_json(m: HorizonMask) -> dict:
    return {"azimuth_deg": m.azimuth_deg.tolist(), "elevation_deg": m.elevation_deg.tolist(), "kind": m.kind,
            "source": m.source, "ground_m": m.ground_m}


def _encode_bounds(b) -> bytes:
    if b is None:
        return b"null"
    out = {f.name: (_mask_json(v) if isinstance(v, HorizonMask) else v)
           for f in dataclasses.fields(b) for v in (getattr(b, f.name),)}
    return json.dumps(out).encode()


def _decode_bounds(data: bytes):
    from ilrs.environment.terrain_range import HorizonBounds

    raw = json.loads(data)
    if raw is None:
        return None
    args = {k: (HorizonMask(np.array(v["azimuth_deg"]), np.array(v["elevation_deg"]), v["kind"], v["source"],
                            ground_m=v["ground_m"]) if isinstance(v, dict) and "azimuth_deg" in v else v)
            for k, v in raw.items()}
    return HorizonBounds(**args)


def site_horizon_bounds(site: Site, horizon_kind: str, *, on_ground: Callable[[], Site] | None = None,
                        use_cache: bool = True, dems: tuple[str, ...] = ()):
    """The :class:`~ilrs.environment.terrain_range.HorizonBounds` of ``site`` (at its mast) under
    the ``horizon_kind`` model, or None where nothing needs a range. Ray-marched once per site,
    model and terrain code; read back from disk afterwards. ``on_ground``: the site on the ground
    its horizon used (a GeoTIFF's), asked for only when the bounds are computed (``site`` keys them)."""
    if horizon_kind in ("none", "sphere"):
        return None
    from ilrs._io import DamagedEntry, discard_entry, read_entry, write_entry
    from ilrs.environment.timeline import cache_dir

    key = _bounds_key(site, horizon_kind, tuple(dems))
    path = cache_dir() / "environment" / f"{key}.entry"
    if use_cache:
        try:
            parts = read_entry(path, key)
            if parts is not None:
                return _decode_bounds(parts["bounds"])
        except Exception as exc:  # a damaged entry is recomputed, never trusted
            reason = str(exc) if isinstance(exc, DamagedEntry) else f"unreadable: {type(exc).__name__}"
            log.warning("ilrs: horizon bounds cache entry %s is damaged: %s; deleted, recomputing", path.name, reason)
            discard_entry(path)
    bounds = _compute_bounds(on_ground() if on_ground is not None else site, horizon_kind, tuple(dems))
    if use_cache:
        try:
            write_entry(path, key, {"bounds": _encode_bounds(bounds)})
        except Exception:  # a cache that cannot be written is skipped
            pass
    return bounds


# -- a track against another mask --------------------------------------------------------------

def track_under_horizon(track: SkyTrack, mask: HorizonMask) -> SkyTrack:
    """``track`` (Sun and Earth from the central observer) seen against ``mask``: new horizon
    elevations, visible solar fraction, irradiance and Earth visibility; the geometry as is."""
    s_el = np.asarray(track.sun_elevation_deg, float)
    s_az = np.asarray(track.sun_azimuth_deg, float)
    s_d = np.asarray(track.sun_distance_m, float)
    s_h = mask.elevation_at(s_az)
    e_h = mask.elevation_at(track.earth_azimuth_deg)
    rho = np.degrees(np.arcsin(SUN_RADIUS_M / s_d))
    frac = visible_disk_fraction(s_el, s_h, rho)  # exact for a flat mask; 0 or 1 clear of the mask's band
    if len(mask.azimuth_deg) > 1:
        lo, hi = _local_band_deg(mask, s_az, rho / np.maximum(np.cos(np.radians(s_el)), 1e-6))
        near = np.flatnonzero((s_el + rho > lo - BAND_PAD_DEG) & (s_el - rho < hi + BAND_PAD_DEG))
        if len(near):
            frac = frac.copy()
            frac[near] = visible_fraction_under_mask(s_el[near], s_az[near], rho[near], mask)
    irr = SOLAR_CONSTANT_W_M2 * (AU_M / s_d) ** 2 * frac
    return dataclasses.replace(track, sun_horizon_deg=s_h, visible_solar_fraction=frac, irradiance_w_m2=irr,
                               earth_horizon_deg=e_h,
                               earth_visible=np.asarray(track.earth_elevation_deg) > e_h)


BAND_GRID_DEG = 0.05
BAND_PAD_DEG = 0.05
"""The mask is sampled every 0.05° of azimuth and its running minimum and maximum taken over the
disk's width plus one sample each side; a 0.05° pad in elevation covers the slope between samples
(a mask rises < 1° per 0.05° of azimuth except at a cliff, where the pad is a sample's worth)."""


def _local_band_deg(mask: HorizonMask, azimuth_deg: np.ndarray, half_width_deg: np.ndarray):
    """The lowest and highest horizon within ``half_width_deg`` of each azimuth (sampled, see
    :data:`BAND_GRID_DEG`): outside that band the disk is wholly above or below the horizon."""
    from scipy.ndimage import maximum_filter1d, minimum_filter1d

    grid = np.arange(0.0, 360.0, BAND_GRID_DEG)
    h = mask.elevation_at(grid)
    width = float(np.clip(np.max(half_width_deg, initial=0.0), 0.0, 5.0))
    size = 2 * int(np.ceil(width / BAND_GRID_DEG)) + 3
    k = np.rint((np.asarray(azimuth_deg) % 360.0) / BAND_GRID_DEG).astype(int) % grid.size
    return minimum_filter1d(h, size, mode="wrap")[k], maximum_filter1d(h, size, mode="wrap")[k]


def blended_mask(bounds, position: float) -> HorizonMask:
    """The mask at ``position`` in the range: 0 the optimistic end, 1 the pessimistic, linear in
    elevation between them at every azimuth of either mask."""
    p = float(np.clip(position, 0.0, 1.0))
    opt, pes = bounds.optimistic, bounds.pessimistic
    if p == 0.0:
        return opt
    if p == 1.0:
        return pes
    az = np.union1d(opt.azimuth_deg, pes.azimuth_deg)
    el = (1.0 - p) * opt.elevation_at(az) + p * pes.elevation_at(az)
    return HorizonMask(az, el, kind=pes.kind, source=f"{p:.3g} of the way from the optimistic to the pessimistic "
                       "horizon bound", ground_m=pes.ground_m)


# -- the range of the span statistics ----------------------------------------------------------

@dataclass(frozen=True)
class HorizonRange:
    """The span statistics under the central mask and at each end of the bounds."""

    bounds: Any  # ilrs.environment.terrain_range.HorizonBounds
    central: SpanStatistics
    optimistic: SpanStatistics
    pessimistic: SpanStatistics

    def figure(self, name: str) -> dict[str, float]:
        """``{central, optimistic, pessimistic, low, high}`` of one statistic (low/high: the envelope
        of the three, so the range always holds the central value)."""
        c, o, p = (float(getattr(s, name)) for s in (self.central, self.optimistic, self.pessimistic))
        return {"central": c, "optimistic": o, "pessimistic": p, "low": min(c, o, p), "high": max(c, o, p)}

    @property
    def collapsed(self) -> bool:
        """True when the ends agree (within :data:`COLLAPSED`): the DEM decides the answer."""
        return all(self.figure(k)["high"] - self.figure(k)["low"] < w for k, w in COLLAPSED.items())

    def warning(self) -> str:
        """One line: the lit range, the assumption of each end, what the DEM cannot resolve, and
        which DEM would narrow it ("" when the range has collapsed)."""
        if self.collapsed:
            return ""
        lit, dark = self.figure("lit_fraction"), self.figure("longest_darkness_hours")
        return bounds_warning(self.bounds, f"lit {lit['low']:.1%}–{lit['high']:.1%}, longest darkness "
                                           f"{dark['low']:.0f}–{dark['high']:.0f} h")

    def to_dict(self) -> dict[str, Any]:
        """JSON: every range figure, the assumptions of each end, the DEM, what would narrow it, the warning."""
        b = self.bounds
        return {"statistics": {k: self.figure(k) for k in RANGE_FIGURES},
                "assumptions": dict(b.assumptions), "unresolved_m": float(b.unresolved_m), "dem": b.dem,
                "narrowed_by": b.narrowed_by, "collapsed": self.collapsed, "warning": self.warning(),
                "max_elevation_deg": {"optimistic": b.optimistic.max_elevation_deg,
                                      "pessimistic": b.pessimistic.max_elevation_deg}}

    def text(self, name: str, fmt: str = "{:.1%}") -> str:
        """``central (low–high)`` of one statistic, for a report or a terminal."""
        f = self.figure(name)
        return f"{fmt.format(f['central'])} ({fmt.format(f['low'])}–{fmt.format(f['high'])})"


def bounds_warning(bounds, what: str) -> str:
    """The one-line warning of ``bounds`` for the range ``what`` (e.g. "lit 51.0%–90.0%"): what the
    DEM cannot resolve and which DEM would narrow it; each end's assumption is
    :func:`bounds_assumption_lines`."""
    return (f"warning: the coarse DEM decides this answer — {what}: terrain within {bounds.unresolved_m:,.0f} m is "
            f"below the resolution of {bounds.dem}; {bounds.narrowed_by} would narrow it")


def bounds_assumption_lines(bounds) -> list[str]:
    """One line per end of ``bounds``: the assumption that makes it."""
    a = bounds.assumptions
    return [f"{end} end: {_sentence(a.get(end))}" for end in ENDS]


def _sentence(text: str | None) -> str:
    return (text or "not stated").strip().rstrip(".")


def horizon_range(track: SkyTrack, central: SpanStatistics, bounds, step_s: float | None = None) -> HorizonRange | None:
    """The :class:`HorizonRange` of ``track`` (computed under the central mask, with its
    statistics ``central``) for ``bounds``; None without bounds."""
    if bounds is None:
        return None
    step = central.step_s if step_s is None else step_s
    ends = {e: span_statistics(track_under_horizon(track, getattr(bounds, e)), step) for e in ENDS}
    return HorizonRange(bounds, central, ends["optimistic"], ends["pessimistic"])


def range_warning_line(rng: HorizonRange | None) -> str:
    """The warning of ``rng`` ("" without a range or when it collapsed)."""
    return rng.warning() if rng is not None else ""


__all__ = ["HorizonRange", "RANGE_FIGURES", "blended_mask", "bounds_assumption_lines", "bounds_warning", "horizon_range", "range_warning_line",
           "site_horizon_bounds", "track_under_horizon"]
