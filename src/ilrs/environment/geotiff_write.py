"""Writing a raster (a DEM, a lit-fraction or coverage map) as a south polar-stereographic GeoTIFF.

The file carries the same georeferencing the reader (:mod:`ilrs.environment.geotiff`) checks and
that GDAL reads: ModelPixelScaleTag (33550), one ModelTiepointTag (33922) at the upper-left corner
of pixel [0, 0] (PixelIsArea), and a GeoKeyDirectoryTag (34735) for a user-defined projected system
with polar stereographic coordinates (ProjCoordTrans 15, GeoTIFF 1.0 spec §6.3.3.3) whose natural
origin is the south pole, its straight vertical pole longitude λ₀, scale k₀ and the Moon's sphere
(GeogSemiMajorAxis = GeogSemiMinorAxis = 1737.4 km). NaN is written as no-data (GDAL_NODATA 42113).
Written to a temporary name and renamed (:func:`ilrs._io.atomic_path`): nothing half-written is left.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ilrs.constants import MOON_RADIUS_M
from ilrs.errors import InputError


@dataclass(frozen=True)
class PolarGrid:
    """Where a raster lies on the south polar-stereographic plane: map coordinates (m) of the
    CENTRE of pixel [0, 0], square pixels of ``pixel_m`` (columns go +x, rows go −y)."""

    x0_m: float
    y0_m: float
    pixel_m: float
    lon0_deg: float = 0.0
    radius_m: float = MOON_RADIUS_M
    k0: float = 1.0


def write_polar_stereo_geotiff(path: str | Path, values: np.ndarray, grid: PolarGrid, *,
                               description: str = "") -> Path:
    """Write the 2-D ``values`` (float32; NaN = no-data) georeferenced by ``grid`` to ``path``."""
    import tifffile

    from ilrs._io import atomic_path, check_output_target

    z = np.asarray(values, dtype=np.float32)
    if z.ndim != 2 or min(z.shape) < 1:
        raise InputError(f"a GeoTIFF raster must be 2-D and non-empty, got shape {z.shape}", file=str(path))
    if not (np.isfinite(grid.pixel_m) and grid.pixel_m > 0):
        raise InputError(f"pixel size {grid.pixel_m!r} m must be finite and positive", file=str(path))
    target = check_output_target(path)
    x_ul, y_ul = grid.x0_m - grid.pixel_m / 2, grid.y0_m + grid.pixel_m / 2
    with atomic_path(target) as tmp:
        tifffile.imwrite(tmp, z, description=description or None, metadata=None, extratags=[
            (33550, "d", 3, (grid.pixel_m, grid.pixel_m, 0.0), False),
            (33922, "d", 6, (0.0, 0.0, 0.0, x_ul, y_ul, 0.0), False),
            (34735, "H", len(_KEYS), _KEYS, False),
            (34736, "d", 5, (-90.0, grid.lon0_deg, grid.k0, grid.radius_m, grid.radius_m), False),
            (42113, "s", 0, "nan", False),
        ])
    return target


_KEYS = (1, 1, 0, 9,
         1024, 0, 1, 1,           # GTModelType: projected
         1025, 0, 1, 1,           # GTRasterType: PixelIsArea
         3072, 0, 1, 32767,       # ProjectedCSType: user defined
         3075, 0, 1, 15,          # ProjCoordTrans: polar stereographic
         3081, 34736, 1, 0,       # ProjNatOriginLat = −90°
         3095, 34736, 1, 1,       # ProjStraightVertPoleLong = λ₀
         3092, 34736, 1, 2,       # ProjScaleAtNatOrigin = k₀
         2057, 34736, 1, 3,       # GeogSemiMajorAxis
         2058, 34736, 1, 4)       # GeogSemiMinorAxis
