"""Station-keeping manoeuvres, surface-impact detection and the Earth-tied element frame.

References: vis-viva and Kepler's equation written out here (two-body closed forms), the
doubly averaged third-body node rate (Kozai 1962), and the audit's failing start dates for the
free-drifting Queqiao-2 (perilune below the surface within ~5 days with an inertially fixed node).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from ilrs.comms.gravity import GravityField
from ilrs.comms.keeping import StationKeeping, apsis_velocity_change
from ilrs.comms.orbits import GM_MOON_M3_S2, KeplerElements, elements_to_state, state_to_elements
from ilrs.constants import MOON_RADIUS_M
from ilrs.comms.propagation import ForceModel, SurfaceImpact, propagate
from ilrs.comms.relays import builtin_relays
from ilrs.errors import ComputationError, InputError

MU = GM_MOON_M3_S2
R = MOON_RADIUS_M


def _apolune_speed(rp, ra):
    """Vis-viva at apolune: v^2 = mu (2/ra - 2/(ra + rp))."""
    return np.sqrt(MU * (2 / ra - 2 / (ra + rp)))


def test_apsis_manoeuvre_moves_perilune_by_the_requested_amount():
    rp, ra = R + 200e3, R + 16000e3
    el = KeplerElements.from_apsides(200e3, 16000e3, np.radians(62.4), 0.3, np.radians(90), np.pi)
    r, v = elements_to_state(el)
    for change in (-80e3, 35e3, 150e3):
        v_new, dv = apsis_velocity_change(r, v, change, MU, R)
        assert dv == pytest.approx(_apolune_speed(rp + change, ra) - _apolune_speed(rp, ra), rel=1e-9)
        back = state_to_elements(r, v_new)
        assert float(back.periapsis_radius_m) == pytest.approx(rp + change, abs=0.01)
        assert float(back.apoapsis_radius_m) == pytest.approx(ra, abs=0.01)          # apolune untouched
        assert float(back.inclination_rad) == pytest.approx(np.radians(62.4), abs=1e-12)


def test_band_rules():
    sk = StationKeeping(200e3, 150e3, 700e3)
    assert sk.correction_m(180e3) == 0.0 and sk.correction_m(690e3) == 0.0
    assert sk.correction_m(120e3) == pytest.approx(80e3)           # raised to the target
    assert sk.correction_m(760e3) == pytest.approx(650e3 - 760e3)  # lowered 50 km inside the ceiling
    with pytest.raises(InputError):
        StationKeeping(200e3, 250e3)


def test_two_body_station_keeping_raises_the_perilune_once():
    """A 150 x 8,000 km two-body orbit with a 200 km floor: one manoeuvre at the first apolune
    after a perilune passage, of the vis-viva size, then every passage at 250 km (the target)."""
    el = KeplerElements.from_apsides(150e3, 8000e3, np.radians(60), 0.0, np.radians(90), np.pi)
    r0, v0 = elements_to_state(el)
    period = float(el.period_s())
    t = np.linspace(0, 4.2 * period, 400)
    tr = propagate(r0, v0, t, ForceModel(GravityField.point_mass()), rtol=1e-11, atol_m=1e-4,
                   keeping=[StationKeeping(250e3, 200e3)], surface_radius_m=R)
    assert len(tr.manoeuvres) == 1
    m = tr.manoeuvres[0]
    assert m.t_s == pytest.approx(period, rel=1e-6)             # the apolune after the first passage
    ra = R + 8000e3
    assert m.delta_v_m_s == pytest.approx(_apolune_speed(R + 250e3, ra) - _apolune_speed(R + 150e3, ra), rel=1e-6)
    passes = np.array([alt for _, _, alt in tr.perilunes])
    assert passes[0] == pytest.approx(150e3, abs=1.0)
    assert np.allclose(passes[1:], 250e3, atol=1.0)


def test_surface_impact_is_detected_between_samples():
    """Perilune 30 km below the mean sphere, samples every 3 h: the crossing of r = R is found at
    the Kepler time (closed form from the eccentric anomaly)."""
    rp, ra = R - 30e3, R + 5000e3
    a, e = (rp + ra) / 2, (ra - rp) / (ra + rp)
    el = KeplerElements(a, e, 1.0, 0.0, 0.0, np.pi)  # start at apolune
    r0, v0 = elements_to_state(el)
    t = np.arange(0, 2 * 86400, 3 * 3600.0)
    with pytest.raises(SurfaceImpact) as exc:
        propagate(r0, v0, t, ForceModel(GravityField.point_mass()), rtol=1e-11, atol_m=1e-4, surface_radius_m=R)
    E = np.arccos((1 - R / a) / e)                     # r = a (1 - e cos E) = R on the way in
    M = 2 * np.pi - (E - e * np.sin(E))
    t_ref = (M - np.pi) / np.sqrt(MU / a**3)
    assert exc.value.t_s == pytest.approx(t_ref, abs=0.5)
    assert t_ref < t[2]                                  # between samples, not at one


@pytest.mark.parametrize("start", ["2026-01-08", "2026-01-22", "2027-06-10"])
def test_queqiao2_free_drift_stays_above_ground_at_the_audit_dates(start):
    """With the node fixed in inertial space these starts took the free-drifting Queqiao-2 to
    -79, -71 and -59 km within ~5 days; with the node measured from the Earth the orbit's
    geometry relative to the Earth is the same for every start."""
    from ilrs.comms.history import orbit_history

    h = orbit_history(builtin_relays()["queqiao-2"], start, 10, step_s=6 * 3600, gravity_degree=4,
                      station_keeping=False)
    assert h.perilune_passes_km.size >= 9
    assert h.perilune_passes_km.min() > 100.0


def test_element_frame_node_is_measured_from_the_earth():
    from ilrs.comms.states import element_frame_to_icrf
    from ilrs.environment import earth_position_m, utc_array

    q = builtin_relays()["queqiao-2"]
    r0, v0 = elements_to_state(q.elements)
    node_dir = np.cross([0, 0, 1.0], np.cross(r0, v0))  # ascending node in the element frame
    for day in ("2026-01-08", "2027-06-10", "2031-11-30"):
        F = element_frame_to_icrf("earth-moon-plane", day)
        earth = earth_position_m(utc_array(day))[0]
        n_icrf = F @ node_dir
        pole = F[:, 2]
        # angle from the Earth direction to the node, about the Moon's orbit pole
        ang = np.degrees(np.arctan2(np.dot(np.cross(earth, n_icrf), pole), np.dot(earth, n_icrf))) % 360
        assert ang == pytest.approx(np.degrees(q.elements.raan_rad) % 360, abs=1e-6)
        assert abs(np.dot(earth, pole)) / np.linalg.norm(earth) < 1e-6


def test_bad_node_free_drift_raises_and_station_keeping_saves_it():
    """Node along the Earth direction: the half-month pull takes the perilune through the surface
    within days. Free drift -> ComputationError naming the relay; kept -> manoeuvres, never below."""
    from ilrs.comms.states import relay_states
    from ilrs.environment import time_grid

    q = builtin_relays()["queqiao-2"]
    bad = replace(q, elements=replace(q.elements, raan_rad=0.0))
    t = time_grid("2027-01-01", days=12, step_s=1800)
    with pytest.raises(ComputationError) as exc:
        relay_states([bad], t, gravity_degree=2, station_keeping=False, use_cache=False)
    assert "queqiao-2" in str(exc.value) and "surface" in str(exc.value)
    st = relay_states([bad], t, gravity_degree=2, use_cache=False)
    sk = st.station_keeping()["queqiao-2"]
    assert sk["modelled"] and sk["manoeuvres"] >= 1 and 0 < sk["delta_v_m_s"] < 50
    alt = np.linalg.norm(st.r_icrf_m[:, 0], axis=-1) - R
    assert alt.min() > 0 and sk["perilune_passes_km"][0] > 0


def test_station_keeping_enters_the_cache_key():
    from ilrs.comms.states import relay_states
    from ilrs.environment import time_grid

    q = builtin_relays()["queqiao-2"]
    bad = replace(q, elements=replace(q.elements, raan_rad=0.0))
    t = time_grid("2027-01-01", days=6, step_s=1800)
    kept = relay_states([bad], t, gravity_degree=2)
    with pytest.raises(ComputationError):  # a cached kept run must not answer a free-drift request
        relay_states([bad], t, gravity_degree=2, station_keeping=False)
    again = relay_states([bad], t, gravity_degree=2)
    assert kept.manoeuvres == again.manoeuvres and np.array_equal(kept.r_icrf_m, again.r_icrf_m)
