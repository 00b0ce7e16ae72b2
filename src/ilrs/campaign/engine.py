"""From manifest to timeline: launches, transfers, landings, deployment, milestones.

The scenario is compiled once (:func:`campaign_inputs`) into plain tuples and floats; each run
(:func:`simulate_campaign`) then works on those alone (no pydantic, no pandas) so that the risk
layer can afford tens of thousands of runs.

Model of one run (days are UTC day numbers, ``datetime.date.toordinal``):

1. Each planned mission is ready at its nominal date (:func:`ilrs.scenario.campaign.nominal_day`
   of the chosen date claim) plus its schedule slip (0 in a nominal run).
2. Missions launch in order of readiness. A mission waits for every mission it ``requires`` to have
   arrived; it is ``cancelled`` if one of them is lost for good. It waits while any of its vehicle
   families is grounded.
3. Each launch fails with its vehicle's probability; a failure grounds that vehicle family for
   ``stand_down_days`` (default 908 days, the CZ-5 Y2 stand-down, ilrs-facts.md).
4. A mission that lands (lander, sample return, crewed, cargo) then fails to land with its landing
   probability; otherwise it arrives ``transfer_days`` after launch.
5. A lost mission is flown again ``reflight_lead_days`` after the loss (launch day for a launch
   failure, arrival day for a landing failure), up to ``max_attempts`` attempts.
6. An element is delivered ``deploy_days`` after its mission arrives; it is operational once
   delivered and every element it depends on is operational (dependencies in topological order);
   it stops at the end of its design life or when any element it depends on stops, whichever is
   first: end = min(op + life, min(end of each dependency)). One whose dependency has stopped
   before it could start is never operational.
7. A milestone is reached on the first day its condition holds on the station state. Every part
   of a condition is monotone in "operational"/"arrived" facts, so the first such day is one of the
   days at which an element became operational or a mission arrived: only those are checked.

Past missions (``status: succeeded``/``failed``) keep their recorded dates and outcome and draw
nothing. Random draws come only from the ``numpy.random.Generator`` passed in: first the slips not
overridden (:func:`ilrs.scenario.uncertainties.correlated_slips_days`, the risk layer's slip model),
then per launch attempt one uniform per launch and one per landing (and a stand-down after a failure).
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ilrs.campaign.result import CampaignResult, CrewStay, Delivery, ElementRecord, MissionRecord
from ilrs.errors import InputError, ScenarioError
from ilrs.scenario.campaign import CampaignSection, nominal_day
from ilrs.scenario.uncertainties import draw as _draw_value
from ilrs.scenario.uncertainties import (BetaDist, FixedDist, LognormalDist, NormalDist, TriangularDist,
                                         UncertaintiesSection, UniformDist, correlated_slips_days)

DAYS_PER_YEAR = 365.25
OVERRIDE_GROUPS = ("launch_failure", "landing_failure", "schedule_slip_days", "stand_down_days",
                   "reflight_lead_days")


@dataclass(frozen=True)
class _Mission:
    id: str
    name: str
    kind: str
    lead: str
    site: str | None
    vehicles: tuple[str, ...]
    families: tuple[int, ...]
    planned: float
    transfer: float
    lands: bool
    elements: tuple[int, ...]
    element_ids: tuple[str, ...]
    requires: tuple[int, ...]
    reflight: bool
    crew: tuple[str, ...]
    surface_days: float
    cargo: tuple[float, float, float, tuple[tuple[str, int], ...]] | None
    past: tuple[float, float | None, str] | None  # (launch, arrival, outcome) of a flown mission


@dataclass(frozen=True)
class _Milestone:
    id: str
    target: dt.date | None
    all_op: tuple[int, ...]
    any_op: tuple[int, ...]
    roles: tuple[tuple[int, ...], ...]  # per role: the base elements having it
    base_count: int
    base_elements: tuple[int, ...]
    missions: tuple[int, ...]
    crewed: int


@dataclass(frozen=True)
class CampaignInputs:
    """A scenario's campaign compiled into plain data (build with :func:`campaign_inputs`)."""

    missions: tuple[_Mission, ...]
    mission_index: dict[str, int]
    vehicles: tuple[str, ...]
    vehicle_family: dict[str, int]
    families: tuple[str, ...]
    # elements
    element_ids: tuple[str, ...]
    element_static: tuple[tuple[Any, ...], ...]  # (name, role, owner, mass, power, gen, data, deps, base, node)
    element_deploy: tuple[float, ...]
    element_life: tuple[float, ...]  # days; inf without a design life
    element_deps: tuple[tuple[int, ...], ...]
    element_order: tuple[int, ...]  # topological
    milestones: tuple[_Milestone, ...]
    # default parameters
    p_launch: dict[str, float]  # per vehicle
    p_landing: tuple[float, ...]  # per mission
    stand_down: dict[str, float]  # per vehicle
    reflight_enabled: bool
    reflight_lead: float
    max_attempts: int
    slip_dists: tuple[Any, ...]  # per mission: a Distribution or None
    slip_correlation: float
    stand_down_dists: dict[str, Any]  # per vehicle: a Distribution or None
    # what a sampled run draws from (ilrs.campaign.sampling)
    uncertainties: UncertaintiesSection
    vehicle_records: dict[str, tuple[int, int] | None]  # per vehicle: (failures, flights) or None


