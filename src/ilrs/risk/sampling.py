"""Draws from the scenario's ``uncertainties`` section (one set of inputs per Monte Carlo run).

Every draw comes from the run's own ``numpy.random.Generator``, in a fixed order (group by group,
names sorted: :meth:`~ilrs.scenario.uncertainties.UncertaintiesSection.named`), so a run's inputs
depend on nothing but its seed sequence.

The campaign's inputs are drawn by :func:`ilrs.campaign.sampling.sample_campaign_inputs` (re-exported
here; launch and landing failure probabilities, the correlated slips of
:func:`ilrs.scenario.uncertainties.correlated_slips_days`, stand-downs), so ``ilrs campaign --seed``
replays a risk run through the campaign layer alone. Operations inputs are drawn here.

Formulas (implemented once, in :func:`ilrs.scenario.uncertainties.draw` and
:func:`~ilrs.scenario.uncertainties.correlated_slips_days`):
- beta: ``Generator.beta(alpha, beta)``; from a flight record, the conjugate posterior
  Beta(a0 + failures, b0 + successes) (Gelman et al., *Bayesian Data Analysis*, 3rd ed., §2.4).
- lognormal: ``median · exp(sigma · Z) + shift`` with Z ~ N(0, 1) (so ``median`` is the median
  of the unshifted variable and ``sigma`` the standard deviation of its log).
- correlated schedule slips (Gaussian one-factor model, equal pairwise correlation ρ of the
  log-slips): ``Z_m = sqrt(ρ)·Z_common + sqrt(1 − ρ)·Z_own(m)``; Var Z_m = 1 and
  Corr(Z_m, Z_n) = ρ for m ≠ n.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from ilrs.campaign.sampling import COMMON_SLIP_FACTOR, sample_campaign_inputs  # noqa: F401 (one sampler)
from ilrs.scenario.uncertainties import draw  # noqa: F401 (one draw function for every layer)
from ilrs.scenario.uncertainties import UncertaintiesSection


def sample_operations_inputs(unc: UncertaintiesSection, elements: Iterable[str],
                             rng: np.random.Generator) -> dict[str, float]:
    """Sampled operations inputs: ``element_mtbf_h.<element>`` (absolute), else
    ``element_mtbf_factor.<element>`` (on the element's own MTBF), and ``array_degradation_per_year``."""
    elements = list(elements)
    out: dict[str, float] = {}
    absolute = unc.named("element_mtbf_h", elements)
    for e, d in absolute:
        out[f"element_mtbf_h.{e}"] = max(1e-9, draw(d, rng))
    taken = {e for e, _ in absolute}
    for e, d in unc.named("element_mtbf_factor", [x for x in elements if x not in taken]):
        out[f"element_mtbf_factor.{e}"] = max(1e-9, draw(d, rng))
    if unc.array_degradation_per_year is not None:
        out["array_degradation_per_year"] = min(1.0, max(0.0, draw(unc.array_degradation_per_year, rng)))
    return out
