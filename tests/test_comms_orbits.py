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


def _node_rate_deg_day(r, v, B, t_s):
    """Fitted node rate (deg/day) of states (T, 3) expressed in the frame with rows B."""
    el = state_to_elements(r @ B.T, v @ B.T)
    return np.degrees(np.polyfit(t_s, np.unwrap(el.raan_rad), 1)[0]) * 86400, el


def test_analytic_mode_turns_the_node_about_the_lunar_equator_pole():
    """J2 only: the node measured on the lunar equator (ME frame at the start) moves at the
    closed-form J2 rate for the inclination to that equator — not to the element frame's plane,
    which is the Moon's orbit, 6.68 deg from the equator (Cassini's laws: 1.54 + 5.14 deg). The
    spin axis itself precesses (18.6 years), hence 1 % rather than exactness over 40 days."""
    from ilrs.comms.relays import resolve_relays
    from ilrs.comms.states import earth_moon_plane_to_icrf, relay_states
    from ilrs.timeutil import seconds_since
    from ilrs.environment import icrf_to_moon_me, time_grid

    rel = resolve_relays(["queqiao-2", "moonlight-com"])
    t = time_grid("2028-05-01", days=40, step_s=3 * 3600)
    t_s = seconds_since(t[0], t)
    st_ = relay_states(rel, t, propagation="j2", third_bodies=False)
    me = icrf_to_moon_me(t[:1])[0]
    j2 = GravityField.grail(degree=2).j2
    for k in range(2):
        rate, el = _node_rate_deg_day(st_.r_icrf_m[:, k], st_.v_icrf_m_s[:, k], me, t_s)
        a, e, i = float(el.semi_major_axis_m[0]), float(el.eccentricity[0]), float(el.inclination_rad[0])
        n = np.sqrt(GM_MOON_M3_S2 / a**3)
        ref = np.degrees(-1.5 * n * j2 * (1738e3 / (a * (1 - e * e))) ** 2 * np.cos(i)) * 86400
        assert rate == pytest.approx(ref, rel=1e-2)
    tilt = np.degrees(np.arccos(me[2] @ earth_moon_plane_to_icrf(t[:1])[0][:, 2]))
    assert tilt == pytest.approx(6.68, abs=0.3)


def test_analytic_earth_node_rate_against_closed_form_and_numerical():
    """Queqiao-2's node on the plane of the Moon's orbit regresses ~1 deg/day under the Earth's
    pull: the doubly averaged quadrupole rate -(3C/(4n sqrt(1-e^2))) cos i (1 + 4e^2) at omega =
    90 deg (Kozai 1962; C = GM_E / a_M^3), the analytic mode, and a 60-day numerical run agree."""
    from ilrs.comms.propagation import GM_EARTH_M3_S2
    from ilrs.comms.relays import resolve_relays
    from ilrs.comms.states import earth_moon_plane_to_icrf, relay_states
    from ilrs.timeutil import seconds_since
    from ilrs.environment import time_grid

    rel = resolve_relays(["queqiao-2"])
    t = time_grid("2027-01-01", days=60, step_s=3 * 3600)
    t_s = seconds_since(t[0], t)
    B = earth_moon_plane_to_icrf(t[:1])[0].T
    el = rel[0].elements
    a, e, i = float(el.semi_major_axis_m), float(el.eccentricity), float(el.inclination_rad)
    n = np.sqrt(GM_MOON_M3_S2 / a**3)
    C = GM_EARTH_M3_S2 / (384_400e3**3 * (1 - 0.0549**2) ** 1.5)
    kozai = np.degrees(-3 * C / (4 * n * np.sqrt(1 - e * e)) * np.cos(i) * (1 + 4 * e * e)) * 86400
    analytic = relay_states(rel, t, propagation="j2")
    rate_a, _ = _node_rate_deg_day(analytic.r_icrf_m[:, 0], analytic.v_icrf_m_s[:, 0], B, t_s)
    assert rate_a == pytest.approx(kozai, rel=0.02)   # + J2 (1 %) and the Sun (0.6 %)
    num = relay_states(rel, t, gravity_degree=4, station_keeping=False)
    rate_n, _ = _node_rate_deg_day(num.r_icrf_m[:, 0], num.v_icrf_m_s[:, 0], B, t_s)
    assert rate_n == pytest.approx(rate_a, rel=0.03)
    assert -1.2 < rate_n < -0.8


def test_third_body_rates_vanish_on_the_frozen_family():
    """dw/dt = 0 at w = 90 deg when e^2 = 1 - (5/3) cos^2 i (Kozai); not elsewhere."""
    from ilrs.comms.orbits import third_body_secular_rates

    i = np.radians(62.4)
    e = np.sqrt(1 - 5 / 3 * np.cos(i) ** 2)
    el = KeplerElements(9.8e6, e, i, 0.0, np.pi / 2, 0.0)
    _, w_dot, _ = third_body_secular_rates(el, 7e-12)
    _, w_dot_off, _ = third_body_secular_rates(KeplerElements(9.8e6, e - 0.1, i, 0.0, np.pi / 2, 0.0), 7e-12)
    assert abs(w_dot) < 1e-20 and abs(w_dot_off) > 1e-9


