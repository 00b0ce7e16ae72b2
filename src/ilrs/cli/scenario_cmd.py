"""``ilrs scenario list | show NAME | validate PATH | new PATH``."""

from __future__ import annotations

from pathlib import Path

import typer
import yaml

from ilrs._io import write_text_atomic
from ilrs.cli.common import OutputFormat, echo_json, output_file
from ilrs.data import data_path
from ilrs.errors import InputError
from ilrs.scenario import builtin_scenarios, load_scenario

scenario_app = typer.Typer(
    help="Scenario files: list the built-in ones, show, validate, or start a new one.\n\n"
         "Examples:\n\n  ilrs scenario list\n\n  ilrs scenario show ilrs-reference\n\n"
         "  ilrs scenario new my-study.yaml && ilrs scenario validate my-study.yaml",
    no_args_is_help=True,
)


@scenario_app.command("list")
def list_cmd(format: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text or json")) -> None:
    """List the built-in scenarios.

    Examples:

      ilrs scenario list

      ilrs scenario list --format json
    """
    rows = []
    for name in builtin_scenarios():
        s = load_scenario(name)
        rows.append({"name": s.name, "span": f"{s.span.start}..{s.span.end}",
                     "description": " ".join(s.description.split())})
    if format is OutputFormat.json:
        echo_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['name']:<20} {r['span']:<24} {r['description'][:90]}")


@scenario_app.command("show")
def show_cmd(name: str = typer.Argument(..., help="Built-in name or path to a YAML file."),
             format: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text (YAML) or json")) -> None:
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
def validate_cmd(path: str = typer.Argument(..., help="Path to a scenario YAML file.")) -> None:
    """Check a scenario file; print 'ok' or one line naming the file, field and allowed values.

    Examples:

      ilrs scenario validate my-study.yaml

      ilrs scenario validate ilrs-reference
    """
    s = load_scenario(path)
    typer.echo(f"ok: {path} is a valid scenario ({s.name}, {s.span.start}..{s.span.end})")


@scenario_app.command("new")
def new_cmd(path: Path = typer.Argument(..., help="Where to write the template."),
            force: bool = typer.Option(False, "--force", help="Overwrite an existing file.")) -> None:
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
    typer.echo(f"wrote {path}; edit it, then: ilrs scenario validate {path}")


def register(app: typer.Typer) -> None:
    app.add_typer(scenario_app, name="scenario")
