"""Report section: Monte Carlo risk — how likely each milestone is on time, when, and what drives it.

Renders the study's Monte Carlo: ``ilrs run --risk-runs N`` or else ``uncertainties.runs`` campaign
runs (schema default 500; the reference scenario asks for 1000, about a second) in this process with
the scenario's seed; ``ilrs risk`` runs the same study at scale (workers, Dask, resume).
"""

from __future__ import annotations

import html as _html

import pyarrow.parquet as pq

from ilrs._io import atomic_path
from ilrs.report.figure_cache import cached_figure
from ilrs.report.markup import html_table, kpi_boxes
from ilrs.report.section import RunContext, Section
from ilrs.report.products import RunProducts
from ilrs.report.sections.risk_history import build_block

TORNADO, DATES = "ilrs.risk.analysis:plot_tornado", "ilrs.risk.analysis:plot_milestone_dates"


def build(products: RunProducts, ctx: RunContext) -> Section:
    from ilrs.risk import result_json
    from ilrs.risk.analysis import milestone_rows

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
    # the tornado of the milestones whose date is the most uncertain on time (probability nearest 0.5)
    ranked = sorted((m for m in result.summary["milestones"] if result.summary["sensitivity"].get(m)),
                    key=lambda m: abs((result.summary["milestones"][m]["probability_on_time"] or 0) - 0.5))
    tornados = "".join(
        f'<img alt="tornado {_html.escape(m)}" src="{cached_figure(TORNADO, result.summary, m)}">'
        for m in ranked[:2])
    drivers = []
    for m, sens in result.summary["sensitivity"].items():
        for x in sens[:3]:
            drivers.append({"milestone": m, "input": x["input"], "Spearman ρ": f"{x['spearman_rho']:+.2f}"})
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
        + f'<img alt="milestone dates" src="{cached_figure(DATES, result.table, result.targets)}">'
        + hist_html
        + "<h3>What drives the dates (rank correlation of each sampled input with the milestone date)</h3>"
        + tornados + html_table(drivers)
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
    return Section("risk", "Risk (Monte Carlo)", html, summary, lines)
