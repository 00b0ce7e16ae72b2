"""Scenario section ``campaign``: manifest, inline entries, date claims, milestones, re-flights.

Owned by the campaign layer's issue; fields may be added, never renamed.

The packaged catalogue (:mod:`ilrs.scenario.campaign_catalogue`: vehicles, missions, elements)
holds the sourced facts; a scenario picks the missions that fly (``manifest``), may add its own
``vehicles``/``elements``/``missions`` inline (same schema; an inline entry replaces a packaged
one with the same id), chooses between conflicting date claims (``date_claims``) and states its
milestones as conditions on the station state::

    campaign:
      manifest: [change-7, change-8, crewed-landing-1, ilrs-1]
      date_claims: {luna-26: update-2025}
      milestones:
        - id: groundbreaking
          target: 2028-12-31
          condition: {base_elements_operational: 1}

A planned date is written with its precision (:func:`nominal_day`: year → 1 July, month → the 15th).
"""

from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, Mapping

from pydantic import Field, model_validator

from ilrs.errors import shorten
from ilrs.scenario.base import StrictModel
from ilrs.scenario.campaign_catalogue import (  # noqa: F401 (the catalogue's names stay importable from here)
    CZ5_STAND_DOWN_DAYS, DATE_TEXT, ID, LANDING_KINDS, MISSION_KINDS, ROLES, CapacityClaim, CargoSpec, Catalogue,
    CrewSpec, DateClaim, ElementSpec, FlightRecord, LaunchSpec, MissionSpec, PayloadSpec, PowerModes, VehicleSpec,
    launch_capacity, mission_mass_kg, nominal_day, packaged_catalogue)

class Condition(StrictModel):
    """A condition on the station state; every part given must hold (logical AND)."""

    all_operational: list[str] = Field(default_factory=list, description="Every listed element operational.")
    any_operational: list[str] = Field(default_factory=list, description="At least one listed element operational.")
    roles_operational: list[Literal[ROLES]] = Field(  # type: ignore[valid-type]
        default_factory=list, description="For each role, at least one element of it at the base operational.")
    base_elements_operational: int = Field(0, ge=0, description="At least this many base elements operational.")
    missions_succeeded: list[str] = Field(default_factory=list, description="Each listed mission has succeeded.")
    crewed_landings: int = Field(0, ge=0, description="At least this many successful crewed landings.")

    @model_validator(mode="after")
    def _not_empty(self) -> "Condition":
        if not (self.all_operational or self.any_operational or self.roles_operational
                or self.base_elements_operational or self.missions_succeeded or self.crewed_landings):
            raise ValueError("a milestone condition needs at least one part")
        return self


class MilestoneSpec(StrictModel):
    id: str = Field(pattern=ID)
    name: str = ""
    target: dt.date | None = Field(None, description="Reached on or before this date counts as on time.")
    target_text: str = Field("", description="The public wording, e.g. 'by 2035'.")
    source: str = ""
    condition: Condition


class ReflightSpec(StrictModel):
    enabled: bool = True
    lead_time_days: float = Field(
        730.0, ge=0, description="Loss to re-flight launch, days (assumption: a new spacecraft in ~2 years).")
    max_attempts: int = Field(2, ge=1, le=10, description="Attempts per mission, the first included.")


