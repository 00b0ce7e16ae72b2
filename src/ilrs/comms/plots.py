"""Plots of communications results: windows and rate over time, coverage map, orbit history.

Matplotlib without a screen (Agg); figures are returned for the caller (CLI or report) to save.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ilrs.constants import MOON_RADIUS_KM, SECONDS_PER_DAY  # noqa: E402


def new_figure(width_in: float, height_in: float, **kwargs):
    return plt.subplots(figsize=(width_in, height_in), **kwargs)


def _dates(times_utc):
    """Times as numpy datetime64 (matplotlib converts those as one array; Python datetime objects
    are converted one by one: a tenth of a second for a month at 60 s)."""
    return np.asarray(times_utc, "datetime64[s]")


def plot_windows(result, max_days: float | None = 30.0):
    """Visibility bars per relay, DTE and end-to-end, and the achievable rate (Mbit/s) over time."""
    t = result.times_utc
    if max_days is not None:
        t = t[: int(max_days * SECONDS_PER_DAY / result.step_s)]
    n = t.size
    x = _dates(t)
    rows = [(r.key + " (site)", result.site_relay_visible[k][:n]) for k, r in enumerate(result.relays)]
    rows += [("Earth (DTE)", result.dte_rate_bps[:n] > 0), ("end to end", result.available[:n])]
    fig, (ax1, ax2) = new_figure(10.0, 2.0 + 0.45 * len(rows), nrows=2, sharex=True,
                                 gridspec_kw={"height_ratios": [max(len(rows), 2), 2]})
    from ilrs.comms.access import windows

    for k, (label, vis) in enumerate(rows):  # a row's bars in one call
        w = windows(vis).reshape(-1, 2)
        if len(w):
            ax1.barh(np.full(len(w), k), x[np.minimum(w[:, 1], n - 1)] - x[w[:, 0]], left=x[w[:, 0]], height=0.6,
                     color="C%d" % (k % 10))
    ax1.set_yticks(range(len(rows)), [r[0] for r in rows])
    ax1.set_title(f"Communications windows at {result.site_name}")
    ax2.plot(x, result.rate_bps[:n] / 1e6, lw=0.8, color="k")
    ax2.set_ylabel("rate (Mbit/s)")
    fig.autofmt_xdate()
    return fig


def plot_coverage_map(points, values, label: str = "availability", site=None, title: str | None = None):
    """Polar map (azimuthal equidistant about the south pole) of ``values`` at ``points``."""
    colat = 90.0 + points.lat_deg  # deg from the south pole
    lon = np.radians(points.lon_deg)
    km = np.radians(colat) * MOON_RADIUS_KM
    x, y = km * np.sin(lon), km * np.cos(lon)
    fig, ax = new_figure(6.4, 5.6)
    sc = ax.scatter(x, y, c=values, s=max(4.0, 6000.0 / max(len(x), 1)), cmap="viridis", marker="s", linewidths=0)
    fig.colorbar(sc, ax=ax, label=label)
    if site is not None:
        sk = np.radians(90.0 + site.lat_deg) * MOON_RADIUS_KM
        ax.plot(sk * np.sin(np.radians(site.lon_deg)), sk * np.cos(np.radians(site.lon_deg)), "r*", ms=12,
                label=site.name)
        ax.legend(loc="lower right")
    ax.set_aspect("equal")
    ax.set_xlabel("km (toward 90°E)")
    ax.set_ylabel("km (toward 0°E)")
    ax.set_title(title or f"{label} south of {points.lat_deg.max():.1f}°")
    return fig


def plot_orbit_history(history):
    """Perilune altitude (osculating, and reached at each passage), station-keeping manoeuvres and
    argument of perilune over the run."""
    fig, (ax1, ax2) = new_figure(9.0, 5.0, nrows=2, sharex=True)
    x = _dates(history.times_utc)
    ax1.plot(x, history.perilune_altitude_km, lw=0.6, color="C0", alpha=0.6, label="osculating")
    if history.perilune_passes_km.size:
        ax1.plot(_dates(history.perilune_times_utc), history.perilune_passes_km, ".", ms=2.5, color="C0",
                 label="at each perilune passage")
    ax1.axhline(0.0, color="r", lw=0.6)
    sk = history.station_keeping
    if sk is not None:
        ax1.axhline(sk["min_perilune_altitude_km"], color="0.4", lw=0.6, ls="--", label="station-keeping band")
        if sk["max_perilune_altitude_km"] is not None:
            ax1.axhline(sk["max_perilune_altitude_km"], color="0.4", lw=0.6, ls="--")
        if history.manoeuvres:
            mt = _dates(np.array([m["time_utc"].rstrip("Z") for m in history.manoeuvres], "datetime64[s]"))
            ax1.plot(mt, [m["perilune_after_km"] for m in history.manoeuvres], "v", color="C3", ms=5,
                     label=f"manoeuvre ({history.delta_v_m_s:.1f} m/s in all, "
                           f"{history.delta_v_m_s * 365.25 / max(history.days, 1e-9):.1f} m/s per year)")
    ax1.set_ylabel("perilune altitude (km)")
    top = float(np.nanmax(history.perilune_altitude_km))
    ax1.set_ylim(min(-0.05 * top, float(np.nanmin(history.perilune_altitude_km)) - 20.0), 1.45 * top)  # room for the legend
    ax1.legend(loc="upper left", fontsize=7, ncol=2)
    keep = "station-kept" if sk is not None else "free drift"
    ax1.set_title(f"{history.relay} ({keep}): GRGM1200A {history.gravity_degree}x{history.gravity_degree}"
                  " + Earth + Sun")
    ax2.plot(x, history.arg_perilune_deg, lw=0.8, color="C1")
    ax2.set_ylabel("argument of perilune (deg)")
    fig.autofmt_xdate()
    return fig


def plot_element_history(states):
    """Perilune altitude and argument of perilune of each Keplerian relay over a result's grid."""
    hist = states.element_history()
    fig, (ax1, ax2) = new_figure(9.0, 4.6, nrows=2, sharex=True)
    x = _dates(states.times_utc)
    for key, h in hist.items():
        ax1.plot(x, h["perilune_altitude_km"], lw=0.8, label=key)
        ax2.plot(x, h["arg_perilune_deg"], lw=0.8, label=key)
    ax1.axhline(0.0, color="r", lw=0.6)
    ax1.set_ylabel("perilune altitude (km)")
    ax2.set_ylabel("arg. of perilune (deg)")
    ax1.set_title(f"Osculating elements ({states.method} propagation)")
    if hist:
        ax1.legend(loc="upper right", fontsize=8)
    fig.autofmt_xdate()
    return fig
