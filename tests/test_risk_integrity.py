"""What ``risk --resume`` reads back is checked (issue 16, items 6 and 8): damaged, foreign, copied
and overlapping chunks are run again with a warning, a malformed manifest is one line (exit 2);
the results folder is the same bytes for the same study; worker processes die with a killed study;
SIGKILL at random moments then ``--resume`` gives the uninterrupted result; no ``.tmp`` is left.

Every reference is an independent computation: the same study run once, uninterrupted, in memory.
"""

from __future__ import annotations

import filecmp
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from ilrs.errors import InputError
from ilrs.risk.store import read_results_folder
from ilrs.risk.study import run_study
from tests.test_risk_campaign import small_scenario
from tests.test_risk_engine import _KILL_SCRIPT, three_launches

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]), PYTHONWARNINGS="ignore")
ARGS = dict(seed=3, runs=500, study_hash="i", chunk_runs=60)


def _study(out: Path, resume: bool = False):
    return run_study(three_launches, {"p": 0.9}, out=out, resume=resume, **ARGS)


@pytest.fixture
def folder(tmp_path):
    """A finished study of 500 runs in 9 chunks, and its table computed in memory."""
    out = tmp_path / "r"
    _study(out)
    return out, run_study(three_launches, {"p": 0.9}, **{**ARGS, "chunk_runs": 500}).table


def _chunks(out: Path) -> list[Path]:
    return sorted(out.glob("runs-*.parquet"))


def _warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("warning:")]


# --- item 6: chunks -------------------------------------------------------------------------------

def test_flipped_bytes_in_a_chunk_are_recomputed(folder, capfd):
    out, ref = folder
    victim = _chunks(out)[3]
    data = bytearray(victim.read_bytes())
    rng = random.Random(16)
    for k in rng.sample(range(4, len(data) - 8), 10):  # ten bytes anywhere but the magic numbers
        data[k] ^= 0xFF
    victim.write_bytes(bytes(data))
    capfd.readouterr()
    again = _study(out, resume=True)
    warned = _warnings(capfd.readouterr().err)
    assert len(warned) == 1 and victim.name in warned[0] and "180..239" in warned[0]
    assert again.runs_this_session == 60 and again.table.equals(ref)
    assert read_results_folder(out).equals(ref)


def test_plausible_rewritten_chunk_is_caught_by_its_checksum(folder, capfd):
    """The same study, range and schema, valid Parquet, other values: only the SHA-256 tells."""
    out, ref = folder
    victim = _chunks(out)[2]
    table = pq.read_table(victim)  # with the study's metadata and the chunk's range
    flipped = pa.array([not v for v in table.column("all_ok").to_pylist()])
    forged = table.set_column(table.column_names.index("all_ok"), table.schema.field("all_ok"), flipped)
    pq.write_table(forged, victim, compression="zstd", write_page_checksum=True)
    assert b"ilrs.risk.chunk" in pq.read_metadata(victim).metadata
    capfd.readouterr()
    again = _study(out, resume=True)
    warned = _warnings(capfd.readouterr().err)
    assert len(warned) == 1 and "SHA-256" in warned[0]
    assert again.runs_this_session == 60 and again.table.equals(ref)


@pytest.mark.parametrize("target_recorded", [True, False])
def test_chunk_copied_under_another_ranges_name_is_recomputed(folder, capfd, target_recorded):
    out, ref = folder
    files = _chunks(out)
    if not target_recorded:  # the target range was never written (lost): a copy fills the gap
        files[4].unlink()
    shutil.copyfile(files[0], files[4])  # runs 0..59 under the name of runs 240..299
    capfd.readouterr()
    again = _study(out, resume=True)
    warned = _warnings(capfd.readouterr().err)
    assert len(warned) == 1 and files[4].name in warned[0] and "holds runs 0..60" in warned[0]
    assert again.runs_this_session == 60 and again.table.equals(ref)
    assert again.table.column("run").to_pylist() == list(range(500))  # nothing counted twice


