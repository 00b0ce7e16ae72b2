"""Report section: the station in operation — power through the nights, data per partner, crew.

Renders the study's operations run (sunlight, link rates and the nominal campaign from the products
computed once) and writes its time series to ``tables/ops-series.parquet``.
"""

from __future__ import annotations

from ilrs.constants import SECONDS_PER_HOUR
from ilrs.operations.study import kpi_ranges, summary_lines, write_series
from ilrs.report.figure_cache import cached_figure
from ilrs.report.markup import cell_text, html_table, kpi_boxes
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
    ends = products.operations_range
    ranges = kpi_ranges(k, ends) if ends else None
    html = (
        kpi_boxes(_boxes(k, ranges)) + _range_html(ranges, products)
        + f"<p>{iso_date(k['start_utc'])} → {iso_date(k['end_utc'])}, step {k['step_s'] / SECONDS_PER_HOUR:g} h, one run with seed "
          f"{scenario.seed} (failures drawn). Sunlight: {built.sources['sunlight']}. Downlink: "
          f"{built.sources['downlink']}. Elements: {built.sources['elements']}."
          + (f" Failures: {built.sources['failures']}." if "failures" in built.sources else "") + "</p>"
        + f'<img alt="state of charge against darkness" src="{imgs[0]}">'
        + "<h3>Data returned per partner and research area, and who may access it</h3>"
        + "<p>Access follows the intellectual-property clauses of the agreements in the consortium "
          "registry (the Russia–China agreement protects the rights of both parties); "
          "data of partners without a published clause stays with its owner.</p>"
        + html_table(access, ["owner", "area", "returned_gbit", "lost_gbit", "access", "basis"],
                     ["owner", "area", "returned, Gbit", "lost, Gbit", "may access", "basis"],
                     numeric=["returned_gbit", "lost_gbit"])
        + f'<img alt="data backlog" src="{imgs[1]}">'
        + "<h3>Elements</h3>" + html_table(elements, numeric=["failures", "spares left"])
        + "<h3>Crew and consumables</h3>"
        + f"<p>Crew-days by partner: {cell_text(k['crew_days_by_partner']) if k['crew_days_by_partner'] else 'no crew'}; untrained crew members replaced: "
          f"{k['crew_substitutions']}. Needs per crew-member-day from NASA's 2004 ALS BVAD (O₂ 0.835 kg, food 0.617 kg, "
          "water 3.909 + 12.6 kg hygiene), recovered by life support at the ISS ratios (water 98 %, O₂ ~50 %).</p>"
        + html_table(cons) + f'<img alt="consumables" src="{imgs[2]}">'
        + f"<p>Every step (power, state of charge per storage unit, stored data, consumables): "
          f"<code>{table.relative_to(ctx.out_dir)}</code>.</p>"
        + f"<h3>Events ({len(result.events)}; shedding and alarm transitions omitted below)</h3>"
        + html_table(notable, title="events")
    )
    summary = {key: v for key, v in k.items() if key != "data_access"}
    summary["kpi_range"] = ranges
    summary["series_table"] = str(table.relative_to(ctx.out_dir))
    summary["data_access"] = [{key: r[key] for key in ("owner", "area", "returned_gbit", "access")}
                              for r in k["data_access"]]
    lines = summary_lines(k)[1:6]
    if ranges:
        r = ranges
        lines.append(f"over the horizon bounds: energy not served {r['energy_not_served_kwh']['low']:,.0f}–"
                     f"{r['energy_not_served_kwh']['high']:,.0f} kWh, survival failure "
                     f"{r['hours_survival_failure']['low']:,.0f}–{r['hours_survival_failure']['high']:,.0f} h, "
                     f"data returned {r['data_returned_gbit']['low']:,.0f}–{r['data_returned_gbit']['high']:,.0f} Gbit")
    return Section("operations", "Operations", html, summary, lines)


BOXES = {"energy not served, kWh": ("energy_not_served_kwh", 1.0, "{:,.0f}"),
         "survival failure, h": ("hours_survival_failure", 1.0, "{:,.0f}"),
         "longest survival stretch, h": ("longest_survival_stretch_hours", 1.0, "{:,.0f}"),
         "data returned, Tbit": ("data_returned_gbit", 1e-3, "{:,.1f}"),
         "data lost, Tbit": ("data_lost_gbit", 1e-3, "{:,.1f}"),
         "crew-days": ("crew_days", 1.0, "{:,.0f}")}


def _boxes(k: dict, ranges: dict | None) -> dict[str, str]:
    """The KPI boxes: the central run's figure, with its range over the horizon bounds when there is one."""
    out = {}
    for label, (name, scale, fmt) in BOXES.items():
        text = fmt.format(k[name] * scale)
        r = (ranges or {}).get(name)
        if r and r["low"] is not None and r["high"] - r["low"] > 0:
            text += f" ({fmt.format(r['low'] * scale)}–{fmt.format(r['high'] * scale)})"
        out[label] = text
    return out


def _range_html(ranges: dict | None, products: RunProducts) -> str:
    """The KPIs at both ends of the horizon bounds (same seed, campaign and links; only the horizon differs)."""
    if not ranges:
        return ""
    rows = [{"KPI": name, **{c: ("—" if v[c] is None else f"{v[c]:,.4g}") for c in ("optimistic", "central", "pessimistic")}}
            for name, v in ranges.items()]
    b = products.environment.bounds()
    return ("<p>The coarse DEM cannot decide the horizon here (terrain within "
            f"{b.unresolved_m:,.0f} m is unresolved): the station is also simulated at each end of the horizon "
            "bounds — the same seed, campaign, failures and link rates, only the sunlight differs. Boxes: central "
            "run (range).</p>" + html_table(rows, numeric=["optimistic", "central", "pessimistic"]))
