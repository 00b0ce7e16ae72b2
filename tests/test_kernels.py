"""Compiled kernels against their NumPy references (``ILRS_KERNELS=numpy``), on random and edge inputs.

Tolerances (stated, and why):
* visibility: identical decisions wherever the target is more than 1e-9 deg from its limit
  (both paths are float64; at the limit itself atan2 rounding may decide either way);
* coverage statistics: identical counts on points whose horizon is tested by the float64 path;
* DEM heights: 1e-9 m (the same arithmetic, in the same order);
* DEM horizons: 1e-9 deg (libm vs NumPy trigonometry, a few ulp);
* gravity and the propagation right-hand side: 1e-12 relative (summation order);
* propagation over 30 days with the GRAIL field + Earth + Sun: positions within 10 m (issue 15).
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ilrs.comms.access import SurfacePoints, coverage, elevation_azimuth_deg, mask_elevation_deg, visible, visible_compiled
from ilrs.constants import MOON_RADIUS_M

MARGIN_DEG = 1e-9


@contextmanager
def kernels(choice: str):
    """ILRS_KERNELS=``choice`` inside the block, restored after it."""
    old = os.environ.get("ILRS_KERNELS")
    os.environ["ILRS_KERNELS"] = choice
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("ILRS_KERNELS", None)
        else:
            os.environ["ILRS_KERNELS"] = old


def _tilted(points: SurfacePoints, tilt: float) -> SurfacePoints:
    """The same points with up vectors tilted by ~``tilt`` rad (non-radial: the reference then takes
    its exact float64 path, not the float32 prefilter of visible_radial)."""
    up = points.up + tilt * points.east
    up /= np.linalg.norm(up, axis=1)[:, None]
    east = np.cross(points.north, up)
    east /= np.linalg.norm(east, axis=1)[:, None]
    north = np.cross(up, east)
    return SurfacePoints(points.lat_deg, points.lon_deg, points.position_me_m, east, north, up, points.mask_deg)


def _random_case(seed: int, n_pts: int, n_tg: int, with_mask: bool):
    rng = np.random.default_rng(seed)
    mask = rng.uniform(-3.0, 25.0, (n_pts, 36)) if with_mask else None
    pts = SurfacePoints.on_sphere(rng.uniform(-90, -80, n_pts), rng.uniform(-180, 180, n_pts),
                                  rng.uniform(-4000, 4000, n_pts), mask_deg=mask)
    direction = rng.normal(size=(n_tg, 3)) + np.array([0.0, 0.0, -1.5])
    targets = direction / np.linalg.norm(direction, axis=1)[:, None] * rng.uniform(1.74e6, 2e7, n_tg)[:, None]
    return pts, targets


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_pts=st.integers(1, 30), n_tg=st.integers(1, 40),
       with_mask=st.booleans(), min_el=st.floats(-10.0, 30.0), tilt=st.sampled_from([0.0, 1e-3]))
def test_visibility_kernel_equals_reference(seed, n_pts, n_tg, with_mask, min_el, tilt):
    pts, targets = _random_case(seed, n_pts, n_tg, with_mask)
    pts = _tilted(pts, tilt) if tilt else pts
    el, az = elevation_azimuth_deg(pts, targets)
    limit = np.maximum(mask_elevation_deg(pts, az), min_el)
    decided = np.abs(el - limit) > MARGIN_DEG
    ref = visible(pts, targets, min_el)
    got = visible_compiled(pts, targets, min_el)
    assert got.shape == ref.shape
    assert np.array_equal(got[decided], ref[decided])


def test_visibility_kernel_edges():
    """Zenith, horizon plane, nadir, due north (az 0 / 360 wrap), a mask at -90 and at +89 deg."""
    pts = SurfacePoints.on_sphere([-89.0, -89.0, -89.0], [30.0, 30.0, 30.0],
                                  mask_deg=np.array([[-90.0] * 4, [89.0] * 4, [0.0, 10.0, 20.0, 30.0]]))
    p, up, east, north = pts.position_me_m[0], pts.up[0], pts.east[0], pts.north[0]
    targets = np.array([p + 1e6 * up, p + 1e6 * east, p - 1e6 * up, p + 1e6 * north + 1e5 * up,
                        p + 1e6 * (north - 1e-16 * east) + 1e5 * up, p + 1e6 * (east + 0.1 * up)])
    for min_el in (-5.0, 0.0, 5.0):
        assert np.array_equal(visible_compiled(pts, targets, min_el), visible(pts, targets, min_el))
    # zenith (90 deg) clears every mask, 89 deg included; nadir none
    assert visible_compiled(pts, targets, 0.0)[0].tolist() == [True, True, True]
    assert visible_compiled(pts, targets, 0.0)[2].tolist() == [False, False, False]


def _coverage_both(pts, targets, step_s, min_el, usable):
    with kernels("numpy"):
        ref = coverage(pts, targets, step_s, min_el, target_usable=usable)
    with kernels("numba"):
        got = coverage(pts, targets, step_s, min_el, target_usable=usable)
    return ref, got


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_t=st.integers(1, 60), n_sat=st.integers(1, 4), n_pts=st.integers(1, 12),
       min_el=st.floats(0.0, 20.0))
def test_coverage_kernel_equals_reference(seed, n_t, n_sat, n_pts, min_el):
    pts, flat = _random_case(seed, n_pts, n_t * n_sat, True)
    pts = _tilted(pts, 1e-3)
    usable = np.random.default_rng(seed + 1).random((n_t, n_sat)) > 0.2
    ref, got = _coverage_both(pts, flat.reshape(n_t, n_sat, 3), 600.0, min_el, usable)
    for key in ("availability", "n_windows", "max_gap_hours", "mean_gap_hours"):
        assert np.array_equal(got[key], ref[key]), key


def test_coverage_kernel_closed_form_gaps():
    """One point, one target at zenith (seen) or nadir (not): pattern 1100010 at 1 h steps →
    availability 3/7, 2 windows, 2 gaps (3 h and 1 h), longest 3 h, mean 2 h."""
    pts = SurfacePoints.on_sphere([-85.0], [0.0])
    zenith, nadir = pts.position_me_m[0] * 3.0, -pts.position_me_m[0] * 3.0
    targets = np.array([[zenith if c == "1" else nadir] for c in "1100010"])
    for choice in ("numba", "numpy"):
        with kernels(choice):
            out = coverage(pts, targets, 3600.0, 0.0)
        assert out["availability"][0] == pytest.approx(3 / 7)
        assert (out["n_windows"][0], out["max_gap_hours"][0], out["mean_gap_hours"][0]) == (2, 3.0, 2.0)


# -- environment: DEM heights and horizons ---------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(lat=st.lists(st.floats(-90, 90), min_size=1, max_size=20), lon=st.floats(-720, 720))
def test_ground_height_kernel_equals_reference(lat, lon):
    from ilrs.environment.dem import ground_height_m

    lat_a = np.array(lat + [90.0, -90.0, -89.9375, 89.99])
    with kernels("numpy"):
        ref = ground_height_m(lat_a, lon)
    with kernels("numba"):
        got = ground_height_m(lat_a, lon)
    assert got.shape == ref.shape
    assert np.allclose(got, ref, rtol=0, atol=1e-9)


@settings(max_examples=8, deadline=None)
@given(lat=st.floats(-90.0, -75.0), lon=st.floats(-180.0, 180.0), mast_m=st.floats(0.0, 20.0))
@example(lat=-89.4375, lon=0.0, mast_m=0.0)  # on a cell-centre row: a group's bound missed its tangent point
def test_dem_horizon_kernel_equals_reference(lat, lon, mast_m):
    from ilrs.environment import Site
    from ilrs.environment.terrain import horizon_for_site

    site = Site(name="s", lat_deg=lat, lon_deg=lon, height_m=100.0, mast_height_m=mast_m)
    with kernels("numpy"):
        ref = horizon_for_site(site, "dem", max_range_m=60_000.0).elevation_deg
    with kernels("numba"):
        got = horizon_for_site(site, "dem", max_range_m=60_000.0).elevation_deg
    assert np.allclose(got, ref, rtol=0, atol=1e-9)


def _dense_tan_elevation(site, azimuth_rad: float, g_rad: np.ndarray, r0_m: float) -> np.ndarray:
    """tan(elevation) of the coarse DEM's bilinear surface (NumPy heights) at central angles ``g_rad``
    along the great circle leaving ``site`` at ``azimuth_rad``: the brute-force march."""
    from ilrs.environment.dem import ground_height_m

    e, n, u = site.enu_matrix
    t = np.cos(azimuth_rad) * n + np.sin(azimuth_rad) * e
    p = np.cos(g_rad)[:, None] * u + np.sin(g_rad)[:, None] * t
    lat = np.degrees(np.arcsin(np.clip(p[:, 2], -1.0, 1.0)))
    lon = np.degrees(np.arctan2(p[:, 1], p[:, 0]))
    with kernels("numpy"):
        r1 = MOON_RADIUS_M + ground_height_m(lat, lon)
    return (r1 * np.cos(g_rad) - r0_m) / (r1 * np.sin(g_rad))


def test_dem_horizon_at_a_row_column_crossing_against_a_dense_march():
    """A site on a cell-centre row and column (89.4375°S 0.0625°E, 17 km from the pole), 60 km, every
    0.5°, against the bilinear surface marched every metre (a lower bound of its maximum, as is the
    compiled march: each takes points of the surface):
    * every bound of the branch and bound (each group of intervals, each interval) is at least the
      dense march's maximum over its stretch (a group's bound once missed the tangent point inside it:
      a horizon 7.5e-4° low at azimuth 98.5°);
    * with 64 samples per stretch the compiled horizon is at most 2e-4° below the dense march
      (measured 1.4e-4°: kinks placed to first order) on rays passing > 4.6 km from the pole (nearer,
      the 10 m minimum step skips columns, dem.MIN_STEP_M), and at most 2e-3° above it anywhere (the
      1 m step misses a kink by < 0.5 m, worth 9e-4° on the nearest terrain)."""
    from ilrs.environment import Site
    from ilrs.environment._kernels import _interval_bound, _rows_max_km, _sphere_tan_bound
    from ilrs.environment.dem import _padded_dem_km, block_maxima_km, interval_bounds_rad
    from ilrs.environment.terrain import CELL_DEG, COARSE_GROWTH, COARSE_STEP_M, horizon_from_terrain

    site = Site(name="crossing", lat_deg=-89.4375, lon_deg=0.0625, height_m=100.0, mast_height_m=0.0)
    r0, s_max = MOON_RADIUS_M + 100.0, 60_000.0 / MOON_RADIUS_M
    bounds, groups = interval_bounds_rad(s_max, COARSE_STEP_M / MOON_RADIUS_M, COARSE_GROWTH)
    stretches = [(bounds[a], bounds[b]) for a, b in zip(groups[:-1], groups[1:])] + list(zip(bounds[:-1], bounds[1:]))
    stretches = [(ga, gb) for ga, gb in stretches if ga > 0.0]  # the first is marched, never bounded
    g = np.arange(1.0, 60_000.5, 1.0) / MOON_RADIUS_M
    z, blocks, e, n, u = _padded_dem_km(), block_maxima_km(), *site.enu_matrix
    with kernels("numba"):
        horizon = horizon_from_terrain(site, max_range_m=60_000.0, samples_per_cell=64)
    dense_deg, pole_m = np.empty(horizon.azimuth_deg.size), np.empty(horizon.azimuth_deg.size)
    for k, az in enumerate(np.radians(horizon.azimuth_deg)):
        tan_el = _dense_tan_elevation(site, az, g, r0)
        dense_deg[k] = np.degrees(np.arctan(tan_el.max()))
        t = np.cos(az) * n + np.sin(az) * e
        pole_m[k] = MOON_RADIUS_M * np.hypot(*(np.cos(g)[:, None] * u[:2] + np.sin(g)[:, None] * t[:2]).T).min()
        for ga, gb in stretches:
            bound = _interval_bound(z, *blocks, CELL_DEG, u, *t, ga, gb, bool(u[0] * t[1] - u[1] * t[0] >= 0.0), 0.0,
                                    MOON_RADIUS_M, r0)
            assert bound >= tan_el[np.searchsorted(g, ga):np.searchsorted(g, gb, "right")].max(), \
                (horizon.azimuth_deg[k], ga * MOON_RADIUS_M)
            reach_rb = MOON_RADIUS_M + 1000.0 * _rows_max_km(blocks[2], CELL_DEG, site.lat_deg, np.degrees(s_max))
            assert _sphere_tan_bound(reach_rb, r0, ga, gb) >= bound  # the cheap bound bounds the bound
    below = dense_deg - horizon.elevation_deg
    assert below[pole_m > 4600.0].max() < 2e-4
    assert -below.min() < 2e-3
    assert (pole_m > 4600.0).sum() > 600  # the comparison is not empty


def _corner_heights_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """The highest of the four padded-DEM cells a bilinear sample at (lat, lon) reads (the row and
    column arithmetic of dem.ground_height_m, written out here)."""
    from ilrs.environment.dem import CELL_DEG, _padded_dem_km

    z = _padded_dem_km()
    nr, nc = z.shape
    fi = (90.0 - lat) / CELL_DEG + 0.5
    fi = np.where(lat > 90.0 - CELL_DEG / 2, (90.0 - lat) / (CELL_DEG / 2), fi)
    fi = np.clip(np.where(lat < -90.0 + CELL_DEG / 2, nr - 1 - (lat + 90.0) / (CELL_DEG / 2), fi), 0.0, nr - 1.0)
    i0 = np.minimum(np.floor(fi).astype(np.int64), nr - 2)
    j0 = np.floor(((lon + 180.0) / CELL_DEG - 0.5) % nc).astype(np.int64) % nc
    j1 = (j0 + 1) % nc
    return np.max([z[i0, j0], z[i0, j1], z[i0 + 1, j0], z[i0 + 1, j1]], axis=0)


@settings(max_examples=12, deadline=None)
@given(lat=st.floats(-90.0, -60.0), lon=st.floats(-180.0, 180.0), seed=st.integers(0, 2**32 - 1))
@example(lat=-90.0, lon=0.0, seed=1)  # at the pole: every ray crosses nothing but polar rows
@example(lat=-89.9, lon=179.99, seed=2)  # the antimeridian beside the pole
def test_sector_table_bounds_every_cell_a_ray_reads(lat, lon, seed):
    """Every sample of a ray, out to 250 km every 50 m, reads cells no higher than the sector table's
    entry for the ray's azimuth sector and the sample's distance group (the bound that prunes the
    march must never be below the terrain)."""
    from ilrs.environment import Site
    from ilrs.environment._kernels import CORNER_MARGIN_M, SECTORS, _sector_heights_km
    from ilrs.environment.dem import _padded_dem_km, block_maxima_km, interval_bounds_rad
    from ilrs.environment.terrain import CELL_DEG, COARSE_GROWTH, COARSE_STEP_M, DEFAULT_MAX_RANGE_M

    site = Site(name="s", lat_deg=lat, lon_deg=lon, height_m=0.0)
    e, n, u = (np.ascontiguousarray(v, float) for v in site.enu_matrix)
    bounds, groups = interval_bounds_rad(DEFAULT_MAX_RANGE_M / MOON_RADIUS_M, COARSE_STEP_M / MOON_RADIUS_M,
                                         COARSE_GROWTH)
    edges = bounds[groups]
    b16, _, row_max = block_maxima_km()
    table = _sector_heights_km(_padded_dem_km(), b16, row_max, CELL_DEG, e, n, u, edges, SECTORS,
                               CORNER_MARGIN_M / MOON_RADIUS_M, MOON_RADIUS_M, MOON_RADIUS_M, 0.0, -np.inf)
    g = np.arange(50.0, DEFAULT_MAX_RANGE_M, 50.0) / MOON_RADIUS_M
    k = np.clip(np.searchsorted(edges, g, "right") - 1, 0, edges.size - 2)
    for az in np.random.default_rng(seed).uniform(0.0, 2 * np.pi, 24):
        t = np.cos(az) * n + np.sin(az) * e
        p = np.cos(g)[:, None] * u + np.sin(g)[:, None] * t
        lat_p = np.degrees(np.arcsin(np.clip(p[:, 2], -1.0, 1.0)))
        lon_p = np.degrees(np.arctan2(p[:, 1], p[:, 0]))
        sector = int(np.floor(az / (2 * np.pi / SECTORS))) % SECTORS
        assert np.all(_corner_heights_km(lat_p, lon_p) <= table[k, sector]), np.degrees(az)


@settings(max_examples=8, deadline=None)
@given(lat=st.floats(-90.0, -80.0), lon=st.floats(-180.0, 180.0), ground_m=st.floats(-4000.0, 5000.0),
       floor_deg=st.floats(0.0, 20.0), choice=st.sampled_from(["numba", "numpy"]))
@example(lat=-85.0, lon=40.0, ground_m=-3000.0, floor_deg=5.0, choice="numba")  # a crater floor: many bins above
def test_floored_horizon_is_exact_where_a_limit_reads_it(lat, lon, ground_m, floor_deg, choice):
    """horizon_above_floor_deg against the full horizon: equal in every bin above the floor and beside
    one, the floor itself elsewhere, where the full horizon is at most the floor."""
    from ilrs.environment import Site
    from ilrs.environment.terrain import horizon_above_floor_deg, horizon_from_terrain

    site = Site(name="s", lat_deg=lat, lon_deg=lon, height_m=ground_m)
    with kernels(choice):
        full = horizon_from_terrain(site, azimuth_step_deg=1.0, max_range_m=80_000.0).elevation_deg
        got = horizon_above_floor_deg(site, floor_deg, azimuth_step_deg=1.0, max_range_m=80_000.0)
    above = full > floor_deg
    kept = above | np.roll(above, 1) | np.roll(above, -1)
    assert np.allclose(got[kept], full[kept], rtol=0, atol=1e-12)
    assert np.all(got[~kept] == floor_deg) and np.all(full[~kept] <= floor_deg)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), floor_deg=st.floats(0.0, 15.0), choice=st.sampled_from(["numba", "numpy"]))
def test_a_floored_mask_gives_the_same_coverage(seed, floor_deg, choice):
    """max(interpolated mask, limit) reads a bin only beside its azimuth: a mask holding the limit in
    every bin that is at or below it and has no neighbour above it covers exactly like the full mask."""
    pts, flat = _random_case(seed, 8, 30 * 3, True)
    above = pts.mask_deg > floor_deg
    kept = above | np.roll(above, 1, axis=1) | np.roll(above, -1, axis=1)
    floored = SurfacePoints(pts.lat_deg, pts.lon_deg, pts.position_me_m, pts.east, pts.north, pts.up,
                            np.where(kept, pts.mask_deg, floor_deg))
    usable = np.random.default_rng(seed + 1).random((30, 3)) > 0.2
    with kernels(choice):
        full = coverage(pts, flat.reshape(30, 3, 3), 600.0, floor_deg, target_usable=usable)
        got = coverage(floored, flat.reshape(30, 3, 3), 600.0, floor_deg, target_usable=usable)
    for key in ("availability", "n_windows", "max_gap_hours", "mean_gap_hours"):
        assert np.array_equal(got[key], full[key]), key


# -- gravity and propagation -----------------------------------------------------------------------

@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), degree=st.integers(0, 20))
def test_field_kernel_equals_reference(seed, degree):
    from ilrs.comms._kernels import field_acceleration
    from ilrs.comms.gravity import GravityField

    g = GravityField.grail(degree=degree)
    rng = np.random.default_rng(seed)
    u = rng.normal(size=(6, 3))
    r = u / np.linalg.norm(u, axis=1)[:, None] * (MOON_RADIUS_M + rng.uniform(20e3, 9e6, 6))[:, None]
    r[0] = [0.0, 0.0, -(MOON_RADIUS_M + 50e3)]  # over the pole: x = y = 0
    V, W = np.empty((degree + 3, degree + 3)), np.empty((degree + 3, degree + 3))
    got = np.array([field_acceleration(*p, g.C, g.S, g.gm_m3_s2, g.radius_m, g.degree, V, W) for p in r])
    ref = g.acceleration(r)
    assert np.allclose(got, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())


def _force(degree: int = 8):
    from ilrs.comms.gravity import GravityField
    from ilrs.comms.propagation import ForceModel
    from ilrs.comms.states import ephemeris_table

    return ForceModel(GravityField.grail(degree=degree), ephemeris_table(np.datetime64("2030-01-01T00:00"), 86400.0))


def test_relay_rhs_equals_reference():
    from ilrs.comms.propagation import _compiled_rhs, _numpy_rhs

    force = _force()
    rng = np.random.default_rng(3)
    for t in (0.0, 1234.5, 86400.0):
        y = np.concatenate([rng.normal(size=(4, 3)) * 3e6, rng.normal(size=(4, 3)) * 1e3], axis=1)
        y[:, :3] *= (MOON_RADIUS_M + 1e5) / np.minimum(np.linalg.norm(y[:, :3], axis=1), 1e12)[:, None]
        ref = _numpy_rhs(force, 4, [0])(t, y.ravel())
        got = _compiled_rhs(force, [0])(t, y.ravel())
        assert np.allclose(got, ref, rtol=1e-12, atol=1e-15)


def test_propagation_30_days_within_10_m_of_the_reference():
    """A frozen ELFO relay (Queqiao-2's published elements), GRAIL 8x8 + Earth + Sun, 30 days."""
    from ilrs.comms.relays import builtin_constellations, resolve_relays
    from ilrs.comms.states import relay_states

    relays = [r for r in resolve_relays(builtin_constellations()["queqiao"]) if r.kind == "keplerian"]
    times = np.datetime64("2030-01-01T00:00") + np.arange(0, 30 * 24 * 60 + 1, 60).astype("timedelta64[m]")
    out = {}
    for choice in ("numpy", "numba"):
        with kernels(choice):
            out[choice] = relay_states(relays, times, use_cache=False).r_icrf_m
    gap = np.linalg.norm(out["numba"] - out["numpy"], axis=-1)
    assert gap.max() < 10.0
    assert np.linalg.norm(out["numpy"], axis=-1).min() > MOON_RADIUS_M  # a real orbit, not a zero array


def test_unknown_kernel_choice_is_refused():
    from ilrs._compiled import kernels_choice
    from ilrs.errors import InputError

    with kernels("fortran"), pytest.raises(InputError, match="ILRS_KERNELS"):
        kernels_choice()
    with kernels("NumPy"):
        assert kernels_choice() == "numpy"


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_orbits=st.integers(1, 5), sampled=st.booleans())
def test_secular_kernel_equals_reference(seed, n_orbits, sampled):
    """The analytic mode's averaged rates (J2 + two third bodies), fixed and sampled poles."""
    from ilrs.comms.orbits import PoleTrack, _compiled_secular_rhs, secular_rates_vector

    rng = np.random.default_rng(seed)
    j = rng.normal(size=(n_orbits, 3))
    j *= rng.uniform(0.3, 1.0, (n_orbits, 1)) / np.linalg.norm(j, axis=1)[:, None]
    e = rng.normal(size=(n_orbits, 3)) * 0.3
    a = rng.uniform(2.0e6, 1.0e7, n_orbits)
    t_knots = np.linspace(0.0, 1e7, 6)
    raw = [rng.normal(size=(6, 3)) + [0, 0, 3] if sampled else rng.normal(size=3) for _ in range(3)]
    tracks = [PoleTrack(p, t_knots if sampled else None) for p in raw]
    third = np.array([2.3e-13, 1.1e-13])
    t = float(rng.uniform(0.0, 1e7))
    ref = secular_rates_vector(j, e, a, j2=2.03e-4, spin=tracks[0](t),
                               third=[(c, p(t)) for c, p in zip(third, tracks[1:])], body_radius_m=1.738e6, mu=4.9e12)
    y = np.concatenate([j, e, np.zeros((n_orbits, 1))], axis=1).ravel()
    got = _compiled_secular_rhs(a, 2.03e-4, 1.738e6, 4.9e12, tracks, third)(t, y).reshape(n_orbits, 7)
    want = np.concatenate([ref[0], ref[1], ref[2][:, None]], axis=1)
    assert np.allclose(got, want, rtol=1e-11, atol=1e-12 * np.abs(want).max())


