"""Report sections. Each layer contributes one builder ``build(scenario, ctx) -> Section``.

Builders run in the order of :data:`BUILDERS`; a later one may read what an earlier one left in
``ctx.products`` (the environment timeline, the comms windows …) so nothing is computed twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ilrs.scenario import Scenario


@dataclass
class Section:
    key: str
    title: str
    html: str
    summary: dict[str, Any]
    lines: list[str] = field(default_factory=list)


@dataclass
class RunContext:
    """What the sections of one ``ilrs run`` share."""

    out_dir: Path
    products: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)


Builder = Callable[[Scenario, RunContext], Section]


def builders() -> list[tuple[str, Builder]]:
    """The section builders, in run order (imported lazily: each may pull heavy modules)."""
    from ilrs.report.sections import campaign, comms, consortium, environment, operations, risk

    return [
        ("consortium", consortium.build),
        ("environment", environment.build),
        ("comms", comms.build),
        ("campaign", campaign.build),
        ("operations", operations.build),
        ("risk", risk.build),
    ]
