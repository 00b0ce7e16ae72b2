"""Scenario files: strict validation with one-line errors that name file, field path and allowed values."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from ilrs.errors import NotFoundError, ScenarioError
from ilrs.scenario import builtin_scenarios, load_scenario, scenario_from_dict

MINIMAL = {"name": "t", "span": {"start": "2028-01-01", "end": "2028-02-01"},
           "site": {"lat_deg": -89.45, "lon_deg": 222.7}}


def write(tmp_path, data, name="s.yaml"):
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return p


def test_reference_scenario_loads_by_name_and_path():
    s = load_scenario("ilrs-reference")
    assert s.name == "ilrs-reference"
    assert load_scenario(builtin_scenarios()["ilrs-reference"]) == s


def test_scenario_is_immutable():
    s = scenario_from_dict(MINIMAL)
    with pytest.raises(Exception):
        s.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize("patch, field, fragment", [
    ({"nmae": "x"}, "nmae", "unknown key"),
    ({"span": {"start": "2028-02-01", "end": "2028-01-01"}}, "span", "must be after"),
    ({"site": {"lat_deg": -95.0, "lon_deg": 0.0}}, "site.lat_deg", "-90"),
    ({"site": {"lat_deg": -89.0, "lon_deg": 0.0, "mast_height_m": -3}}, "site.mast_height_m", "greater than or equal"),
    ({"seed": "abc"}, "seed", "integer"),
    ({"name": "Has Spaces"}, "name", "pattern"),
])
def test_bad_values_name_the_field(tmp_path, patch, field, fragment):
    p = write(tmp_path, {**MINIMAL, **patch})
    with pytest.raises(ScenarioError) as err:
        load_scenario(p)
    text = str(err.value)
    assert "\n" not in text
    assert text.startswith(f"{p}: {field}:"), text
    assert fragment in text


def test_yaml_objects_are_not_constructed(tmp_path):
    p = write(tmp_path, "name: !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenario(p)


def test_oversized_file_is_refused(tmp_path):
    p = write(tmp_path, "# " + "x" * 3_000_000 + "\n")
    with pytest.raises(ScenarioError, match="more than"):
        load_scenario(p)


def test_missing_file_and_unknown_name():
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario("no/such/file.yaml")
    with pytest.raises(NotFoundError, match="allowed: .*ilrs-reference"):
        load_scenario("no-such-scenario")


def test_span_days():
    s = scenario_from_dict(MINIMAL)
    assert s.span.days == 31 and s.span.start == dt.date(2028, 1, 1)


@pytest.mark.parametrize("text, fragment", [
    # 2027 is not a leap year: February has 28 days (Gregorian calendar rule)
    ("name: x\nspan: {start: 2027-02-30, end: 2028-01-01}\nsite: {name: connecting-ridge}\n",
     "line 2: not valid YAML: '2027-02-30' is not a valid date"),
    ("name: x\nspan: {start: 2027-01-01, end: 2027-13-40}\nsite: {name: connecting-ridge}\n",
     "line 2: not valid YAML: '2027-13-40' is not a valid date"),
    ("name: x\nseed: 1\nspan: {start: 2027-01-01, end: 2028-01-01}\nseed: 2\nsite: {name: connecting-ridge}\n",
     "line 4: not valid YAML: duplicate key 'seed' (first at line 2)"),
    ("name: x\ndescription: " + "[" * 5000 + "]" * 5000 + "\n", "line 2: not valid YAML: nested more than"),
    ("name: x\ndescription: " + "{a: " * 300 + "1" + "}" * 300 + "\n", "not valid YAML: nested more than"),
])
def test_malformed_yaml_is_one_line_with_its_line(tmp_path, text, fragment):
    p = write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(p)
    msg = str(err.value)
    assert msg.startswith(f"{p}: ") and fragment in msg and "\n" not in msg, msg


def test_yaml_merge_keys_are_not_duplicates(tmp_path):
    """A '<<' merge followed by an explicit key is an override, not a duplicate (YAML merge key spec)."""
    from ilrs.data import read_yaml_file

    p = write(tmp_path, "base: &b {x: 1, y: 3}\nother:\n  <<: *b\n  x: 2\n")
    assert read_yaml_file(p) == {"base": {"x": 1, "y": 3}, "other": {"x": 2, "y": 3}}


def test_impossible_date_in_the_cli_is_exit_2(ilrs_cli, tmp_path):
    p = write(tmp_path, "name: x\nspan: {start: 2027-02-30, end: 2028-01-01}\nsite: {name: connecting-ridge}\n")
    r = ilrs_cli("scenario", "validate", p)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == f"error: {p}: line 2: not valid YAML: '2027-02-30' is not a valid date " \
                               "(day is out of range for month)"


@pytest.mark.parametrize("patch, field, fragment", [
    ({"seed": True}, "seed", "valid integer"),           # YAML `seed: true`
    ({"seed": "12"}, "seed", "valid integer"),           # YAML `seed: "12"`
    ({"seed": 12.5}, "seed", "valid integer"),
    ({"site": {"lat_deg": "-89.45", "lon_deg": 222.7}}, "site.lat_deg", "valid number"),
    ({"site": {"lat_deg": -89.45, "lon_deg": 222.7, "mast_height_m": True}}, "site.mast_height_m", "valid number"),
    ({"relays": {"third_bodies": 1}}, "relays.third_bodies", "valid boolean"),
    ({"relays": {"third_bodies": "yes"}}, "relays.third_bodies", "valid boolean"),
])
def test_wrong_types_are_refused_not_coerced(tmp_path, patch, field, fragment):
    p = write(tmp_path, {**MINIMAL, **patch})
    with pytest.raises(ScenarioError) as err:
        load_scenario(p)
    assert str(err.value).startswith(f"{p}: {field}: Input should be a {fragment}"), str(err.value)


def test_lax_where_a_yaml_file_needs_it(tmp_path):
    """Quoted ISO dates, an int where a float is expected, and 2.0e6 (a number in YAML 1.2, 10.3.2)."""
    p = write(tmp_path, 'name: t\nspan: {start: "2028-01-01", end: 2028-02-01}\n'
                        'site: {lat_deg: -89, lon_deg: 222.7, mast_height_m: 2}\n'
                        'relays: {site_terminal: {dte_max_rate_bps: 2.0e6}}\n')
    s = load_scenario(p)
    assert s.span.start == dt.date(2028, 1, 1) and s.span.days == 31
    assert s.site.lat_deg == -89.0 and isinstance(s.site.mast_height_m, float)
    assert s.relays.site_terminal.dte_max_rate_bps == 2_000_000.0


def test_reference_scenario_survives_a_json_round_trip():
    """Every date comes back as an ISO string from JSON; strict validation must still take them."""
    s = load_scenario("ilrs-reference")
    assert scenario_from_dict(s.model_dump(mode="json")) == s


def test_template_validates(tmp_path):
    from ilrs.data import data_path

    p = tmp_path / "t.yaml"
    p.write_text(data_path("scenario-template.yaml").read_text())
    assert load_scenario(p).seed >= 0
