"""The horizon bounds downstream: a track against another mask, the ranges of the span statistics,
the one-line warning, the operations KPIs as ranges and the risk runs' horizon draw.

Expected values are computed here independently of the code under test: with a horizon that is
the same at every azimuth (h), the Sun is lit exactly when its upper limb clears h
(el + asin(R_sun/d) > h, R_sun = 695,700 km, IAU 2015 nominal solar radius), the Earth is visible
when its centre does (el > h); a range between two such masks is therefore known in closed form.
The disk integral is a 24-node Gauss–Legendre quadrature across the disk, which cannot see a
sliver of limb thinner than ρ·(1 − cos(π/2·x₁)) ≈ 0.0013° (x₁ ≈ 0.064 its innermost node): the
lit fraction is asserted between the closed forms at h + SLIVER_DEG and at h.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest

from ilrs.environment import HorizonMask, get_site, sun_earth_azel, time_grid
from ilrs.environment.horizon_range import (HorizonRange, blended_mask, bounds_assumption_lines, bounds_warning, horizon_range,
                                            track_under_horizon)
from ilrs.environment.illumination import span_statistics
from ilrs.scenario import load_scenario, scenario_from_dict

R_SUN_M = 6.957e8  # IAU 2015 Resolution B3 nominal solar radius
SLIVER_DEG = 0.002


@dataclass(frozen=True)
class Bounds:
    """The fields of contract T1's HorizonBounds (the plumbing reads nothing else)."""

    optimistic: HorizonMask
    pessimistic: HorizonMask
    assumptions: dict
    unresolved_m: float
    dem: str
    narrowed_by: str


def flat(h_deg: float, n: int = 12) -> HorizonMask:
    """A terrain-kind mask at ``h_deg`` at every one of ``n`` azimuths (the multi-azimuth path)."""
    az = np.arange(n) * 360.0 / n
    return HorizonMask(az, np.full(n, h_deg), kind="dem", source=f"flat {h_deg}°")


def bounds_of(opt: HorizonMask, pes: HorizonMask) -> Bounds:
    return Bounds(opt, pes, {"optimistic": "the site is the local high point.",
                             "pessimistic": "the site stands on the interpolated surface."},
                  3800.0, "test DEM (0.125°)", "a 20 m/px LOLA DEM")


@pytest.fixture(scope="module")
def track():
    site = get_site("connecting-ridge", mast_height_m=2.0)
    return sun_earth_azel(site, time_grid("2027-01-01", days=120, step_s=3600.0), HorizonMask.none())


def lit_closed_form(track, h_deg: float) -> float:
    rho = np.degrees(np.arcsin(R_SUN_M / track.sun_distance_m))
    return float(np.mean(track.sun_elevation_deg + rho > h_deg))


def test_flat_masks_give_the_closed_form_lit_and_earth_fractions(track):
    for h in (-0.6, 0.0, 0.4, 1.1):
        t = track_under_horizon(track, flat(h))
        st = span_statistics(t, 3600.0)
        assert lit_closed_form(track, h + SLIVER_DEG) <= st.lit_fraction <= lit_closed_form(track, h)
        assert st.earth_visible_fraction == pytest.approx(float(np.mean(track.earth_elevation_deg > h)), abs=1e-12)
        # the geometry is read, not recomputed
        assert np.array_equal(t.sun_elevation_deg, track.sun_elevation_deg)


