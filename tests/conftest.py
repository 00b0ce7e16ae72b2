"""Shared fixtures: run the CLI in-process and capture its output and exit code."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", message=".*finals2000A.all has expired.*")
os.environ.setdefault("MPLBACKEND", "Agg")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """Keep the geometry cache of a test run away from the user's."""
    os.environ["ILRS_CACHE_DIR"] = str(tmp_path_factory.mktemp("ilrs-cache"))
    yield


@pytest.fixture
def ilrs_cli():
    """Run ``ilrs ARGS`` in a subprocess; returns CompletedProcess (text)."""

    def run(*args: str, cwd: str | Path | None = None, timeout: float = 300, env_extra: dict | None = None):
        env = dict(os.environ, PYTHONWARNINGS="ignore", COLUMNS="200", **(env_extra or {}))
        return subprocess.run([sys.executable, "-m", "ilrs.cli.main", *map(str, args)], capture_output=True,
                              text=True, cwd=cwd, env=env, timeout=timeout)

    return run
