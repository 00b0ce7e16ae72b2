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

From a study (``ilrs.report.products`` compiles the setups and computes the products once)::

    setup = operations_setup(scenario.operations, span_start=..., span_end=..., site_name=...)
    built = build_inputs(setup, environment_products, downlink_bps, label, campaign_result)

:func:`build_inputs` reads sunlight from the environment layer's products (the site's horizon,
arrays on their masts), the downlink rate computed by the comms layer on the operations grid, and
the campaign's element dates, crew stays and deliveries; it computes no geometry. For Monte
Carlo, build once and swap the campaign per run with
:func:`with_campaign` (no geometry recomputed); vary parameters with ``dataclasses.replace``. :func:`access_policy` says who may access a partner's data (IP clauses
of the agreements in the consortium registry).
"""

from ilrs.operations.adapter import BuiltInputs, OperationsSetup, build_inputs, operations_setup, with_campaign
from ilrs.operations.engine import simulate_operations
from ilrs.operations.kpis import kpis
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
    "BuiltInputs", "OperationsSetup", "build_inputs", "data_by_partner", "kpis", "operations_setup",
    "params_from_section",
    "simulate_operations", "with_campaign",
]
