"""Energy storage on the station: batteries and regenerative fuel cells, each carried by an element.

A unit holds energy ``E`` between its depth-of-discharge floor ``E_floor = C·(1 − DoD)`` and its
capacity ``C``. Charging at power ``P`` for ``dt`` stores ``η_c·P·dt``; delivering ``P`` draws
``P·dt/η_d``; both are capped by the unit's power limit (the energy-balance storage model of
HOMER: Lambert, Gilman & Lilienthal, *Micropower system modeling with HOMER*, 2006). The
dispatch itself (which unit is charged or drawn, step by step) is in :mod:`ilrs.operations.power`.

A unit tied to an element is on site while that element is (from its activation to its end of
life) and usable only while the element operates: when the element fails, the unit's energy is
frozen (neither charged nor drawn) until the repair. It arrives holding ``initial_soc`` of its
capacity (energy brought from outside: ``arrived_j``) and leaves at end of life with what it holds
(``retired_j``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ilrs.errors import InputError
from ilrs.operations.model import StorageParams


@dataclass(slots=True)
class StorageUnit:
    """State of one unit during a run: its energy and the limits the dispatch reads every step."""

    energy_j: float
    capacity_j: float
    floor_j: float
    charge_efficiency: float
    discharge_efficiency: float
    max_power_w: float
    """Charge and discharge power limit (W); infinite when the unit has none."""

    @classmethod
    def arriving(cls, spec: StorageParams, on_site: bool) -> StorageUnit:
        """The unit as it is at the grid start: holding ``initial_soc`` if on site, else empty."""
        return cls(spec.capacity_j * spec.initial_soc if on_site else 0.0, spec.capacity_j, spec.floor_j,
                   spec.charge_efficiency, spec.discharge_efficiency,
                   spec.max_power_w if spec.max_power_w else math.inf)


class StorageBank:
    """All units of the station: which are on site, which are usable, and the energy that came and
    went with their elements. ``element_of[q]`` is the index of unit ``q``'s element (None: always
    there)."""

    def __init__(self, specs: tuple[StorageParams, ...], element_index: dict[str, int],
                 active: list[bool], n_steps: int):
        self.specs = specs
        self.element_of = [None if s.element is None else element_index[s.element] for s in specs]
        self.present = [k is None or active[k] for k in self.element_of]
        self.units = [StorageUnit.arriving(s, on) for s, on in zip(specs, self.present)]
        for s in specs:
            if s.initial_soc < 1.0 - s.max_depth_of_discharge - 1e-12:
                raise InputError("initial state of charge is below the depth-of-discharge floor",
                                 field=f"storage.{s.name}.initial_soc")
        self.initial_j = sum(u.energy_j for u in self.units)
        self.arrived_j = 0.0
        self.retired_j = 0.0
        self.series_j = np.full((len(self.units), n_steps), np.nan)
        """Energy of each unit per step; NaN while it is not on site."""

    def arrive(self, k: int) -> None:
        """Element ``k`` starts operating: its units not yet on site arrive holding ``initial_soc``."""
        for q, kq in enumerate(self.element_of):
            if kq == k and not self.present[q]:
                self.present[q] = True
                self.units[q].energy_j = self.specs[q].capacity_j * self.specs[q].initial_soc
                self.arrived_j += self.units[q].energy_j

    def retire(self, k: int) -> None:
        """Element ``k`` reaches its end of life: its units leave with what they hold."""
        for q, kq in enumerate(self.element_of):
            if kq == k and self.present[q]:
                self.present[q] = False
                self.retired_j += self.units[q].energy_j
                self.units[q].energy_j = 0.0

    def usable(self, operating: Callable[[int], bool]) -> list[int]:
        """Indices of the units on site whose element operates (``operating(k)``), in unit order."""
        return [q for q, k in enumerate(self.element_of)
                if self.present[q] and (k is None or operating(k))]

    def stored_j(self) -> float:
        return sum(u.energy_j for u in self.units)

    def record(self, sl: slice, usable: list[int], unit_j: list[list[float]], stored_j: list[float]) -> None:
        """Store a segment's per-unit energies: ``unit_j`` (one row per step) when several units are
        usable, ``stored_j`` when one is; units on site but frozen keep their energy."""
        if len(usable) > 1:
            self.series_j[usable, sl] = np.asarray(unit_j).T
        elif len(usable) == 1:
            self.series_j[usable[0], sl] = stored_j
        for q, u in enumerate(self.units):
            if self.present[q] and q not in usable:
                self.series_j[q, sl] = u.energy_j
