"""Permanently shadowed regions (PSRs) from a horizon database, over a lunar precession cycle.

A pixel is permanently shadowed when NO part of the solar disk rises above its horizon at any
epoch of an 18.6-year cycle (the lunar nodal precession period; the Sun's track over the poles
repeats with it). The Sun's track is reduced once per tile to its ENVELOPE: for each 1/4 of the
database's azimuth step, the epoch of the highest upper limb (ε + ρ☉) seen from the tile's centre
(:mod:`ilrs.environment.region_maps` for the per-tile frames); a pixel is then one look-up of
≤ 4·N envelope points against its horizon (the pixel's own elevation, first order in its tilt
from the tile centre). Error of the reduction: within an envelope bin the horizon's linear
interpolant changes by its azimuthal slope × the bin (0.25° at N = 360): an envelope point stands
for the bin; the hourly sampling misses ≤ 0.01° of the Sun's elevation (it changes < 0.01°/h).

Published figure beside ours (``MAZARICO_2011``): 16,055 km² of permanent shadow in the south
polar region, from LOLA 240 m/px polar DEMs to 75°S; see the dict's fields for what it covers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ilrs.constants import SECONDS_PER_DAY, SUN_RADIUS_M
from ilrs.environment.horizon_map import HorizonDatabase, Progress
from ilrs.environment.region_maps import (SkyTiles, _pixel_up, body_tiles, exposure_maps, nodata_mask,
                                          pixel_area_km2, pixel_latitude_deg)

PRECESSION_CYCLE_DAYS = 6798.38
"""Nodal precession period of the lunar orbit, 18.61 years (6798.38 d; e.g. Meeus 1998, Astronomical
Algorithms ch. 47, the period of Ω). reported: 1998 (secondary: textbook)."""

MAZARICO_2011 = {
    "south_psr_area_km2": 16055.0,
    "north_psr_area_km2": 12866.0,
    "dem": "LOLA polar DEMs at 240 m/px to 75° latitude (horizons to 150 km)",
    "period": "one precession cycle (18.6 yr) of the Sun's track",
    "lit_definition": "permanent shadow: no part of the solar disk above the horizon",
    "source": "Mazarico E., Neumann G. A., Smith D. E., Zuber M. T., Torrence M. H. (2011), Illumination "
              "conditions of the lunar polar regions using LOLA topography, Icarus 211, 1066-1081, "
              "doi:10.1016/j.icarus.2010.10.030 (abstract; as quoted in shared/reference/world-2026-12.md)",
    "reported": "2011-01",
}


@dataclass(frozen=True)
class PsrResult:
    mask: np.ndarray             # (rows, cols) bool: permanently shadowed (within the counted area)
    counted: np.ndarray          # (rows, cols) bool: pixels counted (data, poleward of the limit)
    area_km2: float
    counted_area_km2: float
    start_utc: str
    end_utc: str
    step_s: float
    samples: int
    envelope_points: int
    poleward_of_deg: float | None


def sun_envelope(db: HorizonDatabase, sun_vectors_me: np.ndarray, *, ground_m: float = 0.0,
                 subdivide: int = 4) -> SkyTiles:
    """Per tile: the epochs of the highest upper limb in each 1/``subdivide`` of an azimuth step."""
    n_bins = db.n_azimuths * subdivide

    def envelope(pos, el, sc, rho):
        b = np.floor(pos * subdivide).astype(np.int64) % n_bins
        order = np.lexsort((-(el + rho), b))              # by bin, highest limb first
        first = order[np.r_[True, b[order][1:] != b[order][:-1]]]
        return (np.ascontiguousarray(pos[first]), np.ascontiguousarray(el[first]),
                np.ascontiguousarray(sc[first]), np.ascontiguousarray(rho[first]))

    return body_tiles(db, sun_vectors_me, radius_m=SUN_RADIUS_M, ground_m=ground_m, reduce=envelope)


def _envelope_candidates(db: HorizonDatabase, centre, sun_me: np.ndarray, keep: int = 8) -> np.ndarray:
    """Epochs that can hold a tile's envelope: the ``keep`` highest upper limbs of each 1/8 of an
    azimuth step seen from the region's centre (a tile's frame shifts the Sun's elevation within a
    bin by nearly one offset, and its grid azimuth by < 0.5° within the 80°S cap; every bin's
    candidates are kept, so a tile re-bins them in its own frame). Cuts each tile's work from the
    whole cycle to ≤ 8·8·N epochs."""
    az, el = centre.azel_me(sun_me)
    lon = np.arctan2(centre.position_me_m[1], centre.position_me_m[0])
    grid_az = (az + np.degrees(lon) - db.grid.lon0_deg) % 360.0
    n_bins = db.n_azimuths * 8
    b = np.floor(grid_az / 360.0 * n_bins).astype(np.int64) % n_bins
    top = el + np.degrees(np.arcsin(SUN_RADIUS_M / np.linalg.norm(sun_me, axis=1)))
    order = np.lexsort((-top, b))
    rank = np.arange(len(order)) - np.searchsorted(b[order], b[order], side="left")
    return np.sort(order[rank < keep])


def precession_times(start: str = "2024-01-01", step_s: float = 3600.0) -> np.ndarray:
    """UTC epochs every ``step_s`` over one precession cycle from ``start``."""
    t0 = np.datetime64(start, "ns")
    n = int(PRECESSION_CYCLE_DAYS * SECONDS_PER_DAY // step_s)
    return t0 + (np.arange(n) * int(step_s * 1e9)).astype("timedelta64[ns]")


def permanent_shadow(db: HorizonDatabase, *, start: str = "2024-01-01", step_s: float = 3600.0,
                     poleward_of_deg: float | None = None, ground_m: float = 0.0,
                     scheduler: str | None = None, progress: Progress | None = None,
                     times=None) -> PsrResult:
    """PSR mask and area of ``db``'s region over one precession cycle (or ``times``), counting the
    pixels with data poleward of ``poleward_of_deg`` (e.g. −80: the south cap beyond 80°S)."""
    from ilrs.environment.sites import Site
    from ilrs.environment.sky import apparent_vectors_site
    from ilrs.timeutil import iso_utc

    t = precession_times(start, step_s) if times is None else np.asarray(times, "datetime64[ns]")
    shape = db.horizon_cdeg.shape[1:]
    up_c = _pixel_up(db.grid, np.array((shape[0] - 1) / 2.0), np.array((shape[1] - 1) / 2.0))
    centre = Site("region-centre", float(np.degrees(np.arcsin(up_c[2]))),
                  float(np.degrees(np.arctan2(up_c[1], up_c[0]))), ground_m, db.mast_m)
    sun = apparent_vectors_site(centre, t, bodies=("sun",))["sun"]
    env = sun_envelope(db, sun[_envelope_candidates(db, centre, sun)], ground_m=ground_m)
    any_up, _, _, _ = exposure_maps(db, env, want_fraction=False, scheduler=scheduler, progress=progress)
    counted = ~nodata_mask(db)
    if poleward_of_deg is not None:
        lat = pixel_latitude_deg(db)
        counted &= (lat <= poleward_of_deg) if poleward_of_deg < 0 else (lat >= poleward_of_deg)
    mask = (any_up == 0) & counted
    area = pixel_area_km2(db)
    end = t[-1] + np.timedelta64(int(step_s * 1e9), "ns")
    return PsrResult(mask, counted, float(area[mask].sum()), float(area[counted].sum()), iso_utc(t[0]),
                     iso_utc(end), float(step_s), len(t), int(max(len(p) for p in env.pos)), poleward_of_deg)
