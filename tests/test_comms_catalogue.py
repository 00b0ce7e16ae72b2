"""Relay and ground-station catalogues, the scenario section, and link budgets (closed form)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ilrs.comms.links import LinkBudget, dish_gain_dbi, free_space_loss_db
from ilrs.comms.relays import builtin_ground_stations, builtin_relays, resolve_relays
from ilrs.errors import NotFoundError
from ilrs.scenario import ReferenceProblem
from ilrs.scenario.comms import RelaysSection


def test_queqiao2_published_orbit():
    q = builtin_relays()["queqiao-2"]
    d = q.as_dict()
    assert d["perilune_altitude_km"] == 200.0 and d["apolune_altitude_km"] == 16000.0  # ilrs-facts
    assert d["inclination_deg"] == 62.4
    assert d["period_hours"] == pytest.approx(24.0, abs=0.5)
    assert q.antenna_diameter_m == 4.2
    assert str(q.in_service_from)[:10] == "2024-04-02"


def test_queqiao2_published_orbit_is_on_the_kozai_frozen_family():
    """e^2 = 1 - (5/3) cos^2 i for a frozen orbit with omega = 90 deg under the Earth's
    quadrupole pull (Kozai 1962): the published 200 x 16,000 km, 62.4 deg orbit satisfies it."""
    el = builtin_relays()["queqiao-2"].elements
    e_frozen = np.sqrt(1 - 5 / 3 * np.cos(np.radians(62.4)) ** 2)
    assert float(el.eccentricity) == pytest.approx(e_frozen, abs=0.005)
    assert np.degrees(el.arg_periapsis_rad) == 90.0


def test_constellations_expand_and_unknown_names_fail():
    names = [r.key for r in resolve_relays(["moonlight", "queqiao-2"])]
    assert names[:5] == ["moonlight-com"] + [f"moonlight-nav-{k}" for k in range(1, 5)]
    moon = builtin_relays()
    assert moon["moonlight-com"].elements.period_s() / 3600 == pytest.approx(12.0, abs=0.1)  # ESA: 12 h
    assert moon["moonlight-nav-1"].elements.period_s() / 3600 == pytest.approx(24.0, abs=0.1)  # ESA: 24 h
    with pytest.raises(NotFoundError) as exc:
        resolve_relays(["queqiao-9"])
    assert "queqiao-2" in str(exc.value)


def test_ground_stations_sourced():
    gs = builtin_ground_stations()
    assert set(gs) >= {"kashi", "jiamusi", "neuquen"}
    assert gs["neuquen"].lat_deg < -30 and gs["jiamusi"].antenna_diameter_m == 66.0
    assert all(g.sources for g in gs.values())


def test_scenario_section_references():
    RelaysSection(constellation=["queqiao-2", "moonlight"]).check_references(None)
    with pytest.raises(ReferenceProblem) as exc:
        RelaysSection(constellation=["queqiao-9"]).check_references(None)
    assert exc.value.field == "constellation[0]" and "queqiao-2" in exc.value.allowed
    with pytest.raises(ReferenceProblem):
        RelaysSection(ground_stations=["nowhere-station"]).check_references(None)  # (goldstone is now a built-in DSN station)
    custom = RelaysSection.model_validate({"constellation": ["mine"], "custom": [{
        "name": "mine", "epoch": "2030-01-01T00:00:00Z", "semi_major_axis_km": 5000, "eccentricity": 0.5,
        "inclination_deg": 60}]})
    custom.check_references(None)
    r = resolve_relays(custom.constellation, custom.custom)
    assert r[0].elements.semi_major_axis_m == 5.0e6


def test_free_space_loss_textbook_constant():
    # L = 92.45 + 20 log10(d/km) + 20 log10(f/GHz) dB (e.g. Sklar 2001, eq. 5.12 in these units)
    assert free_space_loss_db(1e3, 1e9) == pytest.approx(92.45, abs=0.01)
    assert free_space_loss_db(384_400e3, 8.4e9) == pytest.approx(92.45 + 20 * np.log10(384_400) + 20 * np.log10(8.4),
                                                                  abs=0.01)


def test_dish_gain_closed_form():
    # 70 m DSN dish at 8.42 GHz, efficiency ~0.75 -> ~74 dBi (DSN 810-005, 101 70-m subnet: 74.2 dBi)
    assert dish_gain_dbi(70.0, 8.42e9, efficiency=0.75) == pytest.approx(74.2, abs=0.5)


@settings(max_examples=40, deadline=None)
@given(d=st.floats(1e6, 5e8), k=st.floats(1.1, 10.0))
def test_rate_falls_as_inverse_square_of_distance(d, k):
    link = LinkBudget("Ka", 20.0, 4.2, 35.0, 100.0, max_rate_bps=1e15)
    r1, r2 = link.budget_rate_bps(d), link.budget_rate_bps(d * k)
    assert r1 / r2 == pytest.approx(k * k, rel=1e-9)
    capped = LinkBudget("Ka", 20.0, 4.2, 35.0, 100.0, max_rate_bps=1e6)
    assert capped.rate_bps(d) <= 1e6


def test_link_budget_by_hand():
    # X band, 20 W, 0.6 m -> 35 m, 40 K, Earth-Moon distance; written out independently
    f, c, k = 8.475e9, 299_792_458.0, 1.380649e-23
    d = 384_400e3
    g = lambda D: 0.55 * (np.pi * D * f / c) ** 2  # noqa: E731
    cn0 = 20 * g(0.6) * g(35.0) / ((4 * np.pi * d * f / c) ** 2 * k * 40.0) / 10 ** 0.3
    rate = cn0 / 10 ** 0.55
    link = LinkBudget("X", 20.0, 0.6, 35.0, 40.0, max_rate_bps=1e12)
    assert link.budget_rate_bps(d) == pytest.approx(rate, rel=1e-9)


def test_rate_capped_by_band_allocation():
    # a huge budget in X band cannot exceed the 50 MHz allocation at 1 bit/s/Hz
    link = LinkBudget("X", 1000.0, 10.0, 70.0, 20.0, max_rate_bps=1e12)
    assert link.budget_rate_bps(1e7) > 1e9
    assert link.rate_bps(1e7) == pytest.approx(50e6)


def test_scenario_file_errors_name_the_field():
    import yaml

    from ilrs.data import data_path
    from ilrs.errors import ScenarioError
    from ilrs.scenario import scenario_from_dict

    raw = yaml.safe_load(data_path("scenarios", "ilrs-reference.yaml").read_text())
    raw["relays"]["constellation"] = ["queqiao-9"]
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict(raw, file="x.yaml")
    assert "relays.constellation[0]" in str(exc.value) and "queqiao-2" in str(exc.value)
    raw["relays"]["constellation"] = ["queqiao-2"]
    raw["relays"]["custom"] = [{"name": "bad", "epoch": "2030-01-01T00:00:00Z", "inclination_deg": 60,
                                "semi_major_axis_km": 1800, "eccentricity": 0.5}]
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict(raw, file="x.yaml")
    assert "relays.custom[0]" in str(exc.value) and "inside the Moon" in str(exc.value)


def test_comms_imports_no_higher_layer():
    import subprocess
    import sys

    code = ("import sys, ilrs.comms, ilrs.comms.plots, ilrs.comms.history, ilrs.comms._cache; "
            "bad = [m for m in sys.modules if m.split('.')[:2] in (['ilrs', 'report'], ['ilrs', 'cli'], "
            "['ilrs', 'operations'], ['ilrs', 'campaign'], ['ilrs', 'risk'])]; print(bad); sys.exit(1 if bad else 0)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


def test_link_budget_report_carries_every_term():
    """The reported terms add up (dB): C/N0 = P + G_tx - L_fs - L_misc + G_rx - 10 log T + 228.6, and
    10 log R_budget = C/N0 - Eb/N0_required - margin (Sklar 2001, sec. 5.3-5.5)."""
    link = LinkBudget("Ka", 20.0, 4.2, 66.0, 100.0, max_rate_bps=100e6)
    d = link.as_dict(390_000e3)
    assert d["tx_power_w"] == 20.0 and d["noise_temperature_k"] == 100.0
    assert d["required_ebn0_db"] == 2.5 and d["margin_db"] == 3.0 and d["modem_limit_mbps"] == 100.0
    cn0 = (d["tx_power_dbw"] + d["tx_gain_dbi"] - d["fspl_db"] - d["misc_losses_db"] + d["rx_gain_dbi"]
           - 10 * np.log10(d["noise_temperature_k"]) + 228.5991)
    assert d["cn0_dbhz"] == pytest.approx(cn0, abs=1e-3)
    assert 10 * np.log10(d["budget_rate_mbps"] * 1e6) == pytest.approx(cn0 - 2.5 - 3.0, abs=1e-3)
    assert d["rate_mbps"] == pytest.approx(min(d["budget_rate_mbps"], 100.0, d["spectrum_limit_mbps"]))


def test_custom_relay_frame_is_explicit_and_checked():
    import yaml

    from ilrs.data import data_path
    from ilrs.errors import ScenarioError
    from ilrs.scenario import scenario_from_dict

    raw = yaml.safe_load(data_path("scenarios", "ilrs-reference.yaml").read_text())
    spec = {"name": "mine", "epoch": "2030-01-01T00:00:00Z", "semi_major_axis_km": 5000, "eccentricity": 0.5,
            "inclination_deg": 60, "frame": "lunar-equator"}
    raw["relays"]["custom"] = [spec]
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict(raw, file="x.yaml")
    msg = str(exc.value)
    assert "relays.custom[0].frame" in msg and "earth-moon-plane" in msg and "moon-me" in msg and "icrf" in msg
    spec.pop("frame")
    sc = scenario_from_dict(raw, file="x.yaml")
    assert sc.relays.custom[0].frame == "earth-moon-plane"          # the default, as documented
    assert resolve_relays(["mine"], sc.relays.custom)[0].frame == "earth-moon-plane"


def test_custom_relay_by_state_vector():
    """A state vector (km, km/s) in the ICRF frame is the relay's position at the analysis start;
    in the ME frame, the same vector rotated by the lunar orientation at that instant."""
    from ilrs.comms.states import relay_states
    from ilrs.environment import moon_me_to_icrf, time_grid
    from ilrs.scenario.comms import RelayOrbitSpec

    pos, vel = (1200.0, -3000.0, -7000.0), (0.55, 0.35, -0.12)
    t = time_grid("2029-07-01", days=0.25, step_s=900)
    for frame in ("icrf", "moon-me"):
        spec = RelayOrbitSpec.model_validate({"name": "sv", "epoch": "2029-01-01T00:00:00Z", "frame": frame,
                                              "state": {"position_km": pos, "velocity_km_s": vel}})
        relay = resolve_relays([], [spec])[0]
        st_ = relay_states([relay], t, propagation="j2", use_cache=False)
        R = np.eye(3) if frame == "icrf" else moon_me_to_icrf(t[:1])[0]
        assert np.allclose(st_.r_icrf_m[0, 0], R @ (np.array(pos) * 1e3), atol=1e-3)
        assert np.allclose(st_.v_icrf_m_s[0, 0], R @ (np.array(vel) * 1e3), atol=1e-6)
    with pytest.raises(ValueError, match="inside the Moon|not a bound"):
        RelayOrbitSpec.model_validate({"name": "sv", "epoch": "2029-01-01T00:00:00Z",
                                       "state": {"position_km": pos, "velocity_km_s": (3.0, 0.0, 0.0)}})
    with pytest.raises(ValueError, match="not both"):
        RelayOrbitSpec.model_validate({"name": "sv", "epoch": "2029-01-01T00:00:00Z", "inclination_deg": 10,
                                       "state": {"position_km": pos, "velocity_km_s": vel}})