def test_a_mask_pair_gives_the_range_computed_independently(track):
    central = span_statistics(track, 3600.0)  # the astronomical horizon, 0°
    rng = horizon_range(track, central, bounds_of(flat(-0.3), flat(0.8)))
    lit = rng.figure("lit_fraction")
    assert lit_closed_form(track, -0.3 + SLIVER_DEG) <= lit["optimistic"] <= lit_closed_form(track, -0.3)
    assert lit_closed_form(track, 0.8 + SLIVER_DEG) <= lit["pessimistic"] <= lit_closed_form(track, 0.8)
    assert lit["low"] <= lit["central"] <= lit["high"]
    assert lit["optimistic"] > lit["pessimistic"]  # ~0.5° of Sun per hour of lit time at this site
    earth = rng.figure("earth_visible_fraction")
    assert earth["pessimistic"] == pytest.approx(float(np.mean(track.earth_elevation_deg > 0.8)), abs=1e-12)
    dark = rng.figure("longest_darkness_hours")
    assert dark["optimistic"] <= dark["central"] <= dark["pessimistic"]
    line = rng.warning()
    assert "\n" not in line and line.startswith("warning:")
    assert "20 m/px LOLA" in line
    assert bounds_assumption_lines(rng.bounds) == ["optimistic end: the site is the local high point",
                                                   "pessimistic end: the site stands on the interpolated surface"]
    assert f"{lit['low']:.1%}–{lit['high']:.1%}" in line
    d = rng.to_dict()
    assert d["statistics"]["lit_fraction"] == lit and d["collapsed"] is False and d["unresolved_m"] == 3800.0


def test_a_flat_site_range_collapses(track):
    mask = flat(0.25)
    site = get_site("connecting-ridge", mast_height_m=2.0)
    central_track = sun_earth_azel(site, track.times, mask)
    central = span_statistics(central_track, 3600.0)
    rng = horizon_range(central_track, central, bounds_of(mask, mask))
    for name in ("lit_fraction", "longest_darkness_hours", "earth_visible_fraction", "mean_visible_solar_fraction"):
        f = rng.figure(name)
        assert f["high"] - f["low"] == pytest.approx(0.0, abs=1e-9), name
    assert rng.collapsed and rng.warning() == ""
    assert lit_closed_form(track, 0.25 + SLIVER_DEG) <= rng.figure("lit_fraction")["central"] \
        <= lit_closed_form(track, 0.25)


def test_no_bounds_no_range(track):
    assert horizon_range(track, span_statistics(track, 3600.0), None) is None


def test_blended_mask_is_linear_in_elevation_between_the_ends():
    opt = HorizonMask(np.array([0.0, 90.0, 180.0, 270.0]), np.array([0.0, 1.0, 2.0, 3.0]), kind="dem")
    pes = HorizonMask(np.array([45.0, 225.0]), np.array([4.0, 6.0]), kind="dem")
    b = bounds_of(opt, pes)
    assert blended_mask(b, 0.0) is opt and blended_mask(b, 1.0) is pes
    mid = blended_mask(b, 0.25)
    # at azimuth 90: optimistic 1.0; pessimistic interpolates 45→225 (4→6) to 4 + 2·45/180 = 4.5
    assert float(mid.elevation_at(90.0)) == pytest.approx(0.75 * 1.0 + 0.25 * 4.5)
    assert set(mid.azimuth_deg) == {0.0, 45.0, 90.0, 180.0, 225.0, 270.0}


def test_bounds_warning_is_one_line_and_each_end_states_its_assumption():
    b = bounds_of(flat(0.0), flat(1.0))
    line = bounds_warning(b, "lit 50.0%–90.0%")
    assert line.count("\n") == 0 and len(line) < 300
    assert "3,800 m" in line and "test DEM (0.125°)" in line and line.endswith("would narrow it")
    assert bounds_assumption_lines(b) == ["optimistic end: the site is the local high point",
                                          "pessimistic end: the site stands on the interpolated surface"]


def test_kpi_ranges_envelope_the_three_runs():
    from types import SimpleNamespace

    from ilrs.operations.study import kpi_ranges

    central = {"energy_not_served_kwh": 10.0, "min_soc": None}
    ends = {"optimistic": SimpleNamespace(kpis={"energy_not_served_kwh": 2.0, "min_soc": 0.4}),
            "pessimistic": SimpleNamespace(kpis={"energy_not_served_kwh": 31.0, "min_soc": 0.1})}
    r = kpi_ranges(central, ends)
    assert r["energy_not_served_kwh"] == {"central": 10.0, "optimistic": 2.0, "pessimistic": 31.0,
                                          "low": 2.0, "high": 31.0}
    assert r["min_soc"]["low"] == 0.1 and r["min_soc"]["central"] is None


