"""The report's text (issue 17, item 1): uniform dates, no Python reprs, folded sortable tables,
sources as public links (never the project's internal file names), a dashboard drawn from the dict
summary.json holds, and Plotly's script embedded once per page."""

from __future__ import annotations

import datetime as dt
import json
import re

from hypothesis import given
from hypothesis import strategies as st

from ilrs.report.dashboard import dashboard, dashboard_html
from ilrs.report.interactive import plot_div
from ilrs.report.markup import FOLD_ROWS, cell_text, html_table, link, source_html


def test_dates_read_one_way():
    assert cell_text(dt.date(2028, 7, 1)) == "2028-07-01"
    assert cell_text(dt.datetime(2028, 7, 1, 12, 5, 9)) == "2028-07-01 12:05"
    assert cell_text("2036-09-05T01:00:00Z") == "2036-09-05 01:00"
    assert cell_text("2036-09-05T01:00:00+00:00") == "2036-09-05 01:00"
    assert 'class="date"' in html_table([{"d": dt.date(2030, 1, 2)}])


@given(st.lists(st.text(alphabet="abc xyz.-/", min_size=1, max_size=8), min_size=1, max_size=5),
       st.dictionaries(st.sampled_from(["china", "russia"]), st.floats(0, 1e3, allow_nan=False), min_size=1))
def test_no_python_repr_in_a_cell(items, mapping):
    for value in (items, tuple(items), mapping):
        text = cell_text(value)
        assert not text.startswith(("[", "{", "(")) and "'" not in text
    assert cell_text({"china": 92.0, "russia": 31.0}) == "china: 92, russia: 31"


def test_long_tables_fold_and_every_table_sorts():
    short = html_table([{"a": i} for i in range(FOLD_ROWS)])
    long = html_table([{"a": i} for i in range(FOLD_ROWS + 1)], title="events")
    assert "<details" not in short and 'class="sortable"' in short
    assert long.startswith('<details class="fold"><summary>13 events')


def test_sources_are_links_or_titles_never_internal_files():
    html = source_html(["en.wikipedia.org/wiki/International_Lunar_Research_Station", "seeds/004_50ce7c0400876866.txt"])
    assert '<a href="https://en.wikipedia.org/wiki/International_Lunar_Research_Station"' in html
    assert "seeds/" not in html and "news article" in html
    assert "ilrs-facts" not in source_html("ilrs-facts.md Missions: launched 2023-08-11")
    assert link("SANSA statement", "sansa.org.za") == '<a href="https://sansa.org.za" rel="noreferrer">SANSA statement</a>'
    assert link("Reuters report", None) == "Reuters report"
    table = html_table([{"source": "tass.com/science/1794737"}])
    assert 'href="https://tass.com/science/1794737"' in table


def _results() -> dict:
    return {
        "consortium": {"members": 23, "states": 16, "organizations": 7, "as_of": "2026-01-01"},
        "environment": {"site": {"name": "ridge"}, "lit_fraction": 0.8955, "full_disk_fraction": 0.8,
                        "longest_darkness_hours": 113.0, "earth_visible_fraction": 0.54},
        "comms": {"availability": 0.903, "relay_availability": 0.8, "dte_availability": 0.5, "max_gap_hours": 3.4,
                  "span_days": 30.0},
        "campaign": {"milestones": {"g": "2029-07-31"}, "targets": {"g": "2028-12-31"}},
        "risk": {"runs": 1000, "milestones": {"g": {"name": "Groundbreaking", "target_date": "2028-12-31",
                                                    "probability_on_time": 0.25, "ci_low": 0.2, "ci_high": 0.3,
                                                    "p50_date": "2030-02-10"}}},
        "operations": {"hours_survival_failure": 14.0, "longest_survival_failure_h": 14.0, "energy_not_served_kwh": 1.0,
                       "min_soc": 0.2, "first_survival_failure_utc": None,
                       "data_returned_gbit_by_partner": {"china": 486356.0, "russia": 72526.0}},
    }


def test_dashboard_shows_what_its_dict_holds():
    board = json.loads(json.dumps(dashboard(_results())))
    html = dashboard_html(board)
    assert board["site_light"]["lit_fraction"] == 0.8955 and board["milestones"][0]["probability_on_time"] == 0.25
    assert "89.5 %" in html and "25.0 %" in html and "486.4 Tbit" in html and "2028-12-31" in html
    for key, value in re.findall(r'data-key="([^"]+)" data-value="([^"]+)"', html.replace("&quot;", '"')):
        tree = board
        for part in key.split("."):
            tree = tree[int(part)] if isinstance(tree, list) else tree[part]
        assert json.loads(value) == tree
    assert "range: not computed" in html  # the slot waits for the terrain range
    assert "first 30 days" in html and board["comms"]["span_days"] == 30.0


def test_dashboard_reads_a_figure_under_its_former_name():
    results = _results()
    results["comms"]["days"] = results["comms"].pop("span_days")  # the name before the JSON convention
    assert dashboard(results)["comms"]["span_days"] == 30.0


def test_dashboard_shows_the_sites_light_range_when_the_study_has_one():
    results = _results()
    results["environment"]["lit_fraction_range"] = [0.71, 0.93]
    board = dashboard(results)
    assert board["site_light"]["range"] == {"lit_fraction_range": [0.71, 0.93]}
    assert "lit fraction range: 71.0 % – 93.0 %" in dashboard_html(board)


def test_dashboard_reads_the_terrain_range_of_the_environment_results():
    results = _results()
    results["environment"]["horizon_range"] = None  # the DEM decides: no range
    assert dashboard(results)["site_light"]["range"] is None
    results["environment"]["horizon_range"] = {
        "statistics": {"lit_fraction": {"central": 0.8955, "optimistic": 0.93, "pessimistic": 0.71, "low": 0.71, "high": 0.93},
                    "longest_darkness_hours": {"central": 113.0, "optimistic": 90.0, "pessimistic": 160.0,
                                               "low": 90.0, "high": 160.0},
                    "mean_irradiance_w_m2": {"central": 1, "optimistic": 1, "pessimistic": 1, "low": 1, "high": 1}},
        "unresolved_m": 450.0}
    board = dashboard(results)
    assert board["site_light"]["range"] == {"lit_fraction": [0.71, 0.93], "longest_darkness_hours": [90.0, 160.0],
                                            "unresolved_m": 450.0}
    text = dashboard_html(board)
    assert "lit fraction: 71.0 % – 93.0 %" in text and "longest darkness hours: 90 h – 160 h" in text
    assert "450 m" in text


def test_plot_json_cannot_end_its_script():
    div = plot_div("x", [{"type": "scatter", "name": "</script><b>", "x": [1], "y": [2]}], {})
    assert div.count("</script>") == 1 and "\\u003c/script>" in div