@settings(max_examples=25, deadline=None)
@given(a=st.floats(3000e3, 12000e3), e=st.floats(0.05, 0.85), i=st.floats(0.2, 2.9), raan=st.floats(0, 6.28),
       argp=st.floats(0, 6.28), tilt=st.floats(0.0, 1.0))
def test_vector_secular_rates_agree_with_lagrange(a, e, i, raan, argp, tilt):
    """The Milankovitch-vector rates (one derivation) against the classical node and periapsis rates
    from Lagrange's equations (another): J2 about a tilted spin axis, and a third body about its
    orbit pole, each taken alone; elements measured relative to that axis."""
    from ilrs.comms.orbits import frame_with_pole, secular_rates_vector, third_body_secular_rates

    if a * (1 - e) < 1800e3:
        return
    pole = np.array([np.sin(tilt) * 0.6, np.sin(tilt) * 0.8, np.cos(tilt)])
    B = frame_with_pole(pole)              # rows: axes of the pole's frame in inertial coordinates
    el = KeplerElements(a, e, i, raan, argp, 0.0)
    r_f, v_f = elements_to_state(el)       # elements relative to the pole's frame
    r, v = B.T @ r_f, B.T @ v_f
    h = np.cross(r, v)
    j = h / np.sqrt(GM_MOON_M3_S2 * a)
    ev = np.cross(v, h) / GM_MOON_M3_S2 - r / np.linalg.norm(r)
    j2 = 2.03e-4
    for which in ("j2", "third"):
        if which == "j2":
            dj, de, dm = secular_rates_vector(j[None], ev[None], np.array([a]), j2=j2, spin=pole)
            raan_dot, argp_dot, m_dot = j2_secular_rates(el, j2)
            m_extra = m_dot - np.sqrt(GM_MOON_M3_S2 / a**3)
        else:
            dj, de, dm = secular_rates_vector(j[None], ev[None], np.array([a]), j2=0.0, spin=pole,
                                              third=[(7e-12, pole)])
            raan_dot, argp_dot, m_extra = third_body_secular_rates(el, 7e-12)
        # node rate: the pole-frame z component of (h_hat x dh_hat/dt) over sin^2 i, by finite step
        dt = 1.0
        el_b = state_to_elements(*_from_vectors(B @ (j + dj[0] * dt), B @ (ev + de[0] * dt), a))
        el_a = state_to_elements(*_from_vectors(B @ j, B @ ev, a))
        scale = max(abs(raan_dot), abs(argp_dot), 1e-16)
        assert _wrap(el_b.raan_rad - el_a.raan_rad) / dt == pytest.approx(raan_dot, abs=1e-4 * scale)
        assert _wrap(el_b.arg_periapsis_rad - el_a.arg_periapsis_rad) / dt == pytest.approx(argp_dot, abs=1e-4 * scale)
        assert dm[0] == pytest.approx(m_extra, rel=1e-9, abs=1e-18)


def _from_vectors(j, ev, a):
    """A state (r, v) at periapsis of the orbit with Milankovitch vectors j, e and semi-major axis a."""
    e = np.linalg.norm(ev)
    p_hat = ev / e
    h_hat = j / np.linalg.norm(j)
    q_hat = np.cross(h_hat, p_hat)
    rp = a * (1 - e)
    vp = np.sqrt(GM_MOON_M3_S2 * (1 + e) / rp)
    return rp * p_hat, vp * q_hat


def test_secular_propagation_keeps_a_frozen_orbit_frozen():
    """Doubly averaged Earth + Sun + J2 for Queqiao-2's orbit over 10 years, elements in the
    Moon's orbit plane of each day (it precesses over 18.6 years): e, omega and i stay near the
    frozen 0.803 / 90 deg / 62.4 deg (Kozai libration) while the node regresses ~1 deg/day.
    (Rates held at their start values instead let omega drift to 76-100 deg and i to 52-73 deg.)"""
    from ilrs.comms.relays import resolve_relays
    from ilrs.comms.states import earth_moon_plane_to_icrf, relay_states
    from ilrs.environment import time_grid

    t = time_grid("2027-01-01", days=3650, step_s=86400)
    st_ = relay_states(resolve_relays(["queqiao-2"]), t, propagation="j2")
    B = earth_moon_plane_to_icrf(t)
    r = np.einsum("tji,tj->ti", B, st_.r_icrf_m[:, 0])
    v = np.einsum("tji,tj->ti", B, st_.v_icrf_m_s[:, 0])
    el = state_to_elements(r, v)
    assert np.abs(np.degrees(el.arg_periapsis_rad) - 90.0).max() < 5.0
    assert np.abs(np.degrees(el.inclination_rad) - 62.4).max() < 2.0
    assert np.abs(el.eccentricity - 0.803).max() < 0.03
    fixed = state_to_elements(st_.r_icrf_m[:366, 0] @ B[0], st_.v_icrf_m_s[:366, 0] @ B[0])  # start's plane
    node = np.degrees(np.unwrap(fixed.raan_rad))
    assert -1.1 < (node[365] - node[0]) / 365 < -0.9
