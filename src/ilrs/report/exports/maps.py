"""GeoTIFF maps through the one writer (:func:`ilrs.environment.geotiff_write.write_polar_stereo_geotiff`).

* Coverage: the comms layer computes relay availability on near-uniform rings of lat/lon points
  (:func:`ilrs.comms.coverage_map`). They are resampled onto a south polar-stereographic grid
  (the writer's projection: λ₀ = 0, k₀ = 1, 1737.4 km sphere) by linear interpolation in the
  projected plane (Delaunay triangles of the points, scipy ``griddata``); pixels outside the
  points' hull (beyond the cap) are no-data. The pixel is the coverage spacing / 2.
* Illumination: :func:`ilrs.environment.illumination_map` on a DEM already lies on that DEM's
  polar-stereographic grid: written on it unchanged (its pixel [0, 0] is the DEM's [rows[0], cols[0]]).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ilrs.constants import MOON_RADIUS_M


def polar_xy_m(lat_deg, lon_deg, lon0_deg: float = 0.0, radius_m: float = MOON_RADIUS_M):
    """South polar stereographic x, y (m) with k₀ = 1 (Snyder 1987 eqs. 21-33, 21-30, 21-31)."""
    rho = 2 * radius_m * np.tan(np.pi / 4 + np.radians(np.asarray(lat_deg, float)) / 2)
    dl = np.radians(np.asarray(lon_deg, float) - lon0_deg)
    return rho * np.sin(dl), rho * np.cos(dl)


def resample_to_polar(lat_deg, lon_deg, values, pixel_m: float):
    """(raster, PolarGrid) of scattered values on a square polar grid covering the points."""
    from scipy.interpolate import griddata

    from ilrs.environment.geotiff_write import PolarGrid

    x, y = polar_xy_m(lat_deg, lon_deg)
    half = float(np.max(np.hypot(x, y)))
    n = int(np.ceil(2 * half / pixel_m))
    centres = -half + (np.arange(n) + 0.5) * pixel_m
    gx, gy = np.meshgrid(centres, centres[::-1])  # rows go −y
    raster = griddata(np.column_stack([x, y]), np.asarray(values, float), (gx, gy), method="linear")
    return raster.astype(np.float32), PolarGrid(float(centres[0]), float(centres[-1]), float(pixel_m))


def write_coverage_geotiff(path: Path, points, availability, *, spacing_km: float, description: str = "") -> Path:
    """Relay availability (fraction 0..1) of the coverage points as a polar GeoTIFF."""
    from ilrs.environment.geotiff_write import write_polar_stereo_geotiff

    raster, grid = resample_to_polar(points.lat_deg, points.lon_deg, availability, spacing_km * 1e3 / 2)
    return write_polar_stereo_geotiff(path, raster, grid, description=description or
                                      "relay availability fraction (ilrs comms coverage), polar stereographic")


def write_illumination_geotiff(path: Path, dem, lit_map, *, description: str = "") -> Path:
    """An :class:`~ilrs.environment.IlluminationMap` on its DEM's grid (lit fraction 0..1)."""
    from ilrs.environment.geotiff_write import PolarGrid, write_polar_stereo_geotiff

    r0, c0 = lit_map.rows[0], lit_map.cols[0]
    x0, y0 = dem.pixel_to_xy(r0, c0)
    grid = PolarGrid(float(x0), float(y0), float(dem.pixel_m), lon0_deg=float(dem.lon0_deg),
                     radius_m=float(dem.radius_m), k0=float(dem.k0))
    return write_polar_stereo_geotiff(path, lit_map.lit_fraction, grid, description=description or
                                      f"fraction of time lit (ilrs illumination_map, {lit_map.samples} epochs)")
