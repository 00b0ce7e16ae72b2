"""The relay and ground-station catalogues: built-in (``ilrs/data/relays.yaml``,
``ilrs/data/ground_stations.yaml``, every figure sourced or marked assumed) and user-defined
(scenario ``relays.custom`` / ``relays.custom_ground_stations``).

Orbit convention: a Keplerian relay's elements (or state vector) are *osculating at the start of
each analysis* — not at ``epoch``, which only says from when the relay serves (``in_service_from``).
The node and phase of a relay on a given date are not public; what is published is the orbit's
shape and its orientation relative to the Earth, so ilrs places that orbit afresh at every start.
Element frames (``frame``), all Moon-centred and fixed at the analysis start:

* ``earth-moon-plane`` (default): z = pole of the Moon's orbit about the Earth, x = the direction
  of the Earth. The Earth's pull freezes these high orbits in that plane (Kozai 1962; Ely 2005)
  and their evolution depends on the node *relative to the Earth*, so this frame gives the same
  orbit behaviour for every start date;
* ``moon-me``: the lunar mean-Earth/polar-axis frame (equator and prime meridian) at the start;
* ``icrf``: ICRF axes (fixed in inertial space whatever the start).

Catalogue relays with a published orbit are station-kept (:mod:`ilrs.comms.keeping`: apolune
manoeuvres restore the published perilune altitude when it leaves a band around it); the
numerical propagation models the manoeuvres and reports their Δv. Custom relays are kept when
their scenario entry has a ``station_keeping`` block.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

import numpy as np

from ilrs.comms.keeping import StationKeeping
from ilrs.comms.orbits import KeplerElements, state_to_elements
from ilrs.constants import MOON_RADIUS_M, SECONDS_PER_DAY, SECONDS_PER_HOUR
from ilrs.data import ground_stations_catalogue, relays_catalogue
from ilrs.errors import InputError, NotFoundError

ELEMENT_FRAMES = ("earth-moon-plane", "moon-me", "icrf")
"""Allowed element frames (see the module docstring)."""


@dataclass(frozen=True)
class LinkSpec:
    """One radio link end of a relay: band, transmit power, modem ceiling."""

    band: str
    max_rate_bps: float
    tx_power_w: float = 20.0
    noise_temperature_k: float = 400.0


@dataclass(frozen=True)
class Relay:
    """A relay satellite: Keplerian (osculating elements at the analysis start in ``frame``) or
    geometric Earth-Moon L2. ``station_keeping`` None: free drift."""

    key: str
    name: str
    kind: str  # "keplerian" | "earth-moon-l2"
    in_service_from: np.datetime64
    antenna_diameter_m: float
    proximity: LinkSpec
    trunk: LinkSpec
    elements: KeplerElements | None = None
    frame: str = "earth-moon-plane"
    halo_radius_m: float = 0.0
    halo_period_s: float = 14 * SECONDS_PER_DAY
    sources: tuple[str, ...] = ()
    assumed: tuple[str, ...] = ()
    station_keeping: StationKeeping | None = None

    def as_dict(self) -> dict:
        d = {"key": self.key, "name": self.name, "kind": self.kind,
             "in_service_from": str(self.in_service_from)[:10], "antenna_diameter_m": self.antenna_diameter_m,
             "proximity_band": self.proximity.band, "trunk_band": self.trunk.band,
             "sources": list(self.sources), "assumed": list(self.assumed)}
        if self.elements is not None:
            el = self.elements
            d.update(perilune_altitude_km=round(float(el.periapsis_radius_m - MOON_RADIUS_M) / 1e3, 1),
                     apolune_altitude_km=round(float(el.apoapsis_radius_m - MOON_RADIUS_M) / 1e3, 1),
                     period_hours=round(float(el.period_s()) / SECONDS_PER_HOUR, 2),
                     inclination_deg=round(float(np.degrees(el.inclination_rad)), 2),
                     arg_perilune_deg=round(float(np.degrees(el.arg_periapsis_rad)), 2),
                     raan_deg=round(float(np.degrees(el.raan_rad)), 2), frame=self.frame,
                     elements_at="analysis start",
                     station_keeping=self.station_keeping.as_dict() if self.station_keeping else None)
        else:
            d.update(halo_radius_km=self.halo_radius_m / 1e3, halo_period_days=self.halo_period_s / SECONDS_PER_DAY)
        return d


@dataclass(frozen=True)
class GroundStation:
    """An Earth station (geodetic WGS84) with its antenna and noise temperatures per band."""

    key: str
    name: str
    lat_deg: float
    lon_deg: float
    height_m: float
    antenna_diameter_m: float
    min_elevation_deg: float = 10.0
    noise_temperature_k: dict = field(default_factory=lambda: {"S": 60.0, "X": 40.0, "Ka": 100.0})
    sources: tuple[str, ...] = ()


def _elements(raw: dict) -> KeplerElements:
    if raw.get("state") is not None:
        st = raw["state"]
        r = np.asarray(st["position_km"], float) * 1e3
        v = np.asarray(st["velocity_km_s"], float) * 1e3
        return state_to_elements(r, v)
    inc = np.radians(raw["inclination_deg"])
    raan = np.radians(raw.get("raan_deg", 0.0))
    argp = np.radians(raw.get("arg_perilune_deg", 0.0))
    m0 = np.radians(raw.get("mean_anomaly_deg", 0.0))
    if raw.get("perilune_altitude_km") is not None:
        return KeplerElements.from_apsides(raw["perilune_altitude_km"] * 1e3, raw["apolune_altitude_km"] * 1e3,
                                           inc, raan, argp, m0)
    return KeplerElements(raw["semi_major_axis_km"] * 1e3, raw["eccentricity"], inc, raan, argp, m0)


def _link(raw: dict | None, default_band: str) -> LinkSpec:
    raw = raw or {}
    return LinkSpec(band=raw.get("band", default_band), max_rate_bps=float(raw.get("max_rate_bps", 1e6)),
                    tx_power_w=float(raw.get("tx_power_w", 20.0)),
                    noise_temperature_k=float(raw.get("noise_temperature_k", 400.0)))


def _relay_from_raw(key: str, raw: dict) -> Relay:
    common = dict(key=key, name=raw.get("name", key), kind=raw.get("kind", "keplerian"),
                  in_service_from=np.datetime64(str(raw["epoch"]).rstrip("Z").replace("+00:00", ""), "s"),
                  antenna_diameter_m=float(raw.get("antenna_diameter_m", 1.0)),
                  proximity=_link(raw.get("proximity"), "X"), trunk=_link(raw.get("trunk"), "Ka"),
                  sources=tuple(raw.get("sources", ())), assumed=tuple(map(str, raw.get("assumed", ()))))
    if common["kind"] == "earth-moon-l2":
        return Relay(**common, halo_radius_m=float(raw.get("halo_radius_km", 0.0)) * 1e3,
                     halo_period_s=float(raw.get("halo_period_days", 14.0)) * SECONDS_PER_DAY)
    frame = raw.get("frame", "earth-moon-plane")
    if frame not in ELEMENT_FRAMES:
        raise InputError(f"unknown element frame {frame!r} for relay {key!r}", field="frame", allowed=list(ELEMENT_FRAMES))
    el = _elements(raw)
    keeping = None
    if raw.get("station_keeping"):
        keeping = StationKeeping.from_raw(raw["station_keeping"],
                                          float(el.periapsis_radius_m - MOON_RADIUS_M) / 1e3)
    return Relay(**common, elements=el, frame=frame, station_keeping=keeping)


@lru_cache(maxsize=1)
def builtin_relays() -> dict[str, Relay]:
    """The packaged relays by key (``queqiao-2``, ``queqiao-2-early``, ``queqiao-1``, ``moonlight-*``)."""
    return {k: _relay_from_raw(k, v) for k, v in relays_catalogue()["relays"].items()}


def builtin_constellations() -> dict[str, list[str]]:
    return {k: list(v) for k, v in relays_catalogue().get("constellations", {}).items()}


def relay_sources() -> dict[str, str]:
    return dict(relays_catalogue().get("sources", {}))


def relay_from_spec(spec) -> Relay:
    """A :class:`Relay` from a scenario ``RelayOrbitSpec``."""
    raw = spec.model_dump()
    import datetime as dt

    ep = spec.epoch
    raw["epoch"] = (ep.astimezone(dt.timezone.utc).replace(tzinfo=None) if ep.tzinfo else ep).isoformat()
    raw["proximity"] = {"band": spec.proximity_band, "max_rate_bps": spec.proximity_max_rate_bps}
    raw["trunk"] = {"band": spec.trunk_band, "tx_power_w": spec.trunk_tx_power_w, "max_rate_bps": spec.trunk_max_rate_bps}
    raw["sources"] = ["scenario"]
    return _relay_from_raw(spec.name, raw)


def resolve_relays(names: Iterable[str], custom: Iterable = ()) -> list[Relay]:
    """Relays for ``names`` (relay keys or constellation names), user-defined ones included, in order,
    without duplicates. Unknown names raise :class:`NotFoundError` listing the allowed ones."""
    cat = builtin_relays()
    cons = builtin_constellations()
    mine = {s.name: relay_from_spec(s) for s in custom}
    out: dict[str, Relay] = {}
    for name in names:
        if name in mine:
            out[name] = mine[name]
        elif name in cat:
            out[name] = cat[name]
        elif name in cons:
            for k in cons[name]:
                out[k] = cat[k]
        else:
            raise NotFoundError(f"unknown relay or constellation {name!r}", field="relays.constellation",
                                allowed=sorted(set(cat) | set(cons) | set(mine)))
    for name, r in mine.items():  # user-defined relays always take part
        out.setdefault(name, r)
    return list(out.values())


@lru_cache(maxsize=1)
def builtin_ground_stations() -> dict[str, GroundStation]:
    out = {}
    for k, v in ground_stations_catalogue()["ground_stations"].items():
        out[k] = GroundStation(key=k, name=v["name"], lat_deg=float(v["lat_deg"]), lon_deg=float(v["lon_deg"]),
                               height_m=float(v.get("height_m", 0.0)),
                               antenna_diameter_m=float(v["antenna_diameter_m"]),
                               min_elevation_deg=float(v.get("min_elevation_deg", 10.0)),
                               noise_temperature_k=dict(v.get("noise_temperature_k", {})),
                               sources=tuple(v.get("sources", ())))
    return out


def resolve_ground_stations(names: Iterable[str], custom: Iterable = ()) -> list[GroundStation]:
    cat = builtin_ground_stations()
    out = []
    for name in names:
        if name not in cat:
            raise NotFoundError(f"unknown ground station {name!r}", field="relays.ground_stations",
                                allowed=sorted(cat))
        out.append(cat[name])
    for s in custom:
        out.append(GroundStation(key=s.name, name=s.name, lat_deg=s.lat_deg, lon_deg=s.lon_deg, height_m=s.height_m,
                                 antenna_diameter_m=s.antenna_diameter_m, min_elevation_deg=s.min_elevation_deg,
                                 sources=("scenario",)))
    return out
