"""``ilrs dem info``: what a DEM file holds (LOLA PDS3 IMG/LBL or GeoTIFF) and what covers a site."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ilrs.cli.common import OutputFormat, echo_json
from ilrs.errors import InputError

dem_app = typer.Typer(
    help="DEM files as users download them (LOLA PDS3 .IMG/.LBL, GeoTIFF), read memory-mapped.\n\n"
         "Examples:\n\n  ilrs dem info LDEM_80S_20M.LBL\n\n  ilrs dem info LDEM_875S_5M.LBL connecting-ridge\n\n"
         "  ilrs dem info site_5m.tif --lat -89.45 --lon 222.7 --format json",
    no_args_is_help=True,
)


@dem_app.command("info")
def info(
    file: Path = typer.Argument(..., help="A DEM: PDS3 label or image (.LBL/.IMG) or GeoTIFF (.tif/.tiff)."),
    name: Optional[str] = typer.Argument(None, help="A catalogue site: which pixel covers it."),
    lat: Optional[float] = typer.Option(None, "--lat", help="Latitude of a site, degrees (south negative)."),
    lon: Optional[float] = typer.Option(None, "--lon", help="East longitude of a site, degrees."),
    format: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text or json"),
) -> None:
    """Resolution, extent, projection, height scaling and no-data of a DEM file, and the pixel
    under a site (a catalogue NAME or --lat/--lon).

    Examples:

      ilrs dem info LDEM_80S_20M.LBL

      ilrs dem info LDEM_875S_5M.IMG connecting-ridge --format json

      ilrs dem info site_5m.tif --lat -89.45 --lon 222.7
    """
    from ilrs.environment.dem_info import describe_dem

    site_lat, site_lon, label = _site(name, lat, lon)
    data = describe_dem(file, site_lat, site_lon)
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
        raise InputError("give a site NAME or --lat/--lon, not both", field="--lat/--lon")
    if (lat is None) != (lon is None):
        raise InputError("give both --lat and --lon", field="--lat/--lon")
    if name is not None:
        from ilrs.environment.sites import get_site

        s = get_site(name, height_m=0.0)  # only its coordinates: the coarse DEM is not loaded
        return s.lat_deg, s.lon_deg, s.name
    if lat is not None:
        if not -90.0 <= lat <= 90.0:
            raise InputError(f"{lat:g} is not a latitude", field="--lat", allowed="-90..90")
        if not -360.0 <= lon <= 360.0:
            raise InputError(f"{lon:g} is not a longitude", field="--lon", allowed="-360..360")
        return float(lat), float(lon), f"({lat:g}°, {lon:g}°E)"
    return None, None, None


def _text(d: dict) -> list[str]:
    e = d["map_extent_km"]
    h = d["height"]
    lo, hi = d["latitude_range_deg"]
    lines = [f"{d['file']}",
             f"  format      {d['format']}, {d['lines']:,} lines x {d['samples']:,} samples",
             f"  projection  {d['projection']}, central longitude {d['central_longitude_deg']:g}°, "
             f"sphere {d['sphere_radius_km']:g} km, k0 {d['scale_at_pole_k0']:g}",
             f"  resolution  {d['pixel_m']:g} m/px",
             f"  extent      x {e['x_min']:.3f} .. {e['x_max']:.3f} km, y {e['y_min']:.3f} .. {e['y_max']:.3f} km; "
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
