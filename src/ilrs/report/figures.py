"""Figures for reports and CLI plots: matplotlib without a screen, embedded as data URIs."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.backend_bases import FigureCanvasBase  # noqa: E402

from ilrs._io import atomic_path  # noqa: E402
from ilrs.errors import InputError  # noqa: E402

def new_figure(width_in: float = 8.0, height_in: float = 4.0, **kwargs):
    """A figure and axes with the house style."""
    fig, ax = plt.subplots(figsize=(width_in, height_in), **kwargs)
    return fig, ax


def figure_to_data_uri(fig, fmt: str = "png", dpi: int = 110) -> str:
    """Render ``fig`` to an embeddable ``data:`` URI and close it."""
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    mime = "image/svg+xml" if fmt == "svg" else f"image/{fmt}"
    return f"data:{mime};base64,{base64.b64encode(buf.getvalue()).decode('ascii')}"


FIGURE_FORMATS = tuple(f for f in ("png", "svg", "pdf") if f in FigureCanvasBase.get_supported_filetypes())
"""Image formats a figure may be saved in (those of png, svg and pdf that matplotlib writes)."""


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
        plt.close(fig)
        raise
    with atomic_path(p) as tmp:
        fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return p
