"""Maps from the horizon database: against the single-site path (ray march + sky + span statistics,
an independent computation), the compiled look-up against its NumPy reference, Dask tiles
byte-equal to a serial run, and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ilrs.environment.geotiff_write import write_polar_stereo_geotiff
from ilrs.environment.horizon_map import horizon_database, region_grid
from ilrs.environment.illumination import span_statistics
from ilrs.environment.region_maps import reference_exposure, sun_earth_maps
from ilrs.environment.sites import Site
from ilrs.environment.sky import sun_earth_azel
from ilrs.environment.terrain import PolarStereoDEM, fractal_heights_m, horizon_from_terrain

TIMES = np.arange(np.datetime64("2027-01-01"), np.datetime64("2027-07-01"), np.timedelta64(3, "h"))


@pytest.fixture(scope="module")
def rough():
    """160² px of 100 m rough terrain (σ = 150 m) ~15 km from the south pole, its database and maps."""
    rng = np.random.default_rng(3)
    z = fractal_heights_m(160, rng, 150.0)
    dem = PolarStereoDEM(z, 10_000.0 - 8000.0, 12_000.0 + 8000.0, 100.0)
    db = horizon_database(dem, n_azimuths=360)
    return dem, db, sun_earth_maps(db, TIMES)


@pytest.mark.parametrize("rc", [(80, 80), (130, 30), (100, 60), (40, 120), (140, 140)])
def test_maps_agree_with_the_single_site_path(rough, rc):
    """Stated bound: 2.5 points of lit fraction (any part of the disk), of mean visible disk
    fraction and of Earth visibility (measured ≤ 1.6 on this terrain: the database's observer
    stands ≤ ½ px from the pixel centre, and its horizon is read at 1° nodes)."""
    dem, db, maps = rough
    r, c = rc
    lat, lon = dem.xy_to_latlon(*dem.pixel_to_xy(r, c))
    site = Site("p", float(lat), float(lon), float(dem.heights_m[r, c]))
    stats = span_statistics(sun_earth_azel(site, TIMES, horizon_from_terrain(site, dem, use_global=False)))
    v = maps.values
    assert abs(v["lit_any_fraction"][r, c] - stats.lit_fraction) < 0.025
    assert abs(v["mean_visible_fraction"][r, c] - stats.mean_visible_solar_fraction) < 0.025
    assert abs(v["earth_visible_fraction"][r, c] - stats.earth_visible_fraction) < 0.025
    assert v["lit_centre_fraction"][r, c] <= v["lit_any_fraction"][r, c]
    assert v["mean_visible_fraction"][r, c] <= v["lit_any_fraction"][r, c] + 1e-12


def test_map_invariants(rough):
    _, _, maps = rough
    v = maps.values
    assert maps.samples == len(TIMES)
    assert not np.isnan(v["lit_any_fraction"]).any()     # every pixel, the DEM's edges included
    assert np.all(v["lit_centre_fraction"] <= v["lit_any_fraction"])
    assert np.all(v["mean_visible_fraction"] <= v["lit_any_fraction"] + 1e-12)
    # a pixel never lit is dark for the whole period
    never = v["lit_any_fraction"] == 0
    assert np.all(v["longest_darkness_hours"][never] == len(TIMES) * 3)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n_t=st.integers(1, 40), rho=st.sampled_from([0.0, 0.27]))
def test_exposure_kernel_equals_numpy_reference(seed, n_t, rho):
    from ilrs.environment._map_kernels import exposure_counts

    rng = np.random.default_rng(seed)
    h = rng.integers(-500, 800, size=(5, 7, 360)).astype(np.int16)
    h[0, 0, :] = -32768
    h[1, 2, 17] = -32768
    pos = rng.uniform(0, 360, n_t)
    el = rng.uniform(-2, 5, n_t)
    sc = rng.normal(size=(n_t, 3)) * 57.3
    du = rng.normal(size=(5, 7, 3)) * 1e-3
    rho_deg = np.full(n_t, rho)
    got = exposure_counts(h, pos, el, sc, rho_deg, du, True)
    ref = reference_exposure(h, pos, el, sc, rho_deg, du)
    for g, r in zip(got[:2] + got[3:], ref[:2] + ref[3:]):
        assert np.array_equal(g, r)
    assert np.allclose(got[2], ref[2], atol=1e-9)


def test_maps_on_dask_equal_serial_bytes():
    distributed = pytest.importorskip("distributed")
    rng = np.random.default_rng(5)
    dem = PolarStereoDEM(fractal_heights_m(48, rng, 200.0), -2400.0, 2400.0 + 3000.0, 100.0)
    db = horizon_database(dem, (4, 44), (2, 46))
    t = TIMES[:200]
    serial = sun_earth_maps(db, t)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        remote = sun_earth_maps(db, t, scheduler=cluster.scheduler_address)
    for k, v in serial.values.items():
        assert remote.values[k].tobytes() == v.tobytes(), k


def test_cli_lit_on_a_geotiff_writes_georeferenced_maps(tmp_path, ilrs_cli):
    import tifffile

    rng = np.random.default_rng(2)
    dem = PolarStereoDEM(fractal_heights_m(64, rng, 100.0), -3200.0, 3200.0, 100.0)
    tif = tmp_path / "dem.tif"
    write_polar_stereo_geotiff(tif, dem.heights_m, region_grid(dem, (0, 64), (0, 64)))
    out = tmp_path / "maps"
    res = ilrs_cli("map", "lit", "--dem", tif, "--region", "-89.99,0,3", "--start", "2027-01-01",
                   "--end", "2027-02-01", "--step", "6h", "--out", out, "--format", "json",
                   "--cache", tmp_path / "cache")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["samples_count"] == 31 * 4
    assert sorted(p.split("/")[-1] for p in data["files"]) == sorted(
        f"{n}.{e}" for n in ("lit_any_fraction", "lit_centre_fraction", "mean_visible_fraction") for e in ("tif", "png"))
    back = PolarStereoDEM.from_geotiff(out / "lit_any_fraction.tif")
    r0, c0 = data["region_rows"][0], data["region_cols"][0]
    assert (back.x0_m, back.y0_m) == tuple(float(v) for v in dem.pixel_to_xy(r0, c0))
    assert back.pixel_m == 100.0
    assert tifffile.imread(out / "lit_any_fraction.tif").shape == (data["region_rows"][1] - r0,
                                                                  data["region_cols"][1] - c0)


@pytest.mark.parametrize("args, field", [
    (["map", "lit", "--region", "10,0,5"], "--region"),
    (["map", "lit", "--region", "nope"], "--region"),
    (["map", "earth", "--step", "1 fortnight"], "--step"),
    (["map", "lit", "--step", "3600"], "--step"),            # a bare number: the unit is the point
    (["map", "psr", "--step", "5min"], "--step"),            # too fine over 18.6 years
    (["map", "darkness", "--scheduler", ""], "--scheduler"),  # not an address: refused before connecting
    (["map", "darkness", "--start", "2027-02-01", "--end", "2027-01-01"], "--end"),
    (["map", "psr", "--pixel-m", "5"], "--pixel-m"),
    (["map", "horizons", "--dem", "/nonexistent/dem.tif"], "--dem"),
    (["map", "horizons", "--azimuths", "100"], "--azimuths"),
])
def test_cli_bad_input_is_one_line_exit_2(ilrs_cli, tmp_path, args, field):
    res = ilrs_cli(*args, "--cache", tmp_path)
    assert res.returncode == 2
    assert field in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert res.stdout == ""


def test_cli_help_has_examples(ilrs_cli):
    res = ilrs_cli("map", "psr", "--help")
    assert res.returncode == 0 and "Examples" in res.stdout and "ilrs map psr" in res.stdout
