"""The ``ilrs`` command. Every error a user can cause prints one line and exits with status 2."""

from __future__ import annotations

import warnings

import typer

from ilrs.errors import IlrsError

warnings.filterwarnings("ignore", message=".*finals2000A.all has expired.*")

app = typer.Typer(
    name="ilrs",
    help=(
        "ilrs — an open digital twin of the International Lunar Research Station.\n\n"
        "Examples:\n\n"
        "  ilrs run                                   # main job on the reference scenario\n\n"
        "  ilrs partners --as-of 2023-10-23           # who had joined by then\n\n"
        "  ilrs scenario new my-study.yaml            # a commented template to edit"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from ilrs import __version__

        typer.echo(f"ilrs {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", is_eager=True, callback=_version,
                                       help="Print the ilrs version and exit.")) -> None:
    """ilrs — an open digital twin of the International Lunar Research Station."""


def _register() -> None:
    """Attach every command module. Each module exposes ``register(app)``."""
    from ilrs.cli import commands

    for module in commands.MODULES:
        module.register(app)


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; exits with 0, 2 (bad input) or 130 (interrupted)."""
    _register()
    try:
        app(args=argv, standalone_mode=False)
    except IlrsError as exc:
        for problem in getattr(exc, "problems", None) or [exc]:  # every validation error, one line each
            typer.echo(f"error: {problem}", err=True)
        return _exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        return _exit(130)
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        import os
        import sys

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return _exit(1)
    except OSError as exc:  # a file that cannot be read or written: one line, no traceback
        typer.echo(f"error: {_os_error(exc)}", err=True)
        return _exit(2)
    except typer.Exit as exc:  # pragma: no cover - typer control flow
        return _exit(exc.exit_code)
    except Exception as exc:  # usage errors: typer vendors its own click, so check both families
        if _is_usage_error(exc):
            from ilrs.errors import shorten_path  # the middle of a long echoed value cut out

            message = shorten_path(exc.format_message(), 300) + _scenario_hint(exc, argv)
            typer.echo(f"error: {message}", err=True)  # one line, no usage block
            return _exit(2)
        if type(exc).__name__ == "Abort":
            typer.echo("aborted", err=True)
            return _exit(1)
        raise
    return _exit(0)


def _os_error(exc: OSError) -> str:
    """``FILE: reason`` for an OSError (``[Errno 21] Is a directory: 'x'`` becomes ``x: Is a directory``)."""
    from ilrs.errors import shorten, shorten_path

    reason = shorten(exc.strerror or str(exc), 200, quote=False)
    if exc.filename is not None:
        return " ".join(f"{shorten_path(exc.filename)}: {reason}".split())
    return " ".join(reason.split())


def _scenario_hint(exc: Exception, argv: list[str] | None) -> str:
    """``: give a scenario as --scenario FILE`` where a YAML file was given as a bare argument."""
    import sys

    args = [str(a) for a in (sys.argv[1:] if argv is None else argv)]
    bare_yaml = any(a.endswith((".yaml", ".yml")) and (k == 0 or args[k - 1] not in ("--scenario", "-s"))
                    for k, a in enumerate(args))
    extra = "unexpected extra argument" in exc.format_message()
    return ": give a scenario as --scenario FILE" if extra and bare_yaml else ""


def _is_usage_error(exc: Exception) -> bool:
    """True for click's and typer's vendored click's ``ClickException`` (bad option, missing value …)."""
    return any(c.__name__ == "ClickException" for c in type(exc).__mro__) and hasattr(exc, "format_message")


def _exit(code: int | None) -> int:
    raise SystemExit(code or 0)


if __name__ == "__main__":  # pragma: no cover
    main()
