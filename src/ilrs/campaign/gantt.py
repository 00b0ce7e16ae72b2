"""Gantt chart of a campaign: mission transfers and element lifetimes coloured by partner country,
milestones (reached ◆, target ◇) along the top."""

from __future__ import annotations

import datetime as dt

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from ilrs.campaign.result import CampaignResult  # noqa: E402

COUNTRY_COLORS = {
    "China": "#d62728", "Russia": "#1f77b4", "Pakistan": "#2ca02c", "Thailand": "#9467bd",
    "Belarus": "#8c564b", "South Africa": "#e377c2", "Azerbaijan": "#17becf", "Venezuela": "#bcbd22",
}
OTHER_COLOR = "#7f7f7f"


def partner_country(partner_id: str) -> str:
    """Country of a partner id from the consortium registry (the id itself when it has none)."""
    from ilrs.consortium import default_registry

    party = default_registry().parties.get(partner_id)
    if party is None:
        return partner_id
    return party.country or party.name


def plot_gantt(result: CampaignResult, *, title: str = "ILRS campaign", end: dt.date | None = None):
    """A matplotlib figure: one row per mission attempt, then one per element; returns the figure."""
    missions = [m for m in result.missions if m.launch is not None]
    elements = sorted((e for e in result.elements.values() if e.operational is not None),
                      key=lambda e: (e.operational, e.id))
    all_days = ([m.launch for m in missions] + [e.operational for e in elements]
                + [d for d in result.milestones.values() if d is not None]
                + [d for d in result.targets.values() if d is not None])
    if not all_days:
        all_days = [dt.date.today()]
    start = dt.date(min(all_days).year, 1, 1)
    stop = end or dt.date(max(all_days).year + 1, 1, 1)
    rows = len(missions) + len(elements) + len(result.milestones)
    fig, ax = plt.subplots(figsize=(11, max(4.0, 0.22 * rows + 1.8)))
    countries: dict[str, str] = {}

    def color(partner: str) -> str:
        country = partner_country(partner)
        countries[country] = COUNTRY_COLORS.get(country, OTHER_COLOR)
        return countries[country]

    names = list(result.milestones)
    y = 0
    labels = []
    for name in names:  # milestone rows on top
        reached, target = result.milestones[name], result.targets.get(name)
        if target is not None:
            ax.plot(mdates.date2num(target), y, marker="D", mfc="none", mec="black", ms=6)
        if reached is not None:
            ok = target is None or reached <= target
            ax.plot(mdates.date2num(reached), y, marker="D", color="#2a2" if ok else "#c33", ms=6)
            ax.axvline(mdates.date2num(reached), color="#2a2" if ok else "#c33", lw=0.4, ls=":")
        labels.append(f"milestone: {name}")
        y += 1
    ax.axhline(y - 0.5, color="#aaa", lw=0.6)
    for m in missions:
        c = color(m.lead)
        arrive = m.arrival or m.launch
        width = max((arrive - m.launch).days, 20)
        ax.barh(y, width, left=mdates.date2num(m.launch), height=0.7, color=c,
                alpha=0.35 if m.past else 0.9, edgecolor="black" if m.outcome == "success" else c, linewidth=0.5)
        if m.outcome != "success":
            ax.plot(mdates.date2num(arrive), y, marker="x", color="black", ms=7, mew=2)
        labels.append(f"{m.id}" + (f" (#{m.attempt})" if m.attempt > 1 else "") + f" · {m.vehicle}")
        y += 1
    ax.axhline(y - 0.5, color="#aaa", lw=0.6)
    for e in elements:
        c = color(e.owner)
        stop_e = min(e.end_of_life or stop, stop)
        ax.barh(y, (stop_e - e.operational).days, left=mdates.date2num(e.operational), height=0.5, color=c,
                alpha=0.55, hatch="//" if e.base else None, edgecolor=c, linewidth=0.3)
        labels.append(f"{e.id}")
        y += 1
    ax.set_yticks(range(y), labels, fontsize=7)
    ax.set_ylim(y - 0.4, -0.6)
    ax.set_xlim(mdates.date2num(start), mdates.date2num(stop))
    ax.xaxis.set_major_locator(mdates.YearLocator(2))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.grid(axis="x", color="#ddd", lw=0.5)
    handles = [Patch(color=c, label=country) for country, c in sorted(countries.items())]
    handles += [Line2D([], [], marker="D", ls="", color="#2a2", label="milestone reached"),
                Line2D([], [], marker="D", ls="", mfc="none", mec="black", label="milestone target"),
                Line2D([], [], marker="x", ls="", color="black", mew=2, label="mission lost"),
                Patch(facecolor="white", edgecolor="#555", hatch="//", label="base element (lifetime)")]
    ax.legend(handles=handles, fontsize=7, loc="lower left", ncol=2, framealpha=0.9)
    ax.set_title(title)
    fig.set_layout_engine("tight")  # laid out as it draws (once)
    return fig
