"""Report section: the consortium as of the scenario start — members, growth, agreements."""

from __future__ import annotations

import numpy as np

from ilrs.consortium import accords_count_on, accords_signatories, both_camps, default_registry, load_accords
from ilrs.consortium.timeline import SERIES_START, growth_series
from ilrs.report.figure_cache import cached_arrays
from ilrs.report.interactive import plot_div
from ilrs.report.markup import html_table, kpi_boxes, link
from ilrs.report.section import RunContext, Section
from ilrs.report.products import RunProducts


def source_links(reg, source_ids) -> str:
    """The sources as titled links to their public addresses (a title alone where none is known;
    never a file of the project's notes)."""
    return "; ".join(link(reg.sources[s].title, reg.sources[s].address) for s in source_ids)


def growth_steps(reg, end) -> dict[str, np.ndarray]:
    """The membership and Accords series (:func:`ilrs.consortium.timeline.growth_series`) at the days
    they change only (a step plot needs no more): day numbers and counts, NaN where none is known."""
    s = growth_series(reg, SERIES_START, end)
    day = np.array(s["date"], dtype="datetime64[D]").astype("int64")
    cols = {k: np.array([np.nan if v is None else v for v in s[k]], dtype=float)
            for k in ("ilrs_members", "ilrs_states", "artemis_accords")}
    stacked = np.vstack(list(cols.values()))
    change = np.r_[True, np.any(np.diff(np.nan_to_num(stacked, nan=-1.0), axis=1) != 0, axis=0)]
    change[-1] = True
    return {"day": day[change], **{k: v[change] for k, v in cols.items()}}


def _growth_plot(reg, end) -> str:
    """Membership and the Artemis Accords over time, interactive (hover: date and count)."""
    s = cached_arrays(growth_steps, reg, end)
    dates = (np.datetime64("1970-01-01") + s["day"]).astype(str).tolist()

    def ys(k: str) -> list:
        return [None if np.isnan(v) else float(v) for v in s[k].tolist()]

    step = {"type": "scatter", "mode": "lines", "x": dates, "xhoverformat": "%Y-%m-%d",
            "hovertemplate": "%{x}: %{y}<extra>%{fullData.name}</extra>"}
    traces = [{**step, "name": "ILRS members (states + organizations)", "y": ys("ilrs_members"),
               "line": {"shape": "hv", "color": "#d62728", "width": 2.5}},
              {**step, "name": "ILRS states", "y": ys("ilrs_states"), "line": {"shape": "hv", "color": "#d62728", "dash": "dash"}},
              {**step, "name": "Artemis Accords, at least (last reported count)", "y": ys("artemis_accords"),
               "line": {"shape": "hv", "color": "#1f77b4", "dash": "dash"}}]
    return plot_div("membership", traces, {
        "title": {"text": "ILRS membership vs Artemis Accords (counts certain by each date)"},
        "yaxis": {"title": {"text": "count"}, "rangemode": "tozero"}, "xaxis": {"type": "date"},
        "legend": {"orientation": "h", "y": -0.15}}, height_px=440)


def build(products: RunProducts, ctx: RunContext) -> Section:
    scenario = products.setup.scenario
    known = scenario.campaign.as_known_on  # a replay (--as-known-on): only what was published by then
    reg = default_registry() if known is None else default_registry().as_known_on(known)
    as_of = scenario.span.start if known is None else min(known, scenario.span.start)
    members = reg.members(as_of=as_of)
    rows = [{**m.as_dict(reg), "sources": source_links(reg, m.agreement.all_sources)} for m in members]
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
        "sources": source_links(reg, a.all_sources),
    } for a in agreements]
    counts = [c for c in reg.dataset.count_claims if c.date <= as_of]
    end = max(as_of, reg.last_dated_fact())
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
        + _growth_plot(reg, end)
        + "<h3>Members</h3>"
        + html_table(rows, ["joined", "name", "kind", "country", "instrument", "sources"], html_columns=["sources"],
                     title="members")
        + "<h3>Agreements</h3>"
        + html_table(agreement_rows, html_columns=["sources"], title="agreements")
        + "<h3>Published counts</h3>"
        + html_table([{"date": c.date, "count": c.count, "counts": c.counts, "sources": source_links(reg, c.sources)}
                      for c in counts], numeric=["count"], html_columns=["sources"], title="counts")
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
        "member_list": [{**{k: r[k] for k in ("id", "name", "kind", "country", "joined", "instrument")},
                         "sources": reg.cite(m.agreement.all_sources)} for r, m in zip(rows, members)],
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
             "sources": "; ".join(link(sources[x].title, sources[x].address) for x in s.sources)}
            for s in accords_signatories(as_of)]
    both = both_camps(as_of)
    signed_both = [b for b in both if b["accords_status"] == "signed"]
    html = (kpi_boxes({"Artemis Accords signatories": count.text, "in both camps (signed)": len(signed_both)})
            + f"<p>Artemis Accords signatories that had certainly signed by {as_of}: {count.text} (a range or a "
              "lower bound where no report pins the count). States also in the ILRS: "
            + (", ".join(f"{b['name']} (Accords {b['accords_signed']}, {b['accords_status']}; ILRS {b['ilrs_joined']})"
                         for b in both) or "none") + ".</p>"
            + "<h3>Artemis Accords signatories</h3>"
            + html_table(rows, ["signed", "rank", "name", "sources"], html_columns=["sources"], title="signatories"))
    summary = {"as_of": as_of.isoformat(), **count.as_dict(), "signatories": [r["name"] for r in rows],
               "both_camps": [{k: b[k] for k in ("id", "accords_signed", "accords_status", "ilrs_joined")} for b in both]}
    lines = [f"Artemis Accords as of {as_of}: {count.text} signatories; in both camps: "
             + (", ".join(b["name"] + ("" if b["accords_status"] == "signed" else f" ({b['accords_status']} only)")
                          for b in both) or "none")]
    return html, summary, lines
