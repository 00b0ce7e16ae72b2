"""Helpers shared by the CLI command modules."""

from __future__ import annotations

import datetime as dt
import os
from enum import Enum
from pathlib import Path
from typing import Any

import typer

from ilrs._io import check_output_target, remove_stale_temporaries, to_json

from ilrs.errors import InputError


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


def parse_date(value: str | None, option: str) -> dt.date | None:
    """An ISO date (YYYY-MM-DD) from the command line, or a one-line error naming the option."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{value!r} is not a date", field=option, allowed="YYYY-MM-DD") from None


def parse_datetime_utc(value: str, option: str) -> dt.datetime:
    """An ISO UTC date-time from the command line (``2027-01-01T00:00:00``, ``Z`` allowed)."""
    text = value.strip().removesuffix("Z").removesuffix("z")
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"{value!r} is not a UTC date-time", field=option,
                         allowed="YYYY-MM-DDTHH:MM:SS") from None
    if t.tzinfo is not None:
        t = t.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return t


def output_folder(path: Path, option: str) -> Path:
    """Create the output folder ``path`` now, before any computing, or raise a one-line InputError.
    Temporaries a killed earlier run left there (``.NAME.PID.<random>.tmp`` of a writer that no
    longer runs, :func:`ilrs._io.remove_stale_temporaries`) are deleted."""
    if path.exists() and not path.is_dir():
        raise InputError("exists and is not a folder", file=str(path), field=option)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the folder ({exc.strerror or exc})", file=str(path), field=option) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise InputError("the folder is not writable", file=str(path), field=option)
    remove_stale_temporaries(path)
    return path


def output_file(path: Path, option: str) -> Path:
    """Check that a result file can be written at ``path`` (its folder is created) before computing it."""
    if path.is_dir():
        raise InputError("is a folder, not a file name", file=str(path), field=option)
    output_folder(path.parent if str(path.parent) else Path("."), option)
    return check_output_target(path, option)  # never a device, FIFO or symbolic link: only regular files


def echo_json(data: Any) -> None:
    typer.echo(to_json(data))


AS_KNOWN_ON_HELP = ("Replay the study with only what had been published by this day (YYYY-MM-DD): claims "
                    "reported by then, the newest per mission; missions not yet announced left out; past "
                    "events only if they had happened. Between the first claim and today (UTC).")


def parse_known_on(value: str | None, option: str = "--as-known-on") -> dt.date | None:
    """A ``--as-known-on`` day, checked against the data's first claim and today (one-line error)."""
    day = parse_date(value, option)
    if day is None:
        return None
    from ilrs.scenario.campaign_asof import check_known_on

    return check_known_on(day, option)


def scenario_known_on(scenario, value: str | None, option: str = "--as-known-on"):
    """The scenario itself, or replayed as known on the ``--as-known-on`` day
    (:func:`ilrs.scenario.campaign_asof.scenario_as_known_on`)."""
    day = parse_known_on(value, option)
    if day is None:
        return scenario
    from ilrs.scenario.campaign_asof import scenario_as_known_on

    return scenario_as_known_on(scenario, day)
