"""Build the engine's plain inputs from the study's typed setups and the lower layers' products.

* :func:`operations_setup` compiles the scenario's ``operations`` section once: the window (its
  start and length: CLI option, else ``operations.start``/``years``, else the span), the step, the
  engine parameters, the masts the arrays stand on.
* :func:`build_inputs`: sunlight from the environment layer's products
  (:meth:`ilrs.environment.EnvironmentProducts.track`: the study's timelines sliced to the
  operations grid, computed only where the grid leaves them) and the achievable downlink rate from
  the comms layer's timeline (:func:`ilrs.comms.downlink_on_grid`, sample-and-hold); nothing
  geometric is computed here.
* Elements, crew stays, deliveries: the campaign layer's :class:`CampaignResult` when given, with
  the scenario's ``operations`` section on top (its element specs win for elements both name; its
  stays and deliveries are added); without a campaign, the ``operations`` section alone. Deliveries
  dated before the window start arrive at its start; stays that began before it count from it.
  Campaign crew stays count only at this station (the scenario's site, or the campaign's generic
  ``south-pole``; :func:`at_station`).

Whatever is used is recorded in :attr:`BuiltInputs.sources` so that reports can say it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ilrs.constants import AU_M, SECONDS_PER_HOUR, SOLAR_CONSTANT_W_M2
from ilrs.errors import InputError
from ilrs.operations.model import (
    CrewStay,
    Delivery,
    ElementActivation,
    ElementParams,
    ExperimentParams,
    NuclearParams,
    OperationsInputs,
    OperationsParams,
    SolarArrayParams,
)
from ilrs.operations.params import params_from_section, role_failure
from ilrs.timeutil import seconds_since

ROLE_AREA = {"lander": "lunar-physics-chemistry", "research": "lunar-physics-chemistry",
             "mobility": "lunar-physics-chemistry", "observatory": "astronomy", "isru": "technology",
             "command": "technology", "comms": "technology", "energy": "technology",
             "habitation": "medicine", "life-support": "medicine"}
"""Research area of the data a campaign element produces (the campaign gives only a rate)."""
ROLE_MAP = {"energy": "power", "comms": "comms", "mobility": "mobility", "lander": "science",
            "research": "science", "observatory": "science", "isru": "science", "habitation": "habitat",
            "life-support": "life-support"}
"""Campaign element roles → operations roles (the rest: generic)."""
SITE_NODE = "south-pole"
"""Campaign elements at this node are the station's; orbiters, relays and other nodes are not."""


@dataclass(frozen=True)
class OperationsSetup:
    """The ``operations`` section compiled once: window, step, engine parameters, masts."""

    section: Any  # ilrs.scenario.OperationsSection (its crew stays, deliveries, element specs)
    params: OperationsParams
    start: dt.date
    days: float
    step_s: float
    site_name: str
    mast_heights_m: tuple[float, ...]

    def times(self) -> np.ndarray:
        from ilrs.environment import time_grid

        return time_grid(self.start, days=self.days, step_s=self.step_s)


def operations_setup(section, *, span_start: dt.date, span_end: dt.date, site_name: str,
                     start: dt.date | None = None, years: float | None = None,
                     step_hours: float | None = None) -> OperationsSetup:
    """Compile an :class:`ilrs.scenario.OperationsSection`; ``start``/``years``/``step_hours`` are the
    CLI's overrides of ``operations.start``/``years``/``step_hours`` (the window defaults to the span)."""
    s0 = start or section.start or span_start
    if years is not None:
        days = years * 365.25
    elif section.years is not None:
        days = section.years * 365.25
    else:
        days = float((span_end - s0).days)
    if days <= 0:
        raise InputError(f"the operations window starting {s0} is empty (span ends {span_end})",
                         field="--start/--years" if start is not None or years is not None else "operations.start")
    masts = tuple(sorted({a.mast_height_m for a in section.power.solar_arrays if a.mast_height_m is not None}))
    return OperationsSetup(section, params_from_section(section, start=s0), s0, days,
                           (step_hours or section.step_hours) * SECONDS_PER_HOUR, site_name, masts)


@dataclass(frozen=True)
class BuiltInputs:
    inputs: OperationsInputs
    params: OperationsParams
    sources: dict[str, str] = field(default_factory=dict)
    darkness: np.ndarray | None = None  # visible solar fraction < 1e-3 per step (for plots)
    earth_visible: np.ndarray | None = None
    start_date: dt.date | None = None


