"""The figures ``ilrs compare`` pairs across scenarios, read from each study's products.

Every figure comes from the study's :class:`ilrs.report.products.RunProducts` — the products
``ilrs run`` computes, each once — and is returned as a :class:`Fig` (a stable id, a label, a
unit, the number and the text the report shows). Nothing here recomputes geometry or a campaign.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from ilrs.comms.access import gap_statistics
from ilrs.consortium.coalition import CoalitionSeries
from ilrs.constants import SECONDS_PER_DAY
from ilrs.report.products import RunProducts
from ilrs.timeutil import iso_date

NONE_TEXT = "—"


@dataclass(frozen=True)
class Fig:
    """One figure of one scenario: ``value`` is the number (None for a date or a name), ``text`` what
    the report shows."""

    figure: str
    label: str
    unit: str
    value: float | None
    text: str
    headline: bool = False


def pct(v: float | None) -> str:
    return NONE_TEXT if v is None else f"{100 * v:.1f} %"


def day_text(d: dt.date | None, never: str = "not reached") -> str:
    return never if d is None else d.isoformat()


def _num(v: float | None, fmt: str = ",.0f") -> str:
    return NONE_TEXT if v is None else format(v, fmt)


def coalition_figures(products: RunProducts, series: CoalitionSeries, common_day: dt.date) -> list[Fig]:
    """The coalition on one day shared by every study of the comparison, at the study's own start,
    and its latest count in the dataset. What each counts is in ``series.label`` (ILRS members are
    states and organizations; Accords signatories are states)."""
    count, bound = series.at(common_day)
    start = products.setup.scenario.span.start
    own, own_bound = series.at(start)
    last_day = series.days[-1]
    last, last_bound = series.at(last_day)

    def text(c: int | None, b: bool) -> str:
        return "none reported" if c is None else f"{'≥ ' if b else ''}{c}"

    return [Fig("coalition", "coalition (what is counted)", "", None, series.label),
            Fig("coalition.on_common_day", f"coalition size on {common_day.isoformat()} (the same day for every study)",
                "count", count, text(count, bound), True),
            Fig("coalition.at_start", "coalition size at the study's own start", "count", own,
                f"{text(own, own_bound)} on {start.isoformat()}"),
            Fig("coalition.latest", f"coalition size on {last_day.isoformat()} (latest fact in the dataset)", "count",
                last, text(last, last_bound))]


def _risk_milestone(products: RunProducts, mid: str) -> dict[str, Any] | None:
    risk = products.risk
    return None if risk is None else risk.summary["milestones"].get(mid)


def milestone_figures(products: RunProducts) -> list[Fig]:
    """Per milestone (by id): target, nominal date, Monte Carlo on-time probability with its 95 %
    Wilson interval, and the p10/p50/p90 dates."""
    result = products.campaign
    out = []
    for ms in products.setup.scenario.campaign.milestones:
        mid, reached = ms.id, result.milestones.get(ms.id)
        out += [Fig(f"{mid}.target", f"{mid}: target", "date", None, day_text(ms.target, NONE_TEXT)),
                Fig(f"{mid}.nominal", f"{mid}: nominal campaign", "date", None, day_text(reached))]
        m = _risk_milestone(products, mid)
        if m is None:
            continue
        ci = NONE_TEXT if m["ci_low"] is None else f"{100 * m['ci_low']:.1f}–{100 * m['ci_high']:.1f} %"
        out += [Fig(f"{mid}.p_on_time", f"{mid}: P(on time)", "probability", m["probability_on_time"],
                    pct(m["probability_on_time"])),
                Fig(f"{mid}.ci95", f"{mid}: P(on time), 95 % interval", "probability", None, ci),
                Fig(f"{mid}.p50", f"{mid}: median date (Monte Carlo)", "date", None, day_text(m["p50_date"], "never")),
                Fig(f"{mid}.p10_p90", f"{mid}: p10 … p90", "date", None,
                    f"{day_text(m['p10_date'], 'never')} … {day_text(m['p90_date'], 'never')}")]
    on_time = sum(1 for k in result.milestones if result.on_time(k))
    out.append(Fig("milestones.on_time_nominal", "milestones on time (nominal campaign)", "count", on_time,
                   f"{on_time}/{len(result.milestones)}", True))
    return out


def milestone_list(products: RunProducts) -> list[dict[str, Any]]:
    """The scenario's own milestones, in its order (the per-scenario listing)."""
    result = products.campaign
    rows = []
    for ms in products.setup.scenario.campaign.milestones:
        m = _risk_milestone(products, ms.id) or {}
        rows.append({"id": ms.id, "name": ms.name or ms.id, "public target": ms.target_text or "",
                     "target": day_text(ms.target, NONE_TEXT), "nominal": day_text(result.milestones.get(ms.id)),
                     "P(on time)": pct(m.get("probability_on_time")), "source": ms.source})
    return rows


