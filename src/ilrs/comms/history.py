"""Long-run behaviour of a relay orbit: osculating perilune altitude, eccentricity, inclination and
argument of perilune over months, from the full numerical model (GRGM1200A + Earth + Sun), with the
relay's station-keeping manoeuvres (:mod:`ilrs.comms.keeping`) or in free drift.

Elements are taken in the relay's own element frame fixed at the start (for the built-ins the
plane of the Moon's orbit about the Earth, x toward the Earth), where the Earth's pull keeps a
frozen orbit's eccentricity and argument of perilune librating (Kozai 1962). Besides the
osculating elements on the sampling grid, every perilune passage is recorded (the altitude the
relay actually reaches, above the 1737.4 km mean sphere).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ilrs.comms.gravity import GravityField
from ilrs.comms.orbits import elements_to_state, state_to_elements
from ilrs.comms.propagation import ForceModel, SurfaceImpact, propagate
from ilrs.comms.relays import Relay
from ilrs.comms.states import _utc_at, element_frame_to_icrf, ephemeris_table, impact_error
from ilrs.constants import MOON_RADIUS_M, SECONDS_PER_DAY, SECONDS_PER_HOUR
from ilrs.errors import InputError
from ilrs.timeutil import iso_utc, seconds_since


@dataclass(frozen=True)
class OrbitHistory:
    relay: str
    times_utc: np.ndarray
    perilune_altitude_km: np.ndarray
    apolune_altitude_km: np.ndarray
    eccentricity: np.ndarray
    inclination_deg: np.ndarray
    arg_perilune_deg: np.ndarray
    gravity_degree: int
    rhs_calls: int
    perilune_times_utc: np.ndarray = field(default_factory=lambda: np.array([], "datetime64[ns]"))
    perilune_passes_km: np.ndarray = field(default_factory=lambda: np.array([]))
    manoeuvres: tuple[dict, ...] = ()
    station_keeping: dict | None = None  # the band used (km), None: free drift

    @property
    def days(self) -> float:
        return float(seconds_since(self.times_utc[0], self.times_utc[-1:])[0] / SECONDS_PER_DAY)

    @property
    def delta_v_m_s(self) -> float:
        return float(sum(abs(m["delta_v_m_s"]) for m in self.manoeuvres))

    def summary(self) -> dict:
        p = self.perilune_passes_km
        return {"relay": self.relay, "start_utc": iso_utc(self.times_utc[0]), "span_days": self.days,
                "gravity_degree": self.gravity_degree,
                "perilune_altitude_km": {"min": float(self.perilune_altitude_km.min()),
                                         "max": float(self.perilune_altitude_km.max()),
                                         "start": float(self.perilune_altitude_km[0]),
                                         "end": float(self.perilune_altitude_km[-1])},
                "perilune_passes_km": {"count": int(p.size), "min": float(p.min()) if p.size else None,
                                       "max": float(p.max()) if p.size else None},
                "arg_perilune_deg": {"min": float(self.arg_perilune_deg.min()),
                                     "max": float(self.arg_perilune_deg.max())},
                "eccentricity": {"min": float(self.eccentricity.min()), "max": float(self.eccentricity.max())},
                "inclination_deg": {"min": float(self.inclination_deg.min()), "max": float(self.inclination_deg.max())},
                "station_keeping": self.station_keeping,
                "manoeuvres": list(self.manoeuvres),
                "delta_v_m_s": self.delta_v_m_s,
                "delta_v_m_s_per_year": self.delta_v_m_s * 365.25 / self.days if self.days > 0 else 0.0}


def orbit_history(relay: Relay, start_utc, days: float, *, step_s: float = SECONDS_PER_HOUR, gravity_degree: int = 8,
                  third_bodies: bool = True, station_keeping: bool = True) -> OrbitHistory:
    """Propagate ``relay`` for ``days`` from ``start_utc`` and sample its osculating elements.

    ``station_keeping``: apply the relay's manoeuvres (if it has a band); False: free drift. A run
    that reaches the lunar surface raises :class:`~ilrs.errors.ComputationError`.
    """
    from ilrs.environment import time_grid

    if relay.elements is None:
        raise InputError(f"{relay.key} is not a Keplerian relay", field="relay")
    times = time_grid(start_utc, days=days, step_s=step_s)
    t_s = seconds_since(times[0], times)
    frame = element_frame_to_icrf(relay.frame, times[0])
    r0, v0 = elements_to_state(relay.elements)
    eph = ephemeris_table(times[0], t_s[-1])
    force = ForceModel(GravityField.grail(degree=gravity_degree), eph, earth=third_bodies, sun=third_bodies)
    keeping = relay.station_keeping if station_keeping else None
    try:
        tr = propagate(frame @ r0, frame @ v0, t_s, force, rtol=1e-10, atol_m=1e-3, keeping=[keeping],
                       surface_radius_m=MOON_RADIUS_M)
    except SurfaceImpact as hit:
        raise impact_error(relay, times[0], hit.t_s, station_keeping) from None
    r_el = tr.r_m[:, 0] @ frame  # ICRF -> element frame (R^T v)
    v_el = tr.v_m_s[:, 0] @ frame
    el = state_to_elements(r_el, v_el)
    a, e = np.asarray(el.semi_major_axis_m), np.asarray(el.eccentricity)
    t0 = np.datetime64(times[0], "ns")
    p_t = np.array([t0 + np.timedelta64(int(round(t * 1e9)), "ns") for t, _, _ in tr.perilunes], "datetime64[ns]")
    p_alt = np.array([alt for _, _, alt in tr.perilunes]) / 1e3
    man = tuple({"time_utc": _utc_at(times[0], m.t_s), "delta_v_m_s": m.delta_v_m_s,
                 "perilune_before_km": m.perilune_before_m / 1e3, "perilune_after_km": m.perilune_after_m / 1e3}
                for m in tr.manoeuvres)
    return OrbitHistory(relay.key, times, (a * (1 - e) - MOON_RADIUS_M) / 1e3, (a * (1 + e) - MOON_RADIUS_M) / 1e3,
                        e, np.degrees(el.inclination_rad), np.degrees(el.arg_periapsis_rad), gravity_degree,
                        tr.n_rhs_calls, p_t, p_alt, man, keeping.as_dict() if keeping else None)
