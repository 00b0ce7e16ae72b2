"""Membership growth beside the Artemis Accords count: the series and its plot."""

from __future__ import annotations

import datetime as dt

import numpy as np

from ilrs.consortium.registry import Registry


def growth_series(reg: Registry, start: dt.date = dt.date(2020, 1, 1),
                  end: dt.date | None = None) -> dict[str, list]:
    """Daily counts: ILRS members (all, states, organizations) and Artemis Accords signatories."""
    end = end or max(dt.date.today(), dt.date(2025, 12, 31))
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    states = reg.member_count_series(days, kind="state")
    total = reg.member_count_series(days)
    artemis = [reg.artemis_count(d) for d in days]
    return {"date": days, "ilrs_members": total, "ilrs_states": states,
            "ilrs_organizations": [t - s for t, s in zip(total, states)], "artemis_accords": artemis}


def plot_growth(reg: Registry, start: dt.date = dt.date(2020, 1, 1), end: dt.date | None = None):
    """Step plot of ILRS membership (states and all members) and Artemis Accords signatories."""
    import matplotlib

    matplotlib.use("Agg")  # no screen needed: the CLI and the report save or embed the figure
    import matplotlib.pyplot as plt

    s = growth_series(reg, start, end)
    fig, ax = plt.subplots(figsize=(9, 4.5))
    days = np.array(s["date"], dtype="datetime64[D]")
    ax.step(days, s["ilrs_members"], where="post", color="#d62728", lw=2, label="ILRS members (states + organizations)")
    ax.step(days, s["ilrs_states"], where="post", color="#d62728", lw=1.2, ls="--", label="ILRS states")
    art = np.array([np.nan if v is None else v for v in s["artemis_accords"]], dtype=float)
    ax.step(days, art, where="post", color="#1f77b4", lw=2, label="Artemis Accords signatories")
    for pt in reg.dataset.artemis_accords:
        ax.plot(np.datetime64(pt.reported.latest), pt.count, "o", color="#1f77b4", ms=3)
    for c in (c for c in reg.dataset.count_claims if "countries" in c.counts or "nations" in c.counts):
        ax.plot(np.datetime64(c.date), c.count, "x", color="#555", ms=6)
        ax.annotate(f"{c.count} {c.counts.split(' (')[0][:28]}", (np.datetime64(c.date), c.count),
                    textcoords="offset points", xytext=(4, 4), fontsize=7, color="#555")
    ax.set_ylabel("count (certain by date)")
    ax.set_title("ILRS membership vs Artemis Accords (sourced; x = published counts)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    return fig
