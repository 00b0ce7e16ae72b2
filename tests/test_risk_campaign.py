"""Risk over the campaign engine: closed-form probabilities on small scenarios, determinism on
every executor, replay, and the ``ilrs risk`` command.

Closed forms: independent launches (0.9³ = 0.729); a failure probability p ~ Beta(a, b) shared
by three launches of one vehicle, P(all succeed) = E[(1 − p)³] = b(b+1)(b+2) / ((a+b)(a+b+1)(a+b+2));
a lognormal slip, P(slip < x) = Φ(ln(x / median) / σ).
"""

from __future__ import annotations

import json
import math

import pytest
import yaml
from scipy import stats

from ilrs.risk import ProcessExecutor, wilson_interval
from ilrs.scenario import load_scenario, scenario_from_dict
from .study import replay, run_risk  # noqa: E402
pytest.importorskip("ilrs.campaign.engine")


def small_scenario(p_launch=None, p_landing=None, kind="orbiter", slip=None, launch_dist=None, n=3,
                   target="2031-12-31", runs=500) -> dict:
    missions = [{"id": f"m{k}", "kind": kind, "launches": [{"vehicle": "V"}],
                 "dates": [{"date": f"2030-0{k + 1}-01"}], "transfer_days": 5.0} for k in range(n)]
    unc: dict = {"runs": runs}
    if p_launch is not None:
        unc["launch_failure"] = {"V": {"dist": "fixed", "value": p_launch}}
    if launch_dist is not None:
        unc["launch_failure"] = {"V": launch_dist}
    if p_landing is not None:
        unc["landing_failure"] = {"default": {"dist": "fixed", "value": p_landing}}
    if slip is not None:
        unc["schedule_slip_days"] = {"default": slip}
    return {
        "name": "three-launches", "seed": 12345,
        "span": {"start": "2029-01-01", "end": "2033-01-01"},
        "site": {"name": "connecting-ridge", "horizon": "sphere"},
        "campaign": {
            "catalogue": False,
            "vehicles": [{"id": "V", "family": "V"}],
            "missions": missions,
            "reflight": {"enabled": False},
            "milestones": [{"id": "all-three", "target": target,
                            "condition": {"missions_succeeded": [m["id"] for m in missions]}}],
        },
        "uncertainties": unc,
    }


def _p(result, name="all-three"):
    return result.summary["milestones"][name]


def test_three_independent_launches_at_0_9():
    s = scenario_from_dict(small_scenario(p_launch=0.1))
    r = run_risk(s, runs=3000)
    m = _p(r)
    assert m["ci_low"] <= 0.9 ** 3 <= m["ci_high"]
    assert (m["ci_low"], m["ci_high"]) == wilson_interval(m["on_time_runs"], 3000)


def test_launches_and_landings():
    s = scenario_from_dict(small_scenario(p_launch=0.1, p_landing=0.2, kind="lander"))
    m = _p(run_risk(s, runs=3000))
    assert m["ci_low"] <= (0.9 * 0.8) ** 3 <= m["ci_high"]


def test_beta_uncertain_failure_probability_is_shared_by_the_runs_launches():
    a, b = 2.0, 8.0
    s = scenario_from_dict(small_scenario(launch_dist={"dist": "beta", "alpha": a, "beta": b}))
    m = _p(run_risk(s, runs=4000))
    exact = b * (b + 1) * (b + 2) / ((a + b) * (a + b + 1) * (a + b + 2))  # 0.5454…
    assert m["ci_low"] <= exact <= m["ci_high"]
    assert not m["ci_low"] <= (b / (a + b)) ** 3 <= m["ci_high"]  # not the independent-mean answer 0.512


def test_lognormal_slip_probability_on_time():
    # one mission planned 2030-01-01, 5 days of transfer, target 100 days after the nominal arrival
    d = small_scenario(p_launch=0.0, n=1, target="2030-04-16",
                       slip={"dist": "lognormal", "median": 100.0, "sigma": 0.5})
    s = scenario_from_dict(d)
    r = run_risk(s, runs=3000)
    m = _p(r)
    # on time iff floor(planned + slip + 5) <= target  <=>  slip < 101 days
    exact = stats.norm.cdf(math.log(101 / 100) / 0.5)
    assert m["ci_low"] <= exact <= m["ci_high"]
    assert m["p50_date"].isoformat() in ("2030-04-15", "2030-04-16")  # 2030-01-06 + ~100 days
    assert r.summary["sensitivity"]["all-three"][0]["input"] == "schedule_slip_days.m0"
    assert r.summary["sensitivity"]["all-three"][0]["spearman_rho"] > 0.99


