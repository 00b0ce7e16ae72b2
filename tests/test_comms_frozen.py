"""Queqiao-2's published orbit under the full model (GRGM1200A + Earth + Sun): the argument of
perilune stays near 90 deg and the eccentricity near the Kozai frozen value — the orbit is
"frozen" as published (ilrs-facts.md: elliptical frozen orbit, apolune over the south pole)."""

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
def test_queqiao2_one_year_bounded():
    """One year (about 80 s): argument of perilune within 90 +- 10 deg, eccentricity within
    0.80 +- 0.05, inclination within 62.4 +- 3 deg (no station-keeping modelled)."""
    h = orbit_history(builtin_relays()["queqiao-2"], "2026-01-01", 365, step_s=12 * 3600, gravity_degree=8)
    assert np.abs(h.arg_perilune_deg - 90.0).max() < 10.0
    assert np.abs(h.eccentricity - 0.80).max() < 0.05
    assert np.abs(h.inclination_deg - 62.4).max() < 3.0


def test_element_history_starts_at_the_catalogue_orbit():
    from ilrs.comms.relays import resolve_relays
    from ilrs.comms.states import relay_states
    from ilrs.environment import time_grid

    st = relay_states(resolve_relays(["queqiao-2"]), time_grid("2027-03-01", days=0.5, step_s=1800), gravity_degree=2)
    h = st.element_history()["queqiao-2"]
    assert h["perilune_altitude_km"][0] == pytest.approx(200.0, abs=1e-3)   # ilrs-facts: 200 x 16,000 km
    assert h["inclination_deg"][0] == pytest.approx(62.4, abs=1e-6)
    assert h["arg_perilune_deg"][0] == pytest.approx(90.0, abs=1e-6)
