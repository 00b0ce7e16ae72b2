"""The risk study of a scenario: N Monte Carlo runs of its campaign (and, with ``ops``, operations).

>>> from ilrs.report.products import compile_setup, risk_setup
>>> from ilrs.risk import run_risk
>>> r = run_risk(risk_setup(compile_setup(load_scenario("ilrs-reference"))), runs=200)  # doctest: +SKIP
>>> r.summary["milestones"]["basic-station"]["probability_on_time"]  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ilrs._io import to_json, write_text_atomic
from ilrs.risk.analysis import plot_kpis, plot_milestone_dates, plot_tornado, summarize
from ilrs.risk.executors import Executor, SerialExecutor
from ilrs.risk.model import CampaignPayload, campaign_row, campaign_run, code_digest
from ilrs.risk.setup import StudySetup
from ilrs.risk.study import ProgressCallback, StudyResult, auto_chunk_runs, payload_hash, replay_run, run_study


@dataclass
class RiskResult:
    scenario: str
    seed: int
    study: StudyResult
    summary: dict[str, Any]
    targets: dict[str, dt.date | None]
    names: dict[str, str]

    @property
    def table(self):
        return self.study.table


@dataclass(frozen=True)
class RiskModel:
    """The run function, its payload, the milestone targets and names, and the study's identity hash."""

    fn: Any
    payload: Any
    targets: dict[str, dt.date | None]
    names: dict[str, str]
    study_hash: str


def prepare(study: StudySetup) -> RiskModel:
    """The run function and payload of ``study`` (with operations: campaign then operations per run)."""
    inputs = study.campaign
    payload = CampaignPayload(inputs)
    fn: Any = campaign_run
    ops = study.operations is not None
    if ops:
        from ilrs.risk.ops_model import OpsPayload, ops_run

        fn, payload = ops_run, OpsPayload(payload, study.operations.built, study.operations.setup, study.uncertainties,
                                          study.operations.sunlight)
    targets = {m.id: m.target for m in inputs.milestones}
    ident = {"scenario": study.identity, "ops": bool(ops),
             "code": code_digest(("campaign", "risk", "scenario") + (("operations", "environment", "comms") if ops else ()))}
    return RiskModel(fn=fn, payload=payload, targets=targets, names=dict(study.milestone_names),
                     study_hash=payload_hash(ident))


def run_risk(study: StudySetup, *, runs: int | None = None, seed: int | None = None, executor: Executor | None = None,
             out: str | Path | None = None, resume: bool = False,
             chunk_runs: int | None = None, confidence: float = 0.95,
             on_progress: ProgressCallback | None = None) -> RiskResult:
    """Run the study: ``runs`` (default ``uncertainties.runs``) runs seeded by ``seed`` (default the
    scenario's), on ``executor`` (default in-process), streamed to ``out`` when given."""
    model = prepare(study)
    n = int(runs if runs is not None else study.default_runs)
    s = int(seed if seed is not None else study.seed)
    executor = executor or SerialExecutor()
    chunk = chunk_runs or auto_chunk_runs(n, study.uncertainties.chunk_runs)  # not the executor's
    result = run_study(model.fn, model.payload, seed=s, runs=n, study_hash=model.study_hash, executor=executor,
                       chunk_runs=chunk, out=out, resume=resume, on_progress=on_progress)
    summary = summarize(result.table, model.targets, confidence)
    for name, m in summary["milestones"].items():
        m["name"] = model.names.get(name, name)
    return RiskResult(study.name, s, result, summary, model.targets, model.names)


def replay(study: StudySetup, i: int, *, seed: int | None = None) -> dict[str, Any]:
    """Run ``i`` of the study alone: its sampled inputs and results (the same row as in the study)."""
    model = prepare(study)
    return replay_run(model.fn, model.payload, int(seed if seed is not None else study.seed), int(i))


def replay_campaign(study: StudySetup, i: int, *, seed: int | None = None):
    """The campaign of run ``i`` (a :class:`~ilrs.campaign.CampaignResult`: every mission attempt with
    its dates and outcome), exactly as it flew in the study (with or without ``--ops``: the
    campaign draws come first)."""
    from ilrs.risk.seeds import run_generator

    _, result = campaign_row(CampaignPayload(study.campaign),
                             run_generator(int(seed if seed is not None else study.seed), int(i)))
    return result


SESSION_KEYS = ("executor", "workers", "elapsed_s", "runs_this_session", "runs_resumed", "runs_per_s",
                "results_folder")
"""Keys of :func:`result_json` that describe this session (where, how fast, how much was resumed), not
the study: kept out of ``risk-summary.json`` (the same bytes for the same study)."""


def result_json(result: RiskResult) -> dict[str, Any]:
    """The study's figures and how this session ran (what ``ilrs risk --format json`` prints)."""
    st = result.study
    return {
        "scenario": result.scenario, "seed": result.seed, "runs": st.table.num_rows,
        "executor": st.executor, "workers": st.workers, "elapsed_s": round(st.elapsed_s, 3),
        "runs_this_session": st.runs_this_session, "runs_resumed": st.runs_resumed,
        "runs_per_s": round(st.runs_per_s, 1) if st.runs_this_session else None,
        **{k: v for k, v in result.summary.items() if k != "runs"},
        "results_folder": str(st.folder) if st.folder else None,
    }


def write_outputs(result: RiskResult, folder: str | Path, fmt: str = "png") -> dict[str, Path]:
    """``risk-summary.json``, ``milestone-dates.<fmt>``, one ``tornado-<milestone>.<fmt>`` per milestone
    and, with operations KPIs, ``kpis.<fmt>`` — the same bytes for the same study, on any executor,
    resumed or not (no timestamp, no path) — and ``timings.json``: how this session ran (executor,
    workers, elapsed time, runs/s, runs resumed), which differs run to run and is not reproducible."""
    from ilrs._io import atomic_path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}

    def save(fig, path: Path) -> Path:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, dpi=130, bbox_inches="tight",
                        metadata={"Date": None} if fmt == "svg" else None)  # an SVG dates itself otherwise
        return path

    files["milestone_dates"] = save(plot_milestone_dates(result.table, result.targets), folder / f"milestone-dates.{fmt}")
    if result.summary.get("kpis"):
        files["kpis"] = save(plot_kpis(result.table), folder / f"kpis.{fmt}")
    for name in result.summary["milestones"]:
        if result.summary["sensitivity"].get(name):
            files[f"tornado:{name}"] = save(plot_tornado(result.summary, name), folder / f"tornado-{name}.{fmt}")
    data = result_json(result)
    summary = {k: v for k, v in data.items() if k not in SESSION_KEYS}
    session = {k: data[k] for k in SESSION_KEYS if k != "results_folder"}
    files["summary"] = write_text_atomic(folder / "risk-summary.json", to_json(summary) + "\n")
    files["timings"] = write_text_atomic(folder / "timings.json", to_json(session) + "\n")
    return files
