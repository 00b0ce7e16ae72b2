"""``ilrs run``: the main job — every section of the study into report.html and summary.json."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ilrs.cli.common import (AS_KNOWN_ON_HELP, OutputFormat, echo_json, format_option, output_folder, quiet_option,
                             scenario_known_on)
from ilrs.errors import IlrsError
from ilrs.scenario import REFERENCE_SCENARIO, load_scenario


def run(
    scenario: str = typer.Option(REFERENCE_SCENARIO, "--scenario", "-s",
                                 help="Built-in scenario name or path to a YAML file."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder, created if missing (default "
                                       "out/<scenario-name>: the report is what ilrs run is for)."),
    risk_runs: Optional[int] = typer.Option(None, "--risk-runs", min=1, max=10_000_000,
                                            help="Monte Carlo runs of the risk section (default: the "
                                                 "scenario's uncertainties.runs; the reference's 1000 take "
                                                 "about 0.6 s CPU and give an on-time probability a binomial "
                                                 "standard error of at most 1.6 points, sqrt(0.25/N))."),
    quiet: bool = quiet_option(),
    as_known_on: Optional[str] = typer.Option(None, "--as-known-on", help=AS_KNOWN_ON_HELP),
    exports: bool = typer.Option(False, "--exports", help="Also write DIR/exports/ (OEM, CZML, GeoJSON, contact "
                                 "CSVs, coverage GeoTIFF: ~5-10 s more; see `ilrs export`)."),
    format: OutputFormat = format_option("text or json (sections, files; a bad scenario: every error)"),
) -> None:
    """Run the whole study and write DIR/report.html, DIR/summary.json and DIR/timings.json.

    summary.json holds results only: the same scenario, seed and options give the same bytes.

    Examples:

      ilrs run

      ilrs run --scenario my-study.yaml --out results/

      ilrs run --risk-runs 10000 --quiet

      ilrs run --scenario my-study.yaml --format json    # every validation error as JSON, exit 2

      ilrs run --as-known-on 2023-10-23 --out out/as-of-2023
    """
    from ilrs.report import build_report

    s = _load(scenario, as_known_on, format)  # a bad scenario writes nothing, not even the folder
    out_dir = output_folder(out or Path("out") / s.slug, "--out")
    with Progress(TextColumn("[bold]{task.description:<14}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), disable=quiet or format is OutputFormat.json, transient=True, console=Console(stderr=True)) as progress:
        task = progress.add_task("starting", total=None)

        def on_section(key: str, i: int, n: int) -> None:
            progress.update(task, description=key, completed=i, total=n)

        options = {"risk_runs": risk_runs} if risk_runs is not None else {}
        sections, html_path, json_path = build_report(s, out_dir, on_section=on_section, options=options)
    files = [str(html_path), str(json_path), str(out_dir / "timings.json")]
    if exports:  # opt-in: the exports cost seconds (relays propagated at 60 s, contacts, coverage map)
        from ilrs.report.exports import study_exports

        files += [str(f) for f in study_exports(s, out_dir / "exports").files]
    if format is OutputFormat.json:
        echo_json({"scenario": s.name, "span_start_date": s.span.start, "span_end_date": s.span.end,
                   "sections": [{"title": sec.title, "lines": list(sec.lines)} for sec in sections],
                   "files": files})
        return
    typer.echo(f"ilrs run — {s.name} ({s.span.start} → {s.span.end})")
    for sec in sections:
        typer.echo(f"\n[{sec.title}]")
        for line in sec.lines:
            typer.echo(f"  {line}")
    typer.echo("\n" + "\n".join(f"wrote {f}" for f in files))


def _load(scenario: str, as_known_on: Optional[str], format: OutputFormat):
    """The scenario; with --format json a bad one prints every error as JSON (exit status 2)."""
    try:
        return scenario_known_on(load_scenario(scenario), as_known_on)
    except IlrsError as exc:
        if format is not OutputFormat.json:
            raise
        from ilrs.cli.scenario_cmd import problem_list

        echo_json({"file": scenario, "valid": False, "errors": problem_list(exc)})
        raise SystemExit(exc.exit_code) from None


def register(app: typer.Typer) -> None:
    app.command("run")(run)
