"""Fuzz the scenario boundary: mutations of the packaged template and of the reference scenario.

Every case goes through ``load_scenario(path)`` (text mutations: tags, aliases, duplicate keys,
nesting, truncation, binary) or ``scenario_from_dict`` (value mutations: wrong types, extremes,
NaN/inf, unicode) and must end in a Scenario or one clean ``IlrsError`` line (see ``harness``). An
accepted scenario must hold no NaN/inf and no date outside the ephemerides' coverage.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import math
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ilrs.data import data_path, read_yaml_file
from ilrs.scenario import load_scenario, scenario_from_dict
from tests.fuzz.harness import expect, run_case, settings_for

pytestmark = pytest.mark.fuzz

BASES = {
    "template": data_path("scenario-template.yaml"),
    "reference": data_path("scenarios", "ilrs-reference.yaml"),
}
TEXTS = {k: p.read_text(encoding="utf-8") for k, p in BASES.items()}
RAW = {k: read_yaml_file(p) for k, p in BASES.items()}
FIRST, LAST = dt.date(1900, 1, 1), dt.date(2150, 12, 31)

BOMB = "\n".join(
    ["lol: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{c}: &{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")]) + "\n"

# values a hostile or careless user writes in place of a field's value (YAML text)
YAML_VALUES = [
    '!!bool "maybe"', '!!bool ""', '!!timestamp "x"', '!!timestamp "2028-02-30"', '!!timestamp ""',
    '!!int "0x"', '!!int "x"', '!!int ":"', '!!int "0b"', '!!float "e"', '!!float "1:"', '!!float ""',
    '!!binary "@@@"', '!!set [a]', '!!omap {a: 1}', '!!omap [a]', '!!pairs [1]', '!!str [1]', '!!map x',
    '!!seq x', '!!null "x"', '!<tag:yaml.org,2002:int> "nope"', '!custom x', '!!python/object:os.system ls',
    '!!python/name:os.system', '!!python/object/apply:os.system ["true"]', '!!python/tuple [1, 2]',
    "!!python/module:os", '!!merge x', '!!value x', '!!yaml x',
    ".nan", ".NaN", ".inf", "-.inf", "+.inf", "1e308", "-1e308", "1e309", "-1e309", "1e-400", "0", "-0.0",
    "-1", "-999999999999999999999", "99999999999999999999999999999", "0x7fffffffffffffff", "0o777", "1_000",
    "9999-12-31", "0001-01-01", "2028-02-30", "2028-13-01", "9999", "0000", "10000-01-01",
    "2028-01-01T25:00:00", "2028-01-01T00:00:00+99:00", "1899-12-31", "2151-01-01",
    "~", "null", "true", "no", "yes", "on", '""', "''", "[]", "{}", "[[[[[[]]]]]]", "{a: {b: {c: {}}}}",
    '"é✓🚀 中文 \\u0000 \\x07"', '"\\ud800"', "'" + "x" * 5000 + "'", "[" + ", ".join(["1"] * 3000) + "]",
    "&anchor 5", "*undefined", "&r [*r]", "<<: {a: 1}", "|\n  multi\n  line", ">\n  folded",
    "[" * 80 + "]" * 80, "{" * 40 + "}" * 40, "? [complex]\n  : key", "!!binary |\n  AAAA",
    "%YAML 1.1", "--- next", "...", "@reserved", "`backtick", "- a\n- b", "'unterminated", '"unterminated',
    "{a: 1, a: 2}", "[1, 2", "{a: 1", "\t", "\x00", "\x1b[31m",
]

# values put into an already parsed mapping (bypassing YAML)
PY_VALUES = [
    None, True, False, 0, -1, 1, 2**63, -(2**63), 10**30, 10**400, 0.0, -0.0, 1e308, -1e308, 1e-320,
    math.nan, math.inf, -math.inf, "", " ", "x" * 100_000, "é✓🚀中文\x00\x07", "\ud800", "nan", "inf",
    "2028-02-30", "9999-12-31", "0001-01-01", "2028", [], {}, [None], [math.nan], {"": None},
    {"dist": "lognormal", "median": 1e300, "sigma": 1e300}, {"dist": "lognormal", "median": 1, "sigma": 1,
    "shift": -math.inf}, {"dist": "normal", "mean": 0, "sd": 1e308}, {"dist": "beta", "alpha": 1e-320, "beta": 1},
    dt.date(9999, 12, 31), dt.date(1, 1, 1), dt.date(1899, 12, 31), dt.date(2151, 1, 1),
    dt.datetime(9999, 12, 31, 23, 59), dt.datetime(1, 1, 1), dt.datetime(2028, 1, 1, tzinfo=dt.timezone.utc),
    b"bytes", (1, 2, 3), {1, 2}, object(),
]


def _paths(node, prefix=()):
    """Every path (tuple of keys/indices) to a value in a parsed scenario."""
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


PATHS = {k: _paths(v)[1:] for k, v in RAW.items()}
VALUE_LINES = {k: [i for i, line in enumerate(t.splitlines()) if re.match(r"^\s*(- )?[A-Za-z0-9_-]+:\s*\S", line)]
               for k, t in TEXTS.items()}
_counter = itertools.count()


def _check_scenario(s) -> None:
    """An accepted scenario holds only finite numbers and dates within the ephemerides' coverage."""
    def walk(v, where):
        if isinstance(v, float):
            assert math.isfinite(v), f"{where} = {v} was accepted"
        elif isinstance(v, (dt.date, dt.datetime)):
            day = v.date() if isinstance(v, dt.datetime) else v
            assert FIRST <= day <= LAST, f"{where} = {v} was accepted"
        elif isinstance(v, dict):
            for k, x in v.items():
                walk(x, f"{where}.{k}")
        elif isinstance(v, (list, tuple)):
            for i, x in enumerate(v):
                walk(x, f"{where}[{i}]")
    walk(s.model_dump(), "scenario")


