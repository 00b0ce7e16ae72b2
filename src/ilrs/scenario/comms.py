"""Scenario section ``relays``: relay satellites and ground stations.

Owned by the comms layer's issue; fields may be added, never renamed. The built-in relay names
come from ``ilrs/data/relays.yaml`` and the ground stations from ``ilrs/data/ground_stations.yaml``
(read here as data; this layer never imports :mod:`ilrs.comms`).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from ilrs.constants import GM_MOON_M3_S2, MOON_RADIUS_KM, SECONDS_PER_HOUR
from ilrs.errors import shorten
from ilrs.scenario.base import StrictModel

NAME = r"^[a-z0-9][a-z0-9._-]{0,63}$"
Band = Literal["S", "X", "Ka"]


GM_MOON_KM3_S2 = GM_MOON_M3_S2 / 1e9
"""GM of the Moon in km³/s² (:data:`ilrs.constants.GM_MOON_M3_S2`), for the bound-orbit check."""


class StateVectorSpec(StrictModel):
    """Position (km) and velocity (km/s) of a relay relative to the Moon's centre, in the relay's
    ``frame`` at the start of each analysis."""

    position_km: tuple[float, float, float]
    velocity_km_s: tuple[float, float, float]

    @model_validator(mode="after")
    def _bound(self) -> "StateVectorSpec":
        r = sum(x * x for x in self.position_km) ** 0.5
        v2 = sum(x * x for x in self.velocity_km_s)
        if r <= MOON_RADIUS_KM:
            raise ValueError(f"position is {r:.1f} km from the Moon's centre, inside the Moon")
        energy = v2 / 2 - GM_MOON_KM3_S2 / r
        if energy >= 0:
            raise ValueError("the state is not a bound orbit about the Moon (v^2/2 - GM/r >= 0)")
        a = -GM_MOON_KM3_S2 / (2 * energy)
        rx, ry, rz = self.position_km
        vx, vy, vz = self.velocity_km_s
        h2 = (ry * vz - rz * vy) ** 2 + (rz * vx - rx * vz) ** 2 + (rx * vy - ry * vx) ** 2
        e = max(0.0, 1 - h2 / (GM_MOON_KM3_S2 * a)) ** 0.5
        if a * (1 - e) <= MOON_RADIUS_KM:
            raise ValueError(f"perilune radius {a * (1 - e):.1f} km is inside the Moon")
        return self


class StationKeepingSpec(StrictModel):
    """Apolune manoeuvres that restore the perilune altitude when the predicted next perilune leaves
    [min, max] (see ``ilrs.comms.keeping``). Altitudes above the 1737.4 km mean sphere."""

    perilune_altitude_km: float | None = Field(None, gt=0.0, le=100_000.0,
                                               description="Restored altitude; default the orbit's own perilune.")
    min_perilune_altitude_km: float | None = Field(None, gt=0.0, le=100_000.0,
                                                   description="Lower edge of the band; default target - 50 km.")
    max_perilune_altitude_km: float | None = Field(None, gt=0.0, le=100_000.0,
                                                   description="Upper edge of the band; default none.")

    @model_validator(mode="after")
    def _band(self) -> "StationKeepingSpec":
        t, lo, hi = self.perilune_altitude_km, self.min_perilune_altitude_km, self.max_perilune_altitude_km
        if t is not None and lo is not None and lo > t:
            raise ValueError("min_perilune_altitude_km must not exceed perilune_altitude_km")
        if t is not None and hi is not None and hi < t:
            raise ValueError("max_perilune_altitude_km must not be below perilune_altitude_km")
        if lo is not None and hi is not None and hi < lo:
            raise ValueError("max_perilune_altitude_km must not be below min_perilune_altitude_km")
        return self


class RelayOrbitSpec(StrictModel):
    """A user-defined relay: osculating Keplerian elements (perilune/apolune altitudes, or
    semi-major axis and eccentricity, plus angles) or a ``state`` vector, in ``frame`` at the
    start of each analysis (the orbit is placed afresh at every start; ``epoch``, UTC, is the date
    from which the relay serves). Frames: ``earth-moon-plane`` (z = pole of the Moon's orbit about
    the Earth, x = direction of the Earth), ``moon-me`` (lunar mean-Earth equator and prime
    meridian), ``icrf`` (ICRF axes); all Moon-centred."""

    name: str = Field(pattern=NAME)
    epoch: dt.datetime
    frame: Literal["earth-moon-plane", "moon-me", "icrf"] = "earth-moon-plane"
    perilune_altitude_km: float | None = Field(None, gt=0.0, le=100_000.0)
    apolune_altitude_km: float | None = Field(None, gt=0.0, le=100_000.0)
    semi_major_axis_km: float | None = Field(None, gt=MOON_RADIUS_KM, le=100_000.0)
    eccentricity: float | None = Field(None, ge=0.0, lt=0.95)
    inclination_deg: float | None = Field(None, ge=0.0, le=180.0)
    raan_deg: float = Field(0.0, ge=-360.0, le=360.0)
    arg_perilune_deg: float = Field(0.0, ge=-360.0, le=360.0)
    mean_anomaly_deg: float = Field(0.0, ge=-360.0, le=360.0)
    state: StateVectorSpec | None = None
    station_keeping: StationKeepingSpec | None = Field(
        None, description="Perilune station-keeping; absent: free drift (an impact stops the analysis).")
    antenna_diameter_m: float = Field(1.0, gt=0.0, le=20.0)
    proximity_band: Band = "X"
    trunk_band: Band = "Ka"
    trunk_tx_power_w: float = Field(20.0, gt=0.0, le=10_000.0)
    proximity_max_rate_bps: float = Field(6.0e6, gt=0.0)
    trunk_max_rate_bps: float = Field(100.0e6, gt=0.0)

    @model_validator(mode="after")
    def _shape(self) -> "RelayOrbitSpec":
        apsides = self.perilune_altitude_km is not None and self.apolune_altitude_km is not None
        ae = self.semi_major_axis_km is not None and self.eccentricity is not None
        if self.state is not None:
            if apsides or ae or self.inclination_deg is not None:
                raise ValueError("give either a state or elements, not both")
            return self
        if apsides == ae:
            raise ValueError("give either perilune_altitude_km + apolune_altitude_km, or semi_major_axis_km + "
                             "eccentricity (or a state)")
        if self.inclination_deg is None:
            raise ValueError("inclination_deg is required with elements")
        if apsides and self.apolune_altitude_km < self.perilune_altitude_km:
            raise ValueError("apolune_altitude_km must not be below perilune_altitude_km")
        if ae and self.semi_major_axis_km * (1 - self.eccentricity) <= MOON_RADIUS_KM:
            raise ValueError("perilune radius a(1-e) is inside the Moon")
        return self


class GroundStationSpec(StrictModel):
    """A user-defined Earth station (geodetic WGS84)."""

    name: str = Field(pattern=NAME)
    lat_deg: float = Field(ge=-90.0, le=90.0)
    lon_deg: float = Field(ge=-180.0, le=360.0)
    height_m: float = Field(0.0, ge=-500.0, le=9000.0)
    antenna_diameter_m: float = Field(35.0, gt=0.0, le=100.0)
    min_elevation_deg: float = Field(10.0, ge=0.0, le=80.0)


class SiteTerminalSpec(StrictModel):
    """The station's own radio: used for site -> relay and direct-to-Earth links."""

    band: Band = "X"
    tx_power_w: float = Field(20.0, gt=0.0, le=10_000.0)
    antenna_diameter_m: float = Field(0.6, gt=0.0, le=20.0)
    dte_max_rate_bps: float = Field(2.0e6, gt=0.0, description="Modem limit of the direct-to-Earth link.")
    direct_to_earth: bool = True


