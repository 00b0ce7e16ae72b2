"""Scenario section ``uncertainties``: distributions the risk layer samples.

Owned by the risk layer's issue; fields may be added, never renamed.

Every uncertain input is a :data:`Distribution`, written in YAML as a mapping with a ``dist`` key::

    uncertainties:
      runs: 1000                      # Monte Carlo runs of the risk section of `ilrs run`
      launch_failure:                 # probability that one launch of this vehicle fails
        CZ-5: {dist: beta, events: 1, trials: 8, source: "Y2 failed 2017-07-02; 8 flights to 2024-05"}
        default: {dist: beta, from_record: true, events: 8, trials: 259}   # own record, else global
      landing_failure:                # per mission
        default: {dist: beta, alpha: 3.92, beta: 10.08}
      schedule_slip_days:             # per mission, days added to the planned launch
        default: {dist: lognormal, median: 90, sigma: 0.9, shift: -30}
      # or learned from the record of announced vs actual launches (data/schedule_history.yaml):
      #   default: {dist: from-history, agencies: [cnsa, roscosmos], class: lunar, basis: first}
      schedule_slip_correlation: 0.3  # common programme-wide factor in every mission's slip
      stand_down_days:                # per vehicle: its family is grounded after it fails
        default: {dist: triangular, low: 180, mode: 450, high: 908}
      element_mtbf_factor:            # operations (--ops): factor on each element's own MTBF
        default: {dist: lognormal, median: 1.0, sigma: 0.5}
      array_degradation_per_year: {dist: uniform, low: 0.01, high: 0.03}

Mappings keyed by a name (vehicle, mission, element) take an optional ``default`` entry that
applies to every name not listed. A ``beta`` from a flight record (``events`` out of ``trials``)
is the posterior of a Beta(``prior_alpha``, ``prior_beta``) prior — Jeffreys (0.5, 0.5) unless
stated — updated by the record: Beta(prior_alpha + events, prior_beta + trials − events)
(Gelman et al., *Bayesian Data Analysis*, 3rd ed., §2.4).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Iterable, Literal, Mapping, Union

from pydantic import Field, model_validator

from ilrs.errors import shorten
from ilrs.scenario.base import StrictModel

MAX_PARAMETER = 1e9
"""Every parameter of a distribution lies within ±MAX_PARAMETER (and is finite: no NaN, no inf)."""

MAX_LOG_SIGMA = 10.0
"""Largest ``sigma`` of a lognormal: exp(sigma·z) stays finite for any draw (|z| < 70); a factor of
e^10 ≈ 22,000 per standard deviation is already beyond any meaningful uncertainty."""

Z_EXTREME = 8.5
"""The most extreme standard-normal score a study meets: P(|Z| > 8.5) ≈ 2e-17, never reached in the
10^7 runs × the missions of the largest study allowed. The range checks below hold there."""

MAX_SLIP_DAYS = 365_250.0
"""A schedule slip or stand-down, days, stays within ±1000 years even at :data:`Z_EXTREME` (so every
shifted date stays a representable date, before year 9999); the reference slip (median 90 d,
sigma 0.9, shift −30 d) reaches about 190,000 days there."""

MAX_MTBF_H = 1e9
"""An element's sampled MTBF (hours) stays below 10^9 h (114,000 years) at :data:`Z_EXTREME`;
a sampled MTBF factor below 10^6."""

def _param():
    return Field(ge=-MAX_PARAMETER, le=MAX_PARAMETER)


class FixedDist(StrictModel):
    """A known value (no uncertainty)."""

    dist: Literal["fixed"] = "fixed"
    value: float = Field(ge=-MAX_PARAMETER, le=MAX_PARAMETER)
    source: str = ""


class BetaDist(StrictModel):
    """A probability: Beta(alpha, beta), or the posterior of a prior updated by a record.

    Give either ``alpha`` and ``beta``, or ``events`` out of ``trials`` (e.g. 2 failures in 14
    launches) with the prior ``prior_alpha``/``prior_beta`` (Jeffreys 0.5/0.5 by default), or
    ``from_record: true`` (launch failures only): the flight record of each vehicle in the
    campaign's catalogue (``record: {flights, failures}``), and for a vehicle without one,
    ``events``/``trials`` when given (e.g. a global record), else the prior alone.
    """

    dist: Literal["beta"] = "beta"
    alpha: float | None = Field(None, gt=0, le=MAX_PARAMETER)
    beta: float | None = Field(None, gt=0, le=MAX_PARAMETER)
    events: int | None = Field(None, ge=0, le=int(MAX_PARAMETER))
    trials: int | None = Field(None, ge=0, le=int(MAX_PARAMETER))
    prior_alpha: float = Field(0.5, gt=0, le=MAX_PARAMETER)
    prior_beta: float = Field(0.5, gt=0, le=MAX_PARAMETER)
    from_record: bool = Field(False, description="Use each vehicle's own flight record (launch_failure).")
    source: str = ""

    @model_validator(mode="after")
    def _one_form(self) -> "BetaDist":
        direct = self.alpha is not None or self.beta is not None
        record = self.events is not None or self.trials is not None
        if direct and (record or self.from_record):
            raise ValueError("give either 'alpha' and 'beta', or 'events' and 'trials' (or 'from_record')")
        if not direct and not record and not self.from_record:
            raise ValueError("give either 'alpha' and 'beta', or 'events' and 'trials', or 'from_record: true'")
        if direct and (self.alpha is None or self.beta is None):
            raise ValueError("give both 'alpha' and 'beta'")
        if record:
            if self.events is None or self.trials is None:
                raise ValueError("give both 'events' and 'trials'")
            if self.events > self.trials:
                raise ValueError(f"events ({self.events}) cannot exceed trials ({self.trials})")
        return self

    @property
    def shape(self) -> tuple[float, float]:
        """(alpha, beta) of the distribution that is sampled (without a vehicle's own record)."""
        if self.alpha is not None:
            return float(self.alpha), float(self.beta)
        if self.events is None:
            return self.prior_alpha, self.prior_beta
        return self.prior_alpha + self.events, self.prior_beta + (self.trials - self.events)

    def shape_with_record(self, failures: int | None, flights: int | None) -> tuple[float, float]:
        """(alpha, beta) for a vehicle whose own record is ``failures`` out of ``flights`` (None: no
        record): the prior updated by that record when ``from_record``, else :attr:`shape`."""
        if self.from_record and failures is not None and flights:  # a record of 0 flights is no record
            return self.prior_alpha + failures, self.prior_beta + (flights - failures)
        return self.shape

    @property
    def mean(self) -> float:
        a, b = self.shape
        return a / (a + b)


class LognormalDist(StrictModel):
    """exp(N(ln median, sigma²)) + shift: positive, right-skewed (schedule slips, MTBFs)."""

    dist: Literal["lognormal"] = "lognormal"
    median: float = Field(gt=0, le=MAX_PARAMETER)
    sigma: float = Field(ge=0, le=MAX_LOG_SIGMA,
                         description="Standard deviation of the natural log (at most 10: see MAX_LOG_SIGMA).")
    shift: float = Field(0.0, ge=-MAX_PARAMETER, le=MAX_PARAMETER, description="Added to every draw (e.g. a minimum slip).")
    source: str = ""


class TriangularDist(StrictModel):
    """Triangular(low, mode, high)."""

    dist: Literal["triangular"] = "triangular"
    low: float = _param()
    mode: float = _param()
    high: float = _param()
    source: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> "TriangularDist":
        if not (self.low <= self.mode <= self.high) or self.low == self.high:
            raise ValueError("need low <= mode <= high and low < high")
        return self


class UniformDist(StrictModel):
    """Uniform on [low, high)."""

    dist: Literal["uniform"] = "uniform"
    low: float = _param()
    high: float = _param()
    source: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> "UniformDist":
        if not self.low < self.high:
            raise ValueError("need low < high")
        return self


class NormalDist(StrictModel):
    """Normal(mean, sd), clipped to [low, high] when given."""

    dist: Literal["normal"] = "normal"
    mean: float = _param()
    sd: float = Field(ge=0, le=MAX_PARAMETER)
    low: float | None = Field(None, ge=-MAX_PARAMETER, le=MAX_PARAMETER)
    high: float | None = Field(None, ge=-MAX_PARAMETER, le=MAX_PARAMETER)
    source: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> "NormalDist":
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError("need low <= high")
        return self


class HistorySlipDist(StrictModel):
    """A schedule slip learned from the record of announced versus actual launch dates
    (``data/schedule_history.yaml``; fitted by :mod:`ilrs.campaign.slip_history`, where the slip,
    the censoring of missions not yet flown, the lognormal fit and the pooling are defined).

    ``agencies``: agencies of the record (``any``: all); ``class``: a mission class or group
    (``lunar``, ``lunar-robotic``, ``deep-space``, ``any``); ``basis``: slip from each mission's
    ``first`` announcement or from ``each`` one; ``pooling``: ``shrink`` toward every agency's
    fit of the class (empirical Bayes), ``none`` or ``pooled``. Only in ``schedule_slip_days``; the campaign
    compiles it to the fitted lognormal (so the correlation factor applies as to any lognormal)."""

    dist: Literal["from-history"] = "from-history"
    agencies: list[str] = Field(default_factory=lambda: ["any"], min_length=1, max_length=64)
    mission_class: str = Field("any", alias="class", max_length=64)
    basis: Literal["first", "each"] = "first"
    pooling: Literal["shrink", "none", "pooled"] = "shrink"
    source: str = ""

    @model_validator(mode="after")
    def _known(self) -> "HistorySlipDist":
        from ilrs.scenario.schedule_history import allowed_agencies, allowed_classes

        if self.mission_class not in allowed_classes():
            raise ValueError(f"unknown class {shorten(self.mission_class)} (allowed: {', '.join(allowed_classes())})")
        known = allowed_agencies()
        for a in self.agencies:
            if a not in known:
                raise ValueError(f"unknown agency {shorten(a)} (allowed: {', '.join(known)})")
        return self


Distribution = Annotated[
    Union[FixedDist, BetaDist, LognormalDist, TriangularDist, UniformDist, NormalDist, HistorySlipDist],
    Field(discriminator="dist"),
]

DEFAULT_KEY = "default"


def extreme_range(d: "Distribution", z: float = Z_EXTREME) -> tuple[float, float]:
    """The lowest and highest draw of ``d`` a study can meet: its bounds, or ``z`` standard deviations out."""
    if isinstance(d, FixedDist):
        return d.value, d.value
    if isinstance(d, BetaDist):
        return 0.0, 1.0
    if isinstance(d, LognormalDist):
        return d.median * math.exp(-z * d.sigma) + d.shift, d.median * math.exp(z * d.sigma) + d.shift
    if isinstance(d, (TriangularDist, UniformDist)):
        return d.low, d.high
    if isinstance(d, HistorySlipDist):  # a fitted lognormal shifted by −183 d, its draws capped at MAX_SLIP_DAYS
        return -183.0, MAX_SLIP_DAYS
    lo, hi = d.mean - z * d.sd, d.mean + z * d.sd
    return (lo if d.low is None else min(max(lo, d.low), hi if d.high is None else d.high),
            hi if d.high is None else max(min(hi, d.high), lo if d.low is None else d.low))


_DRAW_LIMITS = {
    "schedule_slip_days": (-MAX_SLIP_DAYS, MAX_SLIP_DAYS, "days"),
    "stand_down_days": (-MAX_SLIP_DAYS, MAX_SLIP_DAYS, "days"),
    "element_mtbf_h": (-MAX_MTBF_H, MAX_MTBF_H, "hours"),
    "element_mtbf_factor": (-1e6, 1e6, ""),
}


def _check_probability(d: "Distribution", where: str) -> None:
    if isinstance(d, FixedDist) and not 0.0 <= d.value <= 1.0:
        raise ValueError(f"{where}: a probability must lie in [0, 1], got {d.value}")
    if isinstance(d, (UniformDist, TriangularDist)) and (d.low < 0.0 or d.high > 1.0):
        raise ValueError(f"{where}: a probability must lie in [0, 1]")
    if isinstance(d, LognormalDist):
        raise ValueError(f"{where}: a probability cannot be lognormal (use beta, fixed, uniform or triangular)")
    if isinstance(d, NormalDist) and (d.low is None or d.high is None or d.low < 0.0 or d.high > 1.0):
        raise ValueError(f"{where}: a normal probability needs 'low' and 'high' within [0, 1]")


class UncertaintiesSection(StrictModel):
    """The uncertain inputs of the study and how the risk layer runs them."""

    runs: int = Field(500, ge=1, le=10_000_000, description="Monte Carlo runs for the risk section of `ilrs run`.")
    chunk_runs: int = Field(250, ge=1, le=1_000_000,
                            description="Runs per Parquet chunk (the unit of work, of resume and of a task).")
    launch_failure: dict[str, Distribution] = Field(
        default_factory=dict, description="Probability that one launch fails, per vehicle name (or 'default').")
    landing_failure: dict[str, Distribution] = Field(
        default_factory=dict, description="Probability that a landing fails, per mission name (or 'default').")
    schedule_slip_days: dict[str, Distribution] = Field(
        default_factory=dict, description="Slip of each mission's launch date, days, per mission (or 'default'); "
                                          "draws stay within ±365,250 days (1000 years) even 8.5 standard "
                                          "deviations out (MAX_SLIP_DAYS).")
    schedule_slip_correlation: float = Field(
        0.0, ge=0.0, le=1.0,
        description="Share of variance of ln(slip) common to all missions (Gaussian copula, equal pairwise "
                    "correlation); applies to lognormal slips.")
    stand_down_days: dict[str, Distribution] = Field(
        default_factory=dict,
        description="Days a vehicle's family stays grounded after that vehicle fails, per vehicle (or 'default'); "
                    "within ±365,250 days like the slips.")
    element_mtbf_h: dict[str, Distribution] = Field(
        default_factory=dict, description="Mean time between failures of station elements, hours (operations).")
    element_mtbf_factor: dict[str, Distribution] = Field(
        default_factory=dict,
        description="Factor on each element's own MTBF (Weibull: on its scale), per element (or 'default'); "
                    "element_mtbf_h, where given, wins (operations).")
    array_degradation_per_year: Distribution | None = Field(
        None, description="Fractional loss of solar-array output per year (operations).")
    target_dates: dict[str, dt.date] = Field(
        default_factory=dict,
        description="Milestone name -> target date (YYYY-MM-DD, within 1900-01-01..2150-12-31, the ephemeris "
                    "coverage) overriding the campaign's own target, for 'probability on time'.")

    @model_validator(mode="after")
    def _probabilities(self) -> "UncertaintiesSection":
        for group in ("launch_failure", "landing_failure", "stand_down_days", "element_mtbf_h", "element_mtbf_factor"):
            for name, d in getattr(self, group).items():
                if isinstance(d, HistorySlipDist):
                    raise ValueError(f"{group}.{name}: 'from-history' applies to schedule_slip_days only")
        if isinstance(self.array_degradation_per_year, HistorySlipDist):
            raise ValueError("array_degradation_per_year: 'from-history' applies to schedule_slip_days only")
        for group in ("launch_failure", "landing_failure"):
            for name, d in getattr(self, group).items():
                _check_probability(d, f"{group}.{name}")
                if group != "launch_failure" and isinstance(d, BetaDist) and d.from_record:
                    raise ValueError(f"{group}.{name}: 'from_record' applies to launch_failure only")
        for group in ("element_mtbf_h", "element_mtbf_factor"):
            for name, d in getattr(self, group).items():
                if isinstance(d, FixedDist) and d.value <= 0:
                    raise ValueError(f"{group}.{name}: must be positive")
                if isinstance(d, BetaDist) and d.from_record:
                    raise ValueError(f"{group}.{name}: 'from_record' applies to launch_failure only")
        for group, (low, high, unit) in _DRAW_LIMITS.items():
            for name, d in getattr(self, group).items():
                lo, hi = extreme_range(d)
                if not (low <= lo and hi <= high):
                    raise ValueError(
                        f"{group}.{name}: draws reach {lo:.4g}..{hi:.4g}{' ' + unit if unit else ''} (at "
                        f"{Z_EXTREME} standard deviations); they must stay within {low:.4g}..{high:.4g}")
        return self

    def check_references(self, scenario) -> None:
        """Every key names something the study has, so a mistyped name is an error, not a draw
        that silently applies to nothing: vehicles of the campaign (packaged and inline) for
        ``launch_failure``/``stand_down_days``, its missions for ``landing_failure``/
        ``schedule_slip_days``, its milestone ids for ``target_dates``, and the ``operations``
        elements (the ones with a failure model) for ``element_mtbf_*``; ``default`` everywhere but
        in ``target_dates``."""
        from ilrs.scenario.references import ReferenceProblem

        res = scenario.campaign.resolved()
        names = {
            "launch_failure": ("vehicle", set(res.vehicles)),
            "stand_down_days": ("vehicle", set(res.vehicles)),
            "landing_failure": ("mission", set(res.known_missions)),
            "schedule_slip_days": ("mission", set(res.known_missions)),
            "element_mtbf_h": ("operations element", {e.name for e in scenario.operations.elements}),
            "element_mtbf_factor": ("operations element", {e.name for e in scenario.operations.elements}),
        }
        for group, (kind, known) in names.items():
            for key in getattr(self, group):
                if key != DEFAULT_KEY and key not in known:
                    raise ReferenceProblem(f"{group}.{key}", f"unknown {kind} {shorten(key)}", sorted(known) + [DEFAULT_KEY])
        milestones = {m.id for m in scenario.campaign.milestones}
        for key in self.target_dates:
            if key not in milestones:
                raise ReferenceProblem(f"target_dates.{key}", f"unknown milestone {shorten(key)}", milestones)

    def with_history_slips(self, agencies: Iterable[str], mission_class: str, basis: str = "first",
                           pooling: str = "shrink") -> "UncertaintiesSection":
        """This section with every mission's slip learned from the record instead (one ``default``
        ``from-history`` entry; the correlation and everything else unchanged)."""
        d = HistorySlipDist.model_validate({"dist": "from-history", "agencies": list(agencies),
                                            "class": mission_class, "basis": basis, "pooling": pooling})
        return self.model_copy(update={"schedule_slip_days": {DEFAULT_KEY: d}})

    def named(self, group: str, names: Iterable[str]) -> "list[tuple[str, Distribution]]":
        """(name, distribution) of every name of ``names`` that has one in ``group`` (its own or the
        group's default), names sorted: the order every sampler draws in."""
        table: dict = getattr(self, group)
        default = table.get(DEFAULT_KEY)
        return [(n, table.get(n, default)) for n in sorted(set(names)) if table.get(n, default) is not None]

    def for_name(self, group: str, name: str) -> "Distribution | None":
        """The distribution of ``group`` (e.g. 'launch_failure') for ``name``, or its default, or None."""
        table: dict = getattr(self, group)
        return table.get(name, table.get(DEFAULT_KEY))


def draw(d: "Distribution", rng, z: float | None = None,
         record: tuple[int, int] | None = None) -> float:
    """One draw of distribution ``d`` from the ``numpy.random.Generator`` ``rng``.

    ``z`` (a standard-normal value) drives a lognormal or normal draw instead of a fresh one (used
    for correlated slips: lognormal = median·exp(sigma·Z) + shift). ``record`` = (failures,
    flights) of the vehicle, for a ``beta`` with ``from_record``. The campaign engine and the risk
    layer both draw through this one function, so their random streams agree."""
    if isinstance(d, FixedDist):
        return float(d.value)
    if isinstance(d, BetaDist):
        a, b = d.shape_with_record(*(record or (None, None)))
        return float(rng.beta(a, b))
    if isinstance(d, LognormalDist):
        zz = float(rng.standard_normal()) if z is None else z
        return float(d.median * math.exp(d.sigma * zz) + d.shift)
    if isinstance(d, TriangularDist):
        return float(rng.triangular(d.low, d.mode, d.high))
    if isinstance(d, UniformDist):
        return float(rng.uniform(d.low, d.high))
    if isinstance(d, NormalDist):
        zz = float(rng.standard_normal()) if z is None else z
        v = d.mean + d.sd * zz
        if d.low is not None:
            v = max(d.low, v)
        if d.high is not None:
            v = min(d.high, v)
        return float(v)
    if isinstance(d, HistorySlipDist):
        raise TypeError("a 'from-history' slip is drawn from its fit: compile the campaign first "
                        "(ilrs.campaign.slip_history.resolve_history_slips)")
    raise TypeError(f"unknown distribution {type(d).__name__}")


def correlated_slips_days(dists: "Mapping[str, Distribution]", correlation: float, rng) -> tuple[float, dict[str, float]]:
    """The schedule slips of one run, days, per mission: ``(z_common, {mission: slip_days})``.

    The one slip model of every layer (the campaign engine and the risk layer both call it).
    One-factor Gaussian copula with equal pairwise correlation ρ of the normal scores:
    ``Z_m = sqrt(ρ)·Z_common + sqrt(1 − ρ)·Z_own(m)`` (Var Z_m = 1, Corr(Z_m, Z_n) = ρ), each slip
    then :func:`draw` of its distribution driven by ``Z_m`` (lognormal, normal). Draw order, fixed:
    ``Z_common``, then one ``Z_own`` per mission in sorted mission order (one
    ``standard_normal(n)`` call), then whatever each distribution draws itself, missions sorted.
    Each slip is kept within ±MAX_SLIP_DAYS (a validated distribution never reaches it; a fitted
    ``from-history`` one could, 8.5 standard deviations out).
    """
    names = sorted(dists)
    common = float(rng.standard_normal())
    own = rng.standard_normal(len(names))
    a, b = math.sqrt(correlation), math.sqrt(1.0 - correlation)
    return common, {m: max(-MAX_SLIP_DAYS, min(MAX_SLIP_DAYS, draw(dists[m], rng, z=a * common + b * z_own)))
                    for m, z_own in zip(names, own.tolist())}
