"""Figures for reports and CLI plots: matplotlib without a screen, embedded as data URIs.

Each figure is drawn once: its layout engine (tight, unless the figure chose one) runs inside that
draw, instead of ``bbox_inches="tight"``, which draws a figure twice."""

from __future__ import annotations

import base64
import io
from pathlib import Path

from ilrs._io import atomic_path
from ilrs.errors import InputError


def _pyplot():
    """matplotlib.pyplot on the Agg backend, imported on first use (``ilrs --help`` and a warm
    ``ilrs run``, whose figures are all cached, never import it)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def new_figure(width_in: float = 8.0, height_in: float = 4.0, **kwargs):
    """A figure and axes with the house style."""
    fig, ax = _pyplot().subplots(figsize=(width_in, height_in), **kwargs)
    return fig, ax


REPORT_DPI = 90
"""Pixels per inch of the report's images: an 8-10 inch figure is 720-900 px wide, the width of the
report's column on a laptop screen (110 dpi made PNGs 35 % larger and took 15 % longer to render)."""


def _layout(fig) -> None:
    """Tight layout computed while the figure draws (one draw): ``bbox_inches="tight"`` draws every
    figure twice, once to measure it and once to print it."""
    if fig.get_layout_engine() is None:
        fig.set_layout_engine("tight")


def figure_to_data_uri(fig, fmt: str = "png", dpi: int = REPORT_DPI) -> str:
    """Render ``fig`` (drawn once) to an embeddable ``data:`` URI and close it."""
    buf = io.BytesIO()
    _layout(fig)
    fig.savefig(buf, format=fmt, dpi=dpi, metadata={"Software": None} if fmt == "png" else None)
    _pyplot().close(fig)
    mime = "image/svg+xml" if fmt == "svg" else f"image/{fmt}"
    return f"data:{mime};base64,{base64.b64encode(buf.getvalue()).decode('ascii')}"


FIGURE_FORMATS = ("png", "svg", "pdf")
"""Image formats a figure may be saved in (matplotlib's Agg, SVG and PDF backends write each, with
no extra package)."""


def figure_format(path: str | Path, field: str = "--plot") -> str:
    """The format of an image path from its suffix (none: png); an unsupported suffix is an
    :class:`~ilrs.errors.InputError` naming ``field`` and the allowed suffixes."""
    fmt = Path(path).suffix.lstrip(".").lower() or "png"
    if fmt not in FIGURE_FORMATS:
        raise InputError(f"cannot write a .{fmt} image", file=str(path), field=field,
                         allowed=[f".{f}" for f in FIGURE_FORMATS])
    return fmt


def save_figure(fig, path: str | Path, dpi: int = 130, field: str = "--plot") -> Path:
    """Save ``fig`` atomically; the format follows the suffix (.png, .svg or .pdf, see
    :func:`figure_format`; ``field`` names the option in the error)."""
    p = Path(path)
    try:
        fmt = figure_format(p, field)
    except InputError:
        _pyplot().close(fig)
        raise
    _layout(fig)
    with atomic_path(p) as tmp:
        fig.savefig(tmp, format=fmt, dpi=dpi)
    _pyplot().close(fig)
    return p
