"""One run at a time per output folder, and the leftovers of a killed run cleared.

Two coordinators (or a double-click) running ``collate`` on one folder could leave one
run's workbook beside the other's tidy table. Each run that writes holds a lock on its
output folders: on POSIX, ``flock`` on the folder itself, so no lock file is left behind;
where that is not possible (Windows, some network drives), on a hidden lock file in it.
A second run waits a few seconds, then stops with exit 3.
"""

from __future__ import annotations

import errno
import functools
import inspect
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import ParamSpec, TypeVar

from lsp_xlsx.core.errors import OutputBlocked, OutputError
from lsp_xlsx.core.files import PART_PATTERN

#: How long a second run waits for the first before it stops (``LSP_XLSX_WAIT_SECONDS``).
WAIT_SECONDS = 5.0


def _wait_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get("LSP_XLSX_WAIT_SECONDS", WAIT_SECONDS)))
    except ValueError:
        return WAIT_SECONDS


#: The lock file, where the folder itself cannot be locked.
LOCK_NAME = ".lsp-xlsx.lock"
#: A temporary older than this, in a folder this run holds, is a killed run's leftover.
LEFTOVER_AGE = 3600.0

P = ParamSpec("P")
R = TypeVar("R")


def _busy(folder: Path, waited: float) -> OutputBlocked:
    return OutputBlocked(
        folder,
        f"Another lsp-xlsx run is writing into {folder} (waited {waited:g} s). Nothing was "
        "written. Let it finish (or stop it), then run again.",
    )


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            return False
        raise
    return True


def _open(folder: Path) -> int:
    """A descriptor to lock: the folder itself on POSIX, else its lock file."""
    if sys.platform != "win32":
        try:
            return os.open(folder, os.O_RDONLY)
        except OSError:
            pass
    return os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666)


@contextmanager
def _lock_one(folder: Path, wait: float, create: bool = True) -> Iterator[None]:
    if not create and not folder.is_dir():
        yield  # nothing there to write over, and nothing is made to lock it
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = _open(folder)
    except OSError as exc:
        raise OutputError(folder, exc.strerror or type(exc).__name__) from None
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                got = _try_lock(fd)
            except OSError:  # this file system cannot lock a folder: use a lock file
                os.close(fd)
                fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666)
                got = _try_lock(fd)
            if got:
                break
            if time.monotonic() >= deadline:
                raise _busy(folder, wait)
            time.sleep(0.2)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextmanager
def run_lock(
    folders: Iterable[Path], wait: float | None = None, create: bool = True
) -> Iterator[None]:
    """Hold every folder in ``folders`` (created if missing, unless not ``create``) for this
    run; each is then cleared of the leftovers of a killed run. Raises
    :class:`OutputBlocked` when another run holds one for longer than ``wait`` seconds."""
    wait = _wait_seconds() if wait is None else wait
    unique = sorted({Path(f).absolute() for f in folders})  # one order: no deadlock
    with ExitStack() as stack:
        for folder in unique:
            stack.enter_context(_lock_one(folder, wait, create))
            clear_leftovers(folder)
        yield


def clear_leftovers(folder: Path, age: float = LEFTOVER_AGE) -> list[Path]:
    """Remove the temporaries (``.NAME.xxxxxxxx.part``) a killed run of this tool left in
    ``folder``, when older than ``age`` seconds; returns those removed."""
    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not PART_PATTERN.match(entry.name):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and now - entry.stat().st_mtime > age:
                Path(entry.path).unlink()
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def one_run_per_folder(argument: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A decorator: the call holds :func:`run_lock` on the folder its ``argument`` names
    (when that folder exists: a missing one is not created)."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(function)

        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            with run_lock([Path(bound.arguments[argument])], create=False):
                return function(*args, **kwargs)

        return wrapper

    return decorate