class CampaignSection(StrictModel):
    """The campaign of a study: which missions fly, with what, and what counts as a milestone."""

    catalogue: bool = Field(True, description="Use the packaged vehicles, missions and elements.")
    manifest: list[str] = Field(default_factory=list, description="Packaged (or inline) mission ids that fly.")
    missions: list[MissionSpec] = Field(default_factory=list, description="Inline missions (they all fly).")
    vehicles: list[VehicleSpec] = Field(default_factory=list)
    elements: list[ElementSpec] = Field(default_factory=list)
    date_claims: dict[str, str] = Field(default_factory=dict, description="Mission id -> date claim id to use.")
    milestones: list[MilestoneSpec] = Field(default_factory=list)
    reflight: ReflightSpec = ReflightSpec()
    stand_down_days: float = Field(
        float(CZ5_STAND_DOWN_DAYS), ge=0,
        description="Days a vehicle family stays grounded after a launch failure (default 908: CZ-5 Y2 "
                    "2017-07-02 to return to flight 2019-12-27, ilrs-facts.md).")
    new_vehicle_launch_failure: float = Field(
        (8 + 0.5) / (259 + 1.0), ge=0, le=1,
        description="Launch failure probability of a vehicle without a flight record: Jeffreys posterior "
                    "mean of the 2024 global record, 8 failures in 259 launches (seradata.com, ilrs-facts.md).")
    as_known_on: dt.date | None = Field(
        None, description="Replay the packaged catalogue as known at the end of this day (only claims "
                          "reported by then; see ilrs.scenario.campaign_asof.scenario_as_known_on).")
    landing_failure: float = Field(
        0.28, ge=0, le=1,
        description="Probability that a landing fails when the scenario's uncertainties give none: "
                    "government lunar landings 2013-2025 succeeded ~72% [?] (ilrs-facts.md).")

    @model_validator(mode="after")
    def _unique(self) -> "CampaignSection":
        for group in ("missions", "vehicles", "elements", "milestones"):
            ids = [x.id for x in getattr(self, group)]
            dup = sorted({i for i in ids if ids.count(i) > 1})
            if dup:
                raise ValueError(f"{group}: duplicate id {shorten(dup[0])}")
        if len(set(self.manifest)) != len(self.manifest):
            raise ValueError("manifest: a mission is listed twice")
        return self

    # -- resolution against the packaged catalogue -------------------------------------------------
    def resolved(self) -> "ResolvedCampaign":
        """Vehicles, elements and the flown missions, packaged entries merged with inline ones.

        Computed once per section object (the section is frozen): the result is cached by the
        object's identity and dropped when the object is (a ``model_copy`` resolves afresh)."""
        key = id(self)
        res = _RESOLVED.get(key)
        if res is None:
            res = _RESOLVED[key] = self._resolve()
            weakref.finalize(self, _RESOLVED.pop, key, None)
        return res

    def _resolve(self) -> "ResolvedCampaign":
        cat = packaged_catalogue() if self.catalogue else Catalogue({}, {}, {})
        if self.as_known_on is not None:
            cat = cat.as_known_on(self.as_known_on)
        vehicles = dict(cat.vehicles)
        vehicles.update({v.id: v for v in self.vehicles})
        elements = dict(cat.elements)
        elements.update({e.id: e for e in self.elements})
        known_missions = dict(cat.missions)
        known_missions.update({m.id: m for m in self.missions})
        flown: list[MissionSpec] = []
        for mid in self.manifest:
            if mid in known_missions and mid not in {m.id for m in self.missions}:
                flown.append(known_missions[mid])
        flown.extend(self.missions)
        return ResolvedCampaign(MappingProxyType(vehicles), MappingProxyType(elements), tuple(flown),
                                MappingProxyType(known_missions))

    def check_references(self, scenario) -> None:
        """Names must resolve, payloads fit their vehicle, dependencies form no cycle.

        Mass: a launch's published ``mass_kg`` must not exceed its vehicle's capacity, and a
        mission's elements and payloads must fit what its launches carry (:func:`mass_problem`);
        a vehicle without an Earth–Moon transfer figure is checked against its LEO capacity as an
        upper bound (Angara-A5/A5V). Owners, leads and crews must be partners of the packaged
        registry (``data/partners.yaml``)."""
        res = self.resolved()
        where = self._check_manifest_and_claims(res)
        owners = self._check_missions(res, where)
        _check_elements(res)
        owners += [(f"elements.{e.id}.owner", e.owner) for e in res.elements.values()]
        self._check_milestones(res)
        _check_partners(owners)

    def _check_manifest_and_claims(self, res: "ResolvedCampaign") -> dict[str, str]:
        """Manifest ids and date claims resolve; returns mission id -> its field path."""
        from ilrs.scenario.references import ReferenceProblem

        for i, mid in enumerate(self.manifest):
            if mid not in res.known_missions:
                raise ReferenceProblem(f"manifest[{i}]", f"unknown mission {shorten(mid)}", res.known_missions)
        where = {m.id: (f"missions[{i}]" if m in self.missions else f"manifest[{self.manifest.index(m.id)}]")
                 for i, m in enumerate(self.missions)}
        for m in res.missions:
            where.setdefault(m.id, f"manifest[{self.manifest.index(m.id)}]" if m.id in self.manifest else m.id)
        flown_ids = {m.id for m in res.missions}
        for mid, cid in self.date_claims.items():
            if mid not in flown_ids:
                raise ReferenceProblem(f"date_claims.{mid}", f"mission {shorten(mid)} is not flown", flown_ids)
            claims = [c.id for c in next(m for m in res.missions if m.id == mid).dates]
            if cid not in claims:
                raise ReferenceProblem(f"date_claims.{mid}", f"unknown date claim {shorten(cid)}", claims)
        return where

    def _check_missions(self, res: "ResolvedCampaign", where: dict[str, str]) -> list[tuple[str, str]]:
        """Vehicles, capacities, elements, requirements and spares of each flown mission; returns
        (field path, partner id) of its lead, payload owners and crew."""
        from ilrs.scenario.references import ReferenceProblem

        flown_ids = {m.id for m in res.missions}
        owners: list[tuple[str, str]] = []
        delivered: dict[str, str] = {}
        for m in res.missions:
            w = where[m.id]
            _check_launches(m, w, res)
            for j, eid in enumerate(m.elements):
                if eid not in res.elements:
                    raise ReferenceProblem(f"{w}.elements[{j}]", f"unknown element {shorten(eid)}", res.elements)
                if eid in delivered:
                    raise ReferenceProblem(f"{w}.elements[{j}]",
                                           f"element {shorten(eid)} is also delivered by {shorten(delivered[eid])}")
                delivered[eid] = m.id
            problem = mass_problem(m, res)
            if problem:
                raise ReferenceProblem(f"{w}.elements", problem)
            for j, rid in enumerate(m.requires):
                if rid not in flown_ids:
                    raise ReferenceProblem(f"{w}.requires[{j}]", f"required mission {shorten(rid)} is not flown", flown_ids)
            if m.cargo is not None:
                for eid in m.cargo.spares:
                    if eid not in res.elements:
                        raise ReferenceProblem(f"{w}.cargo.spares", f"unknown element {shorten(eid)}", res.elements)
            owners.append((f"{w}.lead", m.lead))
            owners += [(f"{w}.payloads[{j}].owner", p.owner) for j, p in enumerate(m.payloads)]
            if m.crew is not None:
                owners += [(f"{w}.crew.nationalities", p) for p in m.crew.nationalities]
        cycle = find_cycle({m.id: list(m.requires) for m in res.missions})
        if cycle:
            raise ReferenceProblem(f"{where[cycle[0]]}.requires",
                                   "circular mission requirements: " + " -> ".join(cycle + [cycle[0]]))
        return owners

    def _check_milestones(self, res: "ResolvedCampaign") -> None:
        from ilrs.scenario.references import ReferenceProblem

        flown_ids = {m.id for m in res.missions}
        for i, ms in enumerate(self.milestones):
            c = ms.condition
            for name in c.all_operational + c.any_operational:
                if name not in res.elements:
                    raise ReferenceProblem(f"milestones[{i}].condition", f"unknown element {shorten(name)}", res.elements)
            for name in c.missions_succeeded:
                if name not in flown_ids:
                    raise ReferenceProblem(f"milestones[{i}].condition", f"mission {shorten(name)} is not flown", flown_ids)


