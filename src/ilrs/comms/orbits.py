"""Keplerian orbits around the Moon: elements <-> state, closed-form two-body, J2 secular drift.

Everything is SI (m, s, rad) and vectorized: any argument may be an array and broadcasts.

Formulas: Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed. (2013),
algorithms 9 (COE2RV) and 10 (RV2COE); Kepler's equation by Newton iteration (Vallado alg. 2);
J2 secular rates of node, perigee and mean anomaly (Vallado eqs. 9-41, 9-39, 9-42; Brouwer 1959).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GM_MOON_M3_S2 = 4902.8001224453001e9
"""GM of the Moon in the GRGM1200A header record (GGGRX_1200A_SHA.TAB), m^3/s^2."""
R_MOON_GRAVITY_M = 1738.0e3
"""Reference radius of the GRGM1200A expansion, m."""
R_MOON_MEAN_M = 1737.4e3
"""Mean lunar radius used for altitudes and sites (IAU/NAIF BODY301_RADII), m."""


@dataclass(frozen=True)
class KeplerElements:
    """Classical elements (arrays allowed) in a Moon-centred inertial frame, SI units.

    ``mean_anomaly_rad`` is at the element epoch.
    """

    semi_major_axis_m: np.ndarray | float
    eccentricity: np.ndarray | float
    inclination_rad: np.ndarray | float
    raan_rad: np.ndarray | float
    arg_periapsis_rad: np.ndarray | float
    mean_anomaly_rad: np.ndarray | float

    @property
    def periapsis_radius_m(self):
        return np.asarray(self.semi_major_axis_m) * (1.0 - np.asarray(self.eccentricity))

    @property
    def apoapsis_radius_m(self):
        return np.asarray(self.semi_major_axis_m) * (1.0 + np.asarray(self.eccentricity))

    def period_s(self, mu: float = GM_MOON_M3_S2):
        return 2.0 * np.pi * np.sqrt(np.asarray(self.semi_major_axis_m) ** 3 / mu)

    def as_array(self) -> np.ndarray:
        """Shape (..., 6): a, e, i, raan, argp, M."""
        return np.stack(np.broadcast_arrays(*(np.asarray(v, float) for v in (
            self.semi_major_axis_m, self.eccentricity, self.inclination_rad, self.raan_rad,
            self.arg_periapsis_rad, self.mean_anomaly_rad))), axis=-1)

    @classmethod
    def from_array(cls, arr: np.ndarray) -> "KeplerElements":
        a = np.asarray(arr, float)
        return cls(*(a[..., k] for k in range(6)))

    @classmethod
    def from_apsides(cls, periapsis_altitude_m, apoapsis_altitude_m, inclination_rad, raan_rad=0.0,
                     arg_periapsis_rad=0.0, mean_anomaly_rad=0.0, body_radius_m: float = R_MOON_MEAN_M):
        """Elements from perilune/apolune altitudes above a sphere of ``body_radius_m``."""
        rp = body_radius_m + np.asarray(periapsis_altitude_m, float)
        ra = body_radius_m + np.asarray(apoapsis_altitude_m, float)
        return cls((rp + ra) / 2.0, (ra - rp) / (ra + rp), inclination_rad, raan_rad, arg_periapsis_rad,
                   mean_anomaly_rad)


def solve_kepler(mean_anomaly_rad, eccentricity, tol: float = 1e-15, max_iter: int = 50) -> np.ndarray:
    """Eccentric anomaly E from M = E - e sin E (elliptic orbits, e < 1), Newton iteration."""
    M = np.remainder(np.asarray(mean_anomaly_rad, float), 2.0 * np.pi)
    e = np.asarray(eccentricity, float)
    M, e = np.broadcast_arrays(M, e)
    E = np.where(e < 0.8, M, np.pi * np.ones_like(M))
    for _ in range(max_iter):
        f = E - e * np.sin(E) - M
        dE = f / (1.0 - e * np.cos(E))
        E = E - dE
        if np.all(np.abs(dE) < tol):
            break
    return E


def _rotation_pqw_to_inertial(i, raan, argp) -> np.ndarray:
    """Matrix (..., 3, 3) with the perifocal P, Q, W unit vectors as columns (Vallado eq. 3-31)."""
    ci, si = np.cos(i), np.sin(i)
    cO, sO = np.cos(raan), np.sin(raan)
    cw, sw = np.cos(argp), np.sin(argp)
    R = np.empty(np.broadcast(ci, cO, cw).shape + (3, 3))
    R[..., 0, 0] = cO * cw - sO * sw * ci
    R[..., 0, 1] = -cO * sw - sO * cw * ci
    R[..., 0, 2] = sO * si
    R[..., 1, 0] = sO * cw + cO * sw * ci
    R[..., 1, 1] = -sO * sw + cO * cw * ci
    R[..., 1, 2] = -cO * si
    R[..., 2, 0] = sw * si
    R[..., 2, 1] = cw * si
    R[..., 2, 2] = ci
    return R


def elements_to_state(el: KeplerElements, mu: float = GM_MOON_M3_S2) -> tuple[np.ndarray, np.ndarray]:
    """Position (m) and velocity (m/s), each shape (..., 3), of elliptic elements (Vallado alg. 9)."""
    a = np.asarray(el.semi_major_axis_m, float)
    e = np.asarray(el.eccentricity, float)
    E = solve_kepler(el.mean_anomaly_rad, e)
    cE, sE = np.cos(E), np.sin(E)
    b = a * np.sqrt(1.0 - e * e)
    n = np.sqrt(mu / a**3)
    rmag = a * (1.0 - e * cE)
    x_p = a * (cE - e)
    y_p = b * sE
    vx_p = -a * n * sE * a / rmag
    vy_p = b * n * cE * a / rmag
    R = _rotation_pqw_to_inertial(np.asarray(el.inclination_rad, float), np.asarray(el.raan_rad, float),
                                  np.asarray(el.arg_periapsis_rad, float))
    r = R[..., :, 0] * x_p[..., None] + R[..., :, 1] * y_p[..., None]
    v = R[..., :, 0] * vx_p[..., None] + R[..., :, 1] * vy_p[..., None]
    return r, v


def state_to_elements(r, v, mu: float = GM_MOON_M3_S2) -> KeplerElements:
    """Classical elements of position/velocity arrays (..., 3) (Vallado alg. 10, elliptic orbits).

    Equatorial or circular orbits get node/perigee conventions: raan = 0 when i = 0, argp = 0 when
    e = 0 (then the mean anomaly is counted from the node or the x axis).
    """
    r = np.asarray(r, float)
    v = np.asarray(v, float)
    rn = np.linalg.norm(r, axis=-1)
    vn2 = np.sum(v * v, axis=-1)
    h = np.cross(r, v)
    hn = np.linalg.norm(h, axis=-1)
    nvec = np.stack([-h[..., 1], h[..., 0], np.zeros_like(hn)], axis=-1)  # z x h
    nn = np.linalg.norm(nvec, axis=-1)
    evec = ((vn2 - mu / rn)[..., None] * r - np.sum(r * v, axis=-1)[..., None] * v) / mu
    e = np.linalg.norm(evec, axis=-1)
    energy = vn2 / 2.0 - mu / rn
    a = -mu / (2.0 * energy)
    i = np.arccos(np.clip(h[..., 2] / hn, -1.0, 1.0))
    eps = 1e-11
    node_ok = nn > eps * hn
    nx = np.where(node_ok, nvec[..., 0] / np.where(node_ok, nn, 1.0), 1.0)
    ny = np.where(node_ok, nvec[..., 1] / np.where(node_ok, nn, 1.0), 0.0)
    raan = np.remainder(np.arctan2(ny, nx), 2 * np.pi)
    # in-plane unit vectors: node direction and its 90-deg advance about h
    hhat = h / hn[..., None]
    nhat = np.stack([nx, ny, np.zeros_like(nx)], axis=-1)
    mhat = np.cross(hhat, nhat)
    ecc_ok = e > 1e-12
    argp = np.where(ecc_ok, np.arctan2(np.sum(evec * mhat, -1), np.sum(evec * nhat, -1)), 0.0)
    argp = np.remainder(argp, 2 * np.pi)
    u = np.arctan2(np.sum(r * mhat, -1), np.sum(r * nhat, -1))  # argument of latitude
    nu = u - argp
    E = 2.0 * np.arctan2(np.sqrt(1.0 - e) * np.sin(nu / 2.0), np.sqrt(1.0 + e) * np.cos(nu / 2.0))
    M = np.remainder(E - e * np.sin(E), 2 * np.pi)
    return KeplerElements(a, e, i, raan, argp, M)


def kepler_propagate(el: KeplerElements, dt_s, mu: float = GM_MOON_M3_S2) -> tuple[np.ndarray, np.ndarray]:
    """Closed-form two-body states at ``dt_s`` seconds after the element epoch.

    ``dt_s`` of shape (T,) with elements of shape (N,) gives arrays (T, N, 3).
    """
    dt = np.asarray(dt_s, float)
    a = np.asarray(el.semi_major_axis_m, float)
    n = np.sqrt(mu / a**3)
    M = np.asarray(el.mean_anomaly_rad, float) + n * (dt[..., None] if a.ndim else dt)
    moved = KeplerElements(el.semi_major_axis_m, el.eccentricity, el.inclination_rad, el.raan_rad,
                           el.arg_periapsis_rad, M)
    return elements_to_state(moved, mu)


def j2_secular_rates(el: KeplerElements, j2: float, body_radius_m: float = R_MOON_GRAVITY_M,
                     mu: float = GM_MOON_M3_S2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First-order J2 secular rates (rad/s) of node, argument of periapsis and mean anomaly.

    dΩ/dt = -3/2 n J2 (R/p)^2 cos i;  dω/dt = 3/4 n J2 (R/p)^2 (5 cos^2 i - 1);
    dM/dt = n [1 + 3/4 J2 (R/p)^2 sqrt(1-e^2) (3 cos^2 i - 1)]   (Vallado 2013, eqs. 9-39..9-42).
    """
    a = np.asarray(el.semi_major_axis_m, float)
    e = np.asarray(el.eccentricity, float)
    ci = np.cos(np.asarray(el.inclination_rad, float))
    n = np.sqrt(mu / a**3)
    p = a * (1.0 - e * e)
    k = j2 * (body_radius_m / p) ** 2
    raan_dot = -1.5 * n * k * ci
    argp_dot = 0.75 * n * k * (5.0 * ci * ci - 1.0)
    m_dot = n * (1.0 + 0.75 * k * np.sqrt(1.0 - e * e) * (3.0 * ci * ci - 1.0))
    return raan_dot, argp_dot, m_dot


def j2_secular_propagate(el: KeplerElements, dt_s, j2: float, body_radius_m: float = R_MOON_GRAVITY_M,
                         mu: float = GM_MOON_M3_S2) -> tuple[np.ndarray, np.ndarray]:
    """Fast analytic mode: two-body ellipse whose node, periapsis and mean anomaly drift at the J2
    secular rates. Shapes as :func:`kepler_propagate`. Good for quick looks (no short-period terms,
    no third bodies)."""
    dt = np.asarray(dt_s, float)
    raan_dot, argp_dot, m_dot = j2_secular_rates(el, j2, body_radius_m, mu)
    col = (lambda x: dt[..., None] * x) if np.ndim(el.semi_major_axis_m) else (lambda x: dt * x)
    moved = KeplerElements(el.semi_major_axis_m, el.eccentricity, el.inclination_rad,
                           np.asarray(el.raan_rad, float) + col(raan_dot),
                           np.asarray(el.arg_periapsis_rad, float) + col(argp_dot),
                           np.asarray(el.mean_anomaly_rad, float) + col(m_dot))
    return elements_to_state(moved, mu)
