"""What the section models and the loader share: the problem a section's ``check_references``
raises for a name not in its catalogue, and pydantic errors turned into one-line ScenarioErrors.

It sits below every section model and the loader (it imports neither), so a section can raise
:class:`ReferenceProblem` without importing the loader that catches it.
"""

from __future__ import annotations

from typing import Any, Iterable

import pydantic

from ilrs.errors import ScenarioError, shorten


class ReferenceProblem(ValueError):
    """Raised by a section's ``check_references`` for a name that is not in its catalogue."""

    def __init__(self, field: str, message: str, allowed: Iterable[str] | None = None):
        self.field = field
        self.message = message
        self.allowed = sorted(allowed) if allowed is not None else None
        super().__init__(message)


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and (part.startswith("function-") or part in ("tagged-union",)):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _describe(err: dict[str, Any]) -> tuple[str, str | None]:
    """Message and allowed values of one pydantic error."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        return "unknown key", None
    if kind == "literal_error":
        return f"{shorten(err['input'])} is not allowed", ctx.get("expected")
    if kind == "enum":
        return f"{shorten(err['input'])} is not allowed", ctx.get("expected")
    if kind == "missing":
        return "required field is missing", None
    msg = err.get("msg", "invalid value").removeprefix("Value error, ")
    return msg, None


def validation_error(exc: pydantic.ValidationError, file: str, prefix: str = "") -> ScenarioError:
    """A pydantic ValidationError as a one-line ScenarioError (its first error, "and N more"), with
    every error as its own one-line ScenarioError in ``.problems`` (``ilrs scenario validate`` lists them)."""
    problems = [_one_error(err, file, prefix) for err in exc.errors()]
    first = problems[0]
    count = len(problems)
    message = first.message
    if count > 1:
        message += f" (and {count - 1} more error{'s' if count > 2 else ''})"
    out = ScenarioError(message, file=file, field=first.field, allowed=first.allowed)
    out.problems = problems
    return out


def _one_error(err: dict[str, Any], file: str, prefix: str) -> ScenarioError:
    field = _field_path(tuple(err.get("loc", ())))
    if prefix:
        field = f"{prefix}.{field}" if field != "(top level)" else prefix
    message, allowed = _describe(err)
    return ScenarioError(message, file=file, field=field, allowed=allowed)
