"""Synthetic DEM files in the layouts users download (no downloads): a LOLA GDR PDS3 ``.IMG`` +
``.LBL`` and a polar-stereographic GeoTIFF, whose heights are a known function of map position.

The label text follows the keyword layout of the LOLA polar GDR labels (LDEM_80S_20M.LBL,
LDEM_875S_5M.LBL in LRO-L-LOLA-4-GDR-V1.0): OFFSET = 1737400 with SCALING_FACTOR = 0.5 (the
value is a radius), MAP_SCALE in <METERS/PIXEL>, A_AXIS_RADIUS in <KM>, offsets N/2 − 0.5.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

R_M = 1_737_400.0

LOLA_LABEL = """PDS_VERSION_ID            = "PDS3"
PRODUCT_VERSION_ID        = "V2.0"
DATA_SET_ID               = "LRO-L-LOLA-4-GDR-V1.0"
PRODUCT_ID                = "{product}"
INSTRUMENT_HOST_NAME      = "LUNAR RECONNAISSANCE ORBITER"
INSTRUMENT_NAME           = "LUNAR ORBITER LASER ALTIMETER"
TARGET_NAME               = MOON
DESCRIPTION               = "Synthetic stand-in for a LOLA polar stereographic
                             digital elevation model, written by the ilrs tests."

/* Format */
RECORD_TYPE               = FIXED_LENGTH
RECORD_BYTES              = {record_bytes}
FILE_RECORDS              = {lines}
^IMAGE                    = {pointer}

OBJECT                    = IMAGE
  NAME                    = HEIGHT
  DESCRIPTION             = "Each sample represents height relative to a
    reference radius (OFFSET) and is generated using preliminary LOLA data
    produced by the LOLA team."
  LINES                   = {lines}
  LINE_SAMPLES            = {samples}
  MAXIMUM                 = 0
  MINIMUM                 = 0
  SAMPLE_TYPE             = {sample_type}
  SAMPLE_BITS             = {bits}
  UNIT                    = METER
  SCALING_FACTOR          = {scale}
  OFFSET                  = {offset}
{missing}END_OBJECT                = IMAGE

OBJECT                    = IMAGE_MAP_PROJECTION
 ^DATA_SET_MAP_PROJECTION     = "DSMAP_POLAR.CAT"
 MAP_PROJECTION_TYPE          = "{projection}"
 COORDINATE_SYSTEM_TYPE       = "BODY-FIXED ROTATING"
 COORDINATE_SYSTEM_NAME       = "MEAN EARTH/POLAR AXIS OF DE421"
 A_AXIS_RADIUS                = 1737.4 <KM>
 B_AXIS_RADIUS                = 1737.4 <KM>
 C_AXIS_RADIUS                = 1737.4 <KM>
 FIRST_STANDARD_PARALLEL      = 'N/A'
 SECOND_STANDARD_PARALLEL     = 'N/A'
 POSITIVE_LONGITUDE_DIRECTION = "EAST"
 CENTER_LATITUDE              = {center_lat} <DEG>
 CENTER_LONGITUDE             = {center_lon} <DEG>
 REFERENCE_LATITUDE           = 'N/A'
 REFERENCE_LONGITUDE          = 'N/A'
 LINE_FIRST_PIXEL             = 1
 LINE_LAST_PIXEL              = {lines}
 SAMPLE_FIRST_PIXEL           = 1
 SAMPLE_LAST_PIXEL            = {samples}
 MAP_PROJECTION_ROTATION      = 0.0
 MAP_RESOLUTION               = {res:.4f} <PIX/DEG>
 MAP_SCALE                    = {pixel_m:g} <METERS/PIXEL>
 MAXIMUM_LATITUDE             = -80 <DEG>
 MINIMUM_LATITUDE             = -90 <DEG>
 WESTERNMOST_LONGITUDE        = -180 <DEG>
 EASTERNMOST_LONGITUDE        = 180 <DEG>
 LINE_PROJECTION_OFFSET       = {loff} <PIXEL>
 SAMPLE_PROJECTION_OFFSET     = {soff} <PIXEL>
END_OBJECT                    = IMAGE_MAP_PROJECTION

