"""A results folder read chunk by chunk: digests and on-time counts in memory flat in N.

A study streamed to disk (:func:`ilrs.risk.study.run_study` with ``out`` and ``keep_table=False``)
is never held whole in memory; these read it back one Parquet chunk at a time:

* :func:`results_digest` — one SHA-256 of the whole study: the chunk files' SHA-256s (recorded in
  ``manifest.json``, checked against the bytes) in run order. The same study gives the same digest
  on every executor and for any number of workers (the chunks are the same bytes);
* :func:`table_digest` — a digest of a table's *contents* (columns sorted by name, types as
  stored, no metadata), so the first 10,000 runs of a million-run study can be compared with a
  10,000-run serial study cut into other chunks;
* :func:`on_time_counts` — per milestone, the runs that reached it by its target (a Wilson interval
  needs only these counts).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Iterator

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from ilrs.errors import InputError
from ilrs.risk.store import _recorded_digests, chunk_file_name, chunk_ranges, read_manifest, sha256_bytes


def _checked_chunks(folder: Path) -> list[tuple[tuple[int, int], str]]:
    m = read_manifest(folder)
    ranges = set(chunk_ranges(m["runs"], m["chunk_runs"]))
    return [(r, d) for r, d in sorted(_recorded_digests(m["chunks"]).items()) if r in ranges]


def iter_chunks(folder: str | Path, columns: list[str] | None = None, *, stop_run: int | None = None
                ) -> Iterator[pa.Table]:
    """Each recorded chunk of a results folder, in run order, its bytes checked against the
    manifest's SHA-256 (``columns``: only those; ``stop_run``: chunks that start before it)."""
    folder = Path(folder)
    for (a, b), digest in _checked_chunks(folder):
        if stop_run is not None and a >= stop_run:
            return
        path = folder / chunk_file_name(a, b)
        data = path.read_bytes()
        if sha256_bytes(data) != digest:
            raise InputError("chunk damaged since it was written (its SHA-256 differs from manifest.json's)",
                             file=str(path))
        yield pq.read_table(pa.BufferReader(data), columns=columns).replace_schema_metadata(None)


def results_digest(folder: str | Path) -> str:
    """SHA-256 over ``start-stop:sha256`` of every recorded chunk, in run order (bytes checked)."""
    folder = Path(folder)
    h = hashlib.sha256()
    for (a, b), digest in _checked_chunks(folder):
        if sha256_bytes((folder / chunk_file_name(a, b)).read_bytes()) != digest:
            raise InputError("chunk damaged since it was written", file=str(folder / chunk_file_name(a, b)))
        h.update(f"{a}-{b}:{digest}\n".encode())
    return h.hexdigest()


def table_digest(table: pa.Table) -> str:
    """SHA-256 of a table's contents: columns sorted by name, one record batch, no metadata."""
    canon = table.select(sorted(table.column_names)).replace_schema_metadata(None).combine_chunks()
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, canon.schema) as writer:
        for batch in canon.to_batches(max_chunksize=max(1, canon.num_rows)):
            writer.write_batch(batch)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()


def on_time_counts(folder: str | Path, targets: dict[str, dt.date | None]) -> dict[str, tuple[int, int]]:
    """Per milestone with a target: (runs that reached it by the target, runs), read a column at a
    time, chunk by chunk. A run that never reaches a milestone counts as late; "by the target" is
    before the end of the target day, as in :func:`ilrs.risk.stats.milestone_statistics`."""
    import pyarrow.compute as pc

    names = {m: f"milestone.{m}" for m, t in targets.items() if t is not None}
    counts = {m: [0, 0] for m in names}
    epoch = dt.date(1970, 1, 1)
    for chunk in iter_chunks(folder, columns=sorted(names.values())):
        for m, col in names.items():
            target_day = (targets[m] - epoch).days
            days = chunk.column(col)
            # on time: reached no later than the end of the target day (as ilrs.risk.stats)
            late_or_never = pc.fill_null(pc.cast(days, pa.float64()), float("inf"))
            counts[m][0] += int(pc.sum(pc.less(late_or_never, float(target_day + 1))).as_py() or 0)
            counts[m][1] += chunk.num_rows
    return {m: (k, n) for m, (k, n) in counts.items()}