def _mean(d) -> float:
    if isinstance(d, FixedDist):
        return float(d.value)
    if isinstance(d, BetaDist):
        return d.mean
    if isinstance(d, (UniformDist,)):
        return 0.5 * (d.low + d.high)
    if isinstance(d, TriangularDist):
        return (d.low + d.mode + d.high) / 3.0
    if isinstance(d, NormalDist):
        return float(min(max(d.mean, d.low if d.low is not None else -math.inf),
                         d.high if d.high is not None else math.inf))
    if isinstance(d, LognormalDist):
        return d.median * math.exp(0.5 * d.sigma ** 2) + d.shift
    raise TypeError(type(d).__name__)


def campaign_inputs(scenario=None, *, section: CampaignSection | None = None,
                    uncertainties: UncertaintiesSection | None = None) -> CampaignInputs:
    """Compile a scenario's campaign (or a bare ``section``) into :class:`CampaignInputs`.

    The scenario must already be validated (``load_scenario`` checks references); a bare section
    is checked here the same way.
    """
    if scenario is not None:
        section = scenario.campaign
        uncertainties = scenario.uncertainties
    elif section is None:
        raise InputError("give a scenario or a campaign section")
    else:
        from ilrs.scenario.loader import ReferenceProblem
        try:
            section.check_references(None)
        except ReferenceProblem as p:
            raise ScenarioError(p.message, field=f"campaign.{p.field}", allowed=p.allowed) from None
    unc = uncertainties or UncertaintiesSection()
    res = section.resolved()

    # elements: only those delivered by a flown mission matter, plus their dependencies' closure
    elem_ids = tuple(sorted(res.elements))
    eidx = {e: i for i, e in enumerate(elem_ids)}
    specs = [res.elements[e] for e in elem_ids]
    deps = tuple(tuple(eidx[d] for d in s.depends_on) for s in specs)
    order: list[int] = []
    seen: set[int] = set()

    def visit(i: int) -> None:
        if i in seen:
            return
        seen.add(i)
        for d in deps[i]:
            visit(d)
        order.append(i)

    for i in range(len(elem_ids)):
        visit(i)

    vehicles = tuple(sorted(res.vehicles))
    families = tuple(sorted({v.family_id for v in res.vehicles.values()}))
    vfam = {v: families.index(res.vehicles[v].family_id) for v in vehicles}

    missions = []
    midx = {m.id: i for i, m in enumerate(res.missions)}
    for m in res.missions:
        claim = m.claim(section.date_claims.get(m.id))
        past = None
        if m.status != "planned":
            outcome = "success" if m.status == "succeeded" else f"{m.failure}-failure"
            past = (float(m.launched.toordinal()),
                    float(m.arrived.toordinal()) if m.arrived is not None else None, outcome)
        cargo = None
        if m.cargo is not None:
            cargo = (m.cargo.oxygen_kg, m.cargo.water_kg, m.cargo.food_kg, tuple(sorted(m.cargo.spares.items())))
        missions.append(_Mission(
            id=m.id, name=m.name or m.id, kind=m.kind, lead=m.lead, site=m.site,
            vehicles=tuple(launch.vehicle for launch in m.launches),
            families=tuple(vfam[launch.vehicle] for launch in m.launches),
            planned=float(claim.nominal.toordinal()), transfer=float(m.transfer_days), lands=m.lands,
            elements=tuple(eidx[e] for e in m.elements), element_ids=tuple(m.elements),
            requires=tuple(midx[r] for r in m.requires), reflight=m.reflight,
            crew=tuple(m.crew.nationalities) if m.crew else (), surface_days=m.crew.surface_days if m.crew else 0.0,
            cargo=cargo, past=past))

    roles_base: dict[str, tuple[int, ...]] = {}
    for i, s in enumerate(specs):
        if s.base:
            roles_base.setdefault(s.role, ())
            roles_base[s.role] += (i,)
    base_elements = tuple(i for i, s in enumerate(specs) if s.base)
    milestones = []
    for ms in section.milestones:
        c = ms.condition
        target = unc.target_dates.get(ms.id, ms.target)
        milestones.append(_Milestone(
            id=ms.id, target=target,
            all_op=tuple(eidx[e] for e in c.all_operational), any_op=tuple(eidx[e] for e in c.any_operational),
            roles=tuple(roles_base.get(r, ()) for r in c.roles_operational),
            base_count=c.base_elements_operational, base_elements=base_elements,
            missions=tuple(midx[x] for x in c.missions_succeeded), crewed=c.crewed_landings))

    p_launch = {}
    stand_down = {}
    sd_dists = {}
    for vid, v in res.vehicles.items():
        d = unc.for_name("launch_failure", vid)
        if isinstance(d, BetaDist) and d.from_record:  # the prior updated by this vehicle's own record
            rec = v.record
            a, b = d.shape_with_record(rec.failures if rec else None, rec.flights if rec else None)
            p_launch[vid] = a / (a + b)
        elif d is not None:
            p_launch[vid] = _mean(d)
        elif v.record is not None and v.record.flights > 0:
            p_launch[vid] = v.record.failure_probability
        else:
            p_launch[vid] = section.new_vehicle_launch_failure
        sd = unc.for_name("stand_down_days", vid)
        sd_dists[vid] = sd
        stand_down[vid] = _mean(sd) if sd is not None else section.stand_down_days
    p_landing = []
    slip_dists = []
    for m in res.missions:
        d = unc.for_name("landing_failure", m.id)
        p_landing.append(_mean(d) if d is not None else (section.landing_failure if m.lands else 0.0))
        slip_dists.append(unc.for_name("schedule_slip_days", m.id) if m.status == "planned" else None)

    static = tuple((s.name or s.id, s.role, s.owner, s.mass_kg,
                    (s.power.survival_kw, s.power.nominal_kw, s.power.science_kw), s.generation_kw, s.data_kbps,
                    tuple(s.depends_on), s.base, s.node) for s in specs)
    return CampaignInputs(
        missions=tuple(missions), mission_index=midx, vehicles=vehicles, vehicle_family=vfam, families=families,
        element_ids=elem_ids, element_static=static, element_deploy=tuple(s.deploy_days for s in specs),
        element_life=tuple(s.design_life_years * DAYS_PER_YEAR if s.design_life_years else math.inf for s in specs),
        element_deps=deps, element_order=tuple(order), milestones=tuple(milestones),
        p_launch=p_launch, p_landing=tuple(p_landing), stand_down=stand_down,
        reflight_enabled=section.reflight.enabled, reflight_lead=section.reflight.lead_time_days,
        max_attempts=section.reflight.max_attempts, slip_dists=tuple(slip_dists),
        slip_correlation=unc.schedule_slip_correlation, stand_down_dists=sd_dists, uncertainties=unc,
        vehicle_records={vid: (v.record.failures, v.record.flights) if v.record is not None else None
                         for vid, v in res.vehicles.items()})


