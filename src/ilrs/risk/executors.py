"""Where Monte Carlo chunks run: in this process, in local worker processes, or on a Dask cluster.

Every executor runs the same task — :func:`run_chunk` on a fixed run range — and yields each
chunk's table as soon as it finishes. A run's result depends only on (payload, seed, run index),
so the results are the same bytes on every executor and for any number of workers.

The run function must be picklable (a module-level function): ``fn(payload, i, seed_sequence)
-> dict`` of bool/int/float/str/None values.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterator, Protocol, Sequence

import pyarrow as pa

from ilrs.errors import ComputationError, InputError
from ilrs.risk.seeds import run_seed_sequence
from ilrs.risk.store import rows_to_table

RunFunction = Callable[[Any, int, Any], dict]
Range = tuple[int, int]


def run_chunk(fn: RunFunction, payload: Any, seed: int, start: int, stop: int) -> pa.Table:
    """Runs ``start .. stop-1``; run i gets ``SeedSequence(seed, spawn_key=(i,))``."""
    rows = [fn(payload, i, run_seed_sequence(seed, i)) for i in range(start, stop)]
    return rows_to_table(rows, start)


def function_name(fn: Callable) -> str:
    """``module:qualname`` of a run function (part of a study's identity)."""
    return f"{getattr(fn, '__module__', '?')}:{getattr(fn, '__qualname__', repr(fn))}"


class Executor(Protocol):
    name: str
    workers: int

    def map_chunks(self, fn: RunFunction, payload: Any, seed: int,
                   ranges: Sequence[Range]) -> Iterator[tuple[Range, pa.Table]]: ...


class SerialExecutor:
    """Every chunk in this process, in order."""

    name = "serial"
    workers = 1

    def map_chunks(self, fn, payload, seed, ranges):
        for a, b in ranges:
            yield (a, b), run_chunk(fn, payload, seed, a, b)


def _modules_of(obj: Any, depth: int = 2) -> set[str]:
    """Modules that unpickling ``obj`` imports (its class's and, for dataclasses, its fields')."""
    import dataclasses

    out = {type(obj).__module__}
    if depth > 0 and dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            out |= _modules_of(getattr(obj, f.name), depth - 1)
    return {m for m in out if m and m != "builtins"}


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _die_with(study_pid: int) -> None:
    """On Linux, end this worker (SIGKILL) when the study's process ends, however it ends, so that a
    study killed with SIGKILL leaves no worker running; elsewhere nothing.

    Two guards: ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` (through libc) for the worker's parent, and,
    when that parent is not the study's process (a ``forkserver`` worker's parent is the fork
    server, which stays alive as long as any worker holds its pipe), a daemon thread that waits on
    a pidfd of the study's process. A study already gone when the worker starts ends it at once."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # no prctl in this C library: the pidfd guard remains
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    if parent == study_pid or not hasattr(os, "pidfd_open"):
        return
    try:
        fd = os.pidfd_open(study_pid)
    except ProcessLookupError:
        os._exit(1)
    except OSError:  # pidfds unsupported (kernel < 5.3): the parent-death signal is all there is
        return
    import threading

    threading.Thread(target=_kill_self_when_readable, args=(fd,), name="ilrs-die-with-study", daemon=True).start()


def _kill_self_when_readable(fd: int) -> None:
    import select
    import signal

    select.select([fd], [], [])  # a pidfd turns readable when its process ends
    os.kill(os.getpid(), signal.SIGKILL)


def _init_worker(study_pid: int, modules: tuple[str, ...]) -> None:
    """A pool worker's initializer: die with the study's process, then import what unpickling needs."""
    _die_with(study_pid)
    _preload(modules)


def _preload(modules: tuple[str, ...]) -> None:
    import importlib

    for m in modules:
        try:
            importlib.import_module(m)
        except ImportError:
            pass


class ProcessExecutor:
    """Local worker processes (``concurrent.futures``), a few chunks in flight per worker.

    Workers start with the ``forkserver`` method where the platform has it (a fork of a
    process that runs no threads; the parent's progress-bar thread cannot deadlock them),
    else ``spawn``. A worker that dies (killed, out of memory) stops the study with a
    :class:`~ilrs.errors.ComputationError`; chunks already written stay, ``--resume`` finishes.
    On Linux a worker dies with this process (:func:`_die_with`), so a study killed with SIGKILL
    leaves no worker behind (nor, once they are gone, the fork server).
    """

    name = "processes"

    def __init__(self, workers: int | None = None, in_flight_per_worker: int = 3):
        if workers is not None and workers < 1:
            raise InputError(f"need at least 1 worker, got {workers}", field="--workers")
        self.workers = int(workers or os.cpu_count() or 1)
        self.in_flight = max(1, self.workers * in_flight_per_worker)

    @staticmethod
    def _context():
        methods = multiprocessing.get_all_start_methods()
        return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")

    def map_chunks(self, fn, payload, seed, ranges):
        ranges = list(ranges)
        if not ranges:
            return
        ctx = self._context()
        preload = tuple(sorted({"numpy", "pyarrow", "ilrs.risk.executors", getattr(fn, "__module__", "ilrs")}
                               | _modules_of(payload)))
        if ctx.get_start_method() == "forkserver":
            # imported once in the fork server (a no-op once it runs): workers fork with them loaded
            ctx.set_forkserver_preload(list(preload))
        task = functools.partial(run_chunk, fn, payload, seed)
        pool = ProcessPoolExecutor(max_workers=min(self.workers, len(ranges)), mp_context=ctx,
                                   initializer=_init_worker, initargs=(os.getpid(), preload))
        todo = iter(ranges)
        running: dict[Any, Range] = {}
        try:
            def top_up() -> None:
                while len(running) < self.in_flight:
                    r = next(todo, None)
                    if r is None:
                        return
                    running[pool.submit(task, *r)] = r

            top_up()
            while running:
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for f in sorted(finished, key=lambda f: running[f]):
                    r = running.pop(f)
                    table = f.result()
                    yield r, table
                top_up()
        except BrokenProcessPool:
            raise ComputationError("a worker process died; finished chunks are saved — run again with --resume") from None
        finally:
            for f in running:
                f.cancel()
            pool.shutdown(wait=True, cancel_futures=True)


def ilrs_source_digest() -> str:
    """sha256 of every ilrs source file: workers must run the same code as this process."""
    import hashlib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for f in sorted(root.rglob("*.py")):
        h.update(str(f.relative_to(root)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")


def scheduler_address(text: str) -> str:
    """``text`` checked as a Dask scheduler address ``scheme://host:port`` (a bare ``host:port``
    means ``tcp://``); anything else is a one-line :class:`~ilrs.errors.InputError`."""
    from urllib.parse import urlsplit

    address = text.strip()
    if "://" not in address:
        address = "tcp://" + address
    try:
        parts = urlsplit(address)
        port = parts.port  # ValueError when not a number in 0..65535
    except ValueError:
        parts, port = None, None
    if (parts is None or parts.scheme not in SCHEDULER_SCHEMES or not parts.hostname or not port
            or parts.path not in ("", "/") or parts.query or parts.fragment or parts.username):
        raise InputError(f"{text!r} is not a Dask scheduler address", field="--scheduler",
                         allowed="tcp://host:port")
    return address.rstrip("/")


def _cluster_failure(exc: BaseException) -> bool:
    """True for what losing the cluster (or the connection to it) raises in this process: not an
    exception that a run function raised on a worker."""
    from concurrent.futures import CancelledError

    try:
        from distributed.scheduler import KilledWorker
    except ImportError:  # pragma: no cover - distributed is there when a DaskExecutor exists
        KilledWorker = ()
    return isinstance(exc, (OSError, TimeoutError, CancelledError, KilledWorker))


class DaskExecutor:
    """A Dask distributed cluster: ``address`` (``tcp://host:8786``) or an existing ``client``.

    The payload is scattered to every worker once; each chunk is one task, a few per worker in
    flight (``in_flight_per_worker``), each released once its table is back, so neither the
    cluster nor this process holds more than a few chunks whatever N is. Dask reruns the
    tasks of a worker that is lost (up to its ``allowed-failures``, 3 by default); a task that
    raises is not retried, since a run is deterministic and would raise again. Results come back
    to this process, which writes them. Losing the scheduler (or a chunk that keeps killing its
    workers) stops the study with a one-line :class:`~ilrs.errors.ComputationError`; chunks
    already written stay, ``--resume`` finishes. Every worker must run the same ilrs code as this
    process (checked before the study starts).
    Needs the optional extra ``cluster`` (``pip install 'ilrs[cluster]'``). A cluster::

        dask scheduler                          # on one machine: prints tcp://HOST:8786
        dask worker tcp://HOST:8786             # on each machine (same ilrs installed)
        ilrs risk -n 1000000 --scheduler tcp://HOST:8786
    """

    name = "dask"

    def __init__(self, address: str | None = None, client: Any = None, timeout_s: float = 20.0,
                 in_flight_per_worker: int = 4):
        try:
            from distributed import Client
        except ImportError:
            raise InputError("the Dask executor needs dask[distributed]: pip install 'ilrs[cluster]'",
                             field="--scheduler") from None
        self._own = client is None
        self._lost = False
        if client is None:
            address = scheduler_address(address or "")
            try:
                client = Client(address, timeout=timeout_s)
            except (OSError, TimeoutError) as exc:
                raise InputError(f"cannot reach the Dask scheduler ({exc.__class__.__name__}: {exc})",
                                 field="--scheduler", allowed="tcp://host:port") from None
        self.client = client
        self.address = address or getattr(getattr(client, "scheduler", None), "address", None)
        self.in_flight_per_worker = int(in_flight_per_worker)

    @property
    def in_flight(self) -> int:
        """Chunks submitted and not yet back: a few per worker thread (read when topping up)."""
        return max(2, self.workers * self.in_flight_per_worker)

    @property
    def workers(self) -> int:
        info = self.client.scheduler_info()
        return max(1, sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values()))

    def map_chunks(self, fn, payload, seed, ranges):
        from distributed import as_completed

        ranges = list(ranges)
        if not ranges:
            return
        self.check_workers()
        where: dict[str, Range] = {}
        remote_payload = None
        todo = iter(ranges)
        finished = as_completed()
        window = self.in_flight
        try:
            try:
                remote_payload = self.client.scatter(payload, broadcast=True, hash=False)
                self._top_up(finished, where, todo, window, (fn, remote_payload, seed))
            except Exception as exc:
                if not _cluster_failure(exc):
                    raise
                raise self._lost_error(exc, None) from None
            for fut in finished:
                table = self._result(fut, where)
                r = where.pop(fut.key)
                fut.release()  # the cluster forgets the chunk once it is here: memory flat in N
                yield r, table
                try:
                    self._top_up(finished, where, todo, window, (fn, remote_payload, seed))
                except Exception as exc:
                    if not _cluster_failure(exc):
                        raise
                    raise self._lost_error(exc, None) from None
        finally:
            try:
                self.client.cancel(list(finished.futures)
                                   + ([remote_payload] if remote_payload is not None else []))
            except Exception:  # the connection is gone (or nothing was submitted): nothing to cancel
                pass

    def _top_up(self, finished, where, todo, window: int, task: tuple) -> None:
        """Keep ``window`` chunks submitted (a few per worker), not the whole study at once;
        ``task``: (run function, the scattered payload, seed)."""
        fn, remote_payload, seed = task
        while len(where) < window:
            r = next(todo, None)
            if r is None:
                return
            fut = self.client.submit(run_chunk, fn, remote_payload, seed, r[0], r[1], pure=False)
            where[fut.key] = r
            finished.add(fut)

    def _result(self, fut, where):
        try:
            return fut.result()
        except Exception as exc:
            # the run function's own exception (status 'error') propagates as on every executor;
            # a cancelled or lost task, or a KilledWorker, means the cluster failed
            if not _cluster_failure(exc) or (fut.status == "error" and not _killed(exc)):
                raise
            raise self._lost_error(exc, where.get(fut.key)) from None

    def _lost_error(self, exc: BaseException, chunk: Range | None) -> ComputationError:
        self._lost = True
        what = f"runs {chunk[0]}..{chunk[1] - 1}" if chunk else "the study"
        if _killed(exc):
            why = f"{what} killed every Dask worker that ran them (out of memory?)"
        else:
            reason = getattr(exc, "reason", None) or exc.__class__.__name__
            why = f"lost the Dask cluster during {what} ({reason})"
        return ComputationError(f"{why}; finished chunks are saved — run again with --resume")

    def check_workers(self) -> None:
        """Raise a one-line error when a worker runs other ilrs code (or none) than this process."""
        mine = ilrs_source_digest()
        try:
            theirs = self.client.run(ilrs_source_digest)
        except Exception as exc:  # e.g. ilrs not importable on a worker
            raise InputError(f"a Dask worker cannot run ilrs ({exc.__class__.__name__}: {exc})",
                             field="--scheduler") from None
        if not theirs:
            raise InputError("the Dask cluster has no workers", field="--scheduler")
        other = sorted(w for w, d in theirs.items() if d != mine)
        if other:
            raise InputError(f"{len(other)} Dask worker(s) run another ilrs version than this machine "
                             f"(e.g. {other[0]}); install the same ilrs on every worker", field="--scheduler")

    def close(self) -> None:
        if not self._own:
            return
        import logging

        quiet = logging.getLogger("distributed.client")
        level = quiet.level
        if self._lost:  # the loss is reported already; not again as a traceback from the reconnect
            quiet.setLevel(logging.CRITICAL + 1)
        try:
            self.client.close(timeout=5)
        except Exception:
            pass
        finally:
            quiet.setLevel(level)


def _killed(exc: BaseException) -> bool:
    return type(exc).__name__ == "KilledWorker"


def make_executor(workers: int | None = None, scheduler: str | None = None, serial: bool = False) -> Executor:
    """The executor the CLI options ask for: ``--scheduler`` → Dask, ``--workers 0``/serial → in-process."""
    if scheduler:
        return DaskExecutor(scheduler_address(scheduler))
    if serial or workers == 0:
        return SerialExecutor()
    return ProcessExecutor(workers)
