"""Benchmark: Monte Carlo throughput of the risk layer (campaign-only runs), and its accuracy.

Measured side by side in one process, on this machine:

1. the bare loop — ``simulate_campaign`` with sampled overrides, no seeding per run, no Arrow —
   against ``run_study`` in-process (per-run SeedSequence, Arrow tables): the study's overhead;
2. local processes, 1 vs 2 workers (``ProcessExecutor``), against a naive peer — one
   ``concurrent.futures`` task per run (``ProcessPoolExecutor.map`` with chunksize 1);
3. Dask ``LocalCluster`` (worker processes), 1 vs 2 workers;
4. accuracy: three independent launches at 0.9 through the campaign layer, P = 0.729 exactly.

Target (issue 7): >= 10,000 campaign-only runs per minute on this machine.

Run:  .venv/bin/python bench/bench_risk.py [N]
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


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    from ilrs.campaign import simulate_campaign
    from ilrs.risk import ProcessExecutor, SerialExecutor, run_risk, run_study, wilson_interval
    from ilrs.risk.model import prepare
    from ilrs.risk.sampling import COMMON_SLIP_FACTOR, sample_campaign_inputs
    from ilrs.scenario import load_scenario

    s = load_scenario("ilrs-reference")
    model = prepare(s)
    p = model.payload
    print(f"ilrs risk benchmark — scenario {s.name}, {len(p.missions)} planned missions, N = {n:,}, "
          f"{os.cpu_count()} cores")

    # 1. bare loop vs in-process study
    rng = np.random.default_rng(1)
    m = min(n, 5000)
    t = time.perf_counter()
    for _ in range(m):
        d = sample_campaign_inputs(p.uncertainties, dict(p.vehicle_records), p.missions, rng,
                                   landing_missions=p.landing_missions)
        d.pop(COMMON_SLIP_FACTOR, None)
        simulate_campaign(p.inputs, rng, d)
    bare = m / (time.perf_counter() - t)
    res = run_study(model.fn, model.payload, seed=1, runs=m, study_hash="bench", executor=SerialExecutor(),
                    chunk_runs=250)
    serial = res.runs_per_s
    print(f"  bare loop (sample + simulate_campaign)      {bare:10,.0f} runs/s")
    print(f"  run_study in-process (seeded, Arrow rows)   {serial:10,.0f} runs/s   ours/bare = {serial / bare:.2f}")

    # 2. local processes 1 vs 2 workers, and the naive one-task-per-run peer
    rates = {}
    tables = {}
    run_study(model.fn, model.payload, seed=1, runs=4, study_hash="bench", executor=ProcessExecutor(2),
              chunk_runs=2)  # start the fork server once (its imports), as for any later study
    for w in (1, 2):
        r = run_study(model.fn, model.payload, seed=1, runs=n, study_hash="bench", executor=ProcessExecutor(w),
                      chunk_runs=500)
        rates[w] = r.runs_per_s
        tables[w] = r.table
    print(f"  processes x1 (chunks of 500, incl. pool)    {rates[1]:10,.0f} runs/s   = {60 * rates[1]:,.0f} runs/min")
    print(f"  processes x2                                {rates[2]:10,.0f} runs/s   = {60 * rates[2]:,.0f} runs/min"
          f"   x2/x1 = {rates[2] / rates[1]:.2f}")
    print(f"  same table x1 vs x2: {tables[1].equals(tables[2])}")
    k = min(n, 4000)
    ctx = multiprocessing.get_context("forkserver")
    t = time.perf_counter()
    with cf.ProcessPoolExecutor(2, mp_context=ctx) as pool:
        list(pool.map(_naive_one, [(model.payload, 1, i) for i in range(k)], chunksize=1))
    naive = k / (time.perf_counter() - t)
    print(f"  peer: ProcessPoolExecutor.map, 1 run/task, x2 {naive:10,.0f} runs/s   ours/peer = {rates[2] / naive:.1f}")

    # 3. Dask LocalCluster
    try:
        import distributed
    except ImportError:
        print("  dask: not installed (pip install 'ilrs[cluster]')")
    else:
        from ilrs.risk import DaskExecutor

        dask_rates = {}
        for w in (1, 2):
            with distributed.LocalCluster(n_workers=w, threads_per_worker=1, processes=True,
                                          dashboard_address=None) as cluster, distributed.Client(cluster) as client:
                client.run(lambda: __import__("ilrs.risk.model"))  # warm imports, as a long-lived cluster is
                r = run_study(model.fn, model.payload, seed=1, runs=n, study_hash="bench",
                              executor=DaskExecutor(client=client), chunk_runs=500)
                dask_rates[w] = r.runs_per_s
                same = r.table.equals(tables[1])
        print(f"  dask LocalCluster x1                        {dask_rates[1]:10,.0f} runs/s")
        print(f"  dask LocalCluster x2                        {dask_rates[2]:10,.0f} runs/s   x2/x1 = "
              f"{dask_rates[2] / dask_rates[1]:.2f}   same table as local: {same}")

    # 4. accuracy on a closed form
    from ilrs.scenario import scenario_from_dict

    d = {"name": "three-launches", "seed": 7, "span": {"start": "2029-01-01", "end": "2033-01-01"},
         "site": {"name": "connecting-ridge", "horizon": "sphere"},
         "campaign": {"catalogue": False, "vehicles": [{"id": "V"}], "reflight": {"enabled": False},
                      "missions": [{"id": f"m{k}", "kind": "orbiter", "launches": [{"vehicle": "V"}],
                                    "dates": [{"date": "2030"}]} for k in range(3)],
                      "milestones": [{"id": "all", "target": "2031-12-31",
                                      "condition": {"missions_succeeded": ["m0", "m1", "m2"]}}]},
         "uncertainties": {"launch_failure": {"V": {"dist": "fixed", "value": 0.1}}}}
    r = run_risk(scenario_from_dict(d), runs=n, executor=ProcessExecutor(2))
    ms = r.summary["milestones"]["all"]
    print(f"  accuracy: P(3 launches at 0.9) = {ms['probability_on_time']:.4f} "
          f"[{ms['ci_low']:.4f}, {ms['ci_high']:.4f}] vs exact 0.7290; |error| = "
          f"{abs(ms['probability_on_time'] - 0.729):.4f} (Wilson half-width "
          f"{(ms['ci_high'] - ms['ci_low']) / 2:.4f})")
    assert (ms["ci_low"], ms["ci_high"]) == wilson_interval(ms["on_time_runs"], n)


if __name__ == "__main__":
    main()
