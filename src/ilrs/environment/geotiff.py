"""Reading a user's polar-stereographic GeoTIFF DEM, validated where it enters (issue 16).

Everything the reader uses is checked before it is used, and a defect is refused with one line
naming the file and the tag or GeoKey (:class:`ilrs.errors.DatasetError`):

* size: the file (before it is opened) and the decoded raster (before it is decoded, at 24 bytes a
  pixel: float64 heights and two working copies) within :func:`ilrs.limits.input_limit_bytes`;
* raster: one band, a real numeric type, at least 2 × 2 pixels (bilinear sampling needs a cell);
* ModelPixelScaleTag (33550): 2-3 numbers, square pixels of 1 mm to 100 km (the finest lunar DEMs,
  LROC NAC stereo, are ~2 m/px; the coarsest polar LOLA grids ~1 km/px); ModelTiepointTag (33922):
  exactly one tiepoint, six finite numbers;
* GeoKeyDirectoryTag (34735): version 1, as many keys as its header declares, every key this reader
  uses stored inline or in GeoDoubleParamsTag (34736) within that tag's length;
* projection: projected model (GTModelType 1), polar stereographic (ProjCoordTrans 15) with its
  origin at the south pole (ProjNatOriginLat −90°); λ₀ within ±360°; the sphere the Moon's
  (GeogSemiMajorAxis 1737.4 km ± 1 %); k₀ within [0.5, 1] — the scale at the pole of a map true
  to scale at latitude φc is k₀ = (1 + |sin φc|)/2 (Snyder 1987, eq. 21-32), 1 when true at the
  pole, ½ when true at the equator; the raster on the pole's side of the equator (ρ ≤ 2·R·k₀);
* heights: NaN (and GDAL_NODATA, which must parse as a number) is no-data; ±inf is refused, and so
  is a raster without one value; |h| ≤ 20 km above the 1737.4 km sphere — the Moon's whole relief
  spans 19.9 km, from −9.1 km to +10.8 km (Smith et al. 2010, GRL 37, L18204, LOLA), so no
  point lies more than 11 km from that sphere.
"""

from __future__ import annotations

import logging
import math
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ilrs.constants import MOON_RADIUS_M
from ilrs.limits import refuse_oversized
from ilrs.errors import DatasetError, IlrsError, InputError

MAX_ABS_HEIGHT_M = 20_000.0
PIXEL_M_RANGE = (1e-3, 1e5)
K0_RANGE = (0.5, 1.0)
RADIUS_TOLERANCE = 0.01
BYTES_PER_PIXEL = 24
PIXEL_SCALE, TIEPOINT, GEOKEYS, GEODOUBLES, NODATA = 33550, 33922, 34735, 34736, 42113
KEY_NAMES = {1024: "GTModelTypeGeoKey", 1025: "GTRasterTypeGeoKey", 2057: "GeogSemiMajorAxisGeoKey",
             3075: "ProjCoordTransGeoKey", 3080: "ProjNatOriginLongGeoKey", 3081: "ProjNatOriginLatGeoKey",
             3082: "ProjFalseEastingGeoKey", 3083: "ProjFalseNorthingGeoKey", 3085: "ProjCenterLatGeoKey",
             3092: "ProjScaleAtNatOriginGeoKey", 3095: "ProjStraightVertPoleLongGeoKey"}


@dataclass(frozen=True)
class GeoTiffGrid:
    """What a polar-stereographic GeoTIFF says: heights (m) and the grid of pixel centres."""

    heights_m: np.ndarray
    x0_m: float
    y0_m: float
    pixel_m: float
    lon0_deg: float
    radius_m: float
    k0: float
    nodata: float | None = None    # set by :func:`open_polar_stereo_geotiff`: heights_m is then raw


