"""The position-only ephemeris calls give the very bits of the full state computation they replaced."""

from __future__ import annotations

import numpy as np
import pytest

from ilrs.environment import ephemeris as eph_mod


@pytest.mark.parametrize("times", [
    np.arange(np.datetime64("2026-01-01"), np.datetime64("2027-01-01"), np.timedelta64(7, "h")),  # DE421
    np.array(["1880-01-01T00:00", "2100-05-05T12:00"], "datetime64[ns]"),  # DE440, outside DE421
])
def test_sun_and_earth_positions_are_the_full_states_bit_for_bit(times):
    eph, jd = eph_mod._eph_jd(times)
    full = eph.states_tdb(jd)
    assert np.array_equal(eph_mod.earth_position_m(times), full.earth_m)
    assert np.array_equal(eph_mod.sun_position_m(times), full.sun_m)
    sun, earth = eph_mod.sun_earth_positions_m(times)
    assert np.array_equal(sun, full.sun_m) and np.array_equal(earth, full.earth_m)
    # and independently of the code: the Earth–Moon distance stays within its known range
    dist_km = np.linalg.norm(earth, axis=1) / 1e3
    assert dist_km.min() > 356_000 and dist_km.max() < 407_000
