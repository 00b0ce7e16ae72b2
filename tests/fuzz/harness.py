"""The shared fuzzing harness: classify one case, count outcomes per test file, size the campaign.

Every fuzz test file imports this module and:

* marks its tests ``pytestmark = pytest.mark.fuzz``;
* sizes its hypothesis runs with :func:`settings_for` (``ILRS_FUZZ_CASES=full`` for ``make fuzz``:
  the full campaign; anything else, the quick slice that ``make test`` runs);
* runs each case through :func:`run_case` (in process) or :func:`run_cli` (a subprocess), which
  return the outcome and count it under the calling test file, and asserts it is not a traceback.

Outcomes: ``"ok"`` (accepted / exit 0), ``"error"`` (a clean one-line ``IlrsError`` / exit 2 with one
stderr line), ``"traceback"`` (anything else: a finding), ``"timeout"``.
``tests/fuzz/conftest.py`` prints the table at the end of the session.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import defaultdict
from pathlib import Path
from typing import Callable

from hypothesis import HealthCheck, settings

from ilrs.errors import IlrsError

CASES_ENV = "ILRS_FUZZ_CASES"
CENSUS_ENV = "ILRS_FUZZ_CENSUS"
"""``ILRS_FUZZ_CENSUS=1``: count findings without failing on them (a census of code before its fixes)."""
OUTCOMES = ("ok", "error", "traceback", "timeout")
MAX_ERROR_CHARS = 500
"""An error line may be this long, plus the length of the file path it names."""
CASE_TIMEOUT_S = 20.0
CLI_TIMEOUT_S = 60.0
MEMORY_LIMIT_BYTES = 6 * 1024**3
"""Address-space limit of a CLI subprocess (a runaway case fails instead of taking the machine down)."""

REPO = Path(__file__).resolve().parents[2]
SRC = Path(__import__("ilrs").__file__).resolve().parents[1]
"""The source tree of the ilrs this session imported (a CLI case runs the same code)."""


def full_campaign() -> bool:
    """True under ``make fuzz`` (``ILRS_FUZZ_CASES=full``)."""
    return os.environ.get(CASES_ENV, "").strip().lower() == "full"


def expect(ok: bool, message: str) -> None:
    """Fail the test with ``message`` unless ``ok`` (under ``ILRS_FUZZ_CENSUS=1`` the outcome is only counted)."""
    if os.environ.get(CENSUS_ENV, "") != "1":
        assert ok, message


def examples(quick: int, full: int) -> int:
    """``quick`` hypothesis examples in the quick slice, ``full`` in the full campaign."""
    return full if full_campaign() else quick


def settings_for(quick: int, full: int) -> settings:
    """Seeded (derandomized), deadline-free hypothesis settings sized for the slice or the campaign."""
    return settings(max_examples=examples(quick, full), derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=False)


class Counter:
    """Outcomes per test file, and the first few findings of each."""

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))
        self.findings: dict[str, list[str]] = defaultdict(list)

    def add(self, where: str, outcome: str, detail: str = "") -> None:
        self.counts[where][outcome] += 1
        if outcome in ("traceback", "timeout") and len(self.findings[where]) < 20:
            self.findings[where].append(detail[:300])

    def table(self) -> list[str]:
        head = f"{'file':28} {'cases':>7} {'ok/exit 0':>10} {'clean error':>12} {'tracebacks':>11} {'time-outs':>10}"
        lines = [head]
        total = dict.fromkeys(OUTCOMES, 0)
        for where in sorted(self.counts):
            c = self.counts[where]
            for k in OUTCOMES:
                total[k] += c[k]
            lines.append(f"{where:28} {sum(c.values()):>7} {c['ok']:>10} {c['error']:>12} "
                         f"{c['traceback']:>11} {c['timeout']:>10}")
        if len(self.counts) > 1:
            lines.append(f"{'total':28} {sum(total.values()):>7} {total['ok']:>10} {total['error']:>12} "
                         f"{total['traceback']:>11} {total['timeout']:>10}")
        return lines


COUNTER = Counter()


def _caller_file(depth: int = 2) -> str:
    return Path(sys._getframe(depth).f_globals.get("__file__", "?")).name


def error_line_problem(message: str, file: str | None = None) -> str | None:
    """Why ``message`` is not an acceptable error line (several lines, too long), or None."""
    if "\n" in message or "\r" in message:
        return "error message spans several lines"
    if len(message) > MAX_ERROR_CHARS + len(file or ""):
        return f"error message is {len(message)} characters long"
    return None


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def run_case(fn: Callable[[], object], *, where: str | None = None, file: str | None = None,
             timeout_s: float = CASE_TIMEOUT_S) -> str:
    """Run ``fn()`` in process: ``"ok"`` if it returns, ``"error"`` for a one-line ``IlrsError`` of at
    most :data:`MAX_ERROR_CHARS` (plus ``file``), ``"timeout"`` past ``timeout_s``, else
    ``"traceback"``. Counted under ``where`` (default: the calling test file)."""
    where = where or _caller_file()
    detail = ""
    use_alarm = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    if use_alarm:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout_s)
    try:
        fn()
        outcome = "ok"
    except _Timeout:
        outcome, detail = "timeout", f"more than {timeout_s} s"
    except IlrsError as exc:
        problem = error_line_problem(str(exc), file)
        outcome, detail = ("traceback", f"{problem}: {str(exc)[:200]}") if problem else ("error", "")
    except Exception as exc:  # noqa: BLE001 - any other exception is what a fuzzer looks for
        outcome, detail = "traceback", f"{type(exc).__name__}: {str(exc)[:200]}"
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    COUNTER.add(where, outcome, detail)
    run_case.last_detail = detail
    return outcome


run_case.last_detail = ""


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))


def run_cli(args: list[str], *, where: str | None = None, cwd: str | Path | None = None,
            timeout_s: float = CLI_TIMEOUT_S) -> tuple[str, subprocess.CompletedProcess | None]:
    """Run ``ilrs ARGS`` in a subprocess: ``"ok"`` (exit 0), ``"error"`` (exit 2, exactly one stderr
    line, no traceback), ``"timeout"``, else ``"traceback"``; returns (outcome, the process)."""
    where = where or _caller_file()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), str(REPO)] + [p for p in [env.get("PYTHONPATH")] if p])
    env.setdefault("MPLBACKEND", "Agg")
    try:
        proc = subprocess.run([sys.executable, "-m", "ilrs.cli.main", *args], capture_output=True, text=True,
                              errors="replace", timeout=timeout_s, cwd=cwd, env=env, preexec_fn=_limit_memory)
    except subprocess.TimeoutExpired:
        COUNTER.add(where, "timeout", f"ilrs {' '.join(args)[:200]}: more than {timeout_s} s")
        run_cli.last_detail = "timeout"
        return "timeout", None
    lines = proc.stderr.splitlines()
    if proc.returncode == 0 and "Traceback" not in proc.stderr:
        outcome, detail = "ok", ""
    elif proc.returncode == 2 and len(lines) == 1 and not error_line_problem(lines[0]):
        outcome, detail = "error", ""
    else:
        outcome = "traceback"
        detail = f"ilrs {' '.join(args)[:150]}: exit {proc.returncode}: {proc.stderr.strip()[-300:]}"
    COUNTER.add(where, outcome, detail)
    run_cli.last_detail = detail
    return outcome, proc


run_cli.last_detail = ""
