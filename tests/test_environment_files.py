"""Malformed input files refused where they enter (issue 16): GeoTIFF DEMs and horizon tables.

One test per class of defect the fuzz campaign (tests/fuzz/test_fuzz_files.py) found; each used
to end in a traceback (IndexError, ValueError, ZeroDivisionError, MemoryError, an ephemeris
OutOfRangeError) or a silently odd result, and now ends in one line naming the file and the tag.
"""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest

from ilrs.environment.horizon import HorizonMask
from ilrs.environment.sites import Site
from ilrs.environment.terrain import PolarStereoDEM, horizon_for_site
from ilrs.errors import DatasetError, InputError

R = 1_737_400.0
KEYS = [1, 1, 0, 6,
        1024, 0, 1, 1,           # GTModelType: projected
        1025, 0, 1, 1,           # GTRasterType: PixelIsArea
        3075, 0, 1, 15,          # ProjCoordTrans: polar stereographic
        3081, 34736, 1, 0,       # ProjNatOriginLat
        2057, 34736, 1, 1,       # GeogSemiMajorAxis
        3092, 34736, 1, 2]       # ProjScaleAtNatOrigin


def _tif(path, *, shape=(8, 8), px=40.0, scale=None, tie=None, keys=None, doubles=None, z=None, extra=()):
    """A small south polar-stereographic GeoTIFF centred on the pole (every tag overridable)."""
    import tifffile

    n, m = shape
    if z is None:
        z = np.linspace(0.0, 300.0, n * m).reshape(n, m)
    scale = (px, px, 0.0) if scale is None else scale
    tie = (0.0, 0.0, 0.0, -m * px / 2, n * px / 2, 0.0) if tie is None else tie
    keys = KEYS if keys is None else keys
    doubles = (-90.0, R, 1.0) if doubles is None else doubles
    tags = [(33550, "d", len(scale), scale, False), (33922, "d", len(tie), tie, False),
            (34735, "H", len(keys), keys, False), (34736, "d", len(doubles), doubles, False), *extra]
    tifffile.imwrite(path, np.asarray(z, np.float32), extratags=tags)
    return path


def _refused_by(reader, path, *words):
    """``reader(path)`` refuses with one line naming the file and each of ``words``."""
    with pytest.raises(InputError) as info:
        reader(path)
    msg = str(info.value)
    assert "\n" not in msg and str(path) in msg, msg
    for w in words:
        assert w in msg, msg
    return msg


def _refused(path, *words):
    return _refused_by(PolarStereoDEM.from_geotiff, path, *words)


def test_a_valid_file_reads_as_before(tmp_path):
    dem = PolarStereoDEM.from_geotiff(_tif(tmp_path / "ok.tif"))
    assert dem.heights_m.shape == (8, 8) and dem.pixel_m == 40.0 and dem.south and dem.k0 == 1.0
    assert dem.x0_m == -140.0 and dem.y0_m == 140.0  # centre of pixel [0, 0]: corner + half a pixel
    assert dem.heights_m[-1, -1] == pytest.approx(300.0)


@pytest.mark.parametrize("scale", [(0.0, 0.0, 0.0), (math.nan, math.nan, 0.0), (-40.0, -40.0, 0.0),
                                   (math.inf, math.inf, 0.0), (40.0,), (40.0, 40.0, 0.0, 1.0, 1.0), (1e-9, 1e-9, 0)])
def test_pixel_scale_zero_nan_negative_short_long(tmp_path, scale):
    _refused(_tif(tmp_path / "s.tif", scale=scale), "ModelPixelScaleTag (33550)")


def test_pixel_scale_as_text(tmp_path):
    import tifffile

    p = tmp_path / "t.tif"
    tifffile.imwrite(p, np.zeros((4, 4), np.float32), extratags=[
        (33550, "s", 0, "40 40 0", False), (33922, "d", 6, (0, 0, 0, -80.0, 80.0, 0), False)])
    _refused(p, "ModelPixelScaleTag (33550)", "text")


@pytest.mark.parametrize("tie", [(0, 0, 0, math.nan, 160.0, 0), (0, 0, 0, -160.0), (0.0,) * 12,
                                 (0, 0, 0, -math.inf, 160.0, 0)])
def test_tiepoint_nan_short_or_several(tmp_path, tie):
    _refused(_tif(tmp_path / "t.tif", tie=tie), "ModelTiepointTag (33922)")


@pytest.mark.parametrize("keys", [[1, 1, 0], [1, 1, 0, 50] + KEYS[4:], KEYS[:-4], [2] + KEYS[1:]])
def test_geokey_directory_short_or_lying(tmp_path, keys):
    _refused(_tif(tmp_path / "k.tif", keys=keys), "GeoKeyDirectoryTag (34735)")


def test_geokey_pointing_past_the_doubles(tmp_path):
    keys = list(KEYS)
    keys[-1] = 7  # ProjScaleAtNatOrigin at GeoDoubleParams[7] of 3
    _refused(_tif(tmp_path / "k.tif", keys=keys), "ProjScaleAtNatOriginGeoKey (3092)", "holds 3 values")
    _refused(_tif(tmp_path / "d.tif", doubles=(-90.0,)), "GeogSemiMajorAxisGeoKey (2057)")


