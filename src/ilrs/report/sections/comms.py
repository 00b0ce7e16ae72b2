"""Report section: relays and the station's links to Earth.

Two computations, both stated in the section:

* a representative period — the first ``relays.analysis_days`` (30) days of the span at
  ``relays.step_s`` (60 s), relays propagated numerically (GRGM1200A + Earth + Sun): windows, gaps,
  per-relay figures, data volume, a windows plot and a coverage map of 80-90°S;
* the whole span hourly with the relays in the analytic mode (two-body + J2 about the lunar equator
  + averaged Earth and Sun quadrupole secular rates): the study's downlink-rate timeline (the one
  the operations run reads), and yearly figures.
"""

from __future__ import annotations

from ilrs.report.figure_cache import cached_figure
from ilrs.report.markup import html_table, kpi_boxes
from ilrs.report.section import RunContext, Section
from ilrs.report.products import RunProducts
from ilrs.timeutil import iso_date


def build(products: RunProducts, ctx: RunContext) -> Section:
    scenario = products.setup.scenario
    sec = scenario.relays
    res = products.comms_period
    s = res.summary(max_windows=None)
    img_windows = cached_figure("ilrs.comms.plots:plot_windows", res)
    hist = res.states.element_history() if res.states is not None else {}
    keeping = res.states.station_keeping() if res.states is not None else {}
    orbit_html = ""
    orbit_rows = []
    if hist:
        orbit_html = f'<img alt="relay elements" src="{cached_figure("ilrs.comms.plots:plot_element_history", res.states)}">'
        orbit_rows = [{"relay": k, "perilune km": f"{h['perilune_altitude_km'].min():.0f} … {h['perilune_altitude_km'].max():.0f}",
                       "arg. of perilune °": f"{h['arg_perilune_deg'].min():.1f} … {h['arg_perilune_deg'].max():.1f}",
                       "eccentricity": f"{h['eccentricity'].min():.3f} … {h['eccentricity'].max():.3f}",
                       "inclination °": f"{h['inclination_deg'].min():.1f} … {h['inclination_deg'].max():.1f}",
                       "manoeuvres": (f"{keeping[k]['manoeuvres']} ({keeping[k]['delta_v_m_s']:.1f} m/s)"
                                      if keeping.get(k, {}).get("modelled") else "free drift")}
                      for k, h in hist.items()]
    cov_html = ""
    cov_summary = None
    if products.coverage is not None:
        pts, cov = products.coverage
        kind = "DEM horizons" if sec.coverage_horizon == "dem" else "smooth sphere"
        img_cov = cached_figure(
            "ilrs.comms.plots:plot_coverage_map", pts, cov["availability"], "relay availability",
            title=f"Relay coverage 80-90°S\n≥ {sec.min_elevation_deg:g}°, {kind}, first {res.days:g} days")
        cov_summary = {"points_count": int(pts.size), "horizon": sec.coverage_horizon,
                       "mean_availability_fraction": float(cov["availability"].mean()),
                       "min_availability_fraction": float(cov["availability"].min()),
                       "max_gap_hours_worst_point": float(cov["max_gap_hours"].max())}
        cov_html = f'<img alt="relay coverage map" src="{img_cov}">'
    tl = products.downlink
    yearly = tl.yearly()
    relay_rows = [{"relay": k, "seen from site": f"{v['site_visibility']:.1%}",
                   "h per orbit": f"{v['hours_per_orbit_visible']:.1f}" if v["hours_per_orbit_visible"] else "—",
                   "max gap h": f"{v['max_gap_hours']:.1f}", "end to end": f"{v['end_to_end_availability']:.1%}",
                   "Gbit/day": f"{v['data_volume_gbit_per_day']:.0f}",
                   "mean range km": f"{v['mean_range_km']:.0f}" if v["mean_range_km"] else "—"}
                  for k, v in s["per_relay"].items()]
    year_rows = [{"year": y["year"], "available": f"{y['availability']:.1%}", "via relay": f"{y['via_relay']:.1%}",
                  "direct to Earth": f"{y['direct_to_earth']:.1%}", "Gbit/day": f"{y['gbit_per_day']:.0f}",
                  "max gap h": f"{y['max_gap_hours']:.0f}"} for y in yearly]
    longest = sorted(res.windows_utc(~res.available), key=lambda w: -w["duration_hours"])[:8]
    html = (
        kpi_boxes({"availability": f"{s['availability']:.1%}", "via relay": f"{s['relay_availability']:.1%}",
                   "direct to Earth": f"{s['dte_availability']:.1%}", "max gap": f"{s['max_gap_hours']:.1f} h",
                   "data volume": f"{s['data_volume_gbit_per_day']:.0f} Gbit/day"})
        + f"<p>Site <b>{res.site_name}</b>, relays {', '.join(s['relays']) or 'none'}, Earth stations "
          f"{', '.join(s['ground_stations'])}. Representative period: the first {res.days:g} days from {iso_date(s['start_utc'])} "
          f"at {res.step_s:g} s, relays propagated numerically (GRGM1200A {sec.gravity_degree}×{sec.gravity_degree}"
          f"{' + Earth + Sun' if sec.third_bodies else ''}), site horizon {scenario.site.horizon}, minimum elevation "
          f"{sec.min_elevation_deg:g}° to relays. Rates from link budgets capped by each link's modem; "
          "the site uses the faster of the relay path and direct-to-Earth.</p>"
        + f'<img alt="windows and rate" src="{img_windows}">'
        + "<h3>Per relay</h3>" + html_table(relay_rows)
        + "<h3>Relay orbits over the period</h3>" + orbit_html + html_table(orbit_rows)
        + "<p>Osculating elements in each relay's element frame (the plane of the Moon's orbit about the "
          "Earth, node from the Earth direction at the start). "
          + ("Station-keeping modelled: apolune manoeuvres restore the published perilune when the Earth's pull "
             "takes it below the relay's band. " if sec.station_keeping else
             "Station-keeping switched off: the relays drift freely. ")
          + "A year with its Δv: <code>ilrs comms orbit queqiao-2 --days 365</code>.</p>"
        + "<h3>Link budgets (configured bands, mean distances)</h3>"
        + html_table([{"link": b["link"], "band": b["band"], "distance km": f"{b['distance_km']:.0f}",
                       "FSPL dB": f"{b['fspl_db']:.1f}", "C/N0 dB-Hz": f"{b['cn0_dbhz']:.1f}",
                       "budget Mbit/s": f"{b['budget_rate_mbps']:.0f}", "used Mbit/s": f"{b['rate_mbps']:g}"}
                      for b in s["link_budgets"] if b["configured"]])
        + "<p>At these distances the budgets leave large margins: modem ceilings (Queqiao-2: Ka ~100 Mbit/s, "
          "proximity ≤ 6 Mbit/s, as publicly reported) and band allocations set the rates.</p>"
        + "<h3>Longest outages</h3>" + html_table(longest, title="outages")
        + "<h3>Coverage of the south polar cap</h3>" + cov_html
        + "<h3>Whole span, hourly (relays in the analytic mode: J2 + averaged Earth and Sun)</h3>"
        + html_table(year_rows)
        + "".join(f"<p>Note: {n}</p>" for n in s["notes"])
    )
    summary = {k: s[k] for k in ("site", "start_utc", "span_days", "step_s", "relays", "ground_stations", "availability",
                                 "relay_availability", "dte_availability", "max_gap_hours", "mean_gap_hours",
                                 "windows_count", "data_volume_gbit_per_day", "per_relay")}
    summary["coverage"] = cov_summary
    summary["yearly"] = yearly
    summary["orbits"] = {k: {q: [float(v.min()), float(v.max())] for q, v in h.items()} for k, h in hist.items()}
    summary["station_keeping"] = keeping
    lines = [f"{res.site_name}, first {res.days:g} days: available {s['availability']:.1%} (relay "
             f"{s['relay_availability']:.1%}, DTE {s['dte_availability']:.1%}), max gap {s['max_gap_hours']:.1f} h, "
             f"{s['data_volume_gbit_per_day']:.0f} Gbit/day",
             f"whole span hourly: {sum(y['availability'] for y in yearly) / max(len(yearly), 1):.1%} mean yearly availability"]
    return Section("comms", "Relays and communications", html, summary, lines)
