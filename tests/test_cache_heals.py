"""The disk caches heal (issue 16, item 7): every kind of cache entry (environment timeline; comms
relay states, DEM horizons of coverage grids, downlink timelines), damaged five ways (truncated,
bytes flipped in the middle, replaced by another key's entry, zero-length, a folder in its place),
is detected, deleted with a one-line warning and recomputed: the result equals a fresh
computation and the damaged file is replaced by a valid entry. Two processes writing one key at
once never leave a torn entry.

Measured before (the Parquet + JSON and ``.npz`` caches, relay states and environment timeline): a
truncated or byte-flipped comms entry raised ``BadZipFile`` (a zero-length one ``EOFError``) on every
later run; another key's entry was used silently by both caches (a wrong result of the right
shape); a folder in place of an entry crashed both; a flipped environment entry was left on disk;
nothing was ever said.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from ilrs._io import read_entry

DAMAGES = ("truncate", "flip", "other-key", "zero-length", "folder")


def _fresh(monkeypatch, tmp_path, name: str) -> Path:
    folder = tmp_path / name
    monkeypatch.setenv("ILRS_CACHE_DIR", str(folder))
    return folder


def _env_kind(start):
    from ilrs.environment import get_site, timeline_for

    def compute(use_cache=True):
        tl = timeline_for(get_site("connecting-ridge"), start, np.datetime64(start) + 2, horizon="sphere", step_s=3600,
                          use_cache=use_cache)
        return tl.to_frame().to_numpy(float)

    return compute


def _states_kind(start):
    from ilrs.comms import resolve_relays
    from ilrs.comms.states import relay_states
    from ilrs.environment import time_grid

    def compute(use_cache=True):
        s = relay_states(resolve_relays(["queqiao-2"]), time_grid(start, days=0.25, step_s=900), gravity_degree=2,
                         use_cache=use_cache)
        return np.concatenate([s.r_icrf_m.ravel(), s.v_icrf_m_s.ravel()])

    return compute


def _horizons_kind(start):
    from ilrs.comms.analysis import grid_horizons

    lat = {"2027-01-01": -89.5, "2027-02-01": -88.5}[start]
    points = SimpleNamespace(lat_deg=np.array([lat, -89.9]), lon_deg=np.array([222.0, 10.0]), size=2)

    def compute(use_cache=True):
        if not use_cache:
            os.environ["ILRS_CACHE_DIR"] = os.environ["ILRS_CACHE_DIR"] + "-uncached"
        return np.asarray(grid_horizons(points), float)

    return compute


def _downlink_kind(start):
    from ilrs.comms import comms_setup, downlink_timeline
    from ilrs.environment import site_setup, time_grid
    from ilrs.scenario import load_scenario

    s = load_scenario("ilrs-reference")
    site = site_setup(s.site.model_copy(update={"horizon": "sphere"}), "2027-01-01", "2027-03-01")
    setup = comms_setup(s.relays)

    def compute(use_cache=True):
        if not use_cache:
            os.environ["ILRS_CACHE_DIR"] = os.environ["ILRS_CACHE_DIR"] + "-uncached"
        tl = downlink_timeline(setup, site, time_grid(start, days=0.5, step_s=1800))
        return np.concatenate([tl.downlink_rate_bps, tl.via_relay_bps, tl.direct_to_earth_bps])

    return compute


KINDS = {"environment": (_env_kind, "environment"), "states": (_states_kind, "comms"),
         "horizons": (_horizons_kind, "comms"), "downlink": (_downlink_kind, "comms")}


def _entries(folder: Path) -> set[Path]:
    return set(folder.glob("*.entry")) if folder.is_dir() else set()


def _damage(path: Path, how: str, other: Path) -> None:
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif how == "flip":
        mid = len(data) // 2
        path.write_bytes(data[:mid] + bytes(b ^ 0xFF for b in data[mid:mid + 8]) + data[mid + 8:])
    elif how == "other-key":
        shutil.copyfile(other, path)
    elif how == "zero-length":
        path.write_bytes(b"")
    else:
        path.unlink()
        path.mkdir()
        (path / "inside").write_text("x")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_damaged_entry_is_detected_deleted_and_recomputed(kind, monkeypatch, tmp_path, caplog):
    make, sub = KINDS[kind]
    cache = _fresh(monkeypatch, tmp_path, "cache")
    compute, other = make("2027-01-01"), make("2027-02-01")
    fresh = compute(use_cache=False)
    monkeypatch.setenv("ILRS_CACHE_DIR", str(cache))
    other()
    before = _entries(cache / sub)
    np.testing.assert_array_equal(compute(), fresh)  # stores
    (path,) = _entries(cache / sub) - before
    (other_path,) = before
    key = path.stem
    good = path.read_bytes()
    for how in DAMAGES:
        _damage(path, how, other_path)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="ilrs.cache"):
            got = compute()
        np.testing.assert_array_equal(got, fresh, err_msg=how)
        warned = [r.getMessage() for r in caplog.records if r.name == "ilrs.cache"]
        assert len(warned) == 1 and path.name in warned[0] and "\n" not in warned[0], (how, warned)
        assert path.is_file() and read_entry(path, key) is not None, how  # replaced by a valid entry
        assert path.read_bytes() == good, how
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="ilrs.cache"):
            np.testing.assert_array_equal(compute(), fresh)  # a valid entry is read without a word
        assert not caplog.records, how


def test_valid_entry_is_read_not_recomputed(monkeypatch, tmp_path):
    from ilrs.environment import get_site, timeline_for

    _fresh(monkeypatch, tmp_path, "cache")
    a = timeline_for(get_site("connecting-ridge"), "2027-01-01", "2027-01-02", horizon="sphere")
    b = timeline_for(get_site("connecting-ridge"), "2027-01-01", "2027-01-02", horizon="sphere")
    assert not a.from_cache and b.from_cache
    assert a.to_frame().equals(b.to_frame())


WRITER = textwrap.dedent("""
    import sys, numpy as np
    import ilrs.comms._cache as c
    key = sys.argv[1]
    arrays = {"a": np.arange(400_000, dtype=float) * float(sys.argv[2]), "b": np.ones(3)}
    for _ in range(int(sys.argv[3])):
        c.save(key, arrays)
        got = c.load(key)
        assert got is not None and np.array_equal(got["a"], arrays["a"]), "torn or lost entry"
""")


def test_two_processes_writing_one_key_never_leave_a_torn_entry(monkeypatch, tmp_path):
    import ilrs.comms._cache as c

    _fresh(monkeypatch, tmp_path, "cache")
    key = c.cache_key("test", {"x": 1})
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parents[1] / "src"),
                                                       os.environ.get("PYTHONPATH", "")]))
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, key, "1", "25"], env=env, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=60)
        assert p.returncode == 0 and "damaged" not in err, err[-2000:]
    assert c.load(key)["a"][-1] == 399_999.0
    assert not list(c.cache_folder().glob(".*.tmp"))  # no temporary left behind
