"""One study's exports: compute the comms period once, write each asked format into a folder."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ilrs.constants import SECONDS_PER_DAY
from ilrs.errors import InputError

KINDS = ("oem", "czml", "geojson", "contacts", "maps")
DEFAULT_DAYS = 7.0
MAX_DAYS = 400.0


@dataclass
class ExportResult:
    """The files written (paths, in order) and the figures worth printing (counts, seconds, bytes)."""

    files: list[str] = field(default_factory=list)
    figures: dict = field(default_factory=dict)


def _period(scenario, start, end) -> tuple[np.datetime64, float]:
    """The period's first instant and length (days): ``start``/``end`` (UTC), else the scenario's
    span start and ``DEFAULT_DAYS``."""
    from ilrs.environment import utc_array

    try:
        t0 = utc_array(start if start is not None else str(scenario.span.start))[0]
        t1 = utc_array(end)[0] if end is not None else t0 + np.timedelta64(int(DEFAULT_DAYS * SECONDS_PER_DAY), "s")
    except (ValueError, TypeError):
        raise InputError(f"{start!r} .. {end!r} is not a UTC period", field="--start/--end",
                         allowed="ISO dates or date-times (YYYY-MM-DD[THH:MM:SS])") from None
    days = float((t1 - t0) / np.timedelta64(1, "s")) / SECONDS_PER_DAY
    if not 0 < days <= MAX_DAYS:
        raise InputError(f"the export period is {days:g} days", field="--start/--end",
                         allowed=f"end after start, at most {MAX_DAYS:g} days")
    return t0, days


def check_request(scenario, kinds, *, start=None, end=None, step_s: float | None = None
                  ) -> tuple[np.datetime64, float, float]:
    """Validate an export request before anything is computed or written: (first instant, days,
    step s), or a one-line InputError naming the option."""
    from ilrs.comms.contacts import MAX_GRID_STEP_S

    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise InputError(f"unknown export {bad[0]!r}", field="export", allowed=list(KINDS))
    step = float(step_s or min(scenario.relays.step_s, MAX_GRID_STEP_S))
    if not 1.0 <= step <= MAX_GRID_STEP_S:
        raise InputError(f"step {step:g} s out of range", field="--step", allowed=f"1 s .. {MAX_GRID_STEP_S:g} s")
    t0, days = _period(scenario, start, end)
    return t0, days, step


def study_exports(scenario, folder: Path, kinds=KINDS, *, start=None, end=None, step_s: float | None = None,
                  dem: Path | None = None, progress=None) -> ExportResult:
    """Write the asked ``kinds`` (a subset of :data:`KINDS`) for ``scenario`` into ``folder``.

    The relays are propagated over the period at ``step_s`` (default: the scenario's comms step,
    at most :data:`ilrs.comms.contacts.MAX_GRID_STEP_S` so that contact edges stay within 1 s).
    ``dem``: a polar-stereographic GeoTIFF DEM for the illumination map (``maps``; without it only
    the coverage map is written)."""
    from ilrs.comms import analyze_period, comms_setup
    from ilrs.comms.contacts import contacts_for
    from ilrs.environment import site_setup

    t0, days, step = check_request(scenario, kinds, start=start, end=end, step_s=step_s)
    folder = Path(folder)
    out = ExportResult()
    tick = progress or (lambda label: None)
    clock = time.perf_counter()
    where = site_setup(scenario.site, scenario.span.start, scenario.span.end)
    setup = comms_setup(scenario.relays)
    tick("relays")
    needs_relays = bool(setup.relays) and bool({"oem", "czml", "contacts", "maps"} & set(kinds))
    res = analyze_period(setup, where, start=t0, days=days, step_s=step) if needs_relays else None
    out.figures.update(period_start_utc=str(np.datetime64(t0, "s")) + "Z", period_days=round(days, 6),
                       step_s=step, analysis_s=round(time.perf_counter() - clock, 3))
    contacts = []
    if res is not None and res.states is not None and ({"contacts", "czml"} & set(kinds)):
        tick("contacts")
        clock = time.perf_counter()
        contacts = contacts_for(res, where.site, where.horizon, min_elevation_deg=setup.min_elevation_deg,
                                dte_min_elevation_deg=setup.dte_min_elevation_deg)
        out.figures["contact_search_s"] = round(time.perf_counter() - clock, 3)
        out.figures["contacts"] = len(contacts)
    for kind in KINDS:
        if kind in kinds:
            tick(kind)
            clock = time.perf_counter()
            _write_kind(kind, folder, scenario, where, setup, res, contacts, dem, out)
            out.figures[f"{kind}_write_s"] = round(time.perf_counter() - clock, 3)
    out.figures["bytes"] = {Path(f).name: Path(f).stat().st_size for f in out.files}
    return out


def _write_kind(kind, folder: Path, scenario, where, setup, res, contacts, dem, out: ExportResult) -> None:
    from ilrs._io import write_text_atomic

    if kind == "oem" and res is not None and res.states is not None:
        from ilrs.report.exports.oem import write_oem

        note = (f"scenario {scenario.name}; site {where.site.name}",)
        out.files += [str(p) for p in write_oem(folder / "oem", res.states, comments=note)]
    elif kind == "czml" and res is not None and res.states is not None:
        from ilrs.report.exports.czml import write_czml

        out.files.append(str(write_czml(folder / "scene.czml", res.states, where.site, contacts,
                                        name=f"ilrs — {scenario.name}")))
    elif kind == "geojson":
        from ilrs.report.exports.geojson import write_geojson

        out.files.append(str(write_geojson(folder / "sites.geojson", where.site)))
    elif kind == "contacts":
        from ilrs.comms.contacts import contacts_csv

        folder.mkdir(parents=True, exist_ok=True)
        for link in ("site-relay", "relay-station", "site-station"):
            rows = [c for c in contacts if c.link == link]
            out.files.append(str(write_text_atomic(folder / f"contacts-{link}.csv", contacts_csv(rows))))
    elif kind == "maps":
        _write_maps(folder, scenario, where, setup, res, dem, out)


def _write_maps(folder: Path, scenario, where, setup, res, dem, out: ExportResult) -> None:
    from ilrs.comms import coverage_map
    from ilrs.report.exports.maps import write_coverage_geotiff, write_illumination_geotiff

    folder.mkdir(parents=True, exist_ok=True)
    if res is not None and res.relays:
        pts, cov = coverage_map(res, spacing_km=setup.coverage_spacing_km, min_elevation_deg=setup.min_elevation_deg,
                                horizon=setup.coverage_horizon, step_s=max(res.step_s, 300.0))
        out.files.append(str(write_coverage_geotiff(folder / "coverage.tif", pts, cov["availability"],
                                                    spacing_km=setup.coverage_spacing_km)))
        out.figures["coverage_points"] = int(pts.size)
    if dem is not None:
        _write_illumination(folder, scenario, where, res, dem, out)


MAP_PX = 128  # the illumination map's side around the site, as ``ilrs site --map`` (default --map-px)
MAP_DAYS = 365.0
MAP_STEP_S = 6 * 3600.0


def _write_illumination(folder: Path, scenario, where, res, dem: Path, out: ExportResult) -> None:
    """Lit fraction of the ``MAP_PX``² DEM pixels around the site over a year (6 h steps) from
    the period's start, on the DEM's grid."""
    from ilrs.environment import PolarStereoDEM, illumination_map, time_grid
    from ilrs.report.exports.maps import write_illumination_geotiff

    d = PolarStereoDEM.from_geotiff(dem)
    r, c = d.xy_to_pixel(*d.latlon_to_xy(where.site.lat_deg, where.site.lon_deg))
    nr, nc = d.heights_m.shape
    if not (0 <= r < nr and 0 <= c < nc):
        raise InputError("the site lies outside this DEM", file=str(dem), field="--dem")
    r0 = int(np.clip(round(float(r)) - MAP_PX // 2, 0, max(nr - MAP_PX, 0)))
    c0 = int(np.clip(round(float(c)) - MAP_PX // 2, 0, max(nc - MAP_PX, 0)))
    start = res.times_utc[0] if res is not None else str(scenario.span.start)
    lit = illumination_map(d, time_grid(start, days=MAP_DAYS, step_s=MAP_STEP_S), rows=(r0, min(r0 + MAP_PX, nr)),
                           cols=(c0, min(c0 + MAP_PX, nc)), mast_height_m=where.site.mast_height_m)
    out.files.append(str(write_illumination_geotiff(folder / "illumination.tif", d, lit)))
    out.figures["illumination_pixels"] = int(lit.lit_fraction.size)