END
"""


def height_function_m(x_m, y_m):
    """The known terrain: a tilted plane plus a ridge (metres above the 1737.4 km sphere)."""
    x = np.asarray(x_m, float)
    y = np.asarray(y_m, float)
    return 250.0 + 0.004 * x - 0.007 * y + 400.0 * np.sin(x / 3000.0) * np.cos(y / 4000.0)


def lola_pixel_xy(line_1based, sample_1based, n_lines, n_samples, pixel_m):
    """Map (x, y-up) of a pixel centre by DSMAP_POLAR.CAT: X = (I − N/2 − 0.5)·MAP_SCALE,
    Y = (J − N/2 − 0.5)·MAP_SCALE with the line axis down (y up = −Y)."""
    x = (np.asarray(sample_1based, float) - n_samples / 2 - 0.5) * pixel_m
    y = -(np.asarray(line_1based, float) - n_lines / 2 - 0.5) * pixel_m
    return x, y


def south_xy_to_latlon(x, y):
    """Inverse spherical south polar stereographic, true at the pole (DSMAP_POLAR.CAT:
    LAT = −90 + 2·atan(R/(2·1737400)), LON = atan2(X, −Y) with Y the line axis, i.e. atan2(x, y_up))."""
    rho = np.hypot(x, y)
    lat = -90.0 + np.degrees(2 * np.arctan(0.5 * rho / R_M))
    lon = np.degrees(np.arctan2(x, y)) % 360.0
    return lat, lon


def write_lola_pds3(folder: Path, n: int = 64, pixel_m: float = 20.0, *, product: str = "LDEM_SYN_20M",
                    sample_type: str = "LSB_INTEGER", attached: bool = False, projection: str = "POLAR STEREOGRAPHIC",
                    center_lat: float = -90.0, missing_rows: int = 0, drop: str | None = None,
                    truncate_bytes: int = 0, lower_case_image: bool = False) -> tuple[Path, Path, np.ndarray]:
    """Write a LOLA-layout PDS3 DEM of ``n`` × ``n`` pixels whose heights are
    :func:`height_function_m` at the pixel centres (int16 DN = h/0.5, or float32 heights).
    Returns (label path, image path, the heights in metres written, NaN where no-data)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = np.arange(1, n + 1)[:, None]
    samples = np.arange(1, n + 1)[None, :]
    x, y = lola_pixel_xy(lines, samples, n, n, pixel_m)
    h = height_function_m(x, y)
    if sample_type == "LSB_INTEGER":
        dn = np.round(h / 0.5).astype("<i2")
        truth = dn.astype(float) * 0.5
        if missing_rows:
            dn[:missing_rows] = -32768
            truth[:missing_rows] = np.nan
        data, bits, scale, offset, missing = dn, 16, "0.5", "1737400.", (
            "  MISSING_CONSTANT        = -32768\n" if missing_rows else "")
    else:
        data = h.astype("<f4")
        truth = data.astype(float)
        if missing_rows:
            data[:missing_rows] = -3.4028226550889045e38
            truth[:missing_rows] = np.nan
        bits, scale, offset, missing = 32, "1.0", "0.", ("  MISSING_CONSTANT        = 16#FF7FFFFB#\n"
                                                         if missing_rows else "")
    record_bytes = n * data.itemsize
    img_name = f"{product}.IMG"
    body = dict(product=product, record_bytes=record_bytes, lines=n, samples=n, sample_type=sample_type, bits=bits,
                scale=scale, offset=offset, missing=missing, projection=projection, center_lat=f"{center_lat:g}",
                center_lon="0", res=math.pi / 180 * R_M / pixel_m, pixel_m=pixel_m, loff=n / 2 - 0.5,
                soff=n / 2 - 0.5, pointer=f'"{img_name}"')
    if attached:
        label_records = 1
        while True:
            body["pointer"] = str(label_records + 1)
            text = LOLA_LABEL.format(**body).replace(f"FILE_RECORDS              = {n}\n",
                                                     f"FILE_RECORDS              = {n + label_records}\n")
            raw = text.encode("ascii")
            if len(raw) <= label_records * record_bytes:
                break
            label_records += 1
        path = folder / f"{product}.IMG"
        path.write_bytes(raw.ljust(label_records * record_bytes, b" ") + data.tobytes())
        return path, path, truth
    text = LOLA_LABEL.format(**body)
    if drop:
        text = "\n".join(line for line in text.splitlines() if not line.strip().startswith(drop + " "))
    lbl = folder / f"{product}.LBL"
    lbl.write_text(text)
    img = folder / (img_name.lower() if lower_case_image else img_name)
    raw = data.tobytes()
    img.write_bytes(raw[: len(raw) - truncate_bytes])
    return lbl, img, truth


def write_geotiff_dem(path: Path, n: int = 64, pixel_m: float = 20.0, *, dtype=np.int16, georef: bool = True,
                      compression=None, tile=None) -> np.ndarray:
    """A south polar-stereographic GeoTIFF of :func:`height_function_m` on the same centred grid
    (int16 metres with GDAL_NODATA -32768 on its first row, or float32). Returns the heights written."""
    import tifffile

    lines = np.arange(1, n + 1)[:, None]
    samples = np.arange(1, n + 1)[None, :]
    x, y = lola_pixel_xy(lines, samples, n, n, pixel_m)
    h = height_function_m(x, y)
    data = np.round(h).astype(dtype)
    truth = data.astype(float)
    tags = []
    if np.dtype(dtype).kind == "i":
        data[0] = -32768
        truth[0] = np.nan
        tags.append((42113, "s", 0, "-32768", False))
    if georef:
        x_ul, y_ul = -n / 2 * pixel_m, n / 2 * pixel_m
        keys = (1, 1, 0, 7, 1024, 0, 1, 1, 1025, 0, 1, 1, 3075, 0, 1, 15, 3081, 34736, 1, 0,
                3095, 34736, 1, 1, 3092, 34736, 1, 2, 2057, 34736, 1, 3)
        tags += [(33550, "d", 3, (pixel_m, pixel_m, 0.0), False), (33922, "d", 6, (0, 0, 0, x_ul, y_ul, 0), False),
                 (34735, "H", len(keys), keys, False), (34736, "d", 4, (-90.0, 0.0, 1.0, R_M), False)]
    tifffile.imwrite(path, data, extratags=tags, compression=compression, tile=tile, metadata=None)
    return truth