def _check_launches(m: MissionSpec, w: str, res: "ResolvedCampaign") -> None:
    """Each launch's vehicle exists and carries its published mass."""
    from ilrs.scenario.references import ReferenceProblem

    for j, launch in enumerate(m.launches):
        v = res.vehicles.get(launch.vehicle)
        if v is None:
            raise ReferenceProblem(f"{w}.launches[{j}].vehicle", f"unknown vehicle {shorten(launch.vehicle)}", res.vehicles)
        cap, to = launch_capacity(v)
        if launch.mass_kg is not None and cap is not None and launch.mass_kg > cap:
            raise ReferenceProblem(f"{w}.launches[{j}].mass_kg",
                                   f"{m.id}: {launch.mass_kg:,.0f} kg exceeds {v.id}'s {cap:,.0f} kg {to}")


def _check_elements(res: "ResolvedCampaign") -> None:
    """Element dependencies resolve and form no cycle."""
    from ilrs.scenario.references import ReferenceProblem

    for eid, e in res.elements.items():
        for dep in e.depends_on:
            if dep not in res.elements:
                raise ReferenceProblem(f"elements.{eid}.depends_on", f"unknown element {shorten(dep)}", res.elements)
    cycle = find_cycle({eid: list(e.depends_on) for eid, e in res.elements.items()})
    if cycle:
        raise ReferenceProblem(f"elements.{cycle[0]}.depends_on",
                               "circular element dependencies: " + " -> ".join(cycle + [cycle[0]]))


