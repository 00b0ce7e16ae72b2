"""Report section: Monte Carlo risk — how likely each milestone is on time, when, and what drives it.

Renders the study's Monte Carlo: ``ilrs run --risk-runs N`` or else ``uncertainties.runs`` campaign
runs (schema default 500; the reference scenario asks for 1000, about a second) in this process with
the scenario's seed; ``ilrs risk`` runs the same study at scale (workers, Dask, resume).
"""

from __future__ import annotations

import html as _html

import pyarrow.parquet as pq

from ilrs._io import atomic_path
import numpy as np

from ilrs.report.interactive import plot_div
from ilrs.report.markup import html_table, kpi_boxes
from ilrs.report.section import RunContext, Section
from ilrs.report.products import RunProducts
from ilrs.report.sections.risk_history import build_block



def _dates_plot(result) -> str:
    """The milestone dates' cumulative probability, interactive: hover gives the date and the share of runs."""
    from ilrs.risk.analysis import milestone_days

    n, traces = result.table.num_rows, []
    for name, days in sorted(milestone_days(result.table).items()):
        x = np.sort(days[np.isfinite(days)])
        if x.size == 0 or n == 0:
            continue
        dates = (np.datetime64("1970-01-01") + x.astype("int64")).astype(str).tolist()
        traces.append({"type": "scatter", "mode": "lines", "line": {"shape": "hv"}, "name": result.names.get(name, name),
                       "x": dates, "y": (np.arange(1, x.size + 1) / n).round(4).tolist(),
                       "xhoverformat": "%Y-%m-%d", "hovertemplate": "%{x}: %{y:.1%} of runs<extra>%{fullData.name}</extra>"})
    return plot_div("milestone-dates", traces, {
        "title": {"text": f"Milestone dates over {n} runs: share of runs reached by each date"},
        "yaxis": {"title": {"text": "share of runs reached"}, "range": [0, 1.02], "tickformat": ".0%"},
        "xaxis": {"type": "date"}, "legend": {"orientation": "h", "y": -0.2}}, height_px=460)


def _drivers_plot(drivers: dict, names: dict[str, str]) -> str:
    """Every milestone's causal drivers as bars, one milestone shown at a time (a menu picks it)."""
    traces, buttons, keys = [], [], [m for m, rows in drivers.items() if rows]
    for i, m in enumerate(keys):
        rows = drivers[m][::-1]
        traces.append({"type": "bar", "orientation": "h", "visible": i == 0, "name": names.get(m, m),
                       "x": [round(r["spearman_rho"], 3) for r in rows], "y": [f"{r['kind']}: {r['what']}" for r in rows],
                       "marker": {"color": ["#888" if r["kind"] == "shared slip factor" else
                                            ("#d62728" if r["spearman_rho"] > 0 else "#1f77b4") for r in rows]},
                       "hovertemplate": "%{y}: ρ = %{x:+.2f}<extra></extra>"})
        buttons.append({"label": names.get(m, m), "method": "update",
                        "args": [{"visible": [j == i for j in range(len(keys))]}]})
    most = max((len(drivers[m]) for m in keys), default=1)
    return plot_div("drivers", traces, {
        "updatemenus": [{"buttons": buttons, "x": 0, "y": 1.15, "xanchor": "left", "yanchor": "top"}],
        "xaxis": {"range": [-1, 1], "title": {"text": "Spearman ρ with the milestone date (> 0: later)"}},
        "yaxis": {"automargin": True}, "margin": {"l": 220, "t": 60}}, height_px=max(320, 22 * most + 140))


