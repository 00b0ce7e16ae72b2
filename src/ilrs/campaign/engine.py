"""From manifest to timeline: launches, transfers, landings, deployment, milestones.

The scenario is compiled once (:func:`ilrs.campaign.inputs.compile_campaign`) into plain tuples
and floats; each run (:func:`simulate_campaign`) then works on those alone (no pydantic, no pandas)
so that the risk layer can afford tens of thousands of runs. This module is the event loop (steps
1-5); :mod:`ilrs.campaign.assembly` turns the missions flown into elements and milestones (6-7).

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
6. Elements are delivered, operate and stop; 7. milestones are reached
   (:mod:`ilrs.campaign.assembly`).

Past missions (``status: succeeded``/``failed``) keep their recorded dates and outcome and draw
nothing. Random draws come only from the ``numpy.random.Generator`` passed in: first the slips not
overridden (:func:`ilrs.scenario.uncertainties.correlated_slips_days`, the risk layer's slip model),
then per launch attempt one uniform per launch and one per landing (and a stand-down after a failure).
"""

from __future__ import annotations

import heapq
import math
from typing import Any, Mapping

import numpy as np

from ilrs.campaign.assembly import Record
from ilrs.campaign.assembly import milestone_dates as _milestone_dates
from ilrs.campaign.assembly import assemble as _assemble  # noqa: F401 (bench/bench_campaign.py imports it here)
from ilrs.campaign.inputs import CampaignInputs, _Mission
from ilrs.campaign.result import CampaignResult
from ilrs.errors import InputError
from ilrs.scenario.uncertainties import correlated_slips_days
from ilrs.scenario.uncertainties import draw as _draw_value

OVERRIDE_GROUPS = ("launch_failure", "landing_failure", "schedule_slip_days", "stand_down_days",
                   "reflight_lead_days")


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


def _pick(ov: dict[str, Any], group: str, name: str, default: float) -> float:
    """The override of ``group.name``, else of ``group.default``, else ``default``."""
    v = ov.get(f"{group}.{name}")
    if v is None:
        v = ov.get(f"{group}.default")
    return default if v is None else float(v)


def simulate_campaign(inputs: CampaignInputs, rng: np.random.Generator | None = None,
                      overrides: Mapping[str, Any] | None = None) -> CampaignResult:
    """One run of the campaign. ``rng=None``: nominal (nothing fails; slips only from ``overrides``).

    ``overrides`` (keys ``<group>.<name>`` or nested ``{group: {name: value}}``; ``name`` may be
    ``default``): ``launch_failure.<vehicle>`` and ``landing_failure.<mission>`` (probabilities),
    ``schedule_slip_days.<mission>`` (days added to the planned launch), ``stand_down_days.<vehicle>``
    (days its family is grounded after it fails), ``reflight_lead_days`` or
    ``reflight_lead_days.<mission>`` (loss to re-flight, days). A value overridden is used as is;
    otherwise with an ``rng`` probabilities are the scenario's means and slips and stand-downs are
    drawn from the scenario's ``uncertainties`` (:func:`ilrs.campaign.sampled_campaign` samples
    the probabilities too, as a risk run does).
    """
    ov = _flatten(overrides)
    records, arrival_ok = _fly(inputs, ov, rng, _slips_days(inputs, ov, rng))
    return _assemble(inputs, records, arrival_ok)


def simulate_milestones(inputs: CampaignInputs, rng: np.random.Generator | None = None,
                        overrides: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], list[str]]:
    """The run of :func:`simulate_campaign` (same draws, same dates) reduced to what a risk run
    reads: milestone id → date (None: never) and the outcome of every attempt of a planned mission,
    without building the run's records (half the cost of a run)."""
    ov = _flatten(overrides)
    records, arrival_ok = _fly(inputs, ov, rng, _slips_days(inputs, ov, rng))
    ms = inputs.missions
    return _milestone_dates(inputs, arrival_ok), [r[4] for r in records if ms[r[0]].past is None]


def _slips_days(inputs: CampaignInputs, ov: dict[str, Any], rng: np.random.Generator | None) -> list[float]:
    """Per mission: its override, else (with an ``rng``) a draw of the one slip model, else 0."""
    ms = inputs.missions
    slips = [0.0] * len(ms)
    to_draw = []
    for i, m in enumerate(ms):
        if m.past is not None:
            continue
        v = ov.get(f"schedule_slip_days.{m.id}", ov.get("schedule_slip_days.default"))
        if v is not None:
            slips[i] = float(v)
        elif rng is not None and inputs.slip_dists[i] is not None:
            to_draw.append(i)
    if to_draw:  # the one slip model (same function and draw order as ilrs.campaign.sampling)
        _, drawn = correlated_slips_days({ms[i].id: inputs.slip_dists[i] for i in to_draw},
                                         inputs.slip_correlation, rng)
        for i in to_draw:
            slips[i] = drawn[ms[i].id]
    return slips


_READY, _WAIT, _CANCELLED = 0, 1, 2


