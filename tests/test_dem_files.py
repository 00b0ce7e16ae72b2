"""Real LOLA products as users download them (issue 13 item 3), on synthetic files the tests write:
PDS3 IMG+LBL (detached and attached label, int16 scaled and float32) and GeoTIFF, read memory-mapped.

Heights are a known function of map position (:func:`tests.dem_fixtures.height_function_m`); the
expected pixel positions come from the LOLA catalogue's own formulas (DSMAP_POLAR.CAT:
X = (I − N/2 − 0.5)·MAP_SCALE, LAT = −90 + 2·atan(R/(2·1737.4 km)), LON = atan2(X, −Y)),
written out in the fixtures independently of the reader."""

from __future__ import annotations

import json
import os
import time

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from ilrs.environment.terrain import PolarStereoDEM
from ilrs.errors import InputError
from tests.dem_fixtures import (R_M, height_function_m, lola_pixel_xy, south_xy_to_latlon, write_geotiff_dem,
                                write_lola_pds3)

N = 64
PX = 20.0


@pytest.fixture
def cli(capsys, monkeypatch):
    """``ilrs ARGS`` in this process (no interpreter start-up): (returncode, stdout, stderr)."""
    from types import SimpleNamespace

    from ilrs.cli.main import main

    def run(*args, env_extra=None):
        for k, v in (env_extra or {}).items():
            monkeypatch.setenv(k, v)
        capsys.readouterr()
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code or 0
        out = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)

    return run


def _all_pixels(dem):
    r, c = np.meshgrid(np.arange(N, dtype=float), np.arange(N, dtype=float), indexing="ij")
    return dem.sample_rc(r, c)


@pytest.mark.parametrize("kind", ["int16-detached", "int16-attached", "float32", "int16-lowercase-image"])
def test_pds3_heights_at_every_pixel_centre_are_the_written_function(tmp_path, kind):
    lbl, img, truth = write_lola_pds3(tmp_path, N, PX, sample_type="PC_REAL" if kind == "float32" else "LSB_INTEGER",
                                      attached=kind == "int16-attached", missing_rows=2,
                                      lower_case_image=kind.endswith("lowercase-image"))
    dem = PolarStereoDEM.open(lbl)
    assert isinstance(dem.heights_m, np.memmap)  # never decoded
    h = _all_pixels(dem)
    assert np.array_equal(np.isnan(h), np.isnan(truth))
    assert np.nanmax(np.abs(h - truth)) < 1e-4
    # and the stored values are the function itself (int16 at 0.5 m steps)
    x, y = lola_pixel_xy(np.arange(1, N + 1)[:, None], np.arange(1, N + 1)[None, :], N, N, PX)
    ok = ~np.isnan(truth)
    tol = 0.25 + 1e-9 if kind != "float32" else 1e-3
    assert np.abs(h - height_function_m(x, y))[ok].max() <= tol


def test_pds3_the_label_beside_the_image_is_found(tmp_path):
    lbl, img, truth = write_lola_pds3(tmp_path, N, PX)
    assert np.nanmax(np.abs(_all_pixels(PolarStereoDEM.open(img)) - truth)) < 1e-4


@pytest.fixture(scope="module")
def lola_dem(tmp_path_factory):
    lbl, _, truth = write_lola_pds3(tmp_path_factory.mktemp("p"), N, PX)
    return PolarStereoDEM.open(lbl), truth


@settings(max_examples=60, deadline=None)
@given(line=st.integers(3, N - 2), sample=st.integers(3, N - 2), fl=st.floats(0, 1), fs=st.floats(0, 1))
def test_pds3_height_at_a_latlon_matches_the_catalogue_projection(lola_dem, line, sample, fl, fs):
    dem, truth = lola_dem
    # a point between pixel centres, by the catalogue's formulas (1-based line/sample)
    x, y = lola_pixel_xy(line + fl, sample + fs, N, N, PX)
    lat, lon = south_xy_to_latlon(x, y)
    j, i = line - 1, sample - 1  # 0-based indices of the upper-left neighbour
    expected = ((1 - fl) * ((1 - fs) * truth[j, i] + fs * truth[j, i + 1])
                + fl * ((1 - fs) * truth[j + 1, i] + fs * truth[j + 1, i + 1]))
    assert float(dem.height_at(lat, lon)) == pytest.approx(expected, abs=1e-3)


