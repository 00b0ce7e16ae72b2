"""The main report's rival section: the headline figures beside the other coalition's reference."""

from __future__ import annotations

import json

import yaml

from ilrs.report.sections import rival
from ilrs.scenario import load_scenario, scenario_from_dict
from ilrs.scenario.loader import builtin_scenarios
from tests.test_compare import short_raw, write


def test_rival_is_the_other_coalitions_builtin_or_one_line_why():
    ilrs = load_scenario("ilrs-reference")
    name, scenario, why = rival.rival_scenario(ilrs, None)
    assert name == "artemis-reference"
    if "artemis-reference" in builtin_scenarios():
        assert scenario is not None and scenario.coalition == "artemis-accords" and why == ""
    else:
        assert scenario is None and "no rival comparison" in why and "\n" not in why
    assert rival.rival_scenario(ilrs, "none")[1] is None
    accords = scenario_from_dict({**yaml.safe_load(builtin_scenarios()["ilrs-reference"].read_text()),
                                  "coalition": "artemis-accords"})
    assert rival.rival_scenario(accords, None)[0] == "ilrs-reference"


def test_report_section_links_the_full_comparison(tmp_path):
    from ilrs.report import build_report

    other = write(tmp_path, short_raw(name="short-accords", coalition="artemis-accords",
                                      **{"site.name": "malapert-massif"}), "short-accords.yaml")
    out = tmp_path / "run"
    sections, _, json_path = build_report(scenario_from_dict(short_raw()), out,
                                                  options={"risk_runs": 30, "rival": other})
    sec = sections[-1]
    assert sec.key == "rival" and 'href="compare/compare.html"' in sec.html
    data = json.loads((out / "compare" / "compare.json").read_text())
    assert [s["name"] for s in data["scenarios"]] == ["short-ref", "short-accords"]
    summary = json.loads(json_path.read_text())["rival"]
    assert summary["compared"] and summary["risk_runs"] == {"short-ref": 30, "short-accords": 30}
    # the section's headline is the comparison's, and this study's figures are the report's own
    assert summary["headline"] == {r["figure"]: {k: v["text"] for k, v in r["values"].items()}
                                   for r in data["headline"]["rows"]}
    own = json.loads(json_path.read_text())["environment"]["lit_fraction"]
    lit = next(r for r in data["topics"]["site"]["rows"] if r["figure"] == "site.lit_fraction")
    assert lit["values"]["short-ref"]["value"] == own
    assert "elapsed_s" not in summary and "rival" in json.loads((out / "timings.json").read_text())


def test_rival_none_leaves_one_line(tmp_path):
    from ilrs.report import build_report

    sections, _, _ = build_report(scenario_from_dict(short_raw()), tmp_path, options={"risk_runs": 10, "rival": "none"})
    sec = sections[-1]
    assert sec.key == "rival" and len(sec.lines) == 1 and not (tmp_path / "compare").exists()


def test_a_replayed_study_meets_its_rival_as_known_on_the_same_day():
    import datetime as dt

    from ilrs.scenario import load_scenario
    from ilrs.scenario.campaign_asof import scenario_as_known_on
    from ilrs.report.sections.rival import rival_scenario

    day = dt.date(2023, 10, 23)
    _, rival, _ = rival_scenario(scenario_as_known_on(load_scenario("ilrs-reference"), day), None)
    assert rival.campaign.as_known_on == day
    # Artemis IV's first dated claim in the catalogue is NASA's of 2024-01-09: not known in October 2023
    assert not {"artemis-4", "artemis-5"} & set(rival.campaign.manifest)
