"""Every export read back with a reader that is not the writer: the OEM by a KVN parser written
here, the CZML by json and czml3's own models, the GeoJSON by json against sites.yaml read with
PyYAML, the GeoTIFF by tifffile's tags and a stereographic inverse written here (Snyder 1987)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import tifffile
import yaml

import ilrs
from ilrs.scenario import load_scenario

R_MOON_M = 1_737_400.0
START, END = "2026-01-01", "2026-01-02"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from ilrs.report.exports import study_exports

    folder = tmp_path_factory.mktemp("exports")
    res = study_exports(load_scenario(None), folder, ["oem", "czml", "geojson", "contacts"], start=START,
                        end=END, step_s=300.0)
    return folder, res


def parse_oem(text: str) -> tuple[dict, np.ndarray, np.ndarray]:
    """A CCSDS 502.0-B-3 KVN reader: header and metadata keywords, epochs, state vectors (km, km/s)."""
    keys, epochs, rows = {}, [], []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("COMMENT") or line in ("META_START", "META_STOP"):
            continue
        if "=" in line:
            k, v = (p.strip() for p in line.split("=", 1))
            keys[k] = v
            continue
        parts = line.split()
        assert len(parts) == 7, line
        epochs.append(np.datetime64(parts[0]))
        rows.append([float(p) for p in parts[1:]])
    return keys, np.array(epochs, "datetime64[ms]"), np.array(rows)


def test_oem_reads_back_as_the_relay_states(exported):
    from ilrs.comms import comms_setup, relay_states
    from ilrs.environment import time_grid

    folder, res = exported
    oem = [Path(f) for f in res.files if f.endswith(".oem")]
    assert [p.name for p in oem] == ["queqiao-2.oem"]
    keys, epochs, sv = parse_oem(oem[0].read_text())
    assert keys["CCSDS_OEM_VERS"] == "3.0"
    assert (keys["CENTER_NAME"], keys["REF_FRAME"], keys["TIME_SYSTEM"]) == ("MOON", "ICRF", "UTC")
    assert keys["START_TIME"].startswith("2026-01-01T00:00:00") and epochs.size == 24 * 12  # [start, end) every 300 s
    assert np.all(np.diff(epochs) == np.timedelta64(300, "s"))
    sc = load_scenario(None)
    setup = comms_setup(sc.relays)
    states = relay_states(list(setup.relays), time_grid(START, days=1.0 + 1e-9, step_s=300.0))
    assert np.abs(sv[:, :3] * 1e3 - states.r_icrf_m[: epochs.size, 0]).max() < 1e-3  # mm: 6 decimals in km
    # velocities: vis-viva gives back the published orbit's semi-major axis at every epoch
    # (Queqiao-2 200 x 16,000 km: a = 1737.4 + 8100 km; GM 4902.80 km^3/s^2, GRAIL); J2 and the
    # Earth move the osculating value by well under 2 %
    energy = np.sum(sv[:, 3:] ** 2, axis=1) / 2 - 4902.80 / np.linalg.norm(sv[:, :3], axis=1)
    a_km = -4902.80 / (2 * energy)
    assert np.abs(a_km / (1737.4 + 8100.0) - 1).max() < 0.02
    assert np.linalg.norm(sv[:, :3], axis=1).min() > R_MOON_M / 1e3  # above the surface


def test_czml_validates_with_czml3_and_shows_links_over_the_contact_windows(exported):
    from czml3 import Document

    folder, res = exported
    packets = json.loads((folder / "scene.czml").read_text())
    Document.model_validate({"packets": packets})  # czml3's models accept what we wrote
    by_id = {p["id"]: p for p in packets}
    assert packets[0]["id"] == "document" and packets[0]["version"] == "1.0"
    site = by_id["site/connecting-ridge"]["position"]
    assert site["referenceFrame"] == "FIXED"
    assert abs(np.linalg.norm(site["cartesian"]) - R_MOON_M) < 10_000  # on the Moon, within its relief
    relay = by_id["relay/queqiao-2"]["position"]
    samples = np.array(relay["cartesian"]).reshape(-1, 4)
    radius_km = np.linalg.norm(samples[:, 1:], axis=1) / 1e3
    assert 1737.4 < radius_km.min() and radius_km.max() < 1737.4 + 16_100  # Queqiao-2: apolune 16,000 km (kept)
    rows = (folder / "contacts-site-relay.csv").read_text().splitlines()[1:]
    shown = by_id["link/connecting-ridge/queqiao-2"]["polyline"]["show"]
    assert len(shown) == len(rows)
    for interval, row in zip(shown, rows):
        start, end = row.split(",")[3:5]
        a, b = interval["interval"].split("/")
        assert np.datetime64(a.rstrip("Z")) - np.datetime64(start.rstrip("Z")) < np.timedelta64(1, "s")
        assert np.datetime64(b.rstrip("Z")) - np.datetime64(end.rstrip("Z")) < np.timedelta64(1, "s")


def test_geojson_has_every_catalogue_site_at_its_coordinates(exported):
    folder, _ = exported
    fc = json.loads((folder / "sites.geojson").read_text())
    catalogue = yaml.safe_load((Path(ilrs.__file__).parent / "data" / "sites.yaml").read_text())["sites"]
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == len(catalogue)
    for feat, entry in zip(fc["features"], catalogue):
        assert feat["type"] == "Feature" and feat["geometry"]["type"] == "Point"
        lon, lat = feat["geometry"]["coordinates"]
        assert -180 <= lon < 180 and lat == entry["lat_deg"]
        d = (lon - entry["lon_deg"]) % 360.0
        assert min(d, 360.0 - d) < 1e-9
        assert feat["properties"]["position_uncertain"] == entry["uncertain"]
    ridge = next(f for f in fc["features"] if f["id"] == "connecting-ridge")
    assert ridge["geometry"]["coordinates"] == [pytest.approx(-137.3), -89.45]  # 222.7°E = 137.3°W
    assert ridge["properties"]["role"] == "study"


def test_contacts_csv_rows_are_consistent(exported):
    folder, res = exported
    for link in ("site-relay", "relay-station", "site-station"):
        lines = (folder / f"contacts-{link}.csv").read_text().splitlines()
        header = lines[0].split(",")
        for line in lines[1:]:
            row = dict(zip(header, line.split(",")))
            a, b = np.datetime64(row["start_utc"][:-1]), np.datetime64(row["end_utc"][:-1])
            assert abs(float((b - a) / np.timedelta64(1, "ms")) / 1e3 - float(row["duration_s"])) < 0.002
            assert a <= np.datetime64(row["max_elevation_utc"][:-1]) <= b
            assert float(row["min_range_km"]) <= float(row["max_range_km"])


def _snyder_inverse_lat_deg(x, y):
    """South polar stereographic, k0 = 1, sphere: phi = -(pi/2 - 2 atan(rho / 2R)) (Snyder eq. 21-38)."""
    return -np.degrees(np.pi / 2 - 2 * np.arctan(np.hypot(x, y) / (2 * R_MOON_M)))


def test_coverage_geotiff_resamples_a_known_field_onto_the_polar_grid(tmp_path):
    from ilrs.comms.access import SurfacePoints
    from ilrs.report.exports.maps import write_coverage_geotiff

    pts = SurfacePoints.polar_grid(-90.0, -80.0, 20.0)
    field = (pts.lat_deg + 90.0) / 10.0  # 0 at the pole, 1 at 80°S: a closed form to compare
    path = write_coverage_geotiff(tmp_path / "coverage.tif", pts, field, spacing_km=20.0)
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        tags = {t.code: t.value for t in page.tags.values()}
        raster = page.asarray()
    scale, tie, keys = tags[33550], tags[33922], tags[34735]
    assert scale[:2] == (10_000.0, 10_000.0)
    assert keys[keys.index(3075) + 3] == 15  # ProjCoordTrans: polar stereographic
    rows, cols = np.indices(raster.shape)
    x = tie[3] + (cols + 0.5) * scale[0]
    y = tie[4] - (rows + 0.5) * scale[1]
    lat = _snyder_inverse_lat_deg(x, y)
    ok = np.isfinite(raster)
    assert ok.sum() > 0.6 * raster.size and np.isnan(raster[0, 0])  # the corners lie beyond 80°S
    assert np.abs(raster[ok] - (lat[ok] + 90.0) / 10.0).max() < 0.02


def test_illumination_geotiff_sits_on_its_dem_pixels(tmp_path):
    from ilrs.environment.illumination import IlluminationMap
    from ilrs.environment.terrain import PolarStereoDEM
    from ilrs.report.exports.maps import write_illumination_geotiff

    dem = PolarStereoDEM(np.zeros((10, 10)), -5000.0, 5000.0, 1000.0)
    lit = IlluminationMap(np.full((3, 4), 0.25), np.full((3, 4), 0.2), (0, 0, 0, 0), (2, 5), (1, 5), 10, 2.0)
    path = write_illumination_geotiff(tmp_path / "lit.tif", dem, lit)
    with tifffile.TiffFile(path) as tif:
        tags = {t.code: t.value for t in tif.pages[0].tags.values()}
        raster = tif.pages[0].asarray()
    # pixel [0, 0] of the map is DEM pixel [2, 1]: centre x = -5000 + 1000, y = 5000 - 2000
    assert tags[33922][3:5] == (-4000.0 - 500.0, 3000.0 + 500.0)
    assert raster.shape == (3, 4) and np.all(raster == 0.25)


def test_maps_with_a_dem_write_an_illumination_map_on_its_pixels(tmp_path):
    """A flat synthetic DEM around the scenario's site (connecting-ridge): the map is written on
    the DEM's own grid (tiepoint on a DEM pixel corner) and every lit fraction is a fraction."""
    from ilrs.environment.geotiff_write import PolarGrid, write_polar_stereo_geotiff
    from ilrs.report.exports import study_exports
    from ilrs.report.exports.maps import polar_xy_m

    x, y = polar_xy_m(-89.45, 222.7)
    pixel = 200.0
    x0, y0 = round(float(x) / pixel) * pixel - 20 * pixel, round(float(y) / pixel) * pixel + 20 * pixel
    dem = write_polar_stereo_geotiff(tmp_path / "dem.tif", np.zeros((40, 40)), PolarGrid(x0, y0, pixel))
    res = study_exports(load_scenario(None), tmp_path / "out", ["maps"], start="2026-01-01", end="2026-01-02",
                        step_s=600.0, dem=dem)
    assert res.figures["illumination_pixels"] == 40 * 40
    with tifffile.TiffFile(tmp_path / "out" / "illumination.tif") as tif:
        tags = {t.code: t.value for t in tif.pages[0].tags.values()}
        lit = tif.pages[0].asarray()
    assert tags[33922][3:5] == (x0 - pixel / 2, y0 + pixel / 2)  # the DEM's own upper-left corner
    assert lit.shape == (40, 40) and np.all((lit >= 0) & (lit <= 1))
