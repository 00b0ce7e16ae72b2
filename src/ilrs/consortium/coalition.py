"""A study's coalition over time: one daily count per ``Scenario.coalition`` value.

:func:`coalition_growth` dispatches on the coalition a scenario follows (``Scenario.coalition``):

* ``ilrs`` — ILRS members (states and organizations) that had certainly joined by each day
  (:meth:`Registry.member_count_series`: a date known only to the month counts from its last day);
* ``artemis-accords`` — Artemis Accords signatories, per signatory with their signing days
  (``data/accords.yaml``, :func:`ilrs.consortium.accords.count_series`): exact where the named
  signings and reported counts pin the number, a lower bound where they leave a range (nobody has
  left the Accords).

Adding a coalition is one entry of :data:`COALITION_SERIES`.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from typing import Callable, Sequence

from ilrs.consortium.accords import count_series
from ilrs.consortium.registry import Registry, default_registry
from ilrs.errors import InputError


@dataclass(frozen=True)
class CoalitionSeries:
    """Counts of one coalition on given days; ``lower_bound[i]`` where ``counts[i]`` is only a
    lower bound (between two reports), ``None`` counts where nothing was reported yet."""

    coalition: str
    label: str
    basis: str
    days: tuple[dt.date, ...]
    counts: tuple[int | None, ...]
    lower_bound: tuple[bool, ...]

    def at(self, day: dt.date) -> tuple[int | None, bool]:
        """The count on ``day`` (the last day of the series at or before it) and whether it is a lower bound."""
        i = bisect.bisect_right(self.days, day) - 1
        return (None, False) if i < 0 else (self.counts[i], self.lower_bound[i])


def _ilrs_members(reg: Registry, days: Sequence[dt.date]) -> CoalitionSeries:
    counts = reg.member_count_series(days)
    return CoalitionSeries("ilrs", "ILRS members (states + organizations)",
                           "members certainly joined by the day (consortium registry)",
                           tuple(days), tuple(counts), tuple(False for _ in days))


def _artemis_signatories(reg: Registry, days: Sequence[dt.date]) -> CoalitionSeries:
    """Signatories from ``data/accords.yaml`` (:func:`ilrs.consortium.accords.count_series`): the
    signatories named and the counts reported by each day; a lower bound where the sources leave a range."""
    counts = count_series(days)
    return CoalitionSeries("artemis-accords", "Artemis Accords signatories",
                           "signatories certainly signed by the day, at least the last reported count "
                           "(accords dataset); a lower bound where later signings are not all named",
                           tuple(days), tuple(c.at_least for c in counts), tuple(not c.exact for c in counts))


COALITION_SERIES: dict[str, Callable[[Registry, Sequence[dt.date]], CoalitionSeries]] = {
    "ilrs": _ilrs_members,
    "artemis-accords": _artemis_signatories,
}
"""Coalition name (``Scenario.coalition``) → the function giving its counts on given days."""


def coalition_growth(coalition: str, days: Sequence[dt.date], registry: Registry | None = None) -> CoalitionSeries:
    """The coalition ``coalition`` counted on each of ``days`` (see the module docstring)."""
    series = COALITION_SERIES.get(coalition)
    if series is None:
        raise InputError(f"unknown coalition {coalition!r}", field="coalition", allowed=sorted(COALITION_SERIES))
    return series(registry or default_registry(), list(days))


def daily(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every day from ``start`` to ``end`` inclusive."""
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