def _load_text(tmp: Path, text: str | bytes):
    p = tmp / f"case-{next(_counter)}.yaml"
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8", errors="surrogatepass")

    def case():
        _check_scenario(load_scenario(p))
    return case, str(p)


def _assert_clean(outcome: str, what: str) -> None:
    expect(outcome in ("ok", "error"), f"{what}: {outcome}: {run_case.last_detail}")


def _set(tree, path, value):
    node = tree
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value


def _delete(tree, path):
    node = tree
    for k in path[:-1]:
        node = node[k]
    del node[path[-1]]


# -- named cases: the crashes issue 16 reports, each must now be one clean line ----------------------

NAMED = {
    "bool-maybe": ("relays", "  station_keeping: !!bool \"maybe\"\n"),
    "timestamp-x": ("span", "  start: !!timestamp \"x\"\n  end: 2029-01-01\n"),
    "nan-oxygen": ("operations", "  crew: {initial_stock_kg: {oxygen: .nan}}\n"),
    "inf-height": ("site", "  name: connecting-ridge\n  height_m: .inf\n"),
    "huge-sigma": ("uncertainties", "  schedule_slip_days: {default: {dist: lognormal, median: 90, sigma: 1e300}}\n"),
    "big-sigma": ("uncertainties", "  schedule_slip_days: {default: {dist: lognormal, median: 90, sigma: 9}}\n"),
    "minus-inf-shift": ("uncertainties", "  schedule_slip_days: {default: {dist: lognormal, median: 90, sigma: 1, "
                                         "shift: -.inf}}\n"),
    "huge-normal-slip": ("uncertainties", "  schedule_slip_days: {default: {dist: normal, mean: 0, sd: 1e9}}\n"),
    "year-9999-target": ("uncertainties", "  target_dates: {groundbreaking: 9999-12-31}\n"),
    "year-9999-claim": ("campaign", "  missions:\n  - {id: m, name: m, lead: china, kind: lander, "
                                    "launches: [{vehicle: CZ-5}], dates: [{date: '9999'}]}\n"),
    "int-claim": ("campaign", "  missions:\n  - {id: m, name: m, lead: china, kind: lander, "
                              "launches: [{vehicle: CZ-5}], dates: [{date: 12}]}\n"),
    "relay-epoch-9999": ("relays", "  custom: [{name: r, epoch: 9999-01-01T00:00:00, perilune_altitude_km: 100, "
                                   "apolune_altitude_km: 200, inclination_deg: 90}]\n"),
    "ops-start-1000": ("operations", "  start: 1000-01-01\n"),
    "alias-bomb": ("description", None),
    "recursive-alias": ("relays", "  constellation: &r [*r]\n"),
    "long-literal": ("relays", "  propagation: '" + "x" * 1_500_000 + "'\n"),
}


