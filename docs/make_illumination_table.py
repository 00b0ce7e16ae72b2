"""Write docs/illumination-validation.md: published south-pole illumination figures beside ilrs.

    PYTHONPATH=src python docs/make_illumination_table.py                    # the coarse DEM only
    PYTHONPATH=src python docs/make_illumination_table.py --dem ldem_20m.tif # and a user GeoTIFF
    PYTHONPATH=src python docs/make_illumination_table.py --check            # exit 1 if the file differs

Every figure comes from the ``published:`` entries of ``src/ilrs/data/sites.yaml`` (value, mast
height, span, the publication's DEM and its definition of "lit"). For each, ilrs computes the same
site, mast and span (hourly) under each DEM given: the packaged coarse DEM (``--horizon dem``) with
the range between its horizon bounds (:mod:`ilrs.environment.horizon_range`), and each user GeoTIFF
(``--dem``). "Lit" is printed under three definitions, because the abstracts do not say which they
used (world-2026-12.md):

* any part of the disk above the horizon (ilrs's ``lit_fraction``),
* the disk centre above the horizon at the Sun's azimuth,
* the time-mean visible fraction of the disk (``mean_visible_solar_fraction``).

Re-run it after changing the terrain code; the integrator commits the regenerated file.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "illumination-validation.md"
STEP_S = 3600.0


@dataclass(frozen=True)
class Figure:
    """One published figure: where, from which mast, over which span, what value, said by whom."""

    site: str
    quantity: str
    mast_m: float
    value: object
    start: str
    end: str
    span_assumed: bool
    source: str
    dem: str
    definition: str
    note: str


def published() -> list[Figure]:
    """Every ``published:`` entry with a machine-readable span (``span_utc``) in the site catalogue."""
    from ilrs.data import sites_catalogue

    out = []
    for s in sites_catalogue()["sites"]:
        for p in s.get("published", []):
            if "span_utc" not in p:
                continue
            value = tuple(p["value"]) if isinstance(p["value"], list) else p["value"]
            out.append(Figure(s["name"], p["quantity"], float(p.get("mast_height_m", 0.0)), value,
                              p["span_utc"][0], p["span_utc"][1], bool(p.get("span_assumed", False)), p["source"],
                              p.get("dem", "not stated"), p.get("lit_definition", "not stated"), p.get("note", "")))
    return out


def three_definitions(track) -> dict[str, float]:
    """Lit under the three definitions, and the longest darkness (any part of the disk)."""
    from ilrs.environment.illumination import span_statistics

    f = np.asarray(track.visible_solar_fraction)
    centre = np.asarray(track.sun_elevation_deg) > np.asarray(track.sun_horizon_deg)
    st = span_statistics(track, STEP_S)
    return {"any": float((f > 0).mean()), "centre": float(centre.mean()), "mean_disk": float(f.mean()),
            "longest_darkness_hours": st.longest_darkness_hours}


@lru_cache(maxsize=None)
def model_values(fig: Figure, horizon: str) -> dict[str, dict[str, float]]:
    """ilrs under ``horizon`` ("dem" or a GeoTIFF path): ``central`` and, where the DEM cannot decide,
    ``optimistic`` / ``pessimistic`` (each: the three definitions and the longest darkness)."""
    from ilrs.environment import get_site
    from ilrs.environment.horizon_range import track_under_horizon
    from ilrs.environment.setup import SiteSetup
    from ilrs.environment.timeline import timeline_of

    setup = SiteSetup(get_site(fig.site, mast_height_m=fig.mast_m), horizon, np.datetime64(fig.start, "ns"),
                      np.datetime64(fig.end, "ns"), STEP_S)
    track = timeline_of(setup).track
    out = {"central": three_definitions(track)}
    if setup.bounds is not None:
        for end in ("optimistic", "pessimistic"):
            out[end] = three_definitions(track_under_horizon(track, getattr(setup.bounds, end)))
        out["dem"] = setup.bounds.dem
        out["narrowed_by"] = setup.bounds.narrowed_by
    return out


def _cell(values: dict, key: str, fmt: str) -> str:
    c = fmt.format(values["central"][key])
    if "optimistic" not in values:
        return c
    ends = [values[e][key] for e in ("optimistic", "pessimistic")] + [values["central"][key]]
    return f"{c} ({fmt.format(min(ends))}–{fmt.format(max(ends))})"


def _published_text(fig: Figure) -> str:
    if fig.quantity == "lit_fraction":
        return f"{fig.value:.2%}"
    lo, hi = fig.value if isinstance(fig.value, tuple) else (fig.value, fig.value)
    return f"{lo:g}–{hi:g} h"


def rows(figures: list[Figure], dems: list[str]) -> list[str]:
    """Markdown rows: one per figure and DEM."""
    out = []
    for fig in figures:
        for horizon in ["dem", *dems]:
            v = model_values(fig, horizon)
            dem = "coarse (central, range)" if horizon == "dem" else f"GeoTIFF {Path(horizon).name}"
            span = f"{fig.start} → {fig.end}" + (" (assumed)" if fig.span_assumed else "")
            if fig.quantity == "lit_fraction":
                cells = [_cell(v, k, "{:.1%}") for k in ("any", "centre", "mean_disk")] + [""]
            else:
                cells = ["", "", "", _cell(v, "longest_darkness_hours", "{:.0f} h")]
            out.append(f"| {fig.site} | {fig.mast_m:g} | {span} | {_published_text(fig)} ({fig.source}; {fig.dem}; "
                       f"lit: {fig.definition}) | {dem} | " + " | ".join(cells) + " |")
    return out


HEAD = """# Illumination: published figures beside ilrs

