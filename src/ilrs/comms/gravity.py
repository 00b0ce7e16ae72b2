"""The lunar gravity field GRGM1200A (GRAIL), truncated, as a vectorized spherical-harmonic model.

Coefficients: ``ilrs/data/gravity/grgm1200a_d50.npz``, made by ``tools/make_gravity_coefficients.py``
from GGGRX_1200A_SHA.TAB (Lemoine et al. 2014, doi:10.1002/2014GL060027): fully normalized
("geodesy 4pi"), R = 1738.0 km, GM = 4902.8001224453 km^3/s^2, body-fixed frame = DE430 principal
axes. Accelerations by the singularity-free Cunningham recursion of V_nm, W_nm (Montenbruck & Gill,
*Satellite Orbits*, 2000, sec. 3.2.4, eqs. 3.27-3.33), over many points at once.
"""

from __future__ import annotations

from functools import lru_cache
from math import lgamma, exp, log

import numpy as np

from ilrs.data import data_path
from ilrs.errors import InputError

COEFFICIENT_FILE = ("gravity", "grgm1200a_d50.npz")
MAX_SHIPPED_DEGREE = 50


def normalization_factor(n: int, m: int) -> float:
    """N_nm with C_nm(unnormalized) = N_nm * C̄_nm: sqrt((2 - δ_m0)(2n+1)(n-m)!/(n+m)!)
    (Montenbruck & Gill 2000, eq. 3.13)."""
    k = 1.0 if m == 0 else 2.0
    return exp(0.5 * (log(k * (2 * n + 1)) + lgamma(n - m + 1) - lgamma(n + m + 1)))


@lru_cache(maxsize=4)
def _shipped() -> dict:
    path = data_path(*COEFFICIENT_FILE)
    with np.load(path) as z:
        return {"C": z["C"].copy(), "S": z["S"].copy(), "radius_m": float(z["radius_km"]) * 1e3,
                "gm_m3_s2": float(z["gm_km3_s2"]) * 1e9, "degree": int(z["degree"])}


