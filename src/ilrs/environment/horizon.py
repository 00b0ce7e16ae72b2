"""Horizon masks: elevation of the local horizon as a function of azimuth.

Kinds: ``none`` (the astronomical horizon, 0°), ``sphere`` (a smooth Moon seen from ``h`` above
it: dip = −acos(r/(r+h)); for a site, r = 1737.4 km + the site's ground height and h its mast, so
the smooth-sphere horizon is the same whether the ground height came from a catalogue, a DEM or
0 m), ``table`` (a user's CSV/whitespace table of
azimuth_deg, elevation_deg) and ``dem`` (ray-marched from a DEM: :mod:`ilrs.environment.terrain`).
Azimuth from north through east, degrees; linear interpolation, periodic in azimuth.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ilrs.constants import MOON_RADIUS_M
from ilrs.errors import InputError


@dataclass(frozen=True)
class HorizonMask:
    """Horizon elevation (deg) sampled at ``azimuth_deg`` (sorted, in [0, 360)).

    ``ground_m``: the observer's ground height (m above the 1737.4 km sphere) the mask was computed
    for (terrain and sphere masks); None where the mask does not depend on it (none, table).
    """

    azimuth_deg: np.ndarray
    elevation_deg: np.ndarray
    kind: str = "table"
    source: str = ""
    ground_m: float | None = None

    def __post_init__(self):
        az = np.asarray(self.azimuth_deg, dtype=float) % 360.0
        el = np.asarray(self.elevation_deg, dtype=float)
        if az.shape != el.shape or az.ndim != 1 or len(az) == 0:
            raise InputError("azimuth and elevation must be 1-D arrays of equal, non-zero length",
                             field="horizon")
        if not np.all(np.isfinite(az)):
            raise InputError("horizon azimuths must be finite", field="horizon")
        if not np.all(np.isfinite(el)) or np.any(np.abs(el) > 90):
            raise InputError("horizon elevations must be finite and within ±90°", field="horizon")
        order = np.argsort(az, kind="stable")
        if len(az) > 1 and np.any(np.diff(az[order]) == 0):
            dup = az[order][np.flatnonzero(np.diff(az[order]) == 0)[0]]
            raise InputError(f"azimuth {dup:g}° given twice (azimuths are taken modulo 360°)", field="horizon")
        object.__setattr__(self, "azimuth_deg", az[order])
        object.__setattr__(self, "elevation_deg", el[order])

    def elevation_at(self, azimuth_deg) -> np.ndarray:
        """Horizon elevation (deg) at ``azimuth_deg`` (any shape), periodic linear interpolation."""
        az = np.asarray(azimuth_deg, dtype=float) % 360.0
        if len(self.azimuth_deg) == 1:
            return np.full(az.shape, self.elevation_deg[0])
        return np.interp(az, self.azimuth_deg, self.elevation_deg, period=360.0)

    @property
    def resolution_deg(self) -> float:
        if len(self.azimuth_deg) < 2:
            return 360.0
        return float(np.max(np.diff(np.r_[self.azimuth_deg, self.azimuth_deg[0] + 360.0])))

    @property
    def max_elevation_deg(self) -> float:
        return float(self.elevation_deg.max())

    # -- constructors ------------------------------------------------------------------------
    @classmethod
    def none(cls) -> "HorizonMask":
        """The astronomical horizon (elevation 0° everywhere)."""
        return cls(np.array([0.0]), np.array([0.0]), kind="none", source="astronomical horizon")

    @classmethod
    def sphere(cls, observer_height_m: float, radius_m: float = MOON_RADIUS_M, *,
               ground_m: float | None = None) -> "HorizonMask":
        """Smooth sphere of ``radius_m`` seen from ``observer_height_m`` above it: dip acos(r/(r+h))
        (the geometric horizon of a sphere). For a site: ``observer_height_m`` = its mast and
        ``radius_m`` = 1737.4 km + its ground height (``ground_m``)."""
        h = max(float(observer_height_m), 0.0)
        dip = np.degrees(np.arccos(radius_m / (radius_m + h)))
        return cls(np.array([0.0]), np.array([0.0 - dip]), kind="sphere",
                   source=f"smooth sphere r={radius_m / 1000:.4f} km, observer {h:g} m above it",
                   ground_m=ground_m)

    @classmethod
    def from_table(cls, path: str | Path) -> "HorizonMask":
        """Read a two-column table (azimuth_deg, elevation_deg); CSV or whitespace; '#' comments and
        one header line allowed. At least two distinct azimuths (modulo 360°), none repeated, each
        within ±360°; elevations finite and within ±90°. Bounded before and while reading: the file
        within :func:`ilrs.limits.input_limit_bytes`, at most :data:`MAX_TABLE_ROWS` rows of
        at most :data:`MAX_LINE_CHARS` characters. Every error names the file (and the line)."""
        from ilrs.limits import refuse_oversized

        p = Path(path)
        if not p.is_file():
            raise InputError("horizon table not found", file=str(p), field="horizon")
        try:
            refuse_oversized(p, p.stat().st_size, "horizon table")
            with open(p, encoding="utf-8", errors="replace") as f:
                rows = _table_rows(f, str(p))
        except OSError as exc:
            raise InputError(f"cannot read the horizon table ({exc.strerror or exc.__class__.__name__})",
                             file=str(p), field="horizon") from None
        if len(rows) < 2:
            raise InputError("horizon table needs at least two distinct azimuths (rows of azimuth_deg, "
                             "elevation_deg)", file=str(p), field="horizon")
        a = np.array(rows)
        try:
            return cls(a[:, 0], a[:, 1], kind="table", source=str(p))
        except InputError as exc:
            raise InputError(exc.message, file=str(p), field="horizon") from None

    def to_table(self) -> str:
        lines = ["azimuth_deg,elevation_deg"]
        lines += [f"{a:.4f},{e:.5f}" for a, e in zip(self.azimuth_deg, self.elevation_deg)]
        return "\n".join(lines) + "\n"


MAX_TABLE_ROWS = 1_000_000
"""A horizon table's rows: 0.00036° apart at this count, far finer than any terrain horizon
(a 5 m/px LOLA DEM seen at 10 km resolves ~0.03°)."""
MAX_LINE_CHARS = 4096


def _table_rows(f, name: str) -> list[tuple[float, float]]:
    """(azimuth, elevation) rows of an open horizon table, validated line by line (streamed)."""
    rows: list[tuple[float, float]] = []
    seen: dict[float, int] = {}
    n = 0
    while True:
        line = f.readline(MAX_LINE_CHARS + 1)
        if not line:
            return rows
        n += 1
        if len(line) > MAX_LINE_CHARS:
            raise InputError(f"line {n} is longer than {MAX_LINE_CHARS} characters", file=name, field="horizon")
        s = line.split("#", 1)[0].strip()
        if not s:
            continue
        parts = s.replace(",", " ").replace(";", " ").split()
        try:
            az, el = float(parts[0]), float(parts[1])
        except (ValueError, IndexError):
            if rows:
                raise InputError(f"line {n}: expected two numbers 'azimuth_deg, elevation_deg'",
                                 file=name, field="horizon") from None
            continue  # header line
        if not (np.isfinite(az) and np.isfinite(el)) or abs(el) > 90 or abs(az) > 360:
            raise InputError(f"line {n}: azimuth {az:g}°, elevation {el:g}°: both must be finite, the azimuth "
                             "within ±360° and the elevation within ±90°", file=name, field="horizon")
        key = az % 360.0
        if key in seen:
            raise InputError(f"line {n}: azimuth {az:g}° repeats line {seen[key]} (azimuths are taken "
                             "modulo 360°)", file=name, field="horizon")
        if len(rows) >= MAX_TABLE_ROWS:
            raise InputError(f"more than {MAX_TABLE_ROWS:,} rows", file=name, field="horizon")
        seen[key] = n
        rows.append((az, el))
