"""The risk section's schedule slips learned from the record (issue 14, part 3).

Two views: the fit (Kaplan–Meier curve of the record's slips against the censored lognormal and
Weibull fits, per class, see :mod:`ilrs.campaign.slip_history`), and the milestones' on-time
probabilities under the scenario's own slip model beside the same Monte Carlo (same runs, same
seed) with every planned mission's slip drawn from the record of Chinese and Russian lunar
missions for an ILRS study, NASA's and its CLPS firms' for an Artemis one
(:func:`ilrs.campaign.slip_history.reference_agencies`, class ``lunar``, measured from every
announcement: :data:`ilrs.campaign.slip_history.DEFAULT_BASIS`).
"""

from __future__ import annotations

import dataclasses
import html as _html
import math
import time
from typing import Any

import numpy as np

from ilrs.campaign.slip_history import (DEFAULT_BASIS, ILRS_REFERENCE_AGENCIES, ILRS_REFERENCE_CLASS, SHIFT_DAYS, SlipFit,
                                        reference_agencies,
                                        bootstrap_medians, fit_selection, with_slips_of)
from ilrs.campaign.survival import LognormalFit
from ilrs.report.figure_cache import cached_arrays, cached_figure
from ilrs.report.figures import new_figure
from ilrs.report.markup import html_table

FIT_PANELS = ((("any",), "lunar"), (("any",), "deep-space"), (ILRS_REFERENCE_AGENCIES, ILRS_REFERENCE_CLASS))
"""The selections the report's fit figure shows (agencies, class); the last is replaced by the
study's own coalition's agencies."""

DAYS_PER_YEAR = 365.25


def history_scenario(scenario, agencies=None, mission_class: str = ILRS_REFERENCE_CLASS,
                     basis: str = DEFAULT_BASIS, pooling: str = "shrink"):
    """``scenario`` with every mission's slip learned from the record (all else unchanged); the
    agencies default to its coalition's (:func:`ilrs.campaign.slip_history.reference_agencies`)."""
    agencies = agencies or reference_agencies(scenario.coalition)
    unc = scenario.uncertainties.with_history_slips(agencies, mission_class, basis, pooling)
    return scenario.model_copy(update={"uncertainties": unc})


def history_study(products):
    """The run's risk study with every planned mission's slip from the record (the compiled campaign
    reused, its slips replaced: nothing else is recomputed)."""
    from ilrs.report.products import risk_setup

    study = risk_setup(products.setup)
    scenario = history_scenario(products.setup.scenario)
    return dataclasses.replace(study, uncertainties=scenario.uncertainties,
                               campaign=with_slips_of(study.campaign, scenario.uncertainties,
                                                      scenario.campaign.as_known_on),
                               identity=scenario.model_dump(mode="json"))


