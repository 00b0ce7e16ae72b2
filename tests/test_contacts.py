"""Contact windows with root-found edges against an independent reference.

The reference is skyfield's own event search (``skyfield.searchlib.find_discrete``: bracketing on a
coarse step, then bisection to 1 ms) applied to a Keplerian relay propagated in closed form in the
test (Kepler's equation solved by scipy), seen from a site whose Moon-fixed frame is skyfield's
``MOON_ME_DE421`` frame built from the shipped kernels — none of the code under test is used for
the reference. The code under test sees only the relay's positions and velocities on a coarse grid.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ilrs
from ilrs.comms import builtin_relays
from ilrs.comms.contacts import bisect_sign_changes, contact_windows, contacts_csv, moon_clearance_deg
from ilrs.comms.states import RelayStates
from ilrs.environment import Site, earth_position_m, icrf_to_moon_me

GM_MOON = 4.9028e12  # m^3/s^2, as in the test's own two-body model (any value: both sides share the orbit)
R_MOON = 1_737_400.0
KERNELS = Path(ilrs.__file__).parent / "data" / "kernels"
START = dt.datetime(2027, 3, 1, tzinfo=dt.timezone.utc)
DAYS = 2.0
MIN_EL_DEG = 5.0
LAT, LON = -89.45, 222.7


def kepler_icrf(t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two-body relay (perilune 300 km, apolune 8600 km, i 55°, Ω 40°, ω 90°: apolune over the south) in Moon-centred ICRF."""
    from scipy.optimize import newton

    rp, ra = R_MOON + 300e3, R_MOON + 8600e3
    a, e = (rp + ra) / 2, (ra - rp) / (ra + rp)
    i, raan, argp, m0 = np.radians([55.0, 40.0, 90.0, 10.0])
    n = np.sqrt(GM_MOON / a**3)
    m = m0 + n * np.asarray(t_s, float)
    ecc = newton(lambda x: x - e * np.sin(x) - m, m, fprime=lambda x: 1 - e * np.cos(x), tol=1e-14)
    cos_e, sin_e = np.cos(ecc), np.sin(ecc)
    b = a * np.sqrt(1 - e * e)
    p_xy = np.stack([a * (cos_e - e), b * sin_e], -1)
    edot = n / (1 - e * cos_e)
    v_xy = np.stack([-a * sin_e * edot, b * cos_e * edot], -1)

    def rz(x):
        return np.array([[np.cos(x), -np.sin(x), 0], [np.sin(x), np.cos(x), 0], [0, 0, 1]])

    rot = rz(raan) @ np.array([[1, 0, 0], [0, np.cos(i), -np.sin(i)], [0, np.sin(i), np.cos(i)]]) @ rz(argp)
    return p_xy @ rot[:, :2].T, v_xy @ rot[:, :2].T


def _states(step_s: float) -> RelayStates:
    """The relay on the coarse grid the code under test brackets on."""
    t_s = np.arange(0.0, DAYS * 86400 + step_s / 2, step_s)
    times = np.datetime64(START.replace(tzinfo=None), "ns") + (t_s * 1e9).astype("timedelta64[ns]")
    r, v = kepler_icrf(t_s)
    rot = icrf_to_moon_me(times)
    relay = dataclasses.replace(builtin_relays()["queqiao-2"], key="test-relay",
                                in_service_from=np.datetime64("2020-01-01"), kind="keplerian")
    return RelayStates(times, (relay,), r[:, None], np.einsum("tij,tj->ti", rot, r)[:, None],
                       earth_position_m(times), rot, "kepler", v[:, None])


def _reference_edges() -> tuple[np.ndarray, np.ndarray]:
    """Rise and set instants (s after START) by skyfield's find_discrete."""
    from skyfield.api import load
    from skyfield.planetarylib import PlanetaryConstants
    from skyfield.searchlib import find_discrete

    ts = load.timescale(builtin=True)
    pc = PlanetaryConstants()
    with open(KERNELS / "moon_080317.tf", "rb") as f:
        pc.read_text(f)
    pc.read_binary(open(KERNELS / "moon_pa_de421_1900-2050.bpc", "rb"))  # read lazily: kept open
    frame = pc.build_frame_named("MOON_ME_DE421")
    la, lo = np.radians(LAT), np.radians(LON)
    up = np.array([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])
    t_start = ts.from_datetime(START)

    def above(t):
        t_s = (t.tt - t_start.tt) * 86400.0
        r_icrf, _ = kepler_icrf(np.atleast_1d(t_s))
        rot = np.asarray(frame.rotation_at(t))
        rot = rot if rot.ndim == 3 else rot[:, :, None]
        r_me = np.einsum("ijt,tj->ti", rot, r_icrf)
        d = r_me - R_MOON * up
        el = np.degrees(np.arcsin(d @ up / np.linalg.norm(d, axis=1)))
        return (el > MIN_EL_DEG).astype(int).reshape(np.shape(t.tt))

    above.step_days = 600 / 86400.0
    t, y = find_discrete(t_start, ts.from_datetime(START + dt.timedelta(days=DAYS)), above)
    t_s = (t.tt - t_start.tt) * 86400.0
    return t_s[y == 1], t_s[y == 0]


