"""Access geometry and windows: closed-form cases, the environment's Earth elevations (checked
there against skyfield), published relay figures (ilrs-facts.md), invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ilrs.comms.access import (GapAccumulator, SurfacePoints, elevation_azimuth_deg, gap_statistics,
                               segment_clear_of_moon, visible, windows)

R = 1_737_400.0


def test_elevation_azimuth_closed_form():
    p = SurfacePoints.on_sphere([-89.0], [30.0])
    site = p.position_me_m[0]
    up, east, north = p.up[0], p.east[0], p.north[0]
    targets = np.array([site + 1e6 * up, site + 1e6 * east, site + 1e6 * north, site + 1e6 * (north + up),
                        site - 1e6 * east])
    el, az = elevation_azimuth_deg(p, targets)
    assert el[:, 0] == pytest.approx([90.0, 0.0, 0.0, 45.0, 0.0], abs=1e-9)
    assert az[1:, 0] == pytest.approx([90.0, 0.0, 0.0, 270.0], abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(lat=st.floats(-90, 90), lon=st.floats(-180, 360), tx=st.floats(-2e7, 2e7), ty=st.floats(-2e7, 2e7),
       tz=st.floats(-2e7, 2e7))
def test_elevation_matches_the_angle_to_the_radial(lat, lon, tx, ty, tz):
    p = SurfacePoints.on_sphere([lat], [lon])
    t = np.array([tx, ty, tz])
    d = t - p.position_me_m[0]
    if np.linalg.norm(d) < 1.0:
        return
    ref = d @ p.up[0] / np.linalg.norm(d)
    el, _ = elevation_azimuth_deg(p, t[None, :])
    assert np.sin(np.radians(el[0, 0])) == pytest.approx(ref, abs=1e-9)


def test_horizon_mask_blocks_and_interpolates():
    p0 = SurfacePoints.on_sphere([-89.5], [0.0])
    site, up, east, north = p0.position_me_m[0], p0.up[0], p0.east[0], p0.north[0]
    t20_north = site + 1e6 * (np.cos(np.radians(20)) * north + np.sin(np.radians(20)) * up)
    t20_east = site + 1e6 * (np.cos(np.radians(20)) * east + np.sin(np.radians(20)) * up)
    mask = np.zeros(360)
    mask[0] = 30.0  # a 30 deg peak due north, 0 deg by 1 deg azimuth
    p = SurfacePoints.on_sphere([-89.5], [0.0], mask_deg=mask)
    vis = visible(p, np.array([t20_north, t20_east]), 5.0)[:, 0]
    assert list(vis) == [False, True]
    # half a degree east of north the mask is 15 deg (linear): a target at 20 deg passes
    az = np.radians(0.5)
    t = site + 1e6 * (np.cos(np.radians(20)) * (np.cos(az) * north + np.sin(az) * east) + np.sin(np.radians(20)) * up)
    assert visible(p, t[None, :], 5.0)[0, 0]
    t = site + 1e6 * (np.cos(np.radians(14)) * (np.cos(az) * north + np.sin(az) * east) + np.sin(np.radians(14)) * up)
    assert not visible(p, t[None, :], 5.0)[0, 0]


def test_moon_occultation_closed_form():
    earth = np.array([3.844e8, 0.0, 0.0])
    behind = np.array([-5e6, 0.0, 0.0])      # far side, on the Earth line
    beside = np.array([-5e6, 2.0e6, 0.0])    # far side but 2,000 km off the line (> R)
    front = np.array([5e6, 0.0, 0.0])
    clear = segment_clear_of_moon(np.array([behind, beside, front]), np.array([earth] * 3))
    assert list(clear) == [False, True, True]


@settings(max_examples=40, deadline=None)
@given(bits=st.lists(st.booleans(), min_size=1, max_size=300), chunk=st.integers(1, 50))
def test_chunked_gap_accumulator_matches_whole_array(bits, chunk):
    m = np.array(bits)
    ref = gap_statistics(m, 60.0)
    acc = GapAccumulator(1)
    for a in range(0, m.size, chunk):
        acc.add(m[a:a + chunk, None])
    got = acc.result(60.0)
    assert got["availability"][0] == pytest.approx(ref["availability"])
    assert got["n_windows"][0] == ref["n_windows"] == len(windows(m))
    assert got["max_gap_hours"][0] == pytest.approx(ref["max_gap_hours"])
    assert got["mean_gap_hours"][0] == pytest.approx(ref["mean_gap_hours"])


def test_gap_statistics_by_hand():
    m = np.array([1, 1, 0, 0, 0, 1, 0, 1, 1, 0], bool)
    s = gap_statistics(m, 3600.0)
    assert s == {"availability": 0.5, "n_windows": 3, "max_gap_hours": 3.0, "mean_gap_hours": 5 / 3}


def test_earth_elevation_agrees_with_the_environment_track():
    """Our geometric Earth elevation from the site vs the environment's apparent one (itself
    checked against skyfield to 0.001 deg): aberration and light time stay below 0.01 deg."""
    from ilrs.environment import earth_position_m, get_site, icrf_to_moon_me, sun_earth_azel, time_grid

    site = get_site("connecting-ridge")
    t = time_grid("2027-01-01", days=2, step_s=3 * 3600)
    e_me = np.einsum("tij,tj->ti", icrf_to_moon_me(t), earth_position_m(t))
    el, az = elevation_azimuth_deg(SurfacePoints.from_site(site), e_me)
    track = sun_earth_azel(site, t, node_step_s=None)
    assert np.abs(el[:, 0] - track.earth_elevation_deg).max() < 0.01
    assert np.abs((az[:, 0] - track.earth_azimuth_deg + 180) % 360 - 180).max() < 0.05


def test_published_relay_geometry():
    """Queqiao-2: apolune over the south pole; the earlier 12 h design gave > 8 h of link per orbit
    (ilrs-facts.md). Queqiao-1 at L2 ~65,000 km beyond the Moon (ilrs-facts.md); L2 at 0.1678 of
    the Earth-Moon distance (Szebehely 1967)."""
    from ilrs.comms.relays import resolve_relays
    from ilrs.comms.states import l2_gamma, relay_states
    from ilrs.environment import time_grid

    rel = resolve_relays(["queqiao-2", "queqiao-2-early", "queqiao-1"])
    t = time_grid("2027-01-01", days=4, step_s=300)
    st_ = relay_states(rel, t, propagation="j2")
    rn = np.linalg.norm(st_.r_me_m, axis=-1)
    k = np.argmax(rn[:, 0])
    assert np.degrees(np.arcsin(st_.r_me_m[k, 0, 2] / rn[k, 0])) < -55.0
    p = SurfacePoints.on_sphere([-89.5], [222.7])
    vis = visible(p, st_.r_me_m[:, 1], 5.0)[:, 0]
    hours_per_orbit = vis.mean() * float(rel[1].elements.period_s()) / 3600
    assert hours_per_orbit > 8.0
    assert l2_gamma(0.01215) == pytest.approx(0.1678, abs=2e-4)
    assert 58_000e3 < rn[:, 2].min() and rn[:, 2].max() < 72_000e3


def test_station_positions_match_skyfield():
    """Our one-rotation-for-all-stations GCRS positions (IAU 2000B) vs skyfield's
    ``wgs84.latlon(...).at(t)`` (IAU 2000A): millimetres apart."""
    from skyfield.api import wgs84

    from ilrs.comms.analysis import station_geometry
    from ilrs.comms.relays import resolve_ground_stations
    from ilrs.environment import time_grid
    from ilrs.environment.time import skyfield_time

    gs = resolve_ground_stations(["kashi", "jiamusi", "neuquen"])
    t = time_grid("2030-06-01", days=1, step_s=7200)
    pos, up = station_geometry(gs, t)
    for j, g in enumerate(gs):
        ref = wgs84.latlon(g.lat_deg, g.lon_deg, elevation_m=g.height_m).at(skyfield_time(t)).position.m.T
        assert np.abs(pos[j] - ref).max() < 0.05
        assert np.allclose(np.linalg.norm(up[j], axis=1), 1.0)


def test_coverage_with_sky_bounds_equals_brute_force():
    """The pruned coverage pass (sky bounds + float32 radial test) gives exactly what the plain
    per-point float64 test gives, masks and relay usability included."""
    from ilrs.comms.access import coverage
    from ilrs.comms.relays import resolve_relays
    from ilrs.comms.states import relay_states
    from ilrs.environment import time_grid

    rng = np.random.default_rng(11)
    grid = SurfacePoints.polar_grid(-90, -80, 40.0)
    az = np.arange(360)
    mask = np.clip(rng.uniform(0, 4, (grid.size, 1)) * np.sin(np.radians(az)[None, :] * 3 + rng.uniform(0, 6, (grid.size, 1)))
                   + rng.uniform(0, 3, (grid.size, 1)), 0, 8)
    pts = SurfacePoints.on_sphere(grid.lat_deg, grid.lon_deg, mask_deg=mask)
    st_ = relay_states(resolve_relays(["moonlight", "queqiao-2", "queqiao-1"]),
                       time_grid("2030-01-01", days=1, step_s=120), propagation="j2")
    usable = rng.random(st_.r_me_m.shape[:2]) < 0.8
    got = coverage(pts, st_.r_me_m, 120.0, 5.0, target_usable=usable, chunk_elements=3000)
    brute = (visible(pts, st_.r_me_m, 5.0) & usable[..., None]).any(axis=1)
    for s in range(pts.size):
        ref = gap_statistics(brute[:, s], 120.0)
        assert got["availability"][s] == pytest.approx(ref["availability"])
        assert got["max_gap_hours"][s] == pytest.approx(ref["max_gap_hours"])
        assert got["n_windows"][s] == ref["n_windows"]
