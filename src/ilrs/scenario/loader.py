"""Load scenario files (YAML) into validated :class:`Scenario` objects.

Errors name the file, the field path (``campaign.missions[3].vehicle``) and what is allowed.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pydantic

from ilrs.data import data_path, read_yaml_file
from ilrs.errors import NotFoundError, ScenarioError, shorten
from ilrs.scenario.model import Scenario
from ilrs.scenario.references import ReferenceProblem, validation_error

BUILTIN_DIR = "scenarios"
REFERENCE_SCENARIO = "ilrs-reference"


def builtin_scenarios() -> dict[str, Path]:
    """Names and paths of the scenarios shipped with ilrs."""
    folder = data_path(BUILTIN_DIR)
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


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
    """Every section's names checked; the first problem raised, all of them in its ``.problems``."""
    problems = []
    for section_name in Scenario.model_fields:
        section = getattr(scenario, section_name)
        check = getattr(section, "check_references", None)
        if check is None:
            continue
        try:
            check(scenario)
        except ReferenceProblem as problem:
            field = f"{section_name}.{problem.field}" if problem.field else section_name
            problems.append(ScenarioError(problem.message, file=file, field=field, allowed=problem.allowed))
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more error{'s' if len(problems) > 2 else ''})" if len(problems) > 1 else ""
        error = ScenarioError(first.message + more, file=file, field=first.field, allowed=first.allowed)
        error.problems = problems
        raise error


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
            raise NotFoundError(f"no built-in scenario named {shorten(key)} and no such file",
                                allowed=sorted(builtins))
        if path.is_dir():
            raise ScenarioError("is a directory, not a scenario file", file=key)
    return _load_path(str(path), path.stat().st_mtime_ns)
