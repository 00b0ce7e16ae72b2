"""What one campaign run produces: plain frozen dataclasses (no pydantic, no pandas)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

OUTCOMES = ("success", "launch-failure", "landing-failure", "cancelled")
"""``success``: launched and landed (or entered orbit); ``launch-failure``/``landing-failure``: lost
there; ``cancelled``: never flown because a mission it requires was lost for good."""


@dataclass(frozen=True)
class MissionRecord:
    """One attempt of one mission (a re-flight after a loss is a further record, ``attempt`` 2, 3 …)."""

    id: str
    name: str
    attempt: int
    lead: str
    kind: str
    vehicles: tuple[str, ...]
    launch: dt.date | None
    arrival: dt.date | None
    outcome: str
    site: str | None
    elements: tuple[str, ...]
    past: bool = False

    @property
    def vehicle(self) -> str:
        """The vehicle, or ``"CZ-10 x2"`` for a mission of several launches of one vehicle."""
        if len(set(self.vehicles)) == 1 and len(self.vehicles) > 1:
            return f"{self.vehicles[0]} x{len(self.vehicles)}"
        return "+".join(self.vehicles)


@dataclass(frozen=True)
class ElementRecord:
    """A station element: its spec (for operations) and when it became (and stopped being) operational."""

    id: str
    name: str
    role: str
    owner: str
    mission: str | None
    delivered: dt.date | None
    operational: dt.date | None
    end_of_life: dt.date | None
    mass_kg: float | None
    power_kw: tuple[float, float, float]
    """Demand in survival, nominal and science mode, kW."""
    generation_kw: float
    data_kbps: float
    depends_on: tuple[str, ...]
    base: bool
    node: str


@dataclass(frozen=True)
class CrewStay:
    mission: str
    arrival: dt.date
    departure: dt.date
    crew: tuple[str, ...]
    """Partner id of each crew member."""
    site: str | None


@dataclass(frozen=True)
class Delivery:
    mission: str
    date: dt.date
    oxygen_kg: float
    water_kg: float
    food_kg: float
    spares: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CampaignResult:
    """Everything one campaign run produced. Dates are UTC calendar days."""

    missions: tuple[MissionRecord, ...]
    elements: dict[str, ElementRecord]
    milestones: dict[str, dt.date | None]
    targets: dict[str, dt.date | None]
    crew_stays: tuple[CrewStay, ...]
    deliveries: tuple[Delivery, ...]

    def on_time(self, name: str) -> bool | None:
        """Whether milestone ``name`` was reached by its target (None without a target)."""
        target = self.targets.get(name)
        if target is None:
            return None
        reached = self.milestones.get(name)
        return reached is not None and reached <= target

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ISO dates, lists."""
        def iso(d: dt.date | None) -> str | None:
            return d.isoformat() if d is not None else None

        return {
            "missions": [{"name": m.id, "title": m.name, "attempt": m.attempt, "lead": m.lead, "kind": m.kind,
                          "vehicle": m.vehicle, "vehicles": list(m.vehicles), "launch": iso(m.launch),
                          "landing": iso(m.arrival), "outcome": m.outcome, "site": m.site,
                          "elements": list(m.elements), "past": m.past} for m in self.missions],
            "elements": [{"name": e.id, "title": e.name, "role": e.role, "owner": e.owner, "mission": e.mission,
                          "delivered": iso(e.delivered), "operational": iso(e.operational),
                          "end_of_life": iso(e.end_of_life), "mass_kg": e.mass_kg,
                          "power_kw": {"survival": e.power_kw[0], "nominal": e.power_kw[1],
                                       "science": e.power_kw[2]},
                          "generation_kw": e.generation_kw, "data_kbps": e.data_kbps,
                          "depends_on": list(e.depends_on), "base": e.base, "node": e.node}
                         for e in self.elements.values()],
            "milestones": {k: iso(v) for k, v in self.milestones.items()},
            "targets": {k: iso(v) for k, v in self.targets.items()},
            "on_time": {k: self.on_time(k) for k in self.milestones},
            "crew_stays": [{"mission": c.mission, "arrival": iso(c.arrival), "departure": iso(c.departure),
                            "crew": list(c.crew), "site": c.site} for c in self.crew_stays],
            "deliveries": [{"mission": d.mission, "date": iso(d.date), "oxygen_kg": d.oxygen_kg,
                            "water_kg": d.water_kg, "food_kg": d.food_kg, "spares": dict(d.spares)}
                           for d in self.deliveries],
        }
