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


# --- the shared options of every command (docs/cli.md) -------------------------------------------

_DURATION_UNITS_S = {"s": 1.0, "sec": 1.0, "min": 60.0, "h": 3600.0, "hour": 3600.0, "hours": 3600.0,
                     "d": 86400.0, "day": 86400.0, "days": 86400.0}
STEP_UNITS = "a number with a unit: 60s, 30min, 1h, 0.5d"


def parse_duration_s(text: str, option: str = "--step") -> float:
    """Seconds in a duration written with its unit (``60s``, ``30min``, ``1.5h``, ``1d``), or a
    one-line InputError naming the option. A bare number is refused: the unit is the point."""
    import re

    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([A-Za-z]+)\s*", text or "")
    unit = m.group(2).lower() if m else None
    if m is None or unit not in _DURATION_UNITS_S:
        raise InputError(f"{text!r} is not a duration", field=option, allowed=STEP_UNITS)
    seconds = float(m.group(1)) * _DURATION_UNITS_S[unit]
    if not (seconds > 0 and seconds < float("inf")):
        raise InputError(f"{text!r} is not a positive duration", field=option, allowed=STEP_UNITS)
    return seconds


def format_duration(seconds: float) -> str:
    """The shortest exact spelling of a duration in the units ``--step`` takes (``3600`` -> ``1h``)."""
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size and (seconds / size).is_integer():
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def step_option(default: str | None, what: str = "Time step") -> Any:
    """``--step DURATION``: the one step option (``60s``, ``30min``, ``1h``)."""
    shown = f" (default {default})" if default else ("" if "default" in what else " (default: the scenario's)")
    return typer.Option(default, "--step", help=f"{what}: {STEP_UNITS}{shown}.")


def deprecated_step_option(spelling: str) -> Any:
    """An old step spelling (``--step-min`` …), hidden from --help and still accepted."""
    return typer.Option(None, spelling, hidden=True, help=f"Deprecated: use --step.")


def step_seconds(step: str | None, **legacy: tuple[float | None, float]) -> float | None:
    """Seconds from ``--step`` or from one deprecated spelling, given as ``spelling=(value, seconds
    per unit)`` (``step_min=(30.0, 60.0)``); None when neither was given. Both: one-line error."""
    given = {k: v for k, v in legacy.items() if v[0] is not None}
    if step is not None and given:
        old = "--" + next(iter(given)).replace("_", "-")
        raise InputError(f"give --step or {old}, not both", field="--step", allowed=STEP_UNITS)
    if step is not None:
        return parse_duration_s(step, "--step")
    for name, (value, unit_s) in given.items():
        option = "--" + name.replace("_", "-")
        if not (value > 0 and value < float("inf")):
            raise InputError(f"{option} {value:g} is not a positive number", field=option, allowed=STEP_UNITS)
        typer.echo(f"note: {option} is deprecated; use --step {format_duration(value * unit_s)}", err=True)
        return float(value) * unit_s
    return None


def quiet_option() -> Any:
    return typer.Option(False, "--quiet", "-q", help="No progress bar (stderr) and no 'ok'/'wrote' chatter; results and errors still print.")


def format_option(what: str = "text or json") -> Any:
    return typer.Option(OutputFormat.text, "--format", help=what)


def out_option(what: str) -> Any:
    """``--out FOLDER``: always a folder (created if missing); nothing is written without it."""
    return typer.Option(None, "--out", "-o", help=f"Folder to write {what} into (created if missing); "
                                                  "without --out nothing is written.")


def scenario_option(default: str | None = None) -> Any:
    shown = "default ilrs-reference" if default is None else f"default {default}"
    return typer.Option(default, "--scenario", "-s", help=f"Built-in scenario name or YAML file ({shown}).")


def site_option() -> Any:
    return typer.Option(None, "--site", help="Catalogue site name (`ilrs site --list`); default: the scenario's.")


def lat_option() -> Any:
    return typer.Option(None, "--lat", help="Site latitude, degrees (south negative); with --lon.")


def lon_option() -> Any:
    return typer.Option(None, "--lon", help="Site east longitude, degrees; with --lat.")


def scenario_with_site(scenario, site: str | None, lat: float | None, lon: float | None):
    """The scenario with its site replaced by ``--site NAME`` or ``--lat/--lon`` (the same rule in
    every command: a name, or coordinates, else the scenario's own site); mast and horizon kept."""
    if site is not None and lat is not None:
        raise InputError("give --site or --lat/--lon, not both", field="--site")
    if (lat is None) != (lon is None):
        raise InputError("give both --lat and --lon", field="--lat/--lon")
    if site is None and lat is None:
        return scenario
    import pydantic

    from ilrs.scenario.site import SiteSpec

    base = scenario.site.model_dump()
    base.update(name=site, lat_deg=lat, lon_deg=lon, height_m=0.0 if lat is not None else base["height_m"])
    try:
        spec = SiteSpec(**base)
    except pydantic.ValidationError as exc:
        raise InputError(exc.errors()[0]["msg"], field="--lat/--lon") from None
    if site is not None:
        from ilrs.environment.sites import site_names

        if site not in site_names():
            raise InputError(f"unknown site {site!r}", field="--site", allowed=site_names())
    return scenario.model_copy(update={"site": spec})


def files_list(paths) -> list[str]:
    """The ``files`` key of every JSON output: the paths written, as strings, in order."""
    return [str(p) for p in paths]
