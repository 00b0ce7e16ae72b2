"""The figure cache digests Arrow tables by their buffers: equal tables share a key, and any change
to a value, a slice, a null or a dictionary gives another."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from ilrs.report.figure_cache import content_digest

values = st.lists(st.one_of(st.none(), st.integers(-5, 5)), min_size=1, max_size=40)


@settings(max_examples=80, deadline=None)
@given(values, values)
def test_tables_share_a_digest_exactly_when_their_contents_are_equal(a, b):
    ta, tb = pa.table({"x": pa.array(a, pa.int64())}), pa.table({"x": pa.array(b, pa.int64())})
    assert (content_digest(ta) == content_digest(tb)) == (a == b)


@settings(max_examples=60, deadline=None)
@given(values, st.integers(0, 39), st.integers(0, 39))
def test_slices_differ_by_their_contents(a, start, length):
    t = pa.table({"x": pa.array(a, pa.int64())})
    s1, s2 = t.slice(start, length), pa.table({"x": pa.array(a[start:start + length], pa.int64())})
    assert content_digest(s1) == content_digest(s1.slice(0))  # the same slice, the same key
    assert (a[start:start + length] == a[start + 1:start + 1 + length]) or \
        content_digest(s1) != content_digest(t.slice(start + 1, length))
    assert s1.to_pylist() == s2.to_pylist()


def test_dictionary_and_float_changes_are_seen():
    d1 = pa.table({"k": pa.array(["a", "b", "a"]).dictionary_encode()})
    d2 = pa.table({"k": pa.array(["c", "d", "c"]).dictionary_encode()})
    assert content_digest(d1) != content_digest(d2)
    x = np.linspace(0.0, 1.0, 1000)
    y = x.copy()
    y[500] = np.nextafter(y[500], 2.0)  # one ulp
    assert content_digest(pa.table({"x": x})) != content_digest(pa.table({"x": y}))
    assert content_digest(pa.table({"x": x})) != content_digest(pa.table({"y": x}))  # the schema counts
