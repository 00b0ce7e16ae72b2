"""Risk layer, generic machinery: seeds, executors, Parquet streaming and resume, statistics.

Reference values are independent of ilrs: NumPy's own SeedSequence.spawn, scipy's Wilson
interval (scipy.stats.binomtest(...).proportion_ci(method='wilson')) and spearmanr, Newcombe's
published Wilson intervals, and closed-form probabilities.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from ilrs.errors import InputError
from ilrs.risk.executors import DaskExecutor, ProcessExecutor
from ilrs.risk.seeds import run_generator, run_seed_sequence
from ilrs.risk.stats import milestone_statistics, sensitivity, spearman, wilson_interval
from ilrs.risk.store import read_results_folder
from ilrs.risk.study import replay_run, run_study

ROOT = Path(__file__).resolve().parents[1]


# --- run functions used by the tests (module level: picklable, importable by workers) ----------

def three_launches(payload, i, ss):
    """Three independent launches, each succeeding with probability payload['p']."""
    rng = np.random.Generator(np.random.PCG64(ss))
    ok = rng.random(3) < payload["p"]
    x = rng.normal()
    return {"all_ok": bool(ok.all()), "successes": int(ok.sum()), "x": float(x),
            "y": float(2.0 * x + 0.5 * rng.normal()), "label": "odd" if i % 2 else None}


def dying_three_launches(payload, i, ss):
    """Kills its worker process at run payload['die_at'] the first time (a lost worker)."""
    marker = Path(payload["marker"])
    if i == payload["die_at"] and not marker.exists():
        marker.write_text("died")
        os._exit(1)
    return three_launches(payload, i, ss)


def slow_three_launches(payload, i, ss):
    time.sleep(payload.get("sleep_s", 0.0))
    return three_launches(payload, i, ss)


FAILING_CALLS: list[int] = []


def failing_three_launches(payload, i, ss):
    """Raises its own OSError at run payload['fail_at'] (a bug in a run function, not a lost worker)."""
    if i == payload["fail_at"]:
        FAILING_CALLS.append(i)
        raise OSError("the run function's own error")
    return three_launches(payload, i, ss)


# --- seeds --------------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**63), n=st.integers(1, 60), data=st.data())
def test_run_seed_is_the_spawned_child(seed, n, data):
    i = data.draw(st.integers(0, n - 1))
    child = np.random.SeedSequence(seed).spawn(n)[i]
    mine = run_seed_sequence(seed, i)
    assert np.array_equal(child.generate_state(8), mine.generate_state(8))
    a = np.random.Generator(np.random.PCG64(child)).random(5)
    assert np.array_equal(a, run_generator(seed, i).random(5))


# --- statistics -----------------------------------------------------------------------------------

@pytest.mark.parametrize("k,n,low,high", [
    # Newcombe, Statistics in Medicine 17 (1998) 857-872, Table II, method 3 (Wilson score)
    (81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718),
])
def test_wilson_matches_newcombe(k, n, low, high):
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(low, abs=6e-5) and hi == pytest.approx(high, abs=6e-5)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 5000), data=st.data(), conf=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_matches_scipy(n, data, conf):
    k = data.draw(st.integers(0, n))
    ref = stats.binomtest(k, n).proportion_ci(confidence_level=conf, method="wilson")
    lo, hi = wilson_interval(k, n, conf)
    assert lo == pytest.approx(ref.low, abs=1e-12) and hi == pytest.approx(ref.high, abs=1e-12)
    assert lo <= k / n <= hi


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=5, max_size=60), st.integers(0, 2**32 - 1))
def test_spearman_matches_scipy(xs, seed):
    x = np.array(xs)
    y = np.random.default_rng(seed).permutation(x) + 0.1 * x
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = stats.spearmanr(x, y).statistic
    mine = spearman(x, y)
    if np.isnan(ref):
        assert np.isnan(mine)
    else:
        assert mine == pytest.approx(ref, abs=1e-9)


def test_milestone_statistics_counts_unreached_as_late():
    # 10 runs: 6 on 2030-01-01 (day 21915), 2 a year later, 2 never
    days = np.array([21915.0] * 6 + [21915.0 + 365] * 2 + [np.nan] * 2)
    import datetime as dt
    s = milestone_statistics(days, dt.date(2030, 6, 30))
    assert s["probability_on_time"] == 0.6 and s["probability_reached"] == 0.8
    assert (s["ci_low"], s["ci_high"]) == wilson_interval(6, 10)
    assert s["p50_date"] == dt.date(2030, 1, 1) and s["p90_date"] is None


# --- executors, determinism ---------------------------------------------------------------------------

def test_closed_form_three_launches_inside_wilson_interval():
    res = run_study(three_launches, {"p": 0.9}, seed=2028, runs=4000, study_hash="t", chunk_runs=500)
    ok = res.table.column("all_ok").to_numpy(zero_copy_only=False)
    lo, hi = wilson_interval(int(ok.sum()), ok.size)
    assert lo <= 0.9 ** 3 <= hi
    # and the mean number of successes is 3 x 0.9 within 4 standard errors
    s = res.table.column("successes").to_numpy()
    assert abs(s.mean() - 2.7) < 4 * math.sqrt(3 * 0.9 * 0.1 / s.size)


def test_same_table_on_every_executor_and_chunking(tmp_path):
    ref = run_study(three_launches, {"p": 0.9}, seed=11, runs=1000, study_hash="t", chunk_runs=1000)
    serial = run_study(three_launches, {"p": 0.9}, seed=11, runs=1000, study_hash="t", chunk_runs=37)
    procs = run_study(three_launches, {"p": 0.9}, seed=11, runs=1000, study_hash="t", chunk_runs=64,
                      executor=ProcessExecutor(2), out=tmp_path / "p")
    one = run_study(three_launches, {"p": 0.9}, seed=11, runs=1000, study_hash="t", chunk_runs=64,
                    executor=ProcessExecutor(1))
    assert ref.table.num_rows == 1000 and ref.table.column("run").to_pylist() == list(range(1000))
    assert ref.table.equals(serial.table)
    assert ref.table.equals(procs.table)
    assert ref.table.equals(one.table)
    assert ref.table.equals(read_results_folder(tmp_path / "p"))
    other = run_study(three_launches, {"p": 0.9}, seed=12, runs=1000, study_hash="t", chunk_runs=1000)
    assert not ref.table.equals(other.table)


def test_dask_local_cluster_bit_for_bit():
    distributed = pytest.importorskip("distributed")
    ref = run_study(three_launches, {"p": 0.9}, seed=5, runs=600, study_hash="t", chunk_runs=50)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        ex = DaskExecutor(client=client)
        assert ex.workers == 2
        res = run_study(three_launches, {"p": 0.9}, seed=5, runs=600, study_hash="t", chunk_runs=50, executor=ex)
    assert res.executor == "dask"
    assert ref.table.equals(res.table)


def test_dask_unreachable_scheduler_is_one_line_error():
    pytest.importorskip("distributed")
    with pytest.raises(InputError, match="--scheduler"):
        DaskExecutor("tcp://127.0.0.1:9", timeout_s=1.0)


@pytest.mark.parametrize("address", ["notanaddress", "tcp://127.0.0.1", "tcp://10.0.0.5:99999", "foo://10.0.0.5:8786",
                                     "tcp://10.0.0.5:8786/status", "tcp://:8786"])
def test_malformed_scheduler_address_is_one_line_error(address):
    pytest.importorskip("distributed")
    t0 = time.monotonic()
    with pytest.raises(InputError) as e:
        DaskExecutor(address, timeout_s=10.0)
    assert time.monotonic() - t0 < 5  # refused before any connection attempt
    assert e.value.field == "--scheduler" and e.value.allowed == "tcp://host:port" and "\n" not in str(e.value)


def test_scheduler_addresses_dask_understands_pass():
    distributed = pytest.importorskip("distributed")
    from distributed.comm import parse_address, parse_host_port

    from ilrs.risk.executors import scheduler_address

    for text in ("tcp://10.0.0.5:8786", "10.0.0.5:8786", "tls://scheduler.example:8786", "tcp://[::1]:8786"):
        address = scheduler_address(text)
        scheme, loc = parse_address(address)  # distributed's own parser
        host, port = parse_host_port(loc)
        assert scheme in ("tcp", "tls") and port == 8786 and host in text


# --- failures on a Dask cluster ----------------------------------------------------------------------

def test_dask_lost_scheduler_is_one_line_error_then_resume(tmp_path):
    distributed = pytest.importorskip("distributed")
    import threading

    import dask

    from ilrs.errors import ComputationError

    out = tmp_path / "lost"
    stop = threading.Event()
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp",
                                       dashboard_address=None)

    def lose_the_scheduler():
        while not stop.is_set():
            try:
                if json.loads((out / "manifest.json").read_text())["done_runs"] >= 100:
                    cluster.sync(cluster.scheduler.close)
                    return
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.01)

    killer = threading.Thread(target=lose_the_scheduler, daemon=True)
    try:
        executor = DaskExecutor(cluster.scheduler_address)  # the CLI's way: an address, its own client
        killer.start()
        with pytest.raises(ComputationError) as e:
            run_study(slow_three_launches, {"p": 0.9, "sleep_s": 0.002}, seed=6, runs=3000, study_hash="x",
                      chunk_runs=50, executor=executor, out=out)
        executor.close()
    finally:
        stop.set()
        killer.join(5)
        with dask.config.set({"distributed.comm.timeouts.connect": "0.2s"}):  # its scheduler is gone
            cluster.close()
    msg = str(e.value)
    assert "lost the Dask cluster" in msg and "--resume" in msg and "\n" not in msg
    partial = json.loads((out / "manifest.json").read_text())
    assert 100 <= partial["done_runs"] < 3000 and not (out / ".lock").exists()
    resumed = run_study(slow_three_launches, {"p": 0.9, "sleep_s": 0.0}, seed=6, runs=3000, study_hash="x",
                        chunk_runs=50, out=out, resume=True)
    assert resumed.runs_resumed == partial["done_runs"]
    assert resumed.table.equals(run_study(three_launches, {"p": 0.9}, seed=6, runs=3000, study_hash="x",
                                          chunk_runs=3000).table)


def test_dask_run_function_error_is_its_own_and_not_retried():
    distributed = pytest.importorskip("distributed")
    FAILING_CALLS.clear()
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        with pytest.raises(OSError, match="own error"):  # not reported as a lost cluster
            run_study(failing_three_launches, {"p": 0.9, "fail_at": 42}, seed=1, runs=200, study_hash="f",
                      chunk_runs=50, executor=DaskExecutor(client=client))
    assert FAILING_CALLS == [42]  # deterministic: a retry would raise again, so there is none


# --- results folder -----------------------------------------------------------------------------------

def test_results_folder_that_cannot_be_used_is_one_line_error(tmp_path, monkeypatch):
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    for out in (afile, afile / "sub"):
        with pytest.raises(InputError) as e:
            run_study(three_launches, {"p": 0.9}, seed=1, runs=20, study_hash="o", out=out)
        assert e.value.field == "--out" and str(out) in str(e.value) and "\n" not in str(e.value)
    assert afile.read_text() == "keep me"
    blocked = tmp_path / "blocked"
    (blocked / ".lock").mkdir(parents=True)  # not a lock file anyone can take over
    with pytest.raises(InputError, match="--out"):
        run_study(three_launches, {"p": 0.9}, seed=1, runs=20, study_hash="o", out=blocked)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    import ilrs.risk.store as store

    monkeypatch.setattr(store.os, "open", refuse)  # a read-only folder (root ignores chmod)
    with pytest.raises(InputError, match="Permission denied") as e:
        run_study(three_launches, {"p": 0.9}, seed=1, runs=20, study_hash="o", out=tmp_path / "ro")
    assert e.value.field == "--out"


def test_replay_reproduces_any_run_alone():
    res = run_study(three_launches, {"p": 0.7}, seed=99, runs=300, study_hash="t", chunk_runs=40)
    rows = res.table.to_pylist()
    for i in (0, 1, 39, 40, 157, 299):
        assert replay_run(three_launches, {"p": 0.7}, 99, i) == rows[i]


def test_sensitivity_finds_the_driver():
    res = run_study(three_launches, {"p": 0.9}, seed=3, runs=2000, study_hash="t", chunk_runs=500)
    t = res.table
    x = t.column("x").to_numpy()
    y = t.column("y").to_numpy()
    noise = np.random.default_rng(0).normal(size=x.size)
    ranked = sensitivity({"x": x, "noise": noise, "constant": np.ones_like(x)}, y)
    assert [r["input"] for r in ranked] == ["x", "noise"]
    assert ranked[0]["spearman_rho"] == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)
    assert ranked[0]["spearman_rho"] > 0.9 and abs(ranked[1]["spearman_rho"]) < 0.1


# --- streaming and resume --------------------------------------------------------------------------

def test_resume_after_lost_chunks(tmp_path):
    out = tmp_path / "r"
    full = run_study(three_launches, {"p": 0.9}, seed=1, runs=500, study_hash="t", chunk_runs=60, out=out)
    files = sorted(out.glob("runs-*.parquet"))
    assert len(files) == 9
    # lose two chunks and a manifest entry; leave a stray temporary file (killed mid-write)
    files[2].unlink()
    files[8].unlink()
    man = json.loads((out / "manifest.json").read_text())
    man["chunks"][4]["done"] = False
    (out / "manifest.json").write_text(json.dumps(man))
    (out / ".runs-000000120-000000180.parquet.abc.tmp").write_bytes(b"partial")
    again = run_study(three_launches, {"p": 0.9}, seed=1, runs=500, study_hash="t", chunk_runs=60, out=out,
                      resume=True)
    assert again.runs_resumed == 500 - 60 - 20
    assert again.runs_this_session == 80
    assert again.table.equals(full.table)
    man = json.loads((out / "manifest.json").read_text())
    assert man["complete"] and man["done_runs"] == 500
    assert not list(out.glob(".*.tmp"))  # the killed write's leftover is gone


def test_fresh_study_removes_temporaries_of_a_killed_one(tmp_path):
    out = tmp_path / "t"
    out.mkdir()
    stale = [out / ".runs-000000000-000000060.parquet.k3j2x9.tmp", out / ".manifest.json.q8w7e6.tmp"]
    for p in stale:
        p.write_bytes(b"partial")
    unrelated = [out / "notes.tmp", out / ".runs.parquet.tmp", out / "my-notes.txt"]
    for p in unrelated:
        p.write_text("not ours")
    run_study(three_launches, {"p": 0.9}, seed=1, runs=100, study_hash="t", chunk_runs=60, out=out)
    assert not any(p.exists() for p in stale)
    assert all(p.read_text() == "not ours" for p in unrelated)
    assert sorted(p.name for p in out.glob("runs-*.parquet")) == ["runs-000000000-000000060.parquet",
                                                                 "runs-000000060-000000100.parquet"]


def test_resume_refuses_another_study(tmp_path):
    out = tmp_path / "r"
    run_study(three_launches, {"p": 0.9}, seed=1, runs=100, study_hash="t", chunk_runs=60, out=out)
    with pytest.raises(InputError, match="seed"):
        run_study(three_launches, {"p": 0.9}, seed=2, runs=100, study_hash="t", out=out, resume=True)
    with pytest.raises(InputError, match="scenario_hash"):
        run_study(three_launches, {"p": 0.9}, seed=1, runs=100, study_hash="u", out=out, resume=True)


_KILL_SCRIPT = """
import sys
from ilrs.risk.executors import ProcessExecutor, SerialExecutor
from ilrs.risk.study import run_study
from tests.test_risk_engine import slow_three_launches
ex = ProcessExecutor(2) if sys.argv[2] == "processes" else SerialExecutor()
run_study(slow_three_launches, {"p": 0.9, "sleep_s": 0.004}, seed=21, runs=1200, study_hash="k",
          chunk_runs=25, out=sys.argv[1], resume=True, executor=ex)
