"""Station-keeping of elliptical lunar relay orbits: impulsive tangential manoeuvres at apolune that
restore the perilune altitude.

Why: the Earth's pull makes the eccentricity of a high lunar orbit swing with a half-month period
(the single-averaged third-body quadrupole, Kozai 1962) and drift over months; at e ~ 0.8 a swing of
0.02 in e moves the perilune of Queqiao-2 by ~200 km, so an orbit left alone can reach the surface.
Real relays manoeuvre; ilrs models it so:

* the integrator stops at every apolune of a kept satellite and at every perilune records the
  altitude (above the 1737.4 km mean sphere);
* at apolune it predicts the next perilune altitude by extrapolating the last perilune passages
  (one orbit apart; quadratic through three, linear through two, the last one alone just after a
  manoeuvre); below ``min`` it applies a tangential Δv that raises the
  perilune to the target (the published value), above ``max`` (optional) one that lowers it back
  inside the band (:meth:`StationKeeping.correction_m`);
* the Δv is the two-body (vis-viva) one: with horizontal velocity at radius r_a the other apsis is
  r_p, v_a = sqrt(2 mu r_p / (r_a (r_a + r_p))) (Vallado 2013, eq. 6-2 for a Hohmann-type apsis
  change), so Δv = v_a(r_p, new) - v_a(r_p, now) along the velocity.

The band must contain the orbit's natural half-month swing (for Queqiao-2 about 350 km peak to
peak): a band narrower than that makes the manoeuvres fight a periodic effect, at a much higher
Δv. The argument of perilune is not controlled (it stays within ~±10° of 90° over a year).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ilrs.errors import InputError


@dataclass(frozen=True)
class StationKeeping:
    """Perilune control band of one relay (altitudes above the mean sphere, metres)."""

    target_perilune_altitude_m: float
    min_perilune_altitude_m: float
    max_perilune_altitude_m: float | None = None

    def __post_init__(self):
        lo, hi, t = self.min_perilune_altitude_m, self.max_perilune_altitude_m, self.target_perilune_altitude_m
        if not (0.0 < lo <= t) or (hi is not None and hi < t):
            raise InputError(f"station-keeping band min {lo / 1e3:g} km <= target {t / 1e3:g} km"
                             + (f" <= max {hi / 1e3:g} km" if hi is not None else "") + " does not hold",
                             field="station_keeping", allowed="0 < min <= target <= max (km)")

    def as_dict(self) -> dict:
        return {"target_perilune_altitude_km": self.target_perilune_altitude_m / 1e3,
                "min_perilune_altitude_km": self.min_perilune_altitude_m / 1e3,
                "max_perilune_altitude_km": None if self.max_perilune_altitude_m is None
                else self.max_perilune_altitude_m / 1e3}

    @classmethod
    def from_raw(cls, raw: dict, default_target_km: float | None = None) -> "StationKeeping":
        """From ``{perilune_altitude_km, min_perilune_altitude_km, max_perilune_altitude_km}`` (km);
        the target defaults to the orbit's own perilune."""
        target = raw.get("perilune_altitude_km")
        target = default_target_km if target is None else target
        if target is None:
            raise InputError("station-keeping needs a target perilune altitude", field="station_keeping.perilune_altitude_km")
        lo = raw.get("min_perilune_altitude_km")
        lo = max(target - 50.0, 0.5 * target) if lo is None else lo
        hi = raw.get("max_perilune_altitude_km")
        return cls(float(target) * 1e3, float(lo) * 1e3, None if hi is None else float(hi) * 1e3)

    def correction_m(self, predicted_perilune_altitude_m: float) -> float:
        """Change of perilune altitude to apply: below ``min`` up to the target; above ``max`` down
        to as far inside the band as the target sits above ``min`` (so that the half-month swing
        that carried it up does not carry it through the floor next); 0 inside the band."""
        p = predicted_perilune_altitude_m
        hi = self.max_perilune_altitude_m
        if p < self.min_perilune_altitude_m:
            return self.target_perilune_altitude_m - p
        if hi is not None and p > hi:
            return hi - (self.target_perilune_altitude_m - self.min_perilune_altitude_m) - p
        return 0.0


@dataclass(frozen=True)
class Manoeuvre:
    """One impulsive manoeuvre: satellite index, time (s after the propagation start), signed
    tangential Δv (m/s), predicted perilune altitude before and after (m)."""

    index: int
    t_s: float
    delta_v_m_s: float
    perilune_before_m: float
    perilune_after_m: float


def apsis_velocity_change(r_m: np.ndarray, v_m_s: np.ndarray, perilune_change_m: float, mu: float,
                          body_radius_m: float) -> tuple[np.ndarray, float]:
    """New velocity at an apsis (r perpendicular to v) that moves the opposite apsis by
    ``perilune_change_m``, and the signed tangential Δv (m/s). The two-body opposite apsis of the
    current state, r_p = r_a v^2 / (2 mu / r_a - v^2), is shifted and the new speed is vis-viva's
    v_a = sqrt(2 mu r_p / (r_a (r_a + r_p)))."""
    r = np.asarray(r_m, float)
    v = np.asarray(v_m_s, float)
    ra = float(np.linalg.norm(r))
    rhat = r / ra
    vt = v - np.dot(v, rhat) * rhat  # horizontal part (the radial part is ~0 at an apsis)
    s = float(np.linalg.norm(vt))
    rp_now = ra * s * s / (2.0 * mu / ra - s * s)
    rp_new = float(np.clip(rp_now + perilune_change_m, body_radius_m, ra))
    s_new = np.sqrt(2.0 * mu * rp_new / (ra * (ra + rp_new)))
    dv = s_new - s
    return v + dv * vt / s, float(dv)