def continuous_presence(stays, span_end: dt.date) -> tuple[dt.date | None, float]:
    """The first day from which crew stays follow one another without a gap to the end of the span
    (None if never), and the longest crewed stretch in days (stays that overlap or touch merge)."""
    merged: list[list[dt.date]] = []
    for s in sorted(stays, key=lambda s: (s.arrival, s.departure)):
        if merged and s.arrival <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], s.departure)
        else:
            merged.append([s.arrival, s.departure])
    first = next((a for a, b in merged if a < span_end <= b), None)
    longest = max(((b - a).days for a, b in merged), default=0)
    return first, float(longest)


def _crewed_landing_milestone(products: RunProducts) -> str | None:
    """The milestone that is the first crewed landing (condition ``crewed_landings: 1``), if any."""
    ids = [ms.id for ms in products.setup.scenario.campaign.milestones if ms.condition.crewed_landings == 1]
    return ids[0] if ids else None


def crew_figures(products: RunProducts) -> list[Fig]:
    """First crewed landing (nominal, and the Monte Carlo dates of its milestone), first continuous
    presence, and the operations run's crew-days (per partner)."""
    scenario = products.setup.scenario
    stays = products.campaign.crew_stays
    first = min((s.arrival for s in stays), default=None)
    out = [Fig("crew.first_landing", "first crewed landing (nominal campaign)", "date", None, day_text(first), True)]
    mid = _crewed_landing_milestone(products)
    m = _risk_milestone(products, mid) if mid else None
    if m is not None:
        ci = "" if m["ci_low"] is None else f" (95 % {100 * m['ci_low']:.1f}–{100 * m['ci_high']:.1f} %)"
        # each study against its own target: the target goes in the cell, not the shared row label
        by = f" by {day_text(m['target_date'], 'no target')}"
        out += [Fig("crew.first_landing_p_on_time", "first crewed landing by its own target, P(on time)",
                    "probability", m["probability_on_time"], pct(m["probability_on_time"]) + by + ci, True),
                Fig("crew.first_landing_p50", f"first crewed landing, median (Monte Carlo, {mid})", "date", None,
                    day_text(m["p50_date"], "never"), True),
                Fig("crew.first_landing_p10_p90", "first crewed landing, p10 … p90", "date", None,
                    f"{day_text(m['p10_date'], 'never')} … {day_text(m['p90_date'], 'never')}")]
    presence, longest = continuous_presence(stays, scenario.span.end)
    out += [Fig("crew.continuous_presence", "first continuous presence (crew without a gap to the span end)", "date",
                None, day_text(presence, "not within the span"), True),
            Fig("crew.longest_stretch", "longest crewed stretch (nominal campaign)", "days", longest, _num(longest))]
    k = products.operations.kpis
    out.append(Fig("crew.crew_days", "crew-days (operations run)", "crew-days", float(k["crew_days"]),
                   _num(float(k["crew_days"])), True))
    for partner, days in sorted(k["crew_days_by_partner"].items()):
        out.append(Fig(f"crew.crew_days.{partner}", f"crew-days: {partner}", "crew-days", float(days),
                       _num(float(days))))
    return out


def site_figures(products: RunProducts) -> list[Fig]:
    """Sun and Earth at the site over the study span (hourly): point values on the scenario's horizon."""
    tl = products.environment.timeline
    st, site = tl.statistics, tl.site
    return [
        Fig("site.name", "site", "", None, site.name),
        Fig("site.position", "latitude, longitude", "deg", None, f"{site.lat_deg:.3f}°, {site.lon_deg:.3f}°E"),
        Fig("site.horizon", "horizon", "", None, tl.horizon.kind),
        Fig("site.lit_fraction", "lit (any part of the Sun's disk)", "fraction", st.lit_fraction, pct(st.lit_fraction), True),
        Fig("site.full_disk_fraction", "full disk lit", "fraction", st.full_disk_fraction, pct(st.full_disk_fraction)),
        Fig("site.longest_darkness_hours", "longest darkness", "h", st.longest_darkness_hours,
            _num(st.longest_darkness_hours), True),
        Fig("site.mean_irradiance_w_m2", "mean irradiance", "W/m²", st.mean_irradiance_w_m2,
            _num(st.mean_irradiance_w_m2)),
        Fig("site.earth_visible_fraction", "Earth visible", "fraction", st.earth_visible_fraction,
            pct(st.earth_visible_fraction), True),
        Fig("site.longest_earth_gap_hours", "longest time without the Earth", "h", st.longest_earth_gap_hours,
            _num(st.longest_earth_gap_hours)),
    ]