class GravityField:
    """Spherical-harmonic gravity of the Moon to ``degree`` x ``order`` (body-fixed frame, SI).

    >>> g = GravityField.grail(degree=8)
    >>> round(g.j2, 7)
    0.0002032
    """

    def __init__(self, C_normalized: np.ndarray, S_normalized: np.ndarray, gm_m3_s2: float, radius_m: float,
                 degree: int, order: int | None = None):
        order = degree if order is None else min(order, degree)
        if degree < 0:
            raise InputError(f"degree {degree} must be >= 0", field="degree")
        self.degree = int(degree)
        self.order = int(order)
        self.gm_m3_s2 = float(gm_m3_s2)
        self.radius_m = float(radius_m)
        nmax = self.degree
        C = np.zeros((nmax + 1, nmax + 1))
        S = np.zeros((nmax + 1, nmax + 1))
        for n in range(nmax + 1):
            for m in range(min(n, self.order) + 1):
                f = normalization_factor(n, m)
                C[n, m] = C_normalized[n, m] * f
                S[n, m] = S_normalized[n, m] * f
        self.C = C  # unnormalized
        self.S = S
        self.C_normalized = np.array(C_normalized[: nmax + 1, : nmax + 1])
        self.S_normalized = np.array(S_normalized[: nmax + 1, : nmax + 1])
        nn, mm = np.meshgrid(np.arange(nmax + 1), np.arange(nmax + 1), indexing="ij")
        keep = mm <= np.minimum(nn, self.order)
        self._n = nn[keep]
        self._m = mm[keep]
        self._c = C[keep]
        self._s = S[keep]
        pos = self._m > 0
        self._fac = np.where(pos, (self._n - self._m + 2.0) * (self._n - self._m + 1.0), 0.0)
        self._cs = self._c - 1j * self._s
        self._half = np.where(self._m == 0, 1.0, 0.5)[:, None]
        self._mm1 = np.maximum(self._m - 1, 0)
        self._nm1 = (self._n - self._m + 1.0)[:, None]

    @classmethod
    def grail(cls, degree: int = 8, order: int | None = None) -> "GravityField":
        """GRGM1200A truncated to ``degree`` x ``order`` (at most the shipped degree 50)."""
        if not 0 <= degree <= MAX_SHIPPED_DEGREE:
            raise InputError(f"gravity degree {degree} is outside 0..{MAX_SHIPPED_DEGREE}", field="degree",
                             allowed=f"0..{MAX_SHIPPED_DEGREE}")
        d = _shipped()
        return cls(d["C"], d["S"], d["gm_m3_s2"], d["radius_m"], degree, order)

    @classmethod
    def point_mass(cls, gm_m3_s2: float | None = None, radius_m: float | None = None) -> "GravityField":
        d = _shipped()
        one = np.ones((1, 1))
        return cls(one, np.zeros((1, 1)), gm_m3_s2 or d["gm_m3_s2"], radius_m or d["radius_m"], 0)

    @classmethod
    def zonal_j2(cls, j2: float | None = None) -> "GravityField":
        """Point mass plus J2 only (for checks against the analytic secular rates)."""
        d = _shipped()
        C = np.zeros((3, 3))
        C[0, 0] = 1.0
        C[2, 0] = d["C"][2, 0] if j2 is None else -j2 / np.sqrt(5.0)
        return cls(C, np.zeros((3, 3)), d["gm_m3_s2"], d["radius_m"], 2, 0)

    @property
    def j2(self) -> float:
        """J2 = -C20 (unnormalized)."""
        return float(-self.C[2, 0]) if self.degree >= 2 else 0.0

    @staticmethod
    @lru_cache(maxsize=64)
    def _recursion_coefficients(nmax: int) -> tuple:
        """(2n-1)/(n-m) and (n+m-1)/(n-m) for m < n, per degree n (M&G eq. 3.29), as (n, 1) arrays."""
        out = [None]
        for n in range(1, nmax + 1):
            m = np.arange(n, dtype=float)[:, None]
            out.append(((2 * n - 1) / (n - m), (n + m - 1) / (n - m)))
        return tuple(out)

    def _q(self, r: np.ndarray, extra: int) -> np.ndarray:
        """Q_nm = V_nm + i W_nm for n, m <= degree + extra, shape (nmax+1, nmax+2, N), complex.

        The Cunningham recursions are linear with real coefficients in the zonal direction and a
        complex product (x + i y) in the sectoral one, so V and W travel together as one complex
        array (M&G eqs. 3.29-3.30)."""
        x, y, z = r[:, 0], r[:, 1], r[:, 2]
        r2 = x * x + y * y + z * z
        R = self.radius_m
        nmax = self.degree + extra
        N = r.shape[0]
        Q = np.zeros((nmax + 1, nmax + 2, N), complex)
        xy = (x + 1j * y) * (R / r2)
        zs, rho = z * R / r2, R * R / r2
        Q[0, 0] = R / np.sqrt(r2)
        coef = self._recursion_coefficients(nmax)
        for n in range(1, nmax + 1):
            Q[n, n] = (2 * n - 1) * xy * Q[n - 1, n - 1]          # sectoral (M&G eq. 3.30)
            a1, a2 = coef[n]                                       # m < n (M&G eq. 3.29)
            if n >= 2:
                Q[n, :n] = a1 * zs * Q[n - 1, :n] - a2 * rho * Q[n - 2, :n]
            else:
                Q[n, :n] = a1 * zs * Q[n - 1, :n]
        return Q

    def potential(self, r_body_m) -> np.ndarray:
        """Gravitational potential U (m^2/s^2, positive, U = GM/r for a point mass) at body-fixed
        points (N, 3) (M&G eq. 3.28): U = GM/R sum Re[(C - i S) Q_nm]."""
        r = np.atleast_2d(np.asarray(r_body_m, float))
        Q = self._q(r, 0)
        terms = (self._cs[:, None] * Q[self._n, self._m]).real
        return self.gm_m3_s2 / self.radius_m * terms.sum(axis=0)

    def acceleration(self, r_body_m) -> np.ndarray:
        """Acceleration (m/s^2), shape (N, 3), at body-fixed points (N, 3), central term included
        (M&G eqs. 3.33, written with Q = V + i W and (C - i S))."""
        r = np.atleast_2d(np.asarray(r_body_m, float))
        Q = self._q(r, 1)
        n, m, cs = self._n, self._m, self._cs[:, None]
        A = cs * Q[n + 1, m + 1]
        B = cs * Q[n + 1, self._mm1]
        Z = cs * Q[n + 1, m]
        w, fac = self._half, self._fac[:, None]
        ax = w * (fac * B.real - A.real)
        ay = -w * (A.imag + fac * B.imag)
        az = -self._nm1 * Z.real
        k = self.gm_m3_s2 / self.radius_m**2
        return k * np.stack([ax.sum(0), ay.sum(0), az.sum(0)], axis=-1)
