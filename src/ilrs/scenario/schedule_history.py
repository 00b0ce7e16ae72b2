"""The packaged record of announced versus actual launch dates (``data/schedule_history.yaml``).

The reference class of the schedule-risk model (issue 14, part 3): lunar and deep-space missions
of China, Russia, the US, India, Japan, Europe and a few others since ~2000, each with every
launch date announced for it (a sourced claim with the date it was reported, never overwritten)
and its actual launch date, or ``pending`` / ``cancelled``. The fit lives in
:mod:`ilrs.campaign.slip_history`; this module validates the data and names what a scenario may
select (``uncertainties.schedule_slip_days: {dist: from-history, agencies: […], class: …}``).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Literal

import pydantic
from pydantic import Field, field_validator, model_validator

from ilrs.errors import shorten
from ilrs.scenario.base import StrictModel
from ilrs.scenario.campaign_catalogue import ID, _date_text, nominal_day

MISSION_CLASSES = ("lunar-orbiter", "lunar-lander", "lunar-sample-return", "lunar-crewed", "planetary",
                   "small-body", "astrophysics")
"""Classes of the record (see the header of ``schedule_history.yaml``)."""

CLASS_GROUPS: dict[str, tuple[str, ...]] = {
    "lunar": tuple(c for c in MISSION_CLASSES if c.startswith("lunar-")),
    "lunar-robotic": ("lunar-orbiter", "lunar-lander", "lunar-sample-return"),
    "deep-space": tuple(c for c in MISSION_CLASSES if not c.startswith("lunar-")),
    "any": MISSION_CLASSES,
}
"""Names a scenario may give as ``class`` besides a single class: groups of classes."""

ANY_AGENCY = "any"


class Announcement(StrictModel):
    """One announced launch date: a sourced claim with the date it was reported."""

    date: str = Field(description="The announced launch date: YYYY, YYYY-MM or YYYY-MM-DD.")
    reported: str = Field(description="When the source published it (YYYY, YYYY-MM or YYYY-MM-DD).")
    source: str = Field(min_length=1)
    retrospective: bool = False
    secondary: bool = False
    note: str = ""

    @field_validator("date", "reported", mode="before")
    @classmethod
    def _text(cls, value: object) -> str:
        return _date_text(value)

    @property
    def nominal(self) -> dt.date:
        """The announced date's nominal day (1 July of a year, the 15th of a month)."""
        return nominal_day(self.date)

    @property
    def reported_day(self) -> dt.date:
        return nominal_day(self.reported)


class HistoryMission(StrictModel):
    """A mission of the record: its announcements and what happened."""

    id: str = Field(pattern=ID)
    name: str
    agency: str = Field(pattern=ID)
    customer: str = ""
    country: str
    mission_class: Literal[MISSION_CLASSES] = Field(alias="class")  # type: ignore[valid-type]
    status: Literal["flown", "pending", "cancelled"]
    launched: dt.date | None = None
    cancelled: dt.date | None = None
    announcements: list[Announcement] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> "HistoryMission":
        if (self.status == "flown") != (self.launched is not None):
            raise ValueError("'launched' is given exactly when status is 'flown'")
        if (self.status == "cancelled") != (self.cancelled is not None):
            raise ValueError("'cancelled' is given exactly when status is 'cancelled'")
        reported = [a.reported_day for a in self.announcements if not a.retrospective]
        if reported != sorted(reported):
            raise ValueError("announcements are listed in the order the plans were made: the reported dates "
                             "of the contemporaneous ones (not retrospective) must not decrease")
        return self

    @property
    def first(self) -> Announcement:
        """The first plan: announcements are listed in the order the plans were made (a retrospective
        claim, "originally planned for 2014", sits where that plan stood, whatever its source's date)."""
        return self.announcements[0]


class ScheduleHistory(StrictModel):
    """The whole record, as known on ``as_of``."""

    as_of: dt.date
    missions: list[HistoryMission] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> "ScheduleHistory":
        seen: set[str] = set()
        for m in self.missions:
            if m.id in seen:
                raise ValueError(f"duplicate mission id {shorten(m.id)}")
            seen.add(m.id)
            if m.launched is not None and m.launched > self.as_of:
                raise ValueError(f"{m.id}: launched after as_of {self.as_of}")
        return self

    @property
    def agencies(self) -> tuple[str, ...]:
        return tuple(sorted({m.agency for m in self.missions}))

    def as_known_on(self, day: dt.date | None) -> "ScheduleHistory":
        """The record as it stood at the end of ``day``: announcements reported by then, launches and
        cancellations that had happened (a later launch: still pending, censored at ``day``);
        missions with no announcement yet are left out. ``None`` or a day after ``as_of``: the whole record."""
        if day is None or day >= self.as_of:
            return self
        missions = []
        for m in self.missions:
            known = [a for a in m.announcements if a.reported_day <= day]
            if not known:
                continue
            update: dict = {"announcements": known}
            if (m.launched is not None and m.launched > day) or (m.cancelled is not None and m.cancelled > day):
                update.update(status="pending", launched=None, cancelled=None)
            missions.append(m.model_copy(update=update))
        return self.model_copy(update={"as_of": day, "missions": missions})


@lru_cache(maxsize=1)
def schedule_history() -> ScheduleHistory:
    """The packaged record, validated once (a bad file: one :class:`ilrs.errors.DatasetError` line)."""
    from ilrs.data import data_path, load_dataset
    from ilrs.errors import DatasetError
    from ilrs.scenario.references import validation_error

    file = str(data_path("schedule_history.yaml"))
    try:
        return ScheduleHistory.model_validate(load_dataset("schedule_history"))
    except pydantic.ValidationError as exc:
        err = validation_error(exc, file)
        raise DatasetError(err.message, file=file, field=err.field, allowed=err.allowed) from None


def allowed_classes() -> tuple[str, ...]:
    """Every name ``class`` may take: the groups, then the single classes."""
    return tuple(CLASS_GROUPS) + MISSION_CLASSES


def allowed_agencies(history: ScheduleHistory | None = None) -> tuple[str, ...]:
    """Every name ``agencies`` may list: ``any`` and the agencies of the record."""
    return (ANY_AGENCY,) + (history or schedule_history()).agencies


def classes_of(name: str) -> tuple[str, ...]:
    """The classes a ``class`` name stands for (a group, or the class itself)."""
    if name in CLASS_GROUPS:
        return CLASS_GROUPS[name]
    if name in MISSION_CLASSES:
        return (name,)
    raise ValueError(f"unknown mission class {shorten(name)}")


def select_missions(history: ScheduleHistory, agencies: tuple[str, ...] | list[str],
                    mission_class: str) -> tuple[HistoryMission, ...]:
    """The missions of ``agencies`` (``any``: all) in the classes of ``mission_class``."""
    classes = set(classes_of(mission_class))
    every = ANY_AGENCY in agencies
    return tuple(m for m in history.missions
                 if m.mission_class in classes and (every or m.agency in agencies))