def test_chunk_of_another_study_is_recomputed(folder, tmp_path, capfd):
    out, ref = folder
    other = tmp_path / "other"
    run_study(three_launches, {"p": 0.9}, out=other, **{**ARGS, "seed": 4})
    shutil.copyfile(_chunks(other)[1], _chunks(out)[1])
    capfd.readouterr()
    again = _study(out, resume=True)
    warned = _warnings(capfd.readouterr().err)
    assert len(warned) == 1 and "another study" in warned[0]
    assert again.runs_this_session == 60 and again.table.equals(ref)


def test_overlapping_chunk_file_is_removed(folder, capfd):
    out, ref = folder
    stray = out / "runs-000000030-000000090.parquet"
    shutil.copyfile(_chunks(out)[0], stray)
    capfd.readouterr()
    again = _study(out, resume=True)
    warned = _warnings(capfd.readouterr().err)
    assert len(warned) == 1 and stray.name in warned[0] and "removed" in warned[0]
    assert not stray.exists() and again.runs_this_session == 0 and again.table.equals(ref)


def test_reading_a_folder_refuses_a_chunk_damaged_since(folder):
    out, _ = folder
    victim = _chunks(out)[5]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    with pytest.raises(InputError, match="SHA-256"):
        read_results_folder(out)


# --- item 6: the manifest -----------------------------------------------------------------------------

def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


MALFORMED = {
    "empty list": "[]", "null": "null", "a string": '"manifest"', "not JSON": "{", "empty object": "{}",
    "chunk_runs 0": '{"chunk_runs": 0}', "binary": "\udcff",
}


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_manifest_is_a_one_line_error(folder, name):
    out, _ = folder
    text = MALFORMED[name]
    (out / "manifest.json").write_bytes(b"\xff\xfe" if text == "\udcff" else text.encode())
    with pytest.raises(InputError, match="manifest") as exc:
        _study(out, resume=True)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("edit", ["chunk_runs 0", "study hash", "chunk entry", "bad sha"])
def test_manifest_with_a_bad_field_is_a_one_line_error(folder, edit):
    out, _ = folder
    m = _manifest(out)
    if edit == "chunk_runs 0":
        m["chunk_runs"] = 0
    elif edit == "study hash":
        m["seed"] = 4  # its fields no longer match its own 'study' hash
    elif edit == "chunk entry":
        m["chunks"][2] = None
    else:
        m["chunks"][2]["sha256"] = "xyz"
    (out / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(InputError, match="not a manifest of ilrs risk results"):
        _study(out, resume=True)


def test_foreign_manifest_names_the_field(folder, tmp_path):
    out, _ = folder
    other = tmp_path / "other"
    run_study(three_launches, {"p": 0.9}, out=other, **{**ARGS, "seed": 4})
    shutil.copyfile(other / "manifest.json", out / "manifest.json")
    with pytest.raises(InputError, match="seed=4"):
        _study(out, resume=True)


@pytest.mark.parametrize("text", ["[]", "null"])
def test_cli_resume_with_a_malformed_manifest_exits_2_on_one_line(ilrs_cli, tmp_path, text):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(small_scenario(p_launch=0.1)))
    out = tmp_path / "risk"
    out.mkdir()
    (out / "manifest.json").write_text(text)
    r = ilrs_cli("risk", "-s", path, "-n", "100", "--workers", "0", "--out", out, "--resume", "-q")
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "manifest.json" in r.stderr


# --- item 8: the same bytes, no leftovers, kill-safe -------------------------------------------------

def test_two_fresh_studies_write_byte_identical_folders(tmp_path):
    from tests.test_risk_campaign import _cli

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(small_scenario(p_launch=0.1, p_landing=0.2, kind="lander",
                                                  slip={"dist": "lognormal", "median": 40, "sigma": 0.7})))
    folders = [tmp_path / "a", tmp_path / "elsewhere" / "b"]
    for out, workers in zip(folders, ("0", "2")):
        r = _cli(["risk", "-s", str(path), "-n", "400", "--workers", workers, "--out", str(out), "-q"])
        assert r.exit_code == 0, r.output
    names = sorted(p.name for p in folders[0].iterdir())
    assert names == sorted(p.name for p in folders[1].iterdir())
    assert {"manifest.json", "risk-summary.json", "timings.json", "milestone-dates.png"} <= set(names)
    same = [n for n in names if n != "timings.json"]  # timings.json: how the session ran, documented so
    match, mismatch, errors = filecmp.cmpfiles(folders[0], folders[1], same, shallow=False)
    assert (mismatch, errors) == ([], []) and len(match) == len(same) >= 16 + 3
    for out in folders:
        for name in ("manifest.json", "risk-summary.json"):
            text = (out / name).read_text()
            assert str(tmp_path) not in text and "utc" not in text.lower() and "elapsed" not in text
    assert json.loads((folders[1] / "timings.json").read_text())["workers"] == 2