def test_horizon_draw_is_seeded_uniform_and_leaves_the_run_stream_alone():
    from ilrs.risk.ops_model import horizon_position
    from ilrs.risk.seeds import run_generator, run_seed_sequence

    seq = run_seed_sequence(42, 7)
    p = horizon_position(seq)
    assert p == horizon_position(run_seed_sequence(42, 7))  # recorded and replayable
    # the run's own generator is untouched by the draw
    assert run_generator(42, 7).random() == np.random.Generator(np.random.PCG64(run_seed_sequence(42, 7))).random()
    draws = np.array([horizon_position(run_seed_sequence(1, i)) for i in range(4000)])
    assert ((0 <= draws) & (draws < 1)).all()
    # uniform: mean 1/2 (sd of the mean 1/sqrt(12·4000) ≈ 0.0046) and each quarter ~1000 draws
    assert draws.mean() == pytest.approx(0.5, abs=0.02)
    assert np.histogram(draws, bins=4, range=(0, 1))[0] == pytest.approx([1000] * 4, abs=120)


def test_sunlight_levels_pick_the_nearest_position():
    from ilrs.risk.setup import SUNLIGHT_POSITIONS, SunlightLevels

    lv = SunlightLevels(SUNLIGHT_POSITIONS, tuple(np.full(3, p) for p in SUNLIGHT_POSITIONS),
                        tuple({} for _ in SUNLIGHT_POSITIONS))
    assert lv.nearest(0.0) == 0 and lv.nearest(0.99) == 8 and lv.nearest(0.3) == 2  # 0.25 nearest
    assert max(abs(p - SUNLIGHT_POSITIONS[lv.nearest(p)]) for p in np.linspace(0, 1, 101)) <= 1 / 16 + 1e-12


def test_horizon_range_is_exported_type(track):
    rng = horizon_range(track, span_statistics(track, 3600.0), bounds_of(flat(0.0), flat(0.5)))
    assert isinstance(rng, HorizonRange)


# -- the site catalogue: where every site's coordinates come from (issue 13 item 6) ------------

def test_every_site_says_where_its_coordinates_come_from():
    from ilrs.data import sites_catalogue

    cat = sites_catalogue()
    ids = {s["id"] for s in cat["sources"]}
    for s in cat["sites"]:
        c = s.get("coordinates")
        assert isinstance(c, dict) and c.get("note"), s["name"]
        assert set(c["sources"]) <= ids, s["name"]
        if not c["sources"]:  # no source gives the numbers: said explicitly
            assert c["note"].startswith(("No published coordinates", "By definition")), s["name"]
    by_name = {s["name"]: s for s in cat["sites"]}
    # the issue's example: no source gives connecting-ridge's point (Gläser 2014's abstract names the ridge only)
    assert by_name["connecting-ridge"]["coordinates"]["sources"] == []
    # Bussey 2010's abstract gives its point: 88.74°S 124.5°E
    assert by_name["bussey2010-best-site"]["coordinates"]["sources"] == ["bussey2010"]
    assert (by_name["bussey2010-best-site"]["lat_deg"], by_name["bussey2010-best-site"]["lon_deg"]) == (-88.74, 124.5)


def test_the_artemis3_regions_and_the_change8_target_are_catalogued_without_invented_centres():
    from ilrs.data import sites_catalogue

    nine = {"Peak near Cabeus B", "Haworth", "Malapert Massif", "Mons Mouton Plateau", "Mons Mouton",
            "Nobile Rim 1", "Nobile Rim 2", "de Gerlache Rim 2", "Slater Plain"}  # NASA 2024-10-28
    sites = sites_catalogue()["sites"]
    regions = [s for s in sites if s["name"].endswith("-artemis3")]
    assert {s["label"].split("— ", 1)[1] for s in regions} == nine
    for s in regions:  # NASA published no numeric centres: every region says so
        assert s["coordinates"]["note"].startswith("No published coordinates"), s["name"]
    target = next(s for s in sites if s["name"] == "change8-leibnitz-beta")
    assert "cnsa-2025-04-24" in target["sources"]
    assert target["coordinates"]["note"].startswith("No published coordinates")


