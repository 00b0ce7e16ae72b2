"""What a report section is, and what the sections of one ``ilrs run`` share."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Section:
    """One rendered section: its key in summary.json, title, HTML, results, and console lines."""

    key: str
    title: str
    html: str
    summary: dict[str, Any]
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RunContext:
    """Where the sections write their tables (``out_dir/tables``) and the run's options."""

    out_dir: Path
    options: dict[str, Any] = field(default_factory=dict)
