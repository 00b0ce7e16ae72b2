"""Relays and communications: orbits around the Moon, propagation, access windows, link budgets,
coverage.

Public API::

    GravityField.grail(degree=8)                     # GRGM1200A, truncated (shipped to degree 50)
    KeplerElements, elements_to_state, state_to_elements, kepler_propagate, j2_secular_propagate
    secular_propagate(r0, v0, t_s, j2=, j2_pole=, third=)   # analytic: J2 + averaged third bodies
    propagate(r0, v0, t_s, ForceModel(...), keeping=, surface_radius_m=)
                                                     # batch DOP853: lunar field + Earth + Sun,
                                                     # station-keeping manoeuvres, impact check
    StationKeeping(target, min, max)                 # perilune band, apolune manoeuvres
    builtin_relays(), resolve_relays(names), builtin_ground_stations()
    relay_states(relays, times, propagation="numerical"|"j2", station_keeping=True)
    LinkBudget(band, tx_power_w, tx_dish_m, rx_dish_m, T_sys_K, max_rate_bps).rate_bps(distance_m)
    analyze(site, horizon, relays, stations, times) -> CommsResult   (.summary(), .windows_utc())
    analyze_scenario(scenario, start=, days=, ...) -> CommsResult
    coverage_map(result, spacing_km=20) -> (SurfacePoints, stats)
    downlink_rate_timeline(scenario, times) -> DownlinkTimeline  (.times, .downlink_rate_bps, .rate_bps(t))
    orbit_history(relay, start, days, station_keeping=True) -> OrbitHistory  (manoeuvres, Δv/yr)

A Keplerian relay's elements are osculating at the start of each analysis (not at its epoch,
which is its in-service date), in its element frame (see :mod:`ilrs.comms.relays`).
"""

from ilrs.comms.analysis import (CommsResult, DownlinkTimeline, SiteTerminal, analyze, analyze_scenario,
                                 coverage_map, downlink_rate_timeline)
from ilrs.comms.gravity import GravityField
from ilrs.comms.history import OrbitHistory, orbit_history
from ilrs.comms.keeping import StationKeeping
from ilrs.comms.links import LinkBudget
from ilrs.comms.orbits import (KeplerElements, elements_to_state, j2_secular_propagate, kepler_propagate,
                               secular_propagate, state_to_elements)
from ilrs.comms.propagation import ForceModel, TabulatedEphemeris, propagate
from ilrs.comms.relays import (GroundStation, Relay, builtin_ground_stations, builtin_relays, resolve_ground_stations,
                               resolve_relays)
from ilrs.comms.states import RelayStates, relay_states

__all__ = [
    "CommsResult", "DownlinkTimeline", "ForceModel", "GravityField", "GroundStation", "KeplerElements",
    "LinkBudget", "OrbitHistory", "Relay", "RelayStates", "SiteTerminal", "StationKeeping", "TabulatedEphemeris",
    "analyze",
    "analyze_scenario", "builtin_ground_stations", "builtin_relays", "coverage_map", "downlink_rate_timeline",
    "elements_to_state", "j2_secular_propagate", "kepler_propagate", "orbit_history", "propagate",
    "relay_states", "resolve_ground_stations", "resolve_relays", "secular_propagate", "state_to_elements",
]