def _flatten(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """``{"launch_failure": {"CZ-5": 0.1}}`` and ``{"launch_failure.CZ-5": 0.1}`` both become the latter."""
    flat: dict[str, Any] = {}
    for key, value in (overrides or {}).items():
        if isinstance(value, Mapping):
            for name, v in value.items():
                flat[f"{key}.{name}"] = v
        else:
            flat[key] = value
    for key in flat:
        group = key.split(".", 1)[0]
        if group not in OVERRIDE_GROUPS:
            raise InputError(f"unknown override {key!r}", field="overrides", allowed=OVERRIDE_GROUPS)
    return flat


_DAYS: dict[int, dt.date] = {}


def _day(x: float | None) -> dt.date | None:
    """Day number (possibly fractional) → the UTC calendar day it falls in; None for never."""
    if x is None or x == math.inf:
        return None
    k = math.floor(x)
    d = _DAYS.get(k)
    if d is None:
        d = _DAYS[k] = dt.date.fromordinal(k)
    return d


def simulate_campaign(inputs: CampaignInputs, rng: np.random.Generator | None = None,
                      overrides: Mapping[str, Any] | None = None) -> CampaignResult:
    """One run of the campaign. ``rng=None``: nominal (nothing fails; slips only from ``overrides``).

    ``overrides`` (keys ``<group>.<name>`` or nested ``{group: {name: value}}``; ``name`` may be
    ``default``): ``launch_failure.<vehicle>`` and ``landing_failure.<mission>`` (probabilities),
    ``schedule_slip_days.<mission>`` (days added to the planned launch), ``stand_down_days.<vehicle>``
    (days its family is grounded after it fails), ``reflight_lead_days`` or
    ``reflight_lead_days.<mission>`` (loss to re-flight, days). A value overridden is used as is;
    otherwise with an ``rng`` probabilities are the scenario's means and slips and stand-downs are
    drawn from the scenario's ``uncertainties``.
    """
    ov = _flatten(overrides)
    ms = inputs.missions
    n = len(ms)

    def pick(group: str, name: str, default: float) -> float:
        v = ov.get(f"{group}.{name}")
        if v is None:
            v = ov.get(f"{group}.default")
        return default if v is None else float(v)

    # schedule slips
    slips = [0.0] * n
    to_draw = []
    for i, m in enumerate(ms):
        if m.past is not None:
            continue
        v = ov.get(f"schedule_slip_days.{m.id}", ov.get("schedule_slip_days.default"))
        if v is not None:
            slips[i] = float(v)
        elif rng is not None and inputs.slip_dists[i] is not None:
            to_draw.append(i)
    if to_draw:  # the one slip model (same function and draw order as ilrs.risk.sampling)
        _, drawn = correlated_slips_days({ms[i].id: inputs.slip_dists[i] for i in to_draw},
                                         inputs.slip_correlation, rng)
        for i in to_draw:
            slips[i] = drawn[ms[i].id]

    stochastic = rng is not None
    p_launch = {v: pick("launch_failure", v, inputs.p_launch[v]) for v in inputs.vehicles} if stochastic else {}
    lead_default = pick("reflight_lead_days", "default", inputs.reflight_lead)
    if "reflight_lead_days" in ov:
        lead_default = float(ov["reflight_lead_days"])

    grounded = [-math.inf] * len(inputs.families)
    arrival_ok: list[float | None] = [None] * n  # arrival day of the successful attempt
    lost: list[bool] = [False] * n
    waiters: dict[int, list[tuple[float, int, int]]] = {}
    records: list[tuple[int, int, float | None, float | None, str]] = []
    heap: list[tuple[float, int, int, int]] = []
    seq = 0
    for i, m in enumerate(ms):
        day = m.past[0] if m.past is not None else m.planned + slips[i]
        heap.append((day, seq, i, 1))
        seq += 1
    heapq.heapify(heap)

    def finish(i: int) -> None:
        for (day, s, j, att) in waiters.pop(i, ()):
            heapq.heappush(heap, (day, s, j, att))

    while heap:
        day, s, i, attempt = heapq.heappop(heap)
        m = ms[i]
        if m.past is not None:
            launch, arrival, outcome = m.past
            records.append((i, attempt, launch, arrival, outcome))
            if outcome == "success":
                arrival_ok[i] = arrival
            else:
                lost[i] = True
            finish(i)
            continue
        # requirements
        wait_for = None
        later = day
        cancelled = False
        for r in m.requires:
            if lost[r]:
                cancelled = True
                break
            if arrival_ok[r] is None:
                wait_for = r
                break
            later = max(later, arrival_ok[r])
        if cancelled:
            records.append((i, attempt, None, None, "cancelled"))
            lost[i] = True
            finish(i)
            continue
        if wait_for is not None:
            waiters.setdefault(wait_for, []).append((day, s, i, attempt))
            continue
        for f in m.families:
            later = max(later, grounded[f])
        if later > day:
            heapq.heappush(heap, (later, s, i, attempt))
            continue
        # launch
        outcome = "success"
        arrival = None
        if stochastic:
            for v, f in zip(m.vehicles, m.families):
                if rng.random() < p_launch[v]:
                    outcome = "launch-failure"
                    grounded[f] = max(grounded[f], day + _stand_down(inputs, ov, v, rng))
                    break
        if outcome == "success":
            arrival = day + m.transfer
            if stochastic and m.lands:
                p = pick("landing_failure", m.id, inputs.p_landing[i])
                if rng.random() < p:
                    outcome = "landing-failure"
        records.append((i, attempt, day, arrival, outcome))
        if outcome == "success":
            arrival_ok[i] = arrival
            finish(i)
            continue
        loss_day = day if outcome == "launch-failure" else arrival
        if inputs.reflight_enabled and m.reflight and attempt < inputs.max_attempts:
            lead = float(ov.get(f"reflight_lead_days.{m.id}", lead_default))
            heapq.heappush(heap, (loss_day + lead, seq, i, attempt + 1))
            seq += 1
        else:
            lost[i] = True
            finish(i)
    # missions still waiting on a requirement that never resolved cannot happen (requirements are
    # acyclic), but be safe: they are cancelled.
    for lst in waiters.values():
        for (_, _, j, att) in lst:
            records.append((j, att, None, None, "cancelled"))

    return _assemble(inputs, records, arrival_ok)


def _stand_down(inputs: CampaignInputs, ov: dict[str, Any], vehicle: str, rng: np.random.Generator) -> float:
    v = ov.get(f"stand_down_days.{vehicle}", ov.get("stand_down_days.default"))
    if v is not None:
        return float(v)
    d = inputs.stand_down_dists.get(vehicle)
    if d is not None:
        return max(0.0, _draw_value(d, rng))
    return inputs.stand_down[vehicle]


def _assemble(inputs: CampaignInputs, records, arrival_ok) -> CampaignResult:
    ms = inputs.missions
    ne = len(inputs.element_ids)
    delivered = [math.inf] * ne
    by_mission: list[str | None] = [None] * ne
    for i, m in enumerate(ms):
        for e in m.elements:
            by_mission[e] = m.id
            if arrival_ok[i] is not None:
                delivered[e] = arrival_ok[i] + inputs.element_deploy[e]
    op = [math.inf] * ne
    end = [math.inf] * ne
    for e in inputs.element_order:  # dependencies first
        t = delivered[e]
        stop = math.inf
        for d in inputs.element_deps[e]:
            t = max(t, op[d])
            stop = min(stop, end[d])
        # it works from when it and all it depends on are there, until its own life or any
        # dependency's ends; an element whose dependency died before it could start never works
        stop = min(stop, t + inputs.element_life[e])
        if t < stop:
            op[e], end[e] = t, stop

    crewed_days = sorted(arrival_ok[i] for i, m in enumerate(ms) if m.crew and arrival_ok[i] is not None)
    candidates = sorted({x for x in op if not math.isinf(x)} | {x for x in arrival_ok if x is not None})

    def alive(e: int, t: float) -> bool:
        return op[e] <= t < end[e]

    inf = math.inf

    def kth(values, k: int) -> float:
        values = sorted(values)
        return values[k - 1] if len(values) >= k else inf

    milestones: dict[str, dt.date | None] = {}
    for mst in inputs.milestones:
        # a lower bound: each part cannot hold before this (and it is itself a candidate day)
        lb = -inf
        if mst.all_op:
            lb = max(lb, max(op[e] for e in mst.all_op))
        if mst.any_op:
            lb = max(lb, min(op[e] for e in mst.any_op))
        for group in mst.roles:
            lb = max(lb, min((op[e] for e in group), default=inf))
        if mst.base_count:
            lb = max(lb, kth((op[e] for e in mst.base_elements), mst.base_count))
        if mst.missions:
            lb = max(lb, max(inf if arrival_ok[j] is None else arrival_ok[j] for j in mst.missions))
        if mst.crewed:
            lb = max(lb, kth(crewed_days, mst.crewed))
        reached = None
        if lb == inf:
            milestones[mst.id] = None
            continue
        for t in candidates[bisect.bisect_left(candidates, lb):]:
            if mst.all_op and not all(alive(e, t) for e in mst.all_op):
                continue
            if mst.any_op and not any(alive(e, t) for e in mst.any_op):
                continue
            if mst.roles and not all(any(alive(e, t) for e in group) for group in mst.roles):
                continue
            if mst.base_count and sum(1 for e in mst.base_elements if alive(e, t)) < mst.base_count:
                continue
            if mst.missions and not all(arrival_ok[j] is not None and arrival_ok[j] <= t for j in mst.missions):
                continue
            if mst.crewed and sum(1 for x in crewed_days if x <= t) < mst.crewed:
                continue
            reached = t
            break
        milestones[mst.id] = _day(reached)

    records.sort(key=lambda r: (math.inf if r[2] is None else r[2], r[0], r[1]))
    missions = tuple(MissionRecord(
        id=ms[i].id, name=ms[i].name, attempt=att, lead=ms[i].lead, kind=ms[i].kind, vehicles=ms[i].vehicles,
        launch=_day(launch), arrival=_day(arrival) if outcome != "launch-failure" else None, outcome=outcome,
        site=ms[i].site, elements=ms[i].element_ids, past=ms[i].past is not None)
        for (i, att, launch, arrival, outcome) in records)
    elements = {}
    for e, eid in enumerate(inputs.element_ids):
        name, role, owner, mass, power, gen, data, deps, base, node = inputs.element_static[e]
        elements[eid] = ElementRecord(
            id=eid, name=name, role=role, owner=owner, mission=by_mission[e], delivered=_day(delivered[e]),
            operational=_day(op[e]), end_of_life=_day(end[e]), mass_kg=mass, power_kw=power, generation_kw=gen,
            data_kbps=data, depends_on=deps, base=base, node=node)
    stays = []
    deliveries = []
    for i, m in enumerate(ms):
        a = arrival_ok[i]
        if a is None:
            continue
        if m.crew:
            stays.append(CrewStay(m.id, _day(a), _day(a + m.surface_days), m.crew, m.site))
        if m.cargo is not None:
            o2, w, f, spares = m.cargo
            deliveries.append(Delivery(m.id, _day(a), o2, w, f, dict(spares)))
    return CampaignResult(missions=missions, elements=elements, milestones=milestones,
                          targets={mst.id: mst.target for mst in inputs.milestones},
                          crew_stays=tuple(stays), deliveries=tuple(deliveries))


def nominal_campaign(scenario) -> CampaignResult:
    """The nominal run of a scenario's campaign: nothing fails, nothing slips."""
    return simulate_campaign(campaign_inputs(scenario), None)


def planned_date(text: str) -> dt.date:
    """Nominal day of a planned date with its precision (re-exported for convenience)."""
    return nominal_day(text)


def sites_not_in_catalogue(inputs: CampaignInputs) -> dict[str, str]:
    """Mission id → target site, for targets the packaged site catalogue (``data/sites.yaml``) does
    not name. Sites are validated softly: a far-side or equatorial target need not be a catalogue
    site, so this is a note for the report, not an error."""
    from ilrs.data import load_dataset
    from ilrs.errors import DatasetError

    try:
        raw = load_dataset("sites")
        names = {s.get("name") for s in raw.get("sites", [])} if isinstance(raw, dict) else set()
    except DatasetError:
        names = set()
    return {m.id: m.site for m in inputs.missions if m.site is not None and m.site not in names}
