"""UTC time arrays: parsing, grids, and the TDB Julian dates the ephemerides need.

Every interface takes UTC as ``numpy.datetime64`` (any unit; stored as ``datetime64[ns]``), ISO
strings, ``datetime`` objects or sequences of them. Inside, skyfield's built-in timescale (IERS
leap-second table; ``load.timescale(builtin=True)``, nothing downloads) turns UTC into TT/TDB.
"""

from __future__ import annotations

import datetime as dt
import warnings
from functools import lru_cache
from typing import Any

import numpy as np

from ilrs.constants import NS_PER_DAY, NS_PER_S, SECONDS_PER_DAY, SECONDS_PER_HOUR
from ilrs.errors import InputError
from ilrs.limits import check_allocation
from ilrs.timeutil import iso_utc


def utc_array(times: Any) -> np.ndarray:
    """``times`` (datetime64, ISO string, datetime/date, or a sequence of them) as ``datetime64[ns]``.

    Always returns a 1-D array (a scalar gives length 1). Time-zone-aware datetimes are converted
    to UTC; a trailing ``Z`` on strings is accepted.
    """
    if hasattr(times, "tz_convert") and getattr(times, "tz", None) is not None:  # tz-aware pandas
        times = times.tz_convert("UTC").tz_localize(None)
    if hasattr(times, "to_numpy") and not isinstance(times, np.ndarray):     # pandas Index/Series
        times = times.to_numpy()
    if isinstance(times, np.ndarray) and np.issubdtype(times.dtype, np.datetime64):
        return np.atleast_1d(times.astype("datetime64[ns]"))
    if isinstance(times, (str, dt.datetime, dt.date, np.datetime64)):
        times = [times]
    out = []
    for item in times:
        if isinstance(item, str):
            text = item.strip().removesuffix("Z").removesuffix("z")
            try:
                item = dt.datetime.fromisoformat(text)
            except ValueError:
                raise InputError(f"{item!r} is not a UTC date-time", allowed="YYYY-MM-DDTHH:MM:SS") from None
        if isinstance(item, dt.datetime) and item.tzinfo is not None:
            item = item.astimezone(dt.timezone.utc).replace(tzinfo=None)
        try:
            out.append(np.datetime64(item, "ns"))
        except (ValueError, TypeError):
            raise InputError(f"{item!r} is not a UTC date-time", allowed="YYYY-MM-DDTHH:MM:SS") from None
    return np.array(out, dtype="datetime64[ns]")


BYTES_PER_EPOCH = 8 * 64
"""What one epoch of a grid costs downstream, at most: a Sun/Earth track (11 float64 columns), the
intermediate vectors it is computed from and the operations series (~30 columns), rounded up."""


def time_grid(start: Any, end: Any | None = None, *, days: float | None = None,
              step_s: float = SECONDS_PER_HOUR) -> np.ndarray:
    """Regular UTC grid ``start, start+step, …`` up to but excluding ``end`` (or ``start + days``).

    >>> time_grid("2027-01-01", days=1, step_s=21600)
    array(['2027-01-01T00:00:00.000000000', '2027-01-01T06:00:00.000000000',
           '2027-01-01T12:00:00.000000000', '2027-01-01T18:00:00.000000000'],
          dtype='datetime64[ns]')
    """
    if step_s <= 0:
        raise InputError(f"step must be positive, got {step_s} s", field="step")
    t0 = utc_array(start)[0]
    if (end is None) == (days is None):
        raise InputError("give exactly one of end and days", field="end/days")
    if days is not None:
        if days <= 0:
            raise InputError(f"days must be positive, got {days}", field="days")
        t1 = t0 + np.timedelta64(int(round(days * SECONDS_PER_DAY * NS_PER_S)), "ns")
    else:
        t1 = utc_array(end)[0]
        if t1 <= t0:
            raise InputError("end must be after start", field="end")
    step_ns = int(round(step_s * NS_PER_S))
    n = int(np.ceil((t1 - t0).astype(np.int64) / step_ns))
    check_allocation(n * BYTES_PER_EPOCH, f"a grid of {n:,} epochs", "a shorter span or a longer step")
    return t0 + np.arange(n, dtype=np.int64) * np.timedelta64(step_ns, "ns")


@lru_cache(maxsize=1)
def timescale():
    """skyfield's built-in timescale (no download; the expired-finals warning silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from skyfield.api import load
        return load.timescale(builtin=True)


def skyfield_time(times: Any):
    """A skyfield ``Time`` for UTC ``times`` (vectorized)."""
    t = utc_array(times)
    ns = t.astype(np.int64)
    days = np.floor_divide(ns, NS_PER_DAY)
    sec = (ns - days * NS_PER_DAY) / NS_PER_S
    return timescale().utc(1970, 1, 1 + days, 0, 0, sec)


def tdb_jd(times: Any) -> tuple[np.ndarray, np.ndarray]:
    """TDB Julian date of UTC ``times`` as (whole, fraction) float arrays (precision ~µs)."""
    t = skyfield_time(times)
    return np.asarray(t.whole, dtype=float) * np.ones(len(np.atleast_1d(t.tdb))), np.atleast_1d(t.tdb_fraction)


COVERAGE_DE421 = (np.datetime64("1900-01-02", "ns"), np.datetime64("2050-12-31", "ns"))
"""DE421 (1899-07-29..2053-10-09) ∩ moon_pa_de421_1900-2050.bpc (1900-01-01..2051-01-01), with margins."""
COVERAGE_DE440 = (np.datetime64("1850-01-01", "ns"), np.datetime64("2150-01-01", "ns"))
"""de440s.bsp (1849-12-26..2150-01-22) ∩ moon_pa_de440_200625.bpc (1550..2650), with margins."""


def check_span(times: np.ndarray) -> None:
    """Raise :class:`InputError` if any epoch lies outside every ephemeris we ship (1850–2150)."""
    if len(times) == 0:
        return
    lo, hi = COVERAGE_DE440
    if times.min() < lo or times.max() > hi:
        first, last = iso_utc(times.min(), suffix=""), iso_utc(times.max(), suffix="")
        raise InputError(f"epochs {first} .. {last} lie outside the ephemeris "
                         "coverage", field="time", allowed="1850-01-01 .. 2150-01-01 UTC")
