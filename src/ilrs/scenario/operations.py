"""Scenario section ``operations``: power, data, crew, failures, science.

Owned by the operations layer's issue; fields may be added, never renamed.

Units at this boundary are the ones people write: kW, kWh, m^2, Gbit, kbit/s, hours, days, UTC
dates. :mod:`ilrs.operations.params` converts them to SI once. Figures without a field default
here (crew needs, closure ratios, nuclear unit sizes) come from ``data/ops_defaults.yaml``, where
each one cites its source.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ilrs.errors import shorten
from ilrs.scenario.base import StrictModel

ID = r"^[a-z0-9][a-z0-9._-]{0,63}$"
RESEARCH_AREAS = ("lunar-physics-chemistry", "medicine", "earth-observation", "cislunar-environment",
                  "astronomy", "technology")
"""Research areas named in the seed articles (seed 001: lunar physics and chemistry, medical
experimentation, observing Earth and the cislunar environment; seed 004: technology testing),
plus astronomy (ILRS-5, ilrs-facts.md)."""


ROLES = ("generic", "power", "comms", "life-support", "habitat", "science", "mobility")
"""Operations roles of an element (campaign roles map onto them in the operations adapter)."""


class FailureSpec(StrictModel):
    """Time to failure of an element while it operates: exponential (MTBF) or Weibull."""

    distribution: Literal["exponential", "weibull", "none"] = "exponential"
    mtbf_days: float | None = Field(None, gt=0, description="Mean time between failures (exponential).")
    weibull_shape: float | None = Field(None, gt=0)
    weibull_scale_days: float | None = Field(None, gt=0)
    spares: int = Field(1, ge=0, description="Spares on site at activation.")
    repair_hours_crew: float = Field(24.0, gt=0, description="Repair duration when a crew is present.")
    repair_hours_robot: float | None = Field(72.0, gt=0, description="Robotic repair duration; null: crew only.")

    @model_validator(mode="after")
    def _parameters(self) -> "FailureSpec":
        if self.distribution == "exponential" and self.mtbf_days is None:
            raise ValueError("an exponential failure model needs mtbf_days")
        if self.distribution == "weibull" and (self.weibull_shape is None or self.weibull_scale_days is None):
            raise ValueError("a weibull failure model needs weibull_shape and weibull_scale_days")
        return self


class ElementSpec(StrictModel):
    """A station element that draws power; loads by mode (survival ≤ nominal ≤ science)."""

    name: str = Field(pattern=ID)
    owner: str = Field("china", description="Partner id (consortium registry), kebab-case.")
    role: Literal[ROLES] = "generic"  # type: ignore[valid-type]
    operational_from: dt.date | None = Field(None, description="Used when the campaign gives no date.")
    priority: int = Field(3, ge=1, le=9, description="1 = shed last, 9 = shed first.")
    survival_kw: float = Field(0.0, ge=0)
    nominal_kw: float = Field(0.0, ge=0)
    science_kw: float = Field(0.0, ge=0)
    failure: FailureSpec | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "ElementSpec":
        if not (self.survival_kw <= self.nominal_kw <= self.science_kw):
            raise ValueError("loads must satisfy survival_kw <= nominal_kw <= science_kw")
        return self


class SolarArraySpec(StrictModel):
    name: str = Field(pattern=ID)
    element: str | None = Field(None, description="Element carrying the array (generation stops when it is down).")
    area_m2: float = Field(gt=0)
    efficiency: float = Field(0.30, gt=0, le=1)
    degradation_per_year: float = Field(0.01, ge=0, lt=1, description="Fractional output loss per year.")
    tracking: bool = Field(True, description="Vertical panel turning to the Sun's azimuth on its mast.")
    mast_height_m: float | None = Field(None, ge=0, le=1_000, description=(
        "Height of this array's mast (m): its sunlight is seen from there against the site's horizon. "
        "Null: site.mast_height_m."))
    azimuth_deg: float = Field(0.0, description="Facing azimuth of a fixed panel (tracking: false).")


class StorageSpec(StrictModel):
    name: str = Field(pattern=ID)
    element: str | None = Field(None, description=(
        "Element carrying the unit: usable only while it operates (energy frozen while it is down); "
        "arrives with it holding initial_soc, leaves at its end of life. Null: on site from the start."))
    kind: Literal["battery", "regenerative-fuel-cell"] = "battery"
    capacity_kwh: float = Field(gt=0)
    charge_efficiency: float = Field(0.95, gt=0, le=1)
    discharge_efficiency: float = Field(0.95, gt=0, le=1)
    max_depth_of_discharge: float = Field(0.8, gt=0, le=1)
    max_power_kw: float | None = Field(None, gt=0, description="Charge/discharge power limit; null: none.")
    initial_soc: float = Field(1.0, ge=0, le=1, description=(
        "State of charge at the start, or when its element becomes operational."))


class NuclearSpec(StrictModel):
    name: str = Field(pattern=ID)
    kind: Literal["kilopower", "fission-surface-power", "rtg", "custom"] = "kilopower"
    power_kwe: float | None = Field(None, gt=0, validate_default=True, description=(
        "Default: from ops_defaults.yaml by kind (kilopower 10, fission-surface-power 40, rtg 0.11 = "
        "MMRTG at beginning of life); required for custom."))
    element: str | None = None

    @field_validator("power_kwe", mode="after")
    @classmethod
    def _power(cls, value: float | None, info: ValidationInfo) -> float | None:
        kind = info.data.get("kind")
        if value is None and kind is not None:
            from ilrs.data import ops_defaults  # the data layer (below the scenario layer)

            units = ops_defaults().get("nuclear_units") or {}
            if kind not in units:
                raise ValueError(f"a {shorten(kind)} unit needs power_kwe (packaged defaults for: {', '.join(sorted(units))})")
        return value


class PowerSection(StrictModel):
    solar_arrays: list[SolarArraySpec] = Field(default_factory=list)
    storage: list[StorageSpec] = Field(default_factory=list)
    nuclear: list[NuclearSpec] = Field(default_factory=list)
    shed_science_below: float = Field(0.5, ge=0, le=1, description=(
        "Load shedding: usable stored-energy fraction below which elements leave science mode, "
        "priority 9 first."))
    shed_nominal_below: float = Field(0.2, ge=0, le=1, description=(
        "Load shedding: usable stored-energy fraction below which only survival loads are served."))

    @model_validator(mode="after")
    def _bands(self) -> "PowerSection":
        if self.shed_nominal_below > self.shed_science_below:
            raise ValueError("shed_nominal_below must not exceed shed_science_below")
        return self


class ExperimentSpec(StrictModel):
    name: str = Field(pattern=ID)
    element: str
    owner: str = Field(description="Partner id owning the data, e.g. 'pakistan'.")
    area: Literal[RESEARCH_AREAS] = "lunar-physics-chemistry"  # type: ignore[valid-type]
    rate_kbps: float = Field(gt=0, description="Data produced while the element is in science mode.")


class DataSection(StrictModel):
    storage_gbit: float = Field(256.0, gt=0, description="On-board storage shared by all experiments.")
    experiments: list[ExperimentSpec] = Field(default_factory=list)


class CrewStaySpec(StrictModel):
    arrival: dt.date
    departure: dt.date
    crew: list[str] = Field(min_length=1, description="Partner id of each crew member.")

    @model_validator(mode="after")
    def _ordered(self) -> "CrewStaySpec":
        if self.departure <= self.arrival:
            raise ValueError("departure must be after arrival")
        return self


class DeliverySpec(StrictModel):
    date: dt.date
    oxygen_kg: float = Field(0.0, ge=0)
    water_kg: float = Field(0.0, ge=0)
    food_kg: float = Field(0.0, ge=0)
    spares: dict[str, int] = Field(default_factory=dict, description="Element name -> number of spares.")


class CrewSection(StrictModel):
    stays: list[CrewStaySpec] = Field(default_factory=list, description="Crew stays added to the campaign's crewed landings.")
    deliveries: list[DeliverySpec] = Field(default_factory=list, description="Deliveries added to the campaign's.")
    initial_stock_kg: dict[Literal["oxygen", "water", "food"], float] = Field(default_factory=dict)
    closure_ratio: dict[Literal["oxygen", "water", "food"], float] = Field(
        default_factory=dict, description="Override of ops_defaults.yaml closure ratios (0..1).")
    trained_partners: list[str] = Field(default_factory=lambda: ["china"],
                                        description="Partners whose astronauts are already qualified.")
    training_start: dict[str, dt.date] = Field(default_factory=dict,
                                               description="Partner id -> start of astronaut training.")
    training_days: int = Field(730, ge=0, description="Training needed before flight.")
    substitute_partner: str = Field("china", description="Partner whose astronaut replaces an unqualified one.")


class AlarmSection(StrictModel):
    consumable_margin_days: float = Field(30.0, ge=0, description="Alarm when stock lasts fewer days.")
    storage_soc_below: float = Field(0.25, ge=0, le=1, description="Alarm when total stored energy drops below.")
    data_backlog_above: float = Field(0.9, ge=0, le=1, description="Alarm when data storage fills beyond.")


class OperationsSection(StrictModel):
    step_hours: float = Field(1.0, gt=0, le=24)
    start: dt.date | None = Field(None, description="Default start of `ilrs ops` (else the scenario span start).")
    years: float | None = Field(None, gt=0, le=40, description="Default length of `ilrs ops`.")
    elements: list[ElementSpec] = Field(default_factory=list)
    power: PowerSection = PowerSection()
    data: DataSection = DataSection()
    crew: CrewSection = CrewSection()
    alarms: AlarmSection = AlarmSection()
    failure_by_role: dict[Literal[ROLES], FailureSpec] = Field(  # type: ignore[valid-type]
        default_factory=dict, description=(
            "Failure model of campaign elements this section does not list, by role; overrides "
            "ops_defaults.yaml failure_by_role (distribution: none = never fails)."))

    @model_validator(mode="after")
    def _references(self) -> "OperationsSection":
        names = [e.name for e in self.elements]
        if len(set(names)) != len(names):
            raise ValueError("element names must be unique")
        known = set(names)
        refs = ([("power.solar_arrays", a.element) for a in self.power.solar_arrays]
                + [("power.storage", u.element) for u in self.power.storage]
                + [("power.nuclear", n.element) for n in self.power.nuclear]
                + [("data.experiments", x.element) for x in self.data.experiments])
        for where, ref in refs:
            if ref is not None and ref not in known:
                raise ValueError(f"{where}: element {shorten(ref)} is not in operations.elements "
                                 f"(allowed: {', '.join(sorted(known)) or 'none'})")
        for d in self.crew.deliveries:
            for name in d.spares:
                if name not in known:
                    raise ValueError(f"crew.deliveries: spares for unknown element {shorten(name)}")
        return self

    def check_references(self, scenario) -> None:
        """Partner ids (element owners, experiment owners, crew) must be in the consortium registry."""
        from ilrs.data import partner_ids  # the data layer: the scenario layer may not import consortium
        from ilrs.scenario.references import ReferenceProblem

        ids = partner_ids()
        checks = ([(f"elements[{i}].owner", e.owner) for i, e in enumerate(self.elements)]
                  + [(f"data.experiments[{i}].owner", x.owner) for i, x in enumerate(self.data.experiments)]
                  + [(f"crew.stays[{i}].crew", p) for i, s in enumerate(self.crew.stays) for p in s.crew]
                  + [("crew.trained_partners", p) for p in self.crew.trained_partners]
                  + [("crew.training_start", p) for p in self.crew.training_start]
                  + [("crew.substitute_partner", self.crew.substitute_partner)])
        for field, pid in checks:
            if pid not in ids:
                raise ReferenceProblem(field, f"unknown partner {shorten(pid)}", allowed=ids)
