"""``ilrs risk``: Monte Carlo over the scenario's uncertainties — milestone probabilities, dates,
sensitivity — on this machine's cores or a Dask cluster, resumable."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn, \
    TimeRemainingColumn
from rich.console import Console
from rich.text import Text

from ilrs.cli.common import AS_KNOWN_ON_HELP, OutputFormat, echo_json, parse_known_on, scenario_known_on
from ilrs.errors import InputError
from ilrs.scenario import REFERENCE_SCENARIO, load_scenario


SMALL_STUDY_RUNS = 2000


class _RateColumn(ProgressColumn):
    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} runs/s")


_MAX_RUNS = 10_000_000
"""The bound of ``uncertainties.runs`` (scenario/uncertainties.py): -n 1e20 is refused before any work."""
_MAX_CHUNK_RUNS = 1_000_000
_MAX_WORKERS = 4096


def risk(
    scenario: str = typer.Option(REFERENCE_SCENARIO, "--scenario", "-s", help="Built-in scenario name or path to a YAML file."),
    runs: Optional[int] = typer.Option(None, "-n", "--runs", min=1, max=_MAX_RUNS,
                                       help="Monte Carlo runs, at most 10,000,000 like uncertainties.runs "
                                            "(default: the scenario's uncertainties.runs)."),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, help="Seed of the study (default: the scenario's seed)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", min=0, max=_MAX_WORKERS,
                                          help="Local worker processes (default: every core, or this process alone "
                                               f"for fewer than {SMALL_STUDY_RUNS} campaign-only runs; 0: in this "
                                               "process)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler",
                                            help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (needs ilrs[cluster])."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Results folder (default out/<scenario>/risk)."),
    resume: bool = typer.Option(False, "--resume", help="Keep the finished chunks in --out and run only the rest "
                                                        "(without it, earlier results in --out are replaced). Only "
                                                        "the same study resumes: same seed, runs, --ops, ilrs code "
                                                        "and whole scenario (its hash covers every field, even the "
                                                        "description; YAML comments do not count). The chunk size "
                                                        "stays the stored one."),
    replay_run: Optional[int] = typer.Option(None, "--replay", min=0, max=_MAX_RUNS - 1, help="Run only run I (as it ran in the study) and print it."),
    ops: bool = typer.Option(False, "--ops", help="Also simulate station operations in every run (KPI distributions)."),
    chunk_runs: Optional[int] = typer.Option(None, "--chunk-runs", min=1, max=_MAX_CHUNK_RUNS,
                                             help="Runs per Parquet chunk / task, at most 1,000,000."),
    plot_format: str = typer.Option("png", "--plot-format", help="png or svg"),
    format: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text or json"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    slip_model: str = typer.Option("scenario", "--slip-model",
                                   help="Schedule slips: 'scenario' (its uncertainties), 'history' (learned from "
                                        "the record of announced vs actual launches, data/schedule_history.yaml), "
                                        "or 'both' (the two studies, same runs and seed, compared)."),
    history_agencies: str = typer.Option("", "--history-agencies",
                                         help="With --slip-model history/both: agencies of the record, comma-separated "
                                              "('any': all). Default: the coalition's (ILRS: cnsa,roscosmos; Artemis: "
                                              "nasa and its CLPS firms)."),
    history_basis: str = typer.Option("each", "--history-basis",
                                      help="With --slip-model history/both: slip measured from 'each' announcement "
                                           "(the slip still to come after a plan) or the 'first' (a programme's "
                                           "whole slip)."),
    history_class: str = typer.Option("lunar", "--history-class",
                                      help="With --slip-model history/both: mission class or group (lunar, "
                                           "lunar-robotic, deep-space, any, lunar-lander …)."),
    as_known_on: Optional[str] = typer.Option(None, "--as-known-on", help=AS_KNOWN_ON_HELP),
) -> None:
    """Monte Carlo risk study: how likely each milestone is on time, when, and what drives it.

    Run i draws from SeedSequence(seed).spawn(N)[i]: results are identical on any executor and
    any number of workers, and --replay I reproduces run I alone. Results stream to Parquet
    chunks in --out with a manifest; an interrupted study finishes with --resume.

    Examples:

      ilrs risk -n 2000

      ilrs risk -n 100000 --workers 2 --out out/mc --resume

      ilrs risk -n 1000000 --scheduler tcp://scheduler:8786 --format json

      ilrs risk --replay 17

      ilrs risk -n 200 --ops            # with station operations: KPI distributions

      ilrs risk --slip-model both       # slips as Chinese and Russian lunar missions slipped, beside the scenario's

      ilrs risk -n 2000 --as-known-on 2023-10-23   # the study as it could be set up that day
    """
    from ilrs.risk import make_executor, replay, replay_campaign, result_json, run_risk, write_outputs
    from ilrs.risk.analysis import milestone_rows
    from ilrs.risk.executors import scheduler_address

    if workers is not None and scheduler:
        raise InputError("give either --workers or --scheduler, not both", field="--scheduler")
    if scheduler:
        scheduler = scheduler_address(scheduler)  # a bad address fails now, not after the scenario loads
    if plot_format not in ("png", "svg"):
        raise InputError(f"{plot_format!r} is not a plot format", field="--plot-format", allowed=["png", "svg"])
    from ilrs.report.products import risk_study

    if slip_model not in SLIP_MODELS:
        raise InputError(f"{slip_model!r} is not a slip model", field="--slip-model", allowed=list(SLIP_MODELS))
    parse_known_on(as_known_on)  # a bad day fails before the scenario loads
    s = scenario_known_on(load_scenario(scenario), as_known_on)
    s_history = (_history_scenario(s, history_agencies, history_class, history_basis)
                 if slip_model != "scenario" else None)
    if slip_model == "history":
        s = s_history
    study = risk_study(s, ops=ops)
    if replay_run is not None:
        n = runs if runs is not None else s.uncertainties.runs
        if replay_run >= n:
            raise InputError(f"run {replay_run} is not in a study of {n} runs", field="--replay",
                             allowed=f"0..{n - 1}")
        row = replay(study, replay_run, seed=seed)
        campaign = replay_campaign(study, replay_run, seed=seed)
        _print_replay(s, row, seed if seed is not None else s.seed, format, campaign)
        return
    out_dir = out or Path("out") / s.slug / ("risk-history" if slip_model == "history" else "risk")
    n_runs = runs if runs is not None else s.uncertainties.runs
    if workers is None and not scheduler and not ops and n_runs < SMALL_STUDY_RUNS:
        workers = 0  # starting worker processes (~1-2 s) costs more than the whole study
    executor = make_executor(workers=workers, scheduler=scheduler)
    progress = Progress(TextColumn("[bold]risk"), BarColumn(), MofNCompleteColumn(), _RateColumn(),
                        TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), disable=quiet, transient=True,
                        console=Console(stderr=True))  # stdout stays clean for --format json
    state: dict = {}

    def on_progress(done: int, total: int) -> None:
        state["done"], state["total"] = done, total
        if "task" not in state:
            state["task"] = progress.add_task("risk", total=total, completed=done)
        else:
            progress.update(state["task"], completed=done)

    try:
        with progress:
            result = run_risk(study, runs=runs, seed=seed, executor=executor, out=out_dir, resume=resume,
                              chunk_runs=chunk_runs, on_progress=on_progress)
            if slip_model == "both":  # the same study with slips from the record, beside it
                state.pop("task", None)
                result_history = run_risk(risk_study(s_history, ops=ops), runs=runs, seed=seed, executor=executor,
                                          out=out_dir.with_name(out_dir.name + "-history"), resume=resume,
                                          chunk_runs=chunk_runs, on_progress=on_progress)
    except KeyboardInterrupt:
        done, total = state.get("done", 0), state.get("total", n_runs)
        if "total" in state:  # the study had opened --out: its manifest says what is saved
            from ilrs.risk.store import read_manifest

            try:
                manifest = read_manifest(out_dir)
                done, total = int(manifest["done_runs"]), int(manifest["runs"])
            except (InputError, OSError, ValueError, KeyError, TypeError):
                pass
        typer.echo(f"interrupted after {done} of {total} runs (saved in {out_dir}); finish with the same "
                   "command and --resume", err=True)
        raise SystemExit(130) from None  # click would turn KeyboardInterrupt into a plain abort
    finally:
        close = getattr(executor, "close", None)
        if close:
            close()
    files = write_outputs(result, out_dir, plot_format)
    comparison = None
    if slip_model == "both":
        from ilrs.report.sections.risk_history import slip_model_rows, slip_model_values

        write_outputs(result_history, out_dir.with_name(out_dir.name + "-history"), plot_format)
        comparison = slip_model_rows(result.summary, result_history.summary)
        comparison_values = slip_model_values(result.summary, result_history.summary)
    history_label = _history_label(s_history) if s_history is not None else None
    if format is OutputFormat.json:
        data = result_json(result)
        data["files"] = [str(v) for v in files.values()]
        if history_label:
            data["slip_model"] = {"model": slip_model, "history": history_label}
        if comparison is not None:
            data["slip_models_compared"] = comparison_values
        echo_json(data)
        return
    st = result.study
    rate = f"{st.runs_per_s:,.0f} runs/s" if st.runs_this_session else "nothing left to run"
    typer.echo(f"ilrs risk — {s.name}: {st.table.num_rows} runs, seed {result.seed}, {st.executor} x{st.workers}"
               f" ({rate}" + (f"; {st.runs_resumed} resumed" if st.runs_resumed else "") + ")")
    rows = milestone_rows(result.summary)
    w = max([9] + [len(r["milestone"]) for r in rows])
    if rows:
        typer.echo(f"  {'milestone':<{w}} {'target':<10} {'on time':>8} {'95% CI':>13}  {'p10':<10} {'p50':<10} {'p90':<10}")
    for r in rows:
        typer.echo(f"  {r['milestone']:<{w}} {str(r['target']):<10} {r['on time']:>8} {r['95% CI']:>13}  "
                   f"{str(r['p10']):<10} {str(r['p50']):<10} {str(r['p90']):<10}")
    for name, sens in result.summary["sensitivity"].items():
        if sens:
            top = ", ".join(f"{x['input']} ({x['spearman_rho']:+.2f})" for x in sens[:3])
            typer.echo(f"  drivers of {name}: {top}")
    for name, k in result.summary.get("kpis", {}).items():
        if k.get("runs"):
            typer.echo(f"  {name}: mean {k['mean']:.4g}, p10 {k['p10']:.4g}, p50 {k['p50']:.4g}, p90 {k['p90']:.4g}")
    for name, sens in result.summary.get("kpi_sensitivity", {}).items():
        if sens:
            top = ", ".join(f"{x['input']} ({x['spearman_rho']:+.2f})" for x in sens[:3])
            typer.echo(f"  drivers of {name}: {top}")
    if history_label:
        typer.echo(f"  slips ({'history study' if comparison else 'every run'}): {history_label}")
    if comparison is not None:
        _print_comparison(comparison)
    typer.echo(f"wrote {out_dir}/ (manifest.json, runs-*.parquet, risk-summary.json, timings.json, "
               f"milestone-dates.{plot_format},"
               f" tornado-*.{plot_format}" + (f", kpis.{plot_format}" if "kpis" in files else "") + ")")


SLIP_MODELS = ("scenario", "history", "both")


def _history_scenario(s, agencies_text: str, mission_class: str, basis: str):
    """The scenario with every mission's slip learned from the record (bad names: one line, exit 2)."""
    import pydantic

    from ilrs.report.sections.risk_history import history_scenario

    agencies = [a.strip() for a in agencies_text.split(",") if a.strip()]
    if basis not in ("each", "first"):
        raise InputError(f"{basis!r} is not a basis", field="--history-basis", allowed=["each", "first"])
    try:
        return history_scenario(s, agencies or None, mission_class, basis)
    except pydantic.ValidationError as exc:
        msg = exc.errors()[0]["msg"].removeprefix("Value error, ")
        field = "--history-class" if "class" in msg.split("(")[0] else "--history-agencies"
        raise InputError(msg, field=field) from None


