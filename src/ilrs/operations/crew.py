"""Crew on the station: who flies (training and substitution), crew-days, and the consumables they use.

Each member uses oxygen, water and food at the daily needs of :class:`~ilrs.operations.model.CrewParams`
(BVAD figures: NASA ALS Baseline Values and Assumptions Document, 2004; see
:mod:`ilrs.operations.params`), less the closure ratio of life support (recycled fraction) while a
life-support element operates, or when none is modelled. Between two discrete events the crew and
the closure are constant, so each stock falls on a straight line: the step where it drops below the
alarm margin and the step where it runs out are computed in closed form. Deliveries add to the
stocks. The count of members present is a :class:`~ilrs.operations.stock.Stock`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ilrs.constants import SECONDS_PER_DAY
from ilrs.errors import InputError
from ilrs.operations.model import CONSUMABLES, CrewParams, CrewStay, OperationsParams

Log = Callable[..., None]
"""``log(kind, subject, detail, time_s=None)``: the station's event log (None: now)."""


def effective_crews(stays: tuple[CrewStay, ...], params: OperationsParams) -> list[tuple[CrewStay, list[str], list[str]]]:
    """Each stay with the crew that actually flies, and the members that were substituted.

    A member from a partner that is neither in ``trained_partners`` nor has finished its
    training (``training_start + training_s``) by the arrival is replaced by an astronaut of
    ``substitute_partner``.
    """
    crew = params.crew
    out = []
    for stay in stays:
        if crew is None:
            out.append((stay, list(stay.crew), []))
            continue
        flown, replaced = [], []
        for member in stay.crew:
            ready = member in crew.trained_partners or (
                member in crew.training_start_s and crew.training_start_s[member] + crew.training_s <= stay.arrival_s)
            if ready:
                flown.append(member)
            else:
                flown.append(crew.substitute_partner)
                replaced.append(member)
        out.append((stay, flown, replaced))
    return out


def crew_days(crews: list[tuple[CrewStay, list[str], list[str]]], horizon_s: float) -> tuple[dict[str, float], int]:
    """Crew-days on site per partner within ``[0, horizon_s]``, and the substitutions of those stays."""
    days: dict[str, float] = {}
    substitutions = 0
    for stay, flown, replaced in crews:
        a, b = max(0.0, stay.arrival_s), min(horizon_s, stay.departure_s)
        if b <= a:
            continue
        substitutions += len(replaced)
        for m in flown:
            days[m] = days.get(m, 0.0) + (b - a) / SECONDS_PER_DAY
    return days, substitutions


class Consumables:
    """Stocks of oxygen, water and food (kg): what was there, delivered, used, and not met."""

    def __init__(self, crew: CrewParams | None, margin_days: float, n_steps: int, dt_s: float):
        self.crew, self.margin_days, self.dt_s = crew, margin_days, dt_s
        self.stock_kg = {c: float(crew.initial_stock_kg.get(c, 0.0)) if crew else 0.0 for c in CONSUMABLES}
        self.initial_kg = dict(self.stock_kg)
        self.delivered_kg = {c: 0.0 for c in CONSUMABLES}
        self.used_kg = {c: 0.0 for c in CONSUMABLES}
        self.unmet_kg = {c: 0.0 for c in CONSUMABLES}
        self.alarm = {c: False for c in CONSUMABLES}
        self.exhausted = {c: False for c in CONSUMABLES}
        self.s_stock_kg = {c: np.zeros(n_steps) for c in CONSUMABLES}

    def use_per_step_kg(self, n_crew: int, life_support_ok: bool) -> dict[str, float]:
        """Net use of each consumable per step (kg): crew × need × (1 − closure), with the closure
        ratio only while life support works (``life_support_ok``)."""
        crew = self.crew
        out = {}
        for c in CONSUMABLES:
            if crew is None or n_crew == 0:
                out[c] = 0.0
                continue
            closure = crew.closure_ratio.get(c, 0.0) if life_support_ok else 0.0
            out[c] = n_crew * crew.need_kg_per_crew_day.get(c, 0.0) * (1.0 - closure) * self.dt_s / SECONDS_PER_DAY
        return out

    def deplete(self, i0: int, i1: int, use_kg: dict[str, float], log: Log) -> None:
        """Steps ``[i0, i1)`` at constant use: stocks fall linearly (closed form per segment)."""
        n = i1 - i0
        k = np.arange(1, n + 1)
        margin = self.margin_days
        for c in CONSUMABLES:
            u = use_kg[c]
            s0 = self.stock_kg[c]
            if u <= 0.0:
                self.s_stock_kg[c][i0:i1] = s0
                continue
            need = u * n
            self.s_stock_kg[c][i0:i1] = np.maximum(0.0, s0 - u * k)
            used = min(s0, need)
            self.used_kg[c] += used
            self.unmet_kg[c] += need - used
            s1 = s0 - used
            per_day = u * SECONDS_PER_DAY / self.dt_s
            if not self.alarm[c] and s1 < margin * per_day:
                # first step whose end-of-step stock lasts fewer than `margin` days
                k_alarm = max(0, int(math.ceil((s0 - margin * per_day) / u)) - 1)
                self.alarm[c] = True
                log("alarm", c, f"stock lasts < {margin:g} days at {per_day:.2f} kg/day",
                    time_s=(i0 + min(k_alarm, n - 1)) * self.dt_s)
            if not self.exhausted[c] and need > s0:
                self.exhausted[c] = True
                k_out = int(math.floor(s0 / u))
                log("consumable-exhausted", c, "stock is empty; crew needs not met",
                    time_s=(i0 + min(k_out, n - 1)) * self.dt_s)
            self.stock_kg[c] = s1

    def deliver(self, kg_by_consumable: dict[str, float], use_kg: dict[str, float], log: Log) -> list[str]:
        """Add a delivery now; clears alarms it lifts. Returns its parts for the log."""
        parts = []
        for c, kg in kg_by_consumable.items():
            if c not in self.stock_kg:
                raise InputError(f"unknown consumable {c!r}", field="deliveries", allowed=list(CONSUMABLES))
            self.stock_kg[c] += kg
            self.delivered_kg[c] += kg
            parts.append(f"{c} {kg:g} kg")
            per_day = use_kg[c] * SECONDS_PER_DAY / self.dt_s
            if self.alarm[c] and (per_day == 0.0 or self.stock_kg[c] >= self.margin_days * per_day):
                self.alarm[c] = False
                log("alarm-cleared", c, f"stock {self.stock_kg[c]:.0f} kg")
            if self.stock_kg[c] > 0:
                self.exhausted[c] = False
        return parts

    def nobody_on_site(self, log: Log) -> None:
        """The last member left: nobody consumes, stocks last indefinitely."""
        for c in CONSUMABLES:
            if self.alarm[c]:
                self.alarm[c] = False
                log("alarm-cleared", c, "no crew on site")

    def totals(self) -> dict[str, dict[str, float]]:
        return {c: {"initial_kg": self.initial_kg[c], "delivered_kg": self.delivered_kg[c],
                    "used_kg": self.used_kg[c], "unmet_kg": self.unmet_kg[c], "final_kg": self.stock_kg[c]}
                for c in CONSUMABLES}
