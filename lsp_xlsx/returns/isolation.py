"""Read each return in a worker process that the run can lose without losing the run.

A hostile file can make a parser allocate without limit, loop, or abort the process. The
checks before parsing (:mod:`~lsp_xlsx.returns.sniff`, :mod:`~lsp_xlsx.returns.xlsx_scan`)
catch the ways found so far; this module is the design that makes the promise hold for
ways nobody has found yet. Each worker:

* runs under a memory limit (``RLIMIT_AS``: ``Limits.max_memory``, where the system has
  one: not on Windows), so an allocation that would take the machine down fails inside
  the worker instead;
* reads one file at a time (the next is sent ahead, so it never waits for this process),
  and is stopped if the file takes longer than ``Limits.max_seconds``: the file is
  refused, and the one waiting behind it goes to the new worker;
* refuses, before any parser runs, a workbook naming more sheets than ``Limits.max_sheets``,
  and sends back no result bigger than ``Limits.max_result_size`` (the file is refused
  instead), so the main process's work per file is bounded too;
* is replaced when it dies, and only the file it was reading is refused, with a reason.

Limits are in work done (bytes, cells, sheets, findings), so a file gets the same verdict
however busy the machine is; time is the last resort. :class:`Isolated` runs any task this
way: :class:`IsolatedReader` reads returns with it, and ``lsp-xlsx agree`` the board's
comparison (:func:`read_isolated`).

Workers start from a fork server (not a fork of this process, which may hold pandas' and
OpenBLAS' threads) and read many files each, so isolation costs little.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import pickle
import signal
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from lsp_xlsx.core.findings import Code
from lsp_xlsx.core.memory import release_freed_memory
from lsp_xlsx.core.xmlrows import sheet_count
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.returns.model import Return
from lsp_xlsx.returns.sniff import Limits

_CONTEXT = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"

#: What a worker does with one file (picklable: a module-level function or a partial of one).
Task = Callable[[Path], Any]
#: How a file is refused when its task cannot finish: ``refuse(path, code, **params)``.
Refuse = Callable[..., Any]


def too_many_sheets(path: Path, limits: Limits) -> dict[str, str] | None:
    """The refusal's details when the package at ``path`` names more sheets than
    ``limits.max_sheets``, else None. Counted from the workbook part's bytes before any
    parser runs, so the verdict is the same however busy the machine is."""
    try:
        with zipfile.ZipFile(path) as archive:
            count = sheet_count(archive, limits.max_sheets)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError):
        return None  # not a package, or a broken one: the reader says which
    if count <= limits.max_sheets:
        return None
    return {"sheets": f"more than {limits.max_sheets:,}", "limit": f"{limits.max_sheets:,}"}


def _run(path: Path, task: Task, refuse: Refuse, limits: Limits) -> Any:
    """One file's result, or its refusal: a limit broken, a parser's surprise, no memory."""
    sheets = too_many_sheets(path, limits)
    if sheets is not None:
        return refuse(path, Code.REFUSED_TOO_MANY_SHEETS, **sheets)
    try:
        return task(path)
    except MemoryError:
        return refuse(path, Code.REFUSED_CRASHED, detail=_memory(limits))
    except Exception as exc:  # a bug or a parser's surprise: this file only
        detail = f"{type(exc).__name__}: {str(exc).splitlines()[0][:150] if str(exc) else ''}"
        return refuse(path, Code.REFUSED_CRASHED, detail=detail)


def _pickled(path: Path, result: Any, refuse: Refuse, limits: Limits) -> bytes:
    """The result as the bytes sent back; a result over ``limits.max_result_size`` is
    replaced by the file's refusal, so the main process never unpacks a huge one."""
    try:
        blob = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        size = len(blob)
    except MemoryError:
        blob, size = b"", limits.max_memory
    if size <= limits.max_result_size:
        return blob
    del blob
    refusal = refuse(
        path,
        Code.REFUSED_RESULT_TOO_LARGE,
        size=f"{size:,}" if size < limits.max_memory else f"more than {size:,}",
        limit=f"{limits.max_result_size:,}",
    )
    return pickle.dumps(refusal, protocol=pickle.HIGHEST_PROTOCOL)


