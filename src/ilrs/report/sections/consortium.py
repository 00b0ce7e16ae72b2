"""Report section: the consortium as of the scenario start — members, growth, agreements."""

from __future__ import annotations

from ilrs.consortium import default_registry
from ilrs.consortium.timeline import plot_growth
from ilrs.report.figures import figure_to_data_uri
from ilrs.report.html import html_table, kpi_boxes
from ilrs.report.sections import RunContext, Section
from ilrs.scenario import Scenario


def build(scenario: Scenario, ctx: RunContext) -> Section:
    reg = default_registry()
    as_of = scenario.span.start
    members = reg.members(as_of=as_of)
    rows = [m.as_dict(reg) for m in members]
    states = [r for r in rows if r["kind"] == "state"]
    artemis = reg.artemis_count(as_of)
    agreements = sorted(reg.agreements.values(), key=lambda a: (reg.date_of(a).latest, reg.date_of(a).earliest))
    agreement_rows = [{
        "date": reg.date_of(a).text, "instrument": a.instrument, "title": a.title,
        "parties": ", ".join(reg.parties[p].short or reg.parties[p].name for p in a.parties),
        "signed by": "; ".join(s.person for s in a.signatories),
        "sources": "; ".join(reg.cite(a.all_sources)),
    } for a in agreements if reg.date_of(a).earliest <= as_of]
    img = figure_to_data_uri(plot_growth(reg, end=max(as_of, scenario.span.start)))
    html = (
        kpi_boxes({"members": len(rows), "states": len(states), "organizations": len(rows) - len(states),
                   "Artemis Accords signatories": artemis if artemis is not None else "—"})
        + f"<p>Members that had certainly joined by {as_of} (a date reported only to the month counts "
          "from the month's last day). Published counts disagree and are kept as separate claims.</p>"
        + f'<img alt="ILRS membership vs Artemis Accords" src="{img}">'
        + "<h3>Members</h3>"
        + html_table(rows, ["joined", "name", "kind", "country", "instrument", "sources"])
        + "<h3>Agreements</h3>"
        + html_table(agreement_rows)
        + "<h3>Published counts</h3>"
        + html_table([{"date": c.date, "count": c.count, "counts": c.counts, "sources": "; ".join(reg.cite(c.sources))}
                      for c in reg.dataset.count_claims], numeric=["count"])
    )
    summary = {
        "as_of": as_of.isoformat(),
        "members": len(rows),
        "states": len(states),
        "organizations": len(rows) - len(states),
        "artemis_accords_signatories": artemis,
        "member_list": [{k: r[k] for k in ("id", "name", "kind", "country", "joined", "instrument", "sources")}
                        for r in rows],
    }
    lines = [f"{len(rows)} members as of {as_of}: {len(states)} states, {len(rows) - len(states)} organizations;"
             f" Artemis Accords: {artemis}",
             "latest: " + ", ".join(f"{r['name']} ({r['joined']})" for r in rows[-3:])]
    return Section("consortium", "Consortium", html, summary, lines)
