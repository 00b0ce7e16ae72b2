"""Report figures and derived arrays computed once: read back for the same inputs and code, redrawn
for any change, never trusted when damaged; ``ilrs --help`` imports no plotting or table library."""

from __future__ import annotations

import base64
import dataclasses
import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ilrs.report import figure_cache
from ilrs.report.figure_cache import cached_arrays, cached_figure, content_digest

ROOT = Path(__file__).resolve().parents[1]
CALLS = {"plot": 0, "arrays": 0}


def line_plot(y, title="t"):
    """A tiny figure (module level: cached_figure imports it by name)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    CALLS["plot"] += 1
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot(np.asarray(y))
    ax.set_title(title)
    return fig


def squares(x, power=2):
    CALLS["arrays"] += 1
    return {"y": np.asarray(x, dtype=float) ** power, "n": np.array(len(x))}


@dataclasses.dataclass
class Box:
    values: np.ndarray
    label: str
    extra: dict


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ILRS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_figure_read_back_is_the_drawn_figure():
    from ilrs.report.figures import figure_to_data_uri

    before = CALLS["plot"]
    first = cached_figure(f"{__name__}:line_plot", [1, 3, 2], title="a")
    second = cached_figure(f"{__name__}:line_plot", [1, 3, 2], title="a")
    assert CALLS["plot"] == before + 1 and second == first
    fresh = figure_to_data_uri(line_plot([1, 3, 2], title="a"))
    assert fresh == first  # the same bytes as drawing it again
    png = base64.b64decode(first.split(",", 1)[1])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    cached_figure(f"{__name__}:line_plot", [1, 3, 2], title="b")  # any change of input: drawn again
    cached_figure(f"{__name__}:line_plot", [1, 3, 2.5], title="a")
    assert CALLS["plot"] == before + 4


def test_damaged_figure_entry_is_redrawn_with_a_warning(cache_dir, caplog):
    uri = cached_figure(f"{__name__}:line_plot", [5, 1])
    (entry,) = (cache_dir / "figures").glob("*.entry")
    entry.write_bytes(entry.read_bytes()[:-7] + b"garbled")
    before = CALLS["plot"]
    with caplog.at_level(logging.WARNING, logger="ilrs.cache"):
        again = cached_figure(f"{__name__}:line_plot", [5, 1])
    assert again == uri and CALLS["plot"] == before + 1
    assert any("damaged" in r.getMessage() for r in caplog.records)


def test_cached_arrays_round_trip_and_key():
    before = CALLS["arrays"]
    a = cached_arrays(squares, [1.0, 2.0, 3.0])
    b = cached_arrays(squares, [1.0, 2.0, 3.0])
    assert CALLS["arrays"] == before + 1
    assert np.array_equal(b["y"], [1.0, 4.0, 9.0]) and int(b["n"]) == 3
    assert all(np.array_equal(a[k], b[k]) for k in a)
    c = cached_arrays(squares, [1.0, 2.0, 3.0], power=3)
    assert np.array_equal(c["y"], [1.0, 8.0, 27.0]) and CALLS["arrays"] == before + 2


def test_undigestable_input_is_refused():
    with pytest.raises(figure_cache.Undigestable):
        content_digest(lambda: 1)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=20), st.text(max_size=8),
       st.integers(0, 19))
def test_content_digest_sees_every_change(values, label, k):
    x = np.array(values)
    box = Box(x, label, {"a": [1, 2], "b": (x, label)})
    same = Box(x.copy(), str(label), {"b": (x.copy(), label), "a": [1, 2]})
    assert content_digest(box) == content_digest(same)
    y = x.copy()
    y[k % y.size] = np.nextafter(y[k % y.size], np.inf)  # one value, one ulp
    assert content_digest(Box(y, label, box.extra)) != content_digest(box)
    assert content_digest(Box(np.append(x, 0.0), label, box.extra)) != content_digest(box)
    assert content_digest(Box(x, label + "!", box.extra)) != content_digest(box)
    assert content_digest(np.zeros(x.size, np.float32)) != content_digest(np.zeros(x.size))  # the dtype counts


def test_help_imports_no_plotting_or_table_library():
    code = ("import sys\nsys.argv = ['ilrs', '--help']\nfrom ilrs.cli.main import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('matplotlib', 'pandas', 'scipy', 'pyarrow', 'skyfield') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