def build_inputs(setup: OperationsSetup, environment, downlink_bps: np.ndarray, downlink_label: str,
                 campaign: Any = None) -> BuiltInputs:
    """Inputs of one operations run: sunlight from ``environment`` (an
    :class:`ilrs.environment.EnvironmentProducts`), the downlink rate on the operations grid
    (``downlink_bps``, from :func:`ilrs.comms.downlink_on_grid`) and ``campaign`` (a
    :class:`~ilrs.campaign.CampaignResult`, or None for the ``operations`` section alone)."""
    times = setup.times()
    sky, computed = environment.track(times)
    label = f"environment: {environment.setup.site.name}, horizon {environment.setup.horizon_kind}"
    if computed:
        label += f"; {computed} steps outside the study span computed for this window"
    by_mast = {h: environment.track(times, h)[0].visible_solar_fraction for h in setup.mast_heights_m}
    if by_mast:
        label += "; arrays on their own masts: " + ", ".join(f"{h:g} m" for h in sorted(by_mast))
    irradiance = SOLAR_CONSTANT_W_M2 * (AU_M / np.asarray(sky.sun_distance_m)) ** 2  # as the environment's
    inputs = OperationsInputs(
        start=np.datetime64(setup.start, "s"), step_s=setup.step_s, solar_irradiance_w_m2=irradiance,
        visible_solar_fraction=np.asarray(sky.visible_solar_fraction, float), downlink_rate_bps=downlink_bps,
        sun_azimuth_deg=np.asarray(sky.sun_azimuth_deg, float), sun_elevation_deg=np.asarray(sky.sun_elevation_deg, float),
        visible_solar_fraction_at_mast_m=by_mast)
    built = BuiltInputs(inputs, setup.params, {"sunlight": label, "downlink": downlink_label},
                        darkness=np.asarray(sky.visible_solar_fraction) < 1e-3,
                        earth_visible=np.asarray(sky.earth_visible, bool), start_date=setup.start)
    return with_campaign(built, setup, campaign)


def _scenario_stays(section, s0: dt.date) -> tuple[CrewStay, ...]:
    return tuple(CrewStay(seconds_since(s0, c.arrival), seconds_since(s0, c.departure), tuple(c.crew))
                 for c in section.crew.stays)


def _scenario_deliveries(section, s0: dt.date) -> tuple[Delivery, ...]:
    return tuple(Delivery(seconds_since(s0, d.date), {"oxygen": d.oxygen_kg, "water": d.water_kg, "food": d.food_kg},
                          dict(d.spares)) for d in section.crew.deliveries)


def _owner_partners() -> dict[str, str]:
    """Agency id → the state it belongs to (``cnsa`` → ``china``), from the consortium registry."""
    from ilrs.consortium import default_registry

    reg = default_registry()
    states = {p.country: p.id for p in reg.parties.values() if p.kind == "state"}
    return {p.id: states[p.country] for p in reg.parties.values()
            if p.kind != "state" and p.country in states and p.kind == "agency"}


def _date_s(start: dt.date, d: dt.date | None) -> float:
    return math.inf if d is None else seconds_since(start, d)


def with_campaign(built: BuiltInputs, setup: OperationsSetup, campaign: Any) -> BuiltInputs:
    """The same sunlight and link arrays with the elements, crew stays and deliveries of another
    campaign (a Monte Carlo run): nothing geometric is recomputed. ``campaign=None``: the
    scenario's ``operations`` section alone."""
    ops = setup.section
    s0 = setup.start
    params = setup.params
    sources = dict(built.sources)
    if campaign is not None:
        params, activations, stays, deliveries = _from_campaign(campaign, params, s0, ops, setup.site_name)
        elsewhere = [c for c in campaign.crew_stays if not at_station(c.site, setup.site_name)]
        if elsewhere:
            sources["crew"] = (f"{len(elsewhere)} campaign crew stay(s) at other sites left out: "
                               + ", ".join(f"{c.mission} ({c.site})" for c in elsewhere))
        sources["elements"] = ("campaign result (operational and end-of-life dates, crew stays, deliveries) "
                               "+ the scenario's element specs, crew stays and deliveries")
        listed = {e.name for e in ops.elements}
        by_role = sorted(e.name for e in params.elements if e.name not in listed and e.failure is not None)
        if by_role:
            sources["failures"] = (f"{len(by_role)} campaign element(s) not in the operations section fail by the "
                                   "default model of their role (operations.failure_by_role, else "
                                   "ops_defaults.yaml: assumption): " + ", ".join(by_role))
        deliveries = tuple(sorted(deliveries + _scenario_deliveries(ops, s0), key=lambda d: d.time_s))
        stays = tuple(sorted(stays + _scenario_stays(ops, s0), key=lambda c: c.arrival_s))
    else:
        activations = tuple(ElementActivation(e.name, _date_s(s0, e.operational_from) if e.operational_from else 0.0)
                            for e in ops.elements)
        stays = _scenario_stays(ops, s0)
        deliveries = _scenario_deliveries(ops, s0)
        sources["elements"] = "scenario operations section (operational_from, crew.stays, crew.deliveries)"
    inputs = dataclasses.replace(built.inputs, activations=tuple(activations), crew_stays=stays,
                                 deliveries=deliveries)
    return dataclasses.replace(built, inputs=inputs, params=params, sources=sources)


