"""CCSDS Orbit Ephemeris Message (OEM, CCSDS 502.0-B-3, Keyword-Value Notation) of the relays.

One file per relay (GMAT, STK, Orekit and ``ccsds-ndm`` read one object per file most readily):
the header, one metadata block and the ephemeris lines ``epoch x y z vx vy vz`` (km, km/s).

Frame: the comms layer's Moon-centred inertial frame — ICRF axes with the origin at the Moon's
centre (DE421/DE440, whose axes are the ICRF's): ``CENTER_NAME = MOON``, ``REF_FRAME = ICRF``
(a SANA frame name the standard allows for any centre), ``TIME_SYSTEM = UTC``.
Velocities: the propagator's (Keplerian relays); the geometric Earth-Moon L2 model's by a central
difference of ±1 s (error ~ h²|r'''|/6, far below a mm/s).

Written by hand, not with the ``ccsds-ndm`` package (3.1.1, the maintained NDM library on PyPI):
it is GPL-3.0-or-later (ilrs is MIT) and brings lxml (5.1 MB wheel) and xsdata for what is ~40
lines of text. It reads our files back: all 10,080 state vectors of a 7-day, 60 s Queqiao-2 OEM,
with CENTER_NAME MOON, REF_FRAME ICRF and TIME_SYSTEM UTC (ccsds-ndm 3.1.1, 8 s; checked by hand,
not in the tests, which parse the KVN with a reader of their own).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np

OEM_VERSION = "3.0"
ORIGINATOR = "ILRS-DIGITAL-TWIN"
L2_DIFFERENCE_S = 1.0


def creation_date_utc() -> str:
    """Now (UTC), or ``SOURCE_DATE_EPOCH`` when set (reproducible builds: the same bytes)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    now = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch and epoch.isdigit() else \
        dt.datetime.now(dt.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S")


def _epoch(t: np.datetime64) -> str:
    return str(np.datetime64(t, "ms"))


def relay_velocities_m_s(states, k: int) -> np.ndarray:
    """Velocities (T, 3) of relay ``k``: the propagated ones, or the L2 model's central difference."""
    v = None if states.v_icrf_m_s is None else states.v_icrf_m_s[:, k]
    if v is not None and np.isfinite(v).all():
        return v
    from ilrs.comms.states import l2_relay_positions

    relay = states.relays[k]
    h = np.timedelta64(int(L2_DIFFERENCE_S * 1e9), "ns")
    t = np.asarray(states.times_utc, "datetime64[ns]")
    return (l2_relay_positions(relay, t + h) - l2_relay_positions(relay, t - h)) / (2 * L2_DIFFERENCE_S)


def oem_text(states, k: int, *, comments: tuple[str, ...] = (), creation_date: str | None = None) -> str:
    """The OEM (KVN) of relay ``k`` of :class:`ilrs.comms.RelayStates` ``states``."""
    relay = states.relays[k]
    r_km = states.r_icrf_m[:, k] / 1e3
    v_km_s = relay_velocities_m_s(states, k) / 1e3
    times = np.asarray(states.times_utc, "datetime64[ns]")
    method = {"numerical": "numerical (GRAIL gravity, Earth and Sun)", "j2": "analytic (J2 + averaged third bodies)"}
    lines = [f"CCSDS_OEM_VERS = {OEM_VERSION}",
             "COMMENT Relay ephemeris written by ilrs (International Lunar Research Station digital twin)",
             *[f"COMMENT {c}" for c in comments],
             f"CREATION_DATE = {creation_date or creation_date_utc()}",
             f"ORIGINATOR = {ORIGINATOR}", "",
             "META_START",
             f"OBJECT_NAME = {relay.name}",
             f"OBJECT_ID = {relay.key}",
             "CENTER_NAME = MOON",
             "REF_FRAME = ICRF",
             "TIME_SYSTEM = UTC",
             f"START_TIME = {_epoch(times[0])}",
             f"STOP_TIME = {_epoch(times[-1])}",
             "INTERPOLATION = HERMITE",
             "INTERPOLATION_DEGREE = 3",
             "META_STOP", "",
             f"COMMENT kind {relay.kind}; propagation {method.get(states.method, states.method)}",
             "COMMENT units km and km/s; Moon-centred ICRF axes"]
    for t, r, v in zip(times, r_km, v_km_s):
        lines.append(f"{_epoch(t)} {r[0]:.6f} {r[1]:.6f} {r[2]:.6f} {v[0]:.9f} {v[1]:.9f} {v[2]:.9f}")
    return "\n".join(lines) + "\n"


def write_oem(folder: Path, states, *, comments: tuple[str, ...] = ()) -> list[Path]:
    """One ``<relay>.oem`` per relay in ``folder`` (atomic writes); the paths written."""
    from ilrs._io import write_text_atomic

    stamp = creation_date_utc()
    return [write_text_atomic(Path(folder) / f"{relay.key}.oem", oem_text(states, k, comments=comments,
                                                                          creation_date=stamp))
            for k, relay in enumerate(states.relays)]
