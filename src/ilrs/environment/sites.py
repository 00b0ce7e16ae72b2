"""Lunar surface sites: the packaged catalogue and user coordinates, with local (ENU) geometry.

Coordinates are planetocentric latitude / east longitude in the Moon mean-Earth/polar-axis (ME)
frame, heights above the 1737.4 km reference sphere. The local frame follows skyfield's
``PlanetTopos``: up = radial, east = d/d(lon), north = up × east; azimuth from north through east.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ilrs.constants import MOON_RADIUS_M
from ilrs.data import sites_catalogue
from ilrs.environment.ephemeris import icrf_to_moon_me
from ilrs.errors import NotFoundError


@dataclass(frozen=True)
class Site:
    """A point on (or above) the lunar surface.

    ``height_m`` is the ground height above the 1737.4 km sphere; ``mast_height_m`` the height of the
    instrument (solar panel, antenna) above the ground. The observer stands at their sum.
    """

    name: str
    lat_deg: float
    lon_deg: float
    height_m: float = 0.0
    mast_height_m: float = 0.0
    label: str = ""
    sources: tuple[str, ...] = ()
    uncertain: bool = False
    note: str = ""
    _enu: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        lat, lon = np.radians(self.lat_deg), np.radians(self.lon_deg)
        up = np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
        east = np.array([-np.sin(lon), np.cos(lon), 0.0])
        north = np.cross(up, east)
        object.__setattr__(self, "_enu", np.array([east, north, up]))

    # -- geometry ----------------------------------------------------------------------------
    @property
    def observer_height_m(self) -> float:
        return float(self.height_m + self.mast_height_m)

    @property
    def radius_m(self) -> float:
        """Distance of the observer (ground + mast) from the Moon's centre."""
        return MOON_RADIUS_M + self.observer_height_m

    @property
    def position_me_m(self) -> np.ndarray:
        """Observer position (3,) in the Moon ME frame, metres."""
        return self._enu[2] * self.radius_m

    @property
    def enu_matrix(self) -> np.ndarray:
        """3×3 matrix whose rows are the east, north, up unit vectors in ME axes (``enu = M @ v_me``)."""
        return self._enu.copy()

    def to_enu(self, vectors_me: np.ndarray) -> np.ndarray:
        """ME vectors (…,3) to local east/north/up components (…,3)."""
        v = np.asarray(vectors_me, dtype=float)
        m = self._enu
        # explicit sums: numpy's matmul with an inner dimension of 3 is ~10x slower on long arrays
        x, y, z = v[..., 0], v[..., 1], v[..., 2]
        return np.stack([m[i, 0] * x + m[i, 1] * y + m[i, 2] * z for i in range(3)], axis=-1)

    def azel_me(self, vectors_me: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(azimuth_deg in [0,360), elevation_deg) of ME direction vectors (…,3)."""
        v = np.asarray(vectors_me, dtype=float)
        m = self._enu
        x, y, z = v[..., 0], v[..., 1], v[..., 2]
        e, n, u = (m[i, 0] * x + m[i, 1] * y + m[i, 2] * z for i in range(3))
        el = np.degrees(np.arctan2(u, np.hypot(e, n)))
        az = np.degrees(np.arctan2(e, n)) % 360.0
        return az, el

    def azel_icrf(self, vectors_icrf: np.ndarray, times: Any) -> tuple[np.ndarray, np.ndarray]:
        """(azimuth_deg, elevation_deg) of ICRF direction vectors (n,3) at UTC ``times`` (n)."""
        r = icrf_to_moon_me(times)
        return self.azel_me(np.einsum("nij,nj->ni", r, np.atleast_2d(vectors_icrf)))

    def position_icrf_m(self, times: Any) -> np.ndarray:
        """Observer position (n,3), metres, Moon-centred ICRF axes, at UTC ``times``.

        For a line of sight to a spacecraft with Moon-centred ICRF position ``r`` (n,3):
        ``site.azel_icrf(r - site.position_icrf_m(t), t)``.
        """
        from ilrs.environment.ephemeris import moon_me_to_icrf

        return np.einsum("nij,j->ni", moon_me_to_icrf(times), self.position_me_m)

    def with_mast(self, mast_height_m: float) -> "Site":
        return Site(self.name, self.lat_deg, self.lon_deg, self.height_m, mast_height_m,
                    self.label, self.sources, self.uncertain, self.note)

    def with_height(self, height_m: float) -> "Site":
        """The same site with its ground at ``height_m`` (e.g. the ground a horizon mask used)."""
        return Site(self.name, self.lat_deg, self.lon_deg, float(height_m), self.mast_height_m,
                    self.label, self.sources, self.uncertain, self.note)

    def to_dict(self) -> dict:
        return {"name": self.name, "lat_deg": self.lat_deg, "lon_deg": self.lon_deg,
                "height_m": self.height_m, "mast_height_m": self.mast_height_m,
                "label": self.label, "sources": list(self.sources), "uncertain": self.uncertain}


def site_names() -> list[str]:
    """Names of the packaged catalogue sites."""
    return [s["name"] for s in sites_catalogue()["sites"]]


def site_sources() -> dict[str, str]:
    """Source id → full reference of the site catalogue."""
    return {s["id"]: s["ref"] for s in sites_catalogue().get("sources", [])}


def published_figures(name: str) -> list[dict]:
    """Published illumination figures for a catalogue site (``published`` in sites.yaml), each
    with quantity, mast_height_m, value (a number or a [low, high] range), span and source id."""
    for s in sites_catalogue()["sites"]:
        if s["name"] == name:
            return [dict(p) for p in s.get("published", [])]
    return []


def get_site(name: str, *, mast_height_m: float = 0.0, height_m: float | None = None) -> Site:
    """A catalogue site by name. Ground height: ``height_m`` if given, else the catalogue's, else
    the packaged coarse DEM's height at the point (see :func:`ilrs.environment.dem.ground_height_m`)."""
    for s in sites_catalogue()["sites"]:
        if s["name"] == name:
            h = height_m if height_m is not None else s.get("height_m")
            if h is None:
                from ilrs.environment.dem import ground_height_m
                h = float(ground_height_m(s["lat_deg"], s["lon_deg"]))
            return Site(name=s["name"], lat_deg=float(s["lat_deg"]), lon_deg=float(s["lon_deg"]),
                        height_m=float(h), mast_height_m=float(mast_height_m), label=s.get("label", ""),
                        sources=tuple(s.get("sources", ())), uncertain=bool(s.get("uncertain", False)),
                        note=s.get("note", ""))
    raise NotFoundError(f"unknown site {name!r}", field="site", allowed=site_names())


def site_from_spec(spec: Any) -> Site:
    """A :class:`Site` from a scenario ``SiteSpec`` (catalogue name or coordinates).

    Ground height: ``height_m`` when the scenario sets it explicitly; otherwise the catalogue's or,
    for ``horizon: dem``, the coarse DEM's ground height; otherwise 0 (the sphere). For a GeoTIFF
    horizon the timeline then stands the site on the ground that horizon used (the GeoTIFF's, or
    the coarse DEM's outside it: :func:`ilrs.environment.terrain.horizon_for_site`).
    """
    explicit = "height_m" in getattr(spec, "model_fields_set", set())
    if spec.name is not None and spec.lat_deg is None:
        return get_site(spec.name, mast_height_m=spec.mast_height_m,
                        height_m=spec.height_m if explicit else None)
    h = spec.height_m
    if not explicit and spec.horizon == "dem":
        from ilrs.environment.dem import ground_height_m
        h = float(ground_height_m(spec.lat_deg, spec.lon_deg))
    name = spec.name or f"{abs(spec.lat_deg):.3f}{'S' if spec.lat_deg < 0 else 'N'}-{spec.lon_deg % 360:.3f}E"
    return Site(name=name, lat_deg=float(spec.lat_deg), lon_deg=float(spec.lon_deg), height_m=float(h),
                mast_height_m=float(spec.mast_height_m))
