"""Files open in LibreOffice or Excel: found by their lock files, before anything is written.

LibreOffice keeps ``.~lock.NAME#`` beside an open file: one CSV line, the user's name (often
empty), the login name, the host, the time (``01.12.2026 10:00``) and the profile. Excel
keeps ``~$NAME`` (``~$`` over the first two characters of a long name): the user's name in
its first bytes. A file open elsewhere is not written over: the colleague would save their
copy over ours, or Excel on a shared drive would refuse the rename half-way through a run.
A LibreOffice lock made on this machine by a LibreOffice no longer running is stale: it is
named, and does not stop the run.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from lsp_xlsx.core.errors import OutputBlocked, OutputError


@dataclass(frozen=True)
class OpenFile:
    """A file some program has open, as its lock file says."""

    path: Path
    lock: Path
    program: str
    holder: str
    since: str = ""
    stale: bool = False

    def describe(self) -> str:
        """ "comparison.xlsx is open in LibreOffice by Jo Bloggs since 10:00"."""
        since = f" since {self.since}" if self.since else ""
        return f"{self.path} is open in {self.program} by {self.holder}{since}"


def _office_running() -> bool:
    """True when a LibreOffice process runs on this machine (or when it cannot be told)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    for comm in proc.glob("[0-9]*/comm"):
        try:
            name = comm.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            continue
        if name.startswith("soffice"):
            return True
    return False


#: Replaced in tests: whether LibreOffice runs here (a lock made here is stale if not).
office_running: Callable[[], bool] = _office_running


def _since(text: str, today: dt.date) -> str:
    try:
        moment = dt.datetime.strptime(text.strip(), "%d.%m.%Y %H:%M")
    except ValueError:
        return text.strip()
    clock = moment.strftime("%H:%M")
    return clock if moment.date() == today else f"{moment:%d/%m/%Y} {clock}"


def _libreoffice(path: Path, today: dt.date) -> OpenFile | None:
    lock = path.with_name(f".~lock.{path.name}#")
    try:
        text = lock.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    fields = [*text.split(";")[0].split(","), "", "", ""][:4]
    name, login, host, when = (f.strip() for f in fields)
    here = bool(host) and host.casefold() == socket.gethostname().casefold()
    stale = here and not office_running()
    holder = name or login or "someone"
    return OpenFile(path, lock, "LibreOffice", holder, _since(when, today), stale)


def _excel_owner(data: bytes) -> str:
    """The user's name from an Excel owner file: UTF-16 at byte 56 when there, else ANSI."""
    if len(data) > 56 and 0 < data[54] <= 52:
        wide = data[56 : 56 + 2 * data[54]].decode("utf-16-le", errors="replace").strip()
        if wide and "\ufffd" not in wide:
            return wide
    if data and 0 < data[0] <= 53:
        return data[1 : 1 + data[0]].decode("cp1252", errors="replace").strip()
    return ""


def _excel(path: Path) -> OpenFile | None:
    for name in dict.fromkeys([f"~${path.name}", f"~${path.name[2:]}", f"~${path.name[1:]}"]):
        lock = path.with_name(name)
        try:
            data = lock.read_bytes()[:512]
        except OSError:
            continue
        return OpenFile(path, lock, "Excel", _excel_owner(data) or "someone")
    return None


def open_files(paths: Iterable[Path], today: dt.date | None = None) -> list[OpenFile]:
    """Every output in ``paths`` that LibreOffice or Excel has open, by its lock file."""
    today = today or dt.date.today()
    found = []
    for path in paths:
        for lock in (_libreoffice(path, today), _excel(path)):
            if lock is not None:
                found.append(lock)
    return found


def _replaceable(path: Path) -> None:
    """On Windows a file another program holds open cannot be replaced: found by opening
    it for writing first, before any output is renamed (elsewhere a rename always works)."""
    if sys.platform != "win32" or not path.is_file():
        return
    try:
        with path.open("r+b"):
            pass
    except OSError as exc:
        raise OutputBlocked(
            path,
            f"{path} cannot be replaced ({exc.strerror or type(exc).__name__}): it may be open "
            "in another program. Close it and run again. Nothing was written.",
        ) from None


def check_not_open(paths: Iterable[Path]) -> list[str]:
    """Raise :class:`OutputBlocked` (exit 3) when an output is open in LibreOffice or Excel,
    or its folder cannot be written; return a note for each stale lock, which does not
    block."""
    paths = list(paths)
    found = open_files(paths)
    blocking = [f for f in found if not f.stale]
    if blocking:
        lines = [f"{f.describe()}; close it and run again." for f in blocking]
        locks = ", ".join(str(f.lock) for f in blocking)
        lines.append(f"(If nobody has it open, delete {locks} and run again.) Nothing was written.")
        raise OutputBlocked(blocking[0].path, "\n".join(lines))
    for path in paths:
        _replaceable(path)
        folder = next((p for p in [path.parent, *path.parent.parents] if p.exists()), None)
        if folder is not None and not folder.is_dir():
            raise OutputError(path, f"{folder} is a file, not a folder")
        if folder is not None and not os.access(folder, os.W_OK | os.X_OK):
            raise OutputBlocked(
                path,
                f"{path} cannot be written: {folder} is not writable by you. Nothing was "
                "written. Choose another folder (see -o), or ask for write access.",
            )
    return [
        f"{f.describe()}, but LibreOffice is not running on this machine, so the lock "
        f"({f.lock}) is stale: carrying on."
        for f in found
        if f.stale
    ]