def test_the_central_mask_seen_again_is_the_central_track():
    # a terrain-like mask (a ridge to the north, a valley to the south) through sun_earth_azel and
    # through track_under_horizon: the same visible fractions and Earth visibility, sample by sample
    az = np.arange(0.0, 360.0, 0.5)
    el = 1.2 * np.cos(np.radians(az)) + 0.3 * np.sin(np.radians(3 * az))
    mask = HorizonMask(az, el, kind="dem", source="test ridge")
    site = get_site("connecting-ridge", mast_height_m=2.0)
    times = time_grid("2027-01-01", days=60, step_s=3600.0)
    direct = sun_earth_azel(site, times, mask)
    again = track_under_horizon(sun_earth_azel(site, times, HorizonMask.none()), mask)
    np.testing.assert_allclose(again.visible_solar_fraction, direct.visible_solar_fraction, atol=1e-12)
    np.testing.assert_array_equal(again.earth_visible, direct.earth_visible)


# -- through the real bounds (ilrs.environment.terrain_range) ----------------------------------

@pytest.fixture(scope="module")
def flat_tif(tmp_path_factory):
    """64×64 px of 100 m around the pole, all at 0 m: coarser than a trusted DEM (so bounds are
    made), and flat (so nothing is hidden between its pixels)."""
    from ilrs.environment.geotiff_write import PolarGrid, write_polar_stereo_geotiff

    n, px = 64, 100.0
    path = tmp_path_factory.mktemp("dem") / "flat.tif"
    x0 = -n * px / 2 + px / 2
    write_polar_stereo_geotiff(path, np.zeros((n, n), np.float32), PolarGrid(x0, -x0, px))
    return path


def test_a_flat_user_dem_gives_bounds_that_collapse(flat_tif, tmp_path, monkeypatch):
    from ilrs.environment import Site
    from ilrs.environment.horizon_range import site_horizon_bounds
    from ilrs.environment.terrain import horizon_for_site

    monkeypatch.setenv("ILRS_CACHE_DIR", str(tmp_path))
    site = Site("flat", -89.98, 0.0, 0.0, 2.0)  # ~600 m from the pole, inside the 6.4 km tile
    bounds = site_horizon_bounds(site, str(flat_tif))
    assert bounds is not None and bounds.unresolved_m == 100.0  # 100 m/px: not trusted as a point
    again = site_horizon_bounds(site, str(flat_tif))  # read back from disk, the same
    for end in ("optimistic", "pessimistic"):
        np.testing.assert_array_equal(getattr(again, end).elevation_deg, getattr(bounds, end).elevation_deg)
    assert again.assumptions == bounds.assumptions and again.dem == bounds.dem
    mask = horizon_for_site(site, str(flat_tif))
    track = sun_earth_azel(site.with_height(mask.ground_m), time_grid("2027-01-01", days=90, step_s=3600.0), mask)
    rng = horizon_range(track, span_statistics(track, 3600.0), bounds)
    assert rng.collapsed and rng.warning() == ""
    for name in ("lit_fraction", "longest_darkness_hours", "earth_visible_fraction"):
        f = rng.figure(name)
        assert f["low"] == pytest.approx(f["high"], abs=1e-12), name


def _short_study():
    raw = load_scenario("ilrs-reference").model_dump(mode="json", exclude_unset=True)
    raw["span"] = {"start": "2027-01-01", "end": "2027-04-01"}
    raw["operations"].update(start="2027-01-15", years=0.2)
    raw["relays"].update(analysis_days=1.0, coverage_spacing_km=0.0)
    return scenario_from_dict(raw)


