"""``ilrs ops``: operate the station over the years — power, data, crew, failures, science."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ilrs.cli.common import (OutputFormat, deprecated_step_option, echo_json, format_option, lat_option, lon_option,
                             out_option, output_folder, parse_date, quiet_option, scenario_option,
                             scenario_with_site, site_option, step_option, step_seconds, to_json)
from ilrs.constants import SECONDS_PER_HOUR
from ilrs.operations.study import OperationsRun, summary_lines
from ilrs.errors import InputError
from ilrs.scenario import REFERENCE_SCENARIO, load_scenario
from ilrs.timeutil import iso_utc_minutes


def write_outputs(run: OperationsRun, out_dir: Path, plot_format: str = "png") -> list[Path]:
    """Plots (state of charge, data backlog, consumables), ops-series.parquet (time series),
    ops-events.csv and ops-kpis.json, atomically."""
    from ilrs._io import write_text_atomic
    from ilrs.operations.plots import plot_consumables, plot_data, plot_soc
    from ilrs.operations.study import write_series
    from ilrs.report.figures import save_figure

    built, result = run.built, run.result
    paths = [
        save_figure(plot_soc(result, built.darkness), out_dir / f"ops-soc.{plot_format}"),
        save_figure(plot_data(result, built.params.data_storage_bit), out_dir / f"ops-data.{plot_format}"),
        save_figure(plot_consumables(result), out_dir / f"ops-consumables.{plot_format}"),
    ]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=["time_utc", "kind", "subject", "detail"])
    w.writeheader()
    w.writerows(result.event_rows())
    paths.append(write_series(result, built.params, out_dir / "ops-series.parquet"))
    paths.append(write_text_atomic(out_dir / "ops-events.csv", buf.getvalue()))
    paths.append(write_text_atomic(out_dir / "ops-kpis.json", to_json(run.kpis) + "\n"))
    return paths


def ops(
    scenario: str = scenario_option(REFERENCE_SCENARIO),
    site: Optional[str] = site_option(),
    lat: Optional[float] = lat_option(),
    lon: Optional[float] = lon_option(),
    start: Optional[str] = typer.Option(None, "--start", help="First day, YYYY-MM-DD (default: operations.start, else the span start)."),
    years: Optional[float] = typer.Option(None, "--years", min=0.001, max=40,
                                          help="Years to simulate (default: operations.years, else to the span end)."),
    step: Optional[str] = step_option(None, "Time step, 36s..24h"),
    step_hours: Optional[float] = deprecated_step_option("--step-hours"),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, help="Seed of the failure draws (default: the scenario's seed)."),
    no_campaign: bool = typer.Option(False, "--no-campaign", help="Ignore the campaign: use only the operations section's dates."),
    out: Optional[Path] = out_option("plots, ops-series.parquet, ops-events.csv and ops-kpis.json"),
    events: int = typer.Option(0, "--events", min=0, help="Also print the first N notable events (failures, repairs, "
                                                          "crew, deliveries, survival mode)."),
    plot_format: str = typer.Option("png", "--plot-format", help="png or svg"),
    format: OutputFormat = format_option("text or json (KPIs and files)"),
    quiet: bool = quiet_option(),
) -> None:
    """Operate the station: power through the nights, data to Earth per partner, crew, failures.

    Sunlight comes from the environment layer (site horizon, arrays on their masts), link rates from
    the comms layer (relays and direct-to-Earth), element dates, crew stays and deliveries from the
    nominal campaign: the same products and the same figures as the operations section of ilrs run. Writes ops-soc, ops-data, ops-consumables plots, ops-series.parquet (power
    generated and used, state of charge per storage, stored data, consumables per step),
    ops-events.csv and ops-kpis.json to --out (nothing without it).

    Examples:

      ilrs ops

      ilrs ops --start 2032-01-01 --years 2 --format json

      ilrs ops --no-campaign --events 20

      ilrs ops --scenario my-study.yaml --seed 7 --plot-format svg --out results/ops

      ilrs ops --site malapert-massif --step 30min --years 1
    """
    if plot_format not in ("png", "svg"):
        raise InputError(f"{plot_format!r} is not a plot format", field="--plot-format", allowed=["png", "svg"])
    step_s = step_seconds(step, step_hours=(step_hours, SECONDS_PER_HOUR))
    if step_s is not None and not 36 <= step_s <= 24 * SECONDS_PER_HOUR:
        opt = "--step" if step_hours is None else "--step-hours"
        raise InputError(f"{opt} out of range", field=opt, allowed="36s..24h")
    s = scenario_with_site(load_scenario(scenario), site, lat, lon)
    first = parse_date(start, "--start")
    if out is not None:
        output_folder(out, "--out")  # fail now, not after the computing
    with Progress(TextColumn("[bold]{task.description:<26}"), BarColumn(), TimeElapsedColumn(),
                  disable=quiet or format is OutputFormat.json, transient=True,
                  console=Console(stderr=True)) as progress:
        task = progress.add_task("starting", total=5)  # environment, comms, campaign, operations, plots

        def on_stage(name: str) -> None:
            progress.update(task, description=name, advance=1)

        from ilrs.report.products import compile_setup, operations_products

        setup = compile_setup(s, ops_start=first, ops_years=years, ops_step_hours=None if step_s is None else step_s / SECONDS_PER_HOUR)
        run = operations_products(setup, seed=seed, use_campaign=not no_campaign, stage=on_stage)
        on_stage("plots")
        paths = write_outputs(run, out, plot_format) if out is not None else []
    k = run.kpis
    if format is OutputFormat.json:
        echo_json({**k, "files": [str(p) for p in paths]})
        return
    for line in summary_lines(k):
        typer.echo(line)
    if events:
        quiet_kinds = {"alarm", "alarm-cleared", "load-shedding", "power-restored"}
        rows = [e for e in run.result.event_rows() if e["kind"] not in quiet_kinds][:events]
        for e in rows:
            typer.echo(f"  {iso_utc_minutes(e['time_utc'])}  {e['kind']:<18} {e['subject']:<26} {e['detail']}")
    for p in paths:
        typer.echo(f"wrote {p}")


def register(app: typer.Typer) -> None:
    app.command("ops")(ops)
