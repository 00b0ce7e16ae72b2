#!/usr/bin/env python3
"""Environment benchmarks: ours against the strongest fair peers, measured in the same run (CPU s).

1. Apparent Sun and Earth az/el at one site (light time + aberration, DE421, MOON_ME_DE421), the
   same work on both sides (topocentric ME vectors, then az/el):
   1a. exact at every epoch (30 days at 60 s): ours (``apparent_vectors_site(node_step_s=None)``)
       against skyfield's ``(moon + site).at(t).observe(body).apparent().frame_xyz(ME)``;
   1b. the same interpolation (one year at 60 s): ours (exact on 6 h nodes + cubic spline) against
       skyfield evaluating exactly the same nodes + scipy's CubicSpline. Both checked against
       skyfield exact on 2,000 epochs. Limit: writing the outputs at the measured memory bandwidth.
   (Our headline against skyfield exact at every epoch was an algorithm choice, not speed: 1b.)
2a. The coverage grid's DEM horizons (coarse global DEM): compiled against our NumPy reference and
   against the transcendental floor (one arcsin + one arctan2 per sample, NumPy-vectorized).
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


def timed(fn, *a, **k):
    c = time.process_time()
    out = fn(*a, **k)
    return out, time.process_time() - c


def _daz(a, b):
    return np.abs((a - b + 180) % 360 - 180)


def skyfield_vectors_me(sky_site, frame, eph, tt) -> dict:
    """skyfield's apparent topocentric vectors (n, 3), m, Moon ME axes (light time + aberration)."""
    return {b: sky_site.at(tt).observe(eph[b]).apparent().frame_xyz(frame).m.T for b in ("sun", "earth")}


