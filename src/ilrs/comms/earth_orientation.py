"""The Earth's orientation for station positions: skyfield's ITRS frame, nutation interpolated.

skyfield's ``itrs.rotation_at(t)`` is ``Rz(-GAST)·N·P·B`` (no polar motion unless a table is
loaded, as here). Its cost on long grids (the study's span hourly: ~10⁵ instants) is the nutation
series, evaluated at every instant: IAU 2000B (77 luni-solar terms; skyfield's documented
speed-up, ~1 mas from 2000A) and the complementary terms of the equation of the equinoxes
(Capitaine et al. 2003, 33 terms). Both vary slowly — the shortest periods of any weight are days
(13.66 d: 0.23" in Δψ; 9.13 d: 0.03") — so :func:`itrs_rotation` evaluates them with skyfield's
own functions on nodes :data:`NUTATION_NODE_DAYS` apart and interpolates them by cubic spline
(Δψ, Δε and the complementary terms); the mean obliquity, precession, frame bias and GMST are
skyfield's at every instant, and GAST is assembled by skyfield's own formula. The interpolation
error is below :data:`NUTATION_INTERPOLATION_RAD` (tested against skyfield at every instant):
under 3 mm at an Earth station.
"""

from __future__ import annotations

import numpy as np

NUTATION_NODE_DAYS = 1.0
"""Spacing of the nutation nodes (days of TT): the 77 terms cost ~6 µs per instant, so daily nodes
make the series ~4 % of its direct cost on an hourly grid."""

NUTATION_INTERPOLATION_RAD = 5e-10
"""Bound of the interpolation error of Δψ, Δε and the complementary terms (rad; 0.1 mas — a tenth of
IAU 2000B's own distance from 2000A; 3 mm at an Earth station): tested in
tests/test_comms_earth_orientation.py."""


def _nodes_tt(tt: np.ndarray) -> np.ndarray:
    """Node times (TT Julian dates) covering ``tt`` with two nodes' margin on each side."""
    lo, hi = float(tt.min()), float(tt.max())
    count = int(np.ceil((hi - lo) / NUTATION_NODE_DAYS)) + 5
    return lo - 2 * NUTATION_NODE_DAYS + NUTATION_NODE_DAYS * np.arange(count)


def nutation_terms(tt: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(Δψ, Δε, complementary terms of the equation of the equinoxes), radians, at TT Julian
    dates ``tt``: skyfield's IAU 2000B series and terms, evaluated directly when ``tt`` has no
    more instants than nodes, else interpolated from the nodes (cubic spline)."""
    from skyfield.nutationlib import _TENTH_USEC_2_RAD, equation_of_the_equinoxes_complimentary_terms, iau2000b

    tt = np.asarray(tt, float)
    nodes = _nodes_tt(tt) if tt.size > 1 else tt
    direct = tt.size <= nodes.size
    at = tt if direct else nodes
    d_psi, d_eps = iau2000b(at)
    values = np.stack([d_psi * _TENTH_USEC_2_RAD, d_eps * _TENTH_USEC_2_RAD,
                       equation_of_the_equinoxes_complimentary_terms(at)])
    if direct:
        return values[0], values[1], values[2]
    from scipy.interpolate import CubicSpline

    spline = CubicSpline(nodes, values, axis=1)
    out = spline(tt)
    return out[0], out[1], out[2]


def itrs_rotation(times_utc) -> np.ndarray:
    """GCRS → ITRS rotation matrices (3, 3, T) at UTC ``times_utc``: skyfield's ``itrs.rotation_at``
    with IAU 2000B nutation, interpolated as the module docstring says."""
    from skyfield.constants import tau
    from skyfield.framelib import itrs

    from ilrs.environment.time import skyfield_time

    t = skyfield_time(times_utc)
    tt = np.atleast_1d(np.asarray(t.tt, float))
    d_psi, d_eps, c_terms = nutation_terms(tt)
    if np.ndim(t.tt) == 0:
        d_psi, d_eps, c_terms = d_psi[0], d_eps[0], c_terms[0]
    t._nutation_angles_radians = (d_psi, d_eps)
    eq_eq = d_psi * np.cos(t._mean_obliquity_radians) + c_terms
    t.gast = (t.gmst + eq_eq / tau * 24.0) % 24.0  # skyfield's Time.gast, with these terms
    return np.asarray(itrs.rotation_at(t))
