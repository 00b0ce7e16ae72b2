"""Orbits around the Moon: elements <-> state, two-body vs Kepler, J2 secular drift.

Reference values are closed-form (Kepler's problem, first-order J2 theory: Vallado 2013 eqs.
9-39..9-42) or published (Queqiao-2: 200 x 16,000 km, 24 h; its earlier design 300 x 8,600 km, 12 h;
ilrs-facts.md), never the code's own output.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ilrs.comms.gravity import GravityField
from ilrs.comms.orbits import (GM_MOON_M3_S2, KeplerElements, elements_to_state, j2_secular_propagate,
                               j2_secular_rates, kepler_propagate, solve_kepler, state_to_elements)
from ilrs.comms.propagation import ForceModel, propagate


def _wrap(x):
    return (np.asarray(x) + np.pi) % (2 * np.pi) - np.pi


@settings(max_examples=60, deadline=None)
@given(a=st.floats(1800e3, 80000e3), e=st.floats(0.0, 0.9), i=st.floats(0.01, 3.13),
       raan=st.floats(0, 6.28), argp=st.floats(0, 6.28), m=st.floats(0, 6.28))
def test_elements_state_round_trip(a, e, i, raan, argp, m):
    el = KeplerElements(a, e, i, raan, argp, m)
    r, v = elements_to_state(el)
    # vis-viva and angular momentum, closed form
    assert np.linalg.norm(v) ** 2 == pytest.approx(GM_MOON_M3_S2 * (2 / np.linalg.norm(r) - 1 / a), rel=1e-10)
    h = np.linalg.norm(np.cross(r, v))
    assert h == pytest.approx(np.sqrt(GM_MOON_M3_S2 * a * (1 - e * e)), rel=1e-10)
    back = state_to_elements(r, v)
    assert back.semi_major_axis_m == pytest.approx(a, rel=1e-9)
    assert back.eccentricity == pytest.approx(e, abs=1e-9)
    assert back.inclination_rad == pytest.approx(i, abs=1e-9)
    if e > 1e-6:
        assert abs(_wrap(back.raan_rad - raan)) < 1e-7
        assert abs(_wrap(back.arg_periapsis_rad - argp)) < 1e-6
        assert abs(_wrap(back.mean_anomaly_rad - m)) < 1e-6


def test_kepler_equation_residual():
    M = np.linspace(0, 2 * np.pi, 101)
    for e in (0.0, 0.3, 0.79, 0.95):
        E = solve_kepler(M, e)
        assert np.max(np.abs(_wrap(E - e * np.sin(E) - M))) < 1e-13


def test_queqiao2_published_period():
    # 200 x 16,000 km above the 1737.4 km sphere -> 24 h (ilrs-facts: "24 h period")
    el = KeplerElements.from_apsides(200e3, 16000e3, np.radians(62.4))
    assert el.period_s() / 3600 == pytest.approx(24.0, abs=0.5)
    early = KeplerElements.from_apsides(300e3, 8600e3, np.radians(62.4))
    assert early.period_s() / 3600 == pytest.approx(12.0, abs=0.25)


def test_two_body_numerical_matches_kepler_after_10_days():
    el = KeplerElements.from_apsides(np.array([200e3, 300e3, 100e3]), np.array([16000e3, 8600e3, 100e3]),
                                     np.radians([62.4, 62.4, 90.0]), np.radians([10, 50, 0]),
                                     np.radians([90, 90, 0]), np.radians([0, 30, 200]))
    r0, v0 = elements_to_state(el)
    t = np.linspace(0, 10 * 86400, 121)
    tr = propagate(r0, v0, t, ForceModel(GravityField.point_mass()))
    rk, _ = kepler_propagate(el, t)
    err = np.linalg.norm(tr.r_m - rk, axis=-1)
    assert err.max() < 1.0  # metres, issue #4 bar


def test_j2_secular_rates_against_numerical_drift():
    """Node and perilune drift of a J2-only orbit vs first-order theory (< 1 %)."""
    field = GravityField.zonal_j2()
    el = KeplerElements(1738e3 + 300e3, 0.05, np.radians(40.0), 0.3, 1.0, 0.0)
    r0, v0 = elements_to_state(el)
    days = 8.0
    t = np.linspace(0, days * 86400, 800)
    tr = propagate(r0, v0, t, ForceModel(field), rtol=1e-11, atol_m=1e-4)
    osc = state_to_elements(tr.r_m[:, 0], tr.v_m_s[:, 0])
    raan = np.unwrap(osc.raan_rad)
    argp = np.unwrap(osc.arg_periapsis_rad)
    raan_rate = np.polyfit(t, raan, 1)[0]
    argp_rate = np.polyfit(t, argp, 1)[0]
    # closed form, written out here independently of the library
    mu, R, j2 = GM_MOON_M3_S2, 1738e3, field.j2
    a, e, i = el.semi_major_axis_m, el.eccentricity, el.inclination_rad
    n = np.sqrt(mu / a**3)
    p = a * (1 - e * e)
    raan_ref = -1.5 * n * j2 * (R / p) ** 2 * np.cos(i)
    argp_ref = 0.75 * n * j2 * (R / p) ** 2 * (5 * np.cos(i) ** 2 - 1)
    assert raan_rate == pytest.approx(raan_ref, rel=0.01)
    assert argp_rate == pytest.approx(argp_ref, rel=0.01)
    lib = j2_secular_rates(el, j2)
    assert lib[0] == pytest.approx(raan_ref, rel=1e-12) and lib[1] == pytest.approx(argp_ref, rel=1e-12)


def test_j2_analytic_mode_moves_node_at_the_rate():
    el = KeplerElements(6000e3, 0.6, np.radians(57.0), 0.0, np.pi / 2, 0.0)
    j2 = 2.03e-4
    dt = np.array([0.0, 30 * 86400.0])
    r, v = j2_secular_propagate(el, dt, j2)
    osc = state_to_elements(r, v)
    n = np.sqrt(GM_MOON_M3_S2 / 6000e3**3)
    ref = -1.5 * n * j2 * (1738e3 / (6000e3 * (1 - 0.36))) ** 2 * np.cos(np.radians(57.0)) * dt[1]
    assert _wrap(osc.raan_rad[1] - osc.raan_rad[0]) == pytest.approx(ref, rel=1e-6)


def test_third_body_acceleration_tends_to_the_tidal_closed_form():
    """For |r| << |s|: a ~ GM/|s|^3 (3 (s_hat . r) s_hat - r) (Montenbruck & Gill 2000, eq. 3.39 lead term)."""
    from ilrs.comms.propagation import GM_EARTH_M3_S2, third_body_acceleration

    s = np.array([3.0e8, 2.0e8, -1.0e8])
    sh = s / np.linalg.norm(s)
    rng = np.random.default_rng(7)
    r = rng.normal(size=(20, 3)) * 2.0e5
    a = third_body_acceleration(r, s, GM_EARTH_M3_S2)
    tidal = GM_EARTH_M3_S2 / np.linalg.norm(s) ** 3 * (3 * (r @ sh)[:, None] * sh - r)
    assert np.allclose(a, tidal, rtol=0, atol=np.abs(tidal).max() * 3e-3)


def test_tabulated_ephemeris_matches_the_environment_between_nodes():
    from ilrs.comms.states import ephemeris_table
    from ilrs.environment import earth_position_m, icrf_to_moon_me, sun_position_m, utc_array

    eph = ephemeris_table("2028-03-01", 3 * 86400)
    t_s = np.array([1800.0, 12345.0, 2.5 * 86400 + 1799.0])
    times = utc_array("2028-03-01") + (t_s * 1e9).astype("timedelta64[ns]")
    assert np.abs(eph.earth(t_s) - earth_position_m(times)).max() < 1.0          # metres
    assert np.abs(eph.sun(t_s) - sun_position_m(times)).max() < 1.0
    assert np.abs(eph.rotation(t_s) - icrf_to_moon_me(times)).max() < 1e-9
