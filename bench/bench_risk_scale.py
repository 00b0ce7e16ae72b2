"""Scale evidence for Dask: campaign-only Monte Carlo studies of N runs through a real local Dask
cluster (a ``dask scheduler`` and ``dask worker`` processes on 127.0.0.1, started here), streamed
to Parquet chunk by chunk.

For each N it prints: wall and CPU seconds (driver + workers), peak RSS of the driver and of the
workers (sampled every 0.2 s with psutil), runs/min per worker, and whether the results are the
same bytes as serial:

* the first 10,000 runs (:func:`ilrs.risk.stream.table_digest` of their contents) against a
  10,000-run study run serially in this process, in memory, cut into other chunks;
* the whole study's digest (:func:`ilrs.risk.stream.results_digest`, over the chunk files'
  SHA-256s) against the same study on a 1-worker cluster (at the smallest N; ``ILRS_SCALE_CHECK_N``).
  The chunk files carry the study's identity, which includes a digest of the campaign, risk and
  scenario code: compare digests of one code version only.

Environment: ``ILRS_SCALE_N`` (comma-separated N, default ``10000,100000``: about 2 minutes on 2
cores), ``ILRS_SCALE_WORKERS`` (default 2), ``ILRS_SCALE_CHUNK`` (runs per chunk, default 2000).

    .venv/bin/python bench/bench_risk_scale.py
    ILRS_SCALE_N=10000,100000,1000000 .venv/bin/python bench/bench_risk_scale.py
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
FIRST = 10_000
SEED = 20260101
SMALL_N: set[int] = set()  # the N below FIRST asked for: their whole study is compared with serial


def _env() -> dict[str, str]:
    src = str(HERE / "src")
    path = os.environ.get("PYTHONPATH")
    return dict(os.environ, PYTHONPATH=src + (os.pathsep + path if path else ""), PYTHONWARNINGS="ignore")


def _model():
    from ilrs.report.products import risk_study
    from ilrs.risk.montecarlo import prepare
    from ilrs.scenario import load_scenario

    return prepare(risk_study(load_scenario("ilrs-reference")))


class Cluster:
    """``dask scheduler`` + ``workers`` × ``dask worker --nthreads 1`` on 127.0.0.1 (no nanny)."""

    def __init__(self, workers: int, folder: Path):
        dask = str(Path(sys.executable).with_name("dask"))
        sched_file = folder / f"scheduler-{workers}.json"
        t0 = time.perf_counter()
        self.procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0",
                                        "--no-dashboard", "--scheduler-file", str(sched_file)],
                                       env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        while not sched_file.exists():
            time.sleep(0.1)
        self.address = json.loads(sched_file.read_text())["address"]
        for _ in range(workers):
            self.procs.append(subprocess.Popen([dask, "worker", self.address, "--nthreads", "1", "--no-nanny",
                                                "--memory-limit", "0", "--no-dashboard"], env=_env(),
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(self.address) as c:
            c.wait_for_workers(workers, timeout=120)
            c.run(lambda: __import__("ilrs.risk.model"))  # imports warm on every worker
        self.start_s = time.perf_counter() - t0
        self.workers = workers

    def worker_cpu_s(self) -> float:
        import psutil

        return sum(sum(psutil.Process(p.pid).cpu_times()[:2]) for p in self.procs[1:])

    def worker_rss(self) -> list[int]:
        import psutil

        return [psutil.Process(p.pid).memory_info().rss for p in self.procs[1:]]

    def close(self) -> None:
        for p in reversed(self.procs):
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def drive(n: int, address: str, out: Path, chunk: int) -> dict:
    """The driver (a fresh process per study): stream the study to ``out``, report on it."""
    from ilrs.risk import DaskExecutor, run_study
    from ilrs.risk.stream import iter_chunks, on_time_counts, results_digest, table_digest
    from ilrs.risk.store import concat_tables

    model = _model()
    ex = DaskExecutor(address)
    c0 = time.process_time()
    t0 = time.perf_counter()
    run_study(model.fn, model.payload, seed=SEED, runs=n, study_hash=model.study_hash, executor=ex,
              chunk_runs=chunk, out=out, keep_table=False)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    ex.close()
    first = concat_tables(iter_chunks(out, stop_run=FIRST)).slice(0, min(n, FIRST))
    counts = on_time_counts(out, model.targets)
    return {"n": n, "wall_s": wall, "driver_cpu_s": cpu, "driver_peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            "digest": results_digest(out), "first_digest": table_digest(first), "on_time": counts}


def study(n: int, cluster: Cluster, work: Path, chunk: int) -> dict:
    """One driver process against ``cluster``, with the workers' RSS sampled meanwhile."""
    out = work / f"runs-{n}-{cluster.workers}w"
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], sum(cluster.worker_rss()))
            time.sleep(0.2)

    cpu0 = cluster.worker_cpu_s()
    th = threading.Thread(target=sample, daemon=True)
    th.start()
    try:
        done = subprocess.run([sys.executable, __file__, "--drive", str(n), cluster.address, str(out), str(chunk)],
                              env=_env(), check=True, capture_output=True, text=True)
    finally:
        stop.set()
        th.join()
    row = json.loads(done.stdout.strip().splitlines()[-1])
    row.update(load=os.getloadavg()[0], workers=cluster.workers, worker_cpu_s=cluster.worker_cpu_s() - cpu0, workers_peak_rss=peak[0],
               folder_mb=sum(p.stat().st_size for p in out.iterdir()) / 1e6)
    shutil.rmtree(out)
    return row


