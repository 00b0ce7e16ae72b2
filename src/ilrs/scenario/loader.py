"""Load scenario files (YAML) into validated :class:`Scenario` objects.

Errors name the file, the field path (``campaign.missions[3].vehicle``) and what is allowed.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import pydantic

from ilrs.data import data_path, read_yaml_file
from ilrs.errors import NotFoundError, ScenarioError
from ilrs.scenario.model import Scenario

BUILTIN_DIR = "scenarios"
REFERENCE_SCENARIO = "ilrs-reference"


class ReferenceProblem(ValueError):
    """Raised by a section's ``check_references`` for a name that is not in its catalogue."""

    def __init__(self, field: str, message: str, allowed: Iterable[str] | None = None):
        self.field = field
        self.message = message
        self.allowed = sorted(allowed) if allowed is not None else None
        super().__init__(message)


def builtin_scenarios() -> dict[str, Path]:
    """Names and paths of the scenarios shipped with ilrs."""
    folder = data_path(BUILTIN_DIR)
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


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
        return f"{err['input']!r} is not allowed", ctx.get("expected")
    if kind == "enum":
        return f"{err['input']!r} is not allowed", ctx.get("expected")
    if kind == "missing":
        return "required field is missing", None
    msg = err.get("msg", "invalid value").removeprefix("Value error, ")
    return msg, None


def validation_error(exc: pydantic.ValidationError, file: str, prefix: str = "") -> ScenarioError:
    """The first error of a pydantic ValidationError as a one-line ScenarioError."""
    first = exc.errors()[0]
    field = _field_path(tuple(first.get("loc", ())))
    if prefix:
        field = f"{prefix}.{field}" if field != "(top level)" else prefix
    message, allowed = _describe(first)
    count = len(exc.errors())
    if count > 1:
        message += f" (and {count - 1} more error{'s' if count > 2 else ''})"
    return ScenarioError(message, file=file, field=field, allowed=allowed)


def scenario_from_dict(raw: Any, *, file: str = "<scenario>") -> Scenario:
    """Validate a mapping (already parsed YAML) into a Scenario, checking references."""
    if not isinstance(raw, dict):
        raise ScenarioError("a scenario must be a mapping of keys to values", file=file)
    try:
        scenario = Scenario.model_validate(raw)
    except pydantic.ValidationError as exc:
        raise validation_error(exc, file) from None
    _check_references(scenario, file)
    return scenario


def _check_references(scenario: Scenario, file: str) -> None:
    for section_name in Scenario.model_fields:
        section = getattr(scenario, section_name)
        check = getattr(section, "check_references", None)
        if check is None:
            continue
        try:
            check(scenario)
        except ReferenceProblem as problem:
            field = f"{section_name}.{problem.field}" if problem.field else section_name
            raise ScenarioError(problem.message, file=file, field=field, allowed=problem.allowed) from None


@lru_cache(maxsize=32)
def _load_path(path: str, mtime_ns: int) -> Scenario:
    raw = read_yaml_file(path, error=ScenarioError)
    return scenario_from_dict(raw, file=path)


def load_scenario(name_or_path: str | Path | None = None) -> Scenario:
    """A built-in scenario by name (``ilrs-reference``) or a YAML file by path."""
    key = str(name_or_path) if name_or_path is not None else REFERENCE_SCENARIO
    builtins = builtin_scenarios()
    if key in builtins:
        path = builtins[key]
    else:
        path = Path(key)
        if not path.exists():
            if path.suffix in (".yaml", ".yml") or "/" in key:
                raise ScenarioError("file not found", file=key)
            raise NotFoundError(f"no built-in scenario named {key!r} and no such file",
                                allowed=sorted(builtins))
        if path.is_dir():
            raise ScenarioError("is a directory, not a scenario file", file=key)
    return _load_path(str(path), path.stat().st_mtime_ns)
