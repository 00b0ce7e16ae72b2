"""Draws from the scenario's ``uncertainties`` section (one set of inputs per Monte Carlo run).

Every draw comes from the run's own ``numpy.random.Generator``, in a fixed order (group by group,
names sorted), so a run's inputs depend on nothing but its seed sequence.

Formulas:
- beta: ``Generator.beta(alpha, beta)``; from a flight record, the conjugate posterior
  Beta(a0 + failures, b0 + successes) (Gelman et al., *Bayesian Data Analysis*, 3rd ed., §2.4).
- lognormal: ``median · exp(sigma · Z) + shift`` with Z ~ N(0, 1) (so ``median`` is the median
  of the unshifted variable and ``sigma`` the standard deviation of its log).
- correlated schedule slips (Gaussian one-factor model, equal pairwise correlation ρ of the
  log-slips): ``Z_m = sqrt(ρ)·Z_common + sqrt(1 − ρ)·Z_own(m)``; Var Z_m = 1 and
  Corr(Z_m, Z_n) = ρ for m ≠ n — :func:`ilrs.scenario.uncertainties.correlated_slips_days`, the
  function the campaign engine draws its own slips with.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np

from ilrs.scenario.uncertainties import draw  # noqa: F401 (one draw function for every layer)
from ilrs.scenario.uncertainties import DEFAULT_KEY, UncertaintiesSection, correlated_slips_days


COMMON_SLIP_FACTOR = "schedule_slip_common_z"
"""Key of the standard-normal programme-wide slip factor (not a campaign override)."""


def _named(unc: UncertaintiesSection, group: str, names: Iterable[str]) -> list[tuple[str, Any]]:
    """(name, distribution) of every name that has one (its own or the group's default), sorted."""
    table: dict = getattr(unc, group)
    default = table.get(DEFAULT_KEY)
    out = []
    for n in sorted(set(names)):
        d = table.get(n, default)
        if d is not None:
            out.append((n, d))
    return out


def sample_campaign_inputs(unc: UncertaintiesSection, vehicles: Mapping[str, tuple[int, int] | None] | Iterable[str],
                           missions: Iterable[str], rng: np.random.Generator,
                           landing_missions: Iterable[str] | None = None) -> dict[str, float]:
    """Sampled campaign inputs of one run, keyed ``<group>.<name>``.

    Groups: ``launch_failure`` (probability, per vehicle id; ``vehicles`` maps each id to its
    flight record (failures, flights) or None), ``landing_failure`` (probability, per mission),
    ``schedule_slip_days`` (per mission, correlated through ``schedule_slip_correlation``),
    ``stand_down_days`` (per vehicle: how long its family is grounded after it fails), and
    ``schedule_slip_common_z`` (the common factor of the slips, when correlated). A name with
    no entry and no ``default`` gets no draw (the campaign's own value stands). ``landing_missions``:
    the missions that land (default: all).
    """
    records = dict(vehicles) if isinstance(vehicles, dict) else {v: None for v in vehicles}
    missions = list(missions)
    landing = missions if landing_missions is None else list(landing_missions)
    out: dict[str, float] = {}
    for v, d in _named(unc, "launch_failure", records):
        out[f"launch_failure.{v}"] = draw(d, rng, record=records[v])
    for m, d in _named(unc, "landing_failure", landing):
        out[f"landing_failure.{m}"] = draw(d, rng)
    slips = dict(_named(unc, "schedule_slip_days", missions))
    if slips:
        common, slip_days = correlated_slips_days(slips, unc.schedule_slip_correlation, rng)
        if unc.schedule_slip_correlation > 0.0:  # recorded so that sensitivity can name the programme-wide factor
            out[COMMON_SLIP_FACTOR] = common
        out.update((f"schedule_slip_days.{m}", v) for m, v in slip_days.items())
    for v, d in _named(unc, "stand_down_days", records):
        out[f"stand_down_days.{v}"] = max(0.0, draw(d, rng))
    return out


def sample_operations_inputs(unc: UncertaintiesSection, elements: Iterable[str],
                             rng: np.random.Generator) -> dict[str, float]:
    """Sampled operations inputs: ``element_mtbf_h.<element>`` (absolute), else
    ``element_mtbf_factor.<element>`` (on the element's own MTBF), and ``array_degradation_per_year``."""
    elements = list(elements)
    out: dict[str, float] = {}
    absolute = _named(unc, "element_mtbf_h", elements)
    for e, d in absolute:
        out[f"element_mtbf_h.{e}"] = max(1e-9, draw(d, rng))
    taken = {e for e, _ in absolute}
    for e, d in _named(unc, "element_mtbf_factor", [x for x in elements if x not in taken]):
        out[f"element_mtbf_factor.{e}"] = max(1e-9, draw(d, rng))
    if unc.array_degradation_per_year is not None:
        out["array_degradation_per_year"] = min(1.0, max(0.0, draw(unc.array_degradation_per_year, rng)))
    return out
