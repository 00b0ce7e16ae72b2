"""Scenario section ``campaign``: manifest, vehicles, station elements, milestones.

Owned by the campaign layer's issue; fields may be added, never renamed.

The packaged catalogue (``data/vehicles.yaml``, ``data/missions.yaml``, ``data/elements.yaml``)
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

A planned date is written with its precision: ``"2028"``, ``"2026-08"`` or ``"2026-08-15"``. The
nominal day of a year-precision date is 1 July, of a month-precision date the 15th (the middle of
the period), so that "in 2028" stays in 2028 whatever the slip sign convention.
"""

from __future__ import annotations

import datetime as dt
import re
import weakref
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Literal, Mapping

import pydantic
from pydantic import Field, field_validator, model_validator

from ilrs.scenario.base import StrictModel

ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
DATE_TEXT = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")

ROLES = ("command", "energy", "comms", "research", "isru", "mobility", "habitation", "relay", "orbiter",
         "lander", "observatory", "hub")
MISSION_KINDS = ("lander", "sample-return", "orbiter", "relay", "crewed-landing", "cargo")
LANDING_KINDS = ("lander", "sample-return", "crewed-landing", "cargo")

CZ5_STAND_DOWN_DAYS = (dt.date(2019, 12, 27) - dt.date(2017, 7, 2)).days
"""908 days: CZ-5 Y2 failed 2017-07-02, return to flight 2019-12-27 (ilrs-facts.md, Launch vehicles)."""


def nominal_day(text: str) -> dt.date:
    """The nominal day of a date written with its precision (year → 1 July, month → the 15th)."""
    m = DATE_TEXT.match(str(text))
    if not m:
        raise ValueError(f"{text!r} is not a date YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = m.group(1), m.group(2), m.group(3)
    if month is None:
        return dt.date(int(year), 7, 1)
    if day is None:
        return dt.date(int(year), int(month), 15)
    return dt.date(int(year), int(month), int(day))


def _date_text(value: object) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, int):
        return str(value)
    text = str(value)
    nominal_day(text)  # raises ValueError with a clear message
    return text


class DateClaim(StrictModel):
    """One reported planned date, with its precision and where it was reported."""

    id: str = Field("plan", pattern=ID)
    date: str = Field(description="YYYY, YYYY-MM or YYYY-MM-DD (the precision of the report).")
    source: str = ""
    note: str = ""

    @field_validator("date", mode="before")
    @classmethod
    def _text(cls, value: object) -> str:
        return _date_text(value)

    @property
    def nominal(self) -> dt.date:
        return nominal_day(self.date)

    @property
    def precision(self) -> str:
        return {1: "year", 2: "month", 3: "day"}[len(self.date.split("-"))]


class FlightRecord(StrictModel):
    """Launches and failures of a vehicle family up to ``as_of`` (a reliability prior)."""

    flights: int = Field(ge=0)
    failures: int = Field(ge=0)
    as_of: str = ""
    source: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> "FlightRecord":
        if self.failures > self.flights:
            raise ValueError("failures cannot exceed flights")
        return self

    @property
    def failure_probability(self) -> float:
        """Posterior mean under a Jeffreys Beta(0.5, 0.5) prior: (failures + 0.5) / (flights + 1)
        (Gelman et al., Bayesian Data Analysis, 3rd ed., §2.4)."""
        return (self.failures + 0.5) / (self.flights + 1.0)


class CapacityClaim(StrictModel):
    value_kg: float = Field(gt=0)
    orbit: Literal["tli", "leo", "gto"] = "tli"
    source: str = ""
    note: str = ""


class VehicleSpec(StrictModel):
    """A launch vehicle; ``capacity_tli_kg`` is the payload to Earth–Moon transfer the engine checks."""

    id: str = Field(pattern=ID)
    name: str = ""
    family: str = Field("", description="Vehicles of one family are grounded together after a failure (default: id).")
    operator: str = Field("china", description="Partner id.")
    capacity_tli_kg: float | None = Field(None, gt=0)
    capacity_leo_kg: float | None = Field(None, gt=0)
    capacity_claims: list[CapacityClaim] = Field(default_factory=list)
    first_flight: str | None = None
    record: FlightRecord | None = None
    source: str = ""
    note: str = ""

    @property
    def family_id(self) -> str:
        return self.family or self.id