def read_polar_stereo_geotiff(path: str | Path, height_scale: float = 1.0) -> GeoTiffGrid:
    """Read and validate a south polar-stereographic GeoTIFF (see the module docstring)."""
    p = Path(path)
    if not p.is_file():
        raise InputError("DEM file not found", file=str(p), field="horizon")
    if not (math.isfinite(height_scale) and height_scale != 0):
        raise InputError(f"height scale {height_scale!r} must be a finite non-zero number", file=str(p))
    refuse_oversized(p, p.stat().st_size, "GeoTIFF file")
    z, tags = _read_raster(p)
    ti, tj, tx, ty, sx, sy = _grid(p, tags)
    keys = _geokeys(p, tags)
    lon0, radius, k0, fe, fn = _projection(p, keys)
    off = 0.0 if keys.get(1025, 1) == 2 else 0.5  # GTRasterTypeGeoKey: 1 PixelIsArea, 2 PixelIsPoint
    x0 = tx + (off - ti) * sx - fe
    y0 = ty - (off - tj) * sy - fn
    _check_extent(p, z.shape, x0, y0, sx, radius, k0)
    return GeoTiffGrid(_heights(p, z, tags, height_scale), x0, y0, sx, lon0, radius, k0)


@contextmanager
def _quiet_tifffile():
    """tifffile logs malformed tags on stderr; the reader reports what matters in its one line."""
    log = logging.getLogger("tifffile")
    level = log.level
    log.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        log.setLevel(level)


def _read_raster(p: Path) -> tuple[np.ndarray, dict]:
    """(raster as stored, {tag code: value}) of the first page, its size checked before decoding."""
    import tifffile

    try:
        with _quiet_tifffile(), tifffile.TiffFile(p) as tif:
            if not len(tif.pages):
                raise DatasetError("the GeoTIFF holds no image", file=str(p))
            page = tif.pages[0]
            _check_raster(p, tuple(page.shape), page.dtype)
            tags = {t.code: t.value for t in page.tags.values()}
            z = page.asarray()
    except IlrsError:
        raise
    except Exception as exc:  # noqa: BLE001 - tifffile raises many kinds on a damaged file
        why = " ".join(f"{exc.__class__.__name__}: {exc}".split())[:200]
        raise DatasetError(f"not a readable GeoTIFF ({why})", file=str(p)) from None
    if z.shape != tuple(page.shape):
        raise DatasetError(f"raster decoded as {z.shape}, not the {page.shape} its tags declare", file=str(p))
    return z, tags


def _check_raster(p: Path, shape: tuple, dtype) -> None:
    if len(shape) != 2:
        raise DatasetError(f"expected a single-band 2-D raster, got shape {shape}", file=str(p))
    if min(shape) < 2:
        raise DatasetError(f"raster of {shape[0]} x {shape[1]} pixels: at least 2 x 2 are needed "
                           "(heights are interpolated between pixel centres)", file=str(p))
    if dtype is None or np.dtype(dtype).kind not in "iuf":
        raise DatasetError(f"pixel type {dtype} is not a real number (allowed: integers, floats)", file=str(p))
    refuse_oversized(p, shape[0] * shape[1] * BYTES_PER_PIXEL,
                     f"raster of {shape[0]} x {shape[1]} pixels (float64 and working copies in memory)")


def _numbers(p: Path, tags: dict, code: int, name: str) -> np.ndarray:
    """The values of a numeric tag as float64; refused when missing, text or bytes."""
    value = tags.get(code)
    if value is None:
        raise DatasetError("missing: no GeoTIFF georeference (ModelPixelScaleTag + ModelTiepointTag needed)",
                           file=str(p), field=f"{name} ({code})")
    if isinstance(value, (str, bytes)):
        raise DatasetError("holds text or bytes, not numbers", file=str(p), field=f"{name} ({code})")
    try:
        return np.atleast_1d(np.asarray(value, dtype=np.float64)).ravel()
    except (TypeError, ValueError):
        raise DatasetError("holds values that are not numbers", file=str(p), field=f"{name} ({code})") from None


