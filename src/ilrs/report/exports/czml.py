"""CZML for a Cesium scene with a Moon globe: the relays (time-tagged positions, Lagrange
interpolation), the site, and the link windows as ``show`` intervals.

Frame: Cesium's ``FIXED`` frame is the globe's body-fixed frame, so every position is written as
Cartesian metres in the Moon's mean-Earth/polar-axis (ME) frame, the frame of the site catalogue
and the DEMs. Load it in a viewer whose globe is the Moon: ``Cesium.Ellipsoid.default =
Cesium.Ellipsoid.MOON`` (a 1737.4 km sphere, as ilrs's) before creating the Viewer (CesiumJS ≥
1.116). ``INERTIAL`` is not used: Cesium's inertial frame is the Earth's ICRF.

Packets are built and validated with ``czml3`` (the CZML writer on PyPI, BSD-3-Clause, a 40 kB
wheel whose only other dependency, python-dateutil, is tiny; its pydantic models check every
property's type and value as it is built).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from ilrs.constants import NS_PER_S

DEFAULT_SAMPLE_STEP_S = 120.0
"""Relay samples every 120 s: Cesium's degree-5 Lagrange interpolation between them stays within
0.41 m of the 60 s propagation for Queqiao-2 (200 × 16,000 km; 300 s: 76 m near perilune; 60 s:
0.08 m), at ~32 kB per relay-day of CZML."""
LINK_COLOURS = {"site-relay": [64, 200, 255, 255], "relay-station": [255, 190, 60, 255],
                "site-station": [120, 255, 120, 255]}


def _utc(t) -> dt.datetime:
    ns = int(np.datetime64(t, "ns").astype(np.int64))
    return dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(microseconds=ns // 1000)


def _samples(times: np.ndarray, xyz_m: np.ndarray, step_s: float) -> tuple[dt.datetime, list[float]]:
    """Epoch and the flat [t_s, x, y, z, …] list, thinned to about ``step_s`` (last sample kept)."""
    t = np.asarray(times, "datetime64[ns]")
    t_s = (t - t[0]).astype(np.int64) / NS_PER_S
    grid_step = float(t_s[1] - t_s[0]) if t.size > 1 else step_s
    every = max(1, int(round(step_s / grid_step)))
    keep = np.r_[np.arange(0, t.size, every), [t.size - 1]] if (t.size - 1) % every else np.arange(0, t.size, every)
    flat = np.column_stack([t_s[keep], np.round(xyz_m[keep], 1)]).ravel()
    return _utc(t[0]), [float(v) for v in flat]


def _union(contacts, link: str, source: str, target: str | None = None) -> list[tuple]:
    """The union of the windows of ``link`` from ``source`` (to ``target``, or to any), as (start, end)."""
    spans = sorted((c.start_utc, c.end_utc) for c in contacts
                   if c.link == link and c.source == source and (target is None or c.target == target))
    merged: list[list] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [tuple(m) for m in merged]


def _shown(spans):
    """``show`` over the spans (False outside them; False throughout when there are none)."""
    from czml3 import IntervalValue, TimeIntervalCollection

    if not spans:
        return False
    return TimeIntervalCollection(values=[IntervalValue(start=_utc(a), end=_utc(b), value=True) for a, b in spans])


def _relay_packet(states, k: int, step_s: float, period):
    from czml3 import Label, Packet, Path as CzPath, Point, Position
    from czml3.properties import Color, PolylineMaterial, SolidColorMaterial

    relay = states.relays[k]
    epoch, flat = _samples(states.times_utc, states.r_me_m[:, k], step_s)
    trail_s = float(relay.elements.period_s()) if relay.elements is not None else 86400.0
    return Packet(
        id=f"relay/{relay.key}", name=relay.name, availability=period,
        description=f"{relay.name} ({relay.kind}); Cartesian metres, Moon ME frame",
        position=Position(referenceFrame="FIXED", epoch=epoch, cartesian=flat,
                          interpolationAlgorithm="LAGRANGE", interpolationDegree=5),
        point=Point(pixelSize=8, color=Color(rgba=[255, 255, 255, 255])),
        label=Label(text=relay.name, show=True, font="12px sans-serif"),
        path=CzPath(show=True, width=1, leadTime=0, trailTime=trail_s,
                    material=PolylineMaterial(solidColor=SolidColorMaterial(color=Color(rgba=[200, 200, 200, 160])))))


def _indicator_packet(packet_id: str, name: str, anchor: str, spans, text: str, link: str):
    """A marker riding on ``anchor``'s position, shown (and available) only during ``spans``."""
    from czml3 import IntervalValue, Label, Packet, Point, Position, TimeIntervalCollection
    from czml3.properties import Color

    availability = TimeIntervalCollection(values=[IntervalValue(start=_utc(a), end=_utc(b)) for a, b in spans]) \
        if spans else None
    return Packet(id=packet_id, name=name, availability=availability,
                  position=Position(reference=f"{anchor}#position"),
                  point=Point(show=_shown(spans), pixelSize=14, color=Color(rgba=LINK_COLOURS[link])),
                  label=Label(text=text, show=_shown(spans), font="11px sans-serif"))