def test_reference_study_same_bytes_serial_processes_and_replay(tmp_path):
    s = load_scenario("ilrs-reference")
    serial = run_risk(s, runs=240, chunk_runs=40)
    procs = run_risk(s, runs=240, chunk_runs=64, executor=ProcessExecutor(2), out=tmp_path / "r")
    assert serial.table.equals(procs.table)
    rows = serial.table.to_pylist()
    for i in (0, 17, 239):
        assert replay(s, i) == rows[i]
    assert serial.summary["runs"] == 240 and serial.summary["milestones"]


def test_dask_bit_for_bit_on_the_campaign():
    distributed = pytest.importorskip("distributed")
    from ilrs.risk import DaskExecutor

    s = scenario_from_dict(small_scenario(launch_dist={"dist": "beta", "alpha": 2, "beta": 8}, p_landing=0.1,
                                          kind="lander", slip={"dist": "lognormal", "median": 30, "sigma": 1}))
    ref = run_risk(s, runs=400, chunk_runs=50)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        res = run_risk(s, runs=400, chunk_runs=50, executor=DaskExecutor(client=client))
    assert ref.table.equals(res.table)


# --- CLI -------------------------------------------------------------------------------------------

def _cli(args):
    from typer.testing import CliRunner

    from ilrs.cli.main import _register, app

    _register()
    return CliRunner().invoke(app, args)


