"""Results of a Monte Carlo study on disk: Parquet chunks plus a JSON manifest.

Layout of a results folder::

    manifest.json                       identity (scenario hash, seed, runs, chunk size, run function)
                                        and every chunk with its run range and done flag
    runs-000000000-000000250.parquet    runs [0, 250): one row per run, column ``run`` first
    ...

A chunk is written to a temporary name and renamed (:mod:`ilrs._io`), then the manifest is
rewritten the same way, so a study killed at any instant leaves only whole chunks and a manifest
that lists a subset of them. On resume a chunk counts as done when its file exists, belongs to
this study (its Parquet metadata carries the study's identity) and holds exactly its run range;
every other chunk is run again. Nothing is lost and nothing is counted twice. The temporary
files of a write that was killed (``.runs-*.parquet.*.tmp``, ``.manifest.json.*.tmp``) are
deleted when the folder is opened again (fresh or resumed).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from ilrs._io import atomic_path, write_text_atomic
from ilrs.errors import InputError

MANIFEST = "manifest.json"
FORMAT = "ilrs-risk-results/1"
_META_KEY = b"ilrs.risk.study"


@dataclass(frozen=True)
class StudyIdentity:
    """What makes two sets of results the same study: same bytes for the same runs."""

    scenario_hash: str
    seed: int
    runs: int
    chunk_runs: int
    run_function: str

    def as_dict(self) -> dict[str, Any]:
        return {"scenario_hash": self.scenario_hash, "seed": self.seed, "runs": self.runs,
                "chunk_runs": self.chunk_runs, "run_function": self.run_function}


def chunk_ranges(runs: int, chunk_runs: int) -> list[tuple[int, int]]:
    """[start, stop) of every chunk: fixed by (runs, chunk_runs) alone, never by the executor."""
    if runs < 0 or chunk_runs < 1:
        raise ValueError(f"need runs >= 0 and chunk_runs >= 1, got {runs}, {chunk_runs}")
    return [(a, min(a + chunk_runs, runs)) for a in range(0, runs, chunk_runs)]


def chunk_file_name(start: int, stop: int) -> str:
    return f"runs-{start:09d}-{stop:09d}.parquet"


def _arrow_type(values: list[Any]) -> pa.DataType:
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if not kinds:
        return pa.null()
    if kinds <= {bool}:
        return pa.bool_()
    if kinds <= {int}:
        return pa.int64()
    if kinds <= {int, float}:
        return pa.float64()
    if kinds <= {str}:
        return pa.string()
    # numpy scalars
    import numpy as np

    if all(isinstance(v, (bool, np.bool_)) for v in values if v is not None):
        return pa.bool_()
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in values if v is not None):
        return pa.int64()
    if all(isinstance(v, (int, float, np.integer, np.floating)) for v in values if v is not None):
        return pa.float64()
    raise TypeError(f"run results must be bool, int, float, str or None; got {sorted(k.__name__ for k in kinds)}")


def rows_to_table(rows: list[dict[str, Any]], start: int) -> pa.Table:
    """One row per run, columns in order of first appearance, ``run`` (int64) first."""
    names: dict[str, None] = {}
    for r in rows:
        for k in r:
            if k != "run":
                names.setdefault(k, None)
    cols = {"run": pa.array(range(start, start + len(rows)), type=pa.int64())}
    for name in names:
        values = [r.get(name) for r in rows]
        t = _arrow_type(values)
        if t == pa.float64():
            values = [None if v is None else float(v) for v in values]
        elif t == pa.int64():
            values = [None if v is None else int(v) for v in values]
        elif t == pa.bool_():
            values = [None if v is None else bool(v) for v in values]
        cols[name] = pa.array(values, type=t)
    return pa.table(cols)


def concat_tables(tables: Iterable[pa.Table]) -> pa.Table:
    """Chunks in run order, with column types unified (a column that is all null in one chunk)."""
    tables = sorted(tables, key=lambda t: t.column("run")[0].as_py() if t.num_rows else -1)
    tables = [t for t in tables if t.num_rows]
    if not tables:
        return pa.table({"run": pa.array([], type=pa.int64())})
    return pa.concat_tables(tables, promote_options="permissive").combine_chunks()


LOCK = ".lock"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _why(exc: OSError) -> str:
    """Why a path cannot be used (``Permission denied`` …), without repeating the path."""
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        return "a file, not a folder, is in the way"
    return exc.strerror or exc.__class__.__name__


def acquire_folder(folder: str | Path) -> Path:
    """Claim a results folder for this process (``.lock`` with its pid); a lock left by a process
    that no longer runs (killed) is taken over. Two studies never write one folder at once."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file of that name (or above it), no permission, read-only disk …
        raise InputError(f"cannot make the results folder {folder} ({_why(exc)})", field="--out") from None
    path = folder / LOCK
    for _ in range(3):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                pid = int(path.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                pid = None
            if pid is not None and pid != os.getpid() and _alive(pid):
                raise InputError(f"another study (process {pid}) is writing to this folder; wait for it or use "
                                 "another --out", file=str(folder)) from None
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:  # e.g. a folder named .lock
                raise InputError(f"cannot take over {path} ({_why(exc)})", field="--out") from None
            continue
        except OSError as exc:
            raise InputError(f"cannot write to the results folder {folder} ({_why(exc)})", field="--out") from None
        with os.fdopen(fd, "w") as f:
            f.write(f"{os.getpid()}\n")
        return path
    raise InputError("cannot claim the results folder (.lock keeps reappearing)", file=str(folder))


def release_folder(folder: str | Path) -> None:
    path = Path(folder) / LOCK
    try:
        if int(path.read_text().split()[0]) == os.getpid():
            path.unlink()
    except (OSError, ValueError, IndexError):
        pass


class ResultStore:
    """The results folder of one study (see the module docstring)."""

    def __init__(self, folder: str | Path, identity: StudyIdentity):
        self.folder = Path(folder)
        self.identity = identity
        self.ranges = chunk_ranges(identity.runs, identity.chunk_runs)
        self.done: dict[tuple[int, int], int] = {}

    # -- opening -----------------------------------------------------------------------------
    @classmethod
    def create(cls, folder: str | Path, identity: StudyIdentity) -> "ResultStore":
        """A fresh study: earlier chunk files and manifest in ``folder`` are removed."""
        store = cls(folder, identity)
        store.folder.mkdir(parents=True, exist_ok=True)
        store._remove_temporaries()
        for p in store.folder.glob("runs-*.parquet"):
            p.unlink()
        store.write_manifest()
        return store

    def _remove_temporaries(self) -> None:
        """Delete the temporary files (:func:`ilrs._io.atomic_path`) of a study killed mid-write:
        nobody else writes here (the folder's ``.lock`` is ours), so they can never be finished."""
        for pattern in (".runs-*.parquet.*.tmp", f".{MANIFEST}.*.tmp"):
            for p in self.folder.glob(pattern):
                p.unlink(missing_ok=True)

    @classmethod
    def resume(cls, folder: str | Path, identity: StudyIdentity) -> "ResultStore":
        """Reopen a study; chunks already on disk (and valid) are kept, the rest will run again."""
        folder = Path(folder)
        path = folder / MANIFEST
        if not path.exists():
            return cls.create(folder, identity)
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"unreadable manifest ({exc})", file=str(path)) from None
        mine = identity.as_dict()
        for key, value in mine.items():
            if old.get(key) != value:
                raise InputError(
                    f"cannot resume: these results were made with {key}={old.get(key)!r}, "
                    f"this study has {key}={value!r} (start afresh without --resume, or use another --out)",
                    file=str(path), field=key)
        store = cls(folder, identity)
        store._remove_temporaries()
        for start, stop in store.ranges:
            rows = store._valid_rows(start, stop)
            if rows is not None:
                store.done[(start, stop)] = rows
        store.write_manifest()
        return store

    def _valid_rows(self, start: int, stop: int) -> int | None:
        p = self.folder / chunk_file_name(start, stop)
        if not p.exists():
            return None
        try:
            meta = pq.read_metadata(p)
        except Exception:  # a foreign or damaged file: run the chunk again
            return None
        kv = meta.metadata or {}
        try:
            ident = json.loads(kv.get(_META_KEY, b"{}"))
        except ValueError:
            return None
        if ident != self.identity.as_dict() or meta.num_rows != stop - start:
            return None
        return meta.num_rows

    # -- writing -----------------------------------------------------------------------------
    @property
    def pending(self) -> list[tuple[int, int]]:
        return [r for r in self.ranges if r not in self.done]

    @property
    def done_runs(self) -> int:
        return sum(self.done.values())

    @property
    def complete(self) -> bool:
        return not self.pending

    def write_chunk(self, start: int, stop: int, table: pa.Table) -> Path:
        """Write one finished chunk atomically, then record it in the manifest."""
        if (start, stop) not in self.ranges:
            raise ValueError(f"[{start}, {stop}) is not a chunk of this study")
        if table.num_rows != stop - start:
            raise ValueError(f"chunk [{start}, {stop}) has {table.num_rows} rows")
        meta = dict(table.schema.metadata or {})
        meta[_META_KEY] = json.dumps(self.identity.as_dict()).encode()
        table = table.replace_schema_metadata(meta)
        path = self.folder / chunk_file_name(start, stop)
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp, compression="zstd")
        self.done[(start, stop)] = table.num_rows
        self.write_manifest()
        return path

    def write_manifest(self) -> Path:
        data = {
            "format": FORMAT,
            **self.identity.as_dict(),
            "updated_utc": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
            "complete": self.complete,
            "done_runs": self.done_runs,
            "chunks": [{"file": chunk_file_name(a, b), "start": a, "stop": b, "done": (a, b) in self.done}
                       for a, b in self.ranges],
        }
        return write_text_atomic(self.folder / MANIFEST, json.dumps(data, indent=1) + "\n")

    # -- reading -----------------------------------------------------------------------------
    def read(self) -> pa.Table:
        """Every finished run, in run order."""
        return read_results_folder(self.folder, only=[chunk_file_name(a, b) for a, b in sorted(self.done)])


def read_manifest(folder: str | Path) -> dict[str, Any]:
    path = Path(folder) / MANIFEST
    if not path.exists():
        raise InputError("no Monte Carlo results here (manifest.json missing)", file=str(folder))
    return json.loads(path.read_text(encoding="utf-8"))


def read_results_folder(folder: str | Path, only: list[str] | None = None) -> pa.Table:
    """The runs of a results folder (the chunks its manifest marks done), in run order."""
    folder = Path(folder)
    if only is None:
        only = [c["file"] for c in read_manifest(folder)["chunks"] if c["done"]]
    tables = [pq.read_table(folder / name) for name in only]
    return concat_tables([t.replace_schema_metadata(None) for t in tables])
