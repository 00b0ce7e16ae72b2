"""No network, shown (issue 16, item 9): ``ilrs run`` of a short scenario, with a cold cache, in a
process that has no network: a new network namespace (``unshare -n``: only a loopback that is
down) where that works, else a socket guard (a ``sitecustomize`` that makes every IP socket's
connect raise). It must pass with exit 0 and write its summary."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.test_kill_safe import short_scenario

GUARD = textwrap.dedent("""
    import socket

    def _refuse(self, *args, **kwargs):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            raise OSError("network disabled by the no-network test")
        return _connect(self, *args, **kwargs)

    _connect = socket.socket.connect
    socket.socket.connect = _refuse
    socket.socket.connect_ex = _refuse
""")

PROBE = ("import socket; s = socket.socket(); s.settimeout(2)\n"
         "try:\n    s.connect(('1.1.1.1', 53))\nexcept OSError:\n    raise SystemExit(0)\nraise SystemExit(1)")


def _unshare_works() -> bool:
    exe = shutil.which("unshare")
    if exe is None:
        return False
    try:
        return subprocess.run([exe, "-n", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _offline(tmp_path: Path) -> tuple[list[str], dict]:
    """The command prefix and environment of a process without network."""
    env = dict(os.environ, PYTHONWARNINGS="ignore", COLUMNS="200", ILRS_CACHE_DIR=str(tmp_path / "cache"))
    if _unshare_works():
        return [shutil.which("unshare"), "-n"], env
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(GUARD)
    env["PYTHONPATH"] = os.pathsep.join([str(guard), env.get("PYTHONPATH", "")])
    return [], env


def test_ilrs_run_passes_without_network(tmp_path):
    prefix, env = _offline(tmp_path)
    probe = subprocess.run([*prefix, sys.executable, "-c", PROBE], env=env, timeout=30)
    assert probe.returncode == 0, "the process could still open a connection"
    out = tmp_path / "out"
    r = subprocess.run([*prefix, sys.executable, "-m", "ilrs.cli.main", "run", "--scenario",
                        str(short_scenario(tmp_path)), "--out", str(out), "--quiet", "--risk-runs", "20"],
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    assert {"environment", "comms", "campaign", "operations", "risk"} <= set(summary)
    assert (out / "report.html").read_text().rstrip().endswith("</html>")
