"""Report figures rendered once: a figure whose inputs did not change is read back, not redrawn
(and :func:`cached_arrays`: the same for a derived product made of arrays, e.g. the coverage map).

:func:`cached_figure` names a plot function (``"module:function"``, imported only on a miss, so a
warm ``ilrs run`` never imports matplotlib) and its arguments. The key is a SHA-256 of

* the arguments' contents (:func:`content_digest`: arrays by dtype, shape and bytes, dataclasses
  and objects by their fields, mappings and sequences element by element);
* every ilrs source file and the packaged data files' sizes and dates (a change to any plotting
  code or dataset redraws);
* matplotlib's version and the matplotlibrc files a user may have (``$MATPLOTLIBRC``,
  ``~/.config/matplotlib/matplotlibrc``, ``./matplotlibrc``): their sizes and dates.

An entry is the image's ``data:`` URI in a checked cache file (:func:`ilrs._io.write_entry`) under
``$ILRS_CACHE_DIR/figures/`` (default ``~/.cache/ilrs``): the same bytes the renderer gives for the
same inputs. Arguments that cannot be digested (an open file, a function) are drawn, not cached.
A damaged entry is deleted with a one-line warning (logger ``ilrs.cache``) and redrawn.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib
import logging
import os
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ilrs._io import DamagedEntry, discard_entry, load_arrays_entry, read_entry, save_arrays_entry, write_entry
from ilrs.errors import IlrsError

log = logging.getLogger("ilrs.cache")
FIGURE_CACHE_VERSION = "figures-1"


class Undigestable(Exception):
    """An argument whose content cannot be digested: the figure is drawn every time."""


def _feed(h, obj: Any, seen: set[int], depth: int = 0) -> None:
    if depth > 40:
        raise Undigestable("nested too deep")
    if obj is None or isinstance(obj, (bool, int, float, complex, str, bytes, Enum, dt.date, dt.time,
                                       dt.timedelta, np.generic)):
        h.update(f"{type(obj).__qualname__}:{obj!r};".encode())
        return
    if isinstance(obj, np.ndarray):
        h.update(f"nd:{obj.dtype.str}:{obj.shape};".encode())
        if obj.dtype.hasobject:
            for x in obj.ravel().tolist():
                _feed(h, x, seen, depth + 1)
        else:
            h.update(np.ascontiguousarray(obj).tobytes())
        return
    if id(obj) in seen:  # a shared or cyclic reference: named, not followed again
        h.update(b"ref;")
        return
    seen.add(id(obj))
    _feed_container(h, obj, seen, depth)


def _feed_container(h, obj: Any, seen: set[int], depth: int) -> None:
    h.update(f"{type(obj).__module__}.{type(obj).__qualname__}{{".encode())
    if isinstance(obj, dict):
        for k in sorted(obj, key=repr):
            _feed(h, k, seen, depth + 1)
            _feed(h, obj[k], seen, depth + 1)
    elif isinstance(obj, (list, tuple)):
        for x in obj:
            _feed(h, x, seen, depth + 1)
    elif isinstance(obj, (set, frozenset)):
        for x in sorted(obj, key=repr):
            _feed(h, x, seen, depth + 1)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            h.update(f"{f.name}=".encode())
            _feed(h, getattr(obj, f.name), seen, depth + 1)
    elif hasattr(obj, "model_dump_json"):  # a pydantic model
        h.update(obj.model_dump_json().encode())
    elif type(obj).__module__.startswith("pyarrow") and hasattr(obj, "to_pydict"):
        _feed(h, obj.schema.to_string(), seen, depth + 1)
        _feed_arrow_columns(h, obj)
    elif hasattr(obj, "__dict__") and not callable(obj):
        _feed(h, {k: v for k, v in vars(obj).items()}, seen, depth + 1)
    else:
        raise Undigestable(type(obj).__qualname__)
    h.update(b"}")


def _feed_arrow_columns(h, table) -> None:
    """Each column of a pyarrow Table or RecordBatch by its arrays' type, length, offset, null count
    and buffers (the values themselves, not a Python copy of them: a 1000-run table in 2 ms, not 65)."""
    for column in table.columns:
        for arr in getattr(column, "chunks", [column]):
            _feed_arrow_array(h, arr)


def _feed_arrow_array(h, arr) -> None:
    h.update(f"arr:{arr.type}:{len(arr)}:{arr.offset}:{arr.null_count};".encode())
    for buf in arr.buffers():  # the children's buffers of nested types included
        h.update(b"-;" if buf is None else buf.to_pybytes() + f";{buf.size};".encode())
    if hasattr(arr, "dictionary"):  # a dictionary array's buffers are its indices
        _feed_arrow_array(h, arr.dictionary)


def content_digest(*args: Any, **kwargs: Any) -> str:
    """SHA-256 of the contents of ``args`` and ``kwargs`` (raises :class:`Undigestable`)."""
    h = hashlib.sha256()
    _feed(h, (args, kwargs), set())
    return h.hexdigest()


@lru_cache(maxsize=1)
def _code_stamp() -> str:
    """Every ilrs source file's bytes, the data files' sizes and dates, matplotlib's version and
    the user's matplotlibrc files (sizes and dates)."""
    from importlib.metadata import PackageNotFoundError, version

    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256(FIGURE_CACHE_VERSION.encode())
    for f in sorted(root.rglob("*.py")):
        h.update(str(f.relative_to(root)).encode())
        h.update(f.read_bytes())
    for f in sorted((root / "data").rglob("*")):
        if f.is_file():
            st = f.stat()
            h.update(f"{f.relative_to(root)}:{st.st_size}:{int(st.st_mtime)};".encode())
    try:
        h.update(version("matplotlib").encode())
    except PackageNotFoundError:
        pass
    rc = [os.environ.get("MATPLOTLIBRC"), Path.home() / ".config" / "matplotlib" / "matplotlibrc", "matplotlibrc"]
    for p in rc:
        if p and Path(p).is_file():
            st = Path(p).stat()
            h.update(f"{Path(p).resolve()}:{st.st_size}:{int(st.st_mtime)};".encode())
    return h.hexdigest()