def _readiness(m: _Mission, day: float, lost: list[bool], arrival_ok: list[float | None],
               grounded: list[float]) -> tuple[int, Any]:
    """(_CANCELLED, None) if a required mission is lost for good, (_WAIT, r) while required mission
    r has not arrived, else (_READY, the first day it may launch: required arrivals, groundings)."""
    later = day
    for r in m.requires:
        if lost[r]:
            return _CANCELLED, None
        if arrival_ok[r] is None:
            return _WAIT, r
        later = max(later, arrival_ok[r])
    for f in m.families:
        later = max(later, grounded[f])
    return _READY, later


def _attempt(inputs: CampaignInputs, ov: dict[str, Any], rng: np.random.Generator, p_launch: dict[str, float],
             grounded: list[float], m: _Mission, i: int, day: float) -> tuple[str, float | None]:
    """(outcome, arrival day) of a stochastic attempt launched on ``day``: one uniform per launch
    (a failure grounds the family for a stand-down), then one for the landing."""
    for v, f in zip(m.vehicles, m.families):
        if rng.random() < p_launch[v]:
            grounded[f] = max(grounded[f], day + _stand_down(inputs, ov, v, rng))
            return "launch-failure", None
    arrival = day + m.transfer
    if m.lands and rng.random() < _pick(ov, "landing_failure", m.id, inputs.p_landing[i]):
        return "landing-failure", arrival
    return "success", arrival


def _fly(inputs: CampaignInputs, ov: dict[str, Any], rng: np.random.Generator | None,
         slips: list[float]) -> tuple[list[Record], list[float | None]]:
    """The event loop (steps 1-5): every attempt as a record, and each mission's arrival day (None:
    lost or cancelled)."""
    ms = inputs.missions
    n = len(ms)
    p_launch = {v: _pick(ov, "launch_failure", v, inputs.p_launch[v]) for v in inputs.vehicles} if rng is not None else {}
    lead_default = _pick(ov, "reflight_lead_days", "default", inputs.reflight_lead)
    if "reflight_lead_days" in ov:
        lead_default = float(ov["reflight_lead_days"])
    grounded = [-math.inf] * len(inputs.families)
    arrival_ok: list[float | None] = [None] * n  # arrival day of the successful attempt
    lost: list[bool] = [False] * n
    waiters: dict[int, list[tuple[float, int, int, int]]] = {}
    records: list[Record] = []
    heap = [(m.past[0] if m.past is not None else m.planned + slips[i], i, i, 1) for i, m in enumerate(ms)]
    heapq.heapify(heap)
    seq = n

    def settle(i: int, arrival: float | None, ok: bool) -> None:
        """Mission i arrived (ok) or is lost for good: the missions waiting for it go on."""
        if ok:
            arrival_ok[i] = arrival
        else:
            lost[i] = True
        for item in waiters.pop(i, ()):
            heapq.heappush(heap, item)

    while heap:
        day, s, i, attempt = heapq.heappop(heap)
        m = ms[i]
        if m.past is not None:
            launch, arrival, outcome = m.past
            records.append((i, attempt, launch, arrival, outcome))
            settle(i, arrival, outcome == "success")
            continue
        state, value = _readiness(m, day, lost, arrival_ok, grounded)
        if state == _CANCELLED:
            records.append((i, attempt, None, None, "cancelled"))
            settle(i, None, False)
        elif state == _WAIT:
            waiters.setdefault(value, []).append((day, s, i, attempt))
        elif value > day:
            heapq.heappush(heap, (value, s, i, attempt))
        else:
            outcome, arrival = (_attempt(inputs, ov, rng, p_launch, grounded, m, i, day) if rng is not None
                                else ("success", day + m.transfer))
            records.append((i, attempt, day, arrival, outcome))
            if outcome == "success":
                settle(i, arrival, True)
            elif inputs.reflight_enabled and m.reflight and attempt < inputs.max_attempts:
                loss_day = day if outcome == "launch-failure" else arrival
                heapq.heappush(heap, (loss_day + float(ov.get(f"reflight_lead_days.{m.id}", lead_default)),
                                      seq, i, attempt + 1))
                seq += 1
            else:
                settle(i, None, False)
    # missions still waiting on a requirement that never resolved cannot happen (requirements are
    # acyclic), but be safe: they are cancelled.
    for lst in waiters.values():
        for (_, _, j, att) in lst:
            records.append((j, att, None, None, "cancelled"))
    return records, arrival_ok


def _stand_down(inputs: CampaignInputs, ov: dict[str, Any], vehicle: str, rng: np.random.Generator) -> float:
    v = ov.get(f"stand_down_days.{vehicle}", ov.get("stand_down_days.default"))
    if v is not None:
        return float(v)
    d = inputs.stand_down_dists.get(vehicle)
    if d is not None:
        return max(0.0, _draw_value(d, rng))
    return inputs.stand_down[vehicle]


def nominal_campaign(inputs: CampaignInputs) -> CampaignResult:
    """The nominal run of a compiled campaign: nothing fails, nothing slips."""
    return simulate_campaign(inputs, None)
