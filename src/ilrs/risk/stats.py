"""Statistics of a Monte Carlo study: Wilson intervals, date percentiles, rank sensitivity.

Sources:
- Wilson score interval: E. B. Wilson, "Probable inference, the law of succession, and
  statistical inference", J. Am. Stat. Assoc. 22 (1927) 209-212; see also Brown, Cai & DasGupta,
  "Interval estimation for a binomial proportion", Statistical Science 16 (2001) 101-133, eq. (4).
- Spearman's rank correlation: Pearson correlation of the ranks (average ranks for ties),
  as in scipy.stats.spearmanr.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from ilrs.constants import SECONDS_PER_DAY

EPOCH = dt.date(1970, 1, 1)


def z_for_confidence(confidence: float) -> float:
    """The two-sided standard-normal quantile z with P(|Z| <= z) = confidence (1.95996... for 0.95)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    from scipy import special  # imported when first needed (scipy.stats is never: see average_ranks)

    return float(math.sqrt(2.0) * special.erfinv(confidence))


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (Wilson 1927; Brown et al. 2001 eq. 4).

    centre = (k + z²/2) / (n + z²),  half width = z·sqrt(n)/(n + z²) · sqrt(p̂(1 − p̂) + z²/4n).
    Returns (nan, nan) for zero trials.
    """
    k, n = int(successes), int(trials)
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= successes <= trials, got {k}/{n}")
    if n == 0:
        return float("nan"), float("nan")
    z = z_for_confidence(confidence)
    p = k / n
    denom = n + z * z
    centre = (k + z * z / 2.0) / denom
    half = z * math.sqrt(n) / denom * math.sqrt(p * (1.0 - p) + z * z / (4.0 * n))
    low = 0.0 if k == 0 else max(0.0, centre - half)  # exact bounds at the edges (no rounding)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def days_to_date(days: float) -> dt.date | None:
    """Days since 1970-01-01 (UTC) as a date; None for NaN/inf (milestone not reached)."""
    if days is None or not math.isfinite(days):
        return None
    return EPOCH + dt.timedelta(days=math.floor(days))


def date_to_days(date: dt.date | dt.datetime) -> float:
    """A UTC date (or naive-UTC datetime) as days since 1970-01-01."""
    if isinstance(date, dt.datetime):
        if date.tzinfo is not None:
            date = date.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return (date - dt.datetime(1970, 1, 1)).total_seconds() / SECONDS_PER_DAY
    return float((date - EPOCH).days)


def date_percentiles(days: np.ndarray, qs=(10, 50, 90)) -> dict[str, dt.date | None]:
    """Percentiles of milestone dates over all runs; a run that never reaches it counts as +inf.

    ``p{q}`` is None when more than q % of runs never reach the milestone. Uses the 'lower'
    empirical quantile (an actual run's date): numpy.percentile(method='lower').
    """
    x = np.asarray(days, dtype=float)
    x = np.where(np.isfinite(x), x, np.inf)
    out: dict[str, dt.date | None] = {}
    for q in qs:
        if x.size == 0:
            out[f"p{q}"] = None
            continue
        v = float(np.percentile(x, q, method="lower"))
        out[f"p{q}"] = days_to_date(v)
    return out


def milestone_statistics(days: np.ndarray, target: dt.date | None, confidence: float = 0.95) -> dict:
    """Probability on time (date <= target, Wilson interval) and date percentiles of one milestone."""
    x = np.asarray(days, dtype=float)
    n = int(x.size)
    reached = np.isfinite(x)
    pct = date_percentiles(x)
    out = {
        "runs": n,
        "probability_reached": float(reached.mean()) if n else float("nan"),
        "target_date": target,
        "probability_on_time": None, "ci_low": None, "ci_high": None,
        "p10_date": pct["p10"], "p50_date": pct["p50"], "p90_date": pct["p90"],
    }
    if target is not None and n:
        # on time: reached no later than the end of the target day
        k = int(np.count_nonzero(reached & (x < date_to_days(target) + 1.0)))
        lo, hi = wilson_interval(k, n, confidence)
        out.update(probability_on_time=k / n, ci_low=lo, ci_high=hi, on_time_runs=k)
    return out


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``x``, ties given the mean of the ranks they span (NaN-free input): the
    ``method='average'`` of ``scipy.stats.rankdata``, same operations, without importing scipy.stats
    (0.25 s of every ``ilrs run``)."""
    a = np.asarray(x, dtype=float).ravel()
    order = np.argsort(a, kind="mergesort")
    sorted_a = a[order]
    first = np.r_[True, sorted_a[1:] != sorted_a[:-1]]  # the first of each run of equal values
    group = np.cumsum(first)
    bounds = np.r_[np.nonzero(first)[0], a.size]
    ranks = np.empty(a.size, dtype=float)
    ranks[order] = 0.5 * (bounds[group] + bounds[group - 1] + 1)
    return ranks


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation of x and y (average ranks for ties; y = NaN/inf ranks last).

    NaN when either side is constant.
    """
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    ya = np.where(np.isfinite(ya), ya, np.inf)
    ok = np.isfinite(xa)
    xa, ya = xa[ok], ya[ok]
    if xa.size < 3:
        return float("nan")
    return _ranked_correlation(average_ranks(xa), average_ranks(ya))


def _ranked_correlation(rx: np.ndarray, ry: np.ndarray) -> float:
    """Pearson correlation of two rank vectors (NaN when either is constant)."""
    sx, sy = rx.std(), ry.std()
    if sx == 0.0 or sy == 0.0:
        return float("nan")
    return float(np.mean((rx - rx.mean()) * (ry - ry.mean())) / (sx * sy))


def sensitivity(inputs: dict[str, np.ndarray], output: np.ndarray, top: int | None = None) -> list[dict]:
    """Inputs ranked by |Spearman ρ| with ``output`` (largest first); constant inputs are left out.
    The output's ranks are computed once (the same numbers as :func:`spearman` of each pair)."""
    rows = []
    ya = np.asarray(output, dtype=float)
    ry = average_ranks(np.where(np.isfinite(ya), ya, np.inf)) if ya.size >= 3 else None
    for name, values in inputs.items():
        xa = np.asarray(values, dtype=float)
        if ry is not None and xa.shape == ya.shape and np.isfinite(xa).all():
            rho = _ranked_correlation(average_ranks(xa), ry)
        else:  # inputs with gaps: the pair's own finite subset
            rho = spearman(values, output)
        if math.isfinite(rho):
            rows.append({"input": name, "spearman_rho": rho})
    rows.sort(key=lambda r: (-abs(r["spearman_rho"]), r["input"]))
    return rows[:top] if top else rows
