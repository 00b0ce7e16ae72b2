"""Site -> relay elevation against a peer library: skyfield's two-body propagator
(``keplerlib._KeplerOrbit``, centre 301, lunar GM) seen from a skyfield MOON_ME_DE421 site built
from the kernels we ship, computed here independently of ilrs.comms. Ours: closed-form
``kepler_propagate`` of the same elements, ICRF -> ME from the environment layer, and
``elevation_azimuth_deg``. Both geometric (no light time, no aberration).

Tolerance 1e-4 deg (0.36"): two-body propagation, frame and topocentric geometry agree to ~1e-6 deg
(bench/bench_comms.py prints the figure over a month); 1e-4 deg is ~2 m across at 1,000 km."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ilrs.comms.access import SurfacePoints, elevation_azimuth_deg
from ilrs.comms.orbits import GM_MOON_M3_S2, KeplerElements, elements_to_state, kepler_propagate
from ilrs.comms.relays import resolve_relays
from ilrs.comms.states import element_frame_to_icrf
from ilrs.data import data_path
from ilrs.environment import icrf_to_moon_me, utc_array
from ilrs.timeutil import seconds_since

TOL_DEG = 1e-4


@pytest.fixture(scope="module")
def sky():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from skyfield.api import load
        from skyfield.planetarylib import PlanetaryConstants

        ts = load.timescale(builtin=True)
    pc = PlanetaryConstants()
    with open(data_path("kernels", "moon_080317.tf"), "rb") as f:
        pc.read_text(f)
    pc.read_binary(open(data_path("kernels", "moon_pa_de421_1900-2050.bpc"), "rb"))
    pc.variables["BODY301_RADII"] = [1737.4, 1737.4, 1737.4]
    return ts, pc, pc.build_frame_named("MOON_ME_DE421")


@pytest.mark.parametrize("relay_key", ["moonlight-com", "moonlight-nav-1"])
def test_site_relay_elevation_matches_skyfield_kepler(sky, relay_key):
    from skyfield.keplerlib import _CONVERT_GM, _KeplerOrbit
    from skyfield.units import Distance, Velocity

    ts, pc, frame = sky
    relay = resolve_relays([relay_key])[0]
    start = "2030-03-01T00:00:00"
    # a few epochs over a month, irregular
    offsets_s = np.array([0.0, 1234.5, 7.3e3, 4.1e4, 2.0e5, 8.64e5, 1.5e6, 2.59e6])
    times = utc_array(start)[0] + (offsets_s * 1e9).astype("timedelta64[ns]")
    t_s = seconds_since(times[0], times)

    to_icrf = element_frame_to_icrf(relay.frame, times[0])
    r0_el, v0_el = elements_to_state(relay.elements)
    epoch = ts.utc(2030, 3, 1, 0, 0, 0.0)
    t_sky = ts.utc(2030, 3, 1, 0, 0, t_s)
    orbit = _KeplerOrbit(Distance(m=to_icrf @ r0_el), Velocity(km_per_s=to_icrf @ v0_el / 1e3), epoch,
                         GM_MOON_M3_S2 / 1e9 * _CONVERT_GM, center=301)

    r_el, _ = kepler_propagate(KeplerElements.from_array(relay.elements.as_array()[None, :]), t_s)
    r_me = np.einsum("tij,tj->ti", icrf_to_moon_me(times), r_el[:, 0] @ to_icrf.T)

    sites = [(-89.45, 222.7, 0.0), (-85.0, 30.0, 1500.0), (-80.5, 300.0, -2000.0), (-88.74, 124.5, 1086.0),
             (30.0, 60.0, 0.0)]  # a northern site sees the south-polar apolune below its horizon
    seen = []
    for lat, lon, h in sites:
        alt, az, _ = (orbit - pc.build_latlon_degrees(frame, lat, lon, h)).at(t_sky).altaz()
        el, azm = elevation_azimuth_deg(SurfacePoints.on_sphere([lat], [lon], height_m=h), r_me)
        np.testing.assert_allclose(el[:, 0], alt.degrees, atol=TOL_DEG, rtol=0)
        daz = (azm[:, 0] - az.degrees + 180.0) % 360.0 - 180.0
        assert np.all(np.abs(daz) * np.cos(np.radians(alt.degrees)) < TOL_DEG)
        seen.append(alt.degrees)
    # the relay is seen both above and below the horizon over these epochs and sites
    seen = np.concatenate(seen)
    assert seen.min() < 0.0 < seen.max()
