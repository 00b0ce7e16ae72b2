#!/usr/bin/env python3
"""Environment benchmarks: ours vs skyfield measured side by side in the same run, plus accuracy.

1. One year at 60 s steps (525,600 epochs) of apparent Sun and Earth az/el at one site:
   ilrs ``sun_earth_azel`` (exact on 6-h nodes + cubic spline) vs skyfield's straightforward
   vectorized ``(moon + PlanetTopos).at(t).observe(body).apparent().altaz()`` with the same DE421
   and MOON_ME_DE421 kernels. Reports both wall times, the speed ratio and the max differences.
2. Horizon mask (720 azimuths, 0.5°) from a synthetic 2000×2000 DEM at 20 m/px (+ the coarse
   global DEM far field).
3. Illumination map of a 256×256 region (of a 1024×1024 DEM, 20 m/px) over one year at 1 h steps.

Usage: python bench/bench_environment.py [--quick] [--part 1|2|3]
       (--quick: 30 days and a 128×128 map; --part: run one part only)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def skyfield_objects():
    import skyfield_data
    from skyfield.api import load
    from skyfield.iokit import load_file
    from skyfield.planetarylib import PlanetaryConstants

    from ilrs.data import data_path

    ts = load.timescale(builtin=True)
    eph = load_file(os.path.join(skyfield_data.get_skyfield_data_path(), "de421.bsp"))
    pc = PlanetaryConstants()
    pc.read_text(open(data_path("kernels", "moon_080317.tf"), "rb"))
    pc.read_binary(open(data_path("kernels", "moon_pa_de421_1900-2050.bpc"), "rb"))
    pc.variables["BODY301_RADII"] = [1737.4, 1737.4, 1737.4]
    return ts, eph, pc, pc.build_frame_named("MOON_ME_DE421")


def fractal_dem(n: int, pixel_m: float, rng: np.random.Generator, relief_m: float = 1500.0) -> np.ndarray:
    """Synthetic rough terrain (:func:`ilrs.environment.terrain.fractal_heights_m`), sigma = relief / 3."""
    from ilrs.environment.terrain import fractal_heights_m

    return fractal_heights_m(n, rng, relief_m / 3)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--part", type=int, choices=(1, 2, 3), help="run one part only")
    args = ap.parse_args(argv)
    parts = {args.part} if args.part else {1, 2, 3}
    from ilrs.environment import Site, sun_earth_azel, time_grid
    from ilrs.environment.illumination import illumination_map
    from ilrs.environment.terrain import PolarStereoDEM, horizon_from_terrain

    days = 30 if args.quick else 365
    if 1 in parts:
        lat, lon = -89.45, 222.7
        print(f"# 1. Sun + Earth az/el, {days} d at 60 s, site {lat}°, {lon}°E (sphere)")
        times = time_grid("2027-01-01", days=days, step_s=60)
        site = Site("bench", lat, lon)
        sun_earth_azel(site, times[:1000])  # warm: open kernels
        t0 = time.perf_counter()
        ours = sun_earth_azel(site, times)
        t_ours = time.perf_counter() - t0

        ts, eph, pc, frame = skyfield_objects()
        t0 = time.perf_counter()
        d = (times - times[0]) / np.timedelta64(1, "s")
        tt = ts.utc(2027, 1, 1, 0, 0, d)  # seconds past the first epoch (no leap second in 2027)
        sky_site = eph["moon"] + pc.build_latlon_degrees(frame, lat, lon)
        ref = {}
        for body in ("sun", "earth"):
            alt, az, _ = sky_site.at(tt).observe(eph[body]).apparent().altaz()
            ref[body] = (az.degrees, alt.degrees)
        t_sky = time.perf_counter() - t0

        def daz(a, b):
            return np.abs((a - b + 180) % 360 - 180)

        de = max(np.abs(ours.sun_elevation_deg - ref["sun"][1]).max(), np.abs(ours.earth_elevation_deg - ref["earth"][1]).max())
        da = max(daz(ours.sun_azimuth_deg, ref["sun"][0]).max(), daz(ours.earth_azimuth_deg, ref["earth"][0]).max())
        print(f"epochs                 {len(times):,}")
        print(f"ilrs sun_earth_azel    {t_ours:8.3f} s")
        print(f"skyfield altaz         {t_sky:8.3f} s")
        print(f"speed ratio            {t_sky / t_ours:8.1f} x  (aim >= 20x)")
        print(f"max |d elevation|      {de:.2e} deg  (aim <= 0.005)")
        print(f"max |d azimuth|        {da:.2e} deg")

    rng = np.random.default_rng(2027)
    n = 2000
    z = fractal_dem(n, 20.0, rng)  # drawn even when part 2 is skipped: part 3's terrain stays the same
    if 2 in parts:
        print("\n# 2. Horizon mask from a 2000x2000 DEM (20 m/px), 720 azimuths, + global far field")
        c = -n * 20.0 / 2 + 10.0 + np.arange(n) * 20.0
        dem = PolarStereoDEM(z, c[0], -c[0], 20.0, source="synthetic fractal")
        s2 = Site("b2", -89.9, 45.0, height_m=float(dem.height_at(-89.9, 45.0)), mast_height_m=2.0)
        t0 = time.perf_counter()
        mask = horizon_from_terrain(s2, dem)
        t_h = time.perf_counter() - t0
        print(f"horizon mask           {t_h:8.3f} s  (max {mask.max_elevation_deg:.2f} deg)")

    if 3 in parts:
        m = 128 if args.quick else 256
        print(f"\n# 3. Illumination map {m}x{m} of a 1024x1024 DEM (20 m/px), {days} d at 1 h")
        z3 = fractal_dem(1024, 20.0, rng)
        c3 = -1024 * 20.0 / 2 + 10.0 + np.arange(1024) * 20.0
        dem3 = PolarStereoDEM(z3, c3[0], -c3[0], 20.0)
        t3 = time_grid("2027-01-01", days=days, step_s=3600)
        r0 = 512 - m // 2
        t0 = time.perf_counter()
        im = illumination_map(dem3, t3, rows=(r0, r0 + m), cols=(r0, r0 + m), mast_height_m=2.0)
        t_map = time.perf_counter() - t0
        print(f"illumination map       {t_map:8.3f} s  ({m * m:,} px x {len(t3):,} epochs; lit "
              f"{im.lit_fraction.min():.2f}..{im.lit_fraction.max():.2f})")
        # accuracy: the exact single-site path (0.5° great-circle horizon + sun_earth_azel) at 8 pixels
        from ilrs.environment.illumination import span_statistics

        worst = 0.0
        for r, c in np.random.default_rng(3).integers(r0, r0 + m, (8, 2)):
            la, lo = dem3.xy_to_latlon(*dem3.pixel_to_xy(r, c))
            sp = Site("px", float(la), float(lo), height_m=float(z3[r, c]), mast_height_m=2.0)
            exact = span_statistics(sun_earth_azel(sp, t3, horizon_from_terrain(sp, dem3))).lit_fraction
            worst = max(worst, abs(float(im.lit_fraction[r - r0, c - r0]) - exact))
        print(f"max |map - exact|      {worst * 100:8.2f} points of lit fraction at 8 pixels (docstring: within 1 point)")

    return 0


if __name__ == "__main__":
    sys.exit(main())
