"""``ilrs compare A B [C …]``: several studies side by side in one report (HTML, JSON, Parquet)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ilrs.cli.common import OutputFormat, echo_json, output_folder
from ilrs.errors import IlrsError, InputError
from ilrs.scenario import Scenario, load_scenario


def load_compared(sources: List[str]) -> list[Scenario]:
    """Each scenario loaded, or a one-line error naming which one (checked before anything is written)."""
    if len(sources) < 2:
        raise InputError(f"compare needs at least two scenarios, got {len(sources)}", field="SCENARIOS",
                         allowed="built-in names or scenario files")
    seen: set[str] = set()
    for src in sources:
        if src in seen:
            raise InputError(f"{src!r} is given twice: compare it with another scenario", field="SCENARIOS")
        seen.add(src)
    out = []
    for i, src in enumerate(sources, 1):
        try:
            out.append(load_scenario(src))
        except IlrsError as exc:
            raise InputError(f"scenario {i} ({src}) does not load: {exc}", field="SCENARIOS") from None
    return out


def compare(
    scenarios: List[str] = typer.Argument(..., metavar="SCENARIO",
                                          help="Two or more built-in scenario names or YAML files."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder (default out/compare-A-vs-B)."),
    risk_runs: Optional[int] = typer.Option(None, "--risk-runs", min=0, max=100_000,
                                            help="Monte Carlo campaign runs per scenario (default 200; 0: none; "
                                                 "ilrs risk runs millions)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    format: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text or json (summary on stdout)."),
) -> None:
    """Compare studies side by side: coalition growth, milestones and their on-time probabilities,
    first crewed landing and continuous presence, site light and Earth visibility, relay
    availability, energy margins, crew-days, science per partner, and what differs in the inputs.

    Writes DIR/compare.html, DIR/compare.json, DIR/compare-coalition.png and DIR/tables/compare-*.parquet.

    Examples:

      ilrs compare ilrs-reference my-malapert-variant.yaml

      ilrs compare ilrs-reference artemis-reference --risk-runs 1000 --out results/rivals

      ilrs compare a.yaml b.yaml c.yaml --quiet --format json
    """
    from ilrs.report.compare import DEFAULT_RISK_RUNS, PRODUCT_STAGES, compare_scenarios
    from ilrs.report.compare_write import comparison_json, write_comparison

    loaded = load_compared(scenarios)
    if out is not None:
        output_folder(out, "--out")  # fail now, not after the computing
    out_dir = output_folder(out or Path("out") / "-vs-".join(["compare-" + loaded[0].slug] + [s.slug for s in loaded[1:]]),
                            "--out")
    t0 = time.perf_counter()
    with Progress(TextColumn("[bold]{task.description:<32}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), disable=quiet, transient=True, console=Console(stderr=True)) as progress:
        total = len(loaded) * len(PRODUCT_STAGES) + 1
        task = progress.add_task("starting", total=total)

        def stage(label: str, product: str) -> None:
            progress.update(task, description=f"{label}: {product}", advance=1)

        comp = compare_scenarios(scenarios, loaded, stage=stage,
                                 risk_runs=DEFAULT_RISK_RUNS if risk_runs is None else risk_runs)
        progress.update(task, description="write", completed=total - 1)
        files = write_comparison(comp, out_dir)
    elapsed = time.perf_counter() - t0
    if format is OutputFormat.json:
        data = comparison_json(comp)
        echo_json({"scenarios": data["scenarios"], "risk_runs": comp.risk_runs, "headline": data["headline"],
                   "inputs_differ": data["inputs_differ"], "identical": data["identical"],
                   "elapsed_s": round(elapsed, 2),
                   "files": [str(files["html"]), str(files["json"]), str(files["chart"]),
                             *(str(p) for p in files["tables"])]})
        return
    _print_text(comp, files, elapsed)


def _print_text(comp, files: dict, elapsed: float) -> None:
    labels = comp.labels
    typer.echo(f"ilrs compare — {' · '.join(labels)} ({comp.risk_runs} Monte Carlo runs each, {elapsed:.1f} s)")
    rows = comp.headline().rows
    names = {r.figure: f"{r.label}, {r.unit}" if r.unit and r.unit not in r.label
             and r.unit not in ("date", "fraction", "probability", "count") else r.label for r in rows}
    width = max(len(v) for v in names.values()) if rows else 10
    cols = [max(len(lab), *(len(r.cells[lab].text) for r in rows)) for lab in labels] if rows else []
    typer.echo(("  " + " " * width + "  " + "  ".join(lab.ljust(w) for lab, w in zip(labels, cols))).rstrip())
    for r in rows:
        cells = "  ".join(r.cells[lab].text.ljust(w) for lab, w in zip(labels, cols))
        typer.echo(f"  {names[r.figure].ljust(width)}  {cells}{'  ≠' if r.differs else ''}".rstrip())
    n = sum(r.differs for t in comp.topics for r in t.rows)
    typer.echo(f"\n{n} paired figures differ; {len(comp.inputs)} input fields differ"
               + (": " + ", ".join(d["path"] for d in comp.inputs[:8]) + (" …" if len(comp.inputs) > 8 else "")
                  if comp.inputs else ""))
    typer.echo(f"\nwrote {files['html']}\nwrote {files['json']}\nwrote {files['chart']}\n"
               f"wrote {len(files['tables'])} tables in {files['html'].parent / 'tables'}")


def register(app: typer.Typer) -> None:
    app.command("compare")(compare)
