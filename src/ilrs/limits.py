"""Resource limits stated up front: an allocation is estimated before it is made and refused with
one line when it would exceed the memory limit, naming what sets its size.

The limit is ``$ILRS_MEMORY_LIMIT_GB`` (GiB) when set, else half of the machine's physical memory
(a safe share: the rest is the interpreter, the libraries and everything else running).
"""

from __future__ import annotations

import os

from ilrs.errors import InputError

GIB = 1024 ** 3


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