def _named_text(section: str, body: str | None) -> str:
    base = "name: fuzz\nspan: {start: 2028-01-01, end: 2029-01-01}\n"
    if section == "description":
        return base + "site: {name: connecting-ridge}\nrelays:\n  propagation:\n" + "".join(
            "  - " + line.split(": ", 1)[1] + "\n" for line in BOMB.splitlines())
    if section == "span":
        return "name: fuzz\nsite: {name: connecting-ridge}\nspan:\n" + body
    site = "" if section == "site" else "site: {name: connecting-ridge}\n"
    extra = ("campaign:\n  manifest: [change-7]\n  milestones: [{id: groundbreaking, target: 2030-01-01, "
             "condition: {base_elements_operational: 1}}]\n" if section == "uncertainties" else "")
    return base + site + extra + f"{section}:\n" + body


@pytest.mark.parametrize("name", sorted(NAMED))
def test_named_crash_is_one_clean_line(name, tmp_path):
    section, body = NAMED[name]
    case, file = _load_text(tmp_path, _named_text(section, body))
    outcome = run_case(case, file=file)
    expect(outcome == "error", f"{name}: {outcome}: {run_case.last_detail}")


def test_alias_bomb_refused_fast(tmp_path):
    import time
    import tracemalloc

    case, file = _load_text(tmp_path, _named_text("description", None))
    tracemalloc.start()
    t0 = time.perf_counter()
    outcome = run_case(case, file=file)
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    expect(outcome == "error" and elapsed < 1.0 and peak < 20e6, f"{outcome}, {elapsed:.3f} s, {peak / 1e6:.1f} MB")


# -- hypothesis-driven mutations --------------------------------------------------------------------

@settings_for(quick=60, full=3000)
@given(base=st.sampled_from(sorted(BASES)), data=st.data())
def test_value_mutations(base, data, tmp_path_factory):
    """Replace, delete or wrap one value of the parsed base; validate the mapping (and, for YAML-able
    values, the file written back)."""
    tree = copy.deepcopy(RAW[base])
    path = data.draw(st.sampled_from(PATHS[base]), label="path")
    kind = data.draw(st.sampled_from(["replace", "replace", "replace", "delete", "wrap", "unknown-key"]), label="kind")
    value = data.draw(st.one_of(
        st.sampled_from(PY_VALUES),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.text(max_size=40),
        st.dates(), st.datetimes(),
        st.lists(st.integers(), max_size=4),
        st.dictionaries(st.text(max_size=8), st.integers(), max_size=3)), label="value")
    if kind == "replace":
        _set(tree, path, value)
    elif kind == "delete":
        _delete(tree, path)
    elif kind == "wrap":
        node = tree
        for k in path:
            node = node[k]
        _set(tree, path, [node])
    else:
        node = tree
        for k in path[:-1]:
            node = node[k]
        if isinstance(node, dict):
            node[f"extra_{value!s}"[:40]] = value
    _assert_clean(run_case(lambda: _check_scenario(scenario_from_dict(tree, file="fuzz.yaml")), file="fuzz.yaml"),
                  f"{base} {kind} {path} = {value!r:.80}")


@settings_for(quick=60, full=3500)
@given(base=st.sampled_from(sorted(BASES)), data=st.data())
def test_text_mutations(base, data, tmp_path_factory):
    """Put a hostile YAML value (tags, NaN/inf, extremes, aliases, nesting, unicode) in place of one
    field's value, or duplicate a key line."""
    lines = TEXTS[base].splitlines()
    i = data.draw(st.sampled_from(VALUE_LINES[base]), label="line")
    kind = data.draw(st.sampled_from(["value", "value", "value", "duplicate", "bomb"]), label="kind")
    head, _, _ = lines[i].partition(":")
    if kind == "value":
        snippet = data.draw(st.sampled_from(YAML_VALUES), label="snippet")
        indent = " " * (len(head) - len(head.lstrip(" -")) + 2)
        lines[i] = f"{head}: " + snippet.replace("\n", "\n" + indent)
    elif kind == "duplicate":
        lines.insert(i + 1, lines[i])
    else:
        lines[i] = f"{head}: *i"
        lines[:0] = ["x-bomb:"] + ["  " + line for line in BOMB.splitlines()]
    case, file = _load_text(tmp_path_factory.mktemp("text"), "\n".join(lines) + "\n")
    _assert_clean(run_case(case, file=file), f"{base} line {i + 1} {kind}: {lines[i]!r:.120}")


