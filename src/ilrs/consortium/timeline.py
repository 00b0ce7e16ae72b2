"""Membership growth beside the Artemis Accords count: the series and its plot."""

from __future__ import annotations

import datetime as dt

import numpy as np

from ilrs.consortium.registry import Registry

SERIES_START = dt.date(2020, 1, 1)
"""Start of the plotted series: the first Artemis Accords signings were on 2020-10-13 (NASA)."""


def growth_series(reg: Registry, start: dt.date = SERIES_START,
                  end: dt.date | None = None) -> dict[str, list]:
    """Daily counts: ILRS members (all, states, organizations) and Artemis Accords signatories.

    The series ends at ``end``, or at the last dated fact of the dataset (never "today": the same
    data give the same series on any day). ``artemis_accords`` is the last reported count (a lower
    bound between reports); ``artemis_reported`` says when that count was reported.
    """
    end = end or reg.last_dated_fact()
    start = min(start, end)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    states = reg.member_count_series(days, kind="state")
    total = reg.member_count_series(days)
    points = [reg.artemis_point(d) for d in days]
    return {"date": days, "ilrs_members": total, "ilrs_states": states,
            "ilrs_organizations": [t - s for t, s in zip(total, states)],
            "artemis_accords": [None if p is None else p.count for p in points],
            "artemis_reported": [None if p is None else p.reported.text for p in points]}


def plot_growth(reg: Registry, start: dt.date = SERIES_START, end: dt.date | None = None,
                mark: dt.date | None = None):
    """Step plot of ILRS membership (states and all members) beside the Artemis Accords counts.

    The Accords count is drawn only where it was reported (markers); the dashed step between two
    reports is a lower bound, not a measurement. ``mark`` draws a vertical line (e.g. a study's start).
    """
    import matplotlib

    matplotlib.use("Agg")  # no screen needed: the CLI and the report save or embed the figure
    import matplotlib.pyplot as plt

    s = growth_series(reg, start, end)
    fig, ax = plt.subplots(figsize=(9, 4.5))
    days = np.array(s["date"], dtype="datetime64[D]")
    ax.step(days, s["ilrs_members"], where="post", color="#d62728", lw=2, label="ILRS members (states + organizations)")
    ax.step(days, s["ilrs_states"], where="post", color="#d62728", lw=1.2, ls="--", label="ILRS states")
    art = np.array([np.nan if v is None else v for v in s["artemis_accords"]], dtype=float)
    ax.step(days, art, where="post", color="#1f77b4", lw=1.2, ls="--",
            label="Artemis Accords, at least (last reported count)")
    shown = [pt for pt in reg.dataset.artemis_accords if s["date"][0] <= pt.reported.latest <= s["date"][-1]]
    if shown:
        ax.plot([np.datetime64(pt.reported.latest) for pt in shown], [pt.count for pt in shown], "o",
                color="#1f77b4", ms=5, label="Artemis Accords signatories, as reported")
    for c in (c for c in reg.dataset.count_claims if "countries" in c.counts or "nations" in c.counts):
        if not s["date"][0] <= c.date <= s["date"][-1]:
            continue
        ax.plot(np.datetime64(c.date), c.count, "x", color="#555", ms=6)
        ax.annotate(f"{c.count} {c.counts.split(' (')[0][:28]}", (np.datetime64(c.date), c.count),
                    textcoords="offset points", xytext=(4, 4), fontsize=7, color="#555")
    if mark is not None:
        ax.axvline(np.datetime64(mark), color="#333", lw=0.8, ls=":")
        ax.annotate(f"as of {mark.isoformat()}", (np.datetime64(mark), 0), textcoords="offset points",
                    xytext=(3, 3), fontsize=7, color="#333")
    ax.set_ylabel("count (certain by date)")
    ax.set_title("ILRS membership vs Artemis Accords (sourced; x = published counts)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    return fig
