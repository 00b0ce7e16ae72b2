"""DEM files as users download them, opened memory-mapped: one entry point for every format.

* PDS3 ``.IMG`` + ``.LBL`` (LOLA GDR polar products, detached or attached label):
  :mod:`ilrs.environment.pds3`.
* GeoTIFF ``.tif``/``.tiff`` (the PGDA 5 m site DEMs, LDEM_80S_20MPP_ADJ.TIF …):
  :func:`ilrs.environment.geotiff.open_polar_stereo_geotiff` — memory-mapped when uncompressed
  and contiguous, decoded when small, refused with a one-line remedy otherwise.

Opening never reads the raster: a 30 000² LOLA tile opens in milliseconds with a few MiB of
memory (``bench/bench_dem_open.py``). :class:`ilrs.environment.terrain.PolarStereoDEM` wraps the
result (:meth:`~ilrs.environment.terrain.PolarStereoDEM.open`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ilrs.errors import InputError

MAX_ABS_HEIGHT_M = 20_000.0

PDS3_SUFFIXES = (".lbl", ".img")
GEOTIFF_SUFFIXES = (".tif", ".tiff")


@dataclass(frozen=True)
class DemGrid:
    """A DEM file's raster (stored numbers, possibly a ``np.memmap``) and its polar grid."""

    raw: np.ndarray
    scale_m: float
    offset_m: float
    nodata: float | None
    x0_m: float
    y0_m: float
    pixel_m: float
    south: bool
    lon0_deg: float
    radius_m: float
    k0: float
    source: str
    file_format: str          # "PDS3 LSB_INTEGER" / "GeoTIFF int16" …
    projection: str           # "POLAR STEREOGRAPHIC (south)"


def read_dem_grid(path: str | Path) -> DemGrid:
    """Open ``path`` by its suffix (see the module docstring), its heights checked on three rows
    (:func:`check_sample_heights`); a one-line error for anything else."""
    g = _open_grid(path)
    check_sample_heights(g)
    return g


def check_sample_heights(g: DemGrid) -> None:
    """Refuse a DEM whose heights, on its top, middle and bottom rows (contiguous reads: a few ms
    cold, whatever the file's size), leave ±20 km of the 1737.4 km sphere — the Moon's relief spans
    −9.1..+10.8 km (Smith et al. 2010, GRL 37, L18204): a wrong SCALING_FACTOR, OFFSET or unit."""
    nr = g.raw.shape[0]
    rows = np.asarray(g.raw[[0, nr // 2, nr - 1]], dtype=np.float64)
    if g.nodata is not None:
        rows = np.where(rows == g.nodata, np.nan, rows)
    h = rows * g.scale_m + g.offset_m
    bad = np.isinf(h) | (np.abs(np.nan_to_num(h)) > MAX_ABS_HEIGHT_M)
    if bad.any():
        v = float(h[bad][0])
        raise InputError(f"height {v:g} m (stored {float(rows[bad][0]):g} × {g.scale_m:g} + {g.offset_m:g}) is not "
                         f"within ±{MAX_ABS_HEIGHT_M / 1e3:g} km of the 1737.4 km sphere (the Moon's relief spans "
                         "-9.1..+10.8 km, LOLA): check SCALING_FACTOR, OFFSET and UNIT", file=g.source)


def _open_grid(path: str | Path) -> DemGrid:
    p = Path(path)
    suffix = p.suffix.lower()
    if not p.is_file():
        raise InputError("DEM file not found", file=str(p))
    if suffix in PDS3_SUFFIXES:
        from ilrs.environment.pds3 import read_pds3_dem

        d = read_pds3_dem(p)
        hemi = "south" if d.south else "north"
        return DemGrid(d.raw, d.scale_m, d.offset_m, d.nodata, d.x0_m, d.y0_m, d.pixel_m, d.south, d.lon0_deg,
                       d.radius_m, 1.0, str(d.label), f"PDS3 {d.sample_type} ({d.raw.dtype.str})",
                       f"POLAR STEREOGRAPHIC ({hemi} pole)")
    if suffix in GEOTIFF_SUFFIXES:
        from ilrs.environment.geotiff import open_polar_stereo_geotiff

        g = open_polar_stereo_geotiff(p)
        raw = g.heights_m
        mapped = isinstance(raw, np.memmap)
        return DemGrid(raw, 1.0, 0.0, g.nodata, g.x0_m, g.y0_m, g.pixel_m, True, g.lon0_deg, g.radius_m, g.k0,
                       str(p), f"GeoTIFF {raw.dtype} ({'memory-mapped' if mapped else 'decoded'})",
                       "POLAR STEREOGRAPHIC (south pole)")
    raise InputError(f"unknown DEM file type {p.suffix or '(none)'!r}", file=str(p),
                     allowed=["PDS3 .IMG/.LBL", "GeoTIFF .tif/.tiff"])
