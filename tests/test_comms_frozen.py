"""Queqiao-2's published orbit under the full model (GRGM1200A + Earth + Sun): the argument of
perilune stays near 90 deg and the eccentricity near the Kozai frozen value — the orbit is
"frozen" as published (ilrs-facts.md: elliptical frozen orbit, apolune over the south pole) — and
with its station-keeping its perilune never reaches the surface."""

from __future__ import annotations

import numpy as np
import pytest

from ilrs.comms.history import orbit_history
from ilrs.comms.relays import builtin_relays


def test_queqiao2_frozen_over_a_month():
    h = orbit_history(builtin_relays()["queqiao-2"], "2027-01-01", 30, step_s=12 * 3600, gravity_degree=4)
    assert np.abs(h.arg_perilune_deg - 90.0).max() < 6.0
    assert np.abs(h.eccentricity - 0.803).max() < 0.04
    # without the Earth and Sun nothing moves at this altitude beyond the lunar field's small pull
    h2 = orbit_history(builtin_relays()["queqiao-2"], "2027-01-01", 30, step_s=12 * 3600, gravity_degree=4,
                       third_bodies=False)
    assert np.abs(h2.perilune_altitude_km - 200.0).max() < 20.0


@pytest.mark.slow
@pytest.mark.parametrize("start", ["2026-01-01", "2026-01-22", "2027-06-10"])
def test_queqiao2_one_year_station_kept(start):
    """One year (~30 s each) from three start dates, GRGM1200A 8x8 + Earth + Sun, with the
    catalogue's station-keeping (perilune restored to the published 200 km below a 150 km floor):
    every perilune passage stays above the surface and inside the band (<= 1,000 km: the band has
    no ceiling, the Earth's half-month swing alone is ~350 km), the apolune within 16,000 +- 500 km,
    the argument of perilune within 90 +- 10 deg, i within 62.4 +- 4 deg; each manoeuvre's Δv is
    the vis-viva change of apolune speed for its perilune change (r_a = 1737.4 + 16,000 km), and
    the yearly total is tens of m/s, not hundreds (a 50 km perilune change costs ~2.7 m/s)."""
    q = builtin_relays()["queqiao-2"]
    h = orbit_history(q, start, 365, step_s=12 * 3600, gravity_degree=8)
    assert h.perilune_passes_km.size > 350                       # one per 24 h orbit
    assert h.perilune_passes_km.min() > 0.0
    assert h.perilune_passes_km.min() >= 150.0                   # the band's floor
    assert h.perilune_passes_km.max() <= 1000.0
    assert np.abs(h.apolune_altitude_km - 16000.0).max() < 500.0
    assert np.abs(h.arg_perilune_deg - 90.0).max() < 10.0
    assert np.abs(h.inclination_deg - 62.4).max() < 4.0          # the Earth trades e for i (Kozai)
    mu, ra = 4902.8001224453e9, (1737.4 + 16000.0) * 1e3
    for m in h.manoeuvres:
        rp0, rp1 = (1737.4 + m["perilune_before_km"]) * 1e3, (1737.4 + m["perilune_after_km"]) * 1e3
        dv = np.sqrt(2 * mu * rp1 / (ra * (ra + rp1))) - np.sqrt(2 * mu * rp0 / (ra * (ra + rp0)))
        assert m["delta_v_m_s"] == pytest.approx(dv, rel=0.1)
    s = h.summary()
    assert 1 <= len(h.manoeuvres) <= 20
    assert 3.0 < s["delta_v_m_s_per_year"] < 60.0


@pytest.mark.slow
def test_queqiao2_free_drift_reaches_the_surface_and_says_so():
    """Without station-keeping the Earth's pull takes the perilune through the surface within the
    year from 2027-06-10 (the audit's date; from 2026-01-01 it grazes 8 km); the run stops with a
    one-line ComputationError instead of analysing a relay inside the Moon."""
    from ilrs.errors import ComputationError

    with pytest.raises(ComputationError) as exc:
        orbit_history(builtin_relays()["queqiao-2"], "2027-06-10", 365, step_s=12 * 3600, gravity_degree=8,
                      station_keeping=False)
    assert "queqiao-2" in str(exc.value) and "surface" in str(exc.value)
    assert len(str(exc.value).splitlines()) == 1


def test_element_history_starts_at_the_catalogue_orbit():
    from ilrs.comms.relays import resolve_relays
    from ilrs.comms.states import relay_states
    from ilrs.environment import time_grid

    st = relay_states(resolve_relays(["queqiao-2"]), time_grid("2027-03-01", days=0.5, step_s=1800), gravity_degree=2)
    h = st.element_history()["queqiao-2"]
    assert h["perilune_altitude_km"][0] == pytest.approx(200.0, abs=1e-3)   # ilrs-facts: 200 x 16,000 km
    assert h["inclination_deg"][0] == pytest.approx(62.4, abs=1e-6)
    assert h["arg_perilune_deg"][0] == pytest.approx(90.0, abs=1e-6)
