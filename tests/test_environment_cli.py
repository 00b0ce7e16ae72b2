"""``ilrs site`` CLI, the environment report section and the cached timeline."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ilrs.report.products import RunProducts, compile_setup
from ilrs.report.section import RunContext
from ilrs.scenario import load_scenario, scenario_from_dict


def test_site_at_reproduces_published_check(ilrs_cli):
    # data-sources.md reference: 89.45°S 222.7°E, sphere, 2027-01-01T00:00 UTC →
    # Sun el +1.433°, az 40.42°, Earth el −6.70°
    r = ilrs_cli("site", "--lat", "-89.45", "--lon", "222.7", "--horizon", "none",
                 "--at", "2027-01-01T00:00:00", "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    for key in ("sun_elevation_deg", "sun_azimuth_deg", "earth_elevation_deg", "earth_azimuth_deg",
                "visible_solar_fraction", "horizon_elevation_deg"):
        assert key in d
    assert d["sun_elevation_deg"] == pytest.approx(1.433, abs=6e-4)
    assert d["sun_azimuth_deg"] == pytest.approx(40.42, abs=6e-3)
    assert d["earth_elevation_deg"] == pytest.approx(-6.70, abs=6e-3)
    assert d["horizon_elevation_deg"] == 0.0 and d["visible_solar_fraction"] == 1.0
    assert d["earth_visible"] is False


def test_site_span_json_and_plots(ilrs_cli, tmp_path):
    r = ilrs_cli("site", "connecting-ridge", "--mast-m", "2", "--start", "2027-04-01", "--days", "30",
                 "--step", "2h", "--out", tmp_path / "o", "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert 0 <= d["lit_fraction"] <= 1 and 0 <= d["earth_visible_fraction"] <= 1
    assert d["longest_darkness_hours"] >= 0 and d["samples"] == 360
    for p in d["files"][:2]:
        assert p.endswith(".png") and Path(p).stat().st_size > 10_000
    assert (tmp_path / "o" / "horizon-mask.csv").read_text().startswith("azimuth_deg,elevation_deg")
    # the full lists of darkness periods and Earth windows, in the JSON and as CSV tables; their
    # hours add up to the dark and Earth-visible fractions of the 720 h span (each sample 2 h)
    span_h = 30 * 24
    assert d["darkness_periods"] and d["earth_windows"]   # April 2027 has both on the ridge
    for key, csv_name, frac in (("darkness_periods", "darkness-periods.csv", 1 - d["lit_fraction"]),
                                ("earth_windows", "earth-windows.csv", d["earth_visible_fraction"])):
        rows = d[key]
        assert len(rows) == d[f"{key}_count" if key == "darkness_periods" else "earth_windows_count"]
        assert sum(r["duration_hours"] for r in rows) == pytest.approx(frac * span_h, abs=1e-6)
        starts = [np.datetime64(r["start_utc"].rstrip("Z")) for r in rows]
        ends = [np.datetime64(r["end_utc"].rstrip("Z")) for r in rows]
        assert all(a < b for a, b in zip(starts, ends)) and all(b < a for b, a in zip(ends, starts[1:]))
        assert all(np.datetime64("2027-04-01") <= a and b <= np.datetime64("2027-05-01") for a, b in zip(starts, ends))
        lines = (tmp_path / "o" / csv_name).read_text().splitlines()
        assert lines[0] == "start_utc,end_utc,duration_hours" and len(lines) == len(rows) + 1
        assert [ln.split(",") for ln in lines[1:]] == [[r["start_utc"], r["end_utc"], str(r["duration_hours"])]
                                                      for r in rows]
    assert d["darkness_periods_longest"][0]["duration_hours"] == max(r["duration_hours"] for r in d["darkness_periods"])


@pytest.mark.parametrize("args,fragment", [
    (("site", "atlantis", "--at", "2027-01-01T00:00:00"), "unknown site 'atlantis'"),
    (("site", "--lat", "-89", "--at", "2027-01-01"), "--lat/--lon"),
    (("site", "south-pole", "--at", "noon"), "--at"),
    (("site", "south-pole"), "--at/--start"),
    (("site", "south-pole", "--horizon", "cardboard", "--at", "2027-01-01T00:00:00"), "unknown horizon model"),
    # non-finite and out-of-range numbers: one line naming the option, never a traceback
    (("site", "--lat", "-89", "--lon", "nan", "--at", "2027-01-01T00:00:00"), "--lon"),
    (("site", "--lat", "nan", "--lon", "0", "--at", "2027-01-01T00:00:00"), "--lat"),
    (("site", "south-pole", "--mast-m", "nan", "--at", "2027-01-01T00:00:00"), "--mast-m"),
    (("site", "south-pole", "--mast-m", "1e12", "--at", "2027-01-01T00:00:00"), "--mast-m"),
    (("site", "south-pole", "--mast-m", "-1", "--at", "2027-01-01T00:00:00"), "--mast-m"),
    (("site", "south-pole", "--height-m", "nan", "--at", "2027-01-01T00:00:00"), "--height-m"),
    (("site", "south-pole", "--height-m", "inf", "--at", "2027-01-01T00:00:00"), "--height-m"),
    (("site", "--lat", "-89", "--lon", "0", "--height-m", "-20000", "--at", "2027-01-01T00:00:00"), "--height-m"),
    (("site", "south-pole", "--start", "2027-01-01", "--days", "nan"), "--days"),
    (("site", "south-pole", "--start", "2027-01-01", "--days", "inf"), "--days"),
    (("site", "south-pole", "--start", "2027-01-01", "--step-min", "nan"), "--step-min"),
    (("site", "south-pole", "--start", "2027-01-01", "--step-min", "inf"), "--step-min"),
    (("site", "south-pole", "--start", "2027-01-01", "--step-min", "0"), "--step-min"),
])
def test_site_bad_input_one_line_exit_2(ilrs_cli, args, fragment, tmp_path):
    r = ilrs_cli(*args, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert fragment in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr and not any(tmp_path.iterdir())  # nothing written


def test_site_list_has_sources(ilrs_cli):
    r = ilrs_cli("site", "--list", "--format", "json")
    d = json.loads(r.stdout)
    names = {s["name"] for s in d["sites"]}
    assert {"connecting-ridge", "bussey2010-best-site", "malapert-massif", "change7-target"} <= names
    assert all(s["sources"] and set(s["sources"]) <= set(d["sources"]) for s in d["sites"])


def test_report_section_and_timeline_cache(tmp_path):
    from ilrs.environment import site_setup, timeline_of
    from ilrs.report.sections.environment import build

    raw = load_scenario("ilrs-reference").model_dump(mode="json")
    raw["span"] = {"start": "2028-01-01", "end": "2028-03-01"}
    s = scenario_from_dict(raw)
    products = RunProducts(compile_setup(s))
    sec = build(products, RunContext(out_dir=tmp_path))
    tl = products.environment.timeline
    assert sec.key == "environment" and "<img" in sec.html
    pub = {(r["quantity"], r["mast_height_m"]): r for r in sec.summary["published_comparison"]}
    assert pub[("lit_fraction", 2.0)]["published"] == "92.27%"  # Gläser 2014, from sites.yaml
    assert len(tl.times) == 60 * 24 and tl.site.mast_height_m == 2.0
    assert sec.summary["lit_fraction"] == pytest.approx(float((tl.track.visible_solar_fraction > 0).mean()))
    again = timeline_of(site_setup(s.site, s.span.start, s.span.end))
    assert again.from_cache and again.cache_key == tl.cache_key
    np.testing.assert_array_equal(again.times, tl.times)
    np.testing.assert_array_equal(again.track.visible_solar_fraction, tl.track.visible_solar_fraction)
    frame = tl.to_frame()
    assert {"sun_elevation_deg", "irradiance_w_m2", "earth_visible"} <= set(frame.columns)


def test_site_span_with_illumination_map(ilrs_cli, tmp_path):
    import tifffile

    # a 64×64 px synthetic polar-stereographic GeoTIFF around the pole with one hill
    n, px = 64, 40.0
    c = -n * px / 2 + px / 2 + np.arange(n) * px
    x, y = np.meshgrid(c, -c)
    z = 300.0 * np.exp(-((x - 500) ** 2 + y ** 2) / 400.0 ** 2)
    keys = [1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3081, 34736, 1, 0]
    tif = tmp_path / "dem.tif"
    tifffile.imwrite(tif, z.astype(np.float32), extratags=[
        (33550, "d", 3, (px, px, 0.0), False), (33922, "d", 6, (0, 0, 0, -n * px / 2, n * px / 2, 0), False),
        (34735, "H", len(keys), keys, False), (34736, "d", 1, (-90.0,), False)])
    r = ilrs_cli("site", "--lat", "-89.99", "--lon", "180", "--horizon", str(tif), "--start", "2027-07-01",
                 "--days", "20", "--step-min", "360", "--map", str(tif), "--map-px", "16",
                 "--out", tmp_path / "o", "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)["illumination_map"]
    assert d["pixels"] == 256 and 0 <= d["lit_fraction_min"] <= d["lit_fraction_max"] <= 1
    files = json.loads(r.stdout)["files"]
    with np.load(next(p for p in files if p.endswith("illumination-map.npz"))) as f:
        assert f["lit_fraction"].shape == (16, 16)
    assert Path(next(p for p in files if p.endswith("illumination-map.png"))).stat().st_size > 5000


@pytest.mark.parametrize("mast", ["0", "10"])
def test_site_sphere_horizon_is_the_mast_dip_on_both_routes(ilrs_cli, mast):
    # dip of a smooth Moon through the site's ground seen from the mast top: acos(r/(r+mast)),
    # r = 1737.4 km + ground; the catalogue route (ground from the DEM) and --lat/--lon (ground 0)
    # must agree (they differed by 2.6° at Connecting Ridge when the ground height entered the dip)
    got = []
    for route in (("connecting-ridge",), ("--lat", "-89.45", "--lon", "222.7")):
        r = ilrs_cli("site", *route, "--horizon", "sphere", "--mast-m", mast, "--at", "2027-01-01T00:00:00",
                     "--format", "json")
        assert r.returncode == 0, r.stderr
        d = json.loads(r.stdout)
        rad = 1_737_400.0 + d["site"]["height_m"]
        assert d["horizon_elevation_deg"] == pytest.approx(-np.degrees(np.arccos(rad / (rad + float(mast)))),
                                                           abs=1e-5)
        got.append(d["horizon_elevation_deg"])
    assert got[0] == pytest.approx(got[1], abs=1.5e-4)  # dips of 0.19° differ by ground/2r ≈ 5e-4