Generated by `docs/make_illumination_table.py` (do not edit by hand; re-run it after changing the
terrain code). Published values are the `published:` entries of `src/ilrs/data/sites.yaml`, with
the DEM each publication used and its definition of "lit" (none of the abstracts states it:
world-2026-12.md). ilrs computes the same site, mast height and span at 1 h steps. Under the coarse
packaged DEM each cell is the point-horizon value with, in brackets, the range between the two
horizons that bracket the truth where terrain closer than the DEM resolves is unknown
(`ilrs.environment.terrain_range.horizon_bounds`); a user GeoTIFF row appears when one is given.

Definitions of lit printed for ilrs: **any part** of the solar disk above the horizon (ilrs's
`lit_fraction`), the disk **centre** above the horizon at the Sun's azimuth, and the **mean visible
disk fraction** over the span. Longest darkness: the longest run with no part of the disk visible.

Not compared (world-2026-12.md gives no point for them): Noda et al. 2008 (most continuously lit
surface in the south, 86 %, Kaguya), Bryant 2009 (best base site, 92 % solar and 51 % direct-to-Earth
availability, Goldstone radar 40 m), Mazarico et al. 2011 (south permanently shadowed area
16,055 km², LOLA 240 m: an area, reported with the PSR map).

| site | mast m | span (UTC) | published (source; DEM; definition of lit) | ilrs DEM | lit: any part | lit: centre | lit: mean disk fraction | longest darkness |
|---|---|---|---|---|---|---|---|---|
"""


def render(dems: list[str]) -> str:
    """The whole document."""
    figures = published()
    body = "\n".join(rows(figures, dems))
    narrowing = sorted({model_values(f, "dem").get("narrowed_by", "") for f in figures} - {""})
    tail = "\n\nWhat would narrow the coarse ranges: " + ("; ".join(narrowing) if narrowing else
                                                          "nothing: the coarse DEM decides every row") + ".\n"
    notes = "".join(f"\n- {f.site}, {f.quantity} at {f.mast_m:g} m ({f.source}): {f.note}" for f in figures if f.note)
    return HEAD + body + tail + ("\nNotes from the catalogue:" + notes + "\n" if notes else "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dem", action="append", default=[], help="a user polar-stereographic GeoTIFF (repeatable)")
    ap.add_argument("--out", type=Path, default=OUT, help=f"where to write (default {OUT})")
    ap.add_argument("--check", action="store_true", help="exit 1 if the file on disk differs from a fresh render")
    args = ap.parse_args(argv)
    text = render(args.dem)
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{args.out} differs from a fresh render")
        return 0 if same else 1
    from ilrs._io import write_text_atomic

    write_text_atomic(args.out, text)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
