"""Horizon bounds from a coarse DEM against synthetic truth (issue 13, item 2).

Fractal terrain at 40 m/px over 102 km around the south pole (a generator of our own: spectral
synthesis, amplitude ∝ k^-(1+H) with H = 0.8, the self-affine range measured for lunar
topography below ~1 km, Rosenburg et al. 2011, JGR 116, E02001); its exact lit fraction at a set
of points from the fine DEM; the same terrain block-averaged to 3.8 km (95×95 px): the range the
coarse DEM reports must hold the fine truth at ≥ 90 % of the points. The Sun is computed here from
its ME position vector (independent of the horizon code); lit = any part of the disk above the
horizon.
"""

from __future__ import annotations

import numpy as np
import pytest

from ilrs.environment import Site, horizon_bounds, time_grid
from ilrs.environment.ephemeris import icrf_to_moon_me, sun_position_m
from ilrs.environment.terrain import PolarStereoDEM, horizon_from_terrain

R = 1_737_400.0
SUN_RADIUS_M = 695_700_000.0  # IAU 2015 nominal solar radius
FINE_M, BLOCK = 40.0, 95      # 40 m/px, blocks of 95 px = 3.8 km


def fractal_surface_m(n: int, hurst: float, sigma_m: float, seed: int) -> np.ndarray:
    """n×n self-affine heights (m): random phases, amplitude ∝ k^-(1+H), zero mean, std sigma_m."""
    rng = np.random.default_rng(seed)
    kx = np.fft.fftfreq(n)[:, None]
    ky = np.fft.rfftfreq(n)[None, :]
    k = np.hypot(kx, ky)
    k[0, 0] = 1.0
    spec = (rng.normal(size=k.shape) + 1j * rng.normal(size=k.shape)) * k ** -(1.0 + hurst)
    spec[0, 0] = 0.0
    z = np.fft.irfft2(spec, s=(n, n))
    return (z - z.mean()) / z.std() * sigma_m


def _dem(z: np.ndarray, pixel_m: float) -> PolarStereoDEM:
    """A polar-stereographic DEM centred on the south pole (row 0 at +y)."""
    half = z.shape[0] * pixel_m / 2
    return PolarStereoDEM(z, -half + pixel_m / 2, half - pixel_m / 2, pixel_m, source=f"synthetic {pixel_m:g} m")


def _sun_me_m(times) -> np.ndarray:
    return np.einsum("tij,tj->ti", icrf_to_moon_me(times), sun_position_m(times))


def _lit_fraction(site: Site, mask, sun_me: np.ndarray) -> float:
    """Fraction of epochs with any part of the solar disk above the mask (independent geometry)."""
    v = sun_me - site.position_me_m
    az, el = site.azel_me(v)
    radius_deg = np.degrees(np.arcsin(SUN_RADIUS_M / np.linalg.norm(v, axis=1)))
    return float(np.mean(el + radius_deg > mask.elevation_at(az)))


def _case(n_blocks: int, n_points: int, seed: int, months: int):
    fine_z = fractal_surface_m(BLOCK * n_blocks, 0.8, 400.0, seed)
    fine = _dem(fine_z, FINE_M)
    coarse = _dem(fine_z.reshape(n_blocks, BLOCK, n_blocks, BLOCK).mean(axis=(1, 3)), FINE_M * BLOCK)
    times = time_grid("2030-01-01", days=30.4 * months, step_s=3600)
    sun = _sun_me_m(times)
    rng = np.random.default_rng(seed + 1)
    rho = 14_000.0 * np.sqrt(rng.uniform(0.02, 1.0, n_points))
    ang = rng.uniform(0, 2 * np.pi, n_points)
    lat, lon = fine.xy_to_latlon(rho * np.sin(ang), rho * np.cos(ang))
    march = dict(use_global=False, azimuth_step_deg=2.0, max_range_m=32_000.0)
    rows = []
    for la, lo in zip(lat, lon):
        on_fine = Site("p", float(la), float(lo), height_m=float(fine.height_at(la, lo)), mast_height_m=2.0)
        truth = _lit_fraction(on_fine, horizon_from_terrain(on_fine, fine, **march), sun)
        on_coarse = on_fine.with_height(float(coarse.height_at(la, lo)))
        b = horizon_bounds(on_coarse, [coarse], **march)
        lo_f = _lit_fraction(on_coarse, b.pessimistic, sun)
        hi_f = _lit_fraction(on_coarse, b.optimistic, sun)
        central = _lit_fraction(on_coarse, horizon_from_terrain(on_coarse, coarse, **march), sun)
        rows.append((truth, lo_f, central, hi_f))
    return np.array(rows)


def _assert_brackets(rows: np.ndarray) -> None:
    truth, lo, central, hi = rows.T
    assert np.all(lo <= central + 1e-12) and np.all(central <= hi + 1e-12)
    inside = (lo - 1e-9 <= truth) & (truth <= hi + 1e-9)
    assert inside.mean() >= 0.9, rows.round(3)


def test_coarse_range_holds_the_fine_truth():
    _assert_brackets(_case(n_blocks=27, n_points=12, seed=7, months=6))


@pytest.mark.slow
def test_coarse_range_holds_the_fine_truth_many_points():
    _assert_brackets(_case(n_blocks=27, n_points=40, seed=11, months=12))


def test_fine_dem_needs_no_range():
    z = fractal_surface_m(64, 0.8, 50.0, 3)
    site = Site("p", -89.99, 0.0, mast_height_m=2.0)
    assert horizon_bounds(site, [_dem(z, 20.0)], use_global=False) is None
    b = horizon_bounds(site, [_dem(z, 400.0)], use_global=False, max_range_m=10_000.0)
    assert b.unresolved_m == 400.0 and "400 m/px" in b.dem and "LOLA" in b.narrowed_by
    assert set(b.assumptions) == {"optimistic", "pessimistic"}
    # the optimistic mask is nowhere above the pessimistic one
    assert np.all(b.optimistic.elevation_deg <= b.pessimistic.elevation_deg + 1e-12)
