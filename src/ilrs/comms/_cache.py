"""On-disk cache of comms geometry (relay states, DEM horizons of coverage grids, downlink
timelines): one file per key under ``$ILRS_CACHE_DIR/comms/`` (default ``~/.cache/ilrs``), keyed by
a SHA-256 of everything the result depends on (inputs, the packaged data files' sizes and dates,
:data:`CACHE_VERSION`).

Each entry is a checked file (:func:`ilrs._io.write_entry`: the key and the SHA-256 of the payload,
an ``.npz`` archive, inside it), written whole to a temporary name and renamed, so concurrent
writers never leave a torn entry. An entry that is truncated, garbled, written for another key or
fails its checksum is deleted with a one-line warning (logger ``ilrs.cache``) and recomputed."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from ilrs._compiled import kernels_choice
from ilrs._io import load_arrays_entry, save_arrays_entry

CACHE_VERSION = "comms-5"
"""The model version: bump it whenever what a cached result depends on changes in code rather than
in inputs (comms-2: element frame tied to the Earth direction, station-keeping manoeuvres and their
record, surface-impact check, analytic mode with lunar-equator J2 and Earth/Sun secular rates;
comms-3: the analytic mode integrates the averaged Milankovitch-vector equations, poles sampled
daily; comms-4: checked entries, ``.entry`` files carrying their key and checksum; comms-5: Kepler's
equation solved element by element, station nutation interpolated — changes of ~1e-15 rad)."""

log = logging.getLogger("ilrs.cache")


def cache_folder() -> Path:
    base = os.environ.get("ILRS_CACHE_DIR")
    return (Path(base) if base else Path.home() / ".cache" / "ilrs") / "comms"


def _data_stamp() -> list:
    from ilrs.data import data_path

    out = []
    for parts in (("relays.yaml",), ("ground_stations.yaml",), ("gravity", "grgm1200a_d50.npz")):
        p = data_path(*parts)
        st = p.stat()
        out.append([p.name, st.st_size, int(st.st_mtime)])
    return out


def cache_key(kind: str, inputs: Any) -> str:
    # the kernel choice is part of the key: compiled and NumPy results agree to ~1e-13, not bit for bit
    text = json.dumps({"v": CACHE_VERSION, "kind": kind, "data": _data_stamp(), "inputs": inputs,
                       "kernels": kernels_choice()},
                      sort_keys=True, default=str)
    return f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:24]}"


def _path(key: str) -> Path:
    return cache_folder() / f"{key}.entry"


def load(key: str) -> dict[str, np.ndarray] | None:
    """The arrays stored for ``key``, or None (nothing stored, or a damaged entry: deleted, warned)."""
    return load_arrays_entry(_path(key), key, log, "comms cache entry")


def save(key: str, arrays: dict[str, np.ndarray]) -> None:
    """Store ``arrays`` for ``key``; a cache that cannot be written is skipped (the result stands)."""
    save_arrays_entry(_path(key), key, arrays)