def test_a_known_latlon_on_the_lola_grid(tmp_path):
    # 20 m/px, 64 px: pixel (line 1, sample 1) centre at x = y = ∓630 m; the point at 89.99°S, 45°E
    # lies ρ = 2R·tan(π/4 − 0.01°/2) ≈ 303.2 m from the pole (Snyder 21-33) — on pixel (row 21, col 42)
    lbl, _, truth = write_lola_pds3(tmp_path, N, PX)
    from ilrs.environment.dem_info import describe_dem

    rho = 2 * R_M * np.tan(np.pi / 4 - np.radians(89.99) / 2)
    assert rho == pytest.approx(303.23, abs=0.01)
    site = describe_dem(lbl, -89.99, 45.0)["site"]
    col = (rho * np.sin(np.radians(45)) + 630) / PX
    row = (630 - rho * np.cos(np.radians(45))) / PX
    assert (site["row"], site["col"]) == (round(row), round(col)) == (21, 42)
    assert site["covered"] and abs(site["height_m"] - height_function_m(*_xy(rho))) < 1.0


def _xy(rho):
    return rho * np.sin(np.radians(45)), rho * np.cos(np.radians(45))


@pytest.mark.parametrize("dtype", [np.int16, np.float32])
def test_geotiff_is_memory_mapped_and_reads_the_function(tmp_path, dtype):
    truth = write_geotiff_dem(tmp_path / "site.tif", N, PX, dtype=dtype)
    dem = PolarStereoDEM.open(tmp_path / "site.tif")
    assert isinstance(dem.heights_m, np.memmap)
    h = _all_pixels(dem)
    assert np.array_equal(np.isnan(h), np.isnan(truth))
    assert np.nanmax(np.abs(h - truth)) < 1e-4
    x, y = lola_pixel_xy(30.25, 40.5, N, N, PX)
    lat, lon = south_xy_to_latlon(x, y)
    assert float(dem.height_at(lat, lon)) == pytest.approx(float(height_function_m(x, y)), abs=1.5)


def test_compressed_geotiff_is_decoded_when_small(tmp_path):
    truth = write_geotiff_dem(tmp_path / "z.tif", N, PX, compression="zlib")
    dem = PolarStereoDEM.open(tmp_path / "z.tif")
    assert not isinstance(dem.heights_m, np.memmap)
    assert np.nanmax(np.abs(_all_pixels(dem) - truth)) < 1e-4


def test_compressed_geotiff_too_big_to_decode_is_refused_with_the_remedy(tmp_path, monkeypatch, cli):
    write_geotiff_dem(tmp_path / "z.tif", N, PX, compression="zlib")
    r = cli("dem", "info", tmp_path / "z.tif", env_extra={"ILRS_MAX_INPUT_MB": "0.01"})
    assert r.returncode == 2 and "z.tif" in r.stderr and "COMPRESS=NONE" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_opening_a_30000_square_image_takes_under_a_second_and_a_few_mib(tmp_path):
    # a sparse LDEM_80S_20M-sized file (30 400², int16): nothing is read but the label
    n = 30_400
    lbl, img, _ = write_lola_pds3(tmp_path, 4, PX, product="LDEM_80S_20M")
    text = lbl.read_text()
    for key, small, big in (("LINES", 4, n), ("LINE_SAMPLES", 4, n), ("FILE_RECORDS", 4, n), ("RECORD_BYTES", 8, 2 * n),
                            ("LINE_LAST_PIXEL", 4, n), ("SAMPLE_LAST_PIXEL", 4, n),
                            ("LINE_PROJECTION_OFFSET", "1.5", n / 2 - 0.5),
                            ("SAMPLE_PROJECTION_OFFSET", "1.5", n / 2 - 0.5)):
        text = "\n".join(line.replace(f"= {small}", f"= {big}") if line.strip().startswith(key + " ") else line
                         for line in text.splitlines())
    lbl.write_text(text)
    with open(img, "wb") as f:
        f.truncate(n * n * 2)
    rss0 = _rss_bytes()
    t0 = time.perf_counter()
    dem = PolarStereoDEM.open(lbl)
    elapsed = time.perf_counter() - t0
    assert dem.heights_m.shape == (n, n)
    assert elapsed < 1.0
    assert _rss_bytes() - rss0 < 64 * 2**20  # decoding it as float64 would take 6.9 GiB
    # LOLA's whole-cap grid: the pole at the centre of the image
    assert dem.x0_m == pytest.approx(-(n / 2 - 0.5) * PX) and dem.y0_m == pytest.approx((n / 2 - 0.5) * PX)


