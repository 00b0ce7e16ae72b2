"""Shared building blocks of the scenario schema: strict, immutable models and dates."""

from __future__ import annotations

import datetime as dt
import types
from functools import lru_cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError, model_validator


FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2150, 12, 31)
"""Every date of a scenario lies within [FIRST_DATE, LAST_DATE]: the ephemerides' coverage (DE421
1900-2050, then DE440 to 2150; see :mod:`ilrs.environment.ephemeris`). A date outside is refused where
it enters, not discovered as an overflow or an ephemeris error deep inside a computation."""


def check_date_range(value: dt.date, what: str = "a date") -> None:
    """Raise ValueError when ``value`` (a date or date-time) lies outside [FIRST_DATE, LAST_DATE]."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if not FIRST_DATE <= day <= LAST_DATE:
        raise ValueError(f"{what} must lie within {FIRST_DATE.isoformat()}..{LAST_DATE.isoformat()} "
                         f"(ephemeris coverage), got {day.isoformat()}")


class StrictModel(BaseModel):
    """Immutable model that rejects unknown keys and does not coerce types silently.

    Strict: ``seed: true`` or ``seed: "12"`` is refused where a number is expected, ``1``
    where a bool is. Two conversions stay lax because a YAML file needs them: an ISO date
    or date-time written as a string (quoted, or from JSON), and an integer where a float
    is expected (pydantic's strict mode accepts that one by itself).

    Bounded: no float field takes NaN or ±infinity (``.nan``, ``.inf``), and every date, in any
    field, lies within the ephemerides' coverage (:data:`FIRST_DATE`..:data:`LAST_DATE`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, validate_default=True,
                              allow_inf_nan=False)

    @model_validator(mode="after")
    def _dates_in_coverage(self) -> Any:
        for name in type(self).model_fields:
            value = getattr(self, name)
            values = (value.values() if isinstance(value, dict)
                      else value if isinstance(value, (list, tuple)) else (value,))
            for v in values:
                if isinstance(v, dt.date):
                    check_date_range(v, f"{name}")
        return self

    @model_validator(mode="before")
    @classmethod
    def _lax_dates(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out = None
        for name, info in cls.model_fields.items():
            if name in data:
                new = _lax_dates(data[name], info.annotation)
                if new is not data[name]:
                    out = dict(data) if out is None else out
                    out[name] = new
        return data if out is None else out


@lru_cache(maxsize=None)
def _adapter(kind: type) -> TypeAdapter:
    return TypeAdapter(kind)


def _lax_dates(value: Any, annotation: Any) -> Any:
    """``value`` with ISO date strings turned into the dates ``annotation`` expects (else unchanged)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _lax_dates(value, get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        args = get_args(annotation)
        if isinstance(value, str) and str in args:
            return value  # the string is a valid member as it is
        for arg in args:
            new = _lax_dates(value, arg)
            if new is not value:
                return new
        return value
    if annotation in (dt.date, dt.datetime):
        if isinstance(value, (str, dt.date)) and type(value) is not annotation:
            try:
                return _adapter(annotation).validate_python(value)
            except ValidationError:
                return value  # strict validation then reports it with its field path
        return value
    if origin is list and isinstance(value, list):
        (item,) = get_args(annotation) or (Any,)
        new = [_lax_dates(v, item) for v in value]
        return new if any(a is not b for a, b in zip(new, value)) else value
    if origin is dict and isinstance(value, dict):
        _, item = get_args(annotation) or (Any, Any)
        new = {k: _lax_dates(v, item) for k, v in value.items()}
        return new if any(new[k] is not value[k] for k in value) else value
    return value
