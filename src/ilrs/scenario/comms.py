"""Scenario section ``relays``: relay satellites and ground stations.

Owned by the comms layer's issue; fields may be added, never renamed. The built-in relay names
come from ``ilrs/data/relays.yaml`` and the ground stations from ``ilrs/data/ground_stations.yaml``
(read here as data; this layer never imports :mod:`ilrs.comms`).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from ilrs.scenario.base import StrictModel

NAME = r"^[a-z0-9][a-z0-9._-]{0,63}$"
Band = Literal["S", "X", "Ka"]


class RelayOrbitSpec(StrictModel):
    """A user-defined relay by Keplerian elements relative to the lunar mean-Earth equator at
    ``epoch`` (UTC). Give either perilune/apolune altitudes or semi-major axis and eccentricity."""

    name: str = Field(pattern=NAME)
    epoch: dt.datetime
    perilune_altitude_km: float | None = Field(None, gt=0.0, le=100_000.0)
    apolune_altitude_km: float | None = Field(None, gt=0.0, le=100_000.0)
    semi_major_axis_km: float | None = Field(None, gt=1737.4, le=100_000.0)
    eccentricity: float | None = Field(None, ge=0.0, lt=0.95)
    inclination_deg: float = Field(ge=0.0, le=180.0)
    raan_deg: float = Field(0.0, ge=-360.0, le=360.0)
    arg_perilune_deg: float = Field(0.0, ge=-360.0, le=360.0)
    mean_anomaly_deg: float = Field(0.0, ge=-360.0, le=360.0)
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
        if apsides == ae:
            raise ValueError("give either perilune_altitude_km + apolune_altitude_km, or semi_major_axis_km + "
                             "eccentricity")
        if apsides and self.apolune_altitude_km < self.perilune_altitude_km:
            raise ValueError("apolune_altitude_km must not be below perilune_altitude_km")
        if ae and self.semi_major_axis_km * (1 - self.eccentricity) <= 1737.4:
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
    gravity_degree: int = Field(8, ge=0, le=50, description="Lunar field degree and order (GRGM1200A).")
    third_bodies: bool = True
    site_terminal: SiteTerminalSpec = SiteTerminalSpec()
    analysis_days: float = Field(30.0, gt=0.0, le=400.0,
                                 description="Days from span.start that `ilrs run` analyses (representative).")
    step_s: float = Field(60.0, ge=1.0, le=3600.0)
    coverage_spacing_km: float = Field(20.0, ge=0.0, le=200.0,
                                       description="Grid spacing of the 80-90°S coverage map in `ilrs run` (0: none).")
    coverage_horizon: Literal["sphere", "dem"] = Field(
        "dem", description="Coverage-map horizons: smooth sphere, or each point's DEM horizon (cached).")

    def check_references(self, scenario) -> None:
        from ilrs.data import load_dataset
        from ilrs.scenario.loader import ReferenceProblem

        cat = load_dataset("relays")
        custom = {r.name for r in self.custom}
        allowed = set(cat["relays"]) | set(cat.get("constellations", {})) | custom
        for k, name in enumerate(self.constellation):
            if name not in allowed:
                raise ReferenceProblem(f"constellation[{k}]", f"unknown relay {name!r}", allowed)
        stations = set(load_dataset("ground_stations")["ground_stations"])
        for k, name in enumerate(self.ground_stations):
            if name not in stations:
                raise ReferenceProblem(f"ground_stations[{k}]", f"unknown ground station {name!r}", stations)
        clash = custom & set(cat["relays"])
        if clash:
            raise ReferenceProblem("custom", f"custom relay name {sorted(clash)[0]!r} is already a built-in relay")
