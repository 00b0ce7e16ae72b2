"""Benchmark: relay access over a south-polar grid, horizon masks included.

5 relays x ~10,000 grid points over 80-90°S x one month at 60 s steps (43,200 epochs):
availability, windows and gaps per point. Two relay sets by default: the ESA-Moonlight-like
constellation (100 % coverage) and ``in-phase-12h`` (five relays on one 12 h orbit, nodes 72 deg
apart, in phase: ~78 % coverage with ~3 h gaps every orbit), each with and without the sky bounds,
and every ratio (per-epoch loop, Python loop, skyfield) for both paths.

Compared in the same run:
  * ours: ilrs.comms.access.coverage — instants settled for the whole cap by exact sky bounds
    (a relay above every point's horizon, or below all of them), the rest by one matrix product per
    time chunk, sin(el) test, azimuth and mask lookup only near the horizon, float32;
  * ours without the sky bounds (every epoch x relay x point through the per-point test);
  * a straightforward per-epoch loop: for each epoch and relay, elevation/azimuth of the relay from
    all points (numpy over points) and the mask lookup — timed on a subset of epochs and
    extrapolated per evaluation;
  * a plain Python loop over (epoch, relay, point) — timed on a small subset.
  * peer library: skyfield (PyPI, offline with the kernels we ship). skyfield has no public type
    for an orbiter of the Moon (skyfield#572), but its two-body propagator
    ``skyfield.keplerlib._KeplerOrbit`` (private name; SPICE prop2b's universal variables) takes
    any centre and GM: here center=301 with the lunar GM, the first relay's state at the grid's
    start in ICRF axes, and a ``PlanetaryConstants`` MOON_ME_DE421 site per point, written as a
    skyfield user writes satellite passes: ``(orbit - site).at(t).altaz()`` vectorized over the
    month for each of ``--peer-points`` points, then the same visibility rule (elevation above
    max(mask at the azimuth, 5 deg)). Timed, extrapolated per evaluation to the full problem. Its
    time includes propagation and the frame rotation (per point, as written); ours is the access
    pass over precomputed relay states (the states' time is printed on the first line, and the
    ratio with it is printed too). Both geometric: no light time, no aberration. Accuracy:
    elevations against ours (:func:`elevation_azimuth_deg`) from our closed-form
    ``kepler_propagate`` of the same elements — the same two-body mode, so the comparison is the
    propagation + frame + access geometry — and the visibility booleans against ours; plus, for
    one point, how far skyfield's apparent ``observe().apparent()`` (light time + aberration of
    the Moon's barycentric velocity) moves the elevation.
Other peers were not taken: lunarsky downloads kernels on first use, orekit-jpype needs a JDK and a
data download. Accuracy of ours: booleans against the per-epoch loop's on the subset.

Masks: synthetic, seeded (numpy Generator), 1-degree azimuth bins, 0-6 degrees — the same work as
DEM masks once computed (the DEM ray march per point is the environment layer's cost).

Run:  .venv/bin/python bench/bench_comms.py [--points 10000] [--days 30] [--relays moonlight --relays in-phase-12h]
      [--peer-points 20]
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
    ap.add_argument("--peer-points", type=int, default=20, help="grid points for the skyfield peer (0: skip)")
    ap.add_argument("--relays", action="append", default=None,
                    help="relay set (repeatable): comma-separated relays/constellations, e.g. queqiao-2,"
                         "queqiao-2-early,moonlight-com, or 'in-phase-12h'; default: moonlight and in-phase-12h")
    args = ap.parse_args()
    sets = args.relays or ["moonlight", IN_PHASE]

    from ilrs.comms.access import SurfacePoints, coverage, elevation_azimuth_deg, mask_elevation_deg, visible
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
    times = time_grid("2030-01-01", days=args.days, step_s=args.step_s)

    runs = []  # per relay set: name, relays, targets, n_eval, t_states, t_ours, t_no_bounds
    for name in sets:
        relays = relay_set(name)
        t0 = time.perf_counter()
        states = relay_states(relays, times, propagation="j2")
        t_states = time.perf_counter() - t0
        targets = states.r_me_m
        n_eval = targets.shape[0] * targets.shape[1] * pts.size
        print(f"[{name}] {len(relays)} relays x {pts.size} points x {times.size} epochs = {n_eval:.3e} evaluations "
              f"(relay states, analytic mode: {t_states:.2f} s)")

        t0, c0 = time.perf_counter(), time.process_time()
        stats = coverage(pts, targets, args.step_s, 5.0)
        t_ours, c_ours = time.perf_counter() - t0, time.process_time() - c0
        print(f"  ours           : {t_ours:8.2f} s wall ({c_ours:.2f} s CPU)   {n_eval / t_ours:.3e} evaluations/s   "
              f"mean availability {stats['availability'].mean():.4f}, worst max gap {stats['max_gap_hours'].max():.2f} h")

        t0, c0 = time.perf_counter(), time.process_time()
        stats2 = coverage(pts, targets, args.step_s, 5.0, prune=False)
        t_np, c_np = time.perf_counter() - t0, time.process_time() - c0
        same = bool(np.array_equal(stats2["availability"], stats["availability"])
                    and np.array_equal(stats2["max_gap_hours"], stats["max_gap_hours"]))
        print(f"  ours, no bounds: {t_np:8.2f} s wall ({c_np:.2f} s CPU)   {n_eval / t_np:.3e} evaluations/s   "
              f"identical statistics: {same}")
        runs.append((name, relays, targets, n_eval, t_states, t_ours, t_np))

    # the loops' cost per evaluation does not depend on the relay set: measured on the first
    name, relays, targets, n_eval, t_states, t_ours, t_np = runs[0]
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
    for name_k, _, _, n_k, _, t_o, t_n in runs:
        print(f"ratios [{name_k}]: ours / per-epoch loop = {n_k / t_o / loop_rate:.1f}x (without bounds "
              f"{n_k / t_n / loop_rate:.1f}x) ; ours / python loop = {n_k / t_o / py_rate:.0f}x (without bounds "
              f"{n_k / t_n / py_rate:.0f}x)")

    if args.peer_points > 0:
        peer_skyfield(pts, relays, times, args.step_s, args.peer_points,
                      [(nm, n_k, t_o, t_n, t_s) for nm, _, _, n_k, t_s, t_o, t_n in runs])


IN_PHASE = "in-phase-12h"


def relay_set(name: str) -> list:
    """The relays of a set: catalogue names, or ``in-phase-12h``: five relays on the Moonlight
    communication satellite's 12 h orbit, nodes 72 deg apart, all at apolune together — the
    south-polar cap loses them all near each perilune (~78 % coverage, ~3 h gaps): gaps and windows
    are exercised, unlike with the Moonlight constellation's 100 % coverage. (The sky bounds still
    settle most instants here — a relay near perilune is below every point's horizon — so the
    no-bounds timings are printed for both sets.)"""
    from dataclasses import replace

    from ilrs.comms.relays import builtin_relays, resolve_relays

    if name != IN_PHASE:
        return resolve_relays(name.split(","))
    com = builtin_relays()["moonlight-com"]
    return [replace(com, key=f"in-phase-{k}", elements=replace(com.elements, raan_rad=np.radians(72.0 * k)))
            for k in range(5)]


def peer_skyfield(pts, relays, times, step_s, n_points, runs) -> None:
    """The skyfield peer (see the module docstring): one Keplerian relay, ``n_points`` grid points;
    ``runs``: per relay set (name, evaluations, our time, our time without bounds, relay-state time)."""
    import contextlib
    import os
    import warnings

    from ilrs.comms.access import SurfacePoints
    from ilrs.timeutil import seconds_since

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import skyfield_data
        from skyfield.api import load
        from skyfield.iokit import load_file

    kep = [r for r in relays if r.kind == "keplerian"]
    if not kep:
        print("peer: skyfield  : skipped (no Keplerian relay)")
        return
    relay = kep[0]
    sel = np.unique(np.linspace(0, pts.size - 1, min(n_points, pts.size)).round().astype(int))
    sub = SurfacePoints.on_sphere(pts.lat_deg[sel], pts.lon_deg[sel], mask_deg=pts.mask_deg[sel])
    t0 = times[0]
    t_s = seconds_since(t0, times)

    # skyfield objects, built from the same kernel files
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # skyfield-data's "finals2000A.all has expired": no Earth rotation here
        ts = load.timescale(builtin=True)
        eph = load_file(os.path.join(skyfield_data.get_skyfield_data_path(), "de421.bsp"))
    files = contextlib.ExitStack()  # skyfield reads the binary PCK lazily: open until the end
    with files:
        _peer_body(files, eph, ts, relay, sub, times, t_s, t0, step_s, runs)


def _peer_body(files, eph, ts, relay, sub, times, t_s, t0, step_s, runs) -> None:
    import skyfield
    from skyfield.keplerlib import _CONVERT_GM, _KeplerOrbit
    from skyfield.planetarylib import PlanetaryConstants
    from skyfield.units import Distance, Velocity

    from ilrs.comms.access import elevation_azimuth_deg, visible
    from ilrs.comms.orbits import GM_MOON_M3_S2, KeplerElements, elements_to_state, kepler_propagate
    from ilrs.comms.states import element_frame_to_icrf
    from ilrs.data import data_path
    from ilrs.environment import icrf_to_moon_me

    pc = PlanetaryConstants()
    with open(data_path("kernels", "moon_080317.tf"), "rb") as f:
        pc.read_text(f)
    pc.read_binary(files.enter_context(open(data_path("kernels", "moon_pa_de421_1900-2050.bpc"), "rb")))
    pc.variables["BODY301_RADII"] = [1737.4, 1737.4, 1737.4]
    frame = pc.build_frame_named("MOON_ME_DE421")
    start = t0.astype("datetime64[us]").item()
    epoch = ts.utc(start.year, start.month, start.day, start.hour, start.minute, start.second + start.microsecond / 1e6)
    t_sky = ts.utc(start.year, start.month, start.day, start.hour, start.minute,
                   start.second + start.microsecond / 1e6 + t_s)
    # the relay's osculating state at the grid's start, ICRF axes (the same as ours)
    to_icrf = element_frame_to_icrf(relay.frame, t0)
    r0_el, v0_el = elements_to_state(relay.elements)
    r0, v0 = to_icrf @ r0_el, to_icrf @ v0_el
    orbit = _KeplerOrbit(Distance(m=r0), Velocity(km_per_s=v0 / 1e3), epoch, GM_MOON_M3_S2 / 1e9 * _CONVERT_GM,
                         center=301, target_name=relay.key)
    mask_ext = np.hstack([sub.mask_deg, sub.mask_deg[:, :1]])  # periodic, 1-degree bins
    az_nodes = np.arange(mask_ext.shape[1]) * 360.0 / sub.mask_deg.shape[1]

    t_begin, c_begin = time.perf_counter(), time.process_time()
    sky_el = np.empty((times.size, sub.size))
    sky_vis = np.empty((times.size, sub.size), bool)
    for j in range(sub.size):
        site = pc.build_latlon_degrees(frame, sub.lat_deg[j], sub.lon_deg[j])
        alt, az, _ = (orbit - site).at(t_sky).altaz()
        sky_el[:, j] = alt.degrees
        lim = np.interp(az.degrees, az_nodes, mask_ext[j])
        sky_vis[:, j] = alt.degrees > np.maximum(lim, 5.0)
    t_peer, c_peer = time.perf_counter() - t_begin, time.process_time() - c_begin
    sky_rate = sky_el.size / t_peer

    # ours in the same two-body mode: closed-form Kepler, ICRF -> ME, our access geometry
    r_el, _ = kepler_propagate(KeplerElements.from_array(relay.elements.as_array()[None, :]), t_s)
    r_me = np.einsum("tij,tj->ti", icrf_to_moon_me(times), r_el[:, 0] @ to_icrf.T)
    our_el, _ = elevation_azimuth_deg(sub, r_me)
    our_vis = visible(sub, r_me, 5.0)
    d_el = float(np.abs(our_el - sky_el).max())
    n_diff = int((our_vis != sky_vis).sum())

    # what light time + aberration would change (skyfield's apparent place), one point, 1 day
    n_app = min(times.size, int(86400 / step_s))
    site0 = eph["moon"] + pc.build_latlon_degrees(frame, sub.lat_deg[0], sub.lon_deg[0])
    alt_app, _, _ = site0.at(t_sky[:n_app]).observe(eph["moon"] + orbit).apparent().altaz()
    d_app = float(np.abs(alt_app.degrees - sky_el[:n_app, 0]).max())

    print(f"peer: skyfield {skyfield.__version__}: relay {relay.key} (two-body, ICRF), {sub.size} points x "
          f"{times.size} epochs, (orbit - site).at(t).altaz() per point, geometric (no light time, no aberration)")
    print(f"  skyfield     : {t_peer:8.2f} s wall ({c_peer:.2f} s CPU) for {sky_el.size:.2e} -> {sky_rate:.3e} "
          f"evaluations/s; full problem ~{runs[0][1] / sky_rate / 60:.1f} min (includes propagation and frame, per point)")
    for name, n_eval_k, t_o, t_n, t_st in runs:
        print(f"  ratio [{name}]: ours / skyfield = {n_eval_k / t_o / sky_rate:.0f}x (access pass only; without "
              f"the sky bounds {n_eval_k / t_n / sky_rate:.0f}x); with our analytic relay states' time included "
              f"{n_eval_k / (t_o + t_st) / sky_rate:.0f}x (without bounds {n_eval_k / (t_n + t_st) / sky_rate:.0f}x)")
    print(f"  accuracy     : max |elevation ours - skyfield| = {d_el:.2e} deg, ours also two-body (kepler_propagate "
          f"of the same elements, geometric: no light time, no aberration) -> isolates propagation + frame + "
          f"access geometry; visibility booleans differing: {n_diff} of {our_vis.size}")
    print(f"  apparent     : skyfield observe().apparent() (light time + aberration, which nearly cancel for a "
          f"relay moving with the Moon) moves the elevation by up to {d_app:.4f} deg (point 0, first {n_app} "
          f"epochs); both sides above are geometric")


if __name__ == "__main__":
    main()
