"""A report's Monte Carlo run once: a study already run with the same identity is read back.

:func:`cached_risk` is :func:`ilrs.risk.run_risk` (in process) for the report and ``ilrs compare``.
The runs are a pure function of the study's identity (:class:`ilrs.risk.store.StudyIdentity`: the
scenario and the code of the packages a run executes, the seed, the number of runs, the chunk
size and the run function), so the key is a SHA-256 of that identity and of every ilrs source file
(:func:`ilrs.report.figure_cache._code_stamp`, as for the figures). An entry is the run table as an
Arrow IPC stream in a checked cache file (:func:`ilrs._io.write_entry`) under
``$ILRS_CACHE_DIR/figures/``; the summary is recomputed from it (the same table gives the same
summary). A damaged entry is deleted with a one-line warning (logger ``ilrs.cache``) and the study
is run again. A study read back says so: executor ``"cache"``, no run this session.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time

import pyarrow as pa

from ilrs._io import DamagedEntry, discard_entry, read_entry, write_entry
from ilrs.errors import IlrsError
from ilrs.report.figure_cache import _code_stamp, cache_folder
from ilrs.risk import RiskResult, StudyResult, StudySetup, run_risk
from ilrs.risk.analysis import summarize
from ilrs.risk.executors import function_name
from ilrs.risk.montecarlo import prepare
from ilrs.risk.store import StudyIdentity
from ilrs.risk.study import auto_chunk_runs

log = logging.getLogger("ilrs.cache")
CACHED_EXECUTOR = "cache"
"""The ``executor`` of a study read back from the cache."""


def study_identity(study: StudySetup, runs: int, seed: int | None = None) -> StudyIdentity:
    """The identity :func:`ilrs.risk.run_risk` gives the in-process study of ``runs`` runs."""
    model = prepare(study)
    n, s = int(runs), int(seed if seed is not None else study.seed)
    return StudyIdentity(model.study_hash, s, n, auto_chunk_runs(n, study.uncertainties.chunk_runs),
                         function_name(model.fn))


def _key(ident: StudyIdentity) -> str:
    text = json.dumps(ident.as_dict(), sort_keys=True) + _code_stamp()
    return f"mc-{hashlib.sha256(text.encode()).hexdigest()[:32]}"


def _table_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _read_table(path, key: str) -> pa.Table | None:
    try:
        parts = read_entry(path, key)
        return None if parts is None else pa.ipc.open_stream(parts["arrow"]).read_all()
    except (DamagedEntry, KeyError, OSError, pa.ArrowException) as exc:
        log.warning("ilrs: cache entry %s is damaged: %s; deleted, running the study again", path.name,
                    str(exc) or type(exc).__name__)
        discard_entry(path)
        return None


def cached_risk(study: StudySetup, runs: int, seed: int | None = None) -> RiskResult:
    """``run_risk(study, runs=runs, seed=seed)`` in this process, or its runs read back."""
    t0 = time.perf_counter()
    ident = study_identity(study, runs, seed)
    key = _key(ident)
    path = cache_folder() / f"{key}.entry"
    table = _read_table(path, key)
    if table is None or table.num_rows != ident.runs:
        result = run_risk(study, runs=ident.runs, seed=ident.seed)
        try:
            write_entry(path, key, {"arrow": _table_bytes(result.table)})
        except (OSError, IlrsError, pa.ArrowException):
            pass  # a cache that cannot be written is skipped: the study stands
        return result
    model = prepare(study)
    summary = summarize(table, model.targets)
    for name, m in summary["milestones"].items():
        m["name"] = model.names.get(name, name)
    st = StudyResult(table=table, identity=ident, executor=CACHED_EXECUTOR, workers=0,
                     elapsed_s=time.perf_counter() - t0, runs_this_session=0, runs_resumed=0)
    return RiskResult(study.name, ident.seed, st, summary, model.targets, model.names)
