"""Run a Monte Carlo study: N runs of a run function, chunked, on any executor, streamed to disk.

>>> from ilrs.risk.study import run_study          # doctest: +SKIP
>>> res = run_study(fn, payload, seed=1, runs=10_000, scenario_hash="…", out="out/risk")

Run i always draws from ``SeedSequence(seed).spawn(N)[i]`` (built directly as
``SeedSequence(seed, spawn_key=(i,))``), chunk boundaries depend only on (N, chunk size), and the
table is assembled in run order — so the result is the same on every executor, for any number of
workers, and after any number of interruptions and ``resume=True`` restarts.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa

from ilrs.risk.executors import Executor, RunFunction, SerialExecutor, function_name, run_chunk
from ilrs.risk.store import (MANIFEST, ResultStore, StudyIdentity, acquire_folder, chunk_ranges, concat_tables,
                             read_manifest, release_folder)

ProgressCallback = Callable[[int, int], None]  # (runs done, runs in total)


@dataclass
class StudyResult:
    """A finished study. ``table``: every run in run order; None for a study streamed to its
    results folder with ``keep_table=False`` (read it back with
    :func:`ilrs.risk.store.read_results_folder`, or chunk by chunk)."""

    table: pa.Table | None
    identity: StudyIdentity
    executor: str
    workers: int
    elapsed_s: float
    runs_this_session: int
    runs_resumed: int
    folder: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def runs_per_s(self) -> float:
        return self.runs_this_session / self.elapsed_s if self.elapsed_s > 0 else float("nan")


def payload_hash(obj: Any) -> str:
    """sha256 of a JSON-able description (e.g. ``scenario.model_dump(mode='json')``), sorted keys."""
    text = json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


MIN_CHUNKS = 16
"""A study of N runs is cut into at least this many chunks (when N allows), so local workers or a
cluster have work to share, whatever their number."""


def auto_chunk_runs(runs: int, preferred: int) -> int:
    """The default chunk size: ``preferred`` (the scenario's ``chunk_runs``), smaller when N is small
    so that the study still has :data:`MIN_CHUNKS` chunks. It depends on N and ``preferred`` only,
    never on the executor: the same study writes the same files with any number of workers."""
    if runs <= 0:
        return max(1, preferred)
    return max(1, min(preferred, -(-runs // MIN_CHUNKS)))


def run_study(fn: RunFunction, payload: Any, *, seed: int, runs: int, study_hash: str,
              executor: Executor | None = None, chunk_runs: int = 250, out: str | Path | None = None,
              resume: bool = False, on_progress: ProgressCallback | None = None,
              keep_table: bool = True) -> StudyResult:
    """Run ``runs`` runs of ``fn`` and return them as one Arrow table (column ``run`` first).

    ``out``: a results folder (Parquet chunks + manifest.json, see :mod:`ilrs.risk.store`);
    None keeps everything in memory. ``keep_table=False`` (with ``out``): each chunk is written
    as it arrives and dropped, nothing is read back (``table`` None), so memory stays flat in N. ``resume``: keep the finished chunks of an interrupted
    study in ``out`` (same ``study_hash``, seed, runs, chunk size and run function) and run the
    rest. ``chunk_runs`` is part of the study's identity: on resume the stored value wins.
    """
    executor = executor or SerialExecutor()
    if not keep_table and out is None:
        raise ValueError("keep_table=False needs a results folder (out)")
    t0 = time.perf_counter()
    ident = StudyIdentity(study_hash, int(seed), int(runs), int(chunk_runs), function_name(fn))
    store: ResultStore | None = None
    tables: list[pa.Table] = []
    if out is not None:
        out = Path(out)
        acquire_folder(out)
    try:
        if out is not None:
            if resume and (out / MANIFEST).exists():  # the stored chunk size wins (a malformed manifest: one line)
                ident = replace(ident, chunk_runs=read_manifest(out)["chunk_runs"])
            store = (ResultStore.resume if resume else ResultStore.create)(out, ident)
            todo = store.pending
            resumed = store.done_runs
        else:
            todo = chunk_ranges(ident.runs, ident.chunk_runs)
            resumed = 0
        done = resumed
        if on_progress:
            on_progress(done, ident.runs)
        for (a, b), table in executor.map_chunks(fn, payload, ident.seed, todo):
            if store is not None:
                store.write_chunk(a, b, table)
            else:
                tables.append(table)
            done += b - a
            if on_progress:
                on_progress(done, ident.runs)
        if store is None:
            table = concat_tables(tables)
        else:
            table = store.read() if keep_table else None
    finally:
        if out is not None:
            release_folder(out)
    return StudyResult(table=table, identity=ident, executor=executor.name, workers=executor.workers,
                       elapsed_s=time.perf_counter() - t0, runs_this_session=done - resumed,
                       runs_resumed=resumed, folder=Path(out) if out is not None else None)


def replay_run(fn: RunFunction, payload: Any, seed: int, i: int) -> dict[str, Any]:
    """Run i alone, exactly as it ran inside a study (the same row, ``run`` included)."""
    return run_chunk(fn, payload, seed, i, i + 1).to_pylist()[0]