def serial_reference(chunk: int) -> tuple[dict[int, str], float]:
    """Digests of the first k runs (k = 10,000 and the smaller N), run serially in memory (other
    chunks), and the serial runs/min."""
    from ilrs.risk import run_study
    from ilrs.risk.stream import table_digest

    model = _model()
    c0 = time.process_time()
    res = run_study(model.fn, model.payload, seed=SEED, runs=FIRST, study_hash=model.study_hash,
                    chunk_runs=max(1, chunk // 3))
    rate = FIRST / (time.process_time() - c0) * 60
    return {k: table_digest(res.table.slice(0, k)) for k in sorted({FIRST, *SMALL_N})}, rate


def _print(rows: list[dict], serial: dict[int, str], serial_rate: float, check: dict | None) -> None:
    print(f"serial (this process, one core): {serial_rate:,.0f} runs/min per CPU-second of this process; "
          f"first {FIRST:,} runs digest {serial[FIRST][:16]}")
    print(f"  {'N':>9} {'wall s':>8} {'CPU s':>8} {'driver RSS MB':>13} {'workers RSS MB':>14} "
          f"{'runs/min/worker':>15} {'(per worker CPU)':>16} {'first 10^4 = serial':>19} {'digest':>16} {'load':>5}")
    for r in rows:
        cpu = r["driver_cpu_s"] + r["worker_cpu_s"]
        rate = r["n"] / r["wall_s"] * 60 / r["workers"]
        cpu_rate = r["n"] / r["worker_cpu_s"] * 60
        same = r["first_digest"] == serial[min(r["n"], FIRST)]
        print(f"  {r['n']:>9,} {r['wall_s']:>8.1f} {cpu:>8.1f} {r['driver_peak_rss'] / 2**20:>13.0f} "
              f"{r['workers_peak_rss'] / 2**20:>14.0f} {rate:>15,.0f} {cpu_rate:>16,.0f} {str(same):>19} "
              f"{r['digest'][:16]:>16} {r['load']:>5.1f}")
    print("  wall, runs/min/worker: elapsed time on this machine as loaded (load = 1-min load average at the end); "
          "(per worker CPU): runs per minute of a worker's own CPU time")
    for r in rows:
        ms = ", ".join(f"{m} {k / n:.4f} ± {((k / n) * (1 - k / n) / n) ** 0.5:.4f}" for m, (k, n) in r["on_time"].items())
        print(f"  N={r['n']:,}: on time (binomial SE) — {ms}; results folder {r['folder_mb']:.0f} MB")
    if check:
        print(f"  N={check['n']:,} on 1 worker: digest {check['digest'][:16]} — equal to {check['of']} workers: "
              f"{check['digest'] == check['other']}")


def main() -> None:
    ns = [int(x) for x in os.environ.get("ILRS_SCALE_N", "10000,100000").split(",") if x.strip()]
    workers = int(os.environ.get("ILRS_SCALE_WORKERS", "2"))
    chunk = int(os.environ.get("ILRS_SCALE_CHUNK", "2000"))
    check_n = int(os.environ.get("ILRS_SCALE_CHECK_N", str(min(ns))))
    print(f"ilrs risk at scale — reference scenario, campaign-only, seed {SEED}, {chunk} runs per chunk, "
          f"{os.cpu_count()} cores, Dask cluster of {workers} single-thread workers on 127.0.0.1")
    SMALL_N.update(n for n in ns if n < FIRST)
    serial_digest, serial_rate = serial_reference(chunk)
    with tempfile.TemporaryDirectory(prefix="ilrs-risk-scale-") as tmp:
        work = Path(tmp)
        cluster = Cluster(workers, work)
        print(f"  cluster start-up (scheduler + {workers} workers, imports warm): {cluster.start_s:.1f} s")
        rows = []
        try:
            for n in ns:
                rows.append(study(n, cluster, work, chunk))
                r = rows[-1]  # as each study ends (the table follows)
                print(f"  N={n:,}: {r['wall_s']:.1f} s wall, digest {r['digest'][:16]}", flush=True)
        finally:
            cluster.close()
        check = None
        if workers != 1 and check_n in ns:
            one = Cluster(1, work)
            try:
                r1 = study(check_n, one, work, chunk)
            finally:
                one.close()
            other = next(r for r in rows if r["n"] == check_n)
            check = {"n": check_n, "digest": r1["digest"], "other": other["digest"], "of": workers}
    _print(rows, serial_digest, serial_rate, check)
    if os.environ.get("ILRS_SCALE_JSON"):
        Path(os.environ["ILRS_SCALE_JSON"]).write_text(json.dumps({"rows": rows, "serial_digests": serial_digest,
                                                                   "serial_runs_per_min": serial_rate,
                                                                   "worker_check": check}, indent=1))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--drive":
        sys.path.insert(0, str(HERE / "src"))
        print(json.dumps(drive(int(sys.argv[2]), sys.argv[3], Path(sys.argv[4]), int(sys.argv[5]))))
    else:
        sys.path.insert(0, str(HERE / "src"))
        main()