"""


@pytest.mark.parametrize("executor", ["serial", "processes"])
def test_sigkill_then_resume_gives_the_uninterrupted_result(tmp_path, executor):
    out = tmp_path / "k"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]))  # this checkout's ilrs
    proc = subprocess.Popen([sys.executable, "-c", _KILL_SCRIPT, str(out), executor], cwd=ROOT, env=env,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        done = 0
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                done = json.loads((out / "manifest.json").read_text())["done_runs"]
            except (OSError, ValueError, KeyError):
                done = 0
            if done >= 200:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the study finished before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)  # the whole group: parent and its workers
        proc.wait(10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    partial = json.loads((out / "manifest.json").read_text())
    assert 200 <= partial["done_runs"] < 1200 and not partial["complete"]
    resumed = run_study(slow_three_launches, {"p": 0.9, "sleep_s": 0.0}, seed=21, runs=1200, study_hash="k",
                        chunk_runs=25, out=out, resume=True)
    assert resumed.runs_resumed >= partial["done_runs"]
    assert not list(out.glob(".*.tmp"))  # nothing a write killed by SIGKILL left behind
    uninterrupted = run_study(three_launches, {"p": 0.9}, seed=21, runs=1200, study_hash="k", chunk_runs=300)
    assert resumed.table.num_rows == 1200
    assert resumed.table.column("run").to_pylist() == list(range(1200))
    assert resumed.table.equals(uninterrupted.table)


def test_lost_worker_process_then_resume(tmp_path):
    from ilrs.errors import ComputationError

    out = tmp_path / "w"
    payload = {"p": 0.9, "die_at": 333, "marker": str(tmp_path / "marker")}
    with pytest.raises(ComputationError, match="--resume"):
        run_study(dying_three_launches, payload, seed=8, runs=800, study_hash="w", chunk_runs=50, out=out,
                  executor=ProcessExecutor(2))
    partial = json.loads((out / "manifest.json").read_text())
    assert not partial["complete"]
    again = run_study(dying_three_launches, payload, seed=8, runs=800, study_hash="w", chunk_runs=50, out=out,
                      resume=True, executor=ProcessExecutor(2))
    assert again.runs_resumed == partial["done_runs"]
    ref = run_study(three_launches, {"p": 0.9}, seed=8, runs=800, study_hash="w", chunk_runs=800)
    assert again.table.equals(ref.table)


@pytest.mark.slow
def test_dask_lost_worker_is_rerun(tmp_path):
    distributed = pytest.importorskip("distributed")
    payload = {"p": 0.9, "die_at": 130, "marker": str(tmp_path / "marker")}
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        res = run_study(dying_three_launches, payload, seed=9, runs=400, study_hash="d", chunk_runs=25,
                        executor=DaskExecutor(client=client), out=tmp_path / "d")
    assert (tmp_path / "marker").exists()  # a worker did die
    ref = run_study(three_launches, {"p": 0.9}, seed=9, runs=400, study_hash="d", chunk_runs=400)
    assert res.table.equals(ref.table)


@settings(max_examples=15, deadline=None)
@given(lost=st.sets(st.integers(0, 7)), stale=st.sets(st.integers(0, 7)), chunk=st.sampled_from([13, 25, 40]))
def test_resume_property_any_lost_chunks(tmp_path_factory, lost, stale, chunk):
    """Whatever subset of chunk files is lost and whatever manifest flags are stale, resume gives the
    uninterrupted table."""
    out = tmp_path_factory.mktemp("prop")
    full = run_study(three_launches, {"p": 0.8}, seed=4, runs=200, study_hash="p", chunk_runs=chunk, out=out)
    files = sorted(out.glob("runs-*.parquet"))
    for k in lost:
        if k < len(files):
            files[k].unlink()
    man = json.loads((out / "manifest.json").read_text())
    for k in stale:
        if k < len(man["chunks"]):
            man["chunks"][k]["done"] = not man["chunks"][k]["done"]
    (out / "manifest.json").write_text(json.dumps(man))
    again = run_study(three_launches, {"p": 0.8}, seed=4, runs=200, study_hash="p", chunk_runs=chunk, out=out,
                      resume=True)
    assert again.table.equals(full.table)
    assert again.runs_this_session == sum(min(chunk, 200 - k * chunk) for k in lost if k < len(files))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(20000, 24000)), min_size=1, max_size=80),
       st.integers(20000, 24000), st.integers(0, 500))
def test_probability_on_time_is_monotone_in_the_target(days, target_day, later):
    import datetime as dt

    x = np.array([np.nan if d is None else float(d) for d in days])
    t1 = dt.date(1970, 1, 1) + dt.timedelta(days=target_day)
    t2 = t1 + dt.timedelta(days=later)
    a, b = milestone_statistics(x, t1), milestone_statistics(x, t2)
    assert a["probability_on_time"] <= b["probability_on_time"] <= a["probability_reached"] + 1e-15
    assert a["ci_low"] <= a["probability_on_time"] <= a["ci_high"]
    assert a["probability_on_time"] == sum(1 for d in days if d is not None and d <= target_day) / len(days)


def test_dask_refuses_workers_running_other_code(monkeypatch):
    distributed = pytest.importorskip("distributed")
    import ilrs.risk.executors as ex

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        executor = DaskExecutor(client=client)
        executor.check_workers()  # same code: fine
        assert set(client.run(ex.ilrs_source_digest).values()) == {ex.ilrs_source_digest()}
        # a worker that reports other code
        monkeypatch.setattr(client, "run", lambda fn: {"tcp://10.0.0.9:40000": "0" * 64})
        with pytest.raises(InputError, match="another ilrs version"):
            run_study(three_launches, {"p": 0.9}, seed=1, runs=10, study_hash="v", executor=executor)


def test_one_study_per_results_folder(tmp_path):
    out = tmp_path / "l"
    out.mkdir()
    (out / ".lock").write_text(f"{os.getppid()}\n")  # a live process holds it
    with pytest.raises(InputError, match="another study"):
        run_study(three_launches, {"p": 0.9}, seed=1, runs=20, study_hash="l", out=out)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (out / ".lock").write_text(f"{dead.pid}\n")  # left by a process that was killed: taken over
    res = run_study(three_launches, {"p": 0.9}, seed=1, runs=20, study_hash="l", out=out)
    assert res.table.num_rows == 20 and not (out / ".lock").exists()
