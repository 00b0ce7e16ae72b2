"""``ilrs dem info``: what a DEM file holds (LOLA PDS3 IMG/LBL or GeoTIFF) and what covers a site."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ilrs.cli.common import OutputFormat, echo_json, format_option, lat_option, lon_option, site_option
from ilrs.errors import InputError

dem_app = typer.Typer(
    help="DEM files as users download them (LOLA PDS3 .IMG/.LBL, GeoTIFF), read memory-mapped.\n\n"
         "Examples:\n\n  ilrs dem info LDEM_80S_20M.LBL\n\n  ilrs dem info LDEM_875S_5M.LBL connecting-ridge\n\n"
         "  ilrs dem info LDEM_875S_5M.LBL --site connecting-ridge\n\n"
         "  ilrs dem info site_5m.tif --lat -89.45 --lon 222.7 --format json",
    no_args_is_help=True,
)


@dem_app.command("info")
def info(
    file: Path = typer.Argument(..., help="A DEM: PDS3 label or image (.LBL/.IMG) or GeoTIFF (.tif/.tiff)."),
    name: Optional[str] = typer.Argument(None, help="A catalogue site: which pixel covers it (same as --site)."),
    site: Optional[str] = site_option(),
    lat: Optional[float] = lat_option(),
    lon: Optional[float] = lon_option(),
    format: OutputFormat = format_option(),
) -> None:
    """Resolution, extent, projection, height scaling and no-data of a DEM file, and the pixel
    under a site (a catalogue NAME, --site NAME or --lat/--lon; none: no site). Writes nothing.

    Examples:

      ilrs dem info LDEM_80S_20M.LBL

      ilrs dem info LDEM_875S_5M.IMG connecting-ridge --format json

      ilrs dem info LDEM_875S_5M.LBL --site connecting-ridge

      ilrs dem info site_5m.tif --lat -89.45 --lon 222.7
    """
    from ilrs.environment.dem_info import describe_dem

    if name is not None and site is not None and name != site:
        raise InputError(f"two sites: {name!r} and --site {site!r}", field="--site")
    site_lat, site_lon, label = _site(name or site, lat, lon)
    data = _convention_keys(describe_dem(file, site_lat, site_lon))
    if label is not None:
        data["site"]["name"] = label
    if format is OutputFormat.json:
        echo_json(data)
        return
    for line in _text(data):
        typer.echo(line)


def _site(name: Optional[str], lat: Optional[float], lon: Optional[float]):
    """(lat, lon, label) of the site asked about, or (None, None, None)."""
    if name is not None and lat is not None:
        raise InputError("give --site or --lat/--lon, not both", field="--site")
    if (lat is None) != (lon is None):
        raise InputError("give both --lat and --lon", field="--lat/--lon")
    if name is not None:
        from ilrs.environment.sites import get_site, site_names

        if name not in site_names():
            raise InputError(f"unknown site {name!r}", field="--site", allowed=site_names())
        s = get_site(name, height_m=0.0)  # only its coordinates: the coarse DEM is not loaded
        return s.lat_deg, s.lon_deg, s.name
    if lat is not None:
        if not -90.0 <= lat <= 90.0:
            raise InputError(f"{lat:g} is not a latitude", field="--lat", allowed="-90..90")
        if not -360.0 <= lon <= 360.0:
            raise InputError(f"{lon:g} is not a longitude", field="--lon", allowed="-360..360")
        return float(lat), float(lon), f"({lat:g}°, {lon:g}°E)"
    return None, None, None


def _convention_keys(d: dict) -> dict:
    """The map extent as ``x_range_km``/``y_range_km`` [low, high] (docs/cli.md: ``_min`` is never a
    unit, so no ``x_min`` keys), like ``latitude_range_deg``."""
    e = d.pop("map_extent_km")
    return d | {"x_range_km": [e["x_min"], e["x_max"]], "y_range_km": [e["y_min"], e["y_max"]]}


def _text(d: dict) -> list[str]:
    (x0, x1), (y0, y1) = d["x_range_km"], d["y_range_km"]
    h = d["height"]
    lo, hi = d["latitude_range_deg"]
    lines = [f"{d['file']}",
             f"  format      {d['format']}, {d['lines']:,} lines x {d['samples']:,} samples",
             f"  projection  {d['projection']}, central longitude {d['central_longitude_deg']:g}°, "
             f"sphere {d['sphere_radius_km']:g} km, k0 {d['scale_at_pole_k0']:g}",
             f"  resolution  {d['pixel_m']:g} m/px",
             f"  extent      x {x0:.3f} .. {x1:.3f} km, y {y0:.3f} .. {y1:.3f} km; "
             f"latitude {lo:.4f}° .. {hi:.4f}°",
             f"  heights     stored {h['stored']} x {h['scale_m']:g} m + {h['offset_m']:g} m"
             + (f", no-data {h['nodata_stored']:g}" if h["nodata_stored"] is not None else ""),
             f"  no-data     {d['nodata_fraction']:.2%} (≈ {d['nodata_pixels_estimate']:,} px, from "
             f"{d['nodata_sampled_pixels']:,} sampled)"]
    s = d.get("site")
    if s:
        if not s["hemisphere_matches"]:
            lines.append(f"  site        {s['name']}: NOT covered — this DEM maps the other pole")
        elif s["covered"]:
            lines.append(f"  site        {s['name']}: pixel row {s['row']}, column {s['col']} (0-based), "
                         f"height {s['height_m']:.1f} m")
        elif s["on_raster"]:
            lines.append(f"  site        {s['name']}: on pixel row {s['row']}, column {s['col']}, which is no-data")
        else:
            lines.append(f"  site        {s['name']}: NOT covered — it would be pixel row {s['row']}, "
                         f"column {s['col']}, outside the raster")
    return lines


def register(app: typer.Typer) -> None:
    app.add_typer(dem_app, name="dem")
