"""Span statistics (lit fraction, darkness periods, Earth visibility) and illumination maps.

Times are sample epochs of a regular grid; a sample stands for the interval [t, t + step). An
interval list therefore has a resolution of one step, and fractions are fractions of samples.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ilrs.environment.sky import SkyTrack

FULL_DISK = 1.0 - 1e-9


def intervals(mask: np.ndarray, times: np.ndarray, step_s: float | None = None) -> list[tuple[np.datetime64, np.datetime64]]:
    """Maximal runs of True in ``mask`` as (start, end) UTC pairs; end = last sample + step."""
    mask = np.asarray(mask, bool)
    if len(mask) == 0:
        return []
    if step_s is None:
        step_s = float((times[1] - times[0]) / np.timedelta64(1, "s")) if len(times) > 1 else 0.0
    step = np.timedelta64(int(round(step_s * 1e9)), "ns")
    edges = np.diff(np.r_[0, mask.astype(np.int8), 0])
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    return [(times[a], times[b] + step) for a, b in zip(starts, ends)]


def _hours(pair) -> float:
    return float((pair[1] - pair[0]) / np.timedelta64(1, "s")) / 3600.0


@dataclass(frozen=True)
class SpanStatistics:
    """What a site sees over a span (fractions of time; periods as UTC (start, end) pairs)."""

    start: np.datetime64
    end: np.datetime64
    step_s: float
    samples: int
    lit_fraction: float                    # any part of the solar disk above the horizon
    full_disk_fraction: float              # the whole disk above the horizon
    mean_visible_solar_fraction: float     # time-mean of the visible disk fraction
    mean_irradiance_w_m2: float
    max_sun_elevation_deg: float
    darkness_periods: list = field(repr=False)
    longest_darkness_hours: float = 0.0
    earth_visible_fraction: float = 0.0
    earth_windows: list = field(default_factory=list, repr=False)
    longest_earth_gap_hours: float = 0.0

    def to_dict(self, max_periods: int | None = 50) -> dict:
        def fmt(pairs):
            pairs = sorted(pairs, key=_hours, reverse=True)[:max_periods] if max_periods else pairs
            return [{"start": str(a)[:19], "end": str(b)[:19], "hours": round(_hours((a, b)), 3)} for a, b in pairs]

        return {
            "start": str(self.start)[:19], "end": str(self.end)[:19], "step_s": self.step_s,
            "samples": self.samples, "lit_fraction": self.lit_fraction,
            "full_disk_fraction": self.full_disk_fraction,
            "mean_visible_solar_fraction": self.mean_visible_solar_fraction,
            "mean_irradiance_w_m2": self.mean_irradiance_w_m2,
            "max_sun_elevation_deg": self.max_sun_elevation_deg,
            "longest_darkness_hours": self.longest_darkness_hours,
            "darkness_periods_count": len(self.darkness_periods),
            "darkness_periods_longest": fmt(self.darkness_periods),
            "earth_visible_fraction": self.earth_visible_fraction,
            "earth_windows_count": len(self.earth_windows),
            "longest_earth_gap_hours": self.longest_earth_gap_hours,
        }


def span_statistics(track: SkyTrack, step_s: float | None = None) -> SpanStatistics:
    """Lit fraction (any / full disk), darkness periods and the longest, Earth visibility windows.

    A darkness period is a maximal run of samples with no part of the solar disk visible; runs
    touching the span's ends are included (truncated at the span).
    """
    t = track.times
    n = len(t)
    if n == 0:
        raise ValueError("empty track")
    if step_s is None:
        step_s = float((t[1] - t[0]) / np.timedelta64(1, "s")) if n > 1 else 3600.0
    f = track.visible_solar_fraction
    lit = f > 0.0
    dark = intervals(~lit, t, step_s)
    earth = intervals(track.earth_visible, t, step_s)
    gaps = intervals(~track.earth_visible, t, step_s)
    return SpanStatistics(
        start=t[0], end=t[-1] + np.timedelta64(int(step_s * 1e9), "ns"), step_s=step_s, samples=n,
        lit_fraction=float(lit.mean()), full_disk_fraction=float((f >= FULL_DISK).mean()),
        mean_visible_solar_fraction=float(f.mean()),
        mean_irradiance_w_m2=float(track.irradiance_w_m2.mean()),
        max_sun_elevation_deg=float(track.sun_elevation_deg.max()),
        darkness_periods=dark, longest_darkness_hours=max((_hours(p) for p in dark), default=0.0),
        earth_visible_fraction=float(track.earth_visible.mean()), earth_windows=earth,
        longest_earth_gap_hours=max((_hours(p) for p in gaps), default=0.0),
    )
