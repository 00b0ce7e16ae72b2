"""``ilrs campaign``: the manifest flown — missions, elements operational, milestones reached."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ilrs.cli.common import (AS_KNOWN_ON_HELP, OutputFormat, echo_json, format_option, out_option, output_file,
                             output_folder, parse_known_on, quiet_option, scenario_known_on)
from ilrs.scenario import REFERENCE_SCENARIO, load_scenario


def campaign(
    scenario: str = typer.Option(REFERENCE_SCENARIO, "--scenario", "-s",
                                 help="Built-in scenario name or path to a YAML file."),
    seed: Optional[int] = typer.Option(None, "--seed", min=0,
                                       help="Fly one stochastic campaign (sampled failure probabilities, slips, "
                                            "stand-downs; launch/landing failures, re-flights): run --run of "
                                            "`ilrs risk --seed SEED`, same dates. Default: the nominal plan."),
    run: Optional[int] = typer.Option(None, "--run", min=0,
                                      help="Which risk run to fly (default 0); without --seed, of the "
                                           "scenario's own seed, as `ilrs risk` without --seed."),
    format: OutputFormat = format_option(),
    out: Optional[Path] = out_option("the Gantt chart (campaign.FORMAT; with --drift, drift.FORMAT)"),
    plot_format: str = typer.Option("png", "--plot-format", help="png, svg or pdf."),
    plot: Optional[Path] = typer.Option(None, "--plot", "-p", hidden=True,
                                        help="Deprecated: use --out FOLDER (an image file name)."),
    quiet: bool = quiet_option(),
    as_known_on: Optional[str] = typer.Option(None, "--as-known-on", help=AS_KNOWN_ON_HELP),
    drift: bool = typer.Option(False, "--drift", help="Show the plan drift instead: each mission's announced "
                                                      "dates against the day they were announced, and each "
                                                      "milestone's nominal date replayed as known on each day."),
) -> None:
    """Fly the scenario's manifest: launch, transfer, landing, deployment, milestones.

    With --seed N (and --run I, default 0) it flies risk run I of `ilrs risk --seed N` alone: the
    generator of SeedSequence(N, spawn_key=(I,)), every uncertain input drawn first, then the launch
    and landing outcomes (ilrs.campaign.sampled_campaign), so its dates are that run's.

    Without --seed or --run nothing fails and nothing slips: the reference scenario then flies the
    plan as reported up to late 2026: Chang'e-7 in 2027 (the 2026 verification target missed),
    Chang'e-8 around 2029 (groundbreaking 2029; the first "basic model", Chang'e-7 + -8, by 2030),
    crew on the Moon before 2030 (near side, not at the base), the basic station in 2035
    (ILRS-1..5 operational), completion once the Russian nuclear plant (contract: works until
    2036) operates, extended model ~2050.

    Examples:

      ilrs campaign

      ilrs campaign --seed 7 --out out/campaign

      ilrs campaign --seed 7 --run 17      # run 17 of `ilrs risk --seed 7`

      ilrs campaign --scenario my-study.yaml --format json

      ilrs campaign --as-known-on 2023-10-23     # the plan as published by that day

      ilrs campaign --drift --out out/drift      # how the plan moved (--format json for the table)
    """
    from ilrs.campaign import compile_campaign, sampled_campaign, simulate_campaign

    plot = _plot_path(out, plot_format, plot, "drift" if drift else "campaign", quiet)
    parse_known_on(as_known_on)  # a bad day fails before the scenario loads
    s = scenario_known_on(load_scenario(scenario), as_known_on)
    if drift:
        _drift_view(s, format, plot)
        return
    inputs = compile_campaign(s.campaign, s.uncertainties)
    if seed is None and run is None:
        result = simulate_campaign(inputs, None)
        label = "nominal plan"
    else:
        from ilrs.risk.seeds import run_generator

        seed = s.seed if seed is None else seed
        run = 0 if run is None else run
        _, result = sampled_campaign(inputs, run_generator(seed, run))
        label = f"seed {seed}, run {run}"
    if s.campaign.as_known_on is not None:
        label += f", as known on {s.campaign.as_known_on}"
    if plot is not None:
        from ilrs.campaign.gantt import plot_gantt
        from ilrs.report.figures import save_figure

        save_figure(plot_gantt(result, title=f"{s.name} campaign ({label})"), plot, field="--plot")
    if format is OutputFormat.json:
        data = result.to_dict()
        data = {"scenario": s.name, "seed": seed, "run": run, "as_known_on": _iso(s.campaign.as_known_on),
                "newest_claim_reported": _iso(newest_reported(s)), **data}
        if plot is not None:
            data["files"] = [str(plot)]
        else:
            data["files"] = []
        echo_json(data)
        return
    typer.echo(f"ilrs campaign — {s.name} ({label}); newest claim used reported {newest_reported(s)}")
    if not result.missions:
        typer.echo("no missions: list them in campaign.manifest (see `ilrs scenario new`)")
        return
    typer.echo(f"\n{'mission':<24} {'vehicle':<13} {'launch':<11} {'landing':<11} outcome")
    for m in result.missions:
        name = m.id + (f" #{m.attempt}" if m.attempt > 1 else "")
        typer.echo(f"{name:<24} {m.vehicle:<13} {str(m.launch or '—'):<11} {str(m.arrival or '—'):<11} "
                   f"{m.outcome}{' (flown)' if m.past else ''}")
    typer.echo(f"\n{'element':<28} {'owner':<10} {'operational':<12} end of life")
    for e in sorted(result.elements.values(), key=lambda e: (e.operational is None, e.operational or 0, e.id)):
        if e.mission is None:
            continue
        typer.echo(f"{e.id:<28} {e.owner:<10} {str(e.operational or 'never'):<12} {e.end_of_life or '—'}")
    typer.echo(f"\n{'milestone':<30} {'reached':<11} {'target':<11} on time")
    for name, day in result.milestones.items():
        ok = result.on_time(name)
        typer.echo(f"{name:<30} {str(day or 'not reached'):<11} {str(result.targets.get(name) or '—'):<11} "
                   f"{'yes' if ok else ('no' if ok is False else '—')}")
    if plot is not None:
        typer.echo(f"\nwrote {plot}")


def _plot_path(out: Optional[Path], plot_format: str, plot: Optional[Path], stem: str, quiet: bool) -> Optional[Path]:
    """The chart's path: ``OUT/STEM.FORMAT`` (or the deprecated --plot FILE), checked before computing."""
    from ilrs.errors import InputError
    from ilrs.report.figures import figure_format

    if out is not None and plot is not None:
        raise InputError("give --out FOLDER or --plot FILE, not both", field="--out")
    if plot is None and out is None:
        return None
    if plot is not None:
        figure_format(plot, "--plot")
        path = output_file(plot, "--plot")
        if not quiet:
            typer.echo("note: --plot FILE is deprecated; use --out FOLDER [--plot-format FORMAT]", err=True)
        return path
    if plot_format not in ("png", "svg", "pdf"):
        raise InputError(f"{plot_format!r} is not a plot format", field="--plot-format", allowed=["png", "svg", "pdf"])
    return output_file(output_folder(out, "--out") / f"{stem}.{plot_format}", "--out")


