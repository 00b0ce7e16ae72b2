"""Horizon database: the compiled line sweep against its NumPy brute-force reference (hypothesis),
an isolated cone on the sphere (closed form and the single-site ray march), storage and reuse,
Dask tiles byte-equal to a serial run."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ilrs.constants import MOON_RADIUS_M
from ilrs.environment.horizon_map import (compiled_horizons_deg, horizon_database, load_database,
                                          packaged_polar_dem, reference_horizons, region_bounds)
from ilrs.environment.sites import Site
from ilrs.environment.terrain import PolarStereoDEM, fractal_heights_m, horizon_from_terrain
from ilrs.errors import InputError

R = MOON_RADIUS_M


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(8, 22), sigma=st.floats(10.0, 2000.0),
       pixel=st.sampled_from([5.0, 20.0, 240.0, 2000.0]), mast=st.sampled_from([0.0, 2.0, 50.0]),
       x_off_km=st.floats(-300.0, 300.0))
def test_compiled_sweep_equals_bruteforce_reference(seed, n, sigma, pixel, mast, x_off_km):
    """The hull finds the maximum of the exact elevation over every sample ahead (the reference
    evaluates them all); the parabola picks the vertex, the exact formula decides: ≤ 1e-3°."""
    rng = np.random.default_rng(seed)
    z = fractal_heights_m(n, rng, sigma)
    if rng.random() < 0.3:
        z[rng.random(z.shape) < 0.05] = np.nan
    dem = PolarStereoDEM(z, x_off_km * 1e3, x_off_km * 5e2 + n * pixel, pixel)
    az = np.radians(np.r_[0.0, 45.0, 90.0, 180.0, 270.0, rng.uniform(0, 360, 6)])
    rows, cols = (1, n - 2), (2, n - 1)
    ref = reference_horizons(dem, az, rows, cols, mast)
    got = compiled_horizons_deg(dem, az, rows, cols, mast)
    assert np.array_equal(np.isnan(ref), np.isnan(got))
    assert np.nanmax(np.abs(ref - got)) <= 1e-3   # measured ≤ 4e-6° (55° slopes); stored to 0.01°


def _cone_dem(n=81, pixel=100.0, apex=(20, 40), height=1500.0, base_m=3000.0):
    """A flat sphere (0 m) with one cone; column 40 lies on the λ₀ = 0 meridian (x = 0, y > 0)."""
    rr, cc = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    d = np.hypot(rr - apex[0], cc - apex[1]) * pixel
    z = np.clip(height * (1.0 - d / base_m), 0.0, None)
    return PolarStereoDEM(z, -40 * pixel, 20_000.0 + n * pixel, pixel)


def test_cone_on_the_sphere_closed_form_and_ray_march():
    """Observer 4 km from a 1.5 km cone's apex on the same meridian: horizon toward it = the
    apex's exact elevation atan2((R+H)cos γ − R, (R+H) sin γ) (the cone's front is steeper than
    the sight line); ray march (terrain.horizon_from_terrain, use_global=False) agrees."""
    dem = _cone_dem()
    db = horizon_database(dem, (60, 61), (40, 41), n_azimuths=360)
    # grid azimuth 0 = +y = towards row 20 from row 60 (rows go −y)
    ground_m = (60 - 20) * 100.0 / (1.0 + (20_000.0 + 81 * 100.0 - 60 * 100.0) ** 2 / (4 * R * R))
    g = ground_m / R
    analytic = np.degrees(np.arctan2((R + 1500.0) * np.cos(g) - R, (R + 1500.0) * np.sin(g)))
    got = db.horizon_deg(0, 0)
    assert abs(got[0] - analytic) < 0.006          # int16 centidegrees: ±0.005°
    # away from the cone: the smooth sphere, whose nearest sample (one pixel) is −γ/2 below
    assert np.all(np.abs(got[90:271]) < 0.01)
    lat, lon = dem.xy_to_latlon(*dem.pixel_to_xy(60, 40))
    site = Site("cone-observer", float(lat), float(lon), 0.0)
    march = horizon_from_terrain(site, dem, use_global=False, azimuth_step_deg=1.0)
    # local azimuth = grid azimuth − (λ − λ₀): λ = 0 on this meridian
    assert abs(march.elevation_deg[0] - analytic) < 0.01
    assert np.max(np.abs(march.elevation_deg[::1] - got)) < 0.5   # whole mask, 1° nodes


def test_off_axis_pixel_matches_ray_march_within_half_pixel_bound():
    """A pixel off the cone's meridian: the sweep's observer sits ≤ ½ px from the pixel centre
    across the line, so the bound is the cone slope × ½ px over the distance (≈ 0.25° here)."""
    dem = _cone_dem()
    r, c = 52, 57
    db = horizon_database(dem, (r, r + 1), (c, c + 1), n_azimuths=720)
    lat, lon = dem.xy_to_latlon(*dem.pixel_to_xy(r, c))
    site = Site("p", float(lat), float(lon), float(dem.heights_m[r, c]))
    march = horizon_from_terrain(site, dem, use_global=False, azimuth_step_deg=0.5)
    conv = float(lon) % 360.0
    grid = np.interp((march.azimuth_deg + conv) % 360.0, db.azimuth_deg, db.horizon_deg(0, 0), period=360.0)
    dist = np.hypot(r - 20, c - 40) * 100.0
    bound = np.degrees(np.arctan(0.5 * 0.5 * 100.0 / dist)) + 0.01
    toward = np.argmax(march.elevation_deg)
    assert abs(grid[toward] - march.elevation_deg[toward]) < bound
    assert np.max(np.abs(grid - march.elevation_deg)) < 3 * bound   # the cone's flanks: azimuth shifts too


def test_database_is_stored_and_reused(tmp_path):
    rng = np.random.default_rng(4)
    dem = PolarStereoDEM(fractal_heights_m(48, rng, 300.0), -2400.0, 2400.0, 100.0, source="synthetic")
    first = horizon_database(dem, (8, 40), (4, 44), cache_dir=tmp_path)
    again = load_database(tmp_path / first.key)
    assert again is not None and isinstance(again.horizon_cdeg, np.memmap)
    assert np.array_equal(np.asarray(again.horizon_cdeg), first.horizon_cdeg)
    assert again.grid == first.grid and again.rows == (8, 40)
    assert horizon_database(dem, (8, 40), (4, 44), cache_dir=tmp_path).key == first.key
    other = PolarStereoDEM(dem.heights_m + 1.0, -2400.0, 2400.0, 100.0)
    assert horizon_database(other, (8, 40), (4, 44), n_azimuths=360).key != first.key
    # the region's georeferencing: pixel [0, 0] of the region = DEM pixel [8, 4]
    assert (first.grid.x0_m, first.grid.y0_m) == tuple(float(v) for v in dem.pixel_to_xy(8, 4))


def test_numpy_path_equals_compiled_database(monkeypatch):
    rng = np.random.default_rng(7)
    dem = PolarStereoDEM(fractal_heights_m(20, rng, 500.0), 0.0, 2000.0, 100.0)
    fast = horizon_database(dem, (2, 18), (3, 17))
    monkeypatch.setenv("ILRS_KERNELS", "numpy")
    slow = horizon_database(dem, (2, 18), (3, 17))
    assert np.array_equal(fast.horizon_cdeg, slow.horizon_cdeg)


def test_dask_local_cluster_gives_identical_bytes():
    distributed = pytest.importorskip("distributed")
    rng = np.random.default_rng(11)
    dem = PolarStereoDEM(fractal_heights_m(40, rng, 400.0), -2000.0, 2000.0, 100.0)
    serial = horizon_database(dem, (5, 35), (5, 35))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        remote = horizon_database(dem, (5, 35), (5, 35), scheduler=cluster.scheduler_address)
    assert remote.horizon_cdeg.tobytes() == serial.horizon_cdeg.tobytes()


def test_bad_requests_are_one_line_errors():
    dem = PolarStereoDEM(np.zeros((10, 10)), 0.0, 1000.0, 100.0, source="x.tif")
    with pytest.raises(InputError, match="--azimuths"):
        horizon_database(dem, n_azimuths=90)
    with pytest.raises(InputError, match="outside"):
        region_bounds(dem, (-80.0, 90.0), 5.0)
    with pytest.raises(InputError, match="--pixel-m"):
        packaged_polar_dem(5.0, (0.0, 0.0), 1000.0)


def test_packaged_dem_resampling_keeps_the_coarse_heights():
    """The polar grid of the packaged DEM holds its heights: Malapert's summit region +4.87 km
    (data-sources.md quotes the coarse DEM's summit), the pole's neighbourhood below it."""
    from ilrs.environment.dem import ground_height_m

    dem = packaged_polar_dem(2000.0, (0.0, 0.0), 200_000.0)
    lat, lon = dem.xy_to_latlon(*dem.pixel_to_xy(37, 91))
    assert dem.heights_m[37, 91] == pytest.approx(float(ground_height_m(lat, lon - 360 if lon > 180 else lon)), abs=1e-6)
    assert np.nanmax(dem.heights_m) > 4000.0
