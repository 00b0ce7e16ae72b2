"""Helpers shared by the CLI command modules."""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum
from typing import Any

import typer

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


def _default(obj: Any) -> Any:
    if isinstance(obj, (dt.date, dt.datetime)):
        return obj.isoformat()
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, default=_default, ensure_ascii=False, allow_nan=False)


def echo_json(data: Any) -> None:
    typer.echo(to_json(data))
