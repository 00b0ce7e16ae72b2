"""Report section: the station in operation — power through the nights, data per partner, crew.

Renders the study's operations run (sunlight, link rates and the nominal campaign from the products
computed once) and writes its time series to ``tables/ops-series.parquet``.
"""

from __future__ import annotations

from ilrs.constants import SECONDS_PER_HOUR
from ilrs.operations.study import summary_lines, write_series
from ilrs.report.figure_cache import cached_figure
from ilrs.report.markup import html_table, kpi_boxes
from ilrs.report.section import RunContext, Section
from ilrs.report.products import RunProducts
from ilrs.timeutil import iso_date


def build(products: RunProducts, ctx: RunContext) -> Section:
    scenario = products.setup.scenario
    run = products.operations
    k, result, built = run.kpis, run.result, run.built
    table = write_series(result, built.params, ctx.out_dir / "tables" / "ops-series.parquet")
    imgs = [cached_figure("ilrs.operations.plots:plot_soc", result, built.darkness),
            cached_figure("ilrs.operations.plots:plot_data", result, built.params.data_storage_bit),
            cached_figure("ilrs.operations.plots:plot_consumables", result)]
    elements = [{"element": n, "owner": result.totals["elements"][n]["owner"],
                 "uptime": f"{u:.1%}" if u is not None else "not operating",
                 "failures": k["failures_by_element"][n],
                 "spares left": result.totals["elements"][n]["spares_left"]}
                for n, u in k["uptime_by_element"].items()]
    access = [{**r, "returned_gbit": f"{r['returned_gbit']:,.1f}", "lost_gbit": f"{r['lost_gbit']:,.1f}"}
              for r in k["data_access"]]
    cons = [{"consumable": c, **{key: f"{v:,.1f}" for key, v in vals.items()}} for c, vals in k["consumables_kg"].items()]
    notable = [e for e in result.event_rows() if e["kind"] not in ("alarm", "alarm-cleared", "load-shedding",
                                                                    "power-restored")]
    html = (
        kpi_boxes({"energy not served, kWh": f"{k['energy_not_served_kwh']:,.0f}",
                   "survival failure, h": f"{k['hours_survival_failure']:,.0f}",
                   "longest survival stretch, h": f"{k['longest_survival_stretch_hours']:,.0f}",
                   "data returned, Tbit": f"{k['data_returned_gbit'] / 1e3:,.1f}",
                   "data lost, Tbit": f"{k['data_lost_gbit'] / 1e3:,.1f}",
                   "crew-days": f"{k['crew_days']:,.0f}"})
        + f"<p>{iso_date(k['start_utc'])} → {iso_date(k['end_utc'])}, step {k['step_s'] / SECONDS_PER_HOUR:g} h, one run with seed "
          f"{scenario.seed} (failures drawn). Sunlight: {built.sources['sunlight']}. Downlink: "
          f"{built.sources['downlink']}. Elements: {built.sources['elements']}."
          + (f" Failures: {built.sources['failures']}." if "failures" in built.sources else "") + "</p>"
        + f'<img alt="state of charge against darkness" src="{imgs[0]}">'
        + "<h3>Data returned per partner and research area, and who may access it</h3>"
        + "<p>Access follows the intellectual-property clauses of the agreements in the consortium "
          "registry (seed 004: the Russia–China agreement protects the rights of both parties); "
          "data of partners without a published clause stays with its owner.</p>"
        + html_table(access, ["owner", "area", "returned_gbit", "lost_gbit", "access", "basis"],
                     ["owner", "area", "returned, Gbit", "lost, Gbit", "may access", "basis"],
                     numeric=["returned_gbit", "lost_gbit"])
        + f'<img alt="data backlog" src="{imgs[1]}">'
        + "<h3>Elements</h3>" + html_table(elements, numeric=["failures", "spares left"])
        + "<h3>Crew and consumables</h3>"
        + f"<p>Crew-days by partner: {k['crew_days_by_partner'] or 'no crew'}; untrained crew members replaced: "
          f"{k['crew_substitutions']}. Needs per crew-member-day from NASA's 2004 ALS BVAD (O₂ 0.835 kg, food 0.617 kg, "
          "water 3.909 + 12.6 kg hygiene), recovered by life support at the ISS ratios (water 98 %, O₂ ~50 %).</p>"
        + html_table(cons) + f'<img alt="consumables" src="{imgs[2]}">'
        + f"<p>Every step (power, state of charge per storage unit, stored data, consumables): "
          f"<code>{table.relative_to(ctx.out_dir)}</code>.</p>"
        + f"<h3>Events ({len(result.events)}; shedding and alarm transitions omitted below)</h3>"
        + html_table(notable[:200])
    )
    summary = {key: v for key, v in k.items() if key != "data_access"}
    summary["series_table"] = str(table.relative_to(ctx.out_dir))
    summary["data_access"] = [{key: r[key] for key in ("owner", "area", "returned_gbit", "access")}
                              for r in k["data_access"]]
    return Section("operations", "Operations", html, summary, summary_lines(k)[1:6])