def test_cli_json_resume_and_replay(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(small_scenario(p_launch=0.1, p_landing=0.2, kind="lander")))
    out = tmp_path / "risk"
    r = _cli(["risk", "-s", str(path), "-n", "400", "--workers", "0", "--out", str(out), "--format", "json", "-q"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["runs"] == 400
    m = data["milestones"]["all-three"]
    assert set(m) >= {"probability_on_time", "ci_low", "ci_high", "p50_date", "p90_date"}
    assert m["ci_low"] <= m["probability_on_time"] <= m["ci_high"]
    assert (out / "manifest.json").exists() and (out / "milestone-dates.png").exists()
    again = json.loads(_cli(["risk", "-s", str(path), "-n", "400", "--workers", "0", "--out", str(out), "--resume",
                             "--format", "json", "-q"]).output)
    assert again["runs_resumed"] == 400 and again["runs_this_session"] == 0
    assert again["milestones"] == data["milestones"]
    rep = _cli(["risk", "-s", str(path), "--replay", "7", "--format", "json"])
    assert rep.exit_code == 0, rep.output
    row = json.loads(rep.output)
    assert row["run"] == 7 and row["inputs"]["landing_failure.m0"] == 0.2  # fixed values are inputs too
    from ilrs.risk import read_results_folder

    stored = read_results_folder(out).to_pylist()[7]
    assert row["inputs"]["launch_failure.V"] == stored["input.launch_failure.V"]
    assert row["other"]["launch_failures"] == stored["launch_failures"]
    assert row["other"]["launch_failures"] == sum(m["outcome"] == "launch-failure" for m in row["missions"])
    assert row["other"]["landing_failures"] == sum(m["outcome"] == "landing-failure" for m in row["missions"])
    bad = _cli(["risk", "-s", str(path), "-n", "10", "--replay", "10"])
    assert bad.exit_code != 0


def test_cli_bad_scheduler_or_results_folder_is_one_line_exit_2(ilrs_cli, tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    for args, fragment in [(("--scheduler", "notanaddress"), "--scheduler: 'notanaddress' is not a Dask scheduler"),
                           (("--out", afile), f"--out: cannot make the results folder {afile}"),
                           (("--out", afile / "sub"), "--out:")]:
        r = ilrs_cli("risk", "-n", "10", "-q", *args)
        lines = r.stderr.strip().splitlines()
        assert r.returncode == 2 and len(lines) == 1 and fragment in lines[0], r.stderr
    assert afile.read_text() == "keep me"


def test_resume_identity_is_the_whole_scenario(tmp_path):
    from ilrs.errors import InputError

    d = small_scenario(p_launch=0.1)
    out = tmp_path / "r"
    first = run_risk(scenario_from_dict(d), runs=200, out=out)
    same = run_risk(scenario_from_dict(d), runs=200, out=out, resume=True, chunk_runs=7)  # stored chunk size wins
    assert same.study.runs_resumed == 200 and same.table.equals(first.table)
    d["description"] = "the same runs, another description"  # no run reads it; still another study
    with pytest.raises(InputError, match="scenario_hash"):
        run_risk(scenario_from_dict(d), runs=200, out=out, resume=True)


def test_report_section(tmp_path):
    from ilrs.report.products import RunProducts, compile_setup
    from ilrs.report.section import RunContext
    from ilrs.report.sections import risk as risk_section

    s = scenario_from_dict(small_scenario(p_launch=0.1, runs=300))
    sec = risk_section.build(RunProducts(compile_setup(s)), RunContext(out_dir=tmp_path))
    m = sec.summary["milestones"]["all-three"]
    assert sec.summary["runs"] == 300 and m["ci_low"] <= m["probability_on_time"] <= m["ci_high"]
    assert (tmp_path / "tables" / "risk-runs.parquet").exists()
    assert "data:image/png;base64," in sec.html and sec.lines[0].startswith("300 runs")


@pytest.mark.parametrize("workers", ["0", pytest.param("2", marks=pytest.mark.slow)])
def test_cli_ctrl_c_then_resume_equals_uninterrupted(tmp_path, workers):
    import os
    import signal
    import subprocess
    import sys
    import time

    from ilrs.risk.study import auto_chunk_runs

    out = tmp_path / "risk"
    n = 3000
    cmd = [sys.executable, "-m", "ilrs.cli.main", "risk", "-n", str(n), "--workers", workers, "--out", str(out), "-q"]
    # SIGINT back to its default in the child: a parent that ignores it (`trap "" INT`, nohup, some
    # CI runners) would hand the ignore down, and Python only turns SIGINT into KeyboardInterrupt
    # when it starts with the default action
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if json.loads((out / "manifest.json").read_text())["done_runs"] >= 300:
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.02)
    assert proc.poll() is None, "finished before it could be interrupted"
    os.kill(proc.pid, signal.SIGINT)  # Ctrl-C
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "--resume" in err and "Traceback" not in err
    partial = json.loads((out / "manifest.json").read_text())
    assert 300 <= partial["done_runs"] < n
    assert f"interrupted after {partial['done_runs']} of {n} runs" in err  # what is saved, not less
    s = load_scenario("ilrs-reference")
    chunk = partial["chunk_runs"]
    assert chunk == auto_chunk_runs(n, s.uncertainties.chunk_runs)
    resumed = run_risk(s, runs=n, out=out, resume=True, chunk_runs=chunk)
    assert resumed.study.runs_resumed == partial["done_runs"]
    fresh = run_risk(s, runs=n, chunk_runs=1000)
    assert resumed.table.equals(fresh.table)


def test_cli_interrupt_reports_the_runs_its_manifest_saved(tmp_path, monkeypatch):
    from ilrs.risk.store import ResultStore

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(small_scenario(p_launch=0.1)))
    write_chunk = ResultStore.write_chunk

    def write_then_interrupt(self, start, stop, table):  # Ctrl-C right after the 3rd chunk is saved
        written = write_chunk(self, start, stop, table)
        if self.done_runs >= 150:
            raise KeyboardInterrupt
        return written

    monkeypatch.setattr(ResultStore, "write_chunk", write_then_interrupt)
    out = tmp_path / "risk"
    r = _cli(["risk", "-s", str(path), "-n", "400", "--workers", "0", "--chunk-runs", "50", "--out", str(out), "-q"])
    assert r.exit_code == 130
    assert json.loads((out / "manifest.json").read_text())["done_runs"] == 150
    assert "interrupted after 150 of 400 runs" in r.output


@pytest.mark.parametrize("n", [400, 6000])
def test_results_folder_is_the_same_bytes_for_any_worker_count(tmp_path, n):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(small_scenario(p_launch=0.1, p_landing=0.2, kind="lander",
                                                  slip={"dist": "lognormal", "median": 40, "sigma": 0.7})))
    folders = {}
    for workers in ("0", "1", "2"):
        out = folders[workers] = tmp_path / f"w{workers}"
        r = _cli(["risk", "-s", str(path), "-n", str(n), "--workers", workers, "--out", str(out), "-q"])
        assert r.exit_code == 0, r.output

    def contents(folder):
        files = {p.name: p.read_bytes() for p in sorted(folder.glob("runs-*.parquet"))}
        manifest = json.loads((folder / "manifest.json").read_text())
        assert "updated_utc" not in manifest  # no timing field: the whole manifest must match
        return files, manifest

    ref_files, ref_manifest = contents(folders["0"])
    # at least 16 chunks of at most the scenario's chunk_runs (250), whatever the executor
    assert len(ref_files) == max(16, math.ceil(n / 250)) and ref_manifest["complete"]
    for workers in ("1", "2"):
        files, manifest = contents(folders[workers])
        assert manifest == ref_manifest
        assert files.keys() == ref_files.keys() and all(files[k] == ref_files[k] for k in files), workers


