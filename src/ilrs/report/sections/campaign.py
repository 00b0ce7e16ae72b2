"""Report section: the campaign as planned — missions, elements operational, milestones, Gantt chart.

Renders the study's nominal :class:`ilrs.campaign.CampaignResult` (the one operations runs with).
"""

from __future__ import annotations

from ilrs.campaign import sites_not_in_catalogue
from ilrs.report.figure_cache import cached_figure
from ilrs.report.markup import html_table, kpi_boxes, public_source
from ilrs.report.section import RunContext, Section
from ilrs.report.products import RunProducts


def build(products: RunProducts, ctx: RunContext) -> Section:
    scenario = products.setup.scenario
    inputs, result = products.setup.campaign, products.campaign

    res = scenario.campaign.resolved()
    specs = {m.id: m for m in res.missions}
    flown = [m for m in result.missions if m.launch is not None]
    launches = sum(len(m.vehicles) for m in flown)
    on_time = sum(1 for k in result.milestones if result.on_time(k))
    unknown = sites_not_in_catalogue(inputs)
    img = cached_figure("ilrs.campaign.gantt:plot_gantt", result, title=f"{scenario.name}: nominal campaign")

    milestone_rows = []
    for ms in scenario.campaign.milestones:
        reached = result.milestones[ms.id]
        ok = result.on_time(ms.id)
        milestone_rows.append({"milestone": ms.name or ms.id, "public target": ms.target_text or "",
                               "target": result.targets.get(ms.id), "reached": reached or "not reached",
                               "on time": "yes" if ok else ("no" if ok is False else "—"), "source": ms.source})
    mission_rows = []
    for m in result.missions:
        spec = specs[m.id]
        claim = spec.claim(scenario.campaign.date_claims.get(m.id))
        others = [f"{c.date} ({public_source(c.source)})" for c in spec.dates if c.id != claim.id]
        mission_rows.append({
            "mission": m.name, "vehicle": m.vehicle, "lead": m.lead,
            "planned": f"{claim.date} ({claim.precision})" if not m.past else "flown",
            "launch": m.launch, "landing": m.arrival, "outcome": m.outcome, "site": m.site or "",
            "payloads": ", ".join(f"{p.name} ({p.owner})" for p in spec.payloads),
            "other claims": "; ".join(others)})
    vehicle_rows, checked = _vehicle_rows(res, result)
    element_rows = [{"element": e.name, "role": e.role, "owner": e.owner, "mission": e.mission,
                     "operational": e.operational or "never", "end of life": e.end_of_life or "",
                     "nominal kW": e.power_kw[1], "kbit/s": e.data_kbps, "depends on": ", ".join(e.depends_on)}
                    for e in sorted(result.elements.values(),
                                    key=lambda e: (e.operational is None, e.operational or 0, e.id))
                    if e.mission is not None]
    html = (
        kpi_boxes({"missions": len(specs), "launches": launches,
                   "elements delivered": sum(1 for e in result.elements.values() if e.operational),
                   "milestones on time": f"{on_time}/{len(result.milestones)}"})
        + "<p>The nominal campaign: every launch and landing succeeds and nothing slips (the Monte Carlo "
          "of failures, slips, stand-downs and re-flights is in the risk section). A planned year sits at "
          "1 July, a planned month on the 15th. Dates beyond the study span are still computed.</p>"
        + f'<img alt="Campaign Gantt chart" src="{img}">'
        + (("<p>Target sites not in the site catalogue (kept as reported): "
            + ", ".join(f"{m}: {site}" for m, site in unknown.items()) + ".</p>") if unknown else "")
        + "<h3>Milestones</h3>" + html_table(milestone_rows)
        + "<h3>Missions</h3>" + html_table(mission_rows, title="missions")
        + "<h3>Launch vehicles: the capacity each launch is checked against</h3>"
          "<p>A launch's stated mass, or else the masses of its mission's elements and payloads, must "
          "not exceed the figure below (checked when the scenario loads). Where sources give several "
          "figures the one checked is named; the others are listed.</p>" + html_table(vehicle_rows)
        + "<h3>Station elements</h3>" + html_table(element_rows, numeric=["nominal kW", "kbit/s"], title="elements")
    )
    summary = {**result.to_dict(), "launches": launches, "milestones_on_time": on_time,
               "sites_not_in_catalogue": unknown, "capacity_checked": checked}
    lines = [f"{len(specs)} missions, {launches} launches; {on_time}/{len(result.milestones)} milestones on time"]
    lines += [f"{k}: {v or 'not reached'} (target {result.targets.get(k) or '—'})"
              for k, v in result.milestones.items()]
    return Section("campaign", "Campaign", html, summary, lines)


def _vehicle_rows(res, result) -> tuple[list[dict], dict[str, dict]]:
    """Per vehicle flown: the capacity the mass check uses, which reported claim it is, the rest."""
    from ilrs.scenario.campaign import launch_capacity

    used = sorted({v for m in result.missions for v in m.vehicles})
    rows, checked = [], {}
    for vid in used:
        v = res.vehicles[vid]
        cap, to = launch_capacity(v)
        orbit = "tli" if v.capacity_tli_kg is not None else "leo"
        claim = next((c for c in v.capacity_claims if c.orbit == orbit and c.value_kg == cap), None)
        what = (claim.note or "stated") if claim else ("not given" if cap is None else "")
        others = [f"{c.value_kg:,.0f} kg ({c.note or 'stated'}: {c.source})" for c in v.capacity_claims
                  if c.orbit == "tli" and c is not claim]
        rows.append({"vehicle": vid, "checked against": f"{cap:,.0f} kg {to}" if cap else "not checked",
                     "which claim": f"{what}: {claim.source}" if claim else what,
                     "other Earth-Moon figures": "; ".join(others)})
        checked[vid] = {"kg": cap, "orbit": orbit if cap else None, "claim": what,
                        "source": claim.source if claim else ""}
    return rows, checked