def _grid(p: Path, tags: dict) -> tuple[float, float, float, float, float, float]:
    """(I, J, X, Y of the tiepoint, pixel sizes x, y in metres), validated."""
    scale = _numbers(p, tags, PIXEL_SCALE, "ModelPixelScaleTag")
    field = f"ModelPixelScaleTag ({PIXEL_SCALE})"
    if len(scale) not in (2, 3):
        raise DatasetError(f"{len(scale)} values (allowed: 3: ScaleX, ScaleY, ScaleZ)", file=str(p), field=field)
    sx, sy = float(scale[0]), float(scale[1])
    lo, hi = PIXEL_M_RANGE
    for v in (sx, sy):
        if not (math.isfinite(v) and lo <= v <= hi):
            raise DatasetError(f"pixel size {v:g} m out of range", file=str(p), field=field,
                               allowed=f"finite, {lo:g} m ≤ size ≤ {hi:g} m")
    if abs(sx - sy) > 1e-6 * max(sx, sy):
        raise DatasetError(f"non-square pixels {sx} x {sy} m are not supported", file=str(p), field=field)
    tie = _numbers(p, tags, TIEPOINT, "ModelTiepointTag")
    field = f"ModelTiepointTag ({TIEPOINT})"
    if len(tie) != 6:
        raise DatasetError(f"{len(tie)} values (allowed: one tiepoint of 6: I, J, K, X, Y, Z)",
                           file=str(p), field=field)
    if not np.all(np.isfinite(tie)):
        raise DatasetError(f"non-finite value in {[float(v) for v in tie]}", file=str(p), field=field)
    ti, tj, _, tx, ty, _ = (float(v) for v in tie)
    return ti, tj, tx, ty, sx, sy


def _geokeys(p: Path, tags: dict) -> dict[int, float]:
    """The GeoKeys this reader uses, from GeoKeyDirectoryTag (34735) and GeoDoubleParamsTag (34736)."""
    raw = tags.get(GEOKEYS)
    if raw is None:
        return {}
    field = f"GeoKeyDirectoryTag ({GEOKEYS})"
    d = _numbers(p, tags, GEOKEYS, "GeoKeyDirectoryTag")
    if not np.all(np.isfinite(d) & (d >= 0) & (d == np.round(d)) & (d <= 65535)):
        raise DatasetError("values must be whole numbers 0..65535 (TIFF SHORT)", file=str(p), field=field)
    d = d.astype(np.int64)
    if len(d) < 4 or d[0] != 1:
        raise DatasetError(f"header {d[:4].tolist()} is not a version-1 directory", file=str(p), field=field)
    if len(d) != 4 + 4 * int(d[3]):
        raise DatasetError(f"declares {int(d[3])} keys but holds {(len(d) - 4) / 4:g}", file=str(p), field=field)
    doubles = _numbers(p, tags, GEODOUBLES, "GeoDoubleParamsTag") if GEODOUBLES in tags else np.zeros(0)
    out: dict[int, float] = {}
    for key, loc, count, val in d[4:].reshape(-1, 4).tolist():
        if key not in KEY_NAMES:
            continue
        where = f"{field}: {KEY_NAMES[key]} ({key})"
        if loc == 0:
            out[key] = float(val)
        elif loc == GEODOUBLES and count >= 1 and val + count <= len(doubles):
            out[key] = float(doubles[val])
        elif loc == GEODOUBLES:
            raise DatasetError(f"points at GeoDoubleParamsTag[{val}:{val + count}], which holds {len(doubles)} "
                               "values", file=str(p), field=where)
        else:
            raise DatasetError(f"stored in tag {loc}, not a number (allowed: inline, or GeoDoubleParamsTag "
                               f"{GEODOUBLES})", file=str(p), field=where)
    return out


