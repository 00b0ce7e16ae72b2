"""PDS3 polar-stereographic DEMs as LOLA publishes them (``LDEM_75S_240M``, ``LDEM_80S_20M``,
``LDEM_875S_5M`` … ``.IMG`` + ``.LBL``, or one file with an attached label), read memory-mapped.

The label is parsed with ``pvl`` (PDS3 is PVL: units in ``<…>``, multi-line quoted strings,
``^IMAGE`` pointers; a 66 kB pure-Python wheel with no dependencies, 2 s to install, measured
against ``pdr``: 13 MB plus cytoolz, multidict, pandas …). The raster is never decoded: the
``.IMG`` is an ``np.memmap`` of its raw samples; scale, offset and no-data are applied where a
height is sampled (:meth:`ilrs.environment.terrain.PolarStereoDEM.sample_rc`).

Conventions (LOLA GDR, ``DSMAP_POLAR.CAT`` of LRO-L-LOLA-4-GDR-V1.0, revised 2013-11-12 and
2021-09-15, and the LOLA RDR/GDR SIS, Neumann 2011):

* Map: spherical polar stereographic, true scale at the pole (k₀ = 1), radius ``A_AXIS_RADIUS``
  (1737.4 km); "in the south, longitude 0 extends straight up from the centre, and longitude 90 E
  extends to the right"; in the north longitude 0 points down.
* Grid: with I, J the 1-based sample and line, X = (I − N/2 − 0.5)·MAP_SCALE, and the line axis
  pointing down. For a label with ``SAMPLE_PROJECTION_OFFSET`` S₀ and ``LINE_PROJECTION_OFFSET``
  L₀ (N/2 − 0.5 for a whole-cap LOLA map: 15199.5 for the 30 400² LDEM_80S_20M) the centre of
  0-based pixel (row r, column c) lies at x = (c − S₀)·MAP_SCALE, y = (L₀ − r)·MAP_SCALE (y up).
* Heights: value = DN·SCALING_FACTOR + OFFSET in ``UNIT`` (METER unless KILOMETER is named). LOLA
  labels give OFFSET = 1737400 with SCALING_FACTOR = 0.5: the value is a RADIUS ("relative to a
  radius of 1737.4 km"); an OFFSET within 1 % of ``A_AXIS_RADIUS`` is read that way and the
  sphere's radius is subtracted, so heights are metres above the 1737.4 km sphere.
  ``MISSING_CONSTANT`` (when given) is no-data.

Every defect is one line naming the file and the keyword (:class:`ilrs.errors.DatasetError`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ilrs.constants import MOON_RADIUS_M
from ilrs.errors import DatasetError, InputError

LABEL_SCAN_BYTES = 4 * 1024 * 1024
"""An attached label is looked for in the first 4 MiB of the file (LOLA's are a few kB)."""

SAMPLE_TYPES = {  # PDS3 Standards Reference, appendix C (data types)
    "LSB_INTEGER": "<i", "PC_INTEGER": "<i", "VAX_INTEGER": "<i",
    "MSB_INTEGER": ">i", "SUN_INTEGER": ">i", "MAC_INTEGER": ">i", "INTEGER": ">i",
    "LSB_UNSIGNED_INTEGER": "<u", "PC_UNSIGNED_INTEGER": "<u", "VAX_UNSIGNED_INTEGER": "<u",
    "MSB_UNSIGNED_INTEGER": ">u", "UNSIGNED_INTEGER": ">u", "SUN_UNSIGNED_INTEGER": ">u",
    "MAC_UNSIGNED_INTEGER": ">u",
    "PC_REAL": "<f", "IEEE_REAL": ">f", "FLOAT": ">f", "REAL": ">f", "SUN_REAL": ">f", "MAC_REAL": ">f",
}
POLAR_NAMES = ("POLAR STEREOGRAPHIC", "POLARSTEREOGRAPHIC", "POLAR_STEREOGRAPHIC", "STEREOGRAPHIC")
RADIUS_TOLERANCE = 0.01


@dataclass(frozen=True)
class Pds3Dem:
    """What a PDS3 polar-stereographic DEM label says, and its raw samples memory-mapped."""

    raw: np.ndarray            # np.memmap (lines, samples) of the stored numbers
    scale_m: float             # metres per DN
    offset_m: float            # metres added after scaling (the sphere's radius already taken off)
    nodata: float | None       # MISSING_CONSTANT as stored (before scaling), or None
    x0_m: float                # map x of the centre of pixel [0, 0]
    y0_m: float                # map y of the centre of pixel [0, 0] (y up)
    pixel_m: float
    south: bool
    lon0_deg: float
    radius_m: float
    projection: str
    sample_type: str
    label: Path
    image: Path


def read_pds3_dem(path: str | Path) -> Pds3Dem:
    """Open a PDS3 DEM from its ``.LBL`` (detached) or its ``.IMG`` (attached label, or the
    ``.LBL`` beside it); see the module docstring for the conventions."""
    p = Path(path)
    if not p.is_file():
        raise InputError("DEM file not found", file=str(p))
    label_path, label = _load_label(p)
    image = _object(label_path, label, "IMAGE")
    proj = _object(label_path, label, "IMAGE_MAP_PROJECTION")
    img_path, byte_offset = _image_pointer(label_path, label)
    lines = _count(label_path, image, "LINES")
    samples = _count(label_path, image, "LINE_SAMPLES")
    dtype = _dtype(label_path, image)
    _check_layout(label_path, image)
    need = byte_offset + lines * samples * dtype.itemsize
    have = img_path.stat().st_size
    if have < need:
        raise DatasetError(f"truncated: the image holds {have:,} bytes, the label's LINES {lines} x LINE_SAMPLES "
                           f"{samples} x {dtype.itemsize} bytes (+ {byte_offset} bytes before it) need {need:,}",
                           file=str(img_path))
    raw = np.memmap(img_path, dtype=dtype, mode="r", offset=byte_offset, shape=(lines, samples))
    south, lon0, radius, pixel, s0, l0, ptype = _projection(label_path, proj)
    unit = _unit_m(label_path, image)
    scale = _number(label_path, image, "SCALING_FACTOR", 1.0) * unit
    offset = _number(label_path, image, "OFFSET", 0.0) * unit
    if abs(offset - radius) <= RADIUS_TOLERANCE * radius:  # LOLA: DN·0.5 + 1737400 m is a radius
        offset -= radius
    missing = image.get("MISSING_CONSTANT", image.get("CORE_NULL"))
    nodata = None if missing is None else _nodata(label_path, missing, dtype)
    if not (math.isfinite(scale) and scale != 0 and math.isfinite(offset)):
        raise DatasetError(f"SCALING_FACTOR {scale:g} / OFFSET {offset:g} must be finite, the factor non-zero",
                           file=str(label_path), field="IMAGE.SCALING_FACTOR")
    return Pds3Dem(raw, scale, offset, nodata, -s0 * pixel, l0 * pixel, pixel, south, lon0, radius,
                   ptype, str(image.get("SAMPLE_TYPE")), label_path, img_path)


def _nodata(label_path: Path, value, dtype: np.dtype) -> float:
    """MISSING_CONSTANT as a stored value; a based integer (``16#FF7FFFFB#``) for a float raster is
    the bit pattern of the float (PDS3 Standards Reference, §12.3: based integers)."""
    v = _as_float(label_path, "IMAGE.MISSING_CONSTANT", value)
    if dtype.kind == "f" and isinstance(getattr(value, "value", value), int) and v >= 2 ** 31:
        bits = np.array([int(v)], dtype=np.uint32 if dtype.itemsize == 4 else np.uint64)
        return float(bits.view(np.float32 if dtype.itemsize == 4 else np.float64)[0])
    return v


def _load_label(p: Path):
    """(the file holding the label, the parsed label): ``p`` itself when it starts with a PDS3
    label, else the ``.LBL``/``.lbl`` beside it."""
    import warnings

    with warnings.catch_warnings():  # pvl 1.3 warns at import about its own deprecated Units class
        warnings.simplefilter("ignore")
        import pvl

    head = p.read_bytes()[:LABEL_SCAN_BYTES] if p.stat().st_size <= LABEL_SCAN_BYTES else _head(p)
    text = _label_text(head)
    if text is None:
        for suffix in (".LBL", ".lbl", ".Lbl"):
            sib = p.with_suffix(suffix)
            if sib != p and sib.is_file():
                return _load_label(sib)
        raise DatasetError("no PDS3 label: neither attached (the file does not start with PDS_VERSION_ID or "
                           "a keyword = value label ending in END) nor a .LBL beside it", file=str(p))
    try:
        return p, pvl.loads(text)
    except Exception as exc:  # noqa: BLE001 - pvl raises several kinds on a broken label
        why = " ".join(str(exc).split())[:160]
        raise DatasetError(f"not a readable PDS3 label ({why})", file=str(p)) from None


def _head(p: Path) -> bytes:
    with open(p, "rb") as f:
        return f.read(LABEL_SCAN_BYTES)


_END = re.compile(rb"^[ \t]*END[ \t]*\r?$", re.MULTILINE)


def _label_text(head: bytes) -> str | None:
    """The label at the start of ``head`` (up to its END line), or None when it starts with none."""
    start = head[:200].lstrip()
    if not (start.startswith(b"PDS_VERSION_ID") or re.match(rb"^[A-Z^][A-Z0-9_:^]*[ \t]*=", start)):
        return None
    m = _END.search(head)
    if m is None:
        return None
    return head[: m.end()].decode("latin-1")


def _object(label_path: Path, label, name: str):
    obj = label.get(name)
    if obj is None:
        for _, value in label.items():  # a label may nest IMAGE in an UNCOMPRESSED_FILE object
            if hasattr(value, "get") and value.get(name) is not None:
                return value.get(name)
        raise DatasetError(f"missing: the label has no OBJECT = {name}", file=str(label_path), field=name)
    return obj


def _image_pointer(label_path: Path, label) -> tuple[Path, int]:
    """(file of the raster, byte offset): ``^IMAGE`` as a file, (file, record), a record or bytes."""
    ptr = label.get("^IMAGE")
    if ptr is None:
        img = _sibling(label_path, label_path.with_suffix(".IMG").name)
        return img, 0
    record = _record_bytes(label_path, label)
    if isinstance(ptr, str):
        return _sibling(label_path, ptr), 0
    if isinstance(ptr, (list, tuple)) and len(ptr) == 2:
        return _sibling(label_path, str(ptr[0])), _offset_bytes(label_path, ptr[1], record)
    return label_path, _offset_bytes(label_path, ptr, record)


def _offset_bytes(label_path: Path, value, record: int | None) -> int:
    """A 1-based record number, or a 1-based byte position with ``<BYTES>``, as a 0-based offset."""
    units = str(getattr(value, "units", "") or "").upper()
    n = _as_float(label_path, "^IMAGE", getattr(value, "value", value))
    if n < 1 or n != int(n):
        raise DatasetError(f"pointer {n:g} must be a whole number ≥ 1", file=str(label_path), field="^IMAGE")
    if units.startswith("BYTE"):
        return int(n) - 1
    if record is None:
        raise DatasetError("a record pointer needs RECORD_BYTES", file=str(label_path), field="RECORD_BYTES")
    return (int(n) - 1) * record


def _record_bytes(label_path: Path, label) -> int | None:
    rb = label.get("RECORD_BYTES")
    if rb is None:
        return None
    v = _as_float(label_path, "RECORD_BYTES", getattr(rb, "value", rb))
    if not (v >= 1 and v == int(v)):
        raise DatasetError(f"{v:g} is not a positive whole number", file=str(label_path), field="RECORD_BYTES")
    return int(v)


def _sibling(label_path: Path, name: str) -> Path:
    """The file ``name`` beside the label, matched case-insensitively (archives spell names in capitals;
    downloads are often lower case)."""
    folder = label_path.parent
    exact = folder / name
    if exact.is_file():
        return exact
    for cand in folder.iterdir():
        if cand.name.lower() == name.lower() and cand.is_file():
            return cand
    raise DatasetError(f"the image file {name!r} it points to is not beside it", file=str(label_path),
                       field="^IMAGE")


def _count(label_path: Path, obj, key: str) -> int:
    v = _as_float(label_path, f"IMAGE.{key}", _required(label_path, obj, key))
    if not (v >= 2 and v == int(v) and v <= 10_000_000):
        raise DatasetError(f"{v:g} is not a whole number of pixels ≥ 2", file=str(label_path), field=f"IMAGE.{key}")
    return int(v)


def _dtype(label_path: Path, image) -> np.dtype:
    stype = str(_required(label_path, image, "SAMPLE_TYPE")).upper().strip()
    bits = _as_float(label_path, "IMAGE.SAMPLE_BITS", _required(label_path, image, "SAMPLE_BITS"))
    code = SAMPLE_TYPES.get(stype)
    if code is None:
        raise DatasetError(f"sample type {stype!r} is not a number type this reader knows", file=str(label_path),
                           field="IMAGE.SAMPLE_TYPE", allowed=sorted(SAMPLE_TYPES))
    ok = (8, 16, 32, 64) if code[1] in "iu" else (32, 64)
    if bits not in ok:
        raise DatasetError(f"{bits:g} bits for {stype}", file=str(label_path), field="IMAGE.SAMPLE_BITS",
                           allowed=[str(b) for b in ok])
    return np.dtype(f"{code}{int(bits) // 8}")


def _check_layout(label_path: Path, image) -> None:
    bands = image.get("BANDS", 1)
    if _as_float(label_path, "IMAGE.BANDS", bands) != 1:
        raise DatasetError(f"{bands} bands: a DEM has one", file=str(label_path), field="IMAGE.BANDS")
    for key in ("LINE_PREFIX_BYTES", "LINE_SUFFIX_BYTES"):
        if _as_float(label_path, f"IMAGE.{key}", image.get(key, 0)) != 0:
            raise DatasetError("line prefixes/suffixes are not supported", file=str(label_path), field=f"IMAGE.{key}")


def _unit_m(label_path: Path, image) -> float:
    unit = str(image.get("UNIT", "METER")).upper().strip()
    if unit in ("METER", "METERS", "METRE", "METRES", "M"):
        return 1.0
    if unit in ("KILOMETER", "KILOMETERS", "KILOMETRE", "KM"):
        return 1000.0
    raise DatasetError(f"height unit {unit!r}", file=str(label_path), field="IMAGE.UNIT",
                       allowed=["METER", "KILOMETER"])


def _projection(label_path: Path, proj):
    """(south?, λ₀ deg, radius m, pixel m, S₀, L₀, type) of a polar stereographic map."""
    ptype = " ".join(str(_required(label_path, proj, "MAP_PROJECTION_TYPE")).upper().split())
    if ptype not in POLAR_NAMES:
        raise DatasetError(f"projection {ptype!r} is not polar stereographic: ilrs reads polar-stereographic DEMs "
                           "of the south pole (LOLA LDEM_75S_240M, LDEM_80S_20M, LDEM_875S_5M …)",
                           file=str(label_path), field="IMAGE_MAP_PROJECTION.MAP_PROJECTION_TYPE",
                           allowed="POLAR STEREOGRAPHIC")
    lat0 = _number(label_path, proj, "CENTER_LATITUDE")
    if abs(abs(lat0) - 90.0) > 1e-9:
        raise DatasetError(f"centre latitude {lat0:g}°: a polar map is centred on a pole", file=str(label_path),
                           field="IMAGE_MAP_PROJECTION.CENTER_LATITUDE", allowed="-90 (south) or 90 (north)")
    lon0 = _number(label_path, proj, "CENTER_LONGITUDE", 0.0)
    radius = _length_m(label_path, proj, "A_AXIS_RADIUS", default_km=True, default=MOON_RADIUS_M)
    if abs(radius / MOON_RADIUS_M - 1.0) > RADIUS_TOLERANCE:
        raise DatasetError(f"sphere radius {radius / 1e3:g} km is not the Moon's", file=str(label_path),
                           field="IMAGE_MAP_PROJECTION.A_AXIS_RADIUS", allowed="1737.4 km ± 1 %")
    pixel = _length_m(label_path, proj, "MAP_SCALE", default_km=None)
    if not (1e-3 <= pixel <= 1e5):
        raise DatasetError(f"pixel size {pixel:g} m out of range", file=str(label_path),
                           field="IMAGE_MAP_PROJECTION.MAP_SCALE", allowed="1 mm .. 100 km per pixel")
    s0 = _number(label_path, proj, "SAMPLE_PROJECTION_OFFSET")
    l0 = _number(label_path, proj, "LINE_PROJECTION_OFFSET")
    if not (math.isfinite(lon0) and abs(lon0) <= 360):
        raise DatasetError(f"{lon0:g}° out of range", file=str(label_path),
                           field="IMAGE_MAP_PROJECTION.CENTER_LONGITUDE", allowed="-360..360")
    return lat0 < 0, lon0, radius, pixel, s0, l0, ptype


def _length_m(label_path: Path, obj, key: str, *, default_km: bool | None, default: float | None = None) -> float:
    """A length keyword in metres: its unit (``<KM>``, ``<METERS/PIXEL>``, ``<KM/PIXEL>``) decides;
    without one, kilometres when ``default_km``; with ``default_km=None`` a bare value < 10 is taken
    as km/pixel (old LOLA labels wrote ``MAP_SCALE = 0.02``), else metres."""
    raw = obj.get(key)
    if raw is None:
        if default is not None:
            return default
        _required(label_path, obj, key)
    v = _as_float(label_path, key, getattr(raw, "value", raw))
    units = str(getattr(raw, "units", "") or "").upper().replace(" ", "")
    if units.startswith("KM") or units.startswith("KILOMET"):
        return v * 1000.0
    if units.startswith("M"):
        return v
    if default_km is None:
        return v * 1000.0 if v < 10 else v
    return v * 1000.0 if default_km else v


def _required(label_path: Path, obj, key: str):
    value = obj.get(key)
    if value is None:
        raise DatasetError("missing keyword", file=str(label_path), field=key)
    return value


def _number(label_path: Path, obj, key: str, default: float | None = None) -> float:
    raw = obj.get(key)
    if raw is None and default is not None:
        return default
    return _as_float(label_path, key, getattr(_required(label_path, obj, key), "value", raw))


def _as_float(label_path: Path, key: str, value) -> float:
    value = getattr(value, "value", value)
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise DatasetError(f"{str(value)[:40]!r} is not a number", file=str(label_path), field=key) from None
    if not math.isfinite(v):
        raise DatasetError(f"{v} is not finite", file=str(label_path), field=key)
    return v
