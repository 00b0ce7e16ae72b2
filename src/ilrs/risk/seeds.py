"""Seeds of Monte Carlo runs: run i draws from ``SeedSequence(seed).spawn(N)[i]``.

``numpy.random.SeedSequence(seed, spawn_key=(i,))`` is, by construction, the i-th child that
``SeedSequence(seed).spawn(N)`` returns for any N > i (NumPy's ``SeedSequence.spawn`` builds each
child with ``spawn_key = self.spawn_key + (n_children_spawned + i,)``; see numpy/random/bit_generator.pyx).
So a run can be replayed alone without spawning the N - 1 others, and its draws do not depend on
N, on the executor or on the number of workers.
"""

from __future__ import annotations

import numpy as np


def run_seed_sequence(seed: int, i: int) -> np.random.SeedSequence:
    """The seed sequence of run ``i`` of a study seeded with ``seed`` (== SeedSequence(seed).spawn(N)[i])."""
    if i < 0:
        raise ValueError(f"run index must be >= 0, got {i}")
    return np.random.SeedSequence(int(seed), spawn_key=(int(i),))


def run_generator(seed: int, i: int) -> np.random.Generator:
    """A PCG64 generator for run ``i``."""
    return np.random.Generator(np.random.PCG64(run_seed_sequence(seed, i)))
