"""Operations engine: the station as it lives through the years — power, data, crew, failures, science.

Discrete events (activations, failures, repairs, crew arrivals, deliveries) run in SimPy; the
continuous quantities (sunlight, link rate) are read from precomputed arrays on a regular time
grid and never recomputed inside the loop.

Pure entry point (the risk layer calls it many times; ten years at 1 h of the reference scenario
take 0.2-0.5 s on one core, about 200,000 steps/s: ``bench/bench_operations.py``)::

    simulate_operations(inputs: OperationsInputs, params: OperationsParams,
                        rng: numpy.random.Generator | None) -> OperationsResult
    kpis(result) -> dict            # energy not served, survival stretches, data per partner/area,
                                    # uptime per element, crew-days, consumables, events by kind

* :class:`OperationsInputs`: ``start`` (UTC datetime64), ``step_s``, arrays per step
  ``solar_irradiance_w_m2``, ``visible_solar_fraction``, ``downlink_rate_bps`` (optional
  ``sun_azimuth_deg``/``sun_elevation_deg``, ``visible_solar_fraction_at_mast_m`` for arrays on
  their own masts), and tuples of :class:`ElementActivation`,
  :class:`CrewStay`, :class:`Delivery` (times in seconds from ``start``).
* :class:`OperationsParams`: elements (loads by mode, priority, failure model), solar arrays
  (each on an element and a mast), storage (batteries, regenerative fuel cells, each usable while
  its element operates), nuclear units, experiments (owner, research area,
  rate), data storage, crew needs and closure, shedding bands, alarm thresholds. SI units.
* :class:`OperationsResult`: ``series`` (per step), ``events`` (:class:`Event` log), ``totals``.
* ``rng`` draws failure times only; the same generator state gives the same result.

From a scenario::

    >>> from ilrs.scenario import load_scenario
    >>> from ilrs.operations import build_inputs, simulate_operations, kpis
    >>> built = build_inputs(load_scenario("ilrs-reference"), years=1)   # doctest: +SKIP
    >>> kpis(simulate_operations(built.inputs, built.params, np.random.default_rng(1)))  # doctest: +SKIP

:func:`build_inputs` uses the environment layer (sunlight with the site's horizon), the comms
layer's rate timeline when present (else direct-to-Earth while the Earth is visible) and the
campaign layer's nominal campaign (element dates, crew stays, deliveries); products already
computed may be passed in. For Monte Carlo, build once and swap the campaign per run with
:func:`with_campaign` (no geometry recomputed); vary parameters with ``dataclasses.replace``. :func:`access_policy` says who may access a partner's data (IP clauses
of the agreements in the consortium registry).
"""

from ilrs.operations.adapter import BuiltInputs, build_inputs, operations_window, with_campaign
from ilrs.operations.engine import kpis, simulate_operations
from ilrs.operations.model import (
    AlarmParams,
    CrewParams,
    CrewStay,
    Delivery,
    ElementActivation,
    ElementParams,
    Event,
    ExperimentParams,
    FailureModel,
    NuclearParams,
    OperationsInputs,
    OperationsParams,
    OperationsResult,
    SolarArrayParams,
    StorageParams,
)
from ilrs.operations.params import params_from_section
from ilrs.operations.science import AccessPolicy, access_policy, data_by_partner

__all__ = [
    "AccessPolicy", "AlarmParams", "BuiltInputs", "CrewParams", "CrewStay", "Delivery", "ElementActivation",
    "ElementParams", "Event", "ExperimentParams", "FailureModel", "NuclearParams", "OperationsInputs",
    "OperationsParams", "OperationsResult", "SolarArrayParams", "StorageParams", "access_policy",
    "build_inputs", "data_by_partner", "kpis", "operations_window", "params_from_section",
    "simulate_operations", "with_campaign",
]
