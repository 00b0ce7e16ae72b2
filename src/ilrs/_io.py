"""Atomic writes (a result is written to a temporary name in the same folder, then renamed), the
clean-up of temporaries a killed writer left (:func:`remove_stale_temporaries`), checked cache
entries (:func:`write_entry`, :func:`read_entry`) and the one JSON convention of every output
(:func:`to_json`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import hashlib
import json
import math
import os
import re
import shutil
import stat
import tempfile
from enum import Enum
from pathlib import Path
from typing import Any, Iterator

from ilrs.errors import ComputationError, IlrsError, InputError


_NOT_OURS = ((stat.S_ISLNK, "symbolic link"), (stat.S_ISDIR, "folder"), (stat.S_ISCHR, "device"),
             (stat.S_ISBLK, "device"), (stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"))


def check_output_target(path: str | os.PathLike, field: str | None = None) -> Path:
    """Refuse (one-line InputError) an output path that is not ours to replace: a symbolic link
    (never followed), a folder, a device, a FIFO or a socket. A new path or a regular file is fine:
    an output only ever replaces a regular file (run as root, a rename onto ``/dev/null`` would
    replace the device)."""
    target = Path(path)
    try:
        mode = os.lstat(target).st_mode
    except (FileNotFoundError, NotADirectoryError):  # new (a parent that is no folder fails its own way)
        return target
    for test, kind in _NOT_OURS:
        if test(mode):
            raise InputError(f"is a {kind}, not a regular file: refusing to replace it", file=str(target),
                             field=field)
    return target


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (``.NAME.PID.<random>.tmp``: the writer's process id
    is in the name); rename it onto ``path`` only if the block succeeds and ``path`` is still new or
    a regular file (:func:`check_output_target`, before and after). Temporaries of ``path`` that a
    killed writer left are deleted first (:func:`remove_stale_temporaries`)."""
    final = check_output_target(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(final.parent, final.name)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.{os.getpid()}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    umask = os.umask(0)
    os.umask(umask)
    try:
        yield tmp_path
        if tmp_path.exists():
            os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp makes 0600; give the usual file mode
        check_output_target(final)  # something may have appeared there while we computed
        os.replace(tmp_path, final)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.(?P<pid>[0-9]+)\.[A-Za-z0-9_]{8}\.tmp$")


def _writer_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process, or a number no process has: leave it
    return True


def remove_stale_temporaries(folder: str | os.PathLike, name: str | None = None) -> list[Path]:
    """Delete the temporaries :func:`atomic_path` made in ``folder`` (of output ``name`` only, or
    of any output) whose writing process no longer runs (killed mid-write: such a file can never be
    finished). Only regular files named like ``.NAME.PID.<random>.tmp`` are touched; a temporary
    of a live writer, another file or anything that is not a regular file is left alone. Returns
    what was deleted; a folder that cannot be listed is skipped."""
    removed = []
    pattern = f".{glob.escape(name)}.*.tmp" if name else ".*.tmp"
    try:
        candidates = list(Path(folder).glob(pattern))
    except OSError:
        return removed
    for p in candidates:
        m = _TEMPORARY.match(p.name)
        if m is None or (name is not None and m["name"] != name) or _writer_alive(int(m["pid"])):
            continue
        try:
            if stat.S_ISREG(os.lstat(p).st_mode):
                p.unlink()
                removed.append(p)
        except OSError:
            continue
    return removed


def glob_escape(text: str) -> str:
    """``text`` with the glob metacharacters ``*?[`` taken literally."""
    return re.sub(r"([*?\[])", r"[\1]", text)


ENTRY_MAGIC = b"ILRS-CACHE-ENTRY 1\n"
"""First line of a cache entry; the second is a JSON header (``key``: the hash of the inputs,
``parts``: [[name, size], ...], ``sha256``: of the payload), then the payload (the parts' bytes)."""


class DamagedEntry(Exception):
    """A cache entry that cannot be trusted (the message says why)."""


def write_entry(path: str | os.PathLike, key: str, parts: dict[str, bytes]) -> None:
    """Write one cache entry atomically: header (key, part sizes, SHA-256) and payload in one file,
    renamed into place complete, so a reader (or a second writer) never sees a torn entry."""
    payload = b"".join(parts.values())
    header = {"key": key, "parts": [[n, len(b)] for n, b in parts.items()],
              "sha256": hashlib.sha256(payload).hexdigest()}
    write_bytes_atomic(path, ENTRY_MAGIC + json.dumps(header).encode() + b"\n" + payload)


def read_entry(path: str | os.PathLike, key: str) -> dict[str, bytes] | None:
    """The parts of the entry at ``path`` written for ``key``; None where there is none. Raises
    :class:`DamagedEntry` for anything else: not a regular file, truncated, garbled, another key's
    entry (stale) or a payload whose checksum fails."""
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not stat.S_ISREG(mode):
        raise DamagedEntry("not a regular file")
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise DamagedEntry(f"unreadable ({exc.strerror or exc})") from None
    if not data.startswith(ENTRY_MAGIC):
        raise DamagedEntry("empty" if not data else "not a cache entry (garbled or of an older version)")
    head, sep, payload = data[len(ENTRY_MAGIC):].partition(b"\n")
    try:
        header = json.loads(head)
        names, sizes = zip(*[(str(n), int(z)) for n, z in header["parts"]]) if header["parts"] else ((), ())
        digest, stored_key = str(header["sha256"]), header["key"]
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise DamagedEntry("garbled header") from None
    if not sep or len(payload) != sum(sizes):
        raise DamagedEntry(f"truncated or padded ({len(payload)} payload bytes, header says {sum(sizes)})")
    if stored_key != key:
        raise DamagedEntry("written for other inputs (stale)")
    if hashlib.sha256(payload).hexdigest() != digest:
        raise DamagedEntry("checksum mismatch (garbled)")
    out, at = {}, 0
    for n, z in zip(names, sizes):
        out[n], at = payload[at:at + z], at + z
    return out


def load_arrays_entry(path: str | os.PathLike, key: str, log, what: str = "cache entry") -> dict | None:
    """The arrays of the ``.npz`` entry at ``path`` (no pickle), or None: nothing stored, or a
    damaged entry — deleted, with a one-line warning on ``log`` naming ``what`` — to recompute."""
    import io
    import zipfile

    import numpy as np

    try:
        parts = read_entry(path, key)
        if parts is None:
            return None
        with np.load(io.BytesIO(parts["npz"]), allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (DamagedEntry, KeyError, OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        log.warning("ilrs: %s %s is damaged: %s; deleted, recomputing", what, Path(path).name,
                    str(exc) or type(exc).__name__)
        discard_entry(path)
        return None


def save_arrays_entry(path: str | os.PathLike, key: str, arrays: dict) -> None:
    """Store ``arrays`` as an ``.npz`` entry; one that cannot be stored (no room, an object array)
    is skipped: the result stands."""
    import io

    import numpy as np

    buf = io.BytesIO()
    try:
        np.savez(buf, **{k: np.asarray(v) for k, v in arrays.items()})
        write_entry(path, key, {"npz": buf.getvalue()})
    except (OSError, ValueError, IlrsError):
        pass


def discard_entry(path: str | os.PathLike) -> None:
    """Delete a damaged cache entry (a folder in its place included; a link is removed, never
    followed); what cannot be deleted is left for the next write to report."""
    p = Path(path)
    try:
        if stat.S_ISDIR(os.lstat(p).st_mode):
            shutil.rmtree(p)
        else:
            p.unlink()
    except OSError:
        pass


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def _json_value(obj: Any) -> Any:
    """JSON form of what ``json`` cannot write: ISO dates, numpy scalars and arrays, enums, sets."""
    if isinstance(obj, (dt.date, dt.datetime)):
        return obj.isoformat()
    if getattr(obj, "ndim", 0) > 0 and hasattr(obj, "tolist"):  # numpy arrays
        return obj.tolist()
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")


def to_json(data: Any) -> str:
    """Indented UTF-8 JSON. NaN and infinities are not JSON and never reach an output silently: a
    value the inputs cannot decide is written as ``null`` by its producer, with the reason beside it;
    a non-finite number that gets here is a computation gone wrong, refused in one line naming the
    quantity (its key path)."""
    try:
        return json.dumps(data, indent=2, default=_json_value, ensure_ascii=False, allow_nan=False)
    except ValueError:
        path = _first_non_finite(data, "")
        if path is None:
            raise
        raise ComputationError(f"{path or 'the result'} is not a finite number: nothing written") from None


def _first_non_finite(value: Any, path: str) -> str | None:
    """The key path (``a.b[3]``) of the first NaN or infinity in nested dicts and lists, or None."""
    if isinstance(value, float):
        return None if math.isfinite(value) else path
    if isinstance(value, dict):
        items = ((f"{path}.{k}" if path else str(k), v) for k, v in value.items())
    elif isinstance(value, (list, tuple)):
        items = ((f"{path}[{i}]", v) for i, v in enumerate(value))
    elif hasattr(value, "tolist") or hasattr(value, "item"):
        return _first_non_finite(_json_value(value), path)
    else:
        return None
    for sub, v in items:
        found = _first_non_finite(v, sub)
        if found is not None:
            return found
    return None
