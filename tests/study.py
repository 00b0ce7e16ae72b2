"""Tests' short ways to a study's parts, compiled exactly as the commands compile them."""

from __future__ import annotations

from ilrs.campaign import compile_campaign, simulate_campaign
from ilrs.report.products import risk_study
from ilrs.risk import replay as _replay
from ilrs.risk import run_risk as _run_risk


def campaign_of(scenario):
    """The scenario's compiled campaign (``ilrs campaign`` and ``ilrs run`` compile it so)."""
    return compile_campaign(scenario.campaign, scenario.uncertainties)


def nominal_of(scenario):
    """The nominal campaign of ``scenario``: nothing fails, nothing slips."""
    return simulate_campaign(campaign_of(scenario), None)


def run_risk(scenario, **options):
    """The risk study of ``scenario``, compiled as ``ilrs risk`` compiles it."""
    return _run_risk(risk_study(scenario, ops=options.pop("ops", False)), **options)


def replay(scenario, i, **options):
    """Run ``i`` of the scenario's study alone."""
    return _replay(risk_study(scenario, ops=options.pop("ops", False)), i, **options)
