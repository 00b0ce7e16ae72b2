"""The report's dashboard: the study's questions answered at a glance, at the top of the page.

:func:`dashboard` picks the figures from the sections' results — the very dict written to
``summary.json`` (under ``dashboard``) — and :func:`dashboard_html` renders that dict and nothing
else, so the page and the file cannot disagree. Each figure carries ``data-key`` (its path in the
dict) and ``data-value`` (the JSON value) for the browser test.
"""

from __future__ import annotations

import html as _html
import json
from typing import Any

from ilrs.report.markup import date_text

RANGE_WORDS = ("range", "optimistic", "pessimistic", "bounds")
"""A key of the environment results with one of these words is the site's light range (the terrain
range, where the DEM cannot decide the near horizon): shown beside the central value."""


def light_range(env: dict[str, Any]) -> dict[str, Any] | None:
    """The site's light range from the environment results, or None (the DEM decides, or no range):
    ``horizon_range.statistics`` (low/high of each figure between the two bounding horizons) where the
    study has it, else any key naming a range (:data:`RANGE_WORDS`) with a value."""
    hr = env.get("horizon_range")
    if isinstance(hr, dict) and isinstance(hr.get("statistics"), dict):
        out: dict[str, Any] = {k: [f["low"], f["high"]] for k, f in hr["statistics"].items()
                               if k in ("lit_fraction", "longest_darkness_hours") and isinstance(f, dict)}
        if "unresolved_m" in hr:
            out["unresolved_m"] = hr["unresolved_m"]
        return out or None
    found = {k: v for k, v in env.items() if any(w in k for w in RANGE_WORDS) and v is not None}
    return found or None


def _pick(d: dict[str, Any] | None, *keys: str | tuple[str, ...]) -> dict[str, Any] | None:
    """The named figures of one section's results; a tuple names one figure by its key and the
    other names it has had (the first present wins, stored under the first name)."""
    if not d:
        return None
    out = {}
    for k in keys:
        names = k if isinstance(k, tuple) else (k,)
        out[names[0]] = next((d[n] for n in names if n in d), None)
    return out


def _milestones(campaign: dict[str, Any], risk: dict[str, Any]) -> list[dict[str, Any]]:
    nominal = (campaign or {}).get("milestones", {})
    out = []
    for mid, m in ((risk or {}).get("milestones") or {}).items():
        out.append({"id": mid, "name": m.get("name") or mid, "target_date": m.get("target_date"),
                    "nominal_date": nominal.get(mid), "probability_on_time": m.get("probability_on_time"),
                    "ci_low": m.get("ci_low"), "ci_high": m.get("ci_high"), "p50_date": m.get("p50_date")})
    if not out:  # no Monte Carlo: the nominal campaign alone
        out = [{"id": k, "name": k, "target_date": (campaign.get("targets") or {}).get(k), "nominal_date": v,
                "probability_on_time": None, "ci_low": None, "ci_high": None, "p50_date": None}
               for k, v in nominal.items()]
    return out