def at_station(site: str | None, station_site: str) -> bool:
    """Whether a campaign crew stay at ``site`` is at this station: the scenario's site, the
    south-pole region the campaign names generically (``south-pole``), or no site given. Stays at
    other nodes (``equator``, ``far-side`` …) consume nothing here."""
    name = station_site
    return site is None or site in (name, SITE_NODE)


CAMPAIGN_ONLY_PRIORITY = 5
"""Shedding priority of an element only the campaign knows (1 shed last, 9 first): after the
scenario's own elements at the default 3 — an assumption (the campaign gives loads, not priorities)."""


def _campaign_only_element(eid: str, rec, owner: str, section):
    """The engine's element for a campaign element the operations section does not list: loads and
    data rate from the campaign's spec, a failure model by role, and its generation as a solar array
    (rated output at normal incidence at 1 au: area × efficiency = P / S0; the scenario model's
    default efficiency and degradation) or a constant radioisotope/fission unit."""
    from ilrs.scenario.operations import SolarArraySpec

    surv, nom, sci = (float(x) * 1e3 for x in rec.power_kw)
    nom, sci = max(nom, surv), max(sci, nom, surv)
    role = ROLE_MAP.get(rec.role, "generic")
    element = ElementParams(eid, owner=owner, role=role, priority=CAMPAIGN_ONLY_PRIORITY, survival_w=surv,
                            nominal_w=nom, science_w=sci, failure=role_failure(role, section))
    experiments = ([ExperimentParams(f"{eid}-data", eid, owner, ROLE_AREA.get(rec.role, "technology"),
                                     rec.data_kbps * 1e3)] if rec.data_kbps and rec.data_kbps > 0 else [])
    sources: list = []
    if rec.generation_kw and rec.generation_kw > 0:
        if "solar" in eid:
            eff = SolarArraySpec.model_fields["efficiency"].default
            deg = SolarArraySpec.model_fields["degradation_per_year"].default
            sources.append(SolarArrayParams(f"{eid}-array", area_m2=rec.generation_kw * 1e3 / (eff * SOLAR_CONSTANT_W_M2),
                                            efficiency=eff, degradation_per_year=deg, element=eid))
        else:
            sources.append(NuclearParams(f"{eid}-unit", rec.generation_kw * 1e3, element=eid))
    return element, experiments, sources


def _from_campaign(campaign, params: OperationsParams, s0: dt.date, section, site: str = SITE_NODE):
    """Merge a CampaignResult: its dates rule; the scenario's element specs (priority, failures,
    experiments) win where both name an element; campaign-only elements join the station's bus only
    when they are part of the permanent base at the site node (``base: true``: a visiting lander or
    its rover has its own power and is not the base's load) and get their loads and data
    rate from the campaign's element spec and a failure model by role
    (:func:`~ilrs.operations.params.role_failure`: the scenario's ``failure_by_role``, else the
    labelled assumption of ``ops_defaults.yaml``)."""
    spec = {e.name: e for e in params.elements}
    elements = list(params.elements)
    experiments = list(params.experiments)
    activations = []
    arrays = list(params.solar_arrays)
    nuclear = list(params.nuclear)
    owners = _owner_partners()
    for eid, rec in campaign.elements.items():
        if eid not in spec and (rec.node != SITE_NODE or not rec.base):
            continue  # orbiters, other nodes, and visiting landers with their own power (Luna-27, rovers)
        if rec.operational is None:  # lost or never delivered in this run: listed, never operating (so
            activations.append(ElementActivation(eid, math.inf))  # every run has the same elements)
        else:
            activations.append(ElementActivation(eid, seconds_since(s0, rec.operational),
                                                 _date_s(s0, rec.end_of_life)))
        if eid in spec:
            continue
        element, experiment, source = _campaign_only_element(eid, rec, owners.get(rec.owner, rec.owner), section)
        elements.append(element)
        experiments.extend(experiment)
        arrays.extend(s for s in source if isinstance(s, SolarArrayParams))
        nuclear.extend(s for s in source if isinstance(s, NuclearParams))
    for e in section.elements:  # elements the campaign does not know keep the scenario's date
        if e.name not in campaign.elements:
            activations.append(ElementActivation(e.name, _date_s(s0, e.operational_from) if e.operational_from else 0.0))
    known = {e.name for e in elements}
    stays = tuple(CrewStay(seconds_since(s0, c.arrival), seconds_since(s0, c.departure), tuple(c.crew))
                  for c in campaign.crew_stays if at_station(c.site, site))
    deliveries = tuple(Delivery(seconds_since(s0, d.date), {"oxygen": d.oxygen_kg, "water": d.water_kg,
                                                            "food": d.food_kg},
                                 {k: v for k, v in d.spares.items() if k in known})
                       for d in campaign.deliveries)
    params = dataclasses.replace(params, elements=tuple(elements), experiments=tuple(experiments),
                                 solar_arrays=tuple(arrays), nuclear=tuple(nuclear))
    return params, tuple(activations), stays, deliveries
