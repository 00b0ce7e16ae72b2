"""``CampaignSection.resolved()``: merged with the catalogue once per section object."""

from __future__ import annotations

import pytest

from ilrs.data import read_yaml_file
from ilrs.report.products import risk_study
from ilrs.scenario import builtin_scenarios, scenario_from_dict
from ilrs.scenario.campaign import CampaignSection

from .study import campaign_of


def test_reference_resolved_once_over_load_inputs_and_risk_prepare(monkeypatch):
    """Loading checks references (campaign and uncertainties), then campaign_inputs and
    risk.prepare each read the resolution: one merge for all of them."""
    calls = []
    original = CampaignSection._resolve
    monkeypatch.setattr(CampaignSection, "_resolve", lambda self: calls.append(1) or original(self))
    raw = read_yaml_file(builtin_scenarios()["ilrs-reference"])
    s = scenario_from_dict(raw)  # a fresh object (load_scenario caches by path)
    campaign_of(s)
    risk_study(s)
    assert len(calls) == 1
    assert s.campaign.resolved() is s.campaign.resolved()
    # another section object (a copy with another manifest) is resolved afresh, never from the cache
    fewer = s.campaign.model_copy(update={"manifest": s.campaign.manifest[:2]})
    assert len(fewer.resolved().missions) == 2 and len(calls) == 2


def test_resolution_is_read_only():
    s = scenario_from_dict(read_yaml_file(builtin_scenarios()["ilrs-reference"]))
    res = s.campaign.resolved()
    with pytest.raises(TypeError):
        res.vehicles["X"] = res.vehicles["CZ-5"]  # shared by every caller: no one may change it
    assert isinstance(res.missions, tuple)
