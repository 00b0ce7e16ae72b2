"""Permanently shadowed regions: a polar bowl crater whose floor the Sun (≤ ~1.8° above the
horizon at the pole) can never reach, flat ground that it does, the counted area of the cap
against the spherical-cap formula, and the published figure carried with its DEM."""

from __future__ import annotations

import json

import numpy as np

from ilrs.constants import MOON_RADIUS_M
from ilrs.environment.horizon_map import horizon_database, packaged_polar_dem
from ilrs.environment.psr import MAZARICO_2011, PRECESSION_CYCLE_DAYS, permanent_shadow, precession_times
from ilrs.environment.terrain import PolarStereoDEM

# two years sampled every 6 h: enough for the tests' geometry (the Sun's elevation envelope at
# the pole stays within 1.6° + 0.27° over any year; the bowl's walls rise 20° and more)
TIMES = precession_times("2027-01-01", 6 * 3600.0)[: 2 * 1461]


def _bowl(depth_m=2000.0, radius_m=5000.0, n=121, pixel=200.0):
    """A paraboloid bowl centred on the south pole in flat (0 m) ground."""
    rr, cc = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    half = (n - 1) / 2
    d = np.hypot(rr - half, cc - half) * pixel
    z = np.where(d < radius_m, -depth_m * (1 - (d / radius_m) ** 2), 0.0)
    return PolarStereoDEM(z, -half * pixel, half * pixel, pixel)


def test_bowl_floor_is_shadowed_and_the_plain_is_not():
    dem = _bowl()
    db = horizon_database(dem, n_azimuths=360)
    res = permanent_shadow(db, times=TIMES, step_s=6 * 3600.0)
    assert res.mask[60, 60] and res.mask[55:66, 55:66].all()           # the floor: walls ≥ 20° high
    # the plain 8-11 km from the pole (outside the 5 km rim): the horizon is the smooth sphere's
    # (≤ 0°), the Sun's limb rises above it
    assert not res.mask[60, 5] and not res.mask[5, 60] and not res.mask[115, 115]
    # closed form: a point of the floor at distance d from the axis sees the wall at
    # tan ε ≥ depth·(1 − (d/a)²)/(a − d) ... at d ≤ 1 km: ≥ 20° ≫ the Sun's ≤ 1.9°
    assert res.area_km2 > np.pi * 1.0 ** 2


def test_counted_area_is_the_spherical_cap():
    """Cap poleward of 80°S on the packaged DEM's polar grid: counted area = 2πR²(1 − cos 10°)
    (the pixel areas (pixel/k)² sum to it to the pixelation of its edge: < 0.5%)."""
    dem = packaged_polar_dem(4000.0, (0.0, 0.0), 320_000.0)
    db = horizon_database(dem, n_azimuths=360)
    res = permanent_shadow(db, times=TIMES[::8], step_s=48 * 3600.0, poleward_of_deg=-80.0)
    cap = 2 * np.pi * (MOON_RADIUS_M / 1e3) ** 2 * (1 - np.cos(np.radians(10.0)))
    assert abs(res.counted_area_km2 - cap) / cap < 0.005
    assert 0 < res.area_km2 < 0.2 * cap


def test_cycle_and_published_figure():
    assert abs(PRECESSION_CYCLE_DAYS / 365.25 - 18.6) < 0.02
    t = precession_times("2024-01-01", 3600.0)
    assert len(t) == int(PRECESSION_CYCLE_DAYS * 24)
    assert MAZARICO_2011["south_psr_area_km2"] == 16055.0 and "240 m" in MAZARICO_2011["dem"]


def test_cli_psr_json_reports_both_figures(ilrs_cli, tmp_path):
    res = ilrs_cli("map", "psr", "--pixel-m", "8000", "--margin-km", "20", "--step", "24h", "--format", "json",
                   "--cache", tmp_path, "--out", tmp_path / "psr")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["published"]["south_psr_area_km2"] == 16055.0
    assert data["psr_area_km2"] >= 0 and data["poleward_of_deg"] == -80.0
    assert "resampled" in data["dem"]
    assert len(data["files"]) == 2