def _iso(day) -> str | None:
    return None if day is None else day.isoformat()


def newest_reported(s):
    """The day the newest claim of the scenario's flown missions was reported (its 'as of')."""
    days = [c.reported_day for m in s.campaign.resolved().missions for c in m.dates if c.reported_day]
    return max(days) if days else None


def _drift_view(s, format: OutputFormat, plot: Optional[Path]) -> None:
    """``--drift``: the claims table and the milestone forecasts (text or JSON), optionally the chart."""
    from ilrs.campaign.drift import milestone_drift, mission_drift, plot_drift

    claims = mission_drift(list(s.campaign.resolved().missions))
    forecasts = milestone_drift(s)
    if plot is not None:
        from ilrs.report.figures import save_figure

        save_figure(plot_drift(claims, forecasts, title=f"{s.name}: plan drift"), plot, field="--plot")
    if format is OutputFormat.json:
        echo_json({"scenario": s.name, "as_known_on": _iso(s.campaign.as_known_on),
                   "missions": [c.as_dict() for c in claims], "milestones": [p.as_dict() for p in forecasts],
                   "files": [str(plot)] if plot is not None else []})
        return
    typer.echo(f"ilrs campaign --drift — {s.name}: announced launch dates by date of announcement")
    typer.echo(f"\n{'mission':<22} {'claim':<24} {'announced':<11} {'reported':<11} {'launched':<11} slip (days)")
    for c in claims:
        typer.echo(f"{c.mission:<22} {c.claim:<24} {c.announced:<11} {c.reported.isoformat():<11} "
                   f"{_iso(c.launched) or '—':<11} {'' if c.slip_days is None else c.slip_days}")
    typer.echo("\nmilestones: nominal date reached, replayed as known on each day it changed")
    last: dict[str, object] = {}
    for p in forecasts:
        if p.milestone in last and last[p.milestone] == p.reached:
            continue
        last[p.milestone] = p.reached
        typer.echo(f"  {p.milestone:<30} known on {p.known_on}  {_iso(p.reached) or 'not reached'}"
                   f"  (target {_iso(p.target) or '—'})")
    if plot is not None:
        typer.echo(f"\nwrote {plot}")


def register(app: typer.Typer) -> None:
    app.command("campaign")(campaign)
