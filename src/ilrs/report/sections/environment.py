"""Report section: the scenario's site — Sun, Earth and terrain over the study span.

Renders the study's environment products (:class:`ilrs.environment.EnvironmentProducts`: the site's
timeline hourly over the span, and one per other mast height the study needs).
"""

from __future__ import annotations

from html import escape

import numpy as np

from ilrs.environment.horizon_range import RANGE_FIGURES, bounds_assumption_lines
from ilrs.report.figure_cache import cached_figure
from ilrs.report.markup import html_table, kpi_boxes
from ilrs.report.section import RunContext, Section
from ilrs.report.products import RunProducts
from ilrs.timeutil import iso_date, iso_utc_minutes


def _yearly_values(tl) -> list[dict]:
    """Per calendar year: lit (any part of the disk) and full-disk fractions, mean irradiance, Earth visible."""
    t = tl.times
    years = t.astype("datetime64[Y]").astype(int) + 1970
    rows = []
    for y in np.unique(years):
        m = years == y
        f = tl.track.visible_solar_fraction[m]
        rows.append({"year": int(y), "lit_fraction": float((f > 0).mean()),
                     "full_disk_fraction": float((f >= 1 - 1e-9).mean()),
                     "mean_irradiance_w_m2": float(tl.track.irradiance_w_m2[m].mean()),
                     "earth_visible_fraction": float(tl.track.earth_visible[m].mean())})
    return rows


def _yearly(rows: list[dict]) -> list[dict]:
    """The yearly rows as the report's table shows them."""
    return [{"year": r["year"], "lit (any disk)": f"{r['lit_fraction']:.1%}", "full disk": f"{r['full_disk_fraction']:.1%}",
             "mean irradiance W/m²": f"{r['mean_irradiance_w_m2']:.0f}",
             "Earth visible": f"{r['earth_visible_fraction']:.1%}"} for r in rows]


def _published(env) -> list[dict]:
    """Published figures for the catalogue site beside this model's value over the study span (each
    at its own mast height: the products carry a timeline per height)."""
    from ilrs.environment.sites import published_figures, site_sources

    refs = site_sources()
    rows = []
    for f in published_figures(env.setup.declared_site.name):
        mast = float(f.get("mast_height_m", 0.0))
        st = env.at_mast(mast).statistics
        rng = env.horizon_range(mast)
        q = f["quantity"]
        ours = getattr(st, q)
        val = f["value"]
        fmt = "{:.2%}" if q.endswith("_fraction") else "{:.0f}"
        if q.endswith("_fraction"):
            pub = fmt.format(val)
        else:
            pub = f"{val[0]}–{val[1]}" if isinstance(val, list) else f"{val}"
        band = rng.figure(q) if rng is not None and q in RANGE_FIGURES else None
        ref = refs.get(f["source"], f["source"])
        rows.append({"quantity": q, "mast_height_m": mast, "published": pub, "span": f.get("span", ""),
                     "this_model_study_span": fmt.format(ours),
                     "range_over_horizon_bounds": (f"{fmt.format(band['low'])}–{fmt.format(band['high'])}"
                                                   if band else "no range (the DEM decides)"),
                     "source": ref.split(",")[0]})
    return rows


def _headline(st, rng) -> dict[str, str]:
    """The KPI boxes: each figure over the study span, with its range over the horizon bounds."""
    figures = {"lit (any part of the disk)": ("lit_fraction", "{:.1%}"), "full disk": ("full_disk_fraction", "{:.1%}"),
               "longest darkness": ("longest_darkness_hours", "{:.0f} h"),
               "Earth visible": ("earth_visible_fraction", "{:.1%}"),
               "mean irradiance": ("mean_irradiance_w_m2", "{:.0f} W/m²")}
    return {label: (rng.text(name, fmt) if rng is not None else fmt.format(getattr(st, name)))
            for label, (name, fmt) in figures.items()}


def _range_paragraph(rng) -> str:
    """What the ranges mean: the central figure is the point mask's, the ends are the horizon bounds'."""
    if rng is None:
        return ""
    b = rng.bounds
    table = html_table([{"figure": k, **{e: f"{v:.4g}" for e, v in rng.figure(k).items()}} for k in RANGE_FIGURES],
                       numeric=["central", "optimistic", "pessimistic", "low", "high"])
    return ("<h3>Range over the horizon bounds</h3>"
            f"<p>Terrain within {b.unresolved_m:,.0f} m of the site is below the resolution of {escape(b.dem)}: each "
            "figure above is the point horizon's value with, in brackets, its range between two horizons that bracket "
            f"the truth. Optimistic end: {escape(b.assumptions.get('optimistic', ''))} Pessimistic end: "
            f"{escape(b.assumptions.get('pessimistic', ''))} Would narrow it: {escape(b.narrowed_by)}. "
            "The operations section runs the station at both ends.</p>" + table)


