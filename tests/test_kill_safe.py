"""Kill-safe outputs (issue 16, item 8, for ``ilrs run``, ``ilrs site --map`` and ``ilrs comms``):
SIGKILL at seeded random moments leaves every output file either complete or absent (JSON loads,
HTML ends with ``</html>``, Parquet and ``.npz`` read, PNG ends with its IEND chunk, CSV ends with a
newline), and the next run in the same folder leaves no temporary of a killed writer and gives the
uninterrupted run's results.

Each command runs in its own process group (its workers die with it), from a short scenario. A
temporary of a dead writer is also planted (a kill may land outside every write): the next run must
delete it, and must leave alone a live writer's temporary and files that only look alike.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from ilrs.scenario import load_scenario

IEND = b"IEND\xaeB`\x82"


def short_scenario(folder: Path) -> Path:
    """The reference scenario over 2027-01-01..2027-04-01, operations 0.1 year, relays one day."""
    raw = load_scenario("ilrs-reference").model_dump(mode="json", exclude_unset=True)
    raw["span"] = {"start": "2027-01-01", "end": "2027-04-01"}
    raw["operations"].update(years=0.1)
    raw["relays"].update(analysis_days=1.0, coverage_spacing_km=0.0)
    path = folder / "short.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def _dem(folder: Path) -> Path:
    """A 64×64 px synthetic polar-stereographic GeoTIFF around the pole with one hill."""
    import tifffile

    n, px = 64, 40.0
    c = -n * px / 2 + px / 2 + np.arange(n) * px
    x, y = np.meshgrid(c, -c)
    z = 300.0 * np.exp(-((x - 500) ** 2 + y ** 2) / 400.0 ** 2)
    keys = [1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3081, 34736, 1, 0]
    tif = folder / "dem.tif"
    tifffile.imwrite(tif, z.astype(np.float32), extratags=[
        (33550, "d", 3, (px, px, 0.0), False), (33922, "d", 6, (0, 0, 0, -n * px / 2, n * px / 2, 0), False),
        (34735, "H", len(keys), keys, False), (34736, "d", 1, (-90.0,), False)])
    return tif


def _command(name: str, folder: Path, out: Path) -> list[str]:
    if name == "run":
        return ["run", "--scenario", str(short_scenario(folder)), "--out", str(out), "--quiet", "--risk-runs", "20"]
    if name == "site":
        tif = _dem(folder)
        return ["site", "--lat", "-89.99", "--lon", "180", "--horizon", str(tif), "--start", "2027-07-01", "--days",
                "20", "--step-min", "360", "--map", str(tif), "--map-px", "16", "--out", str(out), "--format", "json"]
    return ["comms", "--scenario", str(short_scenario(folder)), "--out", str(out), "--format", "json"]


def _start(args: list[str]) -> subprocess.Popen:
    env = dict(os.environ, PYTHONWARNINGS="ignore", COLUMNS="200")
    return subprocess.Popen([sys.executable, "-m", "ilrs.cli.main", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, start_new_session=True)


def _finish(args: list[str]) -> tuple[str, float]:
    t0 = time.monotonic()
    p = _start(args)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err.decode()[-2000:]
    return out.decode(), time.monotonic() - t0


def _kill_at(args: list[str], after_s: float) -> None:
    p = _start(args)
    try:
        p.wait(timeout=after_s)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)  # the command and any worker it started
    p.communicate(timeout=60)


def _complete(path: Path) -> None:
    """Raise unless ``path`` is a whole output of its kind."""
    data = path.read_bytes()
    kind = path.suffix
    if kind == ".json":
        json.loads(data)
    elif kind == ".html":
        assert data.rstrip().endswith(b"</html>"), path
    elif kind == ".parquet":
        import pyarrow.parquet as pq

        pq.read_table(path)
    elif kind == ".npz":
        with np.load(path, allow_pickle=False) as z:
            [z[k] for k in z.files]
    elif kind == ".png":
        assert data.endswith(IEND), path
    elif kind == ".csv":
        assert data.endswith(b"\n"), path
    elif kind == ".svg":
        assert data.rstrip().endswith(b"</svg>"), path


def _outputs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".tmp"))


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _results(name: str, out: Path, stdout: str) -> object:
    """What must equal between an uninterrupted run and a run after kills."""
    if name == "run":
        return (out / "summary.json").read_bytes()
    d = json.loads(stdout.replace(str(out), "OUT"))
    d.pop("timings_s", None)
    return d, {p.name: p.read_bytes() for p in out.glob("*.csv")}


@pytest.mark.parametrize("name,kills", [
    ("run", 2), pytest.param("site", 3, marks=pytest.mark.slow), pytest.param("comms", 3, marks=pytest.mark.slow)])
def test_sigkill_leaves_complete_outputs_or_none(name, kills, tmp_path):
    rng = random.Random(16)
    ref_out, out = tmp_path / "ref", tmp_path / "killed"
    ref_stdout, took_s = _finish(_command(name, tmp_path, ref_out))
    assert _outputs(ref_out)
    out.mkdir()
    for _ in range(kills):
        _kill_at(_command(name, tmp_path, out), rng.uniform(0.15, 1.0) * took_s)
        for p in _outputs(out):
            _complete(p)  # whole, or not there
    target = "summary.json" if name == "run" else _outputs(ref_out)[0].name
    stale = out / f".{target}.{_dead_pid()}.k3j2x9ab.tmp"
    live = out / f".{target}.{os.getpid()}.q8w7e6zz.tmp"
    unrelated = [out / ".notes.tmp", out / f".{target}.tmp", out / "mine.tmp"]
    for p in (stale, live, *unrelated):
        p.write_bytes(b"partial")
    stdout, _ = _finish(_command(name, tmp_path, out))
    left = sorted(p.name for p in out.rglob(".*.tmp"))
    assert left == sorted(p.name for p in (live, *unrelated) if p.name.startswith(".")), left
    for p in _outputs(out):
        _complete(p)
    assert _results(name, out, stdout) == _results(name, ref_out, ref_stdout)


def test_a_killed_writers_temporary_is_recognised_and_only_it(tmp_path):
    """The temporaries atomic_path makes carry the writer's pid: a live writer's is kept, a dead
    writer's is deleted, by the next write of that name and by the output-folder check."""
    from ilrs._io import atomic_path, remove_stale_temporaries
    from ilrs.cli.common import output_folder

    with atomic_path(tmp_path / "a.json") as tmp:
        tmp.write_text("{}")
        assert remove_stale_temporaries(tmp_path) == [] and tmp.exists()  # ours: we are alive
        dead = tmp_path / tmp.name.replace(f".{os.getpid()}.", f".{_dead_pid()}.")
        tmp.rename(dead)
        tmp.write_text("{}")
    assert dead.exists()
    (tmp_path / "sub").mkdir()
    not_a_file = tmp_path / f".b.json.{_dead_pid()}.abcdefgh.tmp"
    not_a_file.mkdir()
    with atomic_path(tmp_path / "a.json") as tmp:  # the next write of a.json deletes it
        assert not dead.exists()
        tmp.write_text("{}")
    again = tmp_path / dead.name
    again.write_text("x")
    output_folder(tmp_path, "--out")
    assert not again.exists() and not_a_file.is_dir()  # a folder of that name is not ours to delete
    assert sorted(p.name for p in tmp_path.iterdir()) == [not_a_file.name, "a.json", "sub"]
