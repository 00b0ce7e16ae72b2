"""Station geometry's Earth orientation: the interpolated nutation against skyfield at every instant,
and Kepler's equation solved element by element against the whole-array iteration it replaced."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from skyfield.framelib import itrs
from skyfield.nutationlib import equation_of_the_equinoxes_complimentary_terms, iau2000b_radians

from ilrs.comms.earth_orientation import NUTATION_INTERPOLATION_RAD, itrs_rotation, nutation_terms
from ilrs.comms.orbits import solve_kepler
from ilrs.environment.time import skyfield_time


def _skyfield_rotation(times):
    t = skyfield_time(times)
    t._nutation_angles_radians = iau2000b_radians(t)  # skyfield's documented IAU 2000B speed-up
    return np.asarray(itrs.rotation_at(t)), t


def test_nutation_interpolation_within_its_bound_over_eleven_years_hourly():
    times = np.arange(np.datetime64("2026-01-01T00:30"), np.datetime64("2037-01-01"), np.timedelta64(1, "h"))
    ref, t = _skyfield_rotation(times)
    d_psi, d_eps, c_terms = nutation_terms(t.tt)
    assert np.abs(d_psi - t._nutation_angles_radians[0]).max() < NUTATION_INTERPOLATION_RAD
    assert np.abs(d_eps - t._nutation_angles_radians[1]).max() < NUTATION_INTERPOLATION_RAD
    assert np.abs(c_terms - equation_of_the_equinoxes_complimentary_terms(t.tt)).max() < NUTATION_INTERPOLATION_RAD
    # the rotation's error moves a station (6378 km from the geocentre) by < 3 mm
    assert np.abs(itrs_rotation(times) - ref).max() * 6.378e6 < 3e-3


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 60 * 365 * 24 * 60), st.integers(1, 40), st.integers(60, 86400 * 3))
def test_station_rotation_matches_skyfield_on_any_grid(start_min, count, step_s):
    start = np.datetime64("2000-01-01T00:00", "m") + np.timedelta64(start_min, "m")
    times = (start + np.arange(count) * np.timedelta64(step_s, "s")).astype("datetime64[ns]")
    ref, _ = _skyfield_rotation(times)
    got = itrs_rotation(times)
    assert got.shape == ref.reshape(3, 3, -1).shape
    assert np.abs(got - ref.reshape(got.shape)).max() < NUTATION_INTERPOLATION_RAD


def _kepler_whole_array(M, e, tol=1e-15, max_iter=50):
    """The previous solver: Newton on the whole array until every step is below tol."""
    M = np.remainder(np.asarray(M, float), 2.0 * np.pi)
    M, e = np.broadcast_arrays(M, np.asarray(e, float))
    E = np.where(e < 0.8, M, np.pi)
    for _ in range(max_iter):
        dE = (E - e * np.sin(E) - M) / (1.0 - e * np.cos(E))
        E = E - dE
        if np.all(np.abs(dE) < tol):
            break
    return E


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-50.0, 50.0), min_size=1, max_size=200), st.floats(0.0, 0.999))
def test_kepler_per_element_agrees_with_whole_array_newton(mean_anomalies, e):
    M = np.array(mean_anomalies)
    E = solve_kepler(M, e)
    residual = np.angle(np.exp(1j * (E - e * np.sin(E) - M)))  # Kepler's equation, independent of the solver
    assert np.abs(residual).max() < 1e-13
    assert np.abs(E - _kepler_whole_array(M, e)).max() < 1e-13


def test_kepler_keeps_shape_and_scalars():
    assert solve_kepler(np.zeros((4, 3)), 0.5).shape == (4, 3)
    assert float(solve_kepler(np.pi, 0.9)) == np.pi  # E = π solves M = π for every e