def test_cli_on_a_dask_scheduler_matches_local(tmp_path):
    distributed = pytest.importorskip("distributed")
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(small_scenario(p_launch=0.1, p_landing=0.2, kind="lander",
                                                  slip={"dist": "lognormal", "median": 40, "sigma": 0.7})))
    local = _cli(["risk", "-s", str(path), "-n", "300", "--workers", "0", "--out", str(tmp_path / "a"),
                  "--format", "json", "-q", "--chunk-runs", "50"])
    # a worker process (processes=True, ~2 s more on 2 cores): the real campaign payload is pickled,
    # sent over TCP and unpickled by a process that imports ilrs itself, as on a cluster
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True, protocol="tcp",
                                  dashboard_address=None) as cluster:
        remote = _cli(["risk", "-s", str(path), "-n", "300", "--scheduler", cluster.scheduler_address,
                       "--out", str(tmp_path / "b"), "--format", "json", "-q", "--chunk-runs", "50"])
    assert remote.exit_code == 0, remote.output
    a, b = json.loads(local.output), json.loads(remote.output)
    assert b["executor"] == "dask" and a["milestones"] == b["milestones"] and a["sensitivity"] == b["sensitivity"]
    from ilrs.risk import read_results_folder

    assert read_results_folder(tmp_path / "a").equals(read_results_folder(tmp_path / "b"))


def test_reference_launch_failure_priors_come_from_the_flight_records():
    # CZ-5: 1 failure (Y2, 2017-07-02) in 8 flights to 2024-05-03 (ilrs-facts.md) -> Beta(1.5, 7.5);
    # CZ-10 (not flown): global 2024 record 8 in 259 (seradata.com) -> Beta(8.5, 251.5)
    s = load_scenario("ilrs-reference")
    r = run_risk(s, runs=3000)
    for col, (a, b) in {"input.launch_failure.CZ-5": (1.5, 7.5), "input.launch_failure.CZ-10": (8.5, 251.5)}.items():
        x = r.table.column(col).to_numpy()
        sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
        assert abs(x.mean() - a / (a + b)) < 4 * sd / math.sqrt(x.size)
    # a failed CZ-5 launch grounds the family for at most the 908-day CZ-5 Y2 stand-down
    sd_days = r.table.column("input.stand_down_days.CZ-5").to_numpy()
    assert sd_days.max() <= 908 and sd_days.min() >= 180


def test_a_risk_run_reads_the_same_row_as_the_full_campaign():
    """campaign_run (milestones and outcomes without the run's records) gives the row campaign_row
    builds from the full CampaignResult, run for run, on the reference scenario (re-flights,
    stand-downs, cancellations and correlated slips all occur in 300 runs)."""
    import numpy as np

    from ilrs.campaign import compile_campaign
    from ilrs.risk.model import CampaignPayload, campaign_row, campaign_run

    s = load_scenario("ilrs-reference")
    payload = CampaignPayload(compile_campaign(s.campaign, s.uncertainties))
    seen = {"launch_failures": 0, "landing_failures": 0, "missions_cancelled": 0}
    for i in range(300):
        seq = np.random.SeedSequence(s.seed, spawn_key=(i,))
        full, _ = campaign_row(payload, np.random.Generator(np.random.PCG64(seq)))
        lean = campaign_run(payload, i, np.random.SeedSequence(s.seed, spawn_key=(i,)))
        assert lean == full
        for key in seen:
            seen[key] += full[key]
    assert all(v > 0 for v in seen.values()), seen  # every kind of loss was exercised
