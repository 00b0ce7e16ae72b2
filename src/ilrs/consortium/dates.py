"""Dates as reported: a day, a month, a year, or unknown — possibly bounded by ``before``.

A reported date is an interval ``[earliest, latest]`` of days on which the event may have happened.
"2023-10" with ``before 2023-10-23`` is the interval 2023-10-01 … 2023-10-22.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Literal

Precision = Literal["day", "month", "year", "unknown"]

UNKNOWN_EARLIEST = dt.date(2017, 1, 1)
"""Lower bound for an unknown date: the ILRS first emerged as a Chinese proposal in the late 2010s (seed 003)."""


@dataclass(frozen=True, order=True)
class ReportedDate:
    earliest: dt.date
    latest: dt.date
    precision: Precision
    text: str

    @classmethod
    def parse(cls, value: str | dt.date | int | None, before: dt.date | None = None) -> "ReportedDate":
        """Parse ``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY`` or None; ``before`` caps the interval."""
        if value is None:
            earliest, latest, precision, text = UNKNOWN_EARLIEST, dt.date.max, "unknown", "unknown"
        elif isinstance(value, dt.date):
            earliest = latest = value
            precision, text = "day", value.isoformat()
        else:
            text = str(value).strip()
            parts = text.split("-")
            try:
                if len(parts) == 3:
                    earliest = latest = dt.date.fromisoformat(text)
                    precision = "day"
                elif len(parts) == 2:
                    y, m = int(parts[0]), int(parts[1])
                    earliest = dt.date(y, m, 1)
                    latest = dt.date(y, m, calendar.monthrange(y, m)[1])
                    precision = "month"
                elif len(parts) == 1 and len(text) == 4:
                    y = int(text)
                    earliest, latest = dt.date(y, 1, 1), dt.date(y, 12, 31)
                    precision = "year"
                else:
                    raise ValueError
            except ValueError:
                raise ValueError(f"{value!r} is not a date (YYYY-MM-DD, YYYY-MM, YYYY or null)") from None
        if before is not None:
            cap = before - dt.timedelta(days=1)
            if cap < earliest:
                raise ValueError(f"'before: {before}' is earlier than the date {text}")
            latest = min(latest, cap)
            text = f"{text} (before {before.isoformat()})" if precision != "unknown" else f"before {before.isoformat()}"
        return cls(earliest, latest, precision, text)

    @property
    def is_unknown(self) -> bool:
        return self.precision == "unknown"

    def certainly_by(self, day: dt.date) -> bool:
        """True if the event had happened by the end of ``day`` whatever its exact date."""
        return self.latest <= day

    def possibly_by(self, day: dt.date) -> bool:
        return self.earliest <= day

    def __str__(self) -> str:
        return self.text
