"""Plain inputs, parameters and results of the operations engine (SI units, seconds from grid start).

The engine runs on hand-made inputs (tests, risk runs) as well as on the environment, comms and
campaign results (see :mod:`ilrs.operations.adapter`). Parameter defaults are the scenario models'
(:mod:`ilrs.scenario.operations`), converted to SI: they are stated once, there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ilrs.constants import SECONDS_PER_DAY, SECONDS_PER_HOUR
from ilrs.errors import InputError
from ilrs.scenario.operations import AlarmSection, CrewSection, DataSection, ElementSpec, FailureSpec, PowerSection
from ilrs.timeutil import iso_utc

CONSUMABLES = ("oxygen", "water", "food")
SECONDS_PER_YEAR = 365.25 * SECONDS_PER_DAY

# Operating modes recorded per step (OperationsResult.series["mode"]).
MODE_FULL = 0          # every load served
MODE_SHEDDING = 1      # some science/nominal loads shed
MODE_SURVIVAL = 2      # only survival loads served
MODE_FAILURE = 3       # even the survival load not met (survival failure)


# --------------------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class ElementActivation:
    """An element becomes operational at ``time_s`` and stops at ``end_s`` (seconds from the grid
    start; ``end_s`` infinite: never). An element without an activation operates from the start."""

    element: str
    time_s: float
    end_s: float = float("inf")


@dataclass(frozen=True)
class CrewStay:
    arrival_s: float
    departure_s: float
    crew: tuple[str, ...]  # partner id of each member


@dataclass(frozen=True)
class Delivery:
    time_s: float
    consumables_kg: dict[str, float] = field(default_factory=dict)  # oxygen / water / food
    spares: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class OperationsInputs:
    """Everything time-varying, on a regular grid ``t_i = start + i * step_s``.

    Arrays have one value per step (the value over [t_i, t_i + step_s)):

    - ``solar_irradiance_w_m2``: unobstructed solar irradiance at the Moon (≈ 1361 W/m²);
    - ``visible_solar_fraction``: fraction of the solar disc above the local horizon (0..1), at
      the site's mast height;
    - ``visible_solar_fraction_at_mast_m``: the same fraction seen from other heights, by mast
      height in metres (arrays with their own ``mast_height_m`` read theirs);
    - ``downlink_rate_bps``: achievable site → Earth rate (relays or direct), 0 when no link;
    - optional ``sun_azimuth_deg`` / ``sun_elevation_deg`` for fixed (non-tracking) panels.
    """

    start: np.datetime64
    step_s: float
    solar_irradiance_w_m2: np.ndarray
    visible_solar_fraction: np.ndarray
    downlink_rate_bps: np.ndarray
    activations: tuple[ElementActivation, ...] = ()
    crew_stays: tuple[CrewStay, ...] = ()
    deliveries: tuple[Delivery, ...] = ()
    sun_azimuth_deg: np.ndarray | None = None
    sun_elevation_deg: np.ndarray | None = None
    visible_solar_fraction_at_mast_m: dict[float, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.solar_irradiance_w_m2)
        if self.step_s <= 0:
            raise InputError("must be positive", field="step_s")
        for name in ("visible_solar_fraction", "downlink_rate_bps", "sun_azimuth_deg", "sun_elevation_deg"):
            arr = getattr(self, name)
            if arr is not None and len(arr) != n:
                raise InputError(f"has {len(arr)} values, the grid has {n}", field=name)
        if n == 0:
            raise InputError("the time grid is empty", field="solar_irradiance_w_m2")
        for h, arr in self.visible_solar_fraction_at_mast_m.items():
            if len(arr) != n:
                raise InputError(f"has {len(arr)} values at {h:g} m, the grid has {n}",
                                 field="visible_solar_fraction_at_mast_m")

    @property
    def n_steps(self) -> int:
        return len(self.solar_irradiance_w_m2)

    @property
    def duration_s(self) -> float:
        return self.n_steps * self.step_s

    def times(self) -> np.ndarray:
        """UTC start of each step (datetime64[s])."""
        return self.start.astype("datetime64[s]") + (np.arange(self.n_steps) * self.step_s).astype("timedelta64[s]")

    def to_utc(self, time_s: float) -> np.datetime64:
        return self.start.astype("datetime64[s]") + np.timedelta64(int(round(time_s)), "s")


# ----------------------------------------------------------------------------------- parameters
def _scenario_default(model, name: str):
    """The default of a scenario model's field: defaults live once, in the scenario models
    (:mod:`ilrs.scenario.operations`); the engine's parameters take theirs from there."""
    return model.model_fields[name].get_default(call_default_factory=True)


@dataclass(frozen=True)
class FailureModel:
    distribution: str  # "exponential" | "weibull"
    mtbf_s: float | None = None
    weibull_shape: float | None = None
    weibull_scale_s: float | None = None
    spares: int = 0
    repair_s_crew: float = _scenario_default(FailureSpec, "repair_hours_crew") * SECONDS_PER_HOUR
    repair_s_robot: float | None = None  # None: only a crew can repair

    def draw_time_to_failure_s(self, rng: np.random.Generator) -> float:
        if self.distribution == "exponential":
            return float(rng.exponential(self.mtbf_s))
        if self.distribution == "weibull":
            return float(self.weibull_scale_s * rng.weibull(self.weibull_shape))
        return float("inf")


