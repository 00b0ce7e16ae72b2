"""End-to-end analysis invariants and the ``ilrs comms`` command."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ilrs.comms.analysis import DownlinkTimeline, analyze
from ilrs.comms.relays import resolve_ground_stations, resolve_relays


@pytest.fixture(scope="module")
def result():
    from ilrs.environment import HorizonMask, get_site, time_grid

    site = get_site("connecting-ridge", mast_height_m=2.0)
    t = time_grid("2027-01-01", days=3, step_s=300)
    return analyze(site, HorizonMask.sphere(2.0), resolve_relays(["queqiao-2", "queqiao-1"]),
                   resolve_ground_stations(["kashi", "jiamusi", "neuquen"]), t, propagation="j2")


def test_rates_respect_links_and_visibility(result):
    r = result
    assert np.all(r.rate_bps >= 0)
    for k, relay in enumerate(r.relays):
        through = r.relay_path_rate_bps[k] > 0
        assert np.all(r.site_relay_visible[k][through])                  # site sees the relay
        assert np.all(r.relay_station_visible[k].any(axis=0)[through])   # and a station sees it
        assert r.relay_path_rate_bps[k].max() <= min(relay.proximity.max_rate_bps, relay.trunk.max_rate_bps)
    best = np.maximum(r.relay_path_rate_bps.max(axis=0), r.dte_rate_bps)
    assert np.array_equal(r.rate_bps, best)
    s = r.summary()
    assert s["availability"] >= max(s["relay_availability"], s["dte_availability"]) - 1e-12
    # data volume per day is the integral of the rate
    assert s["data_volume_gbit_per_day"] == pytest.approx(s["mean_rate_mbps"] * 86400 / 1000, rel=1e-9)


def test_relay_station_links_never_cross_the_moon(result):
    from ilrs.comms.analysis import station_geometry
    from ilrs.comms.access import segment_clear_of_moon

    r = result
    pos, _ = station_geometry(list(r.stations), r.times_utc)
    for k in range(len(r.relays)):
        for j in range(len(r.stations)):
            ok = r.relay_station_visible[k, j]
            clear = segment_clear_of_moon(r.states.r_icrf_m[:, k], pos[j] + r.states.earth_icrf_m)
            assert np.all(clear[ok])
    # Queqiao-1 at L2 stays in view of the Earth: the Moon never hides it (that is why it is there)
    q1 = [k for k, x in enumerate(r.relays) if x.key == "queqiao-1"][0]
    assert np.all(segment_clear_of_moon(r.states.r_icrf_m[:, q1], r.states.earth_icrf_m))


def test_timeline_sample_and_hold(result):
    r = result
    tl = DownlinkTimeline(r.times_utc, r.rate_bps, r.relay_path_rate_bps.max(axis=0), r.dte_rate_bps, "j2")
    assert np.array_equal(tl.rate_bps(r.times_utc), r.rate_bps)
    mid = r.times_utc[:-1] + np.timedelta64(150, "s")
    assert np.array_equal(tl.rate_bps(mid), r.rate_bps[:-1])
    assert tl.rate_bps(r.times_utc[:1] - np.timedelta64(1, "h"))[0] == 0.0
    assert np.array_equal(r.rate_at(r.times_utc[5:9]), r.rate_bps[5:9])


def test_cli_json(ilrs_cli, tmp_path):
    p = ilrs_cli("comms", "--start", "2027-01-01", "--days", "1", "--step", "5min", "--propagation", "j2",
                 "--coverage-km", "80", "--format", "json", "-o", tmp_path)
    assert p.returncode == 0, p.stderr
    s = json.loads(p.stdout)
    for key in ("availability", "max_gap_hours", "mean_gap_hours", "windows", "data_volume_gbit_per_day", "per_relay"):
        assert key in s
    assert 0.0 <= s["availability"] <= 1.0 and "queqiao-2" in s["per_relay"]
    assert (tmp_path / "windows.png").stat().st_size > 1000 and (tmp_path / "coverage.png").stat().st_size > 1000
    assert s["coverage"]["points_count"] > 10


def test_cli_errors_are_one_line(ilrs_cli):
    p = ilrs_cli("comms", "--constellation", "queqiao-9", "--days", "1")
    assert p.returncode == 2
    err = p.stderr.strip().splitlines()
    assert len(err) == 1 and "queqiao-2" in err[0]
    p = ilrs_cli("comms", "--days", "-3")
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1


def test_cli_list(ilrs_cli):
    p = ilrs_cli("comms", "--list", "--format", "json")
    assert p.returncode == 0
    d = json.loads(p.stdout)
    q2 = [r for r in d["relays"] if r["key"] == "queqiao-2"][0]
    assert q2["period_hours"] == pytest.approx(24.0, abs=0.5)
    assert {g["key"] for g in d["ground_stations"]} >= {"kashi", "jiamusi", "neuquen"}


def test_relays_not_yet_in_service_are_left_out():
    from ilrs.environment import HorizonMask, get_site, time_grid

    site = get_site("connecting-ridge")
    t = time_grid("2027-01-01", days=1, step_s=600)
    r = analyze(site, HorizonMask.none(), resolve_relays(["moonlight"]), resolve_ground_stations(["kashi"]), t,
                propagation="j2")
    s = r.summary()
    assert s["relays"] == [] and s["relay_availability"] == 0.0 and len(s["notes"]) == 5
    assert s["availability"] == s["dte_availability"]


def test_scenario_with_custom_relay_and_station():
    import yaml

    from ilrs.comms import analyze_period, comms_setup, downlink_timeline
    from ilrs.data import data_path
    from ilrs.environment import site_setup
    from ilrs.environment import time_grid
    from ilrs.scenario import scenario_from_dict

    raw = yaml.safe_load(data_path("scenarios", "ilrs-reference.yaml").read_text())
    raw["relays"] = {
        "constellation": ["polar-relay"], "ground_stations": ["jiamusi"], "propagation": "j2",
        "custom": [{"name": "polar-relay", "epoch": "2026-01-01T00:00:00Z", "perilune_altitude_km": 500,
                    "apolune_altitude_km": 12000, "inclination_deg": 90.0, "arg_perilune_deg": 90.0,
                    "mean_anomaly_deg": 180.0}],
        "custom_ground_stations": [{"name": "my-station", "lat_deg": -31.0, "lon_deg": 116.0,
                                    "antenna_diameter_m": 12.0}],
    }
    sc = scenario_from_dict(raw)
    setup, site = comms_setup(sc.relays), site_setup(sc.site, sc.span.start, sc.span.end)
    r = analyze_period(setup, site, start=None, days=1.0, step_s=600.0)
    assert [x.key for x in r.relays] == ["polar-relay"]
    assert [g.key for g in r.stations] == ["jiamusi", "my-station"]
    assert r.summary()["per_relay"]["polar-relay"]["site_visibility"] > 0.3
    t = time_grid("2030-05-01", days=1, step_s=3600)
    tl = downlink_timeline(setup, site, t)
    assert tl.downlink_rate_bps.shape == (24,) and np.all(tl.downlink_rate_bps >= 0)


def test_numerical_states_cache_round_trip():
    from ilrs.comms.states import relay_states
    from ilrs.environment import time_grid

    rel = resolve_relays(["queqiao-2"])
    t = time_grid("2026-02-01", days=0.5, step_s=600)
    a = relay_states(rel, t, gravity_degree=2)             # computes and stores
    b = relay_states(rel, t, gravity_degree=2)             # reads
    c = relay_states(rel, t, gravity_degree=2, use_cache=False)
    assert np.array_equal(a.r_icrf_m, b.r_icrf_m) and np.array_equal(a.r_icrf_m, c.r_icrf_m)


def test_direct_to_earth_availability_near_published_figure():
    """Bryant 2009: 51 % direct-to-Earth availability at the best proposed south-pole base site
    (ilrs-facts.md). Connecting Ridge with its DEM horizon over 2027, hourly: same ballpark."""
    from ilrs.comms import comms_setup, downlink_timeline
    from ilrs.environment import site_setup, time_grid
    from ilrs.scenario import load_scenario

    s = load_scenario("ilrs-reference")
    tl = downlink_timeline(comms_setup(s.relays), site_setup(s.site, s.span.start, s.span.end),
                           time_grid("2027-01-01", "2028-01-01", step_s=3600))
    dte = float((tl.direct_to_earth_bps > 0).mean())
    assert 0.35 < dte < 0.65
    assert float((tl.downlink_rate_bps > 0).mean()) > dte  # the relay adds availability


def test_coverage_map_respects_in_service_dates(result):
    """A relay serves no point before its in-service date: with both relays entering service half
    way through, no grid point is covered for more than the second half."""
    from dataclasses import replace

    from ilrs.comms.analysis import coverage_map

    mid = result.times_utc[result.times_utc.size // 2]
    late = replace(result, relays=tuple(replace(r, in_service_from=mid) for r in result.relays))
    frac = float((result.times_utc >= mid).mean())
    _, cov = coverage_map(late, spacing_km=150.0, horizon="sphere")
    _, cov_all = coverage_map(result, spacing_km=150.0, horizon="sphere")
    assert cov["availability"].max() <= frac + 1e-9
    assert cov_all["availability"].max() > frac + 0.1            # the mask is what made the difference


def test_windows_carry_their_mean_rate(result):
    for w in result.windows_utc()[:20]:
        # volume = mean rate x duration (each rounded to 4 decimals)
        assert w["volume_gbit"] == pytest.approx(w["mean_rate_mbps"] * w["duration_hours"] * 3.6, rel=1e-3, abs=2e-3)


def test_cli_rejects_bad_coverage_spacing_and_names_before_work(ilrs_cli):
    p = ilrs_cli("comms", "--coverage-km", "-5", "--days", "1")
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1 and "0..200" in p.stderr
    p = ilrs_cli("comms", "--site", "no-such-site", "--days", "1")
    assert p.returncode == 2 and p.stderr.count("\n") <= 1 and p.stderr.strip()


def test_cli_orbit_reports_station_keeping(ilrs_cli, tmp_path):
    p = ilrs_cli("comms", "orbit", "queqiao-2", "--days", "8", "--degree", "2", "--step", "12h", "--format", "json",
                 "-o", tmp_path)
    assert p.returncode == 0, p.stderr
    s = json.loads(p.stdout)
    assert s["station_keeping"]["target_perilune_altitude_km"] == 200.0           # published perilune
    assert s["perilune_passes_km"]["count"] >= 7 and s["perilune_passes_km"]["min"] > 0
    assert "delta_v_m_s_per_year" in s and isinstance(s["manoeuvres"], list)
    p = ilrs_cli("comms", "orbit", "queqiao-2", "--days", "3", "--degree", "2", "--step-h", "12",
                 "--no-station-keeping", "--format", "json", "-o", tmp_path)
    assert p.returncode == 0 and json.loads(p.stdout)["station_keeping"] is None
    p = ilrs_cli("comms", "orbit", "queqiao-1", "--days", "3")
    assert p.returncode == 2 and "Keplerian" in p.stderr
