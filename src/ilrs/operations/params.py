"""Scenario section ``operations`` → engine parameters (SI), with the sourced defaults.

Units are converted here, once: kW → W, kWh → J, Gbit → bit, kbit/s → bit/s, hours/days → s.
Figures the scenario does not give (crew needs per crew-member-day, closure ratios, nuclear unit
power, failure models of campaign-only elements by role) come from ``data/ops_defaults.yaml``,
where each cites its source (NASA ALS BVAD 2004, Wieland 1994, ISS water recovery 2023,
Kilopower/KRUSTY, NASA Fission Surface Power, NASA MMRTG) or is labelled an assumption.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from ilrs.constants import SECONDS_PER_DAY, SECONDS_PER_HOUR
from ilrs.data import ops_defaults
from ilrs.errors import InputError
from ilrs.operations.model import (
    CONSUMABLES,
    AlarmParams,
    CrewParams,
    ElementParams,
    ExperimentParams,
    FailureModel,
    NuclearParams,
    OperationsParams,
    SolarArrayParams,
    StorageParams,
)
from ilrs.timeutil import seconds_since


def crew_needs_kg_per_day() -> dict[str, float]:
    d = ops_defaults()["consumables_per_crew_member_day"]
    return {c: float(d[c]["kg"]) for c in CONSUMABLES}


def default_closure() -> dict[str, float]:
    d = ops_defaults()["closure_ratio"]
    return {c: float(d[c]["value"]) for c in CONSUMABLES}


def nuclear_power_kwe(kind: str, given: float | None, field: str) -> float:
    if given is not None:
        return float(given)
    units = ops_defaults()["nuclear_units"]
    if kind in units:
        return float(units[kind]["power_kwe"])
    raise InputError(f"a {kind!r} unit needs power_kwe (no packaged default)", field=field,
                     allowed=sorted(units))


def _failure(spec) -> FailureModel | None:
    if spec is None or spec.distribution == "none":
        return None
    return FailureModel(
        distribution=spec.distribution,
        mtbf_s=spec.mtbf_days * SECONDS_PER_DAY if spec.mtbf_days else None,
        weibull_shape=spec.weibull_shape,
        weibull_scale_s=spec.weibull_scale_days * SECONDS_PER_DAY if spec.weibull_scale_days else None,
        spares=spec.spares,
        repair_s_crew=spec.repair_hours_crew * SECONDS_PER_HOUR,
        repair_s_robot=spec.repair_hours_robot * SECONDS_PER_HOUR if spec.repair_hours_robot is not None else None,
    )


def role_failure(role: str, section=None) -> FailureModel | None:
    """Failure model of an element the operations section does not describe (a campaign-only
    element): ``operations.failure_by_role[role]`` if the scenario gives one, else the labelled
    assumption in ``ops_defaults.yaml`` (``failure_by_role``; ``generic`` for an unlisted role)."""
    from ilrs.scenario.operations import FailureSpec

    given = getattr(section, "failure_by_role", None) or {}
    if role in given:
        return _failure(given[role])
    table = ops_defaults()["failure_by_role"]
    raw = {k: v for k, v in table.get(role, table["generic"]).items() if k != "source"}
    return _failure(FailureSpec(**raw))


def params_from_section(section, start: dt.date | np.datetime64 | None = None) -> OperationsParams:
    """Engine parameters from a validated :class:`~ilrs.scenario.operations.OperationsSection`."""
    elements = tuple(ElementParams(
        name=e.name, owner=e.owner, role=e.role, priority=e.priority,
        survival_w=e.survival_kw * 1e3, nominal_w=e.nominal_kw * 1e3, science_w=e.science_kw * 1e3,
        failure=_failure(e.failure)) for e in section.elements)
    arrays = tuple(SolarArrayParams(
        name=a.name, area_m2=a.area_m2, efficiency=a.efficiency, degradation_per_year=a.degradation_per_year,
        tracking=a.tracking, azimuth_deg=a.azimuth_deg, element=a.element, mast_height_m=a.mast_height_m)
        for a in section.power.solar_arrays)
    storage = tuple(StorageParams(
        name=s.name, capacity_j=s.capacity_kwh * 3.6e6, charge_efficiency=s.charge_efficiency,
        discharge_efficiency=s.discharge_efficiency, max_depth_of_discharge=s.max_depth_of_discharge,
        max_power_w=s.max_power_kw * 1e3 if s.max_power_kw else None, initial_soc=s.initial_soc, kind=s.kind,
        element=s.element)
        for s in section.power.storage)
    nuclear = tuple(NuclearParams(
        name=u.name, power_w=nuclear_power_kwe(u.kind, u.power_kwe, f"operations.power.nuclear[{i}].power_kwe") * 1e3,
        element=u.element) for i, u in enumerate(section.power.nuclear))
    experiments = tuple(ExperimentParams(name=x.name, element=x.element, owner=x.owner, area=x.area,
                                         rate_bps=x.rate_kbps * 1e3) for x in section.data.experiments)
    c = section.crew
    closure = default_closure()
    closure.update(c.closure_ratio)
    training_start_s = {}
    if start is not None:
        training_start_s = {p: seconds_since(start, d) for p, d in c.training_start.items()}
    crew = CrewParams(
        need_kg_per_crew_day=crew_needs_kg_per_day(), closure_ratio=closure,
        initial_stock_kg={k: float(v) for k, v in c.initial_stock_kg.items()},
        trained_partners=tuple(c.trained_partners), training_start_s=training_start_s,
        training_s=c.training_days * SECONDS_PER_DAY, substitute_partner=c.substitute_partner)
    al = section.alarms
    shed = section.power
    return OperationsParams(
        elements=elements, solar_arrays=arrays, storage=storage, nuclear=nuclear, experiments=experiments,
        data_storage_bit=section.data.storage_gbit * 1e9, crew=crew,
        alarms=AlarmParams(consumable_margin_days=al.consumable_margin_days, storage_soc_below=al.storage_soc_below,
                           data_backlog_above=al.data_backlog_above),
        shed_science_below=shed.shed_science_below, shed_nominal_below=shed.shed_nominal_below)