@dataclass(frozen=True)
class ElementParams:
    name: str
    owner: str = _scenario_default(ElementSpec, "owner")
    role: str = "generic"
    priority: int = _scenario_default(ElementSpec, "priority")
    survival_w: float = 0.0
    nominal_w: float = 0.0
    science_w: float = 0.0
    failure: FailureModel | None = None


@dataclass(frozen=True)
class SolarArrayParams:
    name: str
    area_m2: float
    efficiency: float
    degradation_per_year: float = 0.0
    tracking: bool = True
    azimuth_deg: float = 0.0
    element: str | None = None
    mast_height_m: float | None = None
    """Height of the array's mast (m); None: the site's mast (``visible_solar_fraction``)."""


@dataclass(frozen=True)
class StorageParams:
    name: str
    capacity_j: float
    charge_efficiency: float = 1.0
    discharge_efficiency: float = 1.0
    max_depth_of_discharge: float = 1.0
    max_power_w: float | None = None
    initial_soc: float = 1.0
    """State of charge at the grid start, or when its element arrives (becomes operational)."""
    kind: str = "battery"
    element: str | None = None
    """Element carrying the unit: usable only while it operates (frozen while it is down), on site
    from its activation (holding ``initial_soc``) to its end of life. None: always there."""

    @property
    def floor_j(self) -> float:
        return self.capacity_j * (1.0 - self.max_depth_of_discharge)


@dataclass(frozen=True)
class NuclearParams:
    name: str
    power_w: float
    element: str | None = None


@dataclass(frozen=True)
class ExperimentParams:
    name: str
    element: str
    owner: str
    area: str
    rate_bps: float


@dataclass(frozen=True)
class CrewParams:
    need_kg_per_crew_day: dict[str, float]
    closure_ratio: dict[str, float]
    initial_stock_kg: dict[str, float]
    trained_partners: tuple[str, ...] = tuple(_scenario_default(CrewSection, "trained_partners"))
    training_start_s: dict[str, float] = field(default_factory=dict)
    training_s: float = _scenario_default(CrewSection, "training_days") * SECONDS_PER_DAY
    substitute_partner: str = _scenario_default(CrewSection, "substitute_partner")


ALARM_HYSTERESIS = 0.05
"""An alarm clears only when its quantity is back this far (fraction) on the good side."""


@dataclass(frozen=True)
class AlarmParams:
    consumable_margin_days: float = _scenario_default(AlarmSection, "consumable_margin_days")
    storage_soc_below: float = _scenario_default(AlarmSection, "storage_soc_below")
    data_backlog_above: float = _scenario_default(AlarmSection, "data_backlog_above")


@dataclass(frozen=True)
class OperationsParams:
    elements: tuple[ElementParams, ...]
    solar_arrays: tuple[SolarArrayParams, ...] = ()
    storage: tuple[StorageParams, ...] = ()
    nuclear: tuple[NuclearParams, ...] = ()
    experiments: tuple[ExperimentParams, ...] = ()
    data_storage_bit: float = _scenario_default(DataSection, "storage_gbit") * 1e9
    shed_science_below: float = _scenario_default(PowerSection, "shed_science_below")
    """Usable storage fraction below which elements leave science mode (priority 9 first)."""
    shed_nominal_below: float = _scenario_default(PowerSection, "shed_nominal_below")
    """Usable storage fraction below which elements drop to survival mode."""
    crew: CrewParams | None = None
    alarms: AlarmParams = AlarmParams()

    def __post_init__(self) -> None:
        if not (0.0 <= self.shed_nominal_below <= self.shed_science_below <= 1.0):
            raise InputError("need 0 <= shed_nominal_below <= shed_science_below <= 1", field="shedding")

    def element(self, name: str) -> ElementParams:
        for e in self.elements:
            if e.name == name:
                return e
        raise InputError(f"unknown element {name!r}", field="elements", allowed=[e.name for e in self.elements])


# -------------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Event:
    time_s: float
    kind: str      # activation, failure, repair-start, repair, spares-wait, survival-failure, …
    subject: str
    detail: str = ""


@dataclass
class OperationsResult:
    """Time series on the input grid, the event log and the totals that KPIs are made from.

    ``series`` (one value per step): ``generated_w``, ``demand_w``, ``served_w``, ``curtailed_w``,
    ``stored_energy_j`` and ``storage_capacity_j`` (the storage units usable in that step, end of
    step), ``soc`` (their stored / capacity; NaN when none is usable), ``storage_<name>_j`` (each
    unit, NaN while it is not on site; frozen while its element is down),
    ``mode`` (MODE_*), ``data_stored_bit`` (end of step), ``data_returned_bit``, ``data_lost_bit``,
    ``data_produced_bit`` (per step), ``crew``, and ``stock_<consumable>_kg`` (end of step).
    """

    start: np.datetime64
    step_s: float
    n_steps: int
    series: dict[str, np.ndarray]
    events: list[Event]
    totals: dict[str, Any]
    n_sim_events: int = 0

    def times(self) -> np.ndarray:
        return self.start.astype("datetime64[s]") + (np.arange(self.n_steps) * self.step_s).astype("timedelta64[s]")

    def utc(self, time_s: float) -> str:
        return iso_utc(self.start.astype("datetime64[s]") + np.timedelta64(int(round(time_s)), "s"))

    def event_rows(self) -> list[dict[str, str]]:
        return [{"time_utc": self.utc(e.time_s), "kind": e.kind, "subject": e.subject, "detail": e.detail}
                for e in self.events]
