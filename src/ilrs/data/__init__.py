"""Packaged datasets. Data, not code: every fact carries a source id (see ``sources.yaml``)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ilrs.errors import DatasetError

MAX_YAML_BYTES = 2_000_000
"""Refuse YAML files larger than this (a scenario or dataset is kilobytes, not megabytes)."""


def data_path(*parts: str) -> Path:
    """Path of a packaged data file, e.g. ``data_path("kernels", "moon_080317.tf")``."""
    return Path(str(resources.files("ilrs.data").joinpath(*parts)))


def read_yaml_file(path: str | Path, *, error: type[DatasetError] = DatasetError) -> Any:
    """Load a YAML file safely (no object construction), refusing oversized files."""
    p = Path(path)
    if not p.is_file():
        raise error("file not found", file=str(p))
    size = p.stat().st_size
    if size > MAX_YAML_BYTES:
        raise error(f"file is {size} bytes, more than the {MAX_YAML_BYTES} allowed", file=str(p))
    try:
        return yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        raise error(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=str(p), field=where) from None
    except UnicodeDecodeError:
        raise error("not a UTF-8 text file", file=str(p)) from None


@lru_cache(maxsize=None)
def load_dataset(name: str) -> Any:
    """Raw content of a packaged YAML dataset (``name`` without extension)."""
    return read_yaml_file(data_path(f"{name}.yaml"))
