"""The environment timeline of a scenario: one vectorized pass over its time grid, cached on disk.

``timeline_of(setup)`` (a :class:`ilrs.environment.setup.SiteSetup`) → :class:`EnvironmentTimeline` with a pandas table indexed by
UTC epoch (columns: sun_azimuth_deg, sun_elevation_deg, sun_horizon_deg, visible_solar_fraction,
irradiance_w_m2, earth_azimuth_deg, earth_elevation_deg, earth_horizon_deg, earth_visible, …),
the site, its horizon mask and the span statistics. Higher layers read it through
:meth:`ilrs.environment.EnvironmentProducts.track`, which computes only the epochs it does not
cover (an operations window past the span).

Cache: one checked file per key under ``$ILRS_CACHE_DIR`` (default ``~/.cache/ilrs``)/``environment/``,
keyed by a SHA-256 of every input (site, horizon model and the bytes of a user file, span, step,
kernel file names and sizes, and :data:`CACHE_VERSION`). The entry (:func:`ilrs._io.write_entry`)
holds the key, the SHA-256 of its payload (the track's columns as ``.npz``, the horizon and site as JSON) and
the payload, written whole and renamed. A truncated, garbled, stale (another key) or checksum-failing
entry is deleted with a one-line warning (logger ``ilrs.cache``) and recomputed; a cache that cannot
be written is skipped.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ilrs._compiled import kernels_choice
from ilrs._io import DamagedEntry, discard_entry, read_entry, write_entry
from ilrs.constants import SECONDS_PER_HOUR
from ilrs.environment.ephemeris import ephemeris_for
from ilrs.environment.horizon import HorizonMask
from ilrs.environment.illumination import SpanStatistics, span_statistics
from ilrs.environment.sites import Site
from ilrs.environment.sky import SkyTrack, sun_earth_azel
from ilrs.errors import IlrsError

CACHE_VERSION = "env-timeline-4"
"""env-timeline-3: one checked entry per key (key and checksum inside), not Parquet + JSON beside it;
env-timeline-4: the track as an ``.npz`` of its columns (no pandas, no Parquet: 0.25 s less per write)."""
DEFAULT_STEP_S = SECONDS_PER_HOUR
COLUMNS = ["sun_azimuth_deg", "sun_elevation_deg", "sun_distance_m", "sun_horizon_deg",
           "visible_solar_fraction", "irradiance_w_m2", "earth_azimuth_deg", "earth_elevation_deg",
           "earth_distance_m", "earth_horizon_deg", "earth_visible"]
log = logging.getLogger("ilrs.cache")


def cache_dir() -> Path:
    """``$ILRS_CACHE_DIR`` or ``~/.cache/ilrs`` (never inside the package)."""
    base = os.environ.get("ILRS_CACHE_DIR")
    return Path(base) if base else Path.home() / ".cache" / "ilrs"


@dataclass(frozen=True)
class EnvironmentTimeline:
    """What the scenario's site sees at every epoch of the grid, plus its summary."""

    site: Site
    horizon: HorizonMask
    track: SkyTrack
    statistics: SpanStatistics
    step_s: float
    cache_key: str = ""
    from_cache: bool = False

    @property
    def times(self) -> np.ndarray:
        return self.track.times

    def to_frame(self):
        """pandas DataFrame indexed by UTC epoch (``datetime64[ns]``)."""
        return self.track.to_frame()

    def column(self, name: str) -> np.ndarray:
        return getattr(self.track, name)


def _horizon_key(kind: str) -> str:
    if kind in ("none", "sphere", "dem"):
        return kind
    p = Path(kind)
    if p.is_file() and p.suffix.lower() in (".img", ".lbl"):  # a LOLA DEM of gigabytes: not read whole
        from ilrs.environment.dem_info import dems_identity

        return dems_identity([p])[0]
    if p.is_file():
        return f"{p.name}:{hashlib.sha256(p.read_bytes()).hexdigest()}"
    return kind


