"""Terrain horizons against closed-form cases on synthetic GeoTIFFs; statistics on known patterns."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from ilrs.environment import HorizonMask, Site, get_site, sun_earth_azel, time_grid
from ilrs.environment.illumination import intervals, span_statistics
from ilrs.environment.sky import SkyTrack
from ilrs.environment.terrain import PolarStereoDEM, horizon_for_site, horizon_from_terrain
from ilrs.errors import DatasetError, InputError

R = 1_737_400.0


def _write_geotiff(path, heights, pixel_m, x_ul, y_ul, lat0=-90.0):
    """A polar-stereographic GeoTIFF: ModelPixelScale, ModelTiepoint (pixel-is-area, upper-left
    corner), GeoKeys for polar stereographic (CT 15) on the 1737.4 km sphere."""
    import tifffile

    keys = [1, 1, 0, 6,
            1024, 0, 1, 1,          # GTModelType: projected
            1025, 0, 1, 1,          # GTRasterType: PixelIsArea
            3072, 0, 1, 32767,      # ProjectedCSType: user defined
            3075, 0, 1, 15,         # ProjCoordTrans: polar stereographic
            3081, 34736, 1, 0,      # ProjNatOriginLat
            2057, 34736, 1, 1]      # GeogSemiMajorAxis
    doubles = [lat0, R]
    tifffile.imwrite(path, heights.astype(np.float32), extratags=[
        (33550, "d", 3, (pixel_m, pixel_m, 0.0), False),
        (33922, "d", 6, (0.0, 0.0, 0.0, x_ul, y_ul, 0.0), False),
        (34735, "H", len(keys), keys, False),
        (34736, "d", len(doubles), doubles, False),
    ])


def _grid(n, pixel_m):
    """Map coordinates of pixel centres of an n×n grid centred on the pole."""
    half = n * pixel_m / 2
    c = -half + pixel_m / 2 + np.arange(n) * pixel_m
    x, y = np.meshgrid(c, -c)  # row 0 is the top (+y)
    return x, y, -half, half


def _exact_elevation_deg(h_of_d, d, r0):
    """Independent reference: elevation of ground points on the 1737.4 km sphere (dense 1-D max)."""
    g = d / R
    r1 = R + h_of_d(d)
    return np.degrees(np.arctan2(r1 * np.cos(g) - r0, r1 * np.sin(g))).max()


def test_geotiff_roundtrip_and_projection(tmp_path):
    x, y, xul, yul = _grid(101, 20.0)
    z = 0.001 * x + 0.002 * y
    p = tmp_path / "tilt.tif"
    _write_geotiff(p, z, 20.0, xul, yul)
    dem = PolarStereoDEM.from_geotiff(p)
    assert dem.pixel_m == 20.0 and dem.south
    # a point at 89.97°S, 30°E: map coords from Snyder's formulas, height of the tilted plane
    rho = 2 * R * np.tan(np.pi / 4 + np.radians(-89.97) / 2)
    xx, yy = rho * np.sin(np.radians(30)), rho * np.cos(np.radians(30))
    assert dem.height_at(-89.97, 30.0) == pytest.approx(0.001 * xx + 0.002 * yy, abs=1e-3)
    lat, lon = dem.xy_to_latlon(xx, yy)
    assert lat == pytest.approx(-89.97) and lon == pytest.approx(30.0)
    bad = tmp_path / "plain.tif"
    import tifffile
    tifffile.imwrite(bad, np.zeros((4, 4), np.float32))
    with pytest.raises(DatasetError):
        PolarStereoDEM.from_geotiff(bad)


def test_bowl_crater_horizon_closed_form(tmp_path):
    # paraboloid bowl h = a·ρ² out to the rim D, flat beyond; the observer at its centre (the pole)
    # sees the rim: ε = atan2((R+aD²)cos(D/R) − r0, (R+aD²) sin(D/R)) in every direction
    a, D, mast = 2e-5, 3000.0, 2.0
    x, y, xul, yul = _grid(401, 20.0)
    rho = np.hypot(x, y)
    z = np.where(rho <= D, a * rho ** 2, a * D ** 2)
    p = tmp_path / "bowl.tif"
    _write_geotiff(p, z, 20.0, xul, yul)
    site = Site("bowl", -90.0, 0.0, height_m=0.0, mast_height_m=mast)
    mask = horizon_from_terrain(site, PolarStereoDEM.from_geotiff(p), use_global=False)
    r0 = R + mast
    expected = np.degrees(np.arctan2((R + a * D ** 2) * np.cos(D / R) - r0, (R + a * D ** 2) * np.sin(D / R)))
    assert mask.resolution_deg == pytest.approx(0.5)
    # along the grid axes the samples fall on pixel centres: exact
    np.testing.assert_allclose(mask.elevation_at([0.0, 90.0, 180.0, 270.0]), expected, atol=1e-3)
    # elsewhere the bilinear raster cuts the rim's kink (slope 2aD over one 20 m pixel ≈ 0.6 m)
    np.testing.assert_allclose(mask.elevation_deg, expected, atol=0.015)
    # and through the public entry point (the GeoTIFF path as the horizon model)
    m2 = horizon_for_site(site, str(p))
    assert np.all(m2.elevation_deg >= expected - 0.015)  # the far field (global DEM) only adds


def test_ridge_horizon_matches_dense_profile(tmp_path):
    # a straight Gaussian ridge y = Y0 (map plane) of height H; along grid azimuth α the ray meets
    # ridge height H·exp(−((d·cos α − Y0)/w)²): the reference maximises the exact elevation densely
    H, Y0, w, mast = 300.0, 4000.0, 600.0, 2.0
    x, y, xul, yul = _grid(601, 25.0)
    z = H * np.exp(-((y - Y0) / w) ** 2)
    p = tmp_path / "ridge.tif"
    _write_geotiff(p, z, 25.0, xul, yul)
    site = Site("ridge", -90.0, 0.0, mast_height_m=mast)  # at the pole with lon 0, north = +y
    mask = horizon_from_terrain(site, PolarStereoDEM.from_geotiff(p), use_global=False, azimuth_step_deg=5)
    d = np.linspace(1.0, 7400.0, 200_001)
    for az in (0.0, 20.0, 45.0, 180.0):
        a = np.radians(az)
        # heights along the ray; ρ (map) ≈ d (arc) to 2 mm at 7 km from the pole
        ref = _exact_elevation_deg(lambda dd: H * np.exp(-((dd * np.cos(a) - Y0) / w) ** 2)
                                   + 0 * dd * np.sin(a), d[(np.abs(d * np.cos(a)) < 7400) & (np.abs(d * np.sin(a)) < 7400)], R + mast)
        got = mask.elevation_at(az)
        assert got == pytest.approx(ref, abs=0.02), az


def test_flat_terrain_gives_sphere_dip(tmp_path):
    # flat terrain at the sphere: the horizon is the smooth-sphere dip acos(R/(R+h))
    x, y, xul, yul = _grid(801, 25.0)
    p = tmp_path / "flat.tif"
    _write_geotiff(p, np.zeros_like(x), 25.0, xul, yul)
    site = Site("flat", -90.0, 0.0, mast_height_m=10.0)  # tangent point at √(2Rh) ≈ 5.9 km < 10 km
    mask = horizon_from_terrain(site, PolarStereoDEM.from_geotiff(p), use_global=False, azimuth_step_deg=10)
    np.testing.assert_allclose(mask.elevation_deg, -np.degrees(np.arccos(R / (R + 10.0))), atol=2e-3)


def test_global_dem_horizon_is_plausible():
    cr = get_site("connecting-ridge", mast_height_m=2.0)
    m = horizon_for_site(cr, "dem")
    assert len(m.azimuth_deg) == 720
    assert -6.0 < m.elevation_deg.min() and m.elevation_deg.max() < 8.0
    # the converged march sees the DEM's bilinear surface: due north (away from the pole) a row of
    # cell centres lies 380 m off (89.4375°S), and the surface rises to it
    north = m.elevation_deg[0]
    from ilrs.environment.dem import ground_height_m
    rise = float(ground_height_m(-89.4375, cr.lon_deg)) - cr.height_m - 2.0
    d = np.radians(89.45 - 89.4375) * R
    assert north >= np.degrees(np.arctan2(rise, d)) - 0.3  # at least what that row shows (curvature aside)
    with pytest.raises(InputError):
        horizon_for_site(cr, "cardboard")


def test_intervals_and_statistics_on_known_pattern():
    t = time_grid("2030-01-01", days=1, step_s=3600)
    lit = np.ones(24, bool)
    lit[3:8] = False      # 5 h dark
    lit[20:23] = False    # 3 h dark
    frac = lit.astype(float)
    frac[10] = 0.5
    earth = np.zeros(24, bool)
    earth[:12] = True
    z = np.zeros(24)
    tr = SkyTrack(t, z, z, np.full(24, 1.5e11), z, frac, 1361 * frac, z, z, np.full(24, 3.8e8), z, earth)
    st_ = span_statistics(tr)
    assert st_.lit_fraction == pytest.approx(16 / 24)
    assert st_.full_disk_fraction == pytest.approx(15 / 24)
    assert st_.longest_darkness_hours == pytest.approx(5.0)
    assert len(st_.darkness_periods) == 2
    assert st_.earth_visible_fraction == 0.5 and st_.longest_earth_gap_hours == 12.0
    assert intervals(lit, t)[0] == (t[0], t[3])
    assert st_.to_dict()["darkness_periods_longest"][0]["duration_hours"] == 5.0


def test_pole_lit_fraction_closed_form():
    # at the pole with the bare astronomical horizon, the Sun's elevation is (nearly) its
    # selenographic declination δ ≈ 1.54°·sin(2πt/T) (draconic year T ≈ 346.6 d); some disk is
    # visible while δ > −ρ☉ (ρ☉ ≈ 0.27°): fraction = ½ + asin(0.267/1.54)/π ≈ 0.556
    t = time_grid("2028-01-01", days=346.62 * 2, step_s=6 * 3600)
    st_ = span_statistics(sun_earth_azel(Site("pole", -90.0, 0.0), t, HorizonMask.none()))
    assert st_.lit_fraction == pytest.approx(0.5 + np.arcsin(0.267 / 1.54) / np.pi, abs=0.02)
    assert st_.full_disk_fraction == pytest.approx(0.5 - np.arcsin(0.267 / 1.54) / np.pi, abs=0.02)


@pytest.fixture(scope="module")
def cr_month():
    return time_grid("2029-06-01", days=60, step_s=2 * 3600)


@settings(max_examples=8, deadline=None)
@given(m1=st.floats(0.0, 50.0), extra=st.floats(0.5, 100.0))
def test_lit_and_visible_fraction_monotone_in_mast_height(cr_month, m1, extra):
    base = get_site("connecting-ridge")
    fr = []
    for mast in (m1, m1 + extra):
        s = base.with_mast(mast)
        h = horizon_for_site(s, "dem", azimuth_step_deg=2.0, max_range_m=120_000)
        st_ = span_statistics(sun_earth_azel(s, cr_month, h))
        fr.append((st_.mean_visible_solar_fraction, st_.lit_fraction))
    # a higher mast sees every ground point lower (ε falls with r₀), so neither the visible
    # fraction nor the lit fraction (any part of the disk up, the wording) may drop
    assert fr[1][0] >= fr[0][0] - 1e-12
    assert fr[1][1] >= fr[0][1]


@pytest.mark.slow
def test_connecting_ridge_against_glaser_2014():
    # Gläser et al. 2014 (Icarus 243), 19-year study on the Connecting Ridge with a 20 m/px DTM:
    # lit 92.27% at 2 m, 95.65% at 10 m. The coarse ~3.8 km/px DEM cannot resolve the ridge: its
    # converged point value is not that figure, and the range it reports (horizon_bounds) must hold it.
    from ilrs.environment import horizon_bounds
    from ilrs.environment.sites import published_figures

    t = time_grid("2026-01-01", "2045-01-01", step_s=3600)
    figures = {(f["quantity"], f["mast_height_m"]): f["value"] for f in published_figures("connecting-ridge")}
    for mast in (2.0, 10.0):
        s = get_site("connecting-ridge", mast_height_m=mast)
        b = horizon_bounds(s)
        lo = span_statistics(sun_earth_azel(s, t, b.pessimistic)).lit_fraction
        hi = span_statistics(sun_earth_azel(s, t, b.optimistic)).lit_fraction
        assert lo <= figures[("lit_fraction", mast)] <= hi


def _plateau_tif(tmp_path, height_m=8000.0, radius_m=500.0):
    """64×64 px (40 m) GeoTIFF around the pole: a square flat-topped plateau of ``height_m``,
    |x|, |y| ≤ ``radius_m`` (its edges on pixel centres), at the pole."""
    x, y, xul, yul = _grid(64, 40.0)
    z = np.where((np.abs(x) <= radius_m + 1) & (np.abs(y) <= radius_m + 1), height_m, 0.0)
    p = tmp_path / "plateau.tif"
    _write_geotiff(p, z, 40.0, xul, yul)
    return p


def test_site_outside_geotiff_stands_on_the_global_dem(tmp_path):
    # Malapert summit (85.99°S 2.93°E), ~450 km from a GeoTIFF around the pole: the observer stands
    # on the coarse DEM's ground there (data-sources.md: Malapert ≈ +4.86 km), not on 0 m, and with
    # the GeoTIFF out of range the horizon is exactly the `dem` horizon from that ground
    p = _plateau_tif(tmp_path)
    site = Site("malapert", -85.99, 2.93)  # height 0: what --lat/--lon used to give
    m_tif = horizon_for_site(site, str(p), azimuth_step_deg=2.0)
    assert m_tif.ground_m == pytest.approx(4860.0, abs=60.0)
    assert "coarse global DEM" in m_tif.source
    m_dem = horizon_for_site(site.with_height(m_tif.ground_m), "dem", azimuth_step_deg=2.0)
    np.testing.assert_allclose(m_tif.elevation_deg, m_dem.elevation_deg, atol=1e-12)
    # an explicit ground height wins
    assert horizon_for_site(site, str(p), observer_ground_m=100.0).ground_m == 100.0


def test_geotiff_terrain_seen_from_outside_it(tmp_path):
    # site 89°S 0°E, ~30 km from the pole, outside the GeoTIFF: the plateau (8 km, ±500 m) at the
    # pole must appear due south (az 180°, along the map's y axis) at the closed-form elevation of
    # its near edge (samples every 20 m: ≤ 0.01° short of it)
    H, a = 8000.0, 500.0
    p = _plateau_tif(tmp_path, H, a)
    site = Site("out", -89.0, 0.0)
    mask = horizon_for_site(site, str(p), azimuth_step_deg=1.0)
    g = mask.ground_m
    D = np.radians(1.0) * R - a                     # ground distance to the near edge
    r0, r1 = R + g, R + H
    expected = np.degrees(np.arctan2(r1 * np.cos(D / R) - r0, r1 * np.sin(D / R)))
    assert mask.elevation_at(180.0) == pytest.approx(expected, abs=0.012)
    assert expected > 12.0 and mask.elevation_at(90.0) < 5.0


def test_cli_reports_the_ground_height_used(ilrs_cli, tmp_path):
    import json

    p = _plateau_tif(tmp_path)
    r = ilrs_cli("site", "--lat", "-85.99", "--lon", "2.93", "--horizon", p, "--at", "2027-01-01T00:00:00",
                 "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["site"]["height_m"] == pytest.approx(4860.0, abs=60.0)   # not 0
    r2 = ilrs_cli("site", "--lat", "-85.99", "--lon", "2.93", "--horizon", "dem", "--at", "2027-01-01T00:00:00",
                  "--format", "json")
    d2 = json.loads(r2.stdout)
    assert d["horizon_elevation_deg"] == pytest.approx(d2["horizon_elevation_deg"], abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(ground=st.floats(-9000.0, 11000.0), mast=st.floats(0.0, 1000.0))
def test_sphere_horizon_is_the_dip_from_the_mast_over_the_local_ground(ground, mast):
    # a smooth Moon through the site's ground (r = R + ground) seen from the mast top:
    # dip = acos(r/(r + mast)), whatever the ground height (closed form of the geometric horizon)
    site = Site("s", -89.0, 10.0, height_m=ground, mast_height_m=mast)
    m = horizon_for_site(site, "sphere")
    r = R + ground
    assert m.elevation_at(77.0) == pytest.approx(-np.degrees(np.arccos(r / (r + mast))), abs=1e-9)
    assert m.ground_m == ground


def test_sphere_horizon_same_for_catalogue_and_coordinates():
    # Connecting Ridge: ground ≈ +1.8 km from the coarse DEM for the catalogue site, 0 m for
    # --lat/--lon: with no mast both see the 0° horizon of a smooth Moon through their feet
    cat = get_site("connecting-ridge")
    coords = Site("cr", cat.lat_deg, cat.lon_deg)
    assert cat.height_m > 1000.0
    assert horizon_for_site(cat, "sphere").elevation_at(0.0) == 0.0
    assert horizon_for_site(coords, "sphere").elevation_at(0.0) == 0.0
    # with a 10 m mast the dips (≈ 0.19°) differ only through r: √(2h/r) changes by ground/2r ≈ 5e-4
    d1 = horizon_for_site(cat.with_mast(10.0), "sphere").elevation_at(0.0)
    d2 = horizon_for_site(coords.with_mast(10.0), "sphere").elevation_at(0.0)
    assert d1 == pytest.approx(-np.degrees(np.sqrt(2 * 10.0 / R)), rel=1e-3)
    assert abs(d1 - d2) < 1.5e-4


def test_summit_horizon_may_lie_below_the_sphere_dip(tmp_path):
    # the module docstring: the horizon is the max over terrain samples, which from a summit lies
    # below the smooth-sphere dip; the sphere stands in only where nothing was sampled
    H, w, mast = 500.0, 1000.0, 2.0
    x, y, xul, yul = _grid(201, 20.0)
    z = H * np.exp(-(x ** 2 + y ** 2) / w ** 2)
    p = tmp_path / "dome.tif"
    _write_geotiff(p, z, 20.0, xul, yul)
    dem = PolarStereoDEM.from_geotiff(p)
    top = Site("top", -90.0, 0.0, height_m=H, mast_height_m=mast)
    mask = horizon_from_terrain(top, dem, use_global=False, azimuth_step_deg=10)
    dip = -np.degrees(np.arccos((R + H) / (R + H + mast)))
    # from the eye at mast m over a Gaussian dome the steepest line of sight grazes the slope at
    # d = w·√(m/H): ε = −atan(2·√(m·H)/w) ≈ −3.62° (flat-Earth closed form; curvature adds
    # d/2R ≈ 1e-3°) — far below the smooth-sphere dip of −0.09°
    closed = -np.degrees(np.arctan(2 * np.sqrt(mast * H) / w))
    np.testing.assert_allclose(mask.elevation_deg, closed, atol=0.06)
    assert np.all(mask.elevation_deg < dip - 3.0)
    # a site whose rays never meet this small DEM (use_global off): the sphere dip exactly
    away = Site("away", -80.0, 0.0, height_m=0.0, mast_height_m=mast)   # 303 km > 250 km range
    far = horizon_from_terrain(away, dem, use_global=False, azimuth_step_deg=10)
    np.testing.assert_allclose(far.elevation_deg, -np.degrees(np.arccos(R / (R + mast))), atol=1e-12)
