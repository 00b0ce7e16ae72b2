"""From the missions flown to the station: elements operational, milestones reached, the result.

Steps 6 and 7 of the run model of :mod:`ilrs.campaign.engine`:

6. An element is delivered ``deploy_days`` after its mission arrives; it is operational once
   delivered and every element it depends on is operational (dependencies in topological order);
   it stops at the end of its design life or when any element it depends on stops, whichever is
   first: end = min(op + life, min(end of each dependency)). One whose dependency has stopped
   before it could start is never operational.
7. A milestone is reached on the first day its condition holds on the station state. Every part
   of a condition is monotone in "operational"/"arrived" facts, so the first such day is one of the
   days at which an element became operational or a mission arrived: only those are checked.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math

from ilrs.campaign.inputs import CampaignInputs, _Milestone
from ilrs.campaign.result import CampaignResult, CrewStay, Delivery, ElementRecord, MissionRecord

Record = tuple[int, int, "float | None", "float | None", str]  # (mission, attempt, launch, arrival, outcome)

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


def assemble(inputs: CampaignInputs, records: list[Record], arrival_ok: list[float | None]) -> CampaignResult:
    """The result of one run from its mission attempts (``records``, sorted here in place) and the
    arrival day of each mission's successful attempt (None: lost or cancelled)."""
    ms = inputs.missions
    delivered, by_mission, op, end = _element_spans(inputs, arrival_ok)
    milestones = _milestone_days(inputs, op, end, arrival_ok)
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
    return CampaignResult(missions=missions, elements=elements,
                          milestones={mst.id: _day(milestones[mst.id]) for mst in inputs.milestones},
                          targets={mst.id: mst.target for mst in inputs.milestones},
                          crew_stays=tuple(stays), deliveries=tuple(deliveries))


def milestone_dates(inputs: CampaignInputs, arrival_ok: list[float | None]) -> dict[str, dt.date | None]:
    """Milestone id → the day it is reached (None: never), from each mission's arrival day alone:
    steps 6-7 without the records :func:`assemble` builds (a risk run reads nothing else)."""
    _, _, op, end = _element_spans(inputs, arrival_ok)
    days = _milestone_days(inputs, op, end, arrival_ok)
    return {mst.id: _day(days[mst.id]) for mst in inputs.milestones}


def _element_spans(inputs: CampaignInputs, arrival_ok: list[float | None]):
    """Per element: delivery day, delivering mission, first operational day and end day (inf: never)."""
    ne = len(inputs.element_ids)
    delivered = [math.inf] * ne
    by_mission: list[str | None] = [None] * ne
    for i, m in enumerate(inputs.missions):
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
    return delivered, by_mission, op, end


def _kth(values, k: int) -> float:
    values = sorted(values)
    return values[k - 1] if len(values) >= k else math.inf


def _milestone_days(inputs: CampaignInputs, op: list[float], end: list[float],
                    arrival_ok: list[float | None]) -> dict[str, float | None]:
    """Milestone id → the first candidate day on which its condition holds (None: never)."""
    crewed_days = sorted(arrival_ok[i] for i, m in enumerate(inputs.missions) if m.crew and arrival_ok[i] is not None)
    candidates = sorted({x for x in op if not math.isinf(x)} | {x for x in arrival_ok if x is not None})
    out: dict[str, float | None] = {}
    for mst in inputs.milestones:
        lb = _lower_bound(mst, op, arrival_ok, crewed_days)
        out[mst.id] = None
        if lb == math.inf:
            continue
        for t in candidates[bisect.bisect_left(candidates, lb):]:
            if _holds(mst, t, op, end, arrival_ok, crewed_days):
                out[mst.id] = t
                break
    return out


def _lower_bound(mst: _Milestone, op: list[float], arrival_ok: list[float | None], crewed_days: list[float]) -> float:
    """A day before which the milestone cannot hold (each part's own earliest day; itself a candidate)."""
    inf = math.inf
    lb = -inf
    if mst.all_op:
        lb = max(lb, max(op[e] for e in mst.all_op))
    if mst.any_op:
        lb = max(lb, min(op[e] for e in mst.any_op))
    for group in mst.roles:
        lb = max(lb, min((op[e] for e in group), default=inf))
    if mst.base_count:
        lb = max(lb, _kth((op[e] for e in mst.base_elements), mst.base_count))
    if mst.missions:
        lb = max(lb, max(inf if arrival_ok[j] is None else arrival_ok[j] for j in mst.missions))
    if mst.crewed:
        lb = max(lb, _kth(crewed_days, mst.crewed))
    return lb


def _holds(mst: _Milestone, t: float, op: list[float], end: list[float], arrival_ok: list[float | None],
           crewed_days: list[float]) -> bool:
    """Whether every part of the milestone's condition holds on day ``t``."""
    def alive(e: int) -> bool:
        return op[e] <= t < end[e]

    if mst.all_op and not all(alive(e) for e in mst.all_op):
        return False
    if mst.any_op and not any(alive(e) for e in mst.any_op):
        return False
    if mst.roles and not all(any(alive(e) for e in group) for group in mst.roles):
        return False
    if mst.base_count and sum(1 for e in mst.base_elements if alive(e)) < mst.base_count:
        return False
    if mst.missions and not all(arrival_ok[j] is not None and arrival_ok[j] <= t for j in mst.missions):
        return False
    return not mst.crewed or sum(1 for x in crewed_days if x <= t) >= mst.crewed
