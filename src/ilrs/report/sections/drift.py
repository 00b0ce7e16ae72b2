"""Report section: as of when, and how the plan has moved.

States the day of the study's newest fact (the newest claim of its missions and the newest fact
of the partner registry, as known on the study's ``--as-known-on`` day if any), then the plan
drift (:mod:`ilrs.campaign.drift`): every announced launch date against the day it was announced,
and each milestone's nominal date with the study replayed as known on each of those days.
"""

from __future__ import annotations

from ilrs.campaign.drift import milestone_drift, mission_drift
from ilrs.consortium import default_registry
from ilrs.report.figure_cache import cached_figure
from ilrs.report.markup import html_table, kpi_boxes
from ilrs.report.products import RunProducts
from ilrs.report.section import RunContext, Section


def newest_facts(scenario) -> dict:
    """The day of the newest mission claim the study uses and of the newest partner fact."""
    known = scenario.campaign.as_known_on
    claims = [c for m in scenario.campaign.resolved().missions for c in m.dates if c.reported_day]
    newest = max(claims, key=lambda c: c.reported_day) if claims else None
    reg = default_registry() if known is None else default_registry().as_known_on(known)
    partners_day = reg.last_dated_fact()
    days = [d for d in (newest.reported_day if newest else None, partners_day) if d is not None]
    return {"as_known_on": known.isoformat() if known else None,
            "newest_fact": max(days).isoformat() if days else None,
            "newest_mission_claim": None if newest is None else {
                "reported": newest.reported_day.isoformat(), "claim": newest.id, "date": newest.date,
                "source": newest.source},
            "newest_partner_fact": partners_day.isoformat()}


def build(products: RunProducts, ctx: RunContext) -> Section:
    scenario = products.setup.scenario
    facts = newest_facts(scenario)
    claims = mission_drift(list(scenario.campaign.resolved().missions))
    forecasts = milestone_drift(scenario)
    img = cached_figure("ilrs.campaign.drift:plot_drift", claims, forecasts, title=f"{scenario.name}: plan drift")
    changes, last = [], {}
    for p in forecasts:  # one row per change of a milestone's nominal date
        if last.get(p.milestone, object()) != p.reached:
            changes.append({"milestone": p.milestone, "known on": p.known_on, "nominal date": p.reached or "not reached",
                            "target": p.target or ""})
        last[p.milestone] = p.reached
    claim_rows = [{"mission": c.mission, "claim": c.claim, "announced": c.announced, "reported": c.reported,
                   "launched": c.launched or "", "slip (days)": "" if c.slip_days is None else c.slip_days,
                   "source": c.source} for c in claims]
    as_of = facts["as_known_on"] or "everything in the packaged data"
    html = (
        kpi_boxes({"newest fact": facts["newest_fact"], "as known on": facts["as_known_on"] or "—",
                   "dated claims": len(claims)})
        + f"<p>This study uses what had been published by {as_of}: its newest fact is dated "
          f"{facts['newest_fact']} (newest mission claim reported {(facts['newest_mission_claim'] or {}).get('reported')}, "
          f"newest partner fact {facts['newest_partner_fact']}). Every planned date is a claim with the day it "
          "was reported; a newer claim never replaces an older one. The left chart draws each announced "
          "launch date against the day it was announced (★ the actual launch); the right one flies the "
          "nominal campaign as known on each of those days.</p>"
        + f'<img alt="Plan drift" src="{img}">'
        + "<h3>Milestones as forecast on each day they moved</h3>" + html_table(changes)
        + "<h3>Announced launch dates</h3>" + html_table(claim_rows, numeric=["slip (days)"], title="claims")
    )
    flown = [c for c in claims if c.slip_days is not None and c.claim not in ("flown", "launched")]
    summary = {**facts, "claims": [c.as_dict() for c in claims],
               "milestone_changes": [{_snake(k): (str(v) if v != "" else None) for k, v in r.items()} for r in changes]}
    lines = [f"as of: newest fact {facts['newest_fact']}" + (f" (as known on {facts['as_known_on']})"
                                                             if facts["as_known_on"] else ""),
             f"{len(claims)} dated claims; flown missions slipped {min((c.slip_days for c in flown), default=0)}"
             f"..{max((c.slip_days for c in flown), default=0)} days from their announcements"]
    return Section("drift", "As of, and how the plan has moved", html, summary, lines)


def _snake(label: str) -> str:
    """A table's column label as a JSON key (``known on`` -> ``known_on``)."""
    import re

    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