def _projection(p: Path, keys: dict[int, float]) -> tuple[float, float, float, float, float]:
    """(λ₀ deg, R m, k₀, false easting m, false northing m) of a south polar stereographic map."""
    def refuse(key: int, message: str, allowed: str):
        raise DatasetError(message, file=str(p), field=f"{KEY_NAMES[key]} ({key})", allowed=allowed)

    if keys.get(1024, 1) != 1:
        refuse(1024, f"model type {keys[1024]:g} is not a projected map", "1 (projected)")
    if keys.get(1025, 1) not in (1, 2):
        refuse(1025, f"raster type {keys[1025]:g}", "1 (PixelIsArea), 2 (PixelIsPoint)")
    if keys.get(3075, 15) != 15:
        refuse(3075, f"coordinate transformation {keys[3075]:g} is not polar stereographic", "15")
    lat_key = 3081 if 3081 in keys else 3085
    lat0 = keys.get(lat_key, -90.0)
    if lat0 != -90.0:
        refuse(lat_key, f"origin latitude {lat0:g}°: only a polar stereographic map of the south pole is read",
               "-90 (a true-scale latitude φc goes in ProjScaleAtNatOriginGeoKey as (1 + |sin φc|)/2)")
    lon_key = 3095 if 3095 in keys else 3080
    lon0 = keys.get(lon_key, 0.0)
    if not (math.isfinite(lon0) and abs(lon0) <= 360.0):
        refuse(lon_key, f"central meridian {lon0:g}° out of range", "-360..360")
    radius = keys.get(2057, MOON_RADIUS_M)
    if not (math.isfinite(radius) and abs(radius / MOON_RADIUS_M - 1.0) <= RADIUS_TOLERANCE):
        refuse(2057, f"sphere radius {radius:g} m is not the Moon's",
               f"{MOON_RADIUS_M:g} m ± {RADIUS_TOLERANCE:.0%}, the sphere lunar heights refer to")
    k0 = keys.get(3092, 1.0)
    if not (math.isfinite(k0) and K0_RANGE[0] <= k0 <= K0_RANGE[1]):
        refuse(3092, f"scale factor k0 {k0:g} out of range", "0.5..1, (1 + |sin φc|)/2 for a true-scale latitude φc")
    fe, fn = keys.get(3082, 0.0), keys.get(3083, 0.0)
    for key, v in ((3082, fe), (3083, fn)):
        if not math.isfinite(v):
            refuse(key, f"{v:g} is not finite", "a finite number of metres")
    return lon0, radius, k0, fe, fn


def _check_extent(p: Path, shape: tuple, x0: float, y0: float, px: float, radius: float, k0: float) -> None:
    """The raster's corners on the pole's side of the equator, where the projection is defined."""
    nr, nc = shape
    xs = np.array([x0 - px / 2, x0 + (nc - 0.5) * px])
    ys = np.array([y0 + px / 2, y0 - (nr - 0.5) * px])
    rho = np.hypot(xs[:, None], ys[None, :])
    equator = 2.0 * radius * k0
    if not np.all(np.isfinite(rho)) or rho.max() > equator:
        raise DatasetError(f"the raster reaches {float(np.nanmax(rho)) / 1e3:.4g} km from the pole on the map, "
                           f"beyond the equator ({equator / 1e3:.1f} km): a tiepoint, pixel size or false "
                           "easting/northing out of range", file=str(p), field=f"ModelTiepointTag ({TIEPOINT})")


def _nodata(p: Path, tags: dict) -> float | None:
    value = tags.get(NODATA)
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    try:
        return float(value) if isinstance(value, (int, float, np.number)) else float(text.strip("\x00 "))
    except ValueError:
        raise DatasetError(f"{text[:40]!r} is not a number", file=str(p), field=f"GDAL_NODATA ({NODATA})") from None


def _heights(p: Path, raw: np.ndarray, tags: dict, height_scale: float) -> np.ndarray:
    """Heights in metres: no-data → NaN; every other value finite and within ±20 km."""
    z = raw.astype(np.float64)
    nodata = _nodata(p, tags)
    if nodata is not None and not math.isnan(nodata):
        z[z == nodata] = np.nan
    with np.errstate(over="ignore", invalid="ignore"):
        z = z * height_scale
    bad = np.isinf(z) | (np.abs(np.nan_to_num(z)) > MAX_ABS_HEIGHT_M)
    if bad.any():
        r, c = (int(v) for v in np.argwhere(bad)[0])
        raise DatasetError(f"height {z[r, c]:g} m at pixel (row {r}, column {c}) ({int(bad.sum())} such pixels) "
                           f"is not within ±{MAX_ABS_HEIGHT_M / 1e3:g} km of the 1737.4 km sphere (the Moon's "
                           "relief spans -9.1..+10.8 km, LOLA)", file=str(p))
    if np.isnan(z).all():
        raise DatasetError("no height values: every pixel is no-data (NaN or GDAL_NODATA)", file=str(p))
    return z


