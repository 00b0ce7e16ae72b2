"""Bounded resources stated up front (issue 16, item 2): a grid too large for memory is refused with
one line before it is allocated, naming what makes it smaller; ``ILRS_MEMORY_LIMIT_GB`` sets the limit."""

from __future__ import annotations

import time

import pytest

from ilrs.environment import time_grid
from ilrs.errors import InputError
from ilrs.limits import GIB, memory_limit_bytes


def test_the_limit_is_the_environment_variable_or_half_the_memory(monkeypatch):
    monkeypatch.setenv("ILRS_MEMORY_LIMIT_GB", "0.5")
    assert memory_limit_bytes() == GIB // 2
    for bad in ("abc", "-1", "0", "nan", "inf"):
        monkeypatch.setenv("ILRS_MEMORY_LIMIT_GB", bad)
        with pytest.raises(InputError, match="ILRS_MEMORY_LIMIT_GB"):
            memory_limit_bytes()
    monkeypatch.delenv("ILRS_MEMORY_LIMIT_GB")
    assert 0 < memory_limit_bytes() < 2 ** 50


def test_a_grid_over_the_limit_is_refused_before_it_is_made(monkeypatch):
    monkeypatch.setenv("ILRS_MEMORY_LIMIT_GB", "0.001")  # ~1 MiB: 2,048 epochs at 512 B each
    assert time_grid("2027-01-01", days=1).size == 24  # 12 KiB: fine
    with pytest.raises(InputError) as err:
        time_grid("2027-01-01", days=365)  # 8,760 epochs, 4.3 MiB
    assert "8,760 epochs" in str(err.value) and "\n" not in str(err.value)


def test_ops_over_forty_years_at_36_seconds_is_one_line_not_memory_error(ilrs_cli):
    # 40 years at 0.01 h: 40 × 365.25 × 24 / 0.01 = 35,064,000 steps (inside each option's own range)
    t0 = time.perf_counter()
    r = ilrs_cli("ops", "--years", "40", "--step", "36s", "--quiet",
                 env_extra={"ILRS_MEMORY_LIMIT_GB": "8"})
    assert r.returncode == 2, r.stderr[-1000:]
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "35,064,000 epochs" in lines[0] and "ILRS_MEMORY_LIMIT_GB" in lines[0]
    assert time.perf_counter() - t0 < 60