@pytest.mark.parametrize("step_s", [60.0, 600.0])
def test_site_relay_edges_match_skyfield_find_discrete_within_1s(step_s):
    rises, sets = _reference_edges()
    assert len(rises) >= 3 and len(sets) >= 3  # a 2-day test with several passes
    site = Site("ref", LAT, LON, 0.0)
    rows = contact_windows(_states(step_s), site, None, [], min_elevation_deg=MIN_EL_DEG, links=["site-relay"])
    t0 = np.datetime64(START.replace(tzinfo=None), "ns")
    ours_rise = np.array([(c.start_utc - t0) / np.timedelta64(1, "ns") / 1e9 for c in rows if not c.starts_before_period])
    ours_set = np.array([(c.end_utc - t0) / np.timedelta64(1, "ns") / 1e9 for c in rows if not c.ends_after_period])
    assert ours_rise.size == rises.size and ours_set.size == sets.size
    assert np.abs(ours_rise - rises).max() < 1.0
    assert np.abs(ours_set - sets).max() < 1.0
    # the peak elevation lies inside its window and above the threshold
    for c in rows:
        assert c.start_utc <= c.max_elevation_utc <= c.end_utc
        assert c.max_elevation_deg > MIN_EL_DEG


def test_contacts_csv_has_one_row_per_window_and_the_convention_columns():
    site = Site("ref", LAT, LON, 0.0)
    rows = contact_windows(_states(600.0), site, None, [], min_elevation_deg=MIN_EL_DEG, links=["site-relay"])
    text = contacts_csv(rows).splitlines()
    assert len(text) == len(rows) + 1
    header = text[0].split(",")
    assert "start_utc" in header and "duration_s" in header and "max_elevation_deg" in header
    assert all(line.split(",")[3].endswith("Z") for line in text[1:])


@settings(max_examples=40, deadline=None)
@given(st.floats(1e-3, 5e-3), st.floats(0.0, 6.0))
def test_bisection_finds_the_zeros_of_a_sine_to_the_tolerance(omega, phase):
    """Closed form: sin(ω t + φ) changes sign at t = (kπ − φ)/ω."""
    def f(t):
        return np.sin(omega * t + phase)

    grid = np.arange(0.0, 20000.0, 60.0)
    up = f(grid) > 0
    k = np.flatnonzero(up[1:] != up[:-1])
    roots = bisect_sign_changes(f, grid[k], grid[k + 1], up[k], tolerance_s=0.01)
    exact = (np.ceil((omega * grid[k] + phase) / np.pi) * np.pi - phase) / omega
    assert np.abs(roots - exact).max() < 0.01


def test_moon_clearance_sign_follows_the_segment_test():
    """A target straight behind the Moon is blocked; one beside the limb, 1° off, is clear."""
    station = np.zeros((1, 3))
    moon = np.array([[384_400e3, 0.0, 0.0]])
    behind = moon + np.array([[5_000e3, 0.0, 0.0]])
    beside = np.array([[384_400e3, 384_400e3 * np.tan(np.radians(1.0)), 0.0]])
    assert moon_clearance_deg(station, behind, moon)[0] < 0
    assert moon_clearance_deg(station, beside, moon)[0] > 0


def _reference_station_edges(station) -> tuple[np.ndarray, np.ndarray]:
    """Rise/set of the relay at an Earth station by find_discrete: skyfield's WGS84 station and
    altitude (``frame_latlon``), DE421's geocentric Moon, the segment-sphere test for the Moon."""
    import skyfield_data
    from skyfield.api import load, wgs84
    from skyfield.iokit import load_file
    from skyfield.positionlib import ICRF
    from skyfield.searchlib import find_discrete

    ts = load.timescale(builtin=True)
    eph = load_file(str(Path(skyfield_data.get_skyfield_data_path()) / "de421.bsp"))
    where = wgs84.latlon(station.lat_deg, station.lon_deg, elevation_m=station.height_m)
    t_start = ts.from_datetime(START)
    au = 149_597_870_700.0

    def up(t):
        t_s = np.atleast_1d((t.tt - t_start.tt) * 86400.0)
        moon = np.atleast_2d(((eph["moon"] - eph["earth"]).at(t).position.m).T)
        relay = kepler_icrf(t_s)[0] + moon
        here = np.atleast_2d(where.at(t).position.m.T)
        alt = ICRF(((relay - here) / au).T, t=t, center=399).frame_latlon(where)[0].degrees
        d = relay - here
        s = np.clip(-np.sum((here - moon) * d, 1) / np.sum(d * d, 1), 0, 1)
        clear = np.linalg.norm(here - moon + s[:, None] * d, axis=1) > R_MOON
        return ((np.atleast_1d(alt) > station.min_elevation_deg) & clear).astype(int).reshape(np.shape(t.tt))

    up.step_days = 300 / 86400.0
    t, y = find_discrete(t_start, ts.from_datetime(START + dt.timedelta(days=DAYS)), up)
    t_s = (t.tt - t_start.tt) * 86400.0
    return t_s[y == 1], t_s[y == 0]


def test_relay_station_edges_match_skyfield_within_1s():
    from ilrs.comms import builtin_ground_stations

    station = builtin_ground_stations()["kashi"]
    rises, sets = _reference_station_edges(station)
    assert len(rises) >= 2 and len(sets) >= 2
    rows = contact_windows(_states(60.0), Site("ref", LAT, LON, 0.0), None, [station], links=["relay-station"])
    t0 = np.datetime64(START.replace(tzinfo=None), "ns")
    ours_rise = np.array([(c.start_utc - t0) / np.timedelta64(1, "ns") / 1e9 for c in rows if not c.starts_before_period])
    ours_set = np.array([(c.end_utc - t0) / np.timedelta64(1, "ns") / 1e9 for c in rows if not c.ends_after_period])
    assert ours_rise.size == rises.size and ours_set.size == sets.size
    assert np.abs(ours_rise - rises).max() < 1.0
    assert np.abs(ours_set - sets).max() < 1.0
