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
    assert data["period_start_utc"].endswith("Z") and data["step_s"] == 300.0
    assert data["period_days"] == pytest.approx(0.5)
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