def _site_packet(site):
    from czml3 import Label, Packet, Point, Position
    from czml3.properties import Color

    x, y, z = (float(v) for v in np.asarray(site.position_me_m, float))
    return Packet(id=f"site/{site.name}", name=site.name,
                  description=f"{site.name}: {site.lat_deg:.4f}°, {site.lon_deg:.4f}° (Moon ME), "
                              f"height {site.height_m:.0f} m",
                  position=Position(referenceFrame="FIXED", cartesian=[x, y, z]),
                  point=Point(pixelSize=10, color=Color(rgba=[255, 80, 80, 255])),
                  label=Label(text=site.name, show=True, font="13px sans-serif"))


def _link_packet(site, relay_key: str, contacts):
    from czml3 import Packet, Polyline
    from czml3.properties import Color, PolylineMaterial, PositionList, SolidColorMaterial

    shown = _shown(_union(contacts, "site-relay", site.name, relay_key))
    return Packet(id=f"link/{site.name}/{relay_key}", name=f"{site.name} ↔ {relay_key}",
                  polyline=Polyline(show=shown, width=2, positions=PositionList(
                      references=[f"site/{site.name}#position", f"relay/{relay_key}#position"]),
                      material=PolylineMaterial(solidColor=SolidColorMaterial(
                          color=Color(rgba=LINK_COLOURS["site-relay"])))))


def czml_document(states, site, contacts, *, name: str = "ilrs", step_s: float = DEFAULT_SAMPLE_STEP_S):
    """The :class:`czml3.Document`: document packet (clock over the period), the site with a "DTE"
    marker shown while a station can be reached directly, each relay with an "Earth link" marker
    shown while a station sees it, and each site ↔ relay line shown over its windows — all from
    the root-found ``contacts`` (:func:`ilrs.comms.contacts.contact_windows`)."""
    from czml3 import CZML_VERSION, Clock, Document, IntervalValue, Packet, TimeInterval

    start, end = _utc(states.times_utc[0]), _utc(states.times_utc[-1])
    period = TimeInterval(start=start, end=end)
    doc = Packet(id="document", name=name, version=CZML_VERSION,
                 clock=IntervalValue(start=start, end=end, value=Clock(currentTime=start, multiplier=600)))
    packets = [doc, _site_packet(site),
               _indicator_packet(f"dte/{site.name}", f"{site.name} direct to Earth", f"site/{site.name}",
                                 _union(contacts, "site-station", site.name), "DTE", "site-station")]
    for k, relay in enumerate(states.relays):
        packets.append(_relay_packet(states, k, step_s, period))
        packets.append(_indicator_packet(f"earth-link/{relay.key}", f"{relay.key} ↔ Earth station",
                                         f"relay/{relay.key}", _union(contacts, "relay-station", relay.key),
                                         "Earth link", "relay-station"))
        packets.append(_link_packet(site, relay.key, contacts))
    return Document(packets=packets)


def write_czml(path: Path, states, site, contacts, *, name: str = "ilrs",
               step_s: float = DEFAULT_SAMPLE_STEP_S) -> Path:
    """Write the scene to ``path`` (atomic)."""
    from ilrs._io import write_text_atomic

    return write_text_atomic(path, czml_document(states, site, contacts, name=name, step_s=step_s).dumps())