def relay_figures(products: RunProducts) -> list[Fig]:
    """The downlink over the whole span, hourly (the timeline the operations run reads)."""
    tl = products.downlink
    step_s = float((tl.times[1] - tl.times[0]) / np.timedelta64(1, "s")) if tl.times.size > 1 else 0.0
    up = tl.downlink_rate_bps > 0
    avail, relay, dte = float(up.mean()), float((tl.via_relay_bps > 0).mean()), float((tl.direct_to_earth_bps > 0).mean())
    gap = float(gap_statistics(up, step_s)["max_gap_hours"])
    gbit = float(tl.downlink_rate_bps.mean() * SECONDS_PER_DAY / 1e9)
    relays = products.setup.scenario.relays
    return [
        Fig("relays.constellation", "relays", "", None, ", ".join(relays.constellation) or "none"),
        Fig("relays.ground_stations", "Earth stations", "", None, ", ".join(relays.ground_stations) or "none"),
        Fig("relays.availability", "link to Earth available", "fraction", avail, pct(avail), True),
        Fig("relays.via_relay", "via a relay", "fraction", relay, pct(relay)),
        Fig("relays.direct_to_earth", "direct to Earth", "fraction", dte, pct(dte)),
        Fig("relays.max_gap_hours", "longest outage", "h", gap, _num(gap)),
        Fig("relays.gbit_per_day", "mean downlink capacity", "Gbit/day", gbit, _num(gbit)),
    ]


def _opt_float(v) -> float | None:
    """A KPI as a float, None where the run could not define it (e.g. no storage in the window)."""
    return None if v is None else float(v)


def energy_figures(products: RunProducts) -> list[Fig]:
    """Energy margins of the operations run (one run, the scenario's seed, nominal campaign)."""
    k = products.operations.kpis
    gen, dem = _opt_float(k["energy_generated_kwh"]), _opt_float(k["energy_demand_kwh"])
    margin = (gen - dem) / dem if gen is not None and dem else None
    out = [Fig("energy.window", "operations window", "", None, f"{iso_date(k['start_utc'])} → {iso_date(k['end_utc'])}")]
    for key, label in (("energy_generated_kwh", "generated"), ("energy_demand_kwh", "demand"),
                       ("energy_served_kwh", "served"), ("energy_not_served_kwh", "not served"),
                       ("survival_energy_not_served_kwh", "survival load not served"),
                       ("energy_curtailed_kwh", "curtailed (storage full)")):
        v = _opt_float(k.get(key))
        out.append(Fig(f"energy.{key}", f"energy {label}", "kWh", v, _num(v), key == "energy_not_served_kwh"))
    out += [Fig("energy.margin", "generated − demand, share of demand", "fraction", margin, pct(margin)),
            # a window with no storage yet has no state of charge: the KPI is undefined (None)
            Fig("energy.min_soc", "lowest state of charge", "fraction", _opt_float(k.get("min_soc")),
                pct(_opt_float(k.get("min_soc"))))]
    for key, label in (("hours_shedding", "hours shedding loads"), ("hours_survival_failure", "hours survival load unmet")):
        v = _opt_float(k.get(key))
        out.append(Fig(f"energy.{key}", label, "h", v, _num(v)))
    return out


def science_figures(products: RunProducts) -> list[Fig]:
    """Data returned to Earth, in total and per partner (operations run)."""
    k = products.operations.kpis
    ret, lost = float(k["data_returned_gbit"]), float(k["data_lost_gbit"])
    out = [Fig("science.returned_gbit", "data returned", "Gbit", ret, _num(ret), True),
           Fig("science.lost_gbit", "data lost (storage full)", "Gbit", lost, _num(lost))]
    for partner, v in sorted(k["data_returned_gbit_by_partner"].items()):
        out.append(Fig(f"science.returned_gbit.{partner}", f"returned: {partner}", "Gbit", float(v), _num(float(v))))
    return out