class PowerModes(StrictModel):
    """Power demand by mode, kW (survival ≤ nominal ≤ science)."""

    survival_kw: float = Field(0.0, ge=0)
    nominal_kw: float = Field(0.0, ge=0)
    science_kw: float = Field(0.0, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> "PowerModes":
        if not self.survival_kw <= self.nominal_kw <= self.science_kw:
            raise ValueError("need survival_kw <= nominal_kw <= science_kw")
        return self


class ElementSpec(StrictModel):
    """A station element: what it is, who owns it, what it needs, what it draws and produces."""

    id: str = Field(pattern=ID)
    name: str = ""
    role: Literal[ROLES]  # type: ignore[valid-type]
    owner: str = Field("china", description="Partner id (consortium registry).")
    mass_kg: float | None = Field(None, gt=0)
    power: PowerModes = PowerModes()
    generation_kw: float = Field(0.0, ge=0, description="Electric power it supplies (energy elements).")
    data_kbps: float = Field(0.0, ge=0, description="Science/housekeeping data it generates in science mode.")
    depends_on: list[str] = Field(default_factory=list, description="Elements that must operate before it can.")
    deploy_days: float = Field(0.0, ge=0, description="Landing (or arrival) to operational, days.")
    design_life_years: float | None = Field(None, gt=0)
    base: bool = Field(False, description="Part of the permanent south-pole base.")
    node: str = Field("south-pole", description="Where it stands: south-pole, lunar-orbit, equator, far-side …")
    source: str = ""
    assumption: str = Field("", description="What is assumed rather than reported.")


class LaunchSpec(StrictModel):
    vehicle: str
    mass_kg: float | None = Field(None, gt=0, description="Mass injected to Earth–Moon transfer; null: not published.")
    spacecraft: str = ""
    source: str = ""


class PayloadSpec(StrictModel):
    name: str
    owner: str = Field(description="Partner id.")
    kind: str = "instrument"
    mass_kg: float | None = Field(None, gt=0)
    source: str = ""


class CrewSpec(StrictModel):
    size: int = Field(ge=1, le=12)
    nationalities: list[str] = Field(min_length=1, description="Partner id of each crew member.")
    surface_days: float = Field(gt=0)
    source: str = ""

    @model_validator(mode="after")
    def _size(self) -> "CrewSpec":
        if len(self.nationalities) != self.size:
            raise ValueError(f"nationalities lists {len(self.nationalities)} people for a crew of {self.size}")
        return self


class CargoSpec(StrictModel):
    oxygen_kg: float = Field(0.0, ge=0)
    water_kg: float = Field(0.0, ge=0)
    food_kg: float = Field(0.0, ge=0)
    spares: dict[str, int] = Field(default_factory=dict, description="Element id -> number of spares.")


class MissionSpec(StrictModel):
    """One mission: its launches, planned date claims, what it delivers and where."""

    id: str = Field(pattern=ID)
    name: str = ""
    kind: Literal[MISSION_KINDS]  # type: ignore[valid-type]
    lead: str = Field("china", description="Leading partner id (colours the Gantt chart).")
    launches: list[LaunchSpec] = Field(min_length=1)
    dates: list[DateClaim] = Field(min_length=1, description="Planned launch date claims; the first is the default.")
    transfer_days: float = Field(30.0, ge=0, description="Launch to landing (or orbit insertion), days.")
    site: str | None = Field(None, description="Target site (site catalogue name), for landers.")
    elements: list[str] = Field(default_factory=list)
    payloads: list[PayloadSpec] = Field(default_factory=list)
    crew: CrewSpec | None = None
    cargo: CargoSpec | None = None
    requires: list[str] = Field(default_factory=list, description="Missions that must succeed before it launches.")
    reflight: bool = Field(True, description="Flown again after a loss (when the campaign allows re-flights).")
    status: Literal["planned", "succeeded", "failed"] = "planned"
    launched: dt.date | None = Field(None, description="Actual launch date (past missions).")
    arrived: dt.date | None = Field(None, description="Actual landing / orbit insertion date (past missions).")
    failure: Literal["launch", "landing"] | None = Field(None, description="Where a failed past mission failed.")
    source: str = ""
    note: str = ""

    @property
    def lands(self) -> bool:
        return self.kind in LANDING_KINDS

    @model_validator(mode="after")
    def _past(self) -> "MissionSpec":
        if self.status != "planned" and self.launched is None:
            raise ValueError(f"a {self.status} mission needs its 'launched' date")
        if self.status == "failed" and self.failure is None:
            raise ValueError("a failed mission needs 'failure: launch' or 'failure: landing'")
        if self.status == "succeeded" and self.arrived is None:
            raise ValueError("a succeeded mission needs its 'arrived' date")
        ids = [c.id for c in self.dates]
        if len(set(ids)) != len(ids):
            raise ValueError("date claim ids must be unique within a mission")
        return self

    def claim(self, claim_id: str | None) -> DateClaim:
        if claim_id is None:
            return self.dates[0]
        for c in self.dates:
            if c.id == claim_id:
                return c
        raise KeyError(claim_id)


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
                raise ValueError(f"{group}: duplicate id {dup[0]!r}")
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
        upper bound (Angara-A5/A5V)."""
        from ilrs.scenario.loader import ReferenceProblem

        res = self.resolved()
        for i, mid in enumerate(self.manifest):
            if mid not in res.known_missions:
                raise ReferenceProblem(f"manifest[{i}]", f"unknown mission {mid!r}", res.known_missions)
        where = {m.id: (f"missions[{i}]" if m in self.missions else f"manifest[{self.manifest.index(m.id)}]")
                 for i, m in enumerate(self.missions)}
        for m in res.missions:
            where.setdefault(m.id, f"manifest[{self.manifest.index(m.id)}]" if m.id in self.manifest else m.id)
        flown_ids = {m.id for m in res.missions}
        for mid, cid in self.date_claims.items():
            if mid not in flown_ids:
                raise ReferenceProblem(f"date_claims.{mid}", f"mission {mid!r} is not flown", flown_ids)
            claims = [c.id for c in next(m for m in res.missions if m.id == mid).dates]
            if cid not in claims:
                raise ReferenceProblem(f"date_claims.{mid}", f"unknown date claim {cid!r}", claims)
        owners: list[tuple[str, str]] = []
        delivered: dict[str, str] = {}
        for m in res.missions:
            w = where[m.id]
            for j, launch in enumerate(m.launches):
                v = res.vehicles.get(launch.vehicle)
                if v is None:
                    raise ReferenceProblem(f"{w}.launches[{j}].vehicle", f"unknown vehicle {launch.vehicle!r}",
                                           res.vehicles)
                cap, to = launch_capacity(v)
                if launch.mass_kg is not None and cap is not None and launch.mass_kg > cap:
                    raise ReferenceProblem(f"{w}.launches[{j}].mass_kg",
                                           f"{m.id}: {launch.mass_kg:,.0f} kg exceeds {v.id}'s {cap:,.0f} kg {to}")
            for j, eid in enumerate(m.elements):
                if eid not in res.elements:
                    raise ReferenceProblem(f"{w}.elements[{j}]", f"unknown element {eid!r}", res.elements)
                if eid in delivered:
                    raise ReferenceProblem(f"{w}.elements[{j}]",
                                           f"element {eid!r} is also delivered by {delivered[eid]!r}")
                delivered[eid] = m.id
            problem = mass_problem(m, res)
            if problem:
                raise ReferenceProblem(f"{w}.elements", problem)
            for j, rid in enumerate(m.requires):
                if rid not in flown_ids:
                    raise ReferenceProblem(f"{w}.requires[{j}]", f"required mission {rid!r} is not flown", flown_ids)
            if m.cargo is not None:
                for eid in m.cargo.spares:
                    if eid not in res.elements:
                        raise ReferenceProblem(f"{w}.cargo.spares", f"unknown element {eid!r}", res.elements)
            owners.append((f"{w}.lead", m.lead))
            owners += [(f"{w}.payloads[{j}].owner", p.owner) for j, p in enumerate(m.payloads)]
            if m.crew is not None:
                owners += [(f"{w}.crew.nationalities", p) for p in m.crew.nationalities]
        cycle = find_cycle({m.id: list(m.requires) for m in res.missions})
        if cycle:
            raise ReferenceProblem(f"{where[cycle[0]]}.requires",
                                   "circular mission requirements: " + " -> ".join(cycle + [cycle[0]]))
        for eid, e in res.elements.items():
            for dep in e.depends_on:
                if dep not in res.elements:
                    raise ReferenceProblem(f"elements.{eid}.depends_on", f"unknown element {dep!r}", res.elements)
        cycle = find_cycle({eid: list(e.depends_on) for eid, e in res.elements.items()})
        if cycle:
            raise ReferenceProblem(f"elements.{cycle[0]}.depends_on",
                                   "circular element dependencies: " + " -> ".join(cycle + [cycle[0]]))
        owners += [(f"elements.{e.id}.owner", e.owner) for e in res.elements.values()]
        for i, ms in enumerate(self.milestones):
            c = ms.condition
            for name in c.all_operational + c.any_operational:
                if name not in res.elements:
                    raise ReferenceProblem(f"milestones[{i}].condition", f"unknown element {name!r}", res.elements)
            for name in c.missions_succeeded:
                if name not in flown_ids:
                    raise ReferenceProblem(f"milestones[{i}].condition", f"mission {name!r} is not flown", flown_ids)
        from ilrs.data import load_dataset  # the data layer: the scenario layer may not import consortium

        ids = sorted(p["id"] for p in (load_dataset("partners").get("parties") or []))
        for field, pid in owners:
            if pid not in ids:
                raise ReferenceProblem(field, f"unknown partner {pid!r}", ids)


def launch_capacity(vehicle: VehicleSpec) -> tuple[float | None, str]:
    """The mass a launch on ``vehicle`` can carry and what that figure is: its capacity to
    Earth–Moon transfer, else its capacity to LEO as an upper bound (a payload sent on to the Moon
    is lighter than what the vehicle puts in LEO), else None (not checked)."""
    if vehicle.capacity_tli_kg is not None:
        return vehicle.capacity_tli_kg, "to Earth-Moon transfer"
    if vehicle.capacity_leo_kg is not None:
        return vehicle.capacity_leo_kg, ("to low Earth orbit (no Earth-Moon transfer capacity published: "
                                         "the LEO figure is used as an upper bound)")
    return None, ""


def mission_mass_kg(mission: MissionSpec, elements: dict[str, ElementSpec]) -> float:
    """What a mission carries as far as it is known: its elements' and payloads' masses."""
    return (sum(elements[e].mass_kg or 0.0 for e in mission.elements if e in elements)
            + sum(p.mass_kg or 0.0 for p in mission.payloads))


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


class Catalogue:
    """Packaged vehicles, missions and elements by id."""

    def __init__(self, vehicles: dict[str, VehicleSpec], missions: dict[str, MissionSpec],
                 elements: dict[str, ElementSpec]):
        self.vehicles = vehicles
        self.missions = missions
        self.elements = elements


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


def _load_list(name: str, key: str, model):
    from ilrs.data import data_path, load_dataset
    from ilrs.errors import DatasetError
    from ilrs.scenario.loader import validation_error

    raw = load_dataset(name)
    file = str(data_path(f"{name}.yaml"))
    if not isinstance(raw, dict) or not isinstance(raw.get(key), list):
        raise DatasetError(f"expected a mapping with a '{key}' list", file=file)
    out = {}
    for i, item in enumerate(raw[key]):
        try:
            obj = model.model_validate(item)
        except pydantic.ValidationError as exc:
            err = validation_error(exc, file, prefix=f"{key}[{i}]")
            raise DatasetError(err.message, file=file, field=err.field, allowed=err.allowed) from None
        if obj.id in out:
            raise DatasetError(f"duplicate id {obj.id!r}", file=file, field=f"{key}[{i}].id")
        out[obj.id] = obj
    return out


@lru_cache(maxsize=1)
def packaged_catalogue() -> Catalogue:
    """The packaged vehicles, missions and elements (validated once)."""
    return Catalogue(_load_list("vehicles", "vehicles", VehicleSpec),
                     _load_list("missions", "missions", MissionSpec),
                     _load_list("elements", "elements", ElementSpec))
