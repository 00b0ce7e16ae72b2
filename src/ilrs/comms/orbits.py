"""Keplerian orbits around the Moon: elements <-> state, closed-form two-body, J2 secular drift.

Everything is SI (m, s, rad) and vectorized: any argument may be an array and broadcasts.

Formulas: Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed. (2013),
algorithms 9 (COE2RV) and 10 (RV2COE); Kepler's equation by Newton iteration (Vallado alg. 2);
J2 secular rates of node, perigee and mean anomaly (Vallado eqs. 9-41, 9-39, 9-42; Brouwer 1959);
third-body (quadrupole, doubly averaged) secular rates (Kozai 1962; Innanen et al. 1997).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ilrs.constants import GM_MOON_M3_S2, MOON_RADIUS_M  # GM_MOON_M3_S2: also public here

R_MOON_GRAVITY_M = 1738.0e3
"""Reference radius of the GRGM1200A expansion, m."""


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
                     arg_periapsis_rad=0.0, mean_anomaly_rad=0.0, body_radius_m: float = MOON_RADIUS_M):
        """Elements from perilune/apolune altitudes above a sphere of ``body_radius_m``."""
        rp = body_radius_m + np.asarray(periapsis_altitude_m, float)
        ra = body_radius_m + np.asarray(apoapsis_altitude_m, float)
        return cls((rp + ra) / 2.0, (ra - rp) / (ra + rp), inclination_rad, raan_rad, arg_periapsis_rad,
                   mean_anomaly_rad)


def solve_kepler(mean_anomaly_rad, eccentricity, tol: float = 1e-15, max_iter: int = 50) -> np.ndarray:
    """Eccentric anomaly E from M = E - e sin E (elliptic orbits, e < 1), Newton iteration.

    Each element stops on its own: when its step is below ``tol``, or once the step is below
    :data:`KEPLER_NOISE_RAD` and no longer shrinks (Newton has reached the rounding noise of
    E - e sin E - M, a few ulp / (1 - e cos E), which can exceed 1e-15 rad; iterating the whole
    array until every element met ``tol`` ran all ``max_iter`` rounds on long grids)."""
    M = np.remainder(np.asarray(mean_anomaly_rad, float), 2.0 * np.pi)
    e = np.asarray(eccentricity, float)
    M, e = np.broadcast_arrays(M, e)
    shape = M.shape
    M, e = M.ravel(), e.ravel()
    E = np.where(e < 0.8, M, np.pi)
    todo = np.arange(M.size)
    last = np.full(M.size, np.inf)
    for _ in range(max_iter):
        Et, et = E[todo], e[todo]
        dE = (Et - et * np.sin(Et) - M[todo]) / (1.0 - et * np.cos(Et))
        E[todo] = Et - dE
        step = np.abs(dE)
        going = (step >= tol) & ~((step < KEPLER_NOISE_RAD) & (step >= last[todo]))
        last[todo] = step
        todo = todo[going]
        if not todo.size:
            break
    return E.reshape(shape)


KEPLER_NOISE_RAD = 1e-12
"""Below this Newton step (rad), a step that does not shrink is rounding noise: the element is solved."""


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


def third_body_secular_rates(el: KeplerElements, c_s2: float, mu: float = GM_MOON_M3_S2
                             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Secular rates (rad/s) of node, argument of periapsis and mean anomaly from a distant third
    body, quadrupole term averaged over the satellite's orbit and the perturber's (circular-
    equivalent) orbit, with elements relative to the perturber's orbit plane.

    With the averaged disturbing function <R> = C a^2/8 [2 + 3e^2 - 3 sin^2 i (1 - e^2 + 5 e^2 sin^2 w)]
    and C = GM_3 / (a_3^3 (1 - e_3^2)^(3/2)) (Kozai 1962, AJ 67, 591; Innanen et al. 1997, AJ 113,
    1915), Lagrange's equations give

        dΩ/dt = -3C/(4n sqrt(1-e^2)) cos i (1 - e^2 + 5 e^2 sin^2 w)
        dw/dt =  3C/(4n sqrt(1-e^2)) [2(1 - e^2) + 5 sin^2 w (e^2 - sin^2 i)]
        dM/dt - n = -C/(8n) [4 F + 6 (1 - e^2)(1 + sin^2 i - 5 sin^2 i sin^2 w)],  F = 8<R>/(C a^2).

    dw/dt = 0 at w = 90 deg is the frozen condition e^2 = 1 - (5/3) cos^2 i.
    """
    a = np.asarray(el.semi_major_axis_m, float)
    e = np.asarray(el.eccentricity, float)
    i = np.asarray(el.inclination_rad, float)
    w = np.asarray(el.arg_periapsis_rad, float)
    n = np.sqrt(mu / a**3)
    e2, s2i, s2w = e * e, np.sin(i) ** 2, np.sin(w) ** 2
    k = 3.0 * c_s2 / (4.0 * n * np.sqrt(1.0 - e2))
    raan_dot = -k * np.cos(i) * (1.0 - e2 + 5.0 * e2 * s2w)
    argp_dot = k * (2.0 * (1.0 - e2) + 5.0 * s2w * (e2 - s2i))
    F = 2.0 + 3.0 * e2 - 3.0 * s2i * (1.0 - e2 + 5.0 * e2 * s2w)
    m_dot = -c_s2 / (8.0 * n) * (4.0 * F + 6.0 * (1.0 - e2) * (1.0 + s2i - 5.0 * s2i * s2w))
    return raan_dot, argp_dot, m_dot


