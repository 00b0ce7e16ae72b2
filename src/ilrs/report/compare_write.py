"""Write a :class:`ilrs.report.compare.Comparison`: ``compare.html`` (self-contained),
``compare.json``, ``compare-coalition.png`` and one Parquet table per topic under ``tables/``.

Every table cell the HTML shows is the ``text`` of a row in the JSON and the Parquet tables (the
number beside it is ``value``), so the three read back equal. No timing goes into these files:
the same scenarios, seed and options give the same bytes.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ilrs import __version__
from ilrs._io import atomic_path, to_json, write_bytes_atomic, write_text_atomic
from ilrs.report.compare import Comparison, Topic
from ilrs.report.figure_cache import cached_arrays
from ilrs.report.figures import new_figure

TABLES_DIR = "tables"


def topic_json(topic: Topic) -> dict[str, Any]:
    return {"title": topic.title, "note": topic.note,
            "rows": [{"figure": r.figure, "label": r.label, "unit": r.unit, "differs": r.differs,
                      "values": {k: {"value": c.value, "text": c.text} for k, c in r.cells.items()}}
                     for r in topic.rows]}


def comparison_json(comp: Comparison) -> dict[str, Any]:
    """compare.json: the scenarios, every topic's paired rows, the per-scenario milestones, the input diff."""
    return {
        "ilrs_version": __version__, "risk_runs": comp.risk_runs,
        "scenarios": [{"label": m.label, "source": m.source, "name": m.scenario.name, "seed": m.scenario.seed,
                       "coalition": m.scenario.coalition,
                       "span": {"start_date": m.scenario.span.start.isoformat(), "end_date": m.scenario.span.end.isoformat()}}
                      for m in comp.members],
        "headline": topic_json(comp.headline()),
        "topics": {t.key: topic_json(t) for t in comp.topics},
        "milestones_by_scenario": comp.milestones_by_scenario,
        "inputs_differ": comp.inputs,
        "identical": not comp.inputs and not any(r.differs for t in comp.topics for r in t.rows),
    }


def topic_table(topic: Topic) -> pa.Table:
    """Long format: one row per figure and scenario (figure, label, unit, scenario, value, text)."""
    cols: dict[str, list] = {k: [] for k in ("figure", "label", "unit", "scenario", "value", "text")}
    for r in topic.rows:
        for scen, c in r.cells.items():
            for k, v in zip(cols, (r.figure, r.label, r.unit, scen, c.value, c.text)):
                cols[k].append(v)
    schema = pa.schema([("figure", pa.string()), ("label", pa.string()), ("unit", pa.string()),
                        ("scenario", pa.string()), ("value", pa.float64()), ("text", pa.string())])
    return pa.table(cols, schema=schema)


def coalition_table(comp: Comparison) -> pa.Table:
    days, scen, coal, count, bound = [], [], [], [], []
    for label, s in comp.coalition.items():
        days += s.days
        scen += [label] * len(s.days)
        coal += [s.coalition] * len(s.days)
        count += s.counts
        bound += s.lower_bound
    return pa.table({"date": pa.array(days, pa.date32()), "scenario": scen, "coalition": coal,
                     "count": pa.array(count, pa.int32()), "lower_bound": bound})


def _records_table(rows: list[dict[str, Any]]) -> pa.Table:
    keys = list(dict.fromkeys(k for r in rows for k in r)) or ["scenario"]
    return pa.table({k: pa.array([None if r.get(k) is None else str(r.get(k)) for r in rows], pa.string())
                     for k in keys})


def write_tables(comp: Comparison, folder: Path) -> list[Path]:
    """One Parquet file per topic, the daily coalition series, the milestones per scenario, the input diff."""
    tables = {f"compare-{t.key}": topic_table(t) for t in [comp.headline(), *comp.topics]}
    tables["compare-coalition-series"] = coalition_table(comp)
    tables["compare-milestones-by-scenario"] = _records_table(
        [{"scenario": s, **r} for s, rows in comp.milestones_by_scenario.items() for r in rows])
    tables["compare-inputs"] = _records_table(
        [{"path": d["path"], "scenario": s, "value": v} for d in comp.inputs for s, v in d["values"].items()])
    paths = []
    for name, table in tables.items():
        path = folder / TABLES_DIR / f"{name}.parquet"
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp, compression="zstd")
        paths.append(path)
    return paths


def study_starts(comp: Comparison) -> dict:
    """Each study's first day and the labels of the members starting on it."""
    starts: dict = {}
    for m in comp.members:
        starts.setdefault(m.scenario.span.start, []).append(m.label)
    return starts


def plot_coalitions(comp: Comparison):
    """Every compared coalition on one chart; a dashed step is a lower bound between two reports;
    a dotted line marks each study's start."""
    return plot_coalition_series(comp.coalition, study_starts(comp))


def plot_coalition_series(coalition: dict, starts: dict):
    """:func:`plot_coalitions` from the members' coalition series (by label) and :func:`study_starts`."""
    fig, ax = new_figure(9, 4.5)
    colors = {"ilrs": "#d62728", "artemis-accords": "#1f77b4"}
    drawn: dict[str, list[str]] = {}
    for label, s in coalition.items():
        drawn.setdefault(s.coalition, []).append(label)
    for coalition_name, labels in drawn.items():
        s = coalition[labels[0]]
        days = np.array(s.days, dtype="datetime64[D]")
        counts = np.array([np.nan if c is None else c for c in s.counts], dtype=float)
        dashed = any(s.lower_bound)
        ax.step(days, counts, where="post", lw=1.8, ls="--" if dashed else "-", color=colors.get(coalition_name),
                label=f"{s.label}{' (at least)' if dashed else ''} — {', '.join(labels)}")
    for day, labels in starts.items():
        ax.axvline(np.datetime64(day), color="#555", lw=0.8, ls=":")
        ax.annotate(f"start of {', '.join(labels)}", (np.datetime64(day), 0), textcoords="offset points",
                    xytext=(3, 3), fontsize=7, color="#555", rotation=90)
    ax.set_ylabel("count")
    ax.set_title("Coalition growth (sourced counts; dashed: lower bound between reports)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    return fig


def _png(fig) -> bytes:
    import io

    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def coalition_png(coalition: dict, starts: dict) -> dict[str, np.ndarray]:
    """The coalition chart's PNG bytes (as a uint8 array: read back by :func:`cached_arrays`, so a
    warm run neither draws it nor imports matplotlib)."""
    return {"png": np.frombuffer(_png(plot_coalition_series(coalition, starts)), dtype=np.uint8)}


def render_html(comp: Comparison, chart_png: bytes) -> str:
    env = jinja2.Environment(loader=jinja2.PackageLoader("ilrs.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]))
    return env.get_template("compare.html.j2").render(
        comp=comp, topics=comp.topics, headline=comp.headline(), version=__version__,
        chart=f"data:image/png;base64,{base64.b64encode(chart_png).decode('ascii')}", tables=TABLES_DIR)


def write_comparison(comp: Comparison, out_dir: str | Path) -> dict[str, Path]:
    """Write every file (each atomically); returns their paths by kind."""
    out = Path(out_dir)
    png = cached_arrays(coalition_png, comp.coalition, study_starts(comp))["png"].tobytes()
    tables = write_tables(comp, out)
    chart = write_bytes_atomic(out / "compare-coalition.png", png)
    data = write_text_atomic(out / "compare.json", to_json(comparison_json(comp)) + "\n")
    html = write_text_atomic(out / "compare.html", render_html(comp, png))
    return {"html": html, "json": data, "chart": chart, "tables": tables}
