"""Scenario section ``site``: where the station stands and how its terrain is modelled.

Owned by the environment layer's issue; fields may be added, never renamed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ilrs.errors import shorten
from ilrs.scenario.base import StrictModel


class SiteSpec(StrictModel):
    """A catalogue site by ``name``, or explicit coordinates (degrees, metres)."""

    name: str | None = Field(None, description="Name in the packaged site catalogue, e.g. 'connecting-ridge'.")
    lat_deg: float | None = Field(None, ge=-90.0, le=90.0)
    lon_deg: float | None = Field(None, ge=-360.0, le=360.0)
    height_m: float = Field(0.0, ge=-10_000.0, le=12_000.0, description="Height above the 1737.4 km sphere.")
    mast_height_m: float = Field(0.0, ge=0.0, le=1_000.0, description="Height of mast/panel above ground.")
    horizon: Literal["none", "sphere", "dem"] | str = Field(
        "dem", description="Terrain model: none, sphere, dem, or the path of an existing file: a GeoTIFF "
                           "(.tif/.tiff) or a horizon-mask table (relative to the working folder).")

    dems: list[str] = Field(
        default_factory=list, max_length=16,
        description="DEM files nested by resolution around the site (paths relative to the working folder): "
                    "LOLA PDS3 .IMG/.LBL or polar-stereographic GeoTIFF .tif/.tiff, e.g. a 5-20 m site tile and "
                    "a 240 m regional DEM; the finest with a value wins at each point, the packaged global DEM "
                    "beyond them all. Read memory-mapped; with 'dems' the horizon is ray-marched over them.")

    @field_validator("dems", mode="after")
    @classmethod
    def _dems(cls, value: list[str]) -> list[str]:
        allowed = (".img", ".lbl", ".tif", ".tiff")
        for i, path in enumerate(value):
            p = Path(path)
            if not path.strip() or "\x00" in path or len(path) > 4096 or p.suffix.lower() not in allowed:
                raise ValueError(f"dems[{i}]: {shorten(path)} is not a DEM file name (allowed: .IMG, .LBL, .tif, .tiff)")
            if not p.is_file():
                raise ValueError(f"dems[{i}]: {shorten(path)} is not an existing file")
        return value

    @field_validator("horizon", mode="after")
    @classmethod
    def _horizon(cls, value: str) -> str:
        if value in ("none", "sphere", "dem"):
            return value
        if not value.strip() or "\x00" in value or len(value) > 4096:
            raise ValueError(f"{shorten(value)} is not a horizon model: none, sphere, dem or the path of a file")
        p = Path(value)
        if not p.is_file():
            what = "a folder" if p.is_dir() else "not an existing file"
            raise ValueError(f"{shorten(value)} is {what}: give none, sphere, dem or the path of a GeoTIFF "
                             "or horizon table")
        return value

    @model_validator(mode="after")
    def _name_or_coordinates(self) -> "SiteSpec":
        if self.name is None and (self.lat_deg is None or self.lon_deg is None):
            raise ValueError("give either 'name' or both 'lat_deg' and 'lon_deg'")
        if (self.lat_deg is None) != (self.lon_deg is None):
            raise ValueError("give both 'lat_deg' and 'lon_deg', or neither")
        if self.dems and self.horizon in ("none", "sphere"):
            raise ValueError(f"'dems' are ray-marched: they need horizon 'dem' or a GeoTIFF, not {self.horizon!r}")
        return self

    def check_references(self, scenario) -> None:
        """An unknown catalogue name is a one-line error listing the known sites.

        Reads the packaged catalogue ``data/sites.yaml`` directly (the scenario layer does not
        import the environment layer). With explicit coordinates, ``name`` is only a label.
        """
        if self.name is None or self.lat_deg is not None:
            return
        from ilrs.data import sites_catalogue
        from ilrs.scenario.references import ReferenceProblem

        names = [s["name"] for s in sites_catalogue()["sites"]]
        if self.name not in names:
            raise ReferenceProblem("name", f"unknown site {shorten(self.name)}", allowed=names)