def _check_partners(owners: list[tuple[str, str]]) -> None:
    """Every (field path, partner id) names a partner of the packaged registry."""
    from ilrs.data import partner_ids  # the data layer: the scenario layer may not import consortium
    from ilrs.scenario.references import ReferenceProblem

    ids = sorted(partner_ids())
    for field, pid in owners:
        if pid not in ids:
            raise ReferenceProblem(field, f"unknown partner {shorten(pid)}", ids)


@dataclass(frozen=True)
class ResolvedCampaign:
    """A campaign section merged with the packaged catalogue (read-only: it is shared, see
    :meth:`CampaignSection.resolved`)."""

    vehicles: Mapping[str, VehicleSpec]
    elements: Mapping[str, ElementSpec]
    missions: tuple[MissionSpec, ...]  # the flown ones, manifest first, then inline
    known_missions: Mapping[str, MissionSpec]


_RESOLVED: dict[int, ResolvedCampaign] = {}
"""id(section) -> its resolution, while the section lives (see CampaignSection.resolved)."""


def mass_problem(mission: MissionSpec, res: "ResolvedCampaign") -> str | None:
    """Why a mission's elements and payloads cannot fit its launches, or None.

    A launch with a published ``mass_kg`` carries that mass; one without carries at most its
    vehicle's capacity (:func:`launch_capacity`). Unknown element or payload masses count as 0;
    a launch on a vehicle with no capacity at all leaves the mission unchecked."""
    carried = mission_mass_kg(mission, res.elements)
    if carried <= 0:
        return None
    available = 0.0
    parts = []
    for j, launch in enumerate(mission.launches):
        if launch.mass_kg is not None:
            available += launch.mass_kg
            parts.append(f"the {launch.mass_kg:,.0f} kg stated for launches[{j}]")
            continue
        v = res.vehicles.get(launch.vehicle)
        cap, to = launch_capacity(v) if v is not None else (None, "")
        if cap is None:
            return None
        available += cap
        parts.append(f"{v.id}'s {cap:,.0f} kg {to}")
    if carried <= available:
        return None
    return f"{mission.id}: its elements and payloads weigh {carried:,.0f} kg, more than " + " + ".join(parts)


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """One cycle of a directed graph (node -> successors) as a list of nodes, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):]
            if state.get(nxt) is None and nxt in graph:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if state.get(node) is None:
            found = visit(node)
            if found:
                return found
    return None
