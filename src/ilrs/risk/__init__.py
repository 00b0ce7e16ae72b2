"""Risk: Monte Carlo over the scenario's uncertainties, on one machine or a Dask cluster.

Public surface:

- :class:`StudySetup` — a study's typed inputs (compiled by :func:`ilrs.report.products.risk_setup`);
- :func:`run_risk` / :func:`replay` — the study and one run of it alone;
- executors :class:`SerialExecutor`, :class:`ProcessExecutor`, :class:`DaskExecutor`, :func:`make_executor`;
- :func:`run_study` — the generic engine (any picklable ``fn(payload, i, seed_sequence) -> dict``),
  :func:`read_results_folder` — the runs of a results folder;
- statistics :func:`wilson_interval`, :func:`spearman`; seeds :func:`run_seed_sequence`.
"""

from ilrs.risk.executors import DaskExecutor, ProcessExecutor, SerialExecutor, make_executor
from ilrs.risk.montecarlo import RiskResult, replay, replay_campaign, result_json, run_risk, write_outputs
from ilrs.risk.setup import OperationsStudy, StudySetup
from ilrs.risk.seeds import run_generator, run_seed_sequence
from ilrs.risk.stats import spearman, wilson_interval
from ilrs.risk.store import read_results_folder
from ilrs.risk.study import StudyResult, replay_run, run_study

__all__ = [
    "DaskExecutor", "ProcessExecutor", "RiskResult", "SerialExecutor", "OperationsStudy", "StudyResult", "StudySetup", "make_executor",
    "read_results_folder", "replay", "replay_campaign", "replay_run", "result_json", "run_generator", "run_risk",
    "run_seed_sequence", "run_study", "spearman", "wilson_interval", "write_outputs",
]
