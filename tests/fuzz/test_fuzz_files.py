"""Fuzzing the file readers: polar-stereographic GeoTIFF DEMs and horizon tables (issue 16).

Every generated file goes through the reader (``PolarStereoDEM.from_geotiff``,
``HorizonMask.from_table``) and, for a sample, through its consumers (``horizon_for_site`` and
``ilrs site --horizon FILE --at …`` in-process). Each case must end in success or an
``IlrsError`` whose message is one line naming the file — never another exception.

Seeded (``derandomize=True``): the same cases on every run. ``ILRS_FUZZ_CASES=full`` runs the full
campaign (the tests marked ``fuzz``, ≥ 4,000 cases); otherwise only the quick slice runs
(≤ 150 cases, well under 30 s).
"""

from __future__ import annotations

import io
import math
import os
import traceback
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ilrs.errors import IlrsError
from tests.fuzz.harness import COUNTER

FULL = os.environ.get("ILRS_FUZZ_CASES", "").strip().lower() == "full"
R = 1_737_400.0
PIXEL_SCALE, TIEPOINT, GEOKEYS, GEODOUBLES, NODATA = 33550, 33922, 34735, 34736, 42113
full_only = pytest.mark.slow
"""The full file campaign's cases: deselected by `make test` (marked slow), run by `make fuzz`
(`-m fuzz` with ILRS_FUZZ_CASES=full) and `make test-all`; never skipped once selected."""


