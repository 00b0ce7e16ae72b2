"""Long-run behaviour of a relay orbit: osculating perilune altitude, eccentricity, inclination and
argument of perilune over months, from the full numerical model (GRGM1200A + Earth + Sun).

Elements are taken in the relay's own element frame fixed at the start (for the built-ins the
plane of the Moon's orbit about the Earth), where the Earth's pull keeps a frozen orbit's
eccentricity and argument of perilune librating (Kozai 1962).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ilrs.comms.gravity import GravityField
from ilrs.comms.orbits import R_MOON_MEAN_M, elements_to_state, state_to_elements
from ilrs.comms.propagation import ForceModel, propagate
from ilrs.comms.relays import Relay
from ilrs.comms.states import element_frame_to_icrf, ephemeris_table, seconds_since
from ilrs.errors import InputError


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

    def summary(self) -> dict:
        return {"relay": self.relay, "start": str(self.times_utc[0])[:19] + "Z",
                "days": float(seconds_since(self.times_utc[-1:], self.times_utc[0])[0] / 86400),
                "gravity_degree": self.gravity_degree,
                "perilune_altitude_km": {"min": float(self.perilune_altitude_km.min()),
                                         "max": float(self.perilune_altitude_km.max()),
                                         "start": float(self.perilune_altitude_km[0]),
                                         "end": float(self.perilune_altitude_km[-1])},
                "arg_perilune_deg": {"min": float(self.arg_perilune_deg.min()),
                                     "max": float(self.arg_perilune_deg.max())},
                "eccentricity": {"min": float(self.eccentricity.min()), "max": float(self.eccentricity.max())},
                "inclination_deg": {"min": float(self.inclination_deg.min()), "max": float(self.inclination_deg.max())}}


def orbit_history(relay: Relay, start_utc, days: float, *, step_s: float = 3600.0, gravity_degree: int = 8,
                  third_bodies: bool = True) -> OrbitHistory:
    """Propagate ``relay`` for ``days`` from ``start_utc`` and sample its osculating elements."""
    from ilrs.environment import time_grid

    if relay.elements is None:
        raise InputError(f"{relay.key} is not a Keplerian relay", field="relay")
    times = time_grid(start_utc, days=days, step_s=step_s)
    t_s = seconds_since(times, times[0])
    frame = element_frame_to_icrf(relay.frame, times[0])
    r0, v0 = elements_to_state(relay.elements)
    eph = ephemeris_table(times[0], t_s[-1])
    force = ForceModel(GravityField.grail(degree=gravity_degree), eph, earth=third_bodies, sun=third_bodies)
    tr = propagate(frame @ r0, frame @ v0, t_s, force, rtol=1e-10, atol_m=1e-3)
    r_el = tr.r_m[:, 0] @ frame  # ICRF -> element frame (R^T v)
    v_el = tr.v_m_s[:, 0] @ frame
    el = state_to_elements(r_el, v_el)
    a, e = np.asarray(el.semi_major_axis_m), np.asarray(el.eccentricity)
    return OrbitHistory(relay.key, times, (a * (1 - e) - R_MOON_MEAN_M) / 1e3, (a * (1 + e) - R_MOON_MEAN_M) / 1e3,
                        e, np.degrees(el.inclination_rad), np.degrees(el.arg_periapsis_rad), gravity_degree,
                        tr.n_rhs_calls)
