"""Benchmark: Monte Carlo throughput of the risk layer (campaign-only runs), ours against fair peers.

Measured side by side in one process, on this machine (its load average is printed: a shared box
is not idle, so per-worker speed-ups read low):

1. serial — the bare loop (``sampled_milestones``: the sampled run a study row reads, no seeding per run, no
   Arrow: the model's own cost, the floor for one core) against ``run_study`` in-process;
2. local processes, 1 vs 2 workers (``ProcessExecutor``, chunks of the scenario's ``chunk_runs``;
   the pool's start-up measured apart), against the peer ``ProcessPoolExecutor.map`` with sensible
   chunks (N / (4 x workers) runs per task, not 1);
3. a real Dask cluster started here: ``dask scheduler`` on 127.0.0.1 and ``dask worker``
   processes (1 thread each) as separate programs, talking TCP: the start-up (scheduler + worker
   until the client sees it) timed apart, then N runs on 1 worker, a second worker added, N runs
   on 2; every table checked against the local one;
4. accuracy: three independent launches at 0.9 through the campaign layer, P = 0.729 exactly.
Distance to the limit: each parallel rate against workers x the bare loop's rate (perfect scaling
of the model's own cost).

Run:  .venv/bin/python bench/bench_risk.py [N]      (ILRS_BENCH_QUICK=1: N = 4,000)
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import sys
import time

import numpy as np


def _naive_one(args):
    from ilrs.risk.model import campaign_run
    from ilrs.risk.seeds import run_seed_sequence

    payload, seed, i = args
    return campaign_run(payload, i, run_seed_sequence(seed, i))


QUICK = bool(os.environ.get("ILRS_BENCH_QUICK"))
ROWS: list[str] = []


def serial_part(model, n):
    """Bare loop and in-process study: runs/s of each."""
    from ilrs.campaign.sampling import sampled_milestones
    from ilrs.risk import SerialExecutor, run_study

    rng = np.random.default_rng(1)
    m = min(n, 5000)
    t = time.perf_counter()
    for _ in range(m):
        sampled_milestones(model.payload.inputs, rng)
    bare = m / (time.perf_counter() - t)
    res = run_study(model.fn, model.payload, seed=1, runs=m, study_hash="bench", executor=SerialExecutor(),
                    chunk_runs=250)
    print(f"  bare loop (sample + simulate_milestones)    {bare:10,.0f} runs/s   (the model's own cost)")
    print(f"  run_study in-process (seeded, Arrow rows)   {res.runs_per_s:10,.0f} runs/s   ours/bare = "
          f"{res.runs_per_s / bare:.2f}")
    ROWS.append(f"risk serial, {m:,} runs | {res.runs_per_s:,.0f} runs/s | bare loop {bare:,.0f} runs/s | "
                f"{res.runs_per_s / bare:.2f}x | seeded per run (replayable) | {bare / res.runs_per_s:.2f}x the bare loop")
    return bare, res.runs_per_s


def process_part(model, n, chunk, bare):
    """ProcessExecutor x1, x2 (pool start-up apart) and the ProcessPoolExecutor.map peer."""
    from ilrs.risk import ProcessExecutor, run_study

    run_study(model.fn, model.payload, seed=1, runs=4, study_hash="bench", executor=ProcessExecutor(2),
              chunk_runs=2)  # start the fork server once (its imports), as for any later study
    rates, tables = {}, {}
    for w in (1, 2):
        ex = ProcessExecutor(w)
        t = time.perf_counter()
        run_study(model.fn, model.payload, seed=1, runs=w, study_hash="bench", executor=ex, chunk_runs=1)
        pool_s = time.perf_counter() - t
        r = run_study(model.fn, model.payload, seed=1, runs=n, study_hash="bench", executor=ex, chunk_runs=chunk)
        rates[w], tables[w] = n / max(r.elapsed_s - pool_s, 1e-9), r.table
        print(f"  processes x{w} ({-(-n // chunk)} chunks of {chunk}){'':<12}{rates[w]:10,.0f} runs/s past the "
              f"pool start-up ({pool_s:.2f} s of {r.elapsed_s:.2f} s)")
    print(f"  speed-up x2/x1 = {rates[2] / rates[1]:.2f}; same table x1 vs x2: {tables[1].equals(tables[2])}")
    k = min(n, 8000)
    per_task = max(1, k // (4 * 2))
    ctx = multiprocessing.get_context("forkserver")
    with cf.ProcessPoolExecutor(2, mp_context=ctx) as pool:
        t = time.perf_counter()
        list(pool.map(_naive_one, [(model.payload, 1, i) for i in range(2)]))  # start the workers
        start_s = time.perf_counter() - t
        t = time.perf_counter()
        list(pool.map(_naive_one, [(model.payload, 1, i) for i in range(k)], chunksize=per_task))
        peer = k / (time.perf_counter() - t)
    print(f"  peer: ProcessPoolExecutor.map x2, chunksize {per_task} {peer:10,.0f} runs/s past its start-up "
          f"({start_s:.2f} s)   ours/peer = {rates[2] / peer:.2f}")
    ROWS.append(f"risk processes x2, {n:,} runs | {rates[2]:,.0f} runs/s (start-up apart) | ProcessPoolExecutor.map "
                f"chunksize {per_task}: {peer:,.0f} runs/s | {rates[2] / peer:.2f}x | tables x1 = x2: "
                f"{tables[1].equals(tables[2])}; x2/x1 {rates[2] / rates[1]:.2f} | {rates[2] / (2 * bare):.0%} of "
                f"2 x bare loop")
    return tables[1]


def _spawn(args, log):
    import subprocess

    return subprocess.Popen([sys.executable, "-m", *args], stdout=log, stderr=subprocess.STDOUT,
                            env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path[:1] + [os.environ.get("PYTHONPATH", "")])))


def dask_part(model, n, chunk, bare, table):
    """A real cluster: scheduler + workers as separate processes on 127.0.0.1 (TCP)."""
    import tempfile

    import distributed

    from ilrs.risk import DaskExecutor, run_study

    folder = tempfile.mkdtemp(prefix="ilrs-bench-dask-")
    sched_file = os.path.join(folder, "scheduler.json")
    log = open(os.path.join(folder, "cluster.log"), "w")
    procs = []
    try:
        t = time.perf_counter()
        procs.append(_spawn(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                             "--dashboard-address", ":0", "--scheduler-file", sched_file], log))
        while not os.path.exists(sched_file):
            time.sleep(0.05)
        rates = {}
        with distributed.Client(scheduler_file=sched_file, timeout=60) as client:
            for w in (1, 2):
                procs.append(_spawn(["distributed.cli.dask_worker", "--scheduler-file", sched_file, "--nthreads", "1",
                                     "--nworkers", "1", "--host", "127.0.0.1", "--no-dashboard"], log))
                client.wait_for_workers(w, timeout=120)
                client.run(lambda: __import__("ilrs.risk.model"))
                start_s = time.perf_counter() - t
                r = run_study(model.fn, model.payload, seed=1, runs=n, study_hash="bench",
                              executor=DaskExecutor(client=client), chunk_runs=chunk)
                rates[w] = r.runs_per_s
                print(f"  dask cluster, {w} worker(s) on 127.0.0.1   {r.runs_per_s:10,.0f} runs/s   same table as "
                      f"local: {r.table.equals(table)}   (start-up so far {start_s:.2f} s, not in the rate)")
                t = time.perf_counter()
        print(f"  dask speed-up x2/x1 = {rates[2] / rates[1]:.2f}")
        ROWS.append(f"risk dask 2 workers (127.0.0.1, TCP), {n:,} runs | {rates[2]:,.0f} runs/s (start-up apart) | "
                    f"dask 1 worker {rates[1]:,.0f} runs/s | x2/x1 {rates[2] / rates[1]:.2f} | same table as local: "
                    f"{r.table.equals(table)} | {rates[2] / (2 * bare):.0%} of 2 x bare loop")
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
        log.close()


def accuracy_part(n):
    from ilrs.report.products import risk_study
    from ilrs.risk import ProcessExecutor, run_risk, wilson_interval
    from ilrs.scenario import scenario_from_dict

    d = {"name": "three-launches", "seed": 7, "span": {"start": "2029-01-01", "end": "2033-01-01"},
         "site": {"name": "connecting-ridge", "horizon": "sphere"},
         "campaign": {"catalogue": False, "vehicles": [{"id": "V"}], "reflight": {"enabled": False},
                      "missions": [{"id": f"m{k}", "kind": "orbiter", "launches": [{"vehicle": "V"}],
                                    "dates": [{"date": "2030"}]} for k in range(3)],
                      "milestones": [{"id": "all", "target": "2031-12-31",
                                      "condition": {"missions_succeeded": ["m0", "m1", "m2"]}}]},
         "uncertainties": {"launch_failure": {"V": {"dist": "fixed", "value": 0.1}}}}
    r = run_risk(risk_study(scenario_from_dict(d)), runs=n, executor=ProcessExecutor(2))
    ms = r.summary["milestones"]["all"]
    print(f"  accuracy: P(3 launches at 0.9) = {ms['probability_on_time']:.4f} "
          f"[{ms['ci_low']:.4f}, {ms['ci_high']:.4f}] vs exact 0.7290; |error| = "
          f"{abs(ms['probability_on_time'] - 0.729):.4f} (Wilson half-width "
          f"{(ms['ci_high'] - ms['ci_low']) / 2:.4f})")
    assert (ms["ci_low"], ms["ci_high"]) == wilson_interval(ms["on_time_runs"], n)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else (4_000 if QUICK else 20_000)
    from ilrs.report.products import risk_study
    from ilrs.risk.montecarlo import prepare
    from ilrs.scenario import load_scenario

    s = load_scenario("ilrs-reference")
    model = prepare(risk_study(s))
    planned = sum(1 for m in model.payload.inputs.missions if m.past is None)
    print(f"ilrs risk benchmark — scenario {s.name}, {planned} planned missions, N = {n:,}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    bare, _ = serial_part(model, n)
    chunk = s.uncertainties.chunk_runs
    table = process_part(model, n, chunk, bare)
    try:
        import distributed  # noqa: F401
    except ImportError:
        print("  dask: not installed (pip install 'ilrs[cluster]')")
    else:
        dask_part(model, n, chunk, bare, table)
    accuracy_part(n)
    print("\nworkload | ours | peer | ratio | accuracy | distance to limit")
    print("\n".join(ROWS))


if __name__ == "__main__":
    main()