def _rss_bytes() -> int:
    with open(f"/proc/{os.getpid()}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


# -- bad input: one line naming the file and what is wrong, exit 2 ---------------------------------

def _one_line(r, *needles):
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    for n in needles:
        assert n in lines[0], lines[0]


def test_truncated_image_is_refused(tmp_path, cli):
    lbl, img, _ = write_lola_pds3(tmp_path, N, PX, truncate_bytes=100)
    _one_line(cli("dem", "info", lbl), img.name, "truncated", f"{N * N * 2 - 100:,}", f"{N * N * 2:,}")


@pytest.mark.parametrize("drop, field", [("LINES", "LINES"), ("MAP_SCALE", "MAP_SCALE"),
                                         ("SAMPLE_PROJECTION_OFFSET", "SAMPLE_PROJECTION_OFFSET"),
                                         ("SAMPLE_TYPE", "SAMPLE_TYPE")])
def test_missing_keyword_is_named(tmp_path, cli, drop, field):
    lbl, _, _ = write_lola_pds3(tmp_path, N, PX, drop=drop)
    _one_line(cli("dem", "info", lbl), lbl.name, field, "missing")


def test_another_projection_is_named(tmp_path, cli):
    lbl, _, _ = write_lola_pds3(tmp_path, N, PX, projection="EQUIRECTANGULAR")
    _one_line(cli("dem", "info", lbl), lbl.name, "EQUIRECTANGULAR", "not polar stereographic")


def test_north_polar_dem_for_a_south_site_says_so(tmp_path, cli):
    lbl, _, _ = write_lola_pds3(tmp_path, N, PX, center_lat=90.0)
    r = cli("site", "--lat", "-89.99", "--lon", "45", "--dem", lbl, "--at", "2027-01-01T00:00:00")
    _one_line(r, lbl.name, "north polar", "needs a south polar")
    d = json.loads(cli("dem", "info", lbl, "--lat", "-89.99", "--lon", "45", "--format", "json").stdout)
    assert d["projection"] == "POLAR STEREOGRAPHIC (north pole)" and d["site"]["hemisphere_matches"] is False


def test_geotiff_without_georeferencing_is_refused(tmp_path, cli):
    write_geotiff_dem(tmp_path / "plain.tif", N, PX, georef=False)
    _one_line(cli("dem", "info", tmp_path / "plain.tif"), "plain.tif", "ModelPixelScaleTag", "georeference")


def test_site_outside_every_dem_is_refused(tmp_path, cli):
    lbl, _, _ = write_lola_pds3(tmp_path, N, PX)
    tif = tmp_path / "s.tif"
    write_geotiff_dem(tif, N, PX)
    r = cli("site", "connecting-ridge", "--dem", lbl, "--dem", tif, "--at", "2027-01-01T00:00:00")
    _one_line(r, "outside every DEM", "LDEM_SYN_20M.LBL", "s.tif")


def test_heights_scaled_out_of_the_moons_relief_are_refused(tmp_path):
    lbl, _, _ = write_lola_pds3(tmp_path, N, PX)
    lbl.write_text(lbl.read_text().replace("SCALING_FACTOR          = 0.5", "SCALING_FACTOR          = 500"))
    with pytest.raises(InputError, match="SCALING_FACTOR"):
        PolarStereoDEM.open(lbl)


def test_unknown_suffix_is_refused(tmp_path):
    p = tmp_path / "dem.png"
    p.write_bytes(b"x")
    with pytest.raises(InputError, match=r"\.LBL.*\.tif"):
        PolarStereoDEM.open(p)


# -- several DEMs by name: scenario site.dems, --dem; the same heights give the same horizon ----------

def test_scenario_dems_reach_the_horizon_and_the_ground(tmp_path):
    from ilrs.environment.setup import site_setup
    from ilrs.scenario.site import SiteSpec

    lbl, _, truth = write_lola_pds3(tmp_path, N, PX)
    spec = SiteSpec(lat_deg=-89.99, lon_deg=45.0, dems=[str(lbl)])
    setup = site_setup(spec, "2027-01-01", "2027-01-02")
    assert setup.dems == (str(lbl),)
    assert "LDEM_SYN_20M.LBL (20 m/px)" in setup.horizon.source
    rho = 2 * R_M * np.tan(np.pi / 4 - np.radians(89.99) / 2)
    assert setup.site.height_m == pytest.approx(float(height_function_m(*_xy(rho))), abs=1.0)
    assert "dems" in setup.identity()


@pytest.mark.parametrize("dems, horizon, match", [(["x.png"], "dem", "not a DEM file name"),
                                                  (["missing.LBL"], "dem", "not an existing file"),
                                                  (None, "none", "need horizon 'dem'")])
def test_scenario_dems_bad_input(tmp_path, dems, horizon, match):
    from pydantic import ValidationError

    from ilrs.scenario.site import SiteSpec

    if dems is None:
        dems = [str(write_lola_pds3(tmp_path, N, PX)[0])]
    with pytest.raises(ValidationError, match=match):
        SiteSpec(lat_deg=-89.99, lon_deg=45.0, dems=dems, horizon=horizon)


def test_same_heights_as_pds3_or_geotiff_give_the_same_horizon(tmp_path):
    from ilrs.environment.dem_info import horizon_with_dems
    from ilrs.environment.sites import Site
    from ilrs.environment.terrain import horizon_for_site

    lbl, _, _ = write_lola_pds3(tmp_path / "p", N, PX, sample_type="PC_REAL")
    tif = tmp_path / "s.tif"
    write_geotiff_dem(tif, N, PX, dtype=np.float32)
    site = Site("t", -89.99, 45.0, 0.0, 2.0)
    a = horizon_with_dems(site, [lbl], azimuth_step_deg=2.0, max_range_m=20_000.0)
    b = horizon_with_dems(site, [tif], azimuth_step_deg=2.0, max_range_m=20_000.0)
    c = horizon_for_site(site, str(tif), azimuth_step_deg=2.0, max_range_m=20_000.0)  # the decoded route
    # GeoTIFF heights are rounded to whole metres, the PDS3 ones are float: within a metre at ≥ 20 m
    assert np.max(np.abs(a.elevation_deg - b.elevation_deg)) < np.degrees(np.arctan(1.0 / 20.0))
    assert np.array_equal(b.elevation_deg, c.elevation_deg) and b.ground_m == c.ground_m


def test_dem_info_cli_text_and_json(tmp_path, cli, ilrs_cli):
    lbl, _, _ = write_lola_pds3(tmp_path, N, PX, missing_rows=4)
    r = ilrs_cli("dem", "info", lbl, "--lat", "-89.99", "--lon", "45", "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["pixel_m"] == 20.0 and (d["lines"], d["samples"]) == (N, N)
    assert d["projection"] == "POLAR STEREOGRAPHIC (south pole)"
    assert d["x_range_km"] == d["y_range_km"] == [-0.64, 0.64]  # N/2 pixels of 20 m either side of the pole
    # the corner is 0.905 km from the pole: 90° − 2·atan(905/(2R)) = 89.9702° (Snyder 21-33)
    assert d["latitude_range_deg"][0] == pytest.approx(-(90 - np.degrees(2 * np.arctan(640 * 2 ** 0.5 / (2 * R_M)))))
    assert d["latitude_range_deg"][1] == -90.0
    assert d["height"] == {"stored": "int16", "scale_m": 0.5, "offset_m": 0.0, "nodata_stored": -32768.0}
    assert d["nodata_pixels_estimate"] == 4 * N and d["nodata_fraction"] == pytest.approx(4 / N)
    assert (d["site"]["row"], d["site"]["col"], d["site"]["covered"]) == (21, 42, True)
    t = cli("dem", "info", lbl, "connecting-ridge")
    assert t.returncode == 0 and "20 m/px" in t.stdout and "connecting-ridge: NOT covered" in t.stdout
    assert "x -0.640 .. 0.640 km" in t.stdout
    assert cli("dem", "info", lbl, "--site", "connecting-ridge").stdout == t.stdout  # the option, as the argument
    for bad in (("--site", "atlantis"), ("--site", "south-pole", "--lat", "-89", "--lon", "0"), ("--lat", "-89")):
        r = cli("dem", "info", lbl, *bad)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_site_command_with_dem_reports_its_ground(tmp_path, cli):
    lbl, _, _ = write_lola_pds3(tmp_path, N, PX)
    r = cli("site", "--lat", "-89.99", "--lon", "45", "--dem", lbl, "--at", "2027-01-01T00:00:00",
                 "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    rho = 2 * R_M * np.tan(np.pi / 4 - np.radians(89.99) / 2)
    assert d["site"]["height_m"] == pytest.approx(float(height_function_m(*_xy(rho))), abs=1.0)
    assert "LDEM_SYN_20M.LBL" in d["horizon_source"]


def test_nested_dems_the_finest_wins_near_the_coarser_beyond(tmp_path):
    # a flat 5 m tile (±500 m) inside a 40 m regional DEM (±4 km) that holds a 400 m block 200-300 m
    # east of the pole (under the tile: the tile wins, the wall is not there) and a 300 m wall
    # 1500-2000 m east (beyond the tile: the regional DEM decides)
    from ilrs.environment.dem_info import horizon_with_dems
    from ilrs.environment.sites import Site
    import tifffile

    def write(path, n, px, walls):
        x = (np.arange(n) - n / 2 + 0.5) * px
        z = np.zeros((n, n), np.float32)
        for x0, x1, h in walls:  # walls 200 m long across the x axis (|y| ≤ 100 m)
            z[np.ix_(np.abs(x) <= 100, (x >= x0) & (x <= x1))] = h
        keys = (1, 1, 0, 4, 1024, 0, 1, 1, 1025, 0, 1, 1, 3075, 0, 1, 15, 3081, 34736, 1, 0)
        tifffile.imwrite(path, z, metadata=None, extratags=[
            (33550, "d", 3, (px, px, 0.0), False), (33922, "d", 6, (0, 0, 0, -n / 2 * px, n / 2 * px, 0), False),
            (34735, "H", len(keys), keys, False), (34736, "d", 1, (-90.0,), False)])

    write(tmp_path / "tile5.tif", 200, 5.0, [])
    write(tmp_path / "region40.tif", 200, 40.0, [(200, 300, 400.0), (1500, 2000, 300.0)])
    site = Site("pole", -90.0, 0.0, 0.0, 0.0)
    m = horizon_with_dems(site, [tmp_path / "region40.tif", tmp_path / "tile5.tif"], azimuth_step_deg=1.0,
                          max_range_m=3_000.0)
    assert m.source.startswith(f"{tmp_path / 'tile5.tif'} (5 m/px); {tmp_path / 'region40.tif'} (40 m/px)")
    # the far wall's nearest top edge, 1500 m away (± one 40 m pixel of bilinear ramp), 300 m up,
    # seen from the ground at r0 = R: ε = atan2((R + h)·cos γ − R, (R + h)·sin γ), γ = d/R
    def elevation(d, h):
        g = d / R_M
        return np.degrees(np.arctan2((R_M + h) * np.cos(g) - R_M, (R_M + h) * np.sin(g)))

    top = float(m.elevation_deg.max())
    assert elevation(1500.0, 300.0) - 0.01 <= top <= elevation(1480.0, 300.0) + 0.01
    assert top < 20.0  # the near 400 m wall (63°) under the flat tile is not seen


def test_a_pds3_label_as_the_horizon_model(tmp_path, cli):
    from ilrs.environment.dem_info import dem_files_named

    lbl, _, _ = write_lola_pds3(tmp_path, N, PX)
    assert dem_files_named(str(lbl)) == (str(lbl),)
    assert dem_files_named("site.tif") == ()  # alone, a GeoTIFF horizon keeps its own route
    assert dem_files_named("site.tif", ["a.LBL"]) == ("a.LBL", "site.tif")
    assert dem_files_named("dem", ["a.LBL"]) == ("a.LBL",) and dem_files_named("sphere") == ()
    r = cli("site", "--lat", "-89.99", "--lon", "45", "--horizon", lbl, "--at", "2027-01-01T00:00:00",
            "--format", "json")
    assert r.returncode == 0, r.stderr
    assert "LDEM_SYN_20M.LBL (20 m/px)" in json.loads(r.stdout)["horizon_source"]
