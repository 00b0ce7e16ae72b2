#!/usr/bin/env python3
"""Whole-region horizon maps: the horizon database and the year's lit map from it, against today's
per-region path (``illumination_map``) on the same region and period, in the same run.

1. Horizon database (360 grid azimuths, compiled line sweep, 2 threads) of synthetic rough terrain
   (spectral k⁻² relief, σ = 500 m, 20 m/px, centred on the south pole) for 512², 1024², 2000² px
   (region = the whole DEM): seconds and ns per pixel × azimuth.
2. One-year hourly lit map (any part of the disk, centre, mean visible fraction, longest darkness)
   from the largest database: seconds, ns per pixel × epoch.
3. Peer: ``illumination_map`` (ray march in 2° bins, far field off: the database has none either)
   on a 256² region of a 1024² DEM over the same year, against database + lit map on the same
   region (far field from the rest of the DEM): both times, the ratio, and the agreement of the
   lit fraction and of the mean visible disk fraction (points of percentage).
4. Extrapolation to the cap poleward of 80°S at 60 m/px (≈ 8.1·10⁷ px in the cap, a 10,134² px
   square) from the measured per-pixel costs: one machine (2 cores) and N Dask workers.

Usage: python bench/bench_horizon_map.py [--quick]   (--quick: 128², 256² and a 30-day map)
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))


def rough_dem(n: int, pixel_m: float, seed: int):
    from ilrs.environment.terrain import PolarStereoDEM, fractal_heights_m

    z = fractal_heights_m(n, np.random.default_rng(seed), 500.0)
    half = (n - 1) / 2 * pixel_m
    return PolarStereoDEM(z, -half, half, pixel_m, source=f"synthetic {n}² at {pixel_m:g} m/px")


def part_database(sizes):
    from ilrs.environment.horizon_map import horizon_database

    print("# 1. Horizon database, 360 azimuths (compiled sweep; numba threads: "
          f"{os.environ.get('NUMBA_NUM_THREADS', 'all cores')})")
    warm = rough_dem(64, 20.0, 1)
    horizon_database(warm)  # compile / load the cached kernels outside the timings
    per = {}
    db = None
    for n in sizes:
        dem = rough_dem(n, 20.0, 2027)
        t0 = time.perf_counter()
        db = horizon_database(dem, n_azimuths=360)
        dt = time.perf_counter() - t0
        per[n] = dt / (n * n * 360) * 1e9
        print(f"{n:5d}² px  {dt:8.1f} s   {per[n]:6.1f} ns per pixel·azimuth (wall, all threads)   "
              f"{db.horizon_cdeg.nbytes / 2**20:7.0f} MiB int16")
    return db, per[sizes[-1]]


def part_year_map(db, days: int, map_rows: int | None):
    from dataclasses import replace

    from ilrs.environment.region_maps import sun_earth_maps
    from ilrs.environment.time import time_grid

    if map_rows:  # a band of the database: the look-up's cost is linear in pixels
        db = replace(db, horizon_cdeg=db.horizon_cdeg[:, :map_rows], rows=(db.rows[0], db.rows[0] + map_rows))

    t = time_grid("2027-01-01", days=days, step_s=3600)
    sun_earth_maps(db, t[:24], bodies=("sun",))  # compile outside the timing
    t0 = time.perf_counter()
    maps = sun_earth_maps(db, t, bodies=("sun",))
    dt = time.perf_counter() - t0
    n = db.horizon_cdeg.shape[1] * db.horizon_cdeg.shape[2]
    v = maps.values
    print(f"\n# 2. Lit map, {len(t):,} hourly epochs, {db.horizon_cdeg.shape[1]}×{db.horizon_cdeg.shape[2]} = {n:,} px: {dt:.1f} s ({dt / (n * len(t)) * 1e9:.2f} ns per "
          f"pixel·epoch); lit (any part) {np.nanmin(v['lit_any_fraction']):.3f}..{np.nanmax(v['lit_any_fraction']):.3f}, "
          f"longest darkness {np.nanmin(v['longest_darkness_hours']):.0f}..{np.nanmax(v['longest_darkness_hours']):.0f} h")
    per = dt / (n * len(t)) * 1e9
    print(f"   → a 2000² px year map at this cost: {per * 1e-9 * 4e6 * len(t):.0f} s")
    return per


def part_peer(days: int, m: int, n_dem: int):
    from ilrs.environment.horizon_map import horizon_database
    from ilrs.environment.illumination import illumination_map
    from ilrs.environment.region_maps import sun_earth_maps
    from ilrs.environment.time import time_grid

    dem = rough_dem(n_dem, 20.0, 7)
    t = time_grid("2027-01-01", days=days, step_s=3600)
    r0 = n_dem // 2 - m // 2
    rows = cols = (r0, r0 + m)
    print(f"\n# 3. Same region ({m}² px of a {n_dem}² DEM at 20 m/px, at the pole), same {len(t):,} hourly epochs")
    t0 = time.perf_counter()
    im = illumination_map(dem, t, rows=rows, cols=cols, far_field=False)
    t_peer = time.perf_counter() - t0
    t0 = time.perf_counter()
    db = horizon_database(dem, rows, cols, n_azimuths=360)
    t_db = time.perf_counter() - t0
    maps = sun_earth_maps(db, t, bodies=("sun",))
    t_ours = time.perf_counter() - t0
    d_lit = (maps.values["lit_any_fraction"] - im.lit_fraction) * 100
    d_vis = (maps.values["mean_visible_fraction"] - im.mean_visible_solar_fraction) * 100
    print(f"illumination_map (today, 2° bins)   {t_peer:8.1f} s")
    print(f"database + lit map (360 az)         {t_ours:8.1f} s  (database {t_db:.1f} s)   ratio {t_peer / t_ours:.1f}x")
    for name, d in (("lit fraction (any part)", d_lit), ("mean visible disk fraction", d_vis)):
        q = np.percentile(np.abs(d), [50, 95, 99])
        print(f"agreement, {name}: mean {d.mean():+.2f} points, |diff| median {q[0]:.2f} / p95 {q[1]:.2f} / "
              f"p99 {q[2]:.2f} / max {np.abs(d).max():.2f}")


def part_extrapolate(ns_db: float, ns_map: float):
    cap_px = 8.1e7
    square = 10_134 ** 2
    db_s = ns_db * 1e-9 * square * 360
    map_s = ns_map * 1e-9 * cap_px * 8766
    print("\n# 4. Extrapolation: cap poleward of 80°S at 60 m/px (8.1e7 px in the cap; the sweep runs over the "
          "10,134² px square + far field)")
    print(f"one machine (2 cores, as measured): database {db_s / 3600:.1f} h, one year hourly lit map "
          f"{map_s / 60:.0f} min; database {square * 360 * 2 / 2**30:.0f} GiB int16 (tiles on disk)")
    for workers in (8, 32, 128):
        print(f"{workers:4d} Dask workers of 2 cores (azimuth chunks / pixel tiles, linear): database "
              f"{db_s / workers / 60:6.1f} min, year map {map_s / workers / 60:5.1f} min (+ moving the "
              f"{square * 8 / 2**30:.1f} GiB DEM to each worker once)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sizes", default=None, help="database sizes, e.g. 512,1024,2000")
    ap.add_argument("--map-rows", type=int, default=None, help="year map over the first N rows of the "
                    "largest database (cost linear in pixels); default: all of it")
    args = ap.parse_args(argv)
    sizes = [128, 256] if args.quick else [512, 1024, 2000]
    if args.sizes:
        sizes = [int(v) for v in args.sizes.split(",")]
    days = 30 if args.quick else 365
    print(f"CPU cores visible: {os.cpu_count()}; load average at start: {os.getloadavg()[0]:.1f}")
    db, ns_db = part_database(sizes)
    ns_map = part_year_map(db, days, args.map_rows)
    part_peer(days, 64 if args.quick else 256, 256 if args.quick else 1024)
    part_extrapolate(ns_db, ns_map)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