def test_analytic_mode_30_days_within_10_m_of_the_reference():
    """The Moonlight constellation in the analytic mode (J2 + Earth/Sun averaged), 30 days hourly:
    the compiled rates give the same orbits to the integrator's tolerance (rtol 1e-9)."""
    from ilrs.comms.relays import resolve_relays
    from ilrs.comms.states import relay_states

    relays = resolve_relays(["moonlight"])
    times = np.datetime64("2030-01-01T00:00") + np.arange(0, 30 * 24 + 1).astype("timedelta64[h]")
    out = {}
    for choice in ("numpy", "numba"):
        with kernels(choice):
            out[choice] = relay_states(relays, times, propagation="j2", use_cache=False).r_icrf_m
    assert np.linalg.norm(out["numba"] - out["numpy"], axis=-1).max() < 10.0


# -- operations: the power dispatch and the data store ---------------------------------------------

def _units(rng, n_units: int):
    from ilrs.operations.storage import StorageUnit

    out = []
    for _ in range(n_units):
        cap = float(rng.uniform(1e8, 5e9))
        floor = cap * float(rng.uniform(0.0, 0.4))
        out.append(StorageUnit(float(rng.uniform(floor, cap)), cap, floor, float(rng.uniform(0.8, 1.0)),
                               float(rng.uniform(0.8, 1.0)), float(rng.choice([np.inf, rng.uniform(500, 8000)]))))
    return out


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_units=st.integers(0, 3), n_steps=st.integers(1, 400))
def test_power_dispatch_kernel_equals_the_loops(seed, n_units, n_steps):
    """dispatch_steps against the Python loops (one unit, several, none), bitwise: every served
    level, curtailment, stored energy, mode and level, the units' energies and the sums."""
    import copy

    from ilrs.operations.power import LoadLadder, SheddingPolicy, dispatch

    rng = np.random.default_rng(seed)
    levels = sorted(rng.uniform(200.0, 6000.0, 2 * int(rng.integers(0, 4)) + 1).tolist(), reverse=True)
    ladder = LoadLadder(levels, [None] * ((len(levels) - 1) // 2))
    policy = SheddingPolicy(float(rng.uniform(0.4, 0.9)), float(rng.uniform(0.05, 0.35)))
    gen = (rng.uniform(0.0, 1.3, n_steps) * max(levels) * (rng.random(n_steps) < 0.6)).tolist()
    units = _units(rng, n_units)
    ref_units, got_units = copy.deepcopy(units), copy.deepcopy(units)
    with kernels("numpy"):
        ref = dispatch(gen, ladder, ref_units, policy, 3600.0)
    with kernels("numba"):
        got = dispatch(gen, ladder, got_units, policy, 3600.0)
    assert got == ref
    assert [u.energy_j for u in got_units] == [u.energy_j for u in ref_units]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_groups=st.integers(1, 6), n_steps=st.integers(1, 300))
def test_data_store_kernel_equals_the_loop(seed, n_groups, n_steps):
    """data_steps against DataStore.advance's loop, bitwise: per-step series, per-group produced,
    returned, lost and stored bits, the store's content, and the backlog alarm events."""
    from ilrs.operations.datastore import DataStore
    from ilrs.operations.model import AlarmParams, ExperimentParams

    rng = np.random.default_rng(seed)
    n_levels = 3
    prod = rng.uniform(0.0, 5e9, (n_levels, n_groups)) * (rng.random((n_levels, n_groups)) < 0.8)
    levels = rng.integers(0, n_levels, n_steps).tolist()
    modes = rng.choice([0, 1, 2, 3], n_steps, p=[0.6, 0.2, 0.1, 0.1]).tolist()
    link = (rng.uniform(0.0, 2e10, n_steps) * (rng.random(n_steps) < 0.5)).tolist()
    alarms = AlarmParams(data_backlog_above=float(rng.uniform(0.3, 0.9)))
    capacity_bit = float(rng.uniform(1e10, 1e11))
    experiments = tuple(ExperimentParams(f"x{q}", "element", f"owner{q}", "area", 1.0) for q in range(n_groups))
    out = {}
    for choice in ("numpy", "numba"):
        store = DataStore(experiments, capacity_bit, n_steps)
        events: list = []
        with kernels(choice):
            store.advance(0, levels, modes, link, prod.tolist(), alarms, events, 3600.0)
        out[choice] = (store.stored_bit, store.produced_bit, store.returned_bit, store.lost_bit, store.total_bit,
                       store.backlog_alarm, events, store.s_stored_bit.tolist(), store.s_produced_bit.tolist(),
                       store.s_returned_bit.tolist(), store.s_lost_bit.tolist())
    assert out["numba"] == out["numpy"]
