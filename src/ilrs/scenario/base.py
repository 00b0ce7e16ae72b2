"""Shared building blocks of the scenario schema: strict, immutable models and dates."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Immutable model that rejects unknown keys and does not coerce types silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, validate_default=True)


def as_utc_datetime(value: dt.date | dt.datetime) -> dt.datetime:
    """A date or naive/aware datetime as an aware UTC datetime."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