def build(products: RunProducts, ctx: RunContext) -> Section:
    scenario = products.setup.scenario
    tl = products.environment.timeline
    st, site, mask = tl.statistics, tl.site, tl.horizon
    # the Sun-vs-horizon plot over the first year keeps the curves readable
    first = tl.times < tl.times[0] + np.timedelta64(366, "D")
    from ilrs.environment.sky import SkyTrack

    one_year = SkyTrack(**{k: v[first] for k, v in tl.track.to_dict().items()})
    title = f"{site.name}, mast {site.mast_height_m:g} m, horizon {scenario.site.horizon}"
    img1 = cached_figure("ilrs.environment.plots:plot_sun_vs_horizon", one_year, title + " — first year")
    img2 = cached_figure("ilrs.environment.plots:plot_horizon_polar", mask, one_year, title)
    published = _published(products.environment)
    yearly = _yearly_values(tl)
    dark = sorted(st.darkness_periods, key=lambda p: p[1] - p[0], reverse=True)[:10]
    dark_rows = [{"start (UTC)": iso_utc_minutes(a), "end (UTC)": iso_utc_minutes(b),
                  "hours": f"{(b - a) / np.timedelta64(1, 'h'):.0f}"} for a, b in dark]
    src = "; ".join(site.sources) if site.sources else "user coordinates"
    rng = products.environment.horizon_range()
    warning = rng.warning() if rng is not None else ""
    html = (
        kpi_boxes(_headline(st, rng))
        + (f'<p class="warning"><b>{escape(warning)}</b></p><ul>'
           + "".join(f"<li>{escape(line)}</li>" for line in bounds_assumption_lines(rng.bounds)) + "</ul>"
           if warning else "")
        + f"<p>Site <b>{site.name}</b> at {site.lat_deg:.3f}°, {site.lon_deg:.3f}°E, ground {site.height_m:.0f} m "
          f"above the 1737.4 km sphere, mast {site.mast_height_m:g} m (coordinates: {src}"
          f"{'; approximate' if site.uncertain else ''}). Horizon: {mask.kind} — {mask.source}. "
          f"Hourly epochs over {iso_date(st.start)} … {iso_date(st.end)} ({st.samples} epochs); DE421 "
          "ephemeris and the DE421 lunar principal-axis frame (apparent directions, within 0.001° of "
          "skyfield). The coarse global DEM (~3.8 km/px) resolves far-field terrain only; near-field "
          "relief within a few km needs a high-resolution DEM (site.horizon: PATH.tif).</p>"
        + _range_paragraph(rng)
        + f'<img alt="Sun elevation against the horizon" src="{img1}">'
        + f'<img alt="Horizon mask with the Sun and Earth paths" src="{img2}">'
        + ("<h3>Published figures for this site</h3><p>The model runs on the coarse global DEM; "
           "published studies used 20 m/px (LOLA) or Kaguya terrain and exact local coordinates.</p>"
           + html_table([{"quantity": r["quantity"], "mast m": f"{r['mast_height_m']:g}", "published": r["published"],
                          "span": r["span"], "this model (study span)": r["this_model_study_span"],
                          "source": r["source"]} for r in published]) if published else "")
        + "<h3>By year</h3>" + html_table(_yearly(yearly))
        + "<h3>Longest darkness periods</h3>" + html_table(dark_rows, numeric=["hours"])
    )
    summary = {
        "site": site.to_dict(), "horizon": {"kind": mask.kind, "source": mask.source,
                                            "max_elevation_deg": mask.max_elevation_deg},
        **st.to_dict(max_periods=10), "horizon_range": rng.to_dict() if rng is not None else None,
        "yearly": yearly, "published_comparison": published,
    }
    lines = [f"{site.name} (mast {site.mast_height_m:g} m, horizon {scenario.site.horizon}): lit {st.lit_fraction:.1%}"
             f" (full disk {st.full_disk_fraction:.1%}), longest darkness {st.longest_darkness_hours:.0f} h,"
             f" Earth visible {st.earth_visible_fraction:.1%}",
             f"{len(st.darkness_periods)} darkness periods over {st.samples} hourly epochs;"
             f" mean irradiance {st.mean_irradiance_w_m2:.0f} W/m²"]
    if rng is not None:
        lines.append(f"over the horizon bounds: lit {rng.text('lit_fraction')}, longest darkness "
                     f"{rng.text('longest_darkness_hours', '{:.0f} h')}, Earth visible {rng.text('earth_visible_fraction')}")
    if warning:
        lines.append(warning)
    return Section("environment", "Environment: Sun, Earth and terrain", html, summary, lines)
