"""Interactive plots of the report (zoom, pan, hover) that open from disk with no network.

Plotly.js, embedded once per page from the ``plotly`` package's own ``plotly.min.js`` (its Python
API is not imported: a figure here is a plain dict of traces and layout, JSON in the page). Chosen
against Vega-Lite (altair + vl-convert-python for an offline bundle) by measurement on this machine
(8 line charts of 2,000 points, headless Chromium 150): page +4.8 MB (plotly) vs +0.9 MB (vega),
load ~0.5 s vs ~0.5-0.7 s, install 70 MB vs 94 MB, and the cost that decides it — the
offline Vega bundle is assembled at run time by ``vl_convert.javascript_bundle()``, 3.8 s of every
cold ``ilrs run`` (the run's cold-time goal is 15 s), where Plotly's script is one file read
(~10 ms; the ``plotly`` Python package is located, never imported).
The plots print as they are (vector, redrawn to the page's width before printing): no PNG copy is
drawn for paper (0.7 s of every cold run for three figures no screen showed).
"""

from __future__ import annotations

import html as _html
import json
from functools import lru_cache
from typing import Any

from ilrs.errors import InputError

PLOT_CLASS = "iplot"
"""Class of a plot's ``<div>``; the page script draws every such div from the JSON inside it."""

CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["sendDataToCloud"]}


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """The plotly.min.js shipped inside the ``plotly`` package, read once per process. The package is
    found, not imported (``import plotly`` costs ~1-2 s of imports the page never uses)."""
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("the report's interactive plots need the plotly package", field="dependencies",
                         allowed=["pip install plotly"])
    path = Path(list(spec.submodule_search_locations)[0]) / "package_data" / "plotly.min.js"
    return path.read_text(encoding="utf-8")


def plot_div(key: str, traces: list[dict[str, Any]], layout: dict[str, Any], height_px: int = 380) -> str:
    """An interactive plot: a ``<div>`` holding its figure as JSON (``<`` escaped, so no ``</script>``
    inside data can end the element early)."""
    fig = {"data": traces, "layout": {"height": height_px, "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
                                      "hovermode": "closest", **layout}, "config": CONFIG}
    text = json.dumps(fig, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")
    return (f'<div class="{PLOT_CLASS}" id="plot-{_html.escape(key)}" style="min-height:{height_px}px">'
            f'<script type="application/json">{text}</script></div>')


PRINT_WIDTH_PX = 680
"""Width of every plot on paper: an A4 or Letter page at 96 px per inch less the margins."""

DRAW_SCRIPT = """
document.querySelectorAll('div.iplot').forEach(function (div) {
  var fig = JSON.parse(div.querySelector('script').textContent);
  Plotly.newPlot(div, fig.data, fig.layout, fig.config);
});
window.addEventListener('beforeprint', function () {
  document.querySelectorAll('div.iplot').forEach(function (div) { Plotly.relayout(div, {width: %d}); });
});
window.addEventListener('afterprint', function () {
  document.querySelectorAll('div.iplot').forEach(function (div) {
    Plotly.relayout(div, {width: null, autosize: true}).then(function () { Plotly.Plots.resize(div); });
  });
});
""" % PRINT_WIDTH_PX
"""Draws every plot of the page (run once, after plotly.min.js); on paper each plot is redrawn
:data:`PRINT_WIDTH_PX` wide (``beforeprint``) and fits the page again after (``afterprint``)."""
