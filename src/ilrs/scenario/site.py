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
