"""``ilrs campaign``: the manifest flown — missions, elements operational, milestones reached."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ilrs.cli.common import OutputFormat, echo_json, output_file
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
    format: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text or json"),
    plot: Optional[Path] = typer.Option(None, "--plot", "-p", help="Save a Gantt chart (.png, .svg or .pdf)."),
) -> None:
    """Fly the scenario's manifest: launch, transfer, landing, deployment, milestones.

    With --seed N (and --run I, default 0) it flies risk run I of `ilrs risk --seed N` alone: the
    generator of SeedSequence(N, spawn_key=(I,)), every uncertain input drawn first, then the launch
    and landing outcomes (ilrs.campaign.sampled_campaign), so its dates are that run's.

    Without --seed or --run nothing fails and nothing slips: the reference scenario then reproduces the
    years of the public plan: technology verification 2026 and 2028, groundbreaking 2028, crew
    before 2030, basic model in 2035 (ILRS-1..5, the five super-heavy launches of 2030-2035, all
    operational), completion in 2036 (plus the nuclear power plant, the habitation module and
    the first crew at the base), extended model ~2050.

    Examples:

      ilrs campaign

      ilrs campaign --seed 7 --plot campaign.png

      ilrs campaign --seed 7 --run 17      # run 17 of `ilrs risk --seed 7`

      ilrs campaign --scenario my-study.yaml --format json
    """
    from ilrs.campaign import compile_campaign, sampled_campaign, simulate_campaign

    if plot is not None:  # a bad image path fails before anything is computed
        from ilrs.report.figures import figure_format

        figure_format(plot, "--plot")
        output_file(plot, "--plot")
    s = load_scenario(scenario)
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
    if plot is not None:
        from ilrs.campaign.gantt import plot_gantt
        from ilrs.report.figures import save_figure

        save_figure(plot_gantt(result, title=f"{s.name} campaign ({label})"), plot, field="--plot")
    if format is OutputFormat.json:
        data = result.to_dict()
        data = {"scenario": s.name, "seed": seed, "run": run, **data}
        if plot is not None:
            data["plot"] = str(plot)
        echo_json(data)
        return
    typer.echo(f"ilrs campaign — {s.name} ({label})")
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


def register(app: typer.Typer) -> None:
    app.command("campaign")(campaign)
