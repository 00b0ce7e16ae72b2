"""Physical and calendar constants shared by every layer, each once, with its unit in its name and
its source beside it. A layer that needs one imports it from here (``from ilrs.constants import
MOON_RADIUS_M``); nothing below is redefined elsewhere.

Constants that belong to one model only (the GRGM1200A reference radius in :mod:`ilrs.comms.orbits`,
the Earth and Sun GMs of the relay force model in :mod:`ilrs.comms.propagation`, the lunar frame
angles in :mod:`ilrs.environment.ephemeris`) stay with that model.
"""

from __future__ import annotations

# --- time ---------------------------------------------------------------------------------------
SECONDS_PER_MINUTE = 60.0
SECONDS_PER_HOUR = 3_600.0
SECONDS_PER_DAY = 86_400.0
"""SI day of 86 400 s (UTC days here; leap seconds are handled by skyfield's timescale, not by this)."""
NS_PER_S = 1_000_000_000
"""Nanoseconds per second, for ``datetime64[ns]`` arithmetic (an int: exact)."""
NS_PER_DAY = 86_400 * NS_PER_S
"""Nanoseconds per (86 400 s) day, an int: exact integer arithmetic on ``datetime64[ns]``."""

# --- distances and sizes -------------------------------------------------------------------------
MOON_RADIUS_M = 1_737_400.0
"""Mean radius of the lunar reference sphere: 1737.4 km (IAU WGCCRE 2015, Archinal et al. 2018,
Celest. Mech. Dyn. Astron. 130:22; the LOLA-derived mean radius; NAIF ``BODY301_RADII``)."""
MOON_RADIUS_KM = MOON_RADIUS_M / 1e3
"""The same sphere in km (scenario files and reports speak km)."""
AU_M = 149_597_870_700.0
"""Astronomical unit, exact by definition (IAU 2012 Resolution B2)."""
SUN_RADIUS_M = 695_700_000.0
"""Nominal solar radius (IAU 2015 Resolution B3)."""
EARTH_RADIUS_M = 6_378_137.0
"""Earth's equatorial radius (WGS 84 / GRS 80 semi-major axis)."""
SPEED_OF_LIGHT_M_S = 299_792_458.0
"""Speed of light in vacuum, exact by definition of the metre (SI, 1983)."""

# --- gravity -------------------------------------------------------------------------------------
GM_MOON_M3_S2 = 4902.8001224453001e9
"""GM of the Moon, m³/s², from the header record of the GRGM1200A gravity field (GGGRX_1200A_SHA.TAB,
Goossens et al. 2016), the field :mod:`ilrs.comms.gravity` expands."""

# --- radiation -----------------------------------------------------------------------------------
SOLAR_CONSTANT_W_M2 = 1361.0
"""Total solar irradiance at 1 au: the nominal value of IAU 2015 Resolution B3 (1361 W/m²), which
rounds the measured 1360.8 ± 0.5 W/m² of Kopp & Lean 2011 (GRL 38, L01706) to its uncertainty."""
