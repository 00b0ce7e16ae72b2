"""Benchmark: relay access over a south-polar grid, horizon masks included.

5 relays (the ESA-Moonlight-like constellation) x ~10,000 grid points over 80-90°S x one month at
60 s steps (43,200 epochs): availability, windows and gaps per point.

Compared in the same run:
  * ours: ilrs.comms.access.coverage — instants settled for the whole cap by exact sky bounds
    (a relay above every point's horizon, or below all of them), the rest by one matrix product per
    time chunk, sin(el) test, azimuth and mask lookup only near the horizon, float32;
  * ours without the sky bounds (every epoch x relay x point through the per-point test);
  * a straightforward per-epoch loop: for each epoch and relay, elevation/azimuth of the relay from
    all points (numpy over points) and the mask lookup — timed on a subset of epochs and
    extrapolated per evaluation;
  * a plain Python loop over (epoch, relay, point) — timed on a small subset.
No peer library installs and does this offline from PyPI: skyfield has no orbiters around the
Moon (skyfield#572), lunarsky downloads kernels on first use, orekit-jpype needs a JDK and a
data download. Accuracy: our booleans against the per-epoch loop's on the subset.

Masks: synthetic, seeded (numpy Generator), 1-degree azimuth bins, 0-6 degrees — the same work as
DEM masks once computed (the DEM ray march per point is the environment layer's cost).

Run:  .venv/bin/python bench/bench_comms.py [--points 10000] [--days 30] [--relays moonlight]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=10_000)
    ap.add_argument("--days", type=float, default=30.0)
    ap.add_argument("--step-s", type=float, default=60.0)
    ap.add_argument("--loop-epochs", type=int, default=200)
    ap.add_argument("--relays", default="moonlight",
                    help="comma-separated relays/constellations, e.g. queqiao-2,queqiao-2-early,queqiao-1,"
                         "moonlight-com,moonlight-nav-1")
    args = ap.parse_args()

    from ilrs.comms.access import SurfacePoints, coverage, elevation_azimuth_deg, mask_elevation_deg, visible
    from ilrs.comms.relays import resolve_relays
    from ilrs.comms.states import relay_states
    from ilrs.environment import time_grid

    rng = np.random.default_rng(20280101)
    # grid spacing for the requested number of points over the 80-90°S cap
    area_km2 = 2 * math.pi * 1737.4**2 * (1 - math.cos(math.radians(10)))
    spacing = math.sqrt(area_km2 / args.points)
    grid = SurfacePoints.polar_grid(-90.0, -80.0, spacing)
    az = np.arange(360)
    base = rng.uniform(0.0, 3.0, size=(grid.size, 1))
    amp = rng.uniform(0.0, 3.0, size=(grid.size, 1))
    phase = rng.uniform(0, 2 * np.pi, size=(grid.size, 1))
    mask = np.clip(base + amp * np.sin(np.radians(az)[None, :] * 2 + phase), 0.0, 6.0)
    pts = SurfacePoints.on_sphere(grid.lat_deg, grid.lon_deg, mask_deg=mask)

    relays = resolve_relays(args.relays.split(","))
    times = time_grid("2030-01-01", days=args.days, step_s=args.step_s)
    t0 = time.perf_counter()
    states = relay_states(relays, times, propagation="j2")
    t_states = time.perf_counter() - t0
    targets = states.r_me_m
    n_eval = targets.shape[0] * targets.shape[1] * pts.size
    print(f"{len(relays)} relays x {pts.size} points x {times.size} epochs = {n_eval:.3e} evaluations "
          f"(relay states, J2 mode: {t_states:.2f} s)")

    t0, c0 = time.perf_counter(), time.process_time()
    stats = coverage(pts, targets, args.step_s, 5.0)
    t_ours, c_ours = time.perf_counter() - t0, time.process_time() - c0
    ours_rate = n_eval / t_ours
    print(f"ours           : {t_ours:8.2f} s wall ({c_ours:.2f} s CPU)   {ours_rate:.3e} evaluations/s   "
          f"mean availability {stats['availability'].mean():.4f}, worst max gap {stats['max_gap_hours'].max():.2f} h")

    t0, c0 = time.perf_counter(), time.process_time()
    stats2 = coverage(pts, targets, args.step_s, 5.0, prune=False)
    t_np, c_np = time.perf_counter() - t0, time.process_time() - c0
    same = bool(np.array_equal(stats2["availability"], stats["availability"])
                and np.array_equal(stats2["max_gap_hours"], stats["max_gap_hours"]))
    print(f"ours, no bounds: {t_np:8.2f} s wall ({c_np:.2f} s CPU)   {n_eval / t_np:.3e} evaluations/s   "
          f"identical statistics: {same}")

    # per-epoch loop on a subset, same epochs for the accuracy check
    sub = targets[: args.loop_epochs]
    t0, c0 = time.perf_counter(), time.process_time()
    loop_vis = np.zeros((sub.shape[0], sub.shape[1], pts.size), bool)
    for i in range(sub.shape[0]):
        for k in range(sub.shape[1]):
            el, azm = elevation_azimuth_deg(pts, sub[i, k][None, :])
            lim = np.maximum(mask_elevation_deg(pts, azm), 5.0)
            loop_vis[i, k] = (el > lim)[0]
    t_loop, c_loop = time.perf_counter() - t0, time.process_time() - c0
    loop_rate = loop_vis.size / t_loop
    print(f"per-epoch loop : {t_loop:8.2f} s wall ({c_loop:.2f} s CPU) for {loop_vis.size:.2e} -> {loop_rate:.3e} evaluations/s; "
          f"full problem ~{n_eval / loop_rate:.0f} s")

    from ilrs.comms.access import visible_radial

    ours_sub = visible_radial(pts, sub, 5.0)
    general = visible(pts, sub, 5.0)
    diff = int((ours_sub != loop_vis).sum())
    print(f"accuracy       : {diff} of {loop_vis.size} booleans differ from the per-epoch loop "
          f"(float64 general path differs in {int((general != loop_vis).sum())})")

    # plain Python triple loop on a small subset
    n_py = min(500, pts.size)
    P, U, E, N = pts.position_me_m[:n_py], pts.up[:n_py], pts.east[:n_py], pts.north[:n_py]
    t0 = time.perf_counter()
    count = 0
    for i in range(5):
        for k in range(sub.shape[1]):
            tx, ty, tz = sub[i, k]
            for s in range(n_py):
                dx, dy, dz = tx - P[s, 0], ty - P[s, 1], tz - P[s, 2]
                du = dx * U[s, 0] + dy * U[s, 1] + dz * U[s, 2]
                de = dx * E[s, 0] + dy * E[s, 1] + dz * E[s, 2]
                dn = dx * N[s, 0] + dy * N[s, 1] + dz * N[s, 2]
                el = math.degrees(math.atan2(du, math.hypot(de, dn)))
                a = math.degrees(math.atan2(de, dn)) % 360.0
                j = int(a) % 360
                w = a - int(a)
                lim = mask[s, j] * (1 - w) + mask[s, (j + 1) % 360] * w
                count += el > max(lim, 5.0)
    t_py = time.perf_counter() - t0
    py_rate = 5 * sub.shape[1] * n_py / t_py
    print(f"python loop    : {py_rate:.3e} evaluations/s; full problem ~{n_eval / py_rate / 3600:.1f} h")
    print(f"ratios         : ours / per-epoch loop = {ours_rate / loop_rate:.1f}x (without bounds "
          f"{n_eval / t_np / loop_rate:.1f}x) ; ours / python loop = {ours_rate / py_rate:.0f}x")


if __name__ == "__main__":
    main()
