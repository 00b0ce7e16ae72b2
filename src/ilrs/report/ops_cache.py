"""A report's operations run simulated once: a run of the same inputs and seed is read back.

:func:`cached_operations` is :func:`ilrs.operations.study.simulate_once` for the report and ``ilrs
compare``. :func:`ilrs.operations.engine.simulate_operations` is pure (the same inputs, parameters
and generator seed give the same result), so the key is a SHA-256 of the built inputs' contents
(:func:`ilrs.report.figure_cache.content_digest`: the hourly arrays, the parameters, the sources),
the seed and every ilrs source file (:func:`ilrs.report.figure_cache._code_stamp`). An entry holds
the time series (an ``.npz``, no pickle) and the rest of the result as JSON (the totals are plain
numbers, strings, lists and mappings: JSON gives them back exactly). The KPIs are recomputed from
the result read back. A damaged entry is deleted with a one-line warning (logger ``ilrs.cache``) and
the run is simulated again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
import time
import zipfile
from typing import Any

import numpy as np

from ilrs._io import DamagedEntry, discard_entry, read_entry, write_entry
from ilrs.errors import IlrsError
from ilrs.operations.adapter import BuiltInputs
from ilrs.operations.model import Event, OperationsResult
from ilrs.operations.study import OperationsRun, simulate_once
from ilrs.report.figure_cache import Undigestable, _code_stamp, cache_folder, content_digest

log = logging.getLogger("ilrs.cache")


def _entry_parts(result: OperationsResult) -> dict[str, bytes]:
    buf = io.BytesIO()
    np.savez(buf, **result.series)
    unit = np.datetime_data(result.start.dtype)[0]
    meta = {"start": str(result.start), "start_unit": unit, "step_s": result.step_s, "n_steps": result.n_steps,
            "n_sim_events": result.n_sim_events, "events": [dataclasses.astuple(e) for e in result.events],
            "totals": result.totals}
    return {"npz": buf.getvalue(), "json": json.dumps(meta).encode()}


def _result_of(parts: dict[str, bytes]) -> OperationsResult:
    meta = json.loads(parts["json"])
    with np.load(io.BytesIO(parts["npz"]), allow_pickle=False) as z:
        series = {k: z[k] for k in z.files}
    return OperationsResult(start=np.datetime64(meta["start"], meta["start_unit"]), step_s=meta["step_s"],
                            n_steps=meta["n_steps"], series=series, events=[Event(*e) for e in meta["events"]],
                            totals=meta["totals"], n_sim_events=meta["n_sim_events"])


def run_of(built: BuiltInputs, result: OperationsResult, simulate_s: float) -> OperationsRun:
    """The run and its KPIs exactly as :func:`ilrs.operations.study.simulate_once` gives them."""
    from ilrs.operations.kpis import kpis
    from ilrs.operations.science import data_by_partner

    k: dict[str, Any] = kpis(result)
    k["inputs"] = built.sources
    k["timings_s"] = {"simulate": round(simulate_s, 3)}
    k["data_access"] = data_by_partner(result.totals["data_groups"])
    return OperationsRun(built, result, k)


def cached_operations(built: BuiltInputs, seed: int) -> OperationsRun:
    """``simulate_once(built, seed)``, or the same run read back."""
    t0 = time.perf_counter()
    try:
        digest = content_digest(built, int(seed))
    except Undigestable:
        return simulate_once(built, seed)
    key = f"ops-{hashlib.sha256((digest + _code_stamp()).encode()).hexdigest()[:32]}"
    path = cache_folder() / f"{key}.entry"
    try:
        parts = read_entry(path, key)
        if parts is not None:
            return run_of(built, _result_of(parts), time.perf_counter() - t0)
    except (DamagedEntry, KeyError, OSError, ValueError, TypeError, EOFError, zipfile.BadZipFile) as exc:
        log.warning("ilrs: cache entry %s is damaged: %s; deleted, simulating again", path.name,
                    str(exc) or type(exc).__name__)
        discard_entry(path)
    run = simulate_once(built, seed)
    try:
        write_entry(path, key, _entry_parts(run.result))
    except (OSError, ValueError, TypeError, IlrsError):
        pass  # not storable (or no room): the run stands
    return run
