"""Scenario files: the validated, immutable description of one study (YAML → pydantic).

>>> from ilrs.scenario import load_scenario
>>> load_scenario("ilrs-reference").name
'ilrs-reference'
"""

from ilrs.scenario.base import StrictModel
from ilrs.scenario.loader import (
    REFERENCE_SCENARIO,
    builtin_scenarios,
    load_scenario,
    scenario_from_dict,
)
from ilrs.scenario.model import Scenario, TimeSpan
from ilrs.scenario.references import ReferenceProblem, validation_error

__all__ = [
    "REFERENCE_SCENARIO", "ReferenceProblem", "Scenario", "StrictModel", "TimeSpan",
    "builtin_scenarios", "load_scenario", "scenario_from_dict", "validation_error",
]