@pytest.mark.parametrize("k0", [0.0, -1.0, math.nan, math.inf, 1e-300, 2.0])
def test_scale_factor_k0_out_of_range(tmp_path, k0):
    _refused(_tif(tmp_path / "k0.tif", doubles=(-90.0, R, k0)), "ProjScaleAtNatOriginGeoKey (3092)")


def test_scale_factor_k0_of_a_true_scale_latitude_is_read(tmp_path):
    k0 = (1 + math.sin(math.radians(80))) / 2  # true to scale at 80°S (Snyder eq. 21-32)
    assert PolarStereoDEM.from_geotiff(_tif(tmp_path / "k.tif", doubles=(-90.0, R, k0))).k0 == k0


@pytest.mark.parametrize("doubles, key", [((90.0, R, 1.0), "ProjNatOriginLatGeoKey (3081)"),
                                          ((-71.0, R, 1.0), "ProjNatOriginLatGeoKey (3081)"),
                                          ((math.nan, R, 1.0), "ProjNatOriginLatGeoKey (3081)"),
                                          ((-90.0, 6_378_137.0, 1.0), "GeogSemiMajorAxisGeoKey (2057)"),
                                          ((-90.0, 0.0, 1.0), "GeogSemiMajorAxisGeoKey (2057)")])
def test_projection_not_the_lunar_south_pole(tmp_path, doubles, key):
    _refused(_tif(tmp_path / "p.tif", doubles=doubles), key)


@pytest.mark.parametrize("index, value, key", [(7, 2, "GTModelTypeGeoKey (1024)"), (15, 16, "ProjCoordTransGeoKey (3075)"),
                                               (11, 7, "GTRasterTypeGeoKey (1025)")])
def test_model_raster_and_transformation_types(tmp_path, index, value, key):
    keys = list(KEYS)
    keys[index] = value
    _refused(_tif(tmp_path / "m.tif", keys=keys), key)


@pytest.mark.parametrize("tie", [(0, 0, 0, 3.4e6, 3.4e6, 0), (0, 0, 0, 1e300, 0, 0)])
def test_raster_beyond_the_equator(tmp_path, tie):
    _refused(_tif(tmp_path / "e.tif", tie=tie), "beyond the equator")


@pytest.mark.parametrize("shape", [(1, 1), (1, 9), (9, 1)])
def test_rasters_thinner_than_one_cell(tmp_path, shape):
    _refused(_tif(tmp_path / "one.tif", shape=shape), "at least 2 x 2")


@pytest.mark.parametrize("value", [3e32, -3e32, math.inf, -math.inf, 20_001.0])
def test_heights_beyond_the_moons_relief(tmp_path, value):
    z = np.zeros((8, 8))
    z[3, 5] = value
    msg = _refused(_tif(tmp_path / "h.tif", z=z), "row 3, column 5", "±20 km")
    assert "1 such pixels" in msg


def test_heights_within_relief_and_nodata_are_kept(tmp_path):
    z = np.full((8, 8), 19_999.0)
    z[0, 0] = -32768.0
    z[1, 1] = np.nan
    dem = PolarStereoDEM.from_geotiff(_tif(tmp_path / "ok.tif", z=z, extra=[(42113, "s", 0, "-32768", False)]))
    assert np.isnan(dem.heights_m[0, 0]) and np.isnan(dem.heights_m[1, 1])
    assert np.nanmax(dem.heights_m) == 19_999.0


def test_all_nodata_and_unparseable_nodata(tmp_path):
    _refused(_tif(tmp_path / "nan.tif", z=np.full((8, 8), np.nan)), "every pixel is no-data")
    _refused(_tif(tmp_path / "nd.tif", z=np.full((8, 8), 5.0), extra=[(42113, "s", 0, "5", False)]),
             "every pixel is no-data")
    _refused(_tif(tmp_path / "abc.tif", extra=[(42113, "s", 0, "abc", False)]), "GDAL_NODATA (42113)")
    dem = PolarStereoDEM.from_geotiff(_tif(tmp_path / "n.tif", extra=[(42113, "s", 0, "nan", False)]))
    assert np.isfinite(dem.heights_m).all()