def _drivers_block(drivers: dict, names: dict[str, str]) -> tuple[str, list[dict]]:
    """HTML of the causal drivers (interactive chart, the full table) and its rows."""
    rows = [{"milestone": names.get(m, m), "driver": r["kind"], "of": r["what"], "Spearman ρ": f"{r['spearman_rho']:+.2f}"}
            for m, rs in drivers.items() for r in rs]
    html = ("<h3>What drives the dates</h3><p>Rank correlation (Spearman ρ) of each sampled input with the "
            "milestone's date, for every milestone and every input that can move it: the missions it depends on "
            "(those delivering the elements its condition names and the elements they need, the missions it names, "
            "and the missions those wait for), their landing failures, and the launch failures and stand-downs of "
            "the vehicle families they fly. A mission's <b>own slip</b> (its slip with the shared factor taken "
            "out: the normal score of its slip's rank less its regression on the factor) is shown apart from the "
            "<b>shared slip factor</b> that moves every mission at once (grey). A mission the milestone does not "
            "depend on can correlate with its date only through that shared factor, so it is not shown.</p>"
            + _drivers_plot(drivers, names)
            + html_table(rows, numeric=["Spearman ρ"], title="drivers"))
    return html, rows


def build(products: RunProducts, ctx: RunContext) -> Section:
    from ilrs.risk import result_json
    from ilrs.risk.analysis import causal_drivers, milestone_rows

    result = products.risk
    if result is None:
        msg = ("The scenario has no campaign milestones: nothing to estimate."
               if not products.setup.campaign.milestones else "No Monte Carlo runs asked for (--risk-runs 0).")
        return Section("risk", "Risk (Monte Carlo)", f"<p>{msg}</p>", {"runs": 0, "milestones": {}}, [msg])
    summary = result_json(result)
    path = ctx.out_dir / "tables" / "risk-runs.parquet"
    with atomic_path(path) as tmp:
        pq.write_table(result.table, tmp, compression="zstd")
    rows = milestone_rows(result.summary)
    for r in rows:
        r["name"] = result.names.get(r["milestone"], r["milestone"])
    names = {m: result.names.get(m, m) for m in result.summary["milestones"]}
    drivers = causal_drivers(result.table, products.setup.campaign)
    drivers_html, driver_rows = _drivers_block(drivers, names)
    st = result.study
    hist_html, hist_summary, hist_lines = build_block(products, result)  # the same runs, slips from the record
    html = (
        kpi_boxes({"runs": st.table.num_rows, "seed": result.seed,  # no runs/s: report.html is reproducible
                   "sampled inputs": sum(1 for c in st.table.column_names if c.startswith("input."))})
        + "<p>Each run samples launch and landing failure probabilities, schedule slips (correlated across "
          "missions) and stand-downs from the scenario's <code>uncertainties</code>, then flies the campaign. "
          "“On time” means reached by the target date; intervals are 95 % Wilson score intervals; a run that "
          "never reaches a milestone counts as late (and as “never” in the percentiles). Run i draws from "
          "SeedSequence(seed).spawn(N)[i]: <code>ilrs risk --replay i</code> reproduces it.</p>"
        + html_table(rows, ["milestone", "name", "target", "on time", "95% CI", "reached", "p10", "p50", "p90"],
                     numeric=["on time", "reached"])
        + _dates_plot(result)
        + hist_html
        + drivers_html
        + f"<p>Every run: <code>{_html.escape(str(path.relative_to(ctx.out_dir)))}</code>.</p>"
    )
    speed = "read back from the cache" if st.runs_this_session == 0 else f"{st.runs_per_s:,.0f} runs/s"
    lines = [f"{st.table.num_rows} runs (seed {result.seed}, {speed})"]
    lines += hist_lines
    for r in rows:
        lines.append(f"{r['milestone']}: on time {r['on time']} (95% CI {r['95% CI']}), p50 {r['p50']}, p90 {r['p90']}")
    for key in ("results_folder", "executor", "workers", "elapsed_s", "runs_this_session", "runs_resumed",
                "runs_per_s"):
        summary.pop(key, None)  # summary.json: the same bytes for the same scenario and seed
    summary["table"] = str(path.relative_to(ctx.out_dir))
    summary["slips_from_history"] = hist_summary
    summary["drivers"] = drivers  # causal: only inputs that can move each milestone (all of them)
    return Section("risk", "Risk (Monte Carlo)", html, summary, lines)
