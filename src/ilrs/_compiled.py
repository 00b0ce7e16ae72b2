"""Which implementation the hot loops use: compiled (numba) kernels or the NumPy reference.

``ILRS_KERNELS=numpy`` selects the pure-NumPy path everywhere (the reference the tests compare
the kernels against); ``ILRS_KERNELS=numba`` (the default) uses the compiled kernels when numba
imports, else falls back to NumPy. The choice is read at each call, so tests may switch it.

Compiled code is cached (numba ``cache=True``): next to the module's ``__pycache__`` when that is
writable, else numba's user-wide cache (``$NUMBA_CACHE_DIR`` or ``~/.cache/numba``), so an
installed, read-only package still caches. Only the first call on a fresh machine compiles.
"""

from __future__ import annotations

import os
from functools import lru_cache

KERNELS_ENV = "ILRS_KERNELS"
CHOICES = ("numba", "numpy")


@lru_cache(maxsize=1)
def _numba_importable() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:  # pragma: no cover - numba is a declared dependency
        return False
    return True


def kernels_choice() -> str:
    """``numba`` or ``numpy``: the implementation the next call will use."""
    want = os.environ.get(KERNELS_ENV, "numba").strip().lower() or "numba"
    if want not in CHOICES:
        from ilrs.errors import InputError

        raise InputError(f"{KERNELS_ENV}={want!r} is not a kernel choice", field=KERNELS_ENV, allowed=list(CHOICES))
    return "numba" if want == "numba" and _numba_importable() else "numpy"


def use_compiled() -> bool:
    """True when the compiled kernels are selected and available."""
    return kernels_choice() == "numba"