def cache_folder() -> Path:
    base = os.environ.get("ILRS_CACHE_DIR")
    return (Path(base) if base else Path.home() / ".cache" / "ilrs") / "figures"


def _plot_function(name: str):
    module, _, func = name.partition(":")
    return getattr(importlib.import_module(module), func)


def cached_figure(plot: str, *args: Any, **kwargs: Any) -> str:
    """The ``data:`` URI of ``plot(*args, **kwargs)`` (``plot``: ``"module:function"``), drawn only
    when no figure of the same inputs and code is stored."""
    from ilrs.report.figures import figure_to_data_uri

    try:
        key = f"fig-{hashlib.sha256((plot + content_digest(*args, **kwargs) + _code_stamp()).encode()).hexdigest()[:32]}"
    except Undigestable:
        return figure_to_data_uri(_plot_function(plot)(*args, **kwargs))
    path = cache_folder() / f"{key}.entry"
    try:
        parts = read_entry(path, key)
        if parts is not None:
            return parts["uri"].decode("ascii")
    except (DamagedEntry, KeyError, UnicodeDecodeError) as exc:
        log.warning("ilrs: figure cache entry %s is damaged: %s; deleted, redrawing", path.name,
                    str(exc) or type(exc).__name__)
        discard_entry(path)
    uri = figure_to_data_uri(_plot_function(plot)(*args, **kwargs))
    try:
        write_entry(path, key, {"uri": uri.encode("ascii")})
    except (OSError, IlrsError):
        pass  # a cache that cannot be written is skipped: the figure stands
    return uri


def cached_arrays(compute, *args: Any, **kwargs: Any) -> dict[str, np.ndarray]:
    """``compute(*args, **kwargs)`` (a module-level function returning a dict of arrays), read back
    when the same inputs and code were computed before (the key as :func:`cached_figure`'s; the
    arrays in an ``.npz`` of a checked entry, no pickle: :func:`ilrs._io.load_arrays_entry`)."""
    name = f"{compute.__module__}:{compute.__qualname__}"
    try:
        key = f"arr-{hashlib.sha256((name + content_digest(*args, **kwargs) + _code_stamp()).encode()).hexdigest()[:32]}"
    except Undigestable:
        return compute(*args, **kwargs)
    path = cache_folder() / f"{key}.entry"
    arrays = load_arrays_entry(path, key, log)
    if arrays is None:
        arrays = compute(*args, **kwargs)
        save_arrays_entry(path, key, arrays)
    return arrays
