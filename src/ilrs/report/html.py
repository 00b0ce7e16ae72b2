"""Build ``report.html`` (self-contained) and ``summary.json`` for one scenario.

``summary.json`` holds results only, so the same scenario and seed give the same bytes; how long
things took (which differs run to run) goes to ``timings.json`` beside it.
"""

from __future__ import annotations

import html as _html
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import jinja2

from ilrs import __version__
from ilrs._io import write_text_atomic
from ilrs.report.sections import RunContext, Section, builders
from ilrs.scenario import Scenario


def html_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None,
               headers: Sequence[str] | None = None, numeric: Iterable[str] = ()) -> str:
    """An escaped HTML table of ``rows`` (dicts)."""
    if not rows:
        return "<p><em>none</em></p>"
    columns = list(columns or rows[0].keys())
    headers = list(headers or columns)
    numeric = set(numeric)
    head = "".join(f"<th>{_html.escape(str(h))}</th>" for h in headers)
    body = []
    for r in rows:
        cells = []
        for c in columns:
            v = r.get(c, "")
            v = "" if v is None else v
            cls = ' class="num"' if c in numeric else ""
            cells.append(f"<td{cls}>{_html.escape(str(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def kpi_boxes(items: dict[str, Any]) -> str:
    return "".join(f'<span class="kpi"><b>{_html.escape(str(v))}</b>{_html.escape(k)}</span>'
                   for k, v in items.items())


MEASURED_KEYS = ("timings_s", "elapsed_s", "runs_per_s")
"""Top-level keys of a section summary that measure the run, not the study: moved to ``timings.json``."""


def _site_label(scenario: Scenario) -> str:
    s = scenario.site
    return s.name or f"{s.lat_deg:.3f}°, {s.lon_deg:.3f}°"


def build_report(scenario: Scenario, out_dir: str | Path,
                 on_section: Callable[[str, int, int], None] | None = None,
                 options: dict[str, Any] | None = None) -> tuple[list[Section], Path, Path]:
    """Run every section builder, then write ``report.html``, ``summary.json`` and ``timings.json`` atomically.

    ``options`` reach each section as ``ctx.options`` (``risk_runs``: Monte Carlo runs of the risk section).
    Returns the sections and the paths of ``report.html`` and ``summary.json``.
    """
    from ilrs.cli.common import to_json  # JSON conventions shared with the CLI

    out = Path(out_dir)
    ctx = RunContext(out_dir=out, options=dict(options or {}))
    sections: list[Section] = []
    timings: dict[str, float] = {}
    todo = builders()
    for i, (key, build) in enumerate(todo):
        if on_section:
            on_section(key, i, len(todo))
        t0 = time.perf_counter()
        sections.append(build(scenario, ctx))
        timings[key] = round(time.perf_counter() - t0, 3)
    if on_section:
        on_section("write", len(todo), len(todo))
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ilrs.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
    )
    page = env.get_template("report.html.j2").render(
        scenario=scenario, sections=[_markup(s) for s in sections], version=__version__,
        site_label=_site_label(scenario))
    results: dict[str, Any] = {}
    measured: dict[str, Any] = {"sections_s": timings}
    for sec in sections:
        summary_ = dict(sec.summary) if isinstance(sec.summary, dict) else sec.summary
        if isinstance(summary_, dict):
            took = {k: summary_.pop(k) for k in MEASURED_KEYS if k in summary_}
            if took:
                measured[sec.key] = took
        results[sec.key] = summary_
    summary = {
        "scenario": scenario.name,
        "seed": scenario.seed,
        "span": {"start": scenario.span.start.isoformat(), "end": scenario.span.end.isoformat()},
        "ilrs_version": __version__,
        "options": dict(sorted((options or {}).items())),
        **results,
    }
    html_path = write_text_atomic(out / "report.html", page)
    json_path = write_text_atomic(out / "summary.json", to_json(summary) + "\n")
    write_text_atomic(out / "timings.json", to_json(measured) + "\n")
    return sections, html_path, json_path


def _markup(section: Section) -> Section:
    return Section(section.key, section.title, jinja2.utils.markupsafe.Markup(section.html),
                   section.summary, section.lines)
