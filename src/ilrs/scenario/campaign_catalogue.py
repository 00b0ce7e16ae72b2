"""Catalogue entries of a campaign: vehicles, missions, station elements, and the packaged catalogue.

The packaged catalogue (``data/vehicles.yaml``, ``data/missions.yaml``, ``data/elements.yaml``,
:func:`packaged_catalogue`) holds the sourced facts; a scenario's ``campaign`` section
(:mod:`ilrs.scenario.campaign`) may add entries of the same schema inline.

A planned date is written with its precision: ``"2028"``, ``"2026-08"`` or ``"2026-08-15"``. The
nominal day of a year-precision date is 1 July, of a month-precision date the 15th (the middle of
the period), so that "in 2028" stays in 2028 whatever the slip sign convention.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Literal

import pydantic
from pydantic import Field, field_validator, model_validator

from ilrs.errors import shorten
from ilrs.scenario.base import StrictModel, check_date_range

ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
DATE_TEXT = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")

ROLES = ("command", "energy", "comms", "research", "isru", "mobility", "habitation", "relay", "orbiter",
         "lander", "observatory", "hub")
MISSION_KINDS = ("lander", "sample-return", "orbiter", "relay", "crewed-landing", "cargo", "crewed-test")
"""``crewed-test``: a crewed flight that does not land (Artemis II around the Moon, Artemis III in Earth orbit)."""
LANDING_KINDS = ("lander", "sample-return", "crewed-landing", "cargo")

CZ5_STAND_DOWN_DAYS = (dt.date(2019, 12, 27) - dt.date(2017, 7, 2)).days
"""908 days: CZ-5 Y2 failed 2017-07-02, return to flight 2019-12-27 (ilrs-facts.md, Launch vehicles)."""


def nominal_day(text: str) -> dt.date:
    """The nominal day of a date written with its precision (year → 1 July, month → the 15th)."""
    m = DATE_TEXT.match(str(text))
    if not m:
        raise ValueError(f"{shorten(text)} is not a date YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = m.group(1), m.group(2) or 7, m.group(3) or (1 if m.group(2) is None else 15)
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError as exc:  # year 0, month 13, day 32
        raise ValueError(f"{shorten(text)} is not a valid date ({exc})") from None


def _date_text(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (dt.date, int, str)):
        raise ValueError("a date must be written YYYY, YYYY-MM or YYYY-MM-DD")
    if isinstance(value, (dt.date, dt.datetime)):
        text = value.isoformat()[:10]
    else:
        text = str(value)
    check_date_range(nominal_day(text), "the date")  # nominal_day raises ValueError with a clear message
    return text


class DateClaim(StrictModel):
    """One reported planned date, with its precision and where it was reported."""

    id: str = Field("plan", pattern=ID)
    date: str = Field(description="YYYY, YYYY-MM or YYYY-MM-DD (the precision of the report).")
    source: str = ""
    reported: str | None = Field(None, description="When the claim was published: YYYY, YYYY-MM or YYYY-MM-DD.")
    retrospective: bool = Field(False, description="Published after the plan it reports was superseded "
                                "(\"under the previous framework, 2028\"): its reported date is only an "
                                "upper bound on when the plan stood, so it never outranks a contemporaneous claim.")
    note: str = ""

    @field_validator("date", mode="before")
    @classmethod
    def _text(cls, value: object) -> str:
        return _date_text(value)

    @field_validator("reported", mode="before")
    @classmethod
    def _reported_text(cls, value: object) -> str | None:
        return None if value is None else _date_text(value)

    @property
    def nominal(self) -> dt.date:
        return nominal_day(self.date)

    @property
    def precision(self) -> str:
        return {1: "year", 2: "month", 3: "day"}[len(self.date.split("-"))]

    @property
    def reported_day(self) -> dt.date | None:
        """The day the claim counts as published: :func:`nominal_day` of ``reported`` (a year → 1 July,
        a month → the 15th, the same convention as planned dates), None when not given."""
        return None if self.reported is None else nominal_day(self.reported)

    def known_on(self, day: dt.date) -> bool:
        """Whether the claim had been published by the end of ``day`` (a claim without a reported
        date is never known: the packaged catalogue requires one)."""
        return self.reported_day is not None and self.reported_day <= day


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


class Catalogue:
    """Packaged vehicles, missions and elements by id."""

    def __init__(self, vehicles: dict[str, VehicleSpec], missions: dict[str, MissionSpec],
                 elements: dict[str, ElementSpec]):
        self.vehicles = vehicles
        self.missions = missions
        self.elements = elements

    def as_known_on(self, day: dt.date) -> "Catalogue":
        """The catalogue as it could be written on ``day`` (:func:`mission_as_known_on` of each
        mission; missions with no claim published by then are absent). Vehicles and elements are
        descriptions, not dated claims: they stay."""
        missions = {}
        for mid, m in self.missions.items():
            known = mission_as_known_on(m, day)
            if known is not None:
                missions[mid] = known
        return Catalogue(self.vehicles, missions, self.elements)


def newest_claim(claims: list[DateClaim], day: dt.date | None = None) -> DateClaim | None:
    """The most recently published claim (by :attr:`DateClaim.reported_day`; on a tie the later
    listed), among those known on ``day`` (all if None); a retrospective claim only where no
    contemporaneous one is known; None when none is."""
    best, best_key = None, None
    for c in claims:
        r = c.reported_day
        if r is None or (day is not None and r > day):
            continue
        key = (not c.retrospective, r)
        if best_key is None or key >= best_key:
            best, best_key = c, key
    return best


def mission_as_known_on(m: MissionSpec, day: dt.date) -> MissionSpec | None:
    """A mission as known at the end of ``day``: only the date claims published by then, the newest
    first (the default claim); what happened to it (launched, arrived, status) only if it had
    happened by then. None if no claim of it had been published (not yet announced).

    A mission launched by ``day`` but not yet arrived is a planned mission whose date is its launch
    day (its outcome was not known yet)."""
    claims = [c for c in m.dates if c.known_on(day)]
    newest = newest_claim(claims)
    if newest is None:
        return None
    claims = [newest] + [c for c in claims if c is not newest]
    update: dict = {"dates": claims}
    outcome_day = m.arrived or m.launched  # a launch failure is known on its launch day
    if m.status != "planned" and not (outcome_day is not None and outcome_day <= day):
        update.update(status="planned", launched=None, arrived=None, failure=None)
        if m.launched is not None and m.launched <= day:  # in flight on that day
            flown = DateClaim(id="launched", date=m.launched.isoformat(), reported=m.launched.isoformat(),
                              source="launch day (the mission's 'launched' field)")
            update["dates"] = [flown] + [c for c in claims if c.id != "launched"]
    return m.model_copy(update=update)


def require_reported(missions: dict[str, MissionSpec], file: str) -> None:
    """Every date claim of the packaged catalogue names its source and the day it was reported
    (DatasetError otherwise: one line, exit 2)."""
    from ilrs.errors import DatasetError

    for i, m in enumerate(missions.values()):
        for j, c in enumerate(m.dates):
            for field in ("source", "reported"):
                if not getattr(c, field):
                    raise DatasetError(f"mission {shorten(m.id)}: date claim {shorten(c.id)} has no {field}",
                                       file=file, field=f"missions[{i}].dates[{j}].{field}",
                                       allowed="YYYY, YYYY-MM or YYYY-MM-DD" if field == "reported" else None)


def _load_list(name: str, key: str, model):
    from ilrs.data import data_path, load_dataset
    from ilrs.errors import DatasetError
    from ilrs.scenario.references import validation_error

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
            raise DatasetError(f"duplicate id {shorten(obj.id)}", file=file, field=f"{key}[{i}].id")
        out[obj.id] = obj
    return out


@lru_cache(maxsize=1)
def packaged_catalogue() -> Catalogue:
    """The packaged vehicles, missions and elements (validated once)."""
    from ilrs.data import data_path

    missions = _load_list("missions", "missions", MissionSpec)
    require_reported(missions, str(data_path("missions.yaml")))
    return Catalogue(_load_list("vehicles", "vehicles", VehicleSpec), missions,
                     _load_list("elements", "elements", ElementSpec))