def frame_with_pole(pole) -> np.ndarray:
    """Rotation (3, 3) whose rows are x, y, z axes of a right-handed frame with z along ``pole``
    (x toward the node of that plane on the reference xy plane): v_frame = B @ v."""
    z = np.asarray(pole, float) / np.linalg.norm(pole)
    x = np.cross([0.0, 0.0, 1.0], z)
    if np.linalg.norm(x) < 1e-12:
        x = np.array([1.0, 0.0, 0.0])
    x /= np.linalg.norm(x)
    return np.stack([x, np.cross(z, x), z])


class PoleTrack:
    """A unit vector fixed (shape (3,)) or sampled at times ``t_s`` (shape (K, 3)), interpolated by a
    cubic spline (smooth, so the integrator's steps are not cut at every sample) and renormalized."""

    def __init__(self, pole, t_s=None):
        from scipy.interpolate import CubicSpline

        p = np.asarray(pole, float)
        self.fixed = p.ndim == 1
        self.p = p / np.linalg.norm(p, axis=-1, keepdims=True)
        if not self.fixed:
            if t_s is None or np.shape(t_s) != (p.shape[0],):
                raise ValueError("a sampled pole needs its sample times")
            self.spline = CubicSpline(np.asarray(t_s, float), self.p, axis=0)

    def __call__(self, t: float) -> np.ndarray:
        if self.fixed:
            return self.p
        v = self.spline(t)
        return v / np.linalg.norm(v)


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a x b for (..., 3) arrays (numpy's cross is slow on small arrays)."""
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    return np.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)


