"""Survival analysis of right-censored durations: Kaplan–Meier and censored maximum likelihood.

Used by :mod:`ilrs.campaign.slip_history` for schedule slips, where a mission not yet launched is
a right-censored observation (its slip is at least the time elapsed since its announced date).

- :func:`kaplan_meier`: the product-limit estimator S(t) = Π_{t_i ≤ t} (1 − d_i / n_i) (Kaplan &
  Meier 1958, JASA 53:457), with optional weights (d_i, n_i: weighted events and weighted numbers
  at risk); without censoring 1 − S is the empirical CDF.
- :func:`fit_lognormal` / :func:`fit_weibull`: maximum likelihood with right censoring,
  log L = Σ_events w·log f(x) + Σ_censored w·log S(c) (Klein & Moeschberger, *Survival Analysis*,
  2nd ed., §3.5), maximised with ``scipy.optimize.minimize`` over (μ, log σ) or (log λ, log k).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special  # no scipy.stats (0.26 s to import): the CDFs are closed forms

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)

LOG_SIGMA_BOUNDS = (math.log(0.01), math.log(10.0))
"""ln σ of a lognormal fit stays within [ln 0.01, ln 10] (the scenario's own bound on σ is 10): with
a single event and the rest censored the likelihood grows without bound as σ → 0."""


@dataclass(frozen=True)
class Survival:
    """A Kaplan–Meier curve: ``times`` (distinct event times, ascending) and ``survival`` S(t) just after each."""

    times: np.ndarray
    survival: np.ndarray

    def at(self, t: float) -> float:
        """S(t): the product over event times ≤ t (1 before the first)."""
        i = int(np.searchsorted(self.times, t, side="right"))
        return 1.0 if i == 0 else float(self.survival[i - 1])


@dataclass(frozen=True)
class LognormalFit:
    """ln X ~ N(mu, sigma²): the median is exp(mu)."""

    mu: float
    sigma: float
    log_likelihood: float

    @property
    def median(self) -> float:
        return math.exp(self.mu)

    def cdf(self, x) -> np.ndarray:
        """P(X ≤ x) = Φ((ln x − mu)/sigma), 0 for x ≤ 0 (scipy.special's Φ: scipy.stats costs 0.26 s to import)."""
        x = np.asarray(x, float)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (np.log(np.where(x > 0.0, x, 1.0)) - self.mu) / self.sigma
        return np.where(x > 0.0, special.ndtr(z), 0.0)


@dataclass(frozen=True)
class WeibullFit:
    """P(X > x) = exp(−(x/scale)^shape)."""

    scale: float
    shape: float
    log_likelihood: float

    @property
    def median(self) -> float:
        return self.scale * math.log(2.0) ** (1.0 / self.shape)

    def cdf(self, x) -> np.ndarray:
        """P(X ≤ x) = 1 − exp(−(x/scale)^shape), 0 for x ≤ 0."""
        x = np.asarray(x, float)
        return np.where(x > 0.0, -np.expm1(-(np.maximum(x, 0.0) / self.scale) ** self.shape), 0.0)


def _arrays(x, observed, weights):
    x = np.asarray(x, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    if x.ndim != 1 or x.shape != observed.shape or x.shape != w.shape:
        raise ValueError("x, observed and weights must be 1-d arrays of one length")
    if np.any(~np.isfinite(x)) or np.any(w < 0):
        raise ValueError("x must be finite and weights non-negative")
    return x, observed, w


def kaplan_meier(x, observed, weights=None) -> Survival:
    """Kaplan–Meier estimate from durations ``x`` and ``observed`` (False: right-censored at x).

    At a time with both events and censorings the events come first (the usual convention)."""
    x, observed, w = _arrays(x, observed, weights)
    times = np.unique(x[observed])
    s, out = 1.0, []
    for t in times:
        at_risk = w[x >= t].sum()
        events = w[(x == t) & observed].sum()
        s *= 1.0 - events / at_risk if at_risk > 0 else 1.0
        out.append(s)
    return Survival(times, np.asarray(out))


def _fit(neg_log_lik, start) -> tuple[np.ndarray, float]:
    res = optimize.minimize(neg_log_lik, start, method="Nelder-Mead",
                            options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 4000})
    return res.x, -float(res.fun)


def fit_lognormal(x, observed, weights=None) -> LognormalFit:
    """Censored maximum-likelihood lognormal fit of positive durations ``x``."""
    x, observed, w = _arrays(x, observed, weights)
    if np.any(x <= 0) or not observed.any():
        raise ValueError("a lognormal fit needs positive durations and at least one event")
    lx = np.log(x)

    ev_w, ev_lx, ce_w, ce_lx = w[observed], lx[observed], w[~observed], lx[~observed]

    def nll(p):
        log_sigma = min(max(p[1], LOG_SIGMA_BOUNDS[0]), LOG_SIGMA_BOUNDS[1])
        mu, sigma = p[0], math.exp(log_sigma)
        z = (ev_lx - mu) / sigma
        ll = float(np.dot(ev_w, -0.5 * z * z - _LOG_SQRT_2PI - log_sigma - ev_lx))
        if ce_w.size:
            ll += float(np.dot(ce_w, special.log_ndtr(-(ce_lx - mu) / sigma)))  # log S = log Φ(−z)
        return -ll

    ev = lx[observed]
    start = np.array([ev.mean(), math.log(max(ev.std(), 0.1))])
    p, ll = _fit(nll, start)
    return LognormalFit(float(p[0]), math.exp(min(max(float(p[1]), LOG_SIGMA_BOUNDS[0]), LOG_SIGMA_BOUNDS[1])), ll)


def fit_weibull(x, observed, weights=None) -> WeibullFit:
    """Censored maximum-likelihood Weibull fit of positive durations ``x``."""
    x, observed, w = _arrays(x, observed, weights)
    if np.any(x <= 0) or not observed.any():
        raise ValueError("a Weibull fit needs positive durations and at least one event")
    lx = np.log(x)

    def nll(p):
        log_scale, k = p[0], math.exp(p[1])
        u = np.exp(k * (lx - log_scale))  # (x/scale)^k
        ll = np.where(observed, math.log(k) - log_scale + (k - 1.0) * (lx - log_scale) - u, -u)
        return -float(np.dot(w, ll))

    start = np.array([lx[observed].mean(), 0.0])
    p, ll = _fit(nll, start)
    return WeibullFit(math.exp(float(p[0])), math.exp(float(p[1])), ll)
