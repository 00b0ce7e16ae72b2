"""Figures of the environment layer (matplotlib, no screen): Sun vs horizon, horizon polar plot,
illumination map. Each returns a Figure; callers save or embed it."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ilrs.environment.horizon import HorizonMask  # noqa: E402
from ilrs.environment.sky import SkyTrack  # noqa: E402


def _thin(n: int, limit: int = 20_000) -> slice:
    return slice(None, None, max(1, n // limit))


def plot_sun_vs_horizon(track: SkyTrack, title: str = ""):
    """Sun elevation and the horizon at the Sun's azimuth over time; shaded where no disk is visible."""
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(9, 5), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    sl = _thin(len(track))
    t = track.times[sl]
    ax.plot(t, track.sun_elevation_deg[sl], lw=0.8, color="#ff7f0e", label="Sun elevation (centre)")
    ax.plot(t, track.sun_horizon_deg[sl], lw=0.8, color="#444444", label="horizon at the Sun's azimuth")
    dark = track.visible_solar_fraction[sl] <= 0
    lo, hi = ax.get_ylim()
    ax.fill_between(t, lo, hi, where=dark, color="#1f3b73", alpha=0.15, lw=0, label="dark (no disk)")
    ax.set_ylim(lo, hi)
    ax.set_ylabel("elevation (deg)")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(title or "Sun against the horizon")
    ax2.plot(t, track.earth_elevation_deg[sl] - track.earth_horizon_deg[sl], lw=0.8, color="#1f77b4")
    ax2.axhline(0, color="k", lw=0.5)
    ax2.set_ylabel("Earth above\nhorizon (deg)")
    fig.autofmt_xdate()
    fig.set_layout_engine("tight")  # laid out as it draws (once)
    return fig


def plot_horizon_polar(mask: HorizonMask, track: SkyTrack | None = None, title: str = ""):
    """Polar plot (north up, azimuth clockwise, radius = elevation) of the horizon mask with the
    Sun's and Earth's paths."""
    fig = plt.figure(figsize=(6.5, 6.5))
    ax = fig.add_subplot(projection="polar")
    ax.set_theta_zero_location("N")
    ax.set_theta_direction(-1)
    az = np.r_[mask.azimuth_deg, mask.azimuth_deg[:1] + 360.0] if len(mask.azimuth_deg) > 1 else np.linspace(0, 360, 361)
    el = mask.elevation_at(az)
    vals = [el]
    if track is not None:
        sl = _thin(len(track), 8000)
        vals += [track.sun_elevation_deg[sl], track.earth_elevation_deg[sl]]
    lo = float(min(np.min(v) for v in vals)) - 0.5
    hi = float(max(np.max(v) for v in vals)) + 0.5
    ax.fill_between(np.radians(az), lo, el, color="#7f7f7f", alpha=0.6, label="terrain")
    if track is not None:
        ax.scatter(np.radians(track.sun_azimuth_deg[sl]), track.sun_elevation_deg[sl], s=1, color="#ff7f0e",
                   label="Sun")
        ax.scatter(np.radians(track.earth_azimuth_deg[sl]), track.earth_elevation_deg[sl], s=1,
                   color="#1f77b4", label="Earth")
    ax.set_ylim(lo, hi)
    ax.set_rlabel_position(135)
    ax.set_title(title or f"Horizon ({mask.kind}) — radius: elevation (deg)", fontsize=10)
    ax.legend(loc="lower left", bbox_to_anchor=(-0.1, -0.1), fontsize=8, markerscale=6)
    return fig


def plot_illumination_map(fraction: np.ndarray, extent_m: tuple[float, float, float, float], title: str = ""):
    """Map of the fraction of time lit (0–1) over a DEM region (extent in map metres)."""
    fig, ax = plt.subplots(figsize=(6, 5))
    im = ax.imshow(fraction, extent=[e / 1000 for e in extent_m], cmap="magma", vmin=0, vmax=1, origin="upper")
    fig.colorbar(im, ax=ax, label="fraction of time lit")
    ax.set_xlabel("x (km, polar stereographic)")
    ax.set_ylabel("y (km)")
    ax.set_title(title or "Illumination map")
    return fig
