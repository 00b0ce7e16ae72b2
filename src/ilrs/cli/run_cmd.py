"""``ilrs run``: the main job — every section of the study into report.html and summary.json."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ilrs.cli.common import output_folder
from ilrs.scenario import REFERENCE_SCENARIO, load_scenario


def run(
    scenario: str = typer.Option(REFERENCE_SCENARIO, "--scenario", "-s",
                                 help="Built-in scenario name or path to a YAML file."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder (default out/<scenario-name>)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Run the whole study and write DIR/report.html and DIR/summary.json.

    Examples:

      ilrs run

      ilrs run --scenario my-study.yaml --out results/
    """
    from ilrs.report import build_report

    if out is not None:
        output_folder(out, "--out")  # fail now, not after the computing
    s = load_scenario(scenario)
    out_dir = output_folder(out or Path("out") / s.slug, "--out")
    with Progress(TextColumn("[bold]{task.description:<14}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), disable=quiet, transient=True) as progress:
        task = progress.add_task("starting", total=None)

        def on_section(key: str, i: int, n: int) -> None:
            progress.update(task, description=key, completed=i, total=n)

        sections, html_path, json_path = build_report(s, out_dir, on_section=on_section)
    typer.echo(f"ilrs run — {s.name} ({s.span.start} → {s.span.end})")
    for sec in sections:
        typer.echo(f"\n[{sec.title}]")
        for line in sec.lines:
            typer.echo(f"  {line}")
    typer.echo(f"\nwrote {html_path}\nwrote {json_path}")


def register(app: typer.Typer) -> None:
    app.command("run")(run)
