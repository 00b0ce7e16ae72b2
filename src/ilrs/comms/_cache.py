"""On-disk cache of comms geometry (relay states, downlink timelines): ``.npz`` files under
``$ILRS_CACHE_DIR/comms/`` (default ``~/.cache/ilrs``), keyed by a SHA-256 of everything the
result depends on (inputs, the packaged data files' sizes and dates, :data:`CACHE_VERSION`).
Written atomically; an unreadable entry is ignored and recomputed."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ilrs._io import atomic_path

CACHE_VERSION = "comms-3"
"""The model version: bump it whenever what a cached result depends on changes in code rather than
in inputs (comms-2: element frame tied to the Earth direction, station-keeping manoeuvres and their
record, surface-impact check, analytic mode with lunar-equator J2 and Earth/Sun secular rates;
comms-3: the analytic mode integrates the averaged Milankovitch-vector equations, poles sampled
daily)."""


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
    text = json.dumps({"v": CACHE_VERSION, "kind": kind, "data": _data_stamp(), "inputs": inputs},
                      sort_keys=True, default=str)
    return f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:24]}"


def load(key: str) -> dict[str, np.ndarray] | None:
    path = cache_folder() / f"{key}.npz"
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError, KeyError):
        return None


def save(key: str, arrays: dict[str, np.ndarray]) -> None:
    try:
        with atomic_path(cache_folder() / f"{key}.npz") as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)
    except OSError:
        pass
