"""``ilrs export``: JSON output by the convention, bad options one line with status 2 and nothing written."""

from __future__ import annotations

import json

import pytest


def test_export_geojson_json_lists_the_files_it_wrote(ilrs_cli, tmp_path):
    out = tmp_path / "exports"
    proc = ilrs_cli("export", "geojson", "contacts", "--start", "2026-01-01", "--end", "2026-01-01T12:00:00",
                    "--step", "5min", "--out", out, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["start_utc"] == "2026-01-01T00:00:00Z" and data["end_utc"] == "2026-01-01T12:00:00Z"
    assert data["step_s"] == 300.0 and data["span_days"] == pytest.approx(0.5)
    assert data["windows_count"] == sum(len(_csv_rows(out / n)) for n in ("contacts-relay-station.csv",
                                        "contacts-site-relay.csv", "contacts-site-station.csv"))
    names = sorted(p.split("/")[-1] for p in data["files"])
    assert names == ["contacts-relay-station.csv", "contacts-site-relay.csv", "contacts-site-station.csv",
                     "sites.geojson"]
    assert sorted(p.name for p in out.iterdir()) == names


@pytest.mark.parametrize("args, field", [
    (["oem", "--step", "2h"], "--step"),
    (["oem", "--step", "5 parsecs"], "--step"),
    (["nonsense"], "KINDS"),
    (["oem", "--start", "2027-01-05", "--end", "2027-01-01"], "--start/--end"),
    (["maps", "--dem", "no-such-dem.tif"], "--dem"),
    (["oem", "--step", "60"], "--step"),                      # a bare number: the unit is the point
    (["geojson", "--site", "atlantis"], "--site"),
    (["geojson", "--site", "south-pole", "--lat", "-89", "--lon", "0"], "--site"),
])
def test_bad_options_are_one_line_and_write_nothing(capsys, tmp_path, args, field):
    from ilrs.cli.main import main

    out = tmp_path / "never"
    with pytest.raises(SystemExit) as stop:
        main(["export", *args, "--out", str(out)])
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert len(err.strip().splitlines()) == 1 and field in err
    assert not out.exists()


def test_nothing_is_written_without_out(capsys, tmp_path, monkeypatch):
    from ilrs.cli.main import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main(["export", "geojson"])
    assert stop.value.code == 2 and "--out" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def _csv_rows(path):
    """The data rows of a contact CSV (comment lines start with '#', then a header line)."""
    import csv

    lines = [ln for ln in path.read_text().splitlines() if ln and not ln.startswith("#")]
    return list(csv.reader(lines))[1:]
