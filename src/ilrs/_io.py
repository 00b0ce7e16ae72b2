"""Atomic writes (a result is written to a temporary name in the same folder, then renamed) and the
one JSON convention of every output (:func:`to_json`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import stat
import tempfile
from enum import Enum
from pathlib import Path
from typing import Any, Iterator

from ilrs.errors import InputError


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
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds
    and ``path`` is still new or a regular file (:func:`check_output_target`, before and after)."""
    final = check_output_target(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
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
    """Indented UTF-8 JSON; NaN and infinities are refused (they are not JSON)."""
    return json.dumps(data, indent=2, default=_json_value, ensure_ascii=False, allow_nan=False)