def plot_slip_fits(fits: list[SlipFit]):
    """One panel per fit: 1 − Kaplan–Meier of the record's slips, the lognormal and Weibull fits."""
    fig, axes = new_figure(4.0 * len(fits), 3.6, ncols=len(fits), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, f in zip(axes, fits):
        t = np.r_[0.0, f.km.times]
        ax.step((t + SHIFT_DAYS) / DAYS_PER_YEAR, np.r_[0.0, 1.0 - f.km.survival], where="post", color="k",
                label="record (Kaplan–Meier)")
        x = np.linspace(1.0, max(4000.0, float(f.sample.durations().max()) * 1.05), 400)
        ax.plot((x + SHIFT_DAYS) / DAYS_PER_YEAR, f.own.cdf(x), label="lognormal (own)")
        ax.plot((x + SHIFT_DAYS) / DAYS_PER_YEAR, f.weibull.cdf(x), ls="--", label="Weibull (own)")
        if f.weight_own < 1.0:
            shrunk = LognormalFit(f.mu, f.sigma, math.nan)
            ax.plot((x + SHIFT_DAYS) / DAYS_PER_YEAR, shrunk.cdf(x), ls=":",
                    label=f"shrunk (w={f.weight_own:.2f})")
        cens = f.sample.durations()[~f.sample.observed]
        ax.plot((cens + SHIFT_DAYS) / DAYS_PER_YEAR, np.zeros_like(cens), "|", ms=12, color="tab:red",
                label="not yet flown (censored)")
        ax.set_title(f"{'+'.join(f.agencies)} · {f.mission_class} ({len(f.sample.missions)} missions)", fontsize=9)
        ax.set_xlabel(f"slip from {'the first' if f.basis == 'first' else 'each'} announcement, years")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("P(launched within slip)")
    axes[0].legend(fontsize=7, loc="center right")
    if len(axes) > 1 and fits[-1].weight_own < 1.0:
        axes[-1].legend(fontsize=7, loc="center right")
    return fig


def bootstrap_arrays(fit: SlipFit, samples: int) -> dict[str, np.ndarray]:
    """:func:`ilrs.campaign.slip_history.bootstrap_medians` as arrays (read back by :func:`cached_arrays`)."""
    return {k: np.asarray(v, dtype=float) for k, v in bootstrap_medians(fit, samples).items()}


def fit_rows(fits: list[SlipFit], bootstrap: int) -> list[dict[str, Any]]:
    """Per fit: missions, launched, the median slip (own fit, its bootstrap interval, the shrunk)."""
    rows = []
    for f in fits:
        ci = tuple(cached_arrays(bootstrap_arrays, f, bootstrap)["median_slip_days"].tolist()) if bootstrap \
            else (math.nan, math.nan)
        rows.append({"agencies": "+".join(f.agencies), "class": f.mission_class, "missions": len(f.sample.missions),
                     "launched": f.sample.launched,
                     "median slip (own), d": f"{f.own.median + SHIFT_DAYS:,.0f}",
                     "95% bootstrap": "—" if math.isnan(ci[0]) else f"{ci[0]:,.0f}–{ci[1]:,.0f}",
                     "σ (own)": f"{f.own.sigma:.2f}", "weight of own": f"{f.weight_own:.2f}",
                     "median slip (used), d": f"{f.median_slip_days:,.0f}",
                     "p90 slip (used), d": f"{f.quantile_slip_days(0.9):,.0f}"})
    return rows


def fit_values(rows: list[dict[str, Any]], fits: list[SlipFit], bootstrap: int) -> list[dict[str, Any]]:
    """The fits as numbers under JSON keys (summary.json), beside :func:`fit_rows`' table."""
    out = []
    for r, f in zip(rows, fits):
        ci = tuple(cached_arrays(bootstrap_arrays, f, bootstrap)["median_slip_days"].tolist()) if bootstrap \
            else (None, None)
        out.append({"agencies": r["agencies"], "class": r["class"], "missions_count": r["missions"],
                    "launched_count": r["launched"], "median_slip_own_days": f.own.median + SHIFT_DAYS,
                    "median_slip_own_95ci_days": [None if v is None or math.isnan(v) else v for v in ci],
                    "sigma_own": f.own.sigma, "weight_own_fraction": f.weight_own,
                    "median_slip_used_days": f.median_slip_days, "p90_slip_used_days": f.quantile_slip_days(0.9)})
    return out


def slip_model_values(scenario_summary: dict, history_summary: dict) -> list[dict[str, Any]]:
    """Per milestone under both slip models, as numbers under JSON keys (summary.json, risk --format json)."""
    rows = []
    for name, a in scenario_summary["milestones"].items():
        b = history_summary["milestones"].get(name, {})
        rows.append({"milestone": name, "target_date": a["target_date"],
                     "probability_on_time_scenario_slips": a["probability_on_time"],
                     "probability_on_time_history_slips": b.get("probability_on_time"),
                     "p50_date_scenario_slips": a["p50_date"], "p50_date_history_slips": b.get("p50_date")})
    return rows


def slip_model_rows(scenario_summary: dict, history_summary: dict) -> list[dict[str, Any]]:
    """Per milestone: its target and on-time probability and median date under both slip models."""
    def pct(v):
        return "—" if v is None else f"{100 * v:.1f} %"

    rows = []
    for name, a in scenario_summary["milestones"].items():
        b = history_summary["milestones"].get(name, {})
        rows.append({"milestone": name, "target": a["target_date"] or "—",
                     "on time (scenario slips)": pct(a["probability_on_time"]),
                     "on time (history slips)": pct(b.get("probability_on_time")),
                     "p50 (scenario)": a["p50_date"] or "never", "p50 (history)": b.get("p50_date") or "never"})
    return rows


def build_block(products, result, bootstrap: int = 100) -> tuple[str, dict[str, Any], list[str]]:
    """HTML, summary and text lines of the slips-from-history part of the risk section."""
    from ilrs.report.risk_cache import cached_risk

    t0 = time.perf_counter()
    agencies = reference_agencies(products.setup.scenario.coalition)
    fits = [fit_selection(a, c, basis=DEFAULT_BASIS) for a, c in FIT_PANELS[:-1]]
    fits.append(fit_selection(agencies, ILRS_REFERENCE_CLASS, basis=DEFAULT_BASIS))
    variant = cached_risk(history_study(products), result.table.num_rows, result.seed)
    rows = slip_model_rows(result.summary, variant.summary)
    frows = fit_rows(fits, bootstrap)
    used = fits[-1]
    html = (
        "<h3>Schedule slips learned from the record (reference-class forecasting)</h3>"
        f"<p>The record: {len(fits[0].sample.missions)} lunar and {len(fits[1].sample.missions)} deep-space missions "
        "since ~2000 (<code>data/schedule_history.yaml</code>, every announcement a sourced claim). Slip = actual "
        "launch − announced date, from every announcement (each mission weighted once: the slip still to come "
        "after a plan is announced, as the study's dates are the newest announcements); nominal day: 1 July of an "
        "announced year, the 15th of a month; a mission "
        "not yet flown is right-censored at the record's date. Lognormal of slip + 183 d by censored maximum "
        "likelihood; the selection is shrunk toward all agencies' fit of its class (empirical Bayes). "
        "The second column below re-runs the same Monte Carlo (same runs and seed, the scenario's correlation) with "
        f"every planned mission's slip drawn from <b>{_html.escape(used.label)}</b>: median "
        f"{used.median_slip_days:,.0f} d, p90 {used.quantile_slip_days(0.9):,.0f} d.</p>"
        + f'<img alt="slip fits" src="{cached_figure("ilrs.report.sections.risk_history:plot_slip_fits", fits)}">'
        + html_table(frows) + html_table(rows))
    summary = {"fits": fit_values(frows, fits, bootstrap),
               "milestones": slip_model_values(result.summary, variant.summary), "history_slip": used.label}
    lines = [f"slips from history ({used.label}): " + "; ".join(
        f"{r['milestone']} {r['on time (scenario slips)']} → {r['on time (history slips)']}" for r in rows),
        f"slips from history: {time.perf_counter() - t0:.1f} s (fits, bootstrap, {result.table.num_rows} runs)"]
    return html, summary, lines