def site_identity(site: Site, horizon_kind: str, start, end, *, dems=()) -> dict[str, Any]:
    """What a product of ``site`` over [start, end] depends on besides its grid: the site, its
    horizon model (a user file by the hash of its bytes) and the ephemeris kernels that cover the
    span. Cache keys of every site product include it, so an edited horizon file is never stale."""
    eph = ephemeris_for(np.array([np.datetime64(start, "ns"), np.datetime64(end, "ns")]))
    from ilrs.environment.terrain import HORIZON_MARCH

    out = {"site": site.to_dict(), "horizon": _horizon_key(horizon_kind), "horizon_march": HORIZON_MARCH,
           "kernels": [(p.name, p.stat().st_size) for p in eph.kernel_files]}
    if dems:
        from ilrs.environment.dem_info import dems_identity

        out["dems"] = dems_identity(dems)
    return out


def _key(site: Site, horizon_kind: str, start, end, step_s: float, dems=()) -> str:
    payload = {"v": CACHE_VERSION, "kernels": kernels_choice(), **site_identity(site, horizon_kind, start, end,
                                                                                dems=dems),
               "start": str(start), "end": str(end), "step_s": step_s}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:32]


def check_study_span(start: np.datetime64, end: np.datetime64) -> None:
    """Refuse a span the ephemerides do not cover (one-line error on the ``span`` field)."""
    from ilrs.environment.time import check_span
    from ilrs.errors import InputError

    try:
        check_span(np.array([np.datetime64(start, "ns"), np.datetime64(end, "ns")]))
    except InputError as exc:
        raise InputError(f"the environment covers only part of the span ({exc.message})", field="span",
                         allowed=exc.allowed) from None


def timeline_of(setup: Any, *, use_cache: bool = True) -> EnvironmentTimeline:
    """The timeline of a :class:`ilrs.environment.setup.SiteSetup` over its study grid; the setup's
    horizon is ray-marched only when the disk cache misses (and then kept by the setup)."""
    site, start, end = setup.declared_site, setup.start, setup.end
    key = _key(site, setup.horizon_kind, start, end, setup.step_s, getattr(setup, "dems", ()))
    folder = cache_dir() / "environment"
    if use_cache:
        hit = _read_cache(folder, key, site, setup.step_s)
        if hit is not None:
            return hit
    track = sun_earth_azel(setup.site, setup.times(), setup.horizon)
    tl = EnvironmentTimeline(setup.site, setup.horizon, track, span_statistics(track, setup.step_s), setup.step_s,
                             key, False)
    if use_cache:
        _write_cache(folder, key, tl)
    return tl


def _write_cache(folder: Path, key: str, tl: EnvironmentTimeline) -> None:
    buf = io.BytesIO()
    np.savez(buf, times=tl.track.times.astype("datetime64[ns]").view(np.int64),
             **{c: np.asarray(getattr(tl.track, c)) for c in COLUMNS})
    meta = {"horizon": {"azimuth_deg": tl.horizon.azimuth_deg.tolist(),
                        "elevation_deg": tl.horizon.elevation_deg.tolist(),
                        "kind": tl.horizon.kind, "source": tl.horizon.source,
                        "ground_m": tl.horizon.ground_m},
            "site": tl.site.to_dict()}
    try:
        write_entry(folder / f"{key}.entry", key, {"track": buf.getvalue(), "meta": json.dumps(meta).encode()})
    except (OSError, IlrsError):
        pass


def _read_cache(folder: Path, key: str, site: Site, step_s: float) -> EnvironmentTimeline | None:
    path = folder / f"{key}.entry"
    try:
        parts = read_entry(path, key)
        if parts is None:
            return None
        with np.load(io.BytesIO(parts["track"]), allow_pickle=False) as z:
            cols = {c: z[c] for c in COLUMNS}
            times = z["times"].view("datetime64[ns]")
        meta = json.loads(parts["meta"])
        h = meta["horizon"]
        mask = HorizonMask(np.array(h["azimuth_deg"]), np.array(h["elevation_deg"]), h["kind"], h["source"],
                           ground_m=h.get("ground_m"))
        if mask.ground_m is not None and mask.ground_m != site.height_m:
            site = site.with_height(mask.ground_m)
        cols["earth_visible"] = cols["earth_visible"].astype(bool)
        track = SkyTrack(times=times, **cols)
    except Exception as exc:  # a damaged cache is recomputed, never trusted
        reason = str(exc) if isinstance(exc, DamagedEntry) else f"unreadable: {type(exc).__name__}"
        log.warning("ilrs: environment cache entry %s is damaged: %s; deleted, recomputing", path.name, reason)
        discard_entry(path)
        return None
    return EnvironmentTimeline(site, mask, track, span_statistics(track, step_s), step_s, key, True)
