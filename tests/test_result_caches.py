"""The report's computed results read back on a warm run (issue 15): the Monte Carlo studies, the
operations runs, the slip-fit bootstrap and the rival comparison's chart. Each read-back equals a
fresh computation that bypasses the cache, and a damaged entry is deleted with a warning and
recomputed."""

from __future__ import annotations

import dataclasses
import logging

import numpy as np
import pytest

from ilrs.scenario import load_scenario, scenario_from_dict


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ILRS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "figures"


@pytest.fixture(scope="module")
def short_setup():
    from ilrs.report.products import compile_setup

    raw = load_scenario("ilrs-reference").model_dump(mode="json", exclude_unset=True)
    raw["span"] = {"start": "2027-07-01", "end": "2028-04-01"}  # the first landing, the first power shortfalls
    raw["operations"].update(start="2027-08-01", years=0.6)
    raw["relays"].update(analysis_days=2.0, coverage_spacing_km=0.0)
    return compile_setup(scenario_from_dict(raw))


def test_monte_carlo_read_back_equals_a_fresh_study(short_setup, cache_dir, caplog):
    from ilrs.report.products import risk_setup
    from ilrs.report.risk_cache import CACHED_EXECUTOR, cached_risk
    from ilrs.risk import run_risk

    study = risk_setup(short_setup)
    fresh = run_risk(study, runs=40, seed=7)  # no cache involved
    first = cached_risk(study, 40, 7)
    assert first.study.executor != CACHED_EXECUTOR and first.table.equals(fresh.table)
    second = cached_risk(study, 40, 7)
    assert second.study.executor == CACHED_EXECUTOR and second.study.runs_this_session == 0
    assert second.table.equals(fresh.table) and second.table.schema.equals(fresh.table.schema, check_metadata=True)
    assert second.summary == fresh.summary and second.targets == fresh.targets and second.names == fresh.names
    assert second.study.identity == fresh.study.identity
    assert cached_risk(study, 41, 7).table.num_rows == 41  # another count: another study
    assert cached_risk(study, 40, 8).study.executor != CACHED_EXECUTOR  # another seed: run
    for entry in cache_dir.glob("mc-*.entry"):
        entry.write_bytes(entry.read_bytes()[:-9] + b"garbled!!")
    with caplog.at_level(logging.WARNING, logger="ilrs.cache"):
        healed = cached_risk(study, 40, 7)
    assert healed.study.executor != CACHED_EXECUTOR and healed.table.equals(fresh.table)
    assert any("damaged" in r.getMessage() for r in caplog.records)
    assert cached_risk(study, 40, 7).study.executor == CACHED_EXECUTOR  # the healed entry is stored again


def _same_run(a, b) -> None:
    assert a.result.series.keys() == b.result.series.keys()
    for k, v in a.result.series.items():
        w = b.result.series[k]
        assert v.dtype == w.dtype and np.array_equal(v, w, equal_nan=True), k
    assert a.result.start == b.result.start and a.result.start.dtype == b.result.start.dtype
    assert (a.result.step_s, a.result.n_steps, a.result.n_sim_events) == (b.result.step_s, b.result.n_steps,
                                                                         b.result.n_sim_events)
    assert a.result.events == b.result.events and a.result.totals == b.result.totals
    drop = lambda k: {x: y for x, y in k.items() if x != "timings_s"}  # noqa: E731 (how long it took: not the run)
    assert drop(a.kpis) == drop(b.kpis) and list(a.kpis) == list(b.kpis)


def test_operations_read_back_equals_a_fresh_run(short_setup, cache_dir, caplog):
    from ilrs.operations.study import simulate_once
    from ilrs.report.ops_cache import cached_operations
    from ilrs.report.products import RunProducts

    built = RunProducts(short_setup, risk_runs=0).operations_inputs
    fresh = simulate_once(built, 11)
    assert fresh.result.events, "a run with events tests their read-back"
    first = cached_operations(built, 11)
    _same_run(first, fresh)
    second = cached_operations(built, 11)
    assert second.result is not first.result
    _same_run(second, fresh)
    other = cached_operations(built, 12)  # another seed: simulated, not the stored run
    assert len(list(cache_dir.glob("ops-*.entry"))) == 2
    _same_run(other, simulate_once(built, 12))
    for entry in cache_dir.glob("ops-*.entry"):
        entry.write_bytes(entry.read_bytes()[:-9] + b"garbled!!")
    with caplog.at_level(logging.WARNING, logger="ilrs.cache"):
        healed = cached_operations(built, 11)
    _same_run(healed, fresh)
    assert any("damaged" in r.getMessage() for r in caplog.records)


def test_bootstrap_intervals_read_back_equal_the_bootstrap(cache_dir):
    from ilrs.campaign.slip_history import bootstrap_medians, fit_selection
    from ilrs.report.figure_cache import cached_arrays
    from ilrs.report.sections.risk_history import FIT_PANELS, bootstrap_arrays

    fit = fit_selection(*FIT_PANELS[-1])
    direct = bootstrap_medians(fit, 30)
    for _ in range(2):  # computed, then read back
        got = cached_arrays(bootstrap_arrays, fit, 30)
        assert {k: tuple(v.tolist()) for k, v in got.items()} == direct
    assert len(list(cache_dir.glob("arr-*.entry"))) == 1


def test_coalition_chart_read_back_is_the_drawn_png(cache_dir):
    from ilrs.consortium.coalition import coalition_growth, daily
    from ilrs.report.compare_write import _png, coalition_png, plot_coalition_series
    from ilrs.report.figure_cache import cached_arrays
    import datetime as dt

    days = daily(dt.date(2024, 1, 1), dt.date(2025, 1, 1))
    series = {"a": coalition_growth("ilrs", days), "b": coalition_growth("artemis-accords", days)}
    starts = {dt.date(2024, 6, 1): ["a", "b"]}
    drawn = _png(plot_coalition_series(series, starts))
    for _ in range(2):
        assert cached_arrays(coalition_png, series, starts)["png"].tobytes() == drawn
    assert drawn.startswith(b"\x89PNG\r\n\x1a\n")
    assert dataclasses.is_dataclass(series["a"])  # digested by content (its days and counts)