def node_grid(times, step_s: float) -> tuple[np.ndarray, np.ndarray]:
    """The nodes ilrs interpolates on (sky.apparent_vectors_site): every step_s from 3 steps before the
    first epoch, 7 extra; returned as datetimes and seconds after the first epoch."""
    step_ns = int(step_s * 1e9)
    ns = times.astype("datetime64[ns]").astype(np.int64)
    n_nodes = int((ns.max() - ns.min()) // step_ns) + 7
    nodes_ns = ns.min() - 3 * step_ns + np.arange(n_nodes, dtype=np.int64) * step_ns
    return nodes_ns.astype("datetime64[ns]"), (nodes_ns - ns.min()) / 1e9


def sky_time(ts, times):
    d = (times - times[0]) / np.timedelta64(1, "s")
    t0 = times[0].astype("datetime64[s]").item()
    return ts.utc(t0.year, t0.month, t0.day, t0.hour, t0.minute, t0.second + d)


def memory_floor_s(n_bytes: float) -> tuple[float, float]:
    """Seconds to stream ``n_bytes`` at this machine's measured copy bandwidth (bytes/s)."""
    a = np.ones(32_000_000)
    b = np.zeros_like(a)  # touched: no page faults inside the timing
    best = np.inf
    for _ in range(3):
        c = time.perf_counter()
        np.copyto(b, a)
        best = min(best, time.perf_counter() - c)
    bw = 2 * a.nbytes / best  # read + write
    return n_bytes / bw, bw


def ours_azel(site, times, node_step_s) -> dict:
    """Our apparent Sun and Earth (azimuth, elevation): the same work as the skyfield side
    (:func:`ilrs.environment.sky.apparent_vectors_site` + the site's az/el)."""
    from ilrs.environment.sky import apparent_vectors_site

    return {b: site.azel_me(v) for b, v in apparent_vectors_site(site, times, node_step_s=node_step_s).items()}


def part_sky(days_interp: int, days_exact: int) -> None:
    """Sun + Earth apparent az/el: exact against exact (skyfield vs ours), and the same 6 h nodes
    + cubic spline against each other (skyfield evaluating the nodes vs ours)."""
    from scipy.interpolate import CubicSpline

    from ilrs.environment import Site, sun_earth_azel, time_grid

    lat, lon = -89.45, 222.7
    site = Site("bench", lat, lon)
    ts, eph, pc, frame = skyfield_objects()
    sky_site = eph["moon"] + pc.build_latlon_degrees(frame, lat, lon)
    sun_earth_azel(site, time_grid("2027-01-01", days=1, step_s=60), node_step_s=None)  # open the kernels
    rows = []
    te = time_grid("2027-01-01", days=days_exact, step_s=60)
    ours_x, c_ours_x = timed(ours_azel, site, te, None)
    sky_x, c_sky_x = timed(lambda: {b: site.azel_me(v) for b, v in
                                    skyfield_vectors_me(sky_site, frame, eph, sky_time(ts, te)).items()})
    err_x = max(np.abs(sky_x[b][1] - ours_x[b][1]).max() for b in ("sun", "earth"))
    print(f"# 1a. exact vs exact, {len(te):,} epochs: ours {c_ours_x:.2f} s CPU, skyfield {c_sky_x:.2f} s CPU, "
          f"max |d el| {err_x:.1e} deg")
    flops_floor = len(te) * 2 * 4 * 3 * 3 * 14 * 2 / 166e9  # bodies x light-time passes x segments x xyz x degree
    rows.append(f"Sun+Earth az/el exact, {len(te):,} epochs | {c_ours_x:.2f} s CPU | skyfield exact {c_sky_x:.2f} s CPU | "
                f"{c_sky_x / c_ours_x:.1f}x | max |d el| {err_x:.1e} deg | arithmetic floor ~{flops_floor * 1e3:.1f} ms "
                f"(Chebyshev terms only, assumption) -> {c_ours_x / flops_floor:.0f}x")
    ti = time_grid("2027-01-01", days=days_interp, step_s=60)
    ours_i, c_ours_i = timed(ours_azel, site, ti, 6 * 3600.0)

    def skyfield_interpolated():
        nodes, x_nodes = node_grid(ti, 6 * 3600.0)
        vec = skyfield_vectors_me(sky_site, frame, eph, sky_time(ts, nodes))
        x = (ti - ti[0]) / np.timedelta64(1, "s")
        return {b: site.azel_me(CubicSpline(x_nodes, v, axis=0)(x)) for b, v in vec.items()}

    sky_i, c_sky_i = timed(skyfield_interpolated)
    check = np.arange(0, len(ti), max(1, len(ti) // 2000))  # exact reference on 2,000 epochs
    ref = skyfield_vectors_me(sky_site, frame, eph, sky_time(ts, ti[check]))
    err_ours = max(np.abs(site.azel_me(ref[b])[1] - ours_i[b][1][check]).max() for b in ("sun", "earth"))
    err_sky = max(np.abs(site.azel_me(ref[b])[1] - sky_i[b][1][check]).max() for b in ("sun", "earth"))
    floor, bw = memory_floor_s(len(ti) * 2 * 5 * 8)  # per body: the vector (3) + az, el, one double each
    print(f"# 1b. 6 h nodes + cubic spline, {len(ti):,} epochs: ours {c_ours_i:.2f} s CPU, skyfield on the same "
          f"nodes + spline {c_sky_i:.2f} s CPU; max |d el| vs skyfield exact (2,000 epochs): ours {err_ours:.1e}, "
          f"skyfield-interp {err_sky:.1e} deg; memory floor {floor * 1e3:.1f} ms at {bw / 1e9:.1f} GB/s")
    rows.append(f"Sun+Earth az/el, 6 h nodes + spline, {len(ti):,} epochs | {c_ours_i:.2f} s CPU | skyfield same "
                f"nodes + spline {c_sky_i:.2f} s CPU | {c_sky_i / c_ours_i:.1f}x | vs exact: ours {err_ours:.1e}, "
                f"peer {err_sky:.1e} deg | {c_ours_i / floor:.0f}x the memory floor ({floor * 1e3:.0f} ms)")
    ROWS.extend(rows)


ROWS: list[str] = []


def part_coverage_horizons(n_sites: int) -> None:
    """The coverage grid's DEM horizons (coarse global DEM, 720 azimuths x 250 km at 1 km): the
    compiled fused ray march against our NumPy reference, and against the transcendental floor (one
    asin + one atan2 per sample: both are needed for the latitude/longitude, measured vectorized)."""
    import os as _os

    from ilrs.environment import Site
    from ilrs.environment.dem import ground_height_m
    from ilrs.environment.terrain import horizon_for_site

    rng = np.random.default_rng(7)
    lat, lon = rng.uniform(-90, -80, n_sites), rng.uniform(-180, 180, n_sites)
    sites = [Site(f"p{k}", a, b, height_m=float(ground_height_m(a, b))) for k, (a, b) in enumerate(zip(lat, lon))]
    horizon_for_site(sites[0], "dem")  # load the DEM and the kernel

    def all_horizons():
        return np.array([horizon_for_site(s, "dem").elevation_deg for s in sites])

    ours, c_ours = timed(all_horizons)
    _os.environ["ILRS_KERNELS"] = "numpy"
    try:
        ref, c_ref = timed(all_horizons)
    finally:
        _os.environ.pop("ILRS_KERNELS")
    n_samples = n_sites * 720 * 250
    x = rng.uniform(-1, 1, 720 * 250)
    _, c_floor = timed(lambda: [(np.arcsin(x), np.arctan2(x, 0.5)) for _ in range(n_sites)])
    err = float(np.abs(ours - ref).max())
    print(f"# 2a. coverage horizons, {n_sites} sites: compiled {c_ours:.2f} s CPU, NumPy reference {c_ref:.2f} s CPU, "
          f"max |d| {err:.1e} deg; asin + atan2 alone {c_floor:.2f} s CPU ({c_floor / n_samples * 1e9:.1f} ns/sample)")
    ROWS.append(f"DEM horizons, {n_sites} sites x 720 az x 250 km | {c_ours:.2f} s CPU | our NumPy reference "
                f"{c_ref:.2f} s CPU | {c_ref / c_ours:.1f}x | max |d| {err:.1e} deg | {c_ours / c_floor:.1f}x the "
                f"transcendental floor (asin + atan2 per sample, NumPy-vectorized: {c_floor:.2f} s)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--part", type=int, choices=(1, 2, 3), help="run one part only")
    args = ap.parse_args(argv)
    parts = {args.part} if args.part else {1, 2, 3}
    from ilrs.environment import Site, sun_earth_azel, time_grid  # noqa: F401 (parts 2, 3)
    from ilrs.environment.illumination import illumination_map
    from ilrs.environment.terrain import PolarStereoDEM, horizon_from_terrain

    days = 30 if args.quick else 365
    if 1 in parts:
        part_sky(days, 3 if args.quick else 30)
    if 2 in parts:
        part_coverage_horizons(20 if args.quick else 200)
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
        print(f"max |map - exact|      {worst * 100:8.2f} points of lit fraction at 8 pixels (docstring: ~1 point, 1.07 measured here)")

    if ROWS:
        print("\nworkload | ours | peer | ratio | accuracy | distance to limit")
        print("\n".join(ROWS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
