"""`ilrs campaign` and the campaign report section: JSON keys, seed determinism, plots, one-line errors."""

from __future__ import annotations

import json

import yaml

from ilrs.campaign import CampaignResult
from ilrs.report.products import RunProducts, compile_setup
from ilrs.report.section import RunContext
from ilrs.scenario import load_scenario


def test_campaign_json_nominal(ilrs_cli):
    r = ilrs_cli("campaign", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["seed"] is None
    m = {x["name"]: x for x in data["missions"]}
    assert {"name", "vehicle", "launch", "landing", "outcome"} <= set(data["missions"][0])
    # ilrs-facts.md: Chang'e-6 launched 2024-05-03 on CZ-5 and succeeded; Luna-25 crashed 2023-08-19
    assert (m["change-6"]["launch"], m["change-6"]["vehicle"], m["change-6"]["outcome"]) == ("2024-05-03", "CZ-5", "success")
    assert (m["luna-25"]["landing"], m["luna-25"]["outcome"]) == ("2023-08-19", "landing-failure")
    assert m["crewed-landing-1"]["vehicle"] == "CZ-10 x2"
    ms = data["milestones"]
    # Chang'e-8 around 2029 (CNSA 2025-04-24): groundbreaking moved from 2028 to 2029
    assert ms["groundbreaking"].startswith("2029") and ms["crewed-landing"] < "2030-01-01"
    # late against the published targets: the 2026 and 2028 verification flights, groundbreaking
    # 2028 (Chang'e-7 2027, Chang'e-8 2029) and completion 2036 (plant works until 2036)
    late = {k for k, ok in data["on_time"].items() if not ok}
    assert late == {"technology-verification-2026", "technology-verification-2028", "groundbreaking", "completion"}
    el = {e["name"]: e for e in data["elements"]}
    assert el["queqiao-2"]["operational"] == "2024-04-02"  # entered orbit 2024-04-02 (ilrs-facts.md)
    assert set(el["ilrs-isru-plant"]["depends_on"]) == {"ilrs-energy-solar", "ilrs-comms-station"}


def test_campaign_seed_is_reproducible_and_plots(ilrs_cli, tmp_path):
    a = ilrs_cli("campaign", "--seed", "11", "--format", "json", "--out", tmp_path / "o")
    b = ilrs_cli("campaign", "--seed", "11", "--format", "json")
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    da, db = json.loads(a.stdout), json.loads(b.stdout)
    assert da.pop("files") == [str(tmp_path / "o" / "campaign.png")] and db.pop("files") == []
    assert da == db and da["seed"] == 11
    assert (tmp_path / "o" / "campaign.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    t = ilrs_cli("campaign", "--plot", tmp_path / "g.svg")  # the deprecated spelling still works
    assert t.returncode == 0 and "<svg" in (tmp_path / "g.svg").read_text()[:500]
    assert "milestone" in t.stdout and "groundbreaking" in t.stdout


def test_campaign_plot_suffix_checked(ilrs_cli, tmp_path):
    """matplotlib writes no .bmp: one line naming --plot and the formats, exit 2, nothing written."""
    r = ilrs_cli("campaign", "--plot", tmp_path / "x.bmp")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "--plot" in lines[0] and ".bmp" in lines[0]
    assert ".png" in lines[0] and ".svg" in lines[0]
    assert list(tmp_path.iterdir()) == []
    p = ilrs_cli("campaign", "--plot", tmp_path / "g.pdf")
    assert p.returncode == 0 and (tmp_path / "g.pdf").read_bytes()[:5] == b"%PDF-"


def test_save_figure_refuses_an_unsupported_suffix(tmp_path):
    import matplotlib.pyplot as plt
    import pytest

    from ilrs.errors import InputError
    from ilrs.report.figures import save_figure

    fig = plt.figure()
    with pytest.raises(InputError) as info:
        save_figure(fig, tmp_path / "f.bmp", field="--out")
    assert info.value.field == "--out" and info.value.allowed == [".png", ".svg", ".pdf"]
    assert not plt.fignum_exists(fig.number) and list(tmp_path.iterdir()) == []


def test_campaign_bad_manifest_one_line(ilrs_cli, tmp_path):
    raw = {"name": "bad", "span": {"start": "2030-01-01", "end": "2031-01-01"}, "site": {"name": "connecting-ridge"},
           "campaign": {"missions": [{"id": "m", "kind": "lander", "launches": [{"vehicle": "CZ-5", "mass_kg": 9000}],
                                      "dates": [{"date": "2030"}]}]}}
    f = tmp_path / "bad.yaml"
    f.write_text(yaml.safe_dump(raw))
    r = ilrs_cli("campaign", "--scenario", f)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "campaign.missions[0].launches[0].mass_kg" in lines[0] and "9,000 kg" in lines[0]


def test_report_section_leaves_nominal_result(tmp_path):
    from ilrs.report.sections import campaign as section

    s = load_scenario("ilrs-reference")
    products = RunProducts(compile_setup(s))
    sec = section.build(products, RunContext(out_dir=tmp_path))
    assert isinstance(products.campaign, CampaignResult)
    assert sec.key == "campaign" and "data:image/png;base64," in sec.html
    # seeds/004: completion by 2036; the Russian power plant's works run until 2036 (Roscosmos
    # 2025-12-24): launched 2036-07-01, +5 days, +180 to deploy -> 2037-01-02
    assert sec.summary["milestones"]["completion"] == "2037-01-02"
    # 24 missions (Luna-30, Izvestia 2025-08-22, and the assumed Queqiao-2 successor added), the
    # two crewed ones on two CZ-10 each
    assert sec.summary["launches"] == 26
    # CZ-5: the 8,350 kg Chang'e-6 demonstrated (ilrs-facts.md) is checked, the stated ~8 t is shown beside it
    cz5 = sec.summary["capacity_checked"]["CZ-5"]
    assert (cz5["kg"], cz5["orbit"], cz5["claim"]) == (8350, "tli", "demonstrated")
    table = sec.html[sec.html.index("Launch vehicles: the capacity"):]
    row = table[table.index("<td>CZ-5</td>"):]
    row = row[:row.index("</tr>")]
    assert "8,350 kg to Earth-Moon transfer" in row and "demonstrated" in row and "8,000 kg (stated" in row
    # Angara-A5 (Luna-27): only a LEO figure is published, used as an upper bound
    assert sec.summary["capacity_checked"]["Angara-A5"]["orbit"] == "leo"
    json.dumps(sec.summary)