def _serve(conn: Connection, task: Task, refuse: Refuse, limits: Limits) -> None:
    """A worker: run ``task`` on each path sent, send back its result; stop at None."""
    # A parser's own output (Rust panic text, backtraces, "memory allocation failed") is
    # never the report: the refusal says why. So the worker's stderr goes nowhere.
    os.environ["RUST_BACKTRACE"] = "0"
    with contextlib.suppress(OSError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    try:
        import resource  # not on Windows: there the time limit still bounds each file

        resource.setrlimit(resource.RLIMIT_AS, (limits.max_memory, limits.max_memory))
    except (ImportError, ValueError, OSError):
        pass
    while True:
        path = conn.recv()
        if path is None:
            return
        conn.send_bytes(_pickled(path, _run(path, task, refuse, limits), refuse, limits))


def _memory(limits: Limits) -> str:
    return f"it needed more than {limits.max_memory / 2**20:,.0f} MiB of memory (--max-memory)"


def _refused(path: Path, code: Code, *, framework: Framework, **params: Any) -> Return:
    ret = Return(path=Path(path), rated_total=len(framework.rated_questions))
    with contextlib.suppress(OSError):
        ret.mtime = Path(path).stat().st_mtime
    return ret.refuse(code, **params)


def _read_one_return(
    path: Path,
    framework: Framework,
    limits: Limits,
    partners: Sequence[Partner] | None,
    partners_file: str,
) -> Return:
    from lsp_xlsx.returns.reader import read_return

    ret = read_return(path, framework, limits, partners, partners_file)
    ret.summarise_omitted()
    return ret


#: Files sent to a worker ahead of the one it is reading, so that it starts the next as
#: soon as it sends a result, instead of waiting while this process unpacks that result.
AHEAD = 1


@dataclass
class _Worker:
    process: Any
    conn: Connection
    #: The files sent to it, in order; the first is the one it is reading.
    jobs: list[int] = field(default_factory=list)
    #: When it started the first of ``jobs``.
    started: float = 0.0

    @property
    def job(self) -> int | None:
        return self.jobs[0] if self.jobs else None


@dataclass
class Isolated:
    """Runs ``task`` on each file in ``workers`` isolated processes, under ``limits``; a
    file whose task dies, hangs or breaks a limit gets ``refuse(path, code, **params)``."""

    task: Task
    refuse: Refuse
    limits: Limits
    workers: int = 1
    _pool: list[_Worker] = field(default_factory=list)

    def _start(self) -> _Worker:
        ctx: Any = multiprocessing.get_context(_CONTEXT)
        if _CONTEXT == "forkserver":
            # The server imports the reader once; every worker starts from it ready.
            ctx.set_forkserver_preload(["lsp_xlsx.returns.reader"])
        parent, child = ctx.Pipe()
        args = (child, self.task, self.refuse, self.limits)
        process = ctx.Process(target=_serve, args=args, daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    def _stop(self, worker: _Worker, kill: bool = False) -> None:
        if kill and worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()

    def _why_dead(self, worker: _Worker) -> str:
        worker.process.join(timeout=5)
        code = worker.process.exitcode
        if code is not None and code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
            if -code in (signal.SIGABRT, signal.SIGSEGV, signal.SIGKILL):
                return (
                    f"it stopped with {name}; often a file that asks for more memory than the limit"
                )
            return f"it stopped with {name}"
        return f"it stopped with exit status {code}"

    def read_all(
        self, files: Sequence[Path], progress: Callable[[Any], None] | None = None
    ) -> list[Any]:
        """Every file's result or refusal, in the order of ``files``."""
        results: list[Any] = [None] * len(files)
        pending = list(range(len(files)))[::-1]
        self._pool = [self._start() for _ in range(max(1, min(self.workers, len(files))))]
        try:
            while pending or any(w.jobs for w in self._pool):
                for worker in self._pool:
                    while pending and len(worker.jobs) <= AHEAD:
                        if not worker.jobs:
                            worker.started = time.monotonic()
                        worker.jobs.append(pending.pop())
                        worker.conn.send(files[worker.jobs[-1]])
                self._collect(files, results, pending, progress)
        finally:
            for worker in self._pool:
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
                self._stop(worker, kill=True)
        return [r for r in results if r is not None]

    def _receive(self, index: int, worker: _Worker, path: Path, pending: list[int]) -> Any:
        """The result the worker sent, or the file's refusal if it died or sent too much."""
        try:
            # The worker refuses a result over the limit itself; a longer message than that
            # refusal can only come from a worker gone wrong, and is never unpacked.
            blob = worker.conn.recv_bytes(maxlength=self.limits.max_result_size + (1 << 20))
            return pickle.loads(blob)
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            alive = worker.process.is_alive()
            why = f"its result could not be read back ({exc})" if alive else self._why_dead(worker)
            self._replace(index, worker, pending, kill=True)
            return self.refuse(path, Code.REFUSED_CRASHED, detail=why)

    def _collect(
        self,
        files: Sequence[Path],
        results: list[Any],
        pending: list[int],
        progress: Callable[[Any], None] | None,
    ) -> None:
        busy = [w for w in self._pool if w.jobs]
        now = time.monotonic()
        soonest = min(w.started + self.limits.max_seconds for w in busy) - now
        ready = wait([w.conn for w in busy], timeout=max(0.0, soonest))
        for index, worker in enumerate(self._pool):
            if not worker.jobs:
                continue
            job, result = worker.jobs[0], None
            if worker.conn in ready:
                result = self._receive(index, worker, files[job], pending)
            elif time.monotonic() - worker.started > self.limits.max_seconds:
                seconds = f"{self.limits.max_seconds:g}"
                result = self.refuse(files[job], Code.REFUSED_TIMEOUT, seconds=seconds)
                self._replace(index, worker, pending, kill=True)
            if result is not None:
                results[job] = result
                if worker is self._pool[index]:  # not replaced: it reads its next file now
                    worker.jobs.pop(0)
                    worker.started = time.monotonic()
                if progress:
                    progress(result)

    def _replace(self, index: int, worker: _Worker, pending: list[int], kill: bool) -> None:
        """A new worker in place of ``worker``; the files sent to it after the one it was
        reading go back to the queue, to be read by a worker that is well."""
        self._stop(worker, kill=kill)
        pending.extend(reversed(worker.jobs[1:]))
        self._pool[index] = self._start()


@dataclass
class IsolatedReader:
    """Reads returns in ``workers`` isolated processes; see the module's description."""

    framework: Framework
    limits: Limits
    partners: Sequence[Partner] | None = None
    partners_file: str = "partners.csv"
    workers: int = 1

    def read_all(
        self, files: Sequence[Path], progress: Callable[[Return], None] | None = None
    ) -> list[Return]:
        """Every file read or refused, in the order of ``files``."""
        task = functools.partial(
            _read_one_return,
            framework=self.framework,
            limits=self.limits,
            partners=self.partners,
            partners_file=self.partners_file,
        )
        refuse = functools.partial(_refused, framework=self.framework)
        engine = Isolated(task, refuse, self.limits, self.workers)
        return engine.read_all(files, progress)


def read_isolated(path: Path, task: Task, refuse: Refuse, limits: Limits) -> Any:
    """One file's ``task`` run in an isolated worker under ``limits``: its result, or
    ``refuse(path, code, **params)`` when it dies, hangs or breaks a limit. For any
    workbook the tool did not just write (a return, or the board's comparison)."""
    [result] = Isolated(task, refuse, limits, 1).read_all([Path(path)])
    return result


def stop_fork_server() -> None:
    """Stop the fork server the workers started from, once reading is over.

    It holds the reader's imports (about 50 MB), which nothing needs after the last return
    is read; at national scale that is the margin between the run fitting in 1 GB or not.
    The next read starts a new one. Uses multiprocessing's own stop (the one its tests
    use); if that is not there, the server simply stays until the program ends."""
    if _CONTEXT != "forkserver":
        return
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    stop = getattr(server, "_stop", None)
    if callable(stop):
        with contextlib.suppress(OSError):
            stop()


#: Runs of at least this many files free the reader's fork server once reading is over.
BIG_RUN = 1000


def release_readers(files: int) -> None:
    """Between reading and writing: stop the fork server after a big run (a small one may
    read again soon, e.g. in a script or the tests), and give freed memory back."""
    if files >= BIG_RUN:
        stop_fork_server()
    release_freed_memory()


def default_workers() -> int:
    """One worker per core."""
    return max(1, os.cpu_count() or 1)
