"""Benchmark: ``ilrs run`` on the reference scenario, this tree against an earlier commit, side by side.

Both trees run with the same Python and packages (``PYTHONPATH=<tree>/src``), each with its own
geometry cache: one cold run (empty cache), then ``--repeat`` warm runs. Reported per tree: CPU
seconds (user + system of the child) and wall seconds, the warm ratio, and the headline figures of
both summary.json files side by side (they must agree: same study).

    .venv/bin/python bench/bench_run.py [--base c08b9d0] [--repeat 3] [--risk-runs 1000]

Also per tree: where the time goes (CPU seconds of each report section, of the cold run and of the
last warm run, measured in the child: :data:`SECTION_CPU`; a product's cost falls on the first
section that reads it) and the CPU seconds of ``ilrs --help``. CPU seconds, not wall: the machine
may be shared. "Cold" = an empty ilrs cache (geometry, figures);
compiled-kernel caches outside it (numba's, in ``__pycache__``) are not cleared.

``--base`` is a commit of this repository: it is checked out once into a git worktree under the
system's temporary folder (kept for later runs).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def worktree(commit: str) -> Path:
    """A checkout of ``commit`` beside this one (created once)."""
    path = Path(tempfile.gettempdir()) / f"ilrs-bench-{commit}"
    if not (path / "src" / "ilrs").is_dir():
        subprocess.run(["git", "-C", str(HERE), "worktree", "add", "--detach", str(path), commit], check=True,
                       capture_output=True)
    return path


SECTION_CPU = """
import atexit, json, sys, time
import ilrs.report.build as build
cpu, took = {}, {}
def timed(key, fn):
    def run(*a, **k):
        t = time.process_time()
        cpu.setdefault("startup", round(t, 3))
        try:
            return fn(*a, **k)
        finally:
            took[key] = round(time.process_time() - t, 3)
    return run
builders = build.section_builders
build.section_builders = lambda: [(key, timed(key, fn)) for key, fn in builders()]
@atexit.register
def write():
    total = time.process_time()
    out = {"startup": cpu.get("startup", 0.0), **took}
    out["rest (setup, page, files)"] = round(total - sum(out.values()), 3)
    out["total"] = round(total, 3)
    with open(sys.argv[-1] + "/bench-cpu.json", "w") as f:
        json.dump(out, f)
import ilrs.cli.main
ilrs.cli.main.main()
"""
"""The child: ``ilrs`` with each report section's CPU seconds (``time.process_time``) written to
``OUT/bench-cpu.json`` (a product's cost falls on the first section that reads it, as in
``timings.json``; "startup": imports, the scenario and its compiled setup, before the first section)."""


def timed_run(tree: Path, cache: Path, out: Path, risk_runs: int | None, args: list[str] | None = None
              ) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one ``ilrs run`` of ``tree`` (or of ``ilrs ARGS``)."""
    env = dict(os.environ, PYTHONPATH=str(tree / "src"), ILRS_CACHE_DIR=str(cache), MPLBACKEND="Agg",
               PYTHONWARNINGS="ignore")
    child = [sys.executable, "-m", "ilrs.cli.main"]
    if args is None:
        args = ["run", "--quiet"] + (["--risk-runs", str(risk_runs)] if risk_runs else []) + ["--out", str(out)]
        child = [sys.executable, "-c", SECTION_CPU]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([*child, *args], env=env, check=True, capture_output=True, cwd=tree)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def headline(summary: dict) -> dict[str, object]:
    env, ops, comms = summary["environment"], summary["operations"], summary["comms"]
    return {"lit fraction": round(env["lit_fraction"], 5), "Earth visible": round(env["earth_visible_fraction"], 5),
            "comms availability (period)": round(comms["availability"], 5),
            "data returned, Gbit": round(ops["data_returned_gbit"]),
            "energy generated, kWh": round(ops["energy_generated_kwh"]),
            "survival failure, h": ops["hours_survival_failure"],
            "basic-model on time": summary["risk"]["milestones"]["basic-model"]["probability_on_time"]}


