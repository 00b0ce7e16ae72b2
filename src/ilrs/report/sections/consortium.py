"""Report section: the consortium as of the scenario start — members, growth, agreements."""

from __future__ import annotations

from ilrs.consortium import accords_count_on, accords_signatories, both_camps, default_registry, load_accords
from ilrs.report.figure_cache import cached_figure
from ilrs.report.markup import html_table, kpi_boxes
from ilrs.report.section import RunContext, Section
from ilrs.report.products import RunProducts


def build(products: RunProducts, ctx: RunContext) -> Section:
    scenario = products.setup.scenario
    known = scenario.campaign.as_known_on  # a replay (--as-known-on): only what was published by then
    reg = default_registry() if known is None else default_registry().as_known_on(known)
    as_of = scenario.span.start if known is None else min(known, scenario.span.start)
    members = reg.members(as_of=as_of)
    rows = [m.as_dict(reg) for m in members]
    states = [r for r in rows if r["kind"] == "state"]
    artemis = reg.artemis_status(as_of)
    artemis_text = artemis["text"] if artemis else "none reported yet"
    # the same rule as the member list: an agreement counts once it had certainly been concluded
    agreements = sorted((a for a in reg.agreements.values() if reg.date_of(a).certainly_by(as_of)),
                        key=lambda a: (reg.date_of(a).latest, reg.date_of(a).earliest))
    agreement_rows = [{
        "date": reg.date_of(a).text, "instrument": a.instrument, "title": a.title,
        "parties": ", ".join(reg.parties[p].short or reg.parties[p].name for p in a.parties),
        "signed by": "; ".join(s.person for s in a.signatories),
        "sources": "; ".join(reg.cite(a.all_sources)),
    } for a in agreements]
    counts = [c for c in reg.dataset.count_claims if c.date <= as_of]
    img = cached_figure("ilrs.consortium.timeline:plot_growth", reg, end=max(as_of, reg.last_dated_fact()), mark=as_of)
    html = (
        kpi_boxes({"members": len(rows), "states": len(states), "organizations": len(rows) - len(states),
                   "Artemis Accords signatories": (f"≥ {artemis['count_at_least']}" if artemis and not artemis["exact"]
                                                   else artemis["count_at_least"] if artemis else "—")})
        + (f"<p>As known on {known}: only agreements, counts and Artemis reports published by then.</p>"
           if known else f"<p>Registry data as of {reg.last_dated_fact()} (its newest dated fact).</p>")
        + f"<p>Members and agreements that had certainly been concluded by {as_of} (a date reported only to "
          "the month counts from the month's last day). Artemis Accords: "
          f"{artemis_text} — a count is known on the day it was reported, a lower bound after. "
          "Published counts disagree and are kept as separate claims.</p>"
        + f'<img alt="ILRS membership vs Artemis Accords" src="{img}">'
        + "<h3>Members</h3>"
        + html_table(rows, ["joined", "name", "kind", "country", "instrument", "sources"])
        + "<h3>Agreements</h3>"
        + html_table(agreement_rows)
        + "<h3>Published counts</h3>"
        + html_table([{"date": c.date, "count": c.count, "counts": c.counts, "sources": "; ".join(reg.cite(c.sources))}
                      for c in counts], numeric=["count"])
    )
    summary = {
        "as_of": as_of.isoformat(),
        "as_known_on": known.isoformat() if known else None,
        "data_as_of": reg.last_dated_fact().isoformat(),
        "members": len(rows),
        "states": len(states),
        "organizations": len(rows) - len(states),
        "agreements": len(agreement_rows),
        "artemis_accords": None if artemis is None else
        {k: artemis[k] for k in ("count_at_least", "exact", "reported", "sources")},
        "member_list": [{k: r[k] for k in ("id", "name", "kind", "country", "joined", "instrument", "sources")}
                        for r in rows],
    }
    lines = [f"{len(rows)} members as of {as_of}: {len(states)} states, {len(rows) - len(states)} organizations;"
             f" Artemis Accords: {artemis_text}"]
    if rows:
        lines.append("latest: " + ", ".join(f"{r['name']} ({r['joined']})" for r in rows[-3:]))
    else:
        first = reg.memberships()[0] if reg.memberships() else None
        lines.append("no member yet" + (f"; the first joined {first.joined.text} ({first.party.name})" if first else ""))
    if scenario.coalition == "artemis-accords":
        extra_html, summary["accords"], extra_lines = _accords_block(as_of)
        html = extra_html + "<h3>The ILRS (the rival coalition)</h3>" + html
        lines = extra_lines + lines
    return Section("consortium", "Consortium", html, summary, lines)


def _accords_block(as_of) -> tuple[str, dict, list[str]]:
    """The Artemis Accords as of ``as_of`` for a study whose coalition they are (data/accords.yaml)."""
    count = accords_count_on(as_of)
    sources = load_accords().sources
    rows = [{"signed": s.signed_date.text, "rank": s.rank or "", "name": s.name,
             "sources": "; ".join(sources[x].title for x in s.sources)} for s in accords_signatories(as_of)]
    both = both_camps(as_of)
    signed_both = [b for b in both if b["accords_status"] == "signed"]
    html = (kpi_boxes({"Artemis Accords signatories": count.text, "in both camps (signed)": len(signed_both)})
            + f"<p>Artemis Accords signatories that had certainly signed by {as_of}: {count.text} (a range or a "
              "lower bound where no report pins the count). States also in the ILRS: "
            + (", ".join(f"{b['name']} (Accords {b['accords_signed']}, {b['accords_status']}; ILRS {b['ilrs_joined']})"
                         for b in both) or "none") + ".</p>"
            + "<h3>Artemis Accords signatories</h3>" + html_table(rows, ["signed", "rank", "name", "sources"]))
    summary = {"as_of": as_of.isoformat(), **count.as_dict(), "signatories": [r["name"] for r in rows],
               "both_camps": [{k: b[k] for k in ("id", "accords_signed", "accords_status", "ilrs_joined")} for b in both]}
    lines = [f"Artemis Accords as of {as_of}: {count.text} signatories; in both camps: "
             + (", ".join(b["name"] + ("" if b["accords_status"] == "signed" else f" ({b['accords_status']} only)")
                          for b in both) or "none")]
    return html, summary, lines
