"""sensitivity() ranks the output once: its ρ are exactly each pair's own Spearman ρ, gaps included."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ilrs.risk.stats import sensitivity, spearman

cell = st.one_of(st.integers(0, 4).map(float), st.just(float("nan")), st.just(float("inf")))


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 40).flatmap(lambda n: st.tuples(st.lists(cell, min_size=n, max_size=n),
                                                      st.lists(st.lists(cell, min_size=n, max_size=n),
                                                               min_size=1, max_size=5))))
def test_sensitivity_equals_pairwise_spearman(data):
    output, columns = data
    inputs = {f"x{k}": np.array(c) for k, c in enumerate(columns)}
    expected = [{"input": k, "spearman_rho": r} for k, r in ((k, spearman(v, np.array(output)))
                                                               for k, v in inputs.items()) if math.isfinite(r)]
    expected.sort(key=lambda r: (-abs(r["spearman_rho"]), r["input"]))
    assert sensitivity(inputs, np.array(output)) == expected


def test_perfect_and_reversed_ranks():
    x = np.arange(10.0)
    rows = sensitivity({"up": x, "down": -x, "flat": np.ones(10)}, x ** 3)
    assert [(r["input"], r["spearman_rho"]) for r in rows] == [("down", -1.0), ("up", 1.0)]