def _history_label(s_history) -> str:
    from ilrs.campaign.slip_history import fitted_distribution

    d = s_history.uncertainties.schedule_slip_days["default"]
    fit = fitted_distribution(d, s_history.campaign.as_known_on)
    return f"{fit.source}; median {fit.median + fit.shift:,.0f} d, sigma {fit.sigma:.2f}"


def _print_comparison(rows) -> None:
    w = max([9] + [len(r["milestone"]) for r in rows])
    typer.echo(f"  {'milestone':<{w}} {'target':<10} {'on time: scenario':>18} {'history':>8}  "
               f"{'p50 scenario':<12} {'p50 history':<12}")
    for r in rows:
        typer.echo(f"  {r['milestone']:<{w}} {str(r['target']):<10} {r['on time (scenario slips)']:>18} "
                   f"{r['on time (history slips)']:>8}  {str(r['p50 (scenario)']):<12} {str(r['p50 (history)']):<12}")


def _print_replay(s, row: dict, seed: int, format: OutputFormat, campaign) -> None:
    from ilrs.risk.stats import days_to_date

    out = {"scenario": s.name, "seed": seed, "run": row["run"],
           "inputs": {k[6:]: v for k, v in row.items() if k.startswith("input.")},
           "milestones": {k[10:]: (days_to_date(v) if v is not None else None)
                          for k, v in row.items() if k.startswith("milestone.")},
           "kpis": {k[4:]: v for k, v in row.items() if k.startswith("kpi.")},
           "other": {k: v for k, v in row.items()
                     if k != "run" and not k.startswith(("input.", "milestone.", "kpi."))},
           "missions": [m for m in campaign.to_dict()["missions"] if not m["past"]]}
    if format is OutputFormat.json:
        echo_json(out)
        return
    typer.echo(f"ilrs risk — {s.name}, run {row['run']} of seed {seed}")
    typer.echo("  sampled inputs:")
    for k, v in out["inputs"].items():
        typer.echo(f"    {k:<40} {v:.6g}")
    typer.echo("  milestones:")
    for k, v in out["milestones"].items():
        typer.echo(f"    {k:<40} {v or 'not reached'}")
    if out["kpis"]:
        typer.echo("  operations KPIs:")
    for k, v in out["kpis"].items():
        typer.echo(f"    {k:<40} {v:.6g}" if isinstance(v, float) and math.isfinite(v) else f"    {k:<40} {v}")
    if out["other"]:
        typer.echo("  counts:")
    for k, v in out["other"].items():
        typer.echo(f"    {k:<40} {v}")
    typer.echo("  missions (planned ones):")
    for m in out["missions"]:
        typer.echo(f"    {m['name']:<24} #{m['attempt']} {m['vehicle']:<14} launch {m['launch'] or '—':<10} "
                   f"landing {m['landing'] or '—':<10} {m['outcome']}")


def register(app: typer.Typer) -> None:
    app.command("risk")(risk)
