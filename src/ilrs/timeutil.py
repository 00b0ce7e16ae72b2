"""Small UTC-time and boolean-timeline helpers every layer shares (numpy only, no skyfield).

* :func:`seconds_since` — seconds from a start instant to one or many instants (one argument order:
  the start first, as "seconds since ``start``").
* :func:`iso_utc` — an instant as ISO-8601 UTC to the second, ``YYYY-MM-DDTHH:MM:SSZ``;
  :func:`iso_utc_minutes` (``YYYY-MM-DDTHH:MM``) and :func:`iso_date` (``YYYY-MM-DD``) for the
  shorter forms tables and one-line summaries show.
* :func:`runs_of` — the runs of True in a boolean timeline, as index pairs [start, stop).

Parsing of user input (ISO strings, pandas, time zones) and time grids stay in
:mod:`ilrs.environment.time` (``utc_array``, ``time_grid``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ilrs.constants import NS_PER_S

def seconds_since(start: Any, when: Any) -> Any:
    """Seconds from ``start`` to ``when`` (both UTC, naive), at nanosecond resolution.

    ``start`` is one instant (a ``datetime64``, ``datetime``, ``date`` or ISO string without zone);
    ``when`` is one instant (gives a ``float``) or an array of them (gives a float array).

    >>> seconds_since(np.datetime64("2027-01-01"), np.datetime64("2027-01-02T00:00:01"))
    86401.0
    """
    t0 = np.datetime64(start, "ns")
    t = np.asarray(when, dtype="datetime64[ns]")
    out = (t - t0).astype(np.int64) / NS_PER_S
    return float(out) if out.ndim == 0 else out


def iso_utc(when: Any, *, suffix: str = "Z") -> str:
    """``when`` (``datetime64``, ``datetime`` or ``date``) as ``YYYY-MM-DDTHH:MM:SS`` + ``suffix``:
    UTC to the second, fractions dropped (not rounded). ``suffix=""`` gives the bare form.

    >>> iso_utc(np.datetime64("2027-01-01T06:30:00.75"))
    '2027-01-01T06:30:00Z'
    """
    return str(np.datetime64(when, "ns"))[:19] + suffix


def _instant(when: Any) -> np.datetime64:
    """``when`` at ns resolution; an ISO string may end in ``Z`` (the form :func:`iso_utc` writes)."""
    if isinstance(when, str):
        when = when.removesuffix("Z")
    return np.datetime64(when, "ns")


def iso_utc_minutes(when: Any, *, suffix: str = "") -> str:
    """``when`` (as for :func:`iso_utc`, or an ISO string such as it writes) as ``YYYY-MM-DDTHH:MM``
    + ``suffix``: UTC to the minute, seconds dropped (not rounded).

    >>> iso_utc_minutes("2027-01-01T06:30:59Z")
    '2027-01-01T06:30'
    """
    return str(_instant(when))[:16] + suffix


def iso_date(when: Any) -> str:
    """The UTC date of ``when`` (as for :func:`iso_utc_minutes`) as ``YYYY-MM-DD``.

    >>> iso_date(np.datetime64("2027-01-01T23:59:59"))
    '2027-01-01'
    """
    return str(_instant(when))[:10]


def runs_of(mask: Any) -> tuple[np.ndarray, np.ndarray]:
    """The maximal runs of True in a 1-D boolean ``mask``: index arrays ``(starts, stops)``, run k
    covering ``mask[starts[k]:stops[k]]`` (stop exclusive). Lengths are ``stops - starts``.

    >>> runs_of([False, True, True, False, True])
    (array([1, 4]), array([3, 5]))
    """
    m = np.asarray(mask, dtype=bool).astype(np.int8)
    edges = np.diff(np.r_[np.int8(0), m, np.int8(0)])
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