def _settings(n: int):
    return settings(max_examples=n, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


# -- the classifier ---------------------------------------------------------------------------
def classify(call, path: Path) -> tuple[str, str]:
    """('ok' | 'refused' | 'traceback', detail). A refusal must be one line naming the file. Each
    case is also counted in the fuzz summary (:data:`tests.fuzz.harness.COUNTER`)."""
    kind, detail = _classify(call, path)
    COUNTER.add("test_fuzz_files.py", {"refused": "error"}.get(kind, kind), detail[:200] if kind == "traceback" else "")
    return kind, detail


def _classify(call, path: Path) -> tuple[str, str]:
    try:
        call()
    except IlrsError as exc:
        msg = str(exc)
        if "\n" in msg or str(path) not in msg or len(msg) > 600:
            return "traceback", f"bad error message: {msg[:800]!r}"
        return "refused", msg
    except Exception:  # noqa: BLE001 - the point of the fuzz: any other exception is a finding
        return "traceback", traceback.format_exc(limit=6)
    return "ok", ""


def _check(call, path: Path) -> str:
    kind, detail = classify(call, path)
    assert kind != "traceback", f"{path.name}: {detail}"
    return kind


# -- GeoTIFF generator ------------------------------------------------------------------------
def _valid_keys(lat0=-90.0, radius=R, k0=1.0, lon0=0.0):
    keys = [1, 1, 0, 7,
            1024, 0, 1, 1,          # GTModelType: projected
            1025, 0, 1, 1,          # GTRasterType: PixelIsArea
            3072, 0, 1, 32767,      # ProjectedCSType: user defined
            3075, 0, 1, 15,         # ProjCoordTrans: polar stereographic
            3081, GEODOUBLES, 1, 0,  # ProjNatOriginLat
            2057, GEODOUBLES, 1, 1,  # GeogSemiMajorAxis
            3092, GEODOUBLES, 1, 2]  # ProjScaleAtNatOrigin
    doubles = [lat0, radius, k0]
    if lon0 != 0.0:
        keys[3] += 1
        keys += [3095, GEODOUBLES, 1, 3]
        doubles.append(lon0)
    return keys, doubles


def base_spec(rows=16, cols=16, pixel=40.0):
    """A valid small GeoTIFF around the south pole: hill heights, 40 m pixels."""
    keys, doubles = _valid_keys()
    return {"rows": rows, "cols": cols, "dtype": "float32", "heights": "hill",
            "tags": {PIXEL_SCALE: ("d", [pixel, pixel, 0.0]),
                     TIEPOINT: ("d", [0.0, 0.0, 0.0, -cols * pixel / 2, rows * pixel / 2, 0.0]),
                     GEOKEYS: ("H", keys), GEODOUBLES: ("d", doubles)}}


def _heights(spec, rng: np.random.Generator) -> np.ndarray:
    n, m = spec["rows"], spec["cols"]
    kind = spec["heights"]
    yy, xx = np.mgrid[0:n, 0:m]
    z = 300.0 * np.exp(-((xx - m / 2) ** 2 + (yy - n / 2) ** 2) / max(n * m / 8, 1.0))
    if kind == "nan":
        z[:] = np.nan
    elif kind == "some-nan":
        z[rng.random(z.shape) < 0.3] = np.nan
    elif kind == "inf":
        z.flat[rng.integers(z.size)] = np.inf
    elif kind == "-inf":
        z.flat[rng.integers(z.size)] = -np.inf
    elif kind in ("3e32", "-3e32"):
        z.flat[rng.integers(z.size)] = float(kind)
    elif kind == "huge-all":
        z[:] = 3e32
    elif kind == "tall":
        z.flat[rng.integers(z.size)] = 25_000.0
    elif kind == "random":
        z = rng.normal(0, 2000, z.shape)
    if spec["dtype"] in ("int16", "uint8", "int32"):
        z = np.nan_to_num(z, nan=0, posinf=0, neginf=0)
        info = np.iinfo(spec["dtype"])
        z = np.clip(z, info.min, info.max)
    return z.astype(spec["dtype"])


def write_geotiff(path: Path, spec: dict, seed: int = 0) -> Path:
    import tifffile

    extratags = []
    for code, (dtype, value) in spec["tags"].items():
        if value is None:
            continue
        if dtype == "s":
            extratags.append((code, "s", 0, str(value), False))
        elif dtype == "B":
            extratags.append((code, "B", len(value), bytes(value), False))
        else:
            extratags.append((code, dtype, len(value), list(value), False))
    z = _heights(spec, np.random.default_rng(seed))
    tifffile.imwrite(path, z, extratags=extratags)
    return path


BAD_NUMBERS = [0.0, -0.0, math.nan, math.inf, -math.inf, -40.0, 1e-300, 1e300, -1e300, 5e-324]


def _mutated_numbers(draw, valid: list[float]) -> tuple[str, list | str | None]:
    valid = list(valid) or [1.0, 1.0]
    how = draw(st.sampled_from(["one", "all", "short", "long", "empty", "ascii", "bytes", "missing",
                                "int", "float32"]))
    if how == "missing":
        return "d", None
    if how == "ascii":
        return "s", draw(st.sampled_from(["abc", "40 40 0", "nan", ""]))
    if how == "bytes":
        return "B", [1, 2, 3]
    if how == "short":
        return "d", valid[:draw(st.integers(0, len(valid) - 1))]
    if how == "empty":
        return "d", []
    if how == "long":
        return "d", valid + [draw(st.sampled_from(BAD_NUMBERS + [1.0]))] * draw(st.integers(1, 5))
    if how == "int":
        return "i", [int(max(min(v, 2 ** 31 - 1), -2 ** 31)) if math.isfinite(v) else 0 for v in valid]
    v = list(valid)
    if how == "one":
        v[draw(st.integers(0, len(v) - 1))] = draw(st.sampled_from(BAD_NUMBERS))
    else:
        v = [draw(st.sampled_from(BAD_NUMBERS)) for _ in v]
    if how == "float32":  # beyond float32's range a value is stored as ±inf
        return "f", [x if abs(x) <= 3.4e38 or not math.isfinite(x) else math.copysign(math.inf, x) for x in v]
    return "d", v


GEOKEY_VALUES = {1024: [0, 1, 2, 3, 65535], 1025: [0, 1, 2, 3, 65535], 3075: [0, 1, 14, 15, 16, 65535],
                 3072: [0, 3031, 32767, 65535]}
GEODOUBLE_SLOTS = {"lat0": 0, "radius": 1, "k0": 2}
DOUBLE_VALUES = {"lat0": [-90.0, 90.0, 0.0, -71.0, -91.0, -180.0, math.nan, math.inf],
                 "radius": [R, 0.0, -R, 6_378_137.0, 1.0, math.nan, math.inf, 1e300],
                 "k0": [1.0, 0.0, -1.0, 0.5, 0.9728, 1e-300, 1e300, math.nan, math.inf, 2.0]}


@st.composite
def geotiff_specs(draw):
    """A valid spec with one to three mutations of what the reader uses."""
    rows = draw(st.sampled_from([16, 1, 2, 3, 8, 16, 32]))
    cols = draw(st.sampled_from([16, 1, 2, 3, 8, 16, 32]))
    pixel = draw(st.sampled_from([40.0, 40.0, 40.0, 20.0, 1e-3, 5e3, 1e5, 1e-6, 1e7]))
    spec = base_spec(rows, cols, pixel)
    spec["dtype"] = draw(st.sampled_from(["float32", "float32", "float64", "int16", "uint8", "int32"]))
    spec["heights"] = draw(st.sampled_from(["hill", "hill", "hill", "nan", "some-nan", "inf", "-inf", "3e32",
                                            "-3e32", "huge-all", "tall", "random"]))
    for _ in range(draw(st.integers(0, 3))):
        what = draw(st.sampled_from(["scale", "tie", "keys-count", "keys-short", "keys-type", "keys-value",
                                     "keys-missing", "double", "double-index", "doubles-short", "nodata",
                                     "offset"]))
        _mutate(draw, spec, what)
    return spec


def _numbers_or(tag: tuple, default: list) -> list:
    """The numbers of a spec's tag (a copy), or ``default`` where a mutation made it text/absent."""
    dtype, value = tag
    return list(value) if value is not None and dtype in ("d", "f", "i", "H") else list(default)


def _mutate(draw, spec: dict, what: str) -> None:  # noqa: C901 - one branch per mutation kind
    tags = spec["tags"]
    keys = list(tags[GEOKEYS][1] or []) if tags[GEOKEYS][0] == "H" else []
    if what == "scale":
        tags[PIXEL_SCALE] = _mutated_numbers(draw, _numbers_or(tags[PIXEL_SCALE], [40.0, 40.0, 0.0]))
    elif what == "tie":
        tags[TIEPOINT] = _mutated_numbers(draw, _numbers_or(tags[TIEPOINT], [0.0] * 6))
    elif what == "offset":  # the raster far from the pole, across the equator, at infinity
        off = draw(st.sampled_from([1e5, 1e6, 3.4e6, 1e7, 1e12, -5e6]))
        t = _numbers_or(tags[TIEPOINT], []) + [0.0] * 6
        tags[TIEPOINT] = ("d", t[:3] + [t[3] + off, t[4] - off * draw(st.sampled_from([0, 1])), 0.0])
    elif what == "keys-count" and len(keys) >= 4:  # the header lies about the number of keys
        keys[3] = draw(st.sampled_from([0, 1, 8, 50, 65535]))
        tags[GEOKEYS] = ("H", keys)
    elif what == "keys-short":
        tags[GEOKEYS] = ("H", keys[:draw(st.integers(0, max(len(keys) - 1, 0)))])
    elif what == "keys-type":
        tags[GEOKEYS] = draw(st.sampled_from([("d", [float(k) + 0.5 for k in keys]), ("s", "1 1 0 7"),
                                              ("B", [1, 1, 0]), ("d", [math.nan] * max(len(keys), 4))]))
    elif what == "keys-value" and len(keys) >= 8:
        i = 4 * draw(st.integers(1, (len(keys) - 4) // 4))
        key = keys[i]
        if key in GEOKEY_VALUES:
            keys[i + 3] = draw(st.sampled_from(GEOKEY_VALUES[key]))
        else:
            keys[i + 1] = draw(st.sampled_from([0, 34737, 12345]))  # wrong location
            keys[i + 2] = draw(st.sampled_from([0, 1, 7]))
        tags[GEOKEYS] = ("H", keys)
    elif what == "keys-missing":
        tags[GEOKEYS] = ("H", None)
    elif what == "double":
        name = draw(st.sampled_from(sorted(GEODOUBLE_SLOTS)))
        d = _numbers_or(tags[GEODOUBLES], []) + [0.0] * 3
        d[GEODOUBLE_SLOTS[name]] = draw(st.sampled_from(DOUBLE_VALUES[name]))
        tags[GEODOUBLES] = ("d", d[:max(3, len(_numbers_or(tags[GEODOUBLES], [])))])
    elif what == "double-index" and len(keys) >= 8:
        i = 4 * draw(st.integers(1, (len(keys) - 4) // 4))
        keys[i + 3] = draw(st.sampled_from([3, 7, 1000, 65535]))
        tags[GEOKEYS] = ("H", keys)
    elif what == "doubles-short":
        tags[GEODOUBLES] = draw(st.sampled_from([("d", None), ("d", [-90.0]), ("s", "-90")]))
    elif what == "nodata":
        spec["tags"][NODATA] = ("s", draw(st.sampled_from(["nan", "-32768", "0", "abc", "", "1e999",
                                                           "-3.4028234663852886e+38", "300"])))


def _read(path: Path):
    from ilrs.environment.terrain import PolarStereoDEM

    return PolarStereoDEM.from_geotiff(path)


def _consume(path: Path):
    """The consumer route: the horizon of a site at the pole (inside the raster) from this GeoTIFF."""
    from ilrs.environment.sites import Site
    from ilrs.environment.terrain import horizon_for_site

    m = horizon_for_site(Site("fuzz", -89.999, 0.0, 0.0, 2.0), str(path), azimuth_step_deg=5.0,
                         max_range_m=20_000.0)
    assert np.all(np.isfinite(m.elevation_deg)) and np.isfinite(m.ground_m)


def _geotiff_case(tmp_path_factory, spec, seed, consume: int) -> None:
    """Read the file; where it reads, ``consume`` 0 also computes a horizon from it, 1 runs
    ``ilrs site --horizon FILE --at …`` on it (the route to the ephemeris)."""
    d = tmp_path_factory.mktemp("tif")
    path = write_geotiff(d / "dem.tif", spec, seed)
    kind = _check(lambda: _read(path), path)
    if consume == 0 and kind == "ok":
        _check(lambda: _consume(path), path)
    elif consume == 1 and kind == "ok":
        _check(lambda: _cli_at(path), path)


@_settings(60)
@given(spec=geotiff_specs(), seed=st.integers(0, 2 ** 16), consume=st.integers(0, 5))
def test_geotiff_mutations_quick(tmp_path_factory, spec, seed, consume):
    _geotiff_case(tmp_path_factory, spec, seed, consume)


@pytest.mark.fuzz
@full_only
@_settings(2500)
@given(spec=geotiff_specs(), seed=st.integers(0, 2 ** 16), consume=st.integers(0, 9))
def test_geotiff_mutations_full(tmp_path_factory, spec, seed, consume):
    _geotiff_case(tmp_path_factory, spec, seed, consume)


# -- byte-level damage --------------------------------------------------------------------------
@st.composite
def damaged_bytes(draw):
    """A valid small GeoTIFF truncated, with flipped bytes, or replaced by random bytes or zeros."""
    buf = io.BytesIO()
    _write_to(buf, base_spec(draw(st.sampled_from([2, 8, 16])), draw(st.sampled_from([2, 8, 16]))))
    data = bytearray(buf.getvalue())
    how = draw(st.sampled_from(["truncate", "flip", "random", "empty", "zeros"]))
    if how == "truncate":
        data = data[:draw(st.integers(0, len(data) - 1))]
    elif how == "flip":
        for _ in range(draw(st.integers(1, 20))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
    elif how == "random":
        data = bytearray(draw(st.binary(min_size=0, max_size=2048)))
        if draw(st.booleans()):
            data[:4] = draw(st.sampled_from([b"II*\x00", b"MM\x00*", b"II+\x00"]))
    elif how == "empty":
        data = bytearray()
    else:
        data = bytearray(draw(st.integers(1, 4096)))
    return bytes(data)


def _write_to(target, spec):
    import tifffile

    extratags = [(c, t, len(v), list(v), False) for c, (t, v) in spec["tags"].items()]
    tifffile.imwrite(target, _heights(spec, np.random.default_rng(0)), extratags=extratags)


def _bytes_case(tmp_path_factory, data: bytes, name: str) -> None:
    path = tmp_path_factory.mktemp("raw") / name
    path.write_bytes(data)
    _check(lambda: _read(path), path)


@_settings(30)
@given(data=damaged_bytes(), name=st.sampled_from(["dem.tif", "DEM.TIFF"]))
def test_damaged_geotiff_quick(tmp_path_factory, data, name):
    _bytes_case(tmp_path_factory, data, name)


@pytest.mark.fuzz
@full_only
@_settings(700)
@given(data=damaged_bytes(), name=st.sampled_from(["dem.tif", "DEM.TIFF"]))
def test_damaged_geotiff_full(tmp_path_factory, data, name):
    _bytes_case(tmp_path_factory, data, name)


# -- horizon tables ----------------------------------------------------------------------------
NUMBER_TEXT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "inf", "-inf", "1e999", "90", "-90", "90.0001", "-91", "360", "720", "-360",
                     "1e300", "abc", "", "0x10", "1_0", "١٢", "--1", "5e-324"]),
    st.integers(-1000, 1000).map(str),
)


@st.composite
def horizon_tables(draw) -> str:
    """A valid 36-row table (every 10°) with up to four mutations."""
    rows = [(f"{a:g}", f"{3 * math.sin(math.radians(a)):.3f}") for a in range(0, 360, 10)]
    for _ in range(draw(st.integers(0, 4))):
        how = draw(st.sampled_from(["cell", "repeat", "drop", "text-line", "one-row", "extra-cols",
                                    "short-row", "separator"]))
        if not rows:
            break
        i = draw(st.integers(0, len(rows) - 1))
        if how == "cell":
            r = list(rows[i]) + ["0"] * (2 - len(rows[i]))
            r[draw(st.integers(0, 1))] = draw(NUMBER_TEXT)
            rows[i] = tuple(r)
        elif how == "repeat":
            try:
                again = [rows[i][0], repr(float(rows[i][0]) + 360)]
            except ValueError:  # a cell already mutated to text: repeat it as it is
                again = [rows[i][0]]
            rows.append((draw(st.sampled_from(again)), "1"))
        elif how == "drop":
            rows = rows[:draw(st.integers(0, len(rows)))]
        elif how == "text-line":
            rows.insert(i, (draw(st.text(max_size=20)).replace("\n", " "),))
        elif how == "one-row":
            rows = rows[:1]
        elif how == "extra-cols":
            rows[i] = rows[i] + ("7", "x")
        elif how == "short-row":
            rows[i] = rows[i][:1]
    sep = draw(st.sampled_from([",", " ", "\t", ";", ", "]))
    header = draw(st.sampled_from(["azimuth_deg,elevation_deg\n", "", "# comment\n", "az el\nunits deg\n"]))
    return header + "".join(sep.join(r) + "\n" for r in rows)


def _table_case(tmp_path_factory, text: str, consume: bool) -> None:
    from ilrs.environment.horizon import HorizonMask

    path = tmp_path_factory.mktemp("hz") / "horizon.csv"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    kind = _check(lambda: HorizonMask.from_table(path), path)
    if consume and kind == "ok":
        _check(lambda: _cli_at(path), path)


def _cli_at(path: Path) -> None:
    """``ilrs site --horizon FILE --at …`` in-process: exit 0, or exit 2 with one line naming it."""
    from ilrs.cli.main import main

    err, out = io.StringIO(), io.StringIO()
    rc = None
    with redirect_stderr(err), redirect_stdout(out):
        try:
            rc = main(["site", "--lat", "-89.999", "--lon", "0", "--horizon", str(path),
                       "--at", "2027-01-01T00:00:00", "--format", "json"])
        except SystemExit as exc:  # the console entry point ends with SystemExit(status)
            rc = exc.code
    lines = [ln for ln in err.getvalue().splitlines() if ln.strip()]
    assert rc in (0, 2), (rc, err.getvalue())
    if rc == 2:
        assert len(lines) == 1 and str(path) in lines[0], err.getvalue()


@_settings(45)
@given(text=horizon_tables(), consume=st.integers(0, 14))
def test_horizon_table_mutations_quick(tmp_path_factory, text, consume):
    _table_case(tmp_path_factory, text, consume == 0)


@pytest.mark.fuzz
@full_only
@_settings(1200)
@given(text=horizon_tables(), consume=st.integers(0, 39))
def test_horizon_table_mutations_full(tmp_path_factory, text, consume):
    _table_case(tmp_path_factory, text, consume == 0)


@st.composite
def oversized_tables(draw) -> tuple[int, int]:
    """(rows, limit in MB): up to 1e9 rows, generated lazily: only the first rows are written,
    the rest of the declared size is a hole in a sparse file (no GBs written)."""
    return draw(st.integers(10 ** 6, 10 ** 9)), draw(st.integers(1, 5))


def _oversized_case(tmp_path_factory, monkeypatch, rows: int, limit_mb: int, suffix: str) -> None:
    path = tmp_path_factory.mktemp("big") / f"big{suffix}"
    head = "".join(f"{a % 360}.{a // 360},1.0\n" for a in range(1000)).encode()
    per_row = len(head) / 1000
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(int(rows * per_row))  # sparse: the declared size, not written
    monkeypatch.setenv("ILRS_MAX_INPUT_MB", str(limit_mb))
    from ilrs.environment.horizon import HorizonMask

    call = _read if suffix == ".tif" else HorizonMask.from_table
    kind, detail = classify(lambda: call(path), path)
    assert kind == "refused" and "ILRS_MAX_INPUT_MB" in detail, detail


@_settings(6)
@given(size=oversized_tables(), suffix=st.sampled_from([".csv", ".tif"]))
def test_oversized_files_refused_before_reading(tmp_path_factory, size, suffix):
    with pytest.MonkeyPatch.context() as mp:
        _oversized_case(tmp_path_factory, mp, *size, suffix)


@pytest.mark.fuzz
@full_only
@_settings(100)
@given(size=oversized_tables(), suffix=st.sampled_from([".csv", ".tif"]))
def test_oversized_files_refused_before_reading_full(tmp_path_factory, size, suffix):
    with pytest.MonkeyPatch.context() as mp:
        _oversized_case(tmp_path_factory, mp, *size, suffix)