def sections(out: Path) -> dict[str, float]:
    """CPU seconds per section of the last run (``bench-cpu.json``)."""
    path = out / "bench-cpu.json"
    return json.loads(path.read_text()) if path.exists() else {}


def measure(label: str, tree: Path, work: Path, repeat: int, risk_runs: int | None) -> dict:
    cache, out = work / f"cache-{label}", work / f"out-{label}"
    if not any((tree / "src").rglob("*.nbi")):  # a fresh checkout: numba compiles once, untimed
        timed_run(tree, work / f"prime-{label}", work / f"prime-out-{label}", risk_runs)
    cold = timed_run(tree, cache, out, risk_runs)
    cold_sections = sections(out)
    cold_summary = (out / "summary.json").read_bytes()
    warm = [timed_run(tree, cache, out, risk_runs) for _ in range(repeat)]
    summary = json.loads((out / "summary.json").read_text())
    help_cpu = timed_run(tree, cache, out, None, ["--help"])[0]
    return {"cold_cpu": cold[0], "cold_wall": cold[1], "warm_cpu": statistics.median(c for c, _ in warm),
            "warm_wall": statistics.median(w for _, w in warm), "headline": headline(summary),
            "cold_sections": cold_sections, "warm_sections": sections(out), "help_cpu": help_cpu,
            "summary_bytes": (out / "summary.json").read_bytes(), "cold_equals_warm": cold_summary ==
            (out / "summary.json").read_bytes(), "report_mb": (out / "report.html").stat().st_size / 1e6}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="c08b9d0", help="earlier commit to compare with")
    ap.add_argument("--repeat", type=int, default=3, help="warm runs per tree (median reported)")
    ap.add_argument("--risk-runs", type=int, default=None, help="default: the scenario's uncertainties.runs")
    args = ap.parse_args()
    base = worktree(args.base)
    with tempfile.TemporaryDirectory(prefix="ilrs-bench-run-") as tmp:
        work = Path(tmp)
        print(f"ilrs run, reference scenario, --risk-runs {args.risk_runs or 'default'}; {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f}; {args.repeat} warm runs each (median)")
        rows = {f"base {args.base}": measure("base", base, work, args.repeat, args.risk_runs),
                "this tree": measure("this", HERE, work, args.repeat, args.risk_runs)}
    print(f"  {'tree':<16} {'cold CPU s':>10} {'cold wall s':>11} {'warm CPU s':>10} {'warm wall s':>11}")
    for name, r in rows.items():
        print(f"  {name:<16} {r['cold_cpu']:>10.1f} {r['cold_wall']:>11.1f} {r['warm_cpu']:>10.1f} {r['warm_wall']:>11.1f}")
    b, t = rows[f"base {args.base}"], rows["this tree"]
    print(f"  warm CPU: base/this = {b['warm_cpu'] / t['warm_cpu']:.2f}; cold CPU: base/this = "
          f"{b['cold_cpu'] / t['cold_cpu']:.2f}")
    print(f"  ilrs --help CPU s: base {b['help_cpu']:.2f}, this {t['help_cpu']:.2f}; report.html MB: base "
          f"{b['report_mb']:.2f}, this {t['report_mb']:.2f}")
    print("  CPU s by section (cold | warm), base → this:")
    for key in t["cold_sections"]:
        bc, bw = b["cold_sections"].get(key, float("nan")), b["warm_sections"].get(key, float("nan"))
        tc, tw = t["cold_sections"][key], t["warm_sections"].get(key, float("nan"))
        print(f"    {key:<26} {bc:>7.2f} | {bw:>6.2f}  →  {tc:>7.2f} | {tw:>6.2f}")
    print("  headline figures (base | this):")
    for key in t["headline"]:
        print(f"    {key:<30} {b['headline'][key]!s:>14} | {t['headline'][key]!s:<14}")
    print(f"  summary.json identical: {b['summary_bytes'] == t['summary_bytes']}; cold == warm: base "
          f"{b['cold_equals_warm']}, this {t['cold_equals_warm']}")


if __name__ == "__main__":
    main()
