"""Build ``report.html`` (self-contained) and ``summary.json`` for one scenario.

The study is compiled once (:func:`ilrs.report.products.compile_setup`); each section renders the
study's :class:`ilrs.report.products.RunProducts`, where each product is computed once, when the
first section reads it. ``summary.json``
holds results only, so the same scenario and seed give the same bytes; how long things took
(which differs run to run) goes to ``timings.json`` beside it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

import jinja2

from ilrs import __version__
from ilrs._io import to_json, write_text_atomic
from ilrs.report.dashboard import dashboard, dashboard_html
from ilrs.report.interactive import DRAW_SCRIPT, PLOT_CLASS, plotly_js
from ilrs.report.markup import SORT_SCRIPT, date_text
from ilrs.report.products import RunProducts, compile_setup
from ilrs.report.section import RunContext, Section
from ilrs.scenario import Scenario

MEASURED_KEYS = ("timings_s", "elapsed_s", "runs_per_s")
"""Top-level keys of a section summary that measure the run, not the study: moved to ``timings.json``."""

Progress = Callable[[str, int, int], None]


def section_builders() -> list[tuple[str, Callable[[RunProducts, RunContext], Section]]]:
    """The section renderers, in report order (imported lazily: each pulls its plotting modules)."""
    from ilrs.report.sections import campaign, comms, consortium, drift, environment, operations, rival, risk

    return [("consortium", consortium.build), ("environment", environment.build), ("comms", comms.build),
            ("campaign", campaign.build), ("drift", drift.build), ("operations", operations.build),
            ("risk", risk.build), ("rival", rival.build)]


def _site_label(scenario: Scenario) -> str:
    s = scenario.site
    return s.name or f"{s.lat_deg:.3f}°, {s.lon_deg:.3f}°"


def build_report(scenario: Scenario, out_dir: str | Path, on_section: Progress | None = None,
                 options: dict[str, Any] | None = None) -> tuple[list[Section], Path, Path]:
    """Compute the study, render every section, then write ``report.html``, ``summary.json`` and
    ``timings.json`` atomically. ``options``: ``risk_runs`` (Monte Carlo runs of the risk section).
    Returns the sections and the paths of ``report.html`` and ``summary.json``."""
    out = Path(out_dir)
    options = dict(options or {})
    todo = section_builders()
    place = {"i": 0}

    def stage(product: str) -> None:  # a product starts: the progress bar names it
        if on_section:
            on_section(product, place["i"], len(todo))

    products = RunProducts(compile_setup(scenario), risk_runs=options.get("risk_runs"), stage=stage)
    ctx = RunContext(out_dir=out, options=options)
    sections: list[Section] = []
    took: dict[str, float] = {}
    for i, (key, build) in enumerate(todo):
        place["i"] = i
        if on_section:
            on_section(key, i, len(todo))
        t0 = time.perf_counter()
        sections.append(build(products, ctx))
        took[key] = round(time.perf_counter() - t0, 3)  # a product's cost falls on its first reader
    if on_section:
        on_section("write", len(todo), len(todo))
    summary, measured = _summaries(scenario, options, sections)
    page = _render_page(scenario, sections, summary["dashboard"])
    measured = {"sections_s": took, **measured}
    html_path = write_text_atomic(out / "report.html", page)
    json_path = write_text_atomic(out / "summary.json", to_json(summary) + "\n")
    write_text_atomic(out / "timings.json", to_json(measured) + "\n")
    return sections, html_path, json_path


def _render_page(scenario: Scenario, sections: list[Section], board: dict[str, Any]) -> str:
    """The page: the dashboard (from ``board``, the dict summary.json holds), the sections, the
    table-sorting script, and plotly.min.js once when a section has an interactive plot."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("ilrs.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]))
    markup = jinja2.utils.markupsafe.Markup
    marked = [Section(s.key, s.title, markup(s.html), s.summary, s.lines) for s in sections]
    plots = any(f'class="{PLOT_CLASS}"' in s.html for s in sections)
    return env.get_template("report.html.j2").render(
        scenario=scenario, sections=marked, version=__version__, site_label=_site_label(scenario),
        dashboard=markup(dashboard_html(board)), sort_script=markup(SORT_SCRIPT),
        plotly_js=markup(plotly_js()) if plots else None, draw_script=markup(DRAW_SCRIPT),
        span_start=date_text(scenario.span.start), span_end=date_text(scenario.span.end))


def _summaries(scenario: Scenario, options: dict[str, Any], sections: list[Section]
               ) -> tuple[dict[str, Any], dict[str, Any]]:
    """summary.json (results only) and the measured timings the sections reported."""
    results: dict[str, Any] = {}
    measured: dict[str, Any] = {}
    for sec in sections:
        summary_ = dict(sec.summary)
        took = {k: summary_.pop(k) for k in MEASURED_KEYS if k in summary_}
        if took:
            measured[sec.key] = took
        results[sec.key] = summary_
    summary = {
        "scenario": scenario.name, "seed": scenario.seed,
        "span": {"start_date": scenario.span.start.isoformat(), "end_date": scenario.span.end.isoformat()},
        "ilrs_version": __version__, "options": dict(sorted(options.items())),
        "dashboard": json.loads(to_json(dashboard(results))), **results,  # as the file holds it
    }
    return summary, measured
