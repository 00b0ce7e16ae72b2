"""Plots of one operations run: state of charge against darkness, data backlog, consumables."""

from __future__ import annotations

import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ilrs.operations.model import CONSUMABLES, MODE_FAILURE, MODE_SURVIVAL, OperationsResult
from ilrs.timeutil import runs_of


def new_figure(width_in: float, height_in: float, **kwargs):
    return plt.subplots(figsize=(width_in, height_in), **kwargs)


def _dates(fig) -> None:
    for ax in fig.axes:
        ax.tick_params(axis="x", labelrotation=25)
    fig.set_layout_engine("tight")  # laid out as it draws (once)


def _shade(ax, times, mask, color, label, ymin=0.0, ymax=1.0, alpha=0.35):
    first = True
    for a, b in zip(*runs_of(mask)):
        ax.axvspan(times[a], times[min(b, len(times) - 1)], ymin=ymin, ymax=ymax, color=color, alpha=alpha, lw=0,
                   label=label if first else None)
        first = False


def plot_soc(result: OperationsResult, darkness: np.ndarray | None = None):
    """State of charge over the run, darkness and survival mode shaded; zoom on the longest
    survival-mode stretch (or the longest darkness)."""
    t = result.times()
    soc = result.series["soc"]
    fig, (ax, zx) = new_figure(10, 6, nrows=2)
    ax.plot(t, soc, lw=0.5, color="#1f77b4")
    ax.set_ylabel("state of charge")
    ax.set_ylim(0, 1.02)
    ax.set_title("State of charge of the storage usable at each step (units come and go with their elements)")
    focus = result.series["mode"] >= MODE_SURVIVAL
    if not focus.any() and darkness is not None:
        focus = darkness
    starts, stops = runs_of(focus) if focus is not None else (np.array([], int), np.array([], int))
    if starts.size:
        k = int(np.argmax(stops - starts))
        a, b = starts[k], stops[k]
    else:
        a, b = 0, min(len(t), 24 * 30)
    pad = max(48, (b - a))
    lo, hi = max(0, a - pad), min(len(t), b + pad)
    zx.plot(t[lo:hi], soc[lo:hi], color="#1f77b4", label="state of charge")
    if darkness is not None:
        _shade(zx, t[lo:hi], darkness[lo:hi], "#444444", "Sun below the horizon")
    mode = result.series["mode"][lo:hi]
    _shade(zx, t[lo:hi], mode == MODE_SURVIVAL, "#ff7f0e", "survival mode (band)", 0.92, 1.0, 0.9)
    _shade(zx, t[lo:hi], mode == MODE_FAILURE, "#d62728", "survival failure (band)", 0.92, 1.0, 0.9)
    zx.set_ylim(0, 1.1)
    zx.set_ylabel("state of charge")
    zx.set_title("Zoom: longest survival stretch" if (result.series["mode"] >= MODE_SURVIVAL).any()
                 else "Zoom: longest darkness")
    zx.legend(loc="lower left", fontsize=8)
    _dates(fig)
    return fig


def plot_data(result: OperationsResult, capacity_bit: float):
    """On-board data backlog against capacity, and data returned and lost (cumulative)."""
    t = result.times()
    fig, (ax, bx) = new_figure(10, 6, nrows=2)
    ax.plot(t, result.series["data_stored_bit"] / 1e9, lw=0.5, color="#2ca02c", label="stored")
    ax.axhline(capacity_bit / 1e9, color="k", ls="--", lw=0.8, label="capacity")
    ax.set_ylabel("Gbit on board")
    ax.set_title("Data backlog")
    ax.legend(loc="upper left", fontsize=8)
    bx.plot(t, np.cumsum(result.series["data_returned_bit"]) / 1e12, label="returned")
    bx.plot(t, np.cumsum(result.series["data_lost_bit"]) / 1e12, label="lost (store full)")
    bx.set_ylabel("Tbit, cumulative")
    bx.legend(loc="upper left", fontsize=8)
    _dates(fig)
    return fig


def plot_consumables(result: OperationsResult):
    """Stocks of oxygen, water and food (kg) and the crew on site."""
    t = result.times()
    fig, ax = new_figure(10, 4)
    for c in CONSUMABLES:
        ax.step(t, result.series[f"stock_{c}_kg"], where="post", label=c)
    ax.set_ylabel("stock, kg")
    ax.set_title("Consumables on site (net of life-support recovery) and crew")
    cx = ax.twinx()
    cx.fill_between(t, result.series["crew"], step="post", color="#9467bd", alpha=0.25, label="crew")
    cx.set_ylabel("crew on site")
    cx.set_ylim(0, max(1, int(result.series["crew"].max()) + 1))
    lines, labels = ax.get_legend_handles_labels()
    l2, lb2 = cx.get_legend_handles_labels()
    ax.legend(lines + l2, labels + lb2, loc="upper left", fontsize=8)
    _dates(fig)
    return fig
