"""Results of a Monte Carlo study on disk: Parquet chunks plus a JSON manifest.

Layout of a results folder::

    manifest.json                       identity (scenario hash, seed, runs, chunk size, run function
                                        and ``study``, the SHA-256 of those five), every chunk with its
                                        run range, done flag and the SHA-256 of its file's bytes
    runs-000000000-000000250.parquet    runs [0, 250): one row per run, column ``run`` first; its
                                        Parquet key-value metadata carries the study's identity and
                                        its own run range (``ilrs.risk.study``, ``ilrs.risk.chunk``)
    ...

Nothing in the manifest or the chunks depends on when, where or on which executor the study ran
(no timestamp, no path): the same study writes the same bytes.

A chunk is written to a temporary name and renamed (:mod:`ilrs._io`), then the manifest is
rewritten the same way, so a study killed at any instant leaves only whole chunks and a manifest
that lists a subset of them. Nothing read back is trusted unchecked:

* **Resume** keeps a chunk only when its file's SHA-256 is the one the manifest recorded, it
  parses (with Parquet page checksums), its metadata names this study and exactly its run range,
  and its ``run`` column is that range, row for row. Any other chunk file (damaged bytes, another
  study's, a copy of another chunk, one written just before a kill and not yet recorded) is run
  again, with a one-line warning on stderr; a ``runs-*.parquet`` file whose range is not a chunk of
  this study (overlapping, another chunk size) is removed with a warning. A missing file is simply
  run again. So a resumed study is the uninterrupted study, byte for byte, or it reruns more.
* **A malformed manifest** (not JSON, not an object, ``[]``, ``null``, a missing or mistyped field,
  ``chunk_runs`` < 1, a ``study`` hash that does not match its fields, another format) is a one-line
  :class:`~ilrs.errors.InputError` (exit 2): the folder is not rebuilt from chunks whose checksums
  are lost; start afresh without ``--resume``. A well-formed manifest of another study is the same
  one-line error, naming the field that differs.
* **Reading** a folder (:func:`read_results_folder`) checks every chunk's SHA-256 against the
  manifest and refuses (one line) a chunk damaged since it was written.

The temporary files of a write that was killed (``.runs-*.parquet.*.tmp``, ``.manifest.json.*.tmp``
and those of the summary and plots the ``risk`` command writes beside them) are deleted when the
folder is opened again (fresh or resumed).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from ilrs._io import atomic_path, write_text_atomic
from ilrs.errors import InputError

MANIFEST = "manifest.json"
FORMAT = "ilrs-risk-results/2"
_META_KEY = b"ilrs.risk.study"
_CHUNK_KEY = b"ilrs.risk.chunk"
_SHA256 = re.compile(r"[0-9a-f]{64}")
TEMPORARIES = (".runs-*.parquet.*.tmp", f".{MANIFEST}.*.tmp", ".risk-summary.json.*.tmp", ".timings.json.*.tmp",
               ".milestone-dates.*.tmp", ".tornado-*.tmp", ".kpis.*.tmp")
"""Temporary names (:func:`ilrs._io.atomic_path`) of everything ``ilrs risk`` writes into a results folder."""
Range = tuple[int, int]


def warn(text: str) -> None:
    """One line on stderr: something read back was not used (and is being recomputed)."""
    print(f"warning: {text}", file=sys.stderr, flush=True)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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

    @property
    def digest(self) -> str:
        """SHA-256 of the identity (sorted-key JSON): the ``study`` of the manifest and of every chunk."""
        return sha256_bytes(json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":")).encode())


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
        self.done: dict[Range, int] = {}
        self.digests: dict[Range, str] = {}

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
        for pattern in TEMPORARIES:
            for p in self.folder.glob(pattern):
                p.unlink(missing_ok=True)

    @classmethod
    def resume(cls, folder: str | Path, identity: StudyIdentity) -> "ResultStore":
        """Reopen a study; chunks already on disk that pass every check are kept, the rest will run
        again (see the module docstring)."""
        folder = Path(folder)
        path = folder / MANIFEST
        if not path.exists():
            return cls.create(folder, identity)
        old = read_manifest(folder)
        for key, value in identity.as_dict().items():
            if old[key] != value:
                raise InputError(
                    f"cannot resume: these results were made with {key}={old[key]!r}, "
                    f"this study has {key}={value!r} (start afresh without --resume, or use another --out)",
                    file=str(path), field=key)
        store = cls(folder, identity)
        store._remove_temporaries()
        recorded = _recorded_digests(old["chunks"])
        for start, stop in store.ranges:
            name = chunk_file_name(start, stop)
            if not (folder / name).exists():
                continue
            why = store._why_not_kept(start, stop, recorded.get((start, stop)))
            if why is None:
                store.done[(start, stop)] = stop - start
                store.digests[(start, stop)] = recorded[(start, stop)]
            else:
                warn(f"{folder / name}: {why}; running runs {start}..{stop - 1} again")
        store._remove_strays()
        store.write_manifest()
        return store

    def _why_not_kept(self, start: int, stop: int, expected: str | None) -> str | None:
        """Why the chunk file of runs [start, stop) cannot be kept; None when it is whole and ours."""
        try:
            data = (self.folder / chunk_file_name(start, stop)).read_bytes()
        except OSError as exc:
            return f"unreadable ({exc.strerror or exc.__class__.__name__})"
        try:
            pf = pq.ParquetFile(pa.BufferReader(data), page_checksum_verification=True)
            kv = pf.metadata.metadata or {}
            study = json.loads(kv.get(_META_KEY, b"null"))
            chunk = json.loads(kv.get(_CHUNK_KEY, b"null"))
            table = pf.read()  # every page, its checksum verified
            runs = table.column("run").to_pylist() if "run" in table.column_names else None
        except Exception:  # pyarrow raises many kinds on damaged bytes
            return "damaged (not readable Parquet)"
        if study != self.identity.as_dict() or not isinstance(chunk, dict) or chunk.get("study") != self.identity.digest:
            return "made by another study"
        if (chunk.get("start"), chunk.get("stop")) != (start, stop):
            return f"holds runs {chunk.get('start')}..{chunk.get('stop')} (a copy of another chunk?)"
        if runs != list(range(start, stop)):
            return f"its run column is not exactly runs {start}..{stop - 1}"
        if expected is None:
            return "not recorded in manifest.json (written just before an interruption?)"
        if sha256_bytes(data) != expected:
            return "its SHA-256 differs from the one manifest.json recorded (damaged or replaced)"
        return None

    def _remove_strays(self) -> None:
        """Remove ``runs-*.parquet`` files that are no chunk of this study (another chunk size,
        overlapping ranges): they would make the folder lie about what it holds."""
        mine = {chunk_file_name(a, b) for a, b in self.ranges}
        for p in sorted(self.folder.glob("runs-*.parquet")):
            if p.name in mine:
                continue
            warn(f"{p}: not a chunk of this study (overlapping or another chunk size); removed")
            try:
                p.unlink()
            except OSError as exc:
                raise InputError(f"cannot remove it ({exc.strerror or exc.__class__.__name__})", file=str(p)) from None

    # -- writing -----------------------------------------------------------------------------
    @property
    def pending(self) -> list[Range]:
        return [r for r in self.ranges if r not in self.done]

    @property
    def done_runs(self) -> int:
        return sum(self.done.values())

    @property
    def complete(self) -> bool:
        return not self.pending

    def write_chunk(self, start: int, stop: int, table: pa.Table) -> Path:
        """Write one finished chunk atomically (with its identity, range and page checksums), then
        record it and its SHA-256 in the manifest."""
        if (start, stop) not in self.ranges:
            raise ValueError(f"[{start}, {stop}) is not a chunk of this study")
        if table.num_rows != stop - start or table.column("run").to_pylist() != list(range(start, stop)):
            raise ValueError(f"chunk [{start}, {stop}) does not hold exactly those runs")
        meta = dict(table.schema.metadata or {})
        meta[_META_KEY] = json.dumps(self.identity.as_dict()).encode()
        meta[_CHUNK_KEY] = json.dumps({"start": start, "stop": stop, "study": self.identity.digest}).encode()
        table = table.replace_schema_metadata(meta)
        path = self.folder / chunk_file_name(start, stop)
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp, compression="zstd", write_page_checksum=True)
            digest = sha256_bytes(tmp.read_bytes())
        self.done[(start, stop)] = table.num_rows
        self.digests[(start, stop)] = digest
        self.write_manifest()
        return path

    def write_manifest(self) -> Path:
        data = {
            "format": FORMAT,
            "study": self.identity.digest,
            **self.identity.as_dict(),
            "complete": self.complete,
            "done_runs": self.done_runs,
            "chunks": [{"file": chunk_file_name(a, b), "start": a, "stop": b, "done": (a, b) in self.done,
                        "sha256": self.digests.get((a, b))} for a, b in self.ranges],
        }
        return write_text_atomic(self.folder / MANIFEST, json.dumps(data, indent=1) + "\n")

    # -- reading -----------------------------------------------------------------------------
    def read(self) -> pa.Table:
        """Every finished run, in run order (each chunk's bytes checked against its SHA-256)."""
        return _read_chunks(self.folder, [(chunk_file_name(*r), self.digests[r]) for r in sorted(self.done)])


def _manifest_problem(m: Any) -> str | None:
    """What makes ``m`` (parsed JSON) no manifest of this format; None when it is one."""
    if not isinstance(m, dict):
        return f"a JSON {type(m).__name__ if m is not None else 'null'}, not an object"
    if m.get("format") != FORMAT:
        return f"format {m.get('format')!r}, this ilrs reads {FORMAT!r}"
    for key, kind in (("study", str), ("scenario_hash", str), ("seed", int), ("runs", int), ("chunk_runs", int),
                      ("run_function", str), ("chunks", list)):
        if not isinstance(m.get(key), kind) or isinstance(m.get(key), bool):
            return f"{key!r} missing or not a {kind.__name__}"
    if m["runs"] < 0 or m["chunk_runs"] < 1:
        return f"runs={m['runs']}, chunk_runs={m['chunk_runs']} (need runs >= 0, chunk_runs >= 1)"
    ident = StudyIdentity(m["scenario_hash"], m["seed"], m["runs"], m["chunk_runs"], m["run_function"])
    if m["study"] != ident.digest:
        return "its 'study' hash does not match its identity fields"
    for c in m["chunks"]:
        if not (isinstance(c, dict) and all(type(c.get(k)) is int for k in ("start", "stop"))
                and (c.get("sha256") is None or (isinstance(c["sha256"], str) and _SHA256.fullmatch(c["sha256"])))):
            return f"a malformed chunk entry {json.dumps(c)[:80]}"
    return None


def _recorded_digests(chunks: list[dict[str, Any]]) -> dict[Range, str]:
    """Range -> SHA-256 of every chunk the manifest recorded once (a range listed twice with two
    checksums is trusted with neither)."""
    seen: dict[Range, set[str]] = {}
    for c in chunks:
        if c.get("sha256"):
            seen.setdefault((c["start"], c["stop"]), set()).add(c["sha256"])
    return {r: next(iter(d)) for r, d in seen.items() if len(d) == 1}


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """``manifest.json`` of a results folder, checked (a one-line InputError when missing or malformed)."""
    path = Path(folder) / MANIFEST
    if not path.exists():
        raise InputError("no Monte Carlo results here (manifest.json missing)", file=str(folder))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
        raise InputError(f"unreadable manifest ({exc.__class__.__name__}); start afresh without --resume, "
                         "or use another --out", file=str(path)) from None
    problem = _manifest_problem(data)
    if problem:
        raise InputError(f"not a manifest of ilrs risk results: {problem}; start afresh without --resume, "
                         "or use another --out", file=str(path))
    return data


def _read_chunks(folder: Path, entries: list[tuple[str, str]]) -> pa.Table:
    tables = []
    for name, digest in entries:
        path = folder / name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read a chunk ({exc.strerror or exc.__class__.__name__}); run the study "
                             "again with --resume", file=str(path)) from None
        if sha256_bytes(data) != digest:
            raise InputError("chunk damaged since it was written (its SHA-256 differs from manifest.json's); "
                             "run the study again with --resume", file=str(path))
        tables.append(pq.read_table(pa.BufferReader(data)).replace_schema_metadata(None))
    return concat_tables(tables)


def read_results_folder(folder: str | Path) -> pa.Table:
    """The runs of a results folder (the chunks its manifest records, each checked against its
    SHA-256), in run order."""
    folder = Path(folder)
    m = read_manifest(folder)
    ranges = set(chunk_ranges(m["runs"], m["chunk_runs"]))
    return _read_chunks(folder, [(chunk_file_name(*r), d) for r, d in sorted(_recorded_digests(m["chunks"]).items())
                                 if r in ranges])