def open_polar_stereo_geotiff(path: str | Path) -> GeoTiffGrid:
    """The same GeoTIFF, memory-mapped when it can be: uncompressed and stored in one contiguous
    block (strips in order, as ``gdal_translate -co TILED=NO -co COMPRESS=NONE`` writes it), the
    raster stays on disk as an ``np.memmap`` of its stored numbers (``heights_m`` raw; no-data in
    ``nodata``), opened in milliseconds whatever its size; its georeference is validated as by
    :func:`read_polar_stereo_geotiff`, its heights on three rows
    (:func:`ilrs.environment.dem_files.read_dem_grid`). Otherwise
    (compressed or tiled) it is decoded whole as before when within the input size limit, and
    refused with one line when not — saying how to rewrite it so that it maps."""
    p = Path(path)
    if not p.is_file():
        raise InputError("DEM file not found", file=str(p), field="horizon")
    raw, tags = _map_raster(p)
    if raw is None:
        return read_polar_stereo_geotiff(p)
    ti, tj, tx, ty, sx, sy = _grid(p, tags)
    keys = _geokeys(p, tags)
    lon0, radius, k0, fe, fn = _projection(p, keys)
    off = 0.0 if keys.get(1025, 1) == 2 else 0.5
    x0 = tx + (off - ti) * sx - fe
    y0 = ty - (off - tj) * sy - fn
    _check_extent(p, raw.shape, x0, y0, sx, radius, k0)
    nodata = _nodata(p, tags)
    return GeoTiffGrid(raw, x0, y0, sx, lon0, radius, k0, nodata=nodata)


def _map_raster(p: Path) -> tuple[np.ndarray | None, dict]:
    """(np.memmap of the first page, its tags), or (None, {}) when the page cannot be mapped and is
    small enough to decode; a page too big to decode and not mappable is refused."""
    import tifffile

    try:
        with _quiet_tifffile(), tifffile.TiffFile(p) as tif:
            if not len(tif.pages):
                raise DatasetError("the GeoTIFF holds no image", file=str(p))
            page = tif.pages[0]
            shape, dtype = tuple(page.shape), page.dtype
            if len(shape) != 2 or dtype is None or np.dtype(dtype).kind not in "iuf" or min(shape) < 2:
                _check_raster(p, shape, dtype)
            tags = {t.code: t.value for t in page.tags.values()}
            mappable = bool(page.is_memmappable)
            offset = int(page.dataoffsets[0]) if mappable else 0
            dtype = np.dtype(dtype).newbyteorder(tif.byteorder)
            compression = getattr(page.compression, "name", str(page.compression))
            tiled = bool(page.is_tiled)
    except IlrsError:
        raise
    except Exception as exc:  # noqa: BLE001 - tifffile raises many kinds on a damaged file
        why = " ".join(f"{exc.__class__.__name__}: {exc}".split())[:200]
        raise DatasetError(f"not a readable GeoTIFF ({why})", file=str(p)) from None
    if not mappable:
        from ilrs.limits import input_limit_bytes

        limit, _ = input_limit_bytes()
        if shape[0] * shape[1] * BYTES_PER_PIXEL > limit:
            raise DatasetError(f"a {'tiled' if tiled else 'striped'} {compression} GeoTIFF of {shape[0]} x {shape[1]} "
                               "pixels cannot be memory-mapped and is too big to decode; rewrite it uncompressed "
                               "and striped (gdal_translate -co TILED=NO -co COMPRESS=NONE IN.tif OUT.tif)",
                               file=str(p))
        return None, {}
    if offset + shape[0] * shape[1] * dtype.itemsize > p.stat().st_size:
        raise DatasetError(f"truncated: {p.stat().st_size:,} bytes hold less than the {shape[0]} x {shape[1]} "
                           "raster its tags declare", file=str(p))
    return np.memmap(p, dtype=dtype, mode="r", offset=offset, shape=shape), tags
