"""Report section: the consortium (filled in by the consortium layer)."""

from __future__ import annotations

from ilrs.report.sections import RunContext, Section
from ilrs.scenario import Scenario


def build(scenario: Scenario, ctx: RunContext) -> Section:
    return Section("consortium", "Consortium", "<p>pending</p>", {}, [])