def secular_rates_vector(j, e, a, *, j2: float, spin, third: tuple = (), body_radius_m: float = R_MOON_GRAVITY_M,
                         mu: float = GM_MOON_M3_S2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Orbit-averaged rates of the Milankovitch vectors j = sqrt(1-e^2) h_hat and e (arrays
    (N, 3)), and the secular mean-anomaly correction dM/dt - n (N,), for J2 about the unit axis
    ``spin`` and distant third bodies ``third`` = ((C, n_hat), ...), C = GM / (a_3^3 (1-e_3^2)^1.5).

    dj/dt = (j x grad_j R + e x grad_e R) / (n a^2),  de/dt = (j x grad_e R + e x grad_j R) / (n a^2)
    (Milankovitch; Tremaine, Touma & Kazandjian 2009, MNRAS 394, 1085, eq. 3) with the averaged
    disturbing functions <R_J2> = -(n^2 J2 R^2 / 4) [|j|^-3 - 3 (j.s)^2 |j|^-5] and
    <R_3> = C a^2/8 [-1 + 6 e^2 + 3 (j.n)^2 - 15 (e.n)^2] (the Kozai function written in vectors);
    the mean-anomaly terms are Lagrange's (see :func:`j2_secular_rates`, :func:`third_body_secular_rates`).
    """
    j = np.asarray(j, float)
    e = np.asarray(e, float)
    n = np.sqrt(mu / a**3)
    jn = np.linalg.norm(j, axis=-1)
    e2 = np.sum(e * e, axis=-1)
    s = np.asarray(spin, float)
    js = j @ s
    k = n * j2 * body_radius_m**2 / a**2
    dj = (1.5 * k * js / jn**5)[:, None] * _cross(j, s)
    exj = _cross(e, j)
    de = 0.25 * k[:, None] * ((3.0 / jn**5 - 15.0 * js**2 / jn**7)[:, None] * exj
                              + (6.0 * js / jn**5)[:, None] * _cross(e, s))
    cos_i = js / jn
    dm = 0.75 * n * j2 * (body_radius_m / (a * jn**2)) ** 2 * jn * (3.0 * cos_i**2 - 1.0)
    for c, nhat in third:
        nh = np.asarray(nhat, float)
        jnh, enh = j @ nh, e @ nh
        k3 = 3.0 * c / (4.0 * n)
        dj = dj + k3[:, None] * (jnh[:, None] * _cross(j, nh) - 5.0 * enh[:, None] * _cross(e, nh))
        de = de + k3[:, None] * (2.0 * _cross(j, e) - 5.0 * enh[:, None] * _cross(j, nh)
                                 + jnh[:, None] * _cross(e, nh))
        F = -1.0 + 6.0 * e2 + 3.0 * jnh**2 - 15.0 * enh**2
        G = 2.0 * jn**2 - jnh**2 - 5.0 * jn**2 * enh**2 / np.maximum(e2, 1e-24)
        dm = dm - c / (8.0 * n) * (4.0 * F + 6.0 * G)
    return dj, de, dm


def _compiled_secular_rhs(a, j2: float, radius_m: float, mu: float, poles: list, third_c: np.ndarray):
    """:func:`ilrs.comms._kernels.secular_rhs` bound to these orbits; ``poles`` (PoleTrack): the
    spin axis, then each third body's orbit pole. Fixed poles become constant splines on the
    sampled poles' knots (or on [0, 1])."""
    from ilrs.comms._kernels import secular_rhs

    sampled = [p for p in poles if not p.fixed]
    x = np.ascontiguousarray(sampled[0].spline.x if sampled else np.array([0.0, 1.0]))
    coef = np.zeros((len(poles), 4, x.size - 1, 3))
    for k, p in enumerate(poles):
        if p.fixed:
            coef[k, 3] = p.p
        else:
            if not np.array_equal(p.spline.x, x):
                raise ValueError("sampled poles must share their sample times")
            coef[k] = p.spline.c
    args = (np.ascontiguousarray(a, float), float(j2), float(radius_m), float(mu), x, coef, third_c)
    return lambda t, y: secular_rhs(float(t), y, *args)


def secular_propagate(r0_m, v0_m_s, dt_s, *, j2: float, j2_pole, third: tuple = (), pole_t_s=None,
                      body_radius_m: float = R_MOON_GRAVITY_M, mu: float = GM_MOON_M3_S2, rtol: float = 1e-9
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Analytic mean-element (semi-analytic) propagation of N orbits from inertial states (N, 3)
    to times ``dt_s`` (T,) >= 0 seconds after them: arrays (T, N, 3).

    The orbit-averaged equations of :func:`secular_rates_vector` — J2 about ``j2_pole`` (the body's
    spin axis) and, for each ``(C, pole)`` in ``third``, a distant body's quadrupole about its
    orbit pole — are integrated for the Milankovitch vectors (so the Kozai libration that keeps a
    frozen orbit's argument of periapsis near 90 deg, and the node regression, are both there),
    then the two-body ellipse of those mean elements is placed at the mean anomaly
    M0 + n t + ∫(dM/dt - n). Poles are fixed vectors (3,) or samples (K, 3) at ``pole_t_s``
    (the lunar equator and the Moon's orbit precess over 18.6 years). a is held; no short-period
    terms. The rates were derived independently in scalar form (Lagrange's equations) and are
    checked against them in the tests.
    """
    from scipy.integrate import solve_ivp

    r0 = np.atleast_2d(np.asarray(r0_m, float))
    v0 = np.atleast_2d(np.asarray(v0_m_s, float))
    dt = np.asarray(dt_s, float)
    n_sat = r0.shape[0]
    el0 = state_to_elements(r0, v0, mu)
    a = np.asarray(el0.semi_major_axis_m, float).reshape(n_sat)
    n = np.sqrt(mu / a**3)
    h = np.cross(r0, v0)
    j0 = h / np.sqrt(mu * a)[:, None]
    e0 = np.cross(v0, h) / mu - r0 / np.linalg.norm(r0, axis=-1)[:, None]
    spin = PoleTrack(j2_pole, pole_t_s)
    bodies = [(float(c), PoleTrack(p, pole_t_s)) for c, p in third]

    def rhs(t, y):
        s = y.reshape(n_sat, 7)
        dj, de, dm = secular_rates_vector(s[:, 0:3], s[:, 3:6], a, j2=j2, spin=spin(t),
                                          third=[(c, p(t)) for c, p in bodies], body_radius_m=body_radius_m,
                                          mu=mu)
        return np.concatenate([dj, de, dm[:, None]], axis=1).ravel()

    from ilrs._compiled import use_compiled

    if use_compiled():  # the same rates in one compiled call (ilrs.comms._kernels.secular_rhs)
        rhs = _compiled_secular_rhs(a, j2, body_radius_m, mu, [spin] + [p for _, p in bodies],
                                    np.array([c for c, _ in bodies], float))

    y0 = np.concatenate([j0, e0, np.zeros((n_sat, 1))], axis=1).ravel()
    t_end = float(dt.max()) if dt.size else 0.0
    if t_end > 0.0:
        sol = solve_ivp(rhs, (0.0, t_end), y0, method="DOP853", rtol=rtol, atol=1e-12, dense_output=True)
        if not sol.success:
            from ilrs.errors import ComputationError

            raise ComputationError(f"secular propagation failed: {sol.message}")
        y = sol.sol(np.clip(dt, 0.0, t_end)).T.reshape(dt.size, n_sat, 7)
    else:
        y = np.broadcast_to(y0.reshape(1, n_sat, 7), (dt.size, n_sat, 7))
    jv, ev, dM = y[..., 0:3], y[..., 3:6], y[..., 6]
    ecc = np.linalg.norm(ev, axis=-1)
    hhat = jv / np.linalg.norm(jv, axis=-1)[..., None]
    phat = ev / np.where(ecc > 0, ecc, 1.0)[..., None]
    qhat = np.cross(hhat, phat)
    M = np.asarray(el0.mean_anomaly_rad, float).reshape(n_sat)[None, :] + n[None, :] * dt[:, None] + dM
    E = solve_kepler(M, ecc)
    cE, sE = np.cos(E), np.sin(E)
    b = a * np.sqrt(1.0 - ecc * ecc)
    rmag = a * (1.0 - ecc * cE)
    xp, yp = a * (cE - ecc), b * sE
    vxp, vyp = -a * n * sE * a / rmag, b * n * cE * a / rmag
    r = xp[..., None] * phat + yp[..., None] * qhat
    v = vxp[..., None] * phat + vyp[..., None] * qhat
    return r, v
