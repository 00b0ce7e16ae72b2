"""``ilrs scenario list | show NAME | validate PATH | new PATH``."""

from __future__ import annotations

from pathlib import Path

import typer
import yaml

from ilrs._io import write_text_atomic
from ilrs.cli.common import OutputFormat, echo_json, format_option, output_file, quiet_option
from ilrs.data import data_path
from ilrs.errors import IlrsError, InputError
from ilrs.scenario import builtin_scenarios, load_scenario

scenario_app = typer.Typer(
    help="Scenario files: list the built-in ones, show, validate, or start a new one.\n\n"
         "Examples:\n\n  ilrs scenario list\n\n  ilrs scenario show ilrs-reference\n\n"
         "  ilrs scenario new my-study.yaml && ilrs scenario validate my-study.yaml",
    no_args_is_help=True,
)


@scenario_app.command("list")
def list_cmd(format: OutputFormat = format_option(), quiet: bool = quiet_option()) -> None:
    """List the built-in scenarios.

    Examples:

      ilrs scenario list

      ilrs scenario list --format json
    """
    rows = []
    for name in builtin_scenarios():
        s = load_scenario(name)
        rows.append({"name": s.name, "span_start_date": s.span.start, "span_end_date": s.span.end,
                     "description": " ".join(s.description.split())})
    if format is OutputFormat.json:
        echo_json(rows)
        return
    for r in rows:
        span = f"{r['span_start_date']}..{r['span_end_date']}"
        typer.echo(f"{r['name']:<20} {span:<24} {r['description'][:90]}")


@scenario_app.command("show")
def show_cmd(name: str = typer.Argument(..., help="Built-in name or path to a YAML file."),
             format: OutputFormat = format_option("text (YAML) or json"), quiet: bool = quiet_option()) -> None:
    """Print a scenario with every default filled in.

    Examples:

      ilrs scenario show ilrs-reference

      ilrs scenario show my-study.yaml --format json
    """
    s = load_scenario(name)
    data = s.model_dump(mode="json")
    if format is OutputFormat.json:
        echo_json(data)
    else:
        typer.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True).rstrip())


@scenario_app.command("validate")
def validate_cmd(path: str = typer.Argument(..., help="Path to a scenario YAML file."),
                 format: OutputFormat = format_option("text or json (valid, errors: file, field, message, allowed)"),
                 quiet: bool = quiet_option()) -> None:
    """Check a scenario file; print 'ok' or every problem, one line each, naming the file, field and
    allowed values (exit status 2).

    Examples:

      ilrs scenario validate my-study.yaml

      ilrs scenario validate my-study.yaml --format json
    """
    try:
        s = load_scenario(path)
    except IlrsError as exc:
        problems = problem_list(exc)
        if format is OutputFormat.json:
            echo_json({"file": path, "valid": False, "errors": problems})
        else:
            for p in problems:
                typer.echo(f"error: {p['text']}", err=True)
        raise SystemExit(2) from None
    if format is OutputFormat.json:
        echo_json({"file": path, "valid": True, "errors": [], "scenario": s.name,
                   "span_start_date": s.span.start, "span_end_date": s.span.end})
    elif not quiet:
        typer.echo(f"ok: {path} is a valid scenario ({s.name}, {s.span.start}..{s.span.end})")


def problem_list(exc: Exception) -> list[dict]:
    """Every problem an error carries (``.problems``, else itself) as JSON rows."""
    rows = []
    for p in getattr(exc, "problems", None) or [exc]:
        allowed = getattr(p, "allowed", None)
        rows.append({"file": getattr(p, "file", None), "field": getattr(p, "field", None),
                     "message": getattr(p, "message", str(p)),
                     "allowed": allowed if allowed is None or isinstance(allowed, str) else list(allowed),
                     "text": str(p)})
    return rows


@scenario_app.command("new")
def new_cmd(path: Path = typer.Argument(..., help="Where to write the template."),
            force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
            quiet: bool = quiet_option()) -> None:
    """Write a commented scenario template to PATH (a file name, not a folder).

    Examples:

      ilrs scenario new my-study.yaml

      ilrs scenario new study.yaml --force && ilrs scenario validate study.yaml
    """
    if path.is_dir():
        raise InputError("is a folder; give a file name such as my-study.yaml", file=str(path))
    if path.exists() and not force:
        raise InputError("file exists (use --force to overwrite)", file=str(path))
    output_file(path, "PATH")
    template = data_path("scenario-template.yaml").read_text(encoding="utf-8")
    write_text_atomic(path, template)
    if not quiet:
        typer.echo(f"wrote {path}; edit it, then: ilrs scenario validate {path}")


def register(app: typer.Typer) -> None:
    app.add_typer(scenario_app, name="scenario")
