"""Schedule slips learned from the record (reference-class forecasting, issue 14 part 3).

The reference class is ``data/schedule_history.yaml`` (:mod:`ilrs.scenario.schedule_history`).

**Slip.** For an announcement of mission m: ``slip_days = actual launch − nominal day of the
announced date`` (1 July of an announced year, the 15th of a month, as the campaign treats its own
planned dates, so that a sampled slip is added to a planned date the same way). ``basis: first``
measures it from the mission's first announcement (one value per mission: the whole slip of the
programme, the classic reference-class quantity); ``basis: each`` from every announcement (a
forecast made at any point of the programme's life, e.g. the ILRS plan as announced now), each
mission weighted 1/(its announcements) so that every mission counts once. A mission not launched
by the record's ``as_of`` (or cancelled: at the cancellation) is right-censored: its slip is at
least ``as_of − announced``. Announcements whose date is still in the future are no evidence yet
and are left out.

**Fit.** ``slip_days − SHIFT_DAYS`` is lognormal (censored maximum likelihood,
:func:`ilrs.campaign.survival.fit_lognormal`); SHIFT_DAYS = −183 d is an assumption: a launch can
come up to half a year before the nominal day of an announced year and still be "on time". The
Weibull fit and the Kaplan–Meier curve are computed beside it (the report shows all three).
Uncertainty: a bootstrap over missions (resampled with replacement, refitted).

**Pooling.** A selection (agencies × class) is shrunk toward the fit of every agency in the same
classes (empirical Bayes, normal–normal: DerSimonian & Laird 1986, Controlled Clinical Trials
7:177): μ = w·μ_sel + (1 − w)·μ_pool with w = τ² / (τ² + σ_sel² / n_sel), τ² the between-agency
variance of μ (method of moments over agencies with ≥ 2 launched missions, floored at 0), n_sel
the selection's launched missions; σ² is pooled the same way. A selection with fewer than
MIN_EVENTS launched missions takes the pooled fit (w = 0). ``pooling: none`` keeps the selection's
own fit (w = 1), ``pooled`` takes every agency's (w = 0).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ilrs.errors import InputError
from ilrs.campaign.survival import LognormalFit, WeibullFit, fit_lognormal, fit_weibull, kaplan_meier, Survival
from ilrs.scenario.schedule_history import (ANY_AGENCY, HistoryMission, ScheduleHistory, schedule_history,
                                            select_missions)
from ilrs.scenario.uncertainties import HistorySlipDist, LognormalDist, UncertaintiesSection

SHIFT_DAYS = -183.0
"""Assumption: the earliest slip (days) the fit allows — half a year before the nominal day of an
announced year (a launch in January of an announced year is on time, not 6 months early)."""

MIN_EVENTS = 3
"""A selection with fewer launched missions than this takes the pooled fit alone."""

ILRS_REFERENCE_AGENCIES = ("cnsa", "roscosmos")
ILRS_REFERENCE_CLASS = "lunar"
"""The reference class of the ILRS (led by CNSA and Roscosmos): their lunar missions, the report's
and ``ilrs risk --slip-model history``'s default selection."""

REFERENCE_AGENCIES = {"ilrs": ILRS_REFERENCE_AGENCIES,
                      "artemis-accords": ("nasa", "astrobotic", "intuitive-machines", "firefly")}
"""Whose record a coalition's missions slip like (``Scenario.coalition``): the ILRS's lead agencies;
for Artemis, NASA and the US firms that fly its lunar deliveries (CLPS)."""

DEFAULT_BASIS = "each"
"""The report's and the CLI's basis: a study's planned dates are the newest announcements, many
already re-planned (Chang'e-7: 2024 → 2026 → 2027), so the slip still to come is measured from
every announcement; ``first`` (the whole programme slip since the first plan) would count the slip
already taken twice. The record's own figures are shown for both bases in the report."""


def reference_agencies(coalition: str) -> tuple[str, ...]:
    """The agencies whose record a study of ``coalition`` slips like (:data:`REFERENCE_AGENCIES`)."""
    return REFERENCE_AGENCIES.get(coalition, ILRS_REFERENCE_AGENCIES)

BOOTSTRAP_SAMPLES = 200
"""Bootstrap resamples for the intervals (200: the 2.5/97.5 % points within about ±0.1 σ)."""