def test_next_run_removes_every_temporary_the_risk_command_leaves(tmp_path):
    out = tmp_path / "t"
    out.mkdir()
    stale = [out / n for n in (".risk-summary.json.ab12.tmp", ".timings.json.zz9.tmp", ".milestone-dates.png.q1.tmp",
                               ".tornado-all-three.svg.r2.tmp", ".kpis.png.s3.tmp", ".manifest.json.t4.tmp",
                               ".runs-000000000-000000060.parquet.u5.tmp")]
    for p in stale:
        p.write_bytes(b"partial")
    (out / "notes.tmp").write_text("not ours")
    _study(out, resume=True)
    assert not any(p.exists() for p in stale) and (out / "notes.tmp").read_text() == "not ours"


def test_sigkill_of_risk_kills_its_worker_processes(tmp_path):
    # ilrs runs on Linux (CI, the Makefile's Debian packages); the workers die with the study there
    # through PR_SET_PDEATHSIG, so on any other platform this test fails rather than hiding
    import psutil  # installed with distributed, a test dependency: its absence is a failure, not a skip
    out = tmp_path / "k"
    proc = subprocess.Popen([sys.executable, "-m", "ilrs.cli.main", "risk", "-n", "2000000", "--workers", "2",
                             "--out", str(out), "-q"], cwd=tmp_path, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    descendants: list = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if json.loads((out / "manifest.json").read_text())["done_runs"] > 0:
                    break  # a chunk is written: the workers run
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.05)
        assert proc.poll() is None, "the study ended before it could be killed"
        descendants = psutil.Process(proc.pid).children(recursive=True)
        assert len(descendants) >= 2  # the workers (and the fork server)
        os.kill(proc.pid, signal.SIGKILL)  # the parent alone, as `kill -9 PID` does
        proc.wait(10)
        _, alive = psutil.wait_procs(descendants, timeout=10)
        assert alive == [], f"{len(alive)} worker process(es) outlived the killed study"
    finally:
        if proc.poll() is None:
            proc.kill()
        for p in descendants:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass


def test_sigkill_at_random_moments_then_resume_gives_the_uninterrupted_bytes(tmp_path):
    """A few kills (bounded count and time), each at a random moment of a study that resumes, on both
    local executors; the finished folder is the uninterrupted study's, file for file."""
    from tests.test_risk_engine import slow_three_launches

    rng = random.Random(20261207)
    out = tmp_path / "k"
    kills = 0
    for attempt in range(4):
        proc = subprocess.Popen([sys.executable, "-c", _KILL_SCRIPT, str(out), ("serial", "processes")[attempt % 2]],
                                cwd=ROOT, env=ENV, start_new_session=True)
        try:
            time.sleep(rng.uniform(0.3, 2.5))
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                kills += 1
            proc.wait(10)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    assert kills >= 2
    resumed = run_study(slow_three_launches, {"p": 0.9, "sleep_s": 0.0}, seed=21, runs=1200, study_hash="k",
                        chunk_runs=25, out=out, resume=True)
    assert not list(out.glob(".*.tmp"))
    ref = tmp_path / "ref"
    run_study(slow_three_launches, {"p": 0.9, "sleep_s": 0.0}, seed=21, runs=1200, study_hash="k", chunk_runs=25,
              out=ref)
    names = sorted(p.name for p in ref.iterdir())
    assert names == sorted(p.name for p in out.iterdir()) and len(names) == 1 + 1200 // 25
    assert filecmp.cmpfiles(ref, out, names, shallow=False)[0] == names
    assert resumed.table.equals(run_study(three_launches, {"p": 0.9}, seed=21, runs=1200, study_hash="k",
                                          chunk_runs=1200).table)
