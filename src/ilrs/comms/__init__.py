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
    comms_setup(relays_section) -> CommsSetup        # a study's relays, stations, terminal, options (once)
    analyze_period(setup, site_setup, start=, days=, step_s=) -> CommsResult   # representative period
    downlink_timeline(setup, site_setup, times, sky=None) -> DownlinkTimeline
        (.times, .downlink_rate_bps, .rate_bps(t): sample-and-hold, the one resampling rule of rates)
    downlink_on_grid(setup, site_setup, times, product) -> (rate_bps, label)   # any grid, never extrapolated
    coverage_map(result, spacing_km=20) -> (SurfacePoints, stats)
    orbit_history(relay, start, days, station_keeping=True) -> OrbitHistory  (manoeuvres, Δv/yr)

A Keplerian relay's elements are osculating at the start of each analysis (not at its epoch,
which is its in-service date), in its element frame (see :mod:`ilrs.comms.relays`).
"""

from ilrs.comms.analysis import CommsResult, DownlinkTimeline, SiteTerminal, analyze, coverage_map, site_terminal
from ilrs.comms.gravity import GravityField
from ilrs.comms.history import OrbitHistory, orbit_history
from ilrs.comms.keeping import StationKeeping
from ilrs.comms.links import LinkBudget
from ilrs.comms.orbits import (KeplerElements, elements_to_state, j2_secular_propagate, kepler_propagate,
                               secular_propagate, state_to_elements)
from ilrs.comms.propagation import ForceModel, TabulatedEphemeris, propagate
from ilrs.comms.setup import CommsSetup, analyze_period, comms_setup, downlink_on_grid, downlink_timeline
from ilrs.comms.relays import (GroundStation, Relay, builtin_ground_stations, builtin_relays, resolve_ground_stations,
                               resolve_relays)
from ilrs.comms.states import RelayStates, relay_states

__all__ = [
    "CommsResult", "CommsSetup", "DownlinkTimeline", "ForceModel", "GravityField", "GroundStation", "KeplerElements",
    "LinkBudget", "OrbitHistory", "Relay", "RelayStates", "SiteTerminal", "StationKeeping", "TabulatedEphemeris",
    "analyze",
    "analyze_period", "builtin_ground_stations", "builtin_relays", "comms_setup", "coverage_map",
    "downlink_on_grid", "downlink_timeline", "site_terminal",
    "elements_to_state", "j2_secular_propagate", "kepler_propagate", "orbit_history", "propagate",
    "relay_states", "resolve_ground_stations", "resolve_relays", "secular_propagate", "state_to_elements",
]