@dataclass(frozen=True)
class SlipSample:
    """Slips of a selection: ``slip_days`` (censored ones: the lower bound), ``observed`` (False:
    censored), ``weights`` and the mission of each value (``mission_index`` into ``missions``)."""

    missions: tuple[HistoryMission, ...]
    slip_days: np.ndarray
    observed: np.ndarray
    weights: np.ndarray
    mission_index: np.ndarray

    @property
    def launched(self) -> int:
        """Missions with at least one observed slip (launched)."""
        return len(set(self.mission_index[self.observed].tolist()))

    def durations(self) -> np.ndarray:
        """slip − SHIFT_DAYS, floored at one day (what the positive-valued fits see)."""
        return np.maximum(self.slip_days - SHIFT_DAYS, 1.0)


def _end(m: HistoryMission, as_of: dt.date) -> tuple[dt.date, bool]:
    if m.launched is not None:
        return m.launched, True
    return (m.cancelled if m.cancelled is not None else as_of), False


def slip_sample(missions, as_of: dt.date, basis: str = "first") -> SlipSample:
    """The slips of ``missions`` measured from their first (``basis='first'``) or every announcement."""
    rows: list[tuple[float, bool, float, int]] = []
    for i, m in enumerate(missions):
        end, flown = _end(m, as_of)
        anns = [m.first] if basis == "first" else list(m.announcements)
        anns = [a for a in anns if flown or a.nominal <= end]  # a plan not yet due says nothing
        for a in anns:
            rows.append(((end - a.nominal).days, flown, 1.0 / len(anns), i))
    arr = np.array(rows, dtype=float).reshape(-1, 4)
    return SlipSample(tuple(missions), arr[:, 0], arr[:, 1].astype(bool), arr[:, 2], arr[:, 3].astype(int))


@dataclass(frozen=True)
class SlipFit:
    """The fitted slip model of one selection (days: slip = lognormal + SHIFT_DAYS)."""

    agencies: tuple[str, ...]
    mission_class: str
    basis: str
    pooling: str
    sample: SlipSample
    own: LognormalFit
    pooled: LognormalFit
    weight_own: float
    mu: float
    sigma: float
    weibull: WeibullFit
    km: Survival

    @property
    def median_slip_days(self) -> float:
        return math.exp(self.mu) + SHIFT_DAYS

    def quantile_slip_days(self, q: float) -> float:
        from scipy.special import ndtri  # the normal quantile (what scipy.stats.norm.ppf computes), without
        return math.exp(self.mu + self.sigma * float(ndtri(q))) + SHIFT_DAYS  # importing scipy.stats

    def distribution(self, source: str = "") -> LognormalDist:
        """The fitted slip as the scenario's :class:`LognormalDist` (sampled like any other)."""
        return LognormalDist(median=math.exp(self.mu), sigma=self.sigma, shift=SHIFT_DAYS,
                             source=source or self.label)

    @property
    def label(self) -> str:
        return (f"from-history: {'+'.join(self.agencies)} / {self.mission_class} / {self.basis} / {self.pooling} "
                f"({self.sample.launched} launched of {len(self.sample.missions)} missions, weight of own fit "
                f"{self.weight_own:.2f})")


def _between_agency_variance(history: ScheduleHistory, mission_class: str, basis: str) -> float:
    """τ² of μ between agencies (DerSimonian–Laird): agencies with ≥ 2 missions in the classes and
    ≥ 1 launched; the within-agency variance of μ is σ²/launched (censored missions add no event)."""
    mus, variances = [], []
    for agency in history.agencies:
        s = slip_sample(select_missions(history, [agency], mission_class), history.as_of, basis)
        if len(s.missions) >= 2 and s.launched >= 1:
            f = fit_lognormal(s.durations(), s.observed, s.weights)
            mus.append(f.mu)
            variances.append(max(f.sigma, 0.05) ** 2 / s.launched)
    if len(mus) < 2:
        return 0.0
    mu, w = np.asarray(mus), 1.0 / np.asarray(variances)
    mean = float(np.dot(w, mu) / w.sum())
    q = float(np.dot(w, (mu - mean) ** 2))
    return max(0.0, (q - (len(mus) - 1)) / float(w.sum() - np.dot(w, w) / w.sum()))


def _weight_own(history, agencies, mission_class, basis, pooling, sample, own) -> float:
    if pooling == "none" or ANY_AGENCY in agencies:
        return 1.0
    if pooling == "pooled" or sample.launched < MIN_EVENTS:
        return 0.0
    tau2 = _between_agency_variance(history, mission_class, basis)
    return tau2 / (tau2 + own.sigma ** 2 / sample.launched)