def test_report_sections_carry_the_range(tmp_path, monkeypatch):
    from ilrs.report.products import RunProducts, compile_setup
    from ilrs.report.section import RunContext
    from ilrs.report.sections import environment, operations

    monkeypatch.setenv("ILRS_CACHE_DIR", str(tmp_path / "cache"))
    products = RunProducts(compile_setup(_short_study()), risk_runs=0)
    env = environment.build(products, RunContext(out_dir=tmp_path))
    r = env.summary["horizon_range"]  # connecting-ridge on the coarse DEM: the DEM cannot decide
    lit = r["statistics"]["lit_fraction"]
    assert lit["low"] <= lit["central"] <= lit["high"] and lit["high"] - lit["low"] > 0.01
    assert lit["central"] == pytest.approx(env.summary["lit_fraction"])
    assert set(r["assumptions"]) == {"optimistic", "pessimistic"} and r["narrowed_by"] and r["dem"]
    warning = [line for line in env.lines if line.startswith("warning:")]
    assert len(warning) == 1 and warning[0] == r["warning"] and "\n" not in warning[0]
    assert "Range over the horizon bounds" in env.html
    ops = operations.build(products, RunContext(out_dir=tmp_path))
    k = ops.summary["kpi_range"]
    # less light, no more energy: the pessimistic end generates at most what the optimistic one does
    assert k["energy_generated_kwh"]["pessimistic"] <= k["energy_generated_kwh"]["optimistic"]
    assert k["energy_generated_kwh"]["central"] == pytest.approx(ops.summary["energy_generated_kwh"])
    assert k["hours_survival_mode"]["low"] <= k["hours_survival_mode"]["central"] <= k["hours_survival_mode"]["high"]


def test_site_command_prints_the_range(ilrs_cli, tmp_path):
    r = ilrs_cli("site", "connecting-ridge", "--mast-m", "2", "--start", "2027-04-01", "--days", "20",
                 "--step-min", "240", "--out", tmp_path / "o", "--format", "json",
                 env_extra={"ILRS_CACHE_DIR": str(tmp_path / "cache")})
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    lit = d["horizon_range"]["statistics"]["lit_fraction"]
    assert lit["central"] == d["lit_fraction"] and lit["low"] <= lit["central"] <= lit["high"]
    text = ilrs_cli("site", "connecting-ridge", "--mast-m", "2", "--start", "2027-04-01", "--days", "20",
                    "--step-min", "240", "--out", tmp_path / "o", env_extra={"ILRS_CACHE_DIR": str(tmp_path / "cache")})
    lines = text.stdout.splitlines()
    assert any(line.strip().startswith("range over the horizon bounds: lit") for line in lines)
    assert sum(line.strip().startswith("warning: the coarse DEM decides") for line in lines) == (
        0 if d["horizon_range"]["collapsed"] else 1)
    inst = ilrs_cli("site", "connecting-ridge", "--at", "2027-04-02T00:00:00", "--format", "json",
                    env_extra={"ILRS_CACHE_DIR": str(tmp_path / "cache")})
    ends = json.loads(inst.stdout)["horizon_range"]
    assert ends["optimistic"]["horizon_elevation_deg"] <= ends["pessimistic"]["horizon_elevation_deg"]


def test_risk_runs_record_where_in_the_range_they_stand(tmp_path, monkeypatch):
    from ilrs.risk.ops_model import horizon_position
    from ilrs.risk.seeds import run_seed_sequence
    from .study import run_risk

    monkeypatch.setenv("ILRS_CACHE_DIR", str(tmp_path))
    s = _short_study()
    res = run_risk(s, runs=4, ops=True, chunk_runs=2)
    got = res.table.column("input.horizon_position").to_pylist()
    assert got == [horizon_position(run_seed_sequence(int(s.seed), i)) for i in range(4)]
    # the campaign draws are the campaign-only study's, run for run
    camp = run_risk(s, runs=4)
    for c in camp.table.column_names:
        assert res.table.column(c).equals(camp.table.column(c)), c
