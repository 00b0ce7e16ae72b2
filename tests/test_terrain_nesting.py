"""Several DEMs (contract T2): at every sample along a ray the finest DEM with a value wins."""

from __future__ import annotations

import numpy as np
import pytest

from ilrs.environment import Site
from ilrs.environment.terrain import PolarStereoDEM, horizon_from_terrain, horizon_for_site, site_ground_m

R = 1_737_400.0


def _polar_dem(n: int, pixel_m: float, z_of_xy, source: str) -> PolarStereoDEM:
    half = n * pixel_m / 2
    c = -half + pixel_m / 2 + np.arange(n) * pixel_m
    x, y = np.meshgrid(c, -c)
    return PolarStereoDEM(z_of_xy(x, y), -half + pixel_m / 2, half - pixel_m / 2, pixel_m, source=source)


def _walls(x, y):
    """2 km-high walls: x in [2, 4] km (inside the fine DEM) and x in [-30, -28] km (outside it)."""
    inside = (x >= 2000) & (x <= 4000) & (np.abs(y) <= 6000)
    outside = (x >= -30000) & (x <= -28000) & (np.abs(y) <= 6000)
    return np.where(inside | outside, 2000.0, 0.0)


@pytest.fixture(scope="module")
def dems():
    coarse = _polar_dem(200, 400.0, _walls, "coarse 400 m")
    fine = _polar_dem(500, 20.0, lambda x, y: np.zeros_like(x), "fine 20 m")   # ±5 km, flat
    return coarse, fine


def test_finest_dem_with_a_value_wins(dems):
    coarse, fine = dems
    site = Site("pole", -90.0, 0.0, mast_height_m=2.0)   # at the pole with lon 0: az 90 is map +x
    both = horizon_from_terrain(site, [coarse, fine], use_global=False, azimuth_step_deg=10.0,
                                max_range_m=39_000.0)
    coarse_only = horizon_from_terrain(site, coarse, use_global=False, azimuth_step_deg=10.0, max_range_m=39_000.0)
    # toward +x the wall at 2-4 km lies inside the flat fine DEM: not seen (the flat sphere's dip
    # from 2 m, acos(R/(R + 2 m)) = 0.087°, down to the tangent point 2.6 km away, in the fine DEM)
    assert coarse_only.elevation_deg[9] > 40.0
    assert both.elevation_deg[9] == pytest.approx(-np.degrees(np.arccos(R / (R + 2.0))), abs=2e-3)
    # toward −x the wall at 28-30 km lies beyond the fine DEM: the coarse DEM's, exactly
    d = np.linspace(100.0, 39_000.0, 200_000)
    rho = 2 * R * np.tan(d / R / 2)                       # map radius of ground distance d from the pole
    h = coarse.sample_rc(*coarse.xy_to_pixel(-rho, np.zeros_like(rho)))
    g, r0 = d / R, R + 2.0
    exact = np.degrees(np.nanmax(np.arctan2((R + h) * np.cos(g) - r0, (R + h) * np.sin(g))))
    assert both.elevation_deg[27] == pytest.approx(exact, abs=0.05)
    # the order the DEMs are given in does not matter
    np.testing.assert_array_equal(both.elevation_deg,
                                  horizon_from_terrain(site, [fine, coarse], use_global=False, azimuth_step_deg=10.0,
                                                       max_range_m=39_000.0).elevation_deg)


def test_ground_from_the_finest_dem(dems):
    coarse, fine = dems
    at = Site("p", *[float(v) for v in fine.xy_to_latlon(3000.0, 0.0)])   # on the coarse wall, in the fine DEM
    assert site_ground_m(at, [coarse, fine]) == (0.0, "fine 20 m")
    assert site_ground_m(at, coarse)[0] == pytest.approx(2000.0)
    m = horizon_for_site(at, "dem", dem=[coarse, fine], azimuth_step_deg=10.0)
    assert m.ground_m == at.height_m and "fine 20 m" in m.source and "coarse 400 m" in m.source