class RelaysSection(StrictModel):
    constellation: list[str] = Field(default_factory=list, description="Built-in relay names, e.g. ['queqiao-2'].")
    custom: list[RelayOrbitSpec] = Field(default_factory=list, description="User-defined relays by elements.")
    ground_stations: list[str] = Field(default_factory=lambda: ["kashi", "jiamusi", "neuquen"],
                                       description="Built-in Earth stations.")
    custom_ground_stations: list[GroundStationSpec] = Field(default_factory=list)
    min_elevation_deg: float = Field(5.0, ge=0.0, le=80.0, description="Site -> relay minimum elevation.")
    dte_min_elevation_deg: float = Field(0.0, ge=0.0, le=80.0, description="Site -> Earth minimum elevation.")
    propagation: Literal["numerical", "j2"] = "numerical"
    station_keeping: bool = Field(True, description="Model the relays' station-keeping manoeuvres (catalogue "
                                                    "relays and custom ones with a station_keeping block); "
                                                    "false: free drift.")
    gravity_degree: int = Field(8, ge=0, le=50, description="Lunar field degree and order (GRGM1200A).")
    third_bodies: bool = True
    site_terminal: SiteTerminalSpec = SiteTerminalSpec()
    analysis_days: float = Field(30.0, gt=0.0, le=400.0,
                                 description="Days from span.start that `ilrs run` analyses (representative).")
    step_s: float = Field(60.0, ge=1.0, le=SECONDS_PER_HOUR)
    coverage_spacing_km: float = Field(20.0, ge=0.0, le=200.0,
                                       description="Grid spacing of the 80-90°S coverage map in `ilrs run` (0: none).")
    coverage_horizon: Literal["sphere", "dem"] = Field(
        "dem", description="Coverage-map horizons: smooth sphere, or each point's DEM horizon (cached).")

    def check_references(self, scenario) -> None:
        from ilrs.data import ground_stations_catalogue, relays_catalogue
        from ilrs.scenario.references import ReferenceProblem

        cat = relays_catalogue()
        custom = {r.name for r in self.custom}
        allowed = set(cat["relays"]) | set(cat.get("constellations", {})) | custom
        for k, name in enumerate(self.constellation):
            if name not in allowed:
                raise ReferenceProblem(f"constellation[{k}]", f"unknown relay {shorten(name)}", allowed)
        stations = set(ground_stations_catalogue()["ground_stations"])
        for k, name in enumerate(self.ground_stations):
            if name not in stations:
                raise ReferenceProblem(f"ground_stations[{k}]", f"unknown ground station {shorten(name)}", stations)
        clash = custom & set(cat["relays"])
        if clash:
            raise ReferenceProblem("custom", f"custom relay name {shorten(sorted(clash)[0])} is already a built-in relay")