def test_damaged_and_foreign_files(tmp_path):
    good = _tif(tmp_path / "good.tif").read_bytes()
    for i, data in enumerate([good[:len(good) // 2], good[:7], b"", b"\x00" * 300, b"not a tiff at all"]):
        p = tmp_path / f"bad{i}.tif"
        p.write_bytes(data)
        _refused(p, "not a readable GeoTIFF")


def test_oversized_files_are_refused_before_reading(tmp_path, monkeypatch):
    import tifffile

    big = tmp_path / "big.tif"
    with open(big, "wb") as f:
        f.write(b"II*\x00")
        f.truncate(20 * 10 ** 9)  # a 20 GB sparse file: nothing written, nothing must be read
    table = tmp_path / "big.csv"
    with open(table, "wb") as f:
        f.write(b"0,1\n10,2\n")
        f.truncate(20 * 10 ** 9)
    monkeypatch.setattr(tifffile, "TiffFile", lambda *a, **k: pytest.fail("opened an oversized file"))
    _refused(big, "20,000.0 MB", "ILRS_MAX_INPUT_MB")
    with pytest.raises(InputError, match="ILRS_MAX_INPUT_MB") as info:
        HorizonMask.from_table(table)
    assert str(table) in str(info.value)


def test_input_limit_is_configurable(tmp_path, monkeypatch):
    p = _tif(tmp_path / "ok.tif")
    monkeypatch.setenv("ILRS_MAX_INPUT_MB", "0.0001")  # 100 bytes
    _refused(p, "ILRS_MAX_INPUT_MB=0.0001")
    monkeypatch.setenv("ILRS_MAX_INPUT_MB", "nan")
    with pytest.raises(InputError, match="ILRS_MAX_INPUT_MB"):
        PolarStereoDEM.from_geotiff(p)
    monkeypatch.setenv("ILRS_MAX_INPUT_MB", "1")
    assert PolarStereoDEM.from_geotiff(p).heights_m.shape == (8, 8)


def test_decompression_bomb_refused_before_decoding(tmp_path, monkeypatch):
    """A small file whose tags declare 60,000 x 60,000 pixels (86 GB as float64 with copies)."""
    import tifffile

    p = _tif(tmp_path / "bomb.tif")
    with tifffile.TiffFile(p) as tif:
        offsets = [(t.valueoffset, t.dtype) for t in tif.pages[0].tags.values() if t.code in (256, 257)]
    data = bytearray(p.read_bytes())
    for off, dtype in offsets:
        fmt = "<H" if int(dtype) == 3 else "<I"
        struct.pack_into(fmt, data, off, 60_000)
    p.write_bytes(bytes(data))
    monkeypatch.setenv("ILRS_MAX_INPUT_MB", "64000")
    _refused(p, "60000 x 60000 pixels", "ILRS_MAX_INPUT_MB")


def test_site_outside_the_raster_stands_on_the_coarse_dem(tmp_path):
    # a valid raster 30 km from the pole; a site at the pole is outside it: horizon as today
    p = _tif(tmp_path / "off.tif", tie=(0, 0, 0, 30_000.0, 160.0, 0))
    mask = horizon_for_site(Site("pole", -90.0, 0.0, 0.0, 2.0), str(p), azimuth_step_deg=10.0,
                            max_range_m=50_000.0)
    assert np.isfinite(mask.elevation_deg).all() and "coarse global DEM" in mask.source


def test_cli_prints_one_line_for_a_damaged_geotiff(ilrs_cli, tmp_path):
    # an invalid data type in the ModelPixelScaleTag entry: tifffile logs it on stderr and drops
    # the tag; the reader keeps that log quiet and refuses in one line, exit 2
    p = tmp_path / "dem.tif"
    data = bytearray(_tif(p).read_bytes())
    entry = data.index(struct.pack("<HH", 33550, 12))  # the IFD entry: tag 33550, type DOUBLE
    struct.pack_into("<H", data, entry + 2, 0x7A)
    p.write_bytes(bytes(data))
    r = ilrs_cli("site", "--lat", "-89.9", "--lon", "0", "--horizon", p, "--at", "2027-01-01T00:00:00")
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and str(p) in lines[0], r.stderr


# -- horizon tables -----------------------------------------------------------------------------
def _table(tmp_path, text, name="h.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def _table_refused(p, *words):
    return _refused_by(HorizonMask.from_table, p, *words)


@pytest.mark.parametrize("rows, words", [("0,1\n90,nan\n", ["line 3"]), ("0,1\n90,91\n", ["line 3", "±90°"]),
                                         ("0,1\n90,-1e9\n", ["line 3"]), ("0,1\n400,1\n", ["±360°"]),
                                         ("0,1\n360,2\n", ["repeats line 2"]), ("0,1\n", ["two distinct"]),
                                         ("0,1\n90,2\nforty,3\n", ["line 4"]), ("0,1\ninf,2\n", ["line 3"])])
def test_table_values(tmp_path, rows, words):  # line 1 is the header
    _table_refused(_table(tmp_path, "azimuth_deg,elevation_deg\n" + rows), *words)


def test_table_row_and_line_caps(tmp_path, monkeypatch):
    import ilrs.environment.horizon as horizon

    monkeypatch.setattr(horizon, "MAX_TABLE_ROWS", 10)
    _table_refused(_table(tmp_path, "".join(f"{a},1\n" for a in range(11))), "more than 10 rows")
    assert len(HorizonMask.from_table(_table(tmp_path, "".join(f"{a},1\n" for a in range(10)), "ok.csv"))
               .azimuth_deg) == 10
    _table_refused(_table(tmp_path, "0,1\n90," + "1" * 5000 + "\n", "long.csv"), "line 2", "longer than")


def test_table_through_the_scenario_route(tmp_path):
    p = _table(tmp_path, "0,1\n90,200\n")
    with pytest.raises(InputError) as info:
        horizon_for_site(Site("x", -89.9, 0.0), str(p))
    assert str(p) in str(info.value) and "line 2" in str(info.value)