def dashboard(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The dashboard's figures from the sections' results (section key -> its summary)."""
    env, ops, comms = results.get("environment"), results.get("operations"), results.get("comms")
    light = _pick(env, "lit_fraction", "full_disk_fraction", "longest_darkness_hours", "earth_visible_fraction")
    if light is not None:
        light["site"] = (env.get("site") or {}).get("name")
        light["range"] = light_range(env)
    return {
        "members": _pick(results.get("consortium"), "members", "states", "organizations", "as_of"),
        "milestones": _milestones(results.get("campaign") or {}, results.get("risk") or {}),
        "risk_runs": (results.get("risk") or {}).get("runs"),
        "site_light": light,
        "comms": _pick(comms, "availability", "relay_availability", "dte_availability", "max_gap_hours",
                       ("span_days", "days")),
        "survival": _pick(ops, "hours_survival_failure", ("longest_survival_failure_hours", "longest_survival_failure_h"),
                          "energy_not_served_kwh", ("min_soc", "min_soc_fraction"), "first_survival_failure_utc"),
        "science_gbit_by_partner": (ops or {}).get("data_returned_gbit_by_partner"),
    }


def _fig(key: str, value: Any, text: str, label: str) -> str:
    """One figure: its text, its label, and its path and JSON value for a machine to check."""
    return (f'<div class="fig"><b data-key="{_html.escape(key)}" data-value="{_html.escape(json.dumps(value))}">'
            f'{_html.escape(text)}</b><span>{_html.escape(label)}</span></div>')


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{100 * v:.1f} %"


def _range_text(rng: dict[str, Any] | None) -> str:
    """The site's light range as words, or the empty slot's reason."""
    if not rng:
        return ("range: not computed for this site (point horizon); a terrain range appears here "
                "when the study has one")
    parts = []
    for k, v in rng.items():
        if isinstance(v, (list, tuple)) and len(v) == 2 and all(isinstance(x, (int, float)) for x in v):
            lo, hi = sorted(v)
            fmt = _pct if "fraction" in k else (lambda x: f"{x:,.0f}{' h' if k.endswith('_hours') else ''}")
            parts.append(f"{k.replace('_', ' ')}: {fmt(lo)} – {fmt(hi)}")
        elif k == "unresolved_m" and isinstance(v, (int, float)):
            parts.append(f"terrain within {v:,.0f} m unresolved by the DEM")
        elif isinstance(v, (int, float, str)):
            parts.append(f"{k.replace('_', ' ')}: {v}")
    return ("range over the horizon bounds: " + "; ".join(parts)) if parts else "range: see the environment section"


def _card(title: str, body: str, href: str, wide: bool = False) -> str:
    cls = "card wide" if wide else "card"
    return f'<div class="{cls}"><h3><a href="#{href}">{_html.escape(title)}</a></h3>{body}</div>'


def _milestone_table(rows: list[dict[str, Any]], runs: int | None) -> str:
    head = ("<tr><th>milestone</th><th>target</th><th>nominal plan</th>"
            f"<th>P(on time){f', {runs} runs' if runs else ''}</th><th>95 % CI</th><th>median date</th></tr>")
    body = []
    for i, m in enumerate(rows):
        p = m["probability_on_time"]
        bar = "" if p is None else f'<span class="bar" style="width:{100 * p:.0f}%"></span>'
        ci = "—" if m["ci_low"] is None else f"{100 * m['ci_low']:.1f}–{100 * m['ci_high']:.1f} %"
        body.append(
            f"<tr><td>{_html.escape(m['name'])}</td><td class='date'>{_html.escape(date_text(m['target_date'] or '—'))}</td>"
            f"<td class='date'>{_html.escape(date_text(m['nominal_date'] or 'not reached'))}</td>"
            f"<td class='num p'>{bar}<b data-key='milestones.{i}.probability_on_time' "
            f"data-value='{_html.escape(json.dumps(p))}'>{_pct(p)}</b></td><td class='num'>{ci}</td>"
            f"<td class='date'>{_html.escape(date_text(m['p50_date'] or 'never'))}</td></tr>")
    return f'<table class="dash-ms"><thead>{head}</thead><tbody>{"".join(body)}</tbody></table>'


def _cards(d: dict[str, Any]) -> list[str]:
    cards = []
    if d["members"]:
        m = d["members"]
        cards.append(_card("Members", _fig("members.members", m["members"], str(m["members"]), f"on {m['as_of']}")
                           + _fig("members.states", m["states"], str(m["states"]), "states")
                           + _fig("members.organizations", m["organizations"], str(m["organizations"]),
                                  "organizations"), "consortium"))
    if d["site_light"]:
        s = d["site_light"]
        cards.append(_card(f"Site light — {s['site']}", _fig("site_light.lit_fraction", s["lit_fraction"],
                                                             _pct(s["lit_fraction"]), "of the time lit")
                           + _fig("site_light.longest_darkness_hours", s["longest_darkness_hours"],
                                  f"{s['longest_darkness_hours']:,.0f} h", "longest darkness")
                           + f'<p class="range" data-key="site_light.range" data-value="{_html.escape(json.dumps(s["range"]))}">'
                           f'{_html.escape(_range_text(s["range"]))}</p>',
                           "environment"))
    if d["comms"]:
        c = d["comms"]
        cards.append(_card("Comms", _fig("comms.availability", c["availability"], _pct(c["availability"]),
                                         f"link to Earth, first {c['span_days']:g} days" if c["span_days"] else "link to Earth")
                           + _fig("comms.max_gap_hours", c["max_gap_hours"], f"{c['max_gap_hours']:.1f} h", "longest gap"),
                           "comms"))
    if d["survival"]:
        s = d["survival"]
        cards.append(_card("Survival", _fig("survival.hours_survival_failure", s["hours_survival_failure"],
                                            f"{s['hours_survival_failure']:,.0f} h", "survival load unserved")
                           + _fig("survival.min_soc", s["min_soc"], _pct(s["min_soc"]), "lowest state of charge"),
                           "operations"))
    if d["science_gbit_by_partner"]:
        rows = sorted(d["science_gbit_by_partner"].items(), key=lambda kv: -kv[1])
        cards.append(_card("Science returned per partner", "".join(
            _fig(f"science_gbit_by_partner.{k}", v, f"{v / 1e3:,.1f} Tbit", k) for k, v in rows), "operations",
            wide=True))
    return cards


def dashboard_html(d: dict[str, Any]) -> str:
    """The dashboard's HTML, from :func:`dashboard`'s dict alone."""
    return (f'<section id="dashboard"><h2>At a glance</h2><div class="cards">{"".join(_cards(d))}</div>'
            + (_milestone_table(d["milestones"], d["risk_runs"]) if d["milestones"] else "") + "</section>")