def fit_selection(agencies, mission_class: str, basis: str = "first", pooling: str = "shrink",
                  history: ScheduleHistory | None = None) -> SlipFit:
    """The slip model of ``agencies`` (``['any']``: all) in ``mission_class``. ``pooling``:
    ``shrink`` toward the fit of every agency in the classes (see the module), ``none`` (the
    selection's own fit), ``pooled`` (every agency's)."""
    history = history or schedule_history()
    agencies = tuple(sorted(set(agencies)))
    sample = slip_sample(select_missions(history, agencies, mission_class), history.as_of, basis)
    if not sample.observed.any():
        in_class = select_missions(history, [ANY_AGENCY], mission_class)
        flown = sorted({m.agency for m in in_class if m.launched is not None})
        raise InputError(f"no launched mission of {'+'.join(agencies)} in class {mission_class} to learn slips from",
                         field="uncertainties.schedule_slip_days (from-history agencies)", allowed=flown)
    pool_sample = slip_sample(select_missions(history, [ANY_AGENCY], mission_class), history.as_of, basis)
    pooled = fit_lognormal(pool_sample.durations(), pool_sample.observed, pool_sample.weights)
    own = fit_lognormal(sample.durations(), sample.observed, sample.weights)
    w = _weight_own(history, agencies, mission_class, basis, pooling, sample, own)
    mu = w * own.mu + (1 - w) * pooled.mu
    sigma = math.sqrt(w * own.sigma ** 2 + (1 - w) * pooled.sigma ** 2)
    weib = fit_weibull(sample.durations(), sample.observed, sample.weights)
    km = kaplan_meier(sample.durations(), sample.observed, sample.weights)
    return SlipFit(agencies, mission_class, basis, pooling, sample, own, pooled, w, mu, sigma, weib, km)


def bootstrap_medians(fit: SlipFit, samples: int = BOOTSTRAP_SAMPLES, seed: int = 0,
                      level: float = 0.95) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap intervals (missions resampled with replacement, the selection's own
    lognormal refitted) of the median slip (days) and of sigma."""
    s, rng = fit.sample, np.random.default_rng(seed)
    n = len(s.missions)
    medians, sigmas = [], []
    for _ in range(samples):
        pick = rng.integers(0, n, n)
        idx = np.concatenate([np.flatnonzero(s.mission_index == j) for j in pick])
        if not s.observed[idx].any():
            continue
        f = fit_lognormal(s.durations()[idx], s.observed[idx], s.weights[idx])
        medians.append(f.median + SHIFT_DAYS)
        sigmas.append(f.sigma)
    lo, hi = 100 * (1 - level) / 2, 100 * (1 + level) / 2
    return {"median_slip_days": tuple(np.percentile(medians, [lo, hi]).tolist()),
            "sigma": tuple(np.percentile(sigmas, [lo, hi]).tolist())}


@lru_cache(maxsize=64)
def _cached_fit(agencies: tuple[str, ...], mission_class: str, basis: str, pooling: str,
                known_on: dt.date | None = None) -> SlipFit:
    return fit_selection(agencies, mission_class, basis, pooling, history=schedule_history().as_known_on(known_on))


def fitted_distribution(d: HistorySlipDist, known_on: dt.date | None = None) -> LognormalDist:
    """The lognormal a ``from-history`` entry stands for, learned from the record as known on
    ``known_on`` (the whole record if None; fitted once per selection, day and process)."""
    f = _cached_fit(tuple(sorted(set(d.agencies))), d.mission_class, d.basis, d.pooling, known_on)
    return f.distribution((d.source or f.label) + (f" (record as known on {known_on})" if known_on else ""))


def resolve_history_slips(unc: UncertaintiesSection, known_on: dt.date | None = None) -> UncertaintiesSection:
    """``unc`` with every ``from-history`` slip replaced by its fitted lognormal (the rest unchanged);
    ``known_on``: a study replayed as known on that day learns only from the record known then."""
    table = unc.schedule_slip_days
    if not any(isinstance(d, HistorySlipDist) for d in table.values()):
        return unc
    resolved = {k: fitted_distribution(d, known_on) if isinstance(d, HistorySlipDist) else d for k, d in table.items()}
    return unc.model_copy(update={"schedule_slip_days": resolved})


def with_slips_of(inputs, uncertainties: UncertaintiesSection, known_on: dt.date | None = None):
    """A compiled campaign (:class:`ilrs.campaign.CampaignInputs`) with the schedule slips of
    ``uncertainties`` instead of its own (``from-history`` ones fitted on the record as known on
    ``known_on``), nothing recompiled: the same missions, vehicles and milestones, each planned
    mission's slip as :func:`compile_campaign` would give it."""
    unc = resolve_history_slips(uncertainties, known_on)
    dists = tuple(unc.for_name("schedule_slip_days", m.id) if m.past is None else None for m in inputs.missions)
    return dataclasses.replace(inputs, slip_dists=dists, slip_correlation=unc.schedule_slip_correlation,
                               uncertainties=unc)
