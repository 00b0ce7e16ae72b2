"""Resource limits stated up front: an allocation is estimated before it is made and refused with
one line when it would exceed the memory limit, naming what sets its size.

* The memory limit is ``$ILRS_MEMORY_LIMIT_GB`` (GiB) when set, else half of the machine's
  physical memory (a safe share: the rest is the interpreter, the libraries and everything else).
* A user input file (GeoTIFF DEM, horizon table) is refused before it is read when it, or a
  raster's decoded pixels, exceeds ``$ILRS_MAX_INPUT_MB`` (MB) when set, else half the memory
  limit (a quarter of physical memory).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from ilrs.errors import InputError

GIB = 1024 ** 3
INPUT_LIMIT_ENV = "ILRS_MAX_INPUT_MB"


def memory_limit_bytes() -> int:
    """``$ILRS_MEMORY_LIMIT_GB`` in bytes, else half the physical memory."""
    given = os.environ.get("ILRS_MEMORY_LIMIT_GB")
    if given:
        try:
            value = float(given)
        except ValueError:
            value = float("nan")
        if not value > 0 or value == float("inf"):
            raise InputError(f"{given[:40]!r} is not a positive number of GiB", field="ILRS_MEMORY_LIMIT_GB")
        return int(value * GIB)
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (ValueError, OSError, AttributeError):  # no sysconf: assume a small machine
        return 4 * GIB


def check_allocation(n_bytes: float, what: str, options: str) -> None:
    """Refuse (one-line InputError) an allocation of ``n_bytes`` over the memory limit; ``what``
    says what would be allocated, ``options`` which settings make it smaller."""
    limit = memory_limit_bytes()
    if n_bytes > limit:
        raise InputError(f"{what} would need about {n_bytes / GIB:,.1f} GiB, more than the memory limit of "
                         f"{limit / GIB:,.1f} GiB (ILRS_MEMORY_LIMIT_GB); make it smaller with {options}")


def input_limit_bytes() -> tuple[int, str]:
    """(the size limit of a user input file in bytes, how it was set)."""
    raw = os.environ.get(INPUT_LIMIT_ENV, "").strip()
    if raw:
        try:
            mb = float(raw)
        except ValueError:
            mb = math.nan
        if not (math.isfinite(mb) and mb > 0):
            raise InputError(f"{raw[:40]!r} is not a positive number of megabytes", field=INPUT_LIMIT_ENV)
        return int(mb * 1e6), f"{INPUT_LIMIT_ENV}={raw}"
    return memory_limit_bytes() // 2, "half the memory limit"


def refuse_oversized(path: str | Path, nbytes: int, what: str) -> None:
    """One-line :class:`InputError` naming ``path`` when ``nbytes`` exceeds :func:`input_limit_bytes`."""
    limit, how = input_limit_bytes()
    if nbytes > limit:
        raise InputError(f"{what}: {nbytes / 1e6:,.1f} MB, above the input limit of {limit / 1e6:,.1f} MB "
                         f"({how}; set {INPUT_LIMIT_ENV} to change it)", file=str(path))