@settings_for(quick=40, full=2500)
@given(base=st.sampled_from(sorted(BASES)), data=st.data())
def test_byte_mutations(base, data, tmp_path_factory):
    """Truncate at a random byte, flip random bytes, or splice random binary into the file."""
    raw = TEXTS[base].encode("utf-8")
    kind = data.draw(st.sampled_from(["truncate", "flip", "splice", "binary"]), label="kind")
    if kind == "truncate":
        cut = data.draw(st.integers(0, len(raw)), label="offset")
        raw = raw[:cut]
    elif kind == "flip":
        b = bytearray(raw)
        for _ in range(data.draw(st.integers(1, 8), label="flips")):
            at = data.draw(st.integers(0, len(b) - 1))
            b[at] = data.draw(st.integers(0, 255))
        raw = bytes(b)
    elif kind == "splice":
        at = data.draw(st.integers(0, len(raw)), label="offset")
        raw = raw[:at] + data.draw(st.binary(min_size=1, max_size=64), label="bytes") + raw[at:]
    else:
        raw = data.draw(st.binary(max_size=2048), label="bytes")
    case, file = _load_text(tmp_path_factory.mktemp("bytes"), raw)
    _assert_clean(run_case(case, file=file), f"{base} {kind}")


@settings_for(quick=40, full=1500)
@given(base=st.sampled_from(sorted(BASES)), data=st.data())
def test_uncertainty_parameters(base, data):
    """Distributions with any parameters: accepted ones keep every draw finite at the extremes the
    risk layer meets (so the consumer never overflows)."""
    from ilrs.scenario import uncertainties

    z_extreme, draw = getattr(uncertainties, "Z_EXTREME", 8.5), uncertainties.draw

    number = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**12), 10**12),
                       st.sampled_from([0, 1e-300, 1e300, 9.0, 10.0, 10.5, 700.0, -1e9, 1e9]))
    dist = data.draw(st.sampled_from(["lognormal", "normal", "uniform", "triangular", "fixed", "beta"]), label="dist")
    keys = {"lognormal": ["median", "sigma", "shift"], "normal": ["mean", "sd", "low", "high"],
            "uniform": ["low", "high"], "triangular": ["low", "mode", "high"], "fixed": ["value"],
            "beta": ["alpha", "beta"]}[dist]
    spec = {"dist": dist, **{k: data.draw(number, label=k) for k in keys}}
    group = data.draw(st.sampled_from(["schedule_slip_days", "stand_down_days", "element_mtbf_factor",
                                       "launch_failure", "landing_failure"]), label="group")
    tree = copy.deepcopy(RAW[base])
    tree.setdefault("uncertainties", {})[group] = {"default": spec}

    def case():
        s = scenario_from_dict(tree, file="fuzz.yaml")
        _check_scenario(s)
        d = getattr(s.uncertainties, group)["default"]

        class Rng:  # a generator pinned at the extreme normal scores
            def __init__(self, z):
                self.z = z

            def standard_normal(self, *a):
                return self.z

            def beta(self, a, b):
                return 0.5

            def triangular(self, lo, mode, hi):
                return hi

            def uniform(self, lo, hi):
                return hi
        for z in (-z_extreme, z_extreme):
            v = draw(d, Rng(z))
            assert math.isfinite(v), f"{group}: {spec} draws {v} at z={z}"
            if group in ("schedule_slip_days", "stand_down_days"):
                dt.date(2150, 1, 1) + dt.timedelta(days=v)  # a representable date
    _assert_clean(run_case(case, file="fuzz.yaml"), f"{group} {spec}")
