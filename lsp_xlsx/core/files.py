"""Write output files atomically: a temporary file in the same folder, flushed, then renamed.

Every file the tool writes goes through :func:`atomic_path` (the comparison workbook,
responses.csv, the manifest, the send log, drafts and workbooks). A kill or a full disk
never leaves a half-written file under its final name: the old file, if any, stays until
the new one is complete. A failure to write is one :class:`OutputError` that names the
path and the reason; the command line turns it into exit status 3.

Inside :func:`staged`, the renames wait: every file of a run is written to its temporary,
and :meth:`Staging.commit` renames them all together at the end, so the outputs of one
run are a consistent set (never this run's workbook beside the last run's tidy table).
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lsp_xlsx.core.errors import OutputError

if TYPE_CHECKING:
    from openpyxl import Workbook


#: The zip comment on every comparison workbook: the last bytes of the file, so a returns
#: folder can be searched for the tool's own outputs without opening each file as a zip.
OWN_WORKBOOK_MARK = b"lsp-xlsx comparison workbook"


#: A temporary of :func:`atomic_path`: ``.NAME.`` then mkstemp's 8 characters, ``.part``.
PART_PATTERN = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.part$")


@dataclass(eq=False)
class Staging:
    """Files written but not yet renamed into place, and files to keep before they are
    replaced. Picklable: a worker process hands its staging back to the run."""

    #: Final path -> the complete temporary waiting to be renamed onto it.
    pending: dict[Path, Path] = field(default_factory=dict)
    #: (existing file, the name to keep it under) before the file is replaced.
    keeps: list[tuple[Path, Path]] = field(default_factory=list)

    def add(self, final: Path, tmp: Path) -> None:
        with _LOCK:
            earlier = self.pending.pop(final, None)
            if earlier is not None:
                earlier.unlink(missing_ok=True)
            self.pending[final] = tmp

    def merge(self, other: Staging) -> None:
        for final, tmp in other.pending.items():
            self.add(final, tmp)
        self.keeps.extend(other.keeps)

    def discard(self) -> None:
        """Remove every temporary: nothing of this run reaches its final name."""
        for tmp in self.pending.values():
            tmp.unlink(missing_ok=True)
        self.pending.clear()
        self.keeps.clear()

    def commit(self) -> list[Path]:
        """Keep what is to be kept (a hard link, else a copy), then rename every temporary
        into place; returns the final paths."""
        for existing, keep in self.keeps:
            try:
                _keep(existing, keep)
            except OSError as exc:
                self.discard()
                raise OutputError(keep, _reason(exc)) from None
        done = []
        for final, tmp in self.pending.items():
            try:
                tmp.replace(final)
            except OSError as exc:
                self.discard()
                raise OutputError(final, _reason(exc)) from None
            done.append(final)
        self.pending.clear()
        self.keeps.clear()
        return done


def _keep(existing: Path, keep: Path) -> None:
    import shutil

    try:
        os.link(existing, keep)
    except FileExistsError:
        raise
    except OSError:  # no hard links here (FAT, some shared drives): a copy, atomically
        with atomic_path(keep, now=True) as tmp:
            shutil.copy2(existing, tmp)


_LOCK = threading.Lock()
#: The staging of the run in progress in this process, seen by every thread.
_active: list[Staging] = []


@contextmanager
def staged() -> Iterator[Staging]:
    """Within the block, :func:`atomic_path` leaves each complete file as its temporary,
    recorded in the staging yielded. The block's caller commits it (or merges it into
    another); if the block raises, every temporary is removed."""
    stage = Staging()
    _active.append(stage)
    try:
        yield stage
    except BaseException:
        stage.discard()
        raise
    finally:
        _active[:] = [s for s in _active if s is not stage]


def adopt(stage: Staging) -> None:
    """Take over a staging made elsewhere (a worker process's): into the run's staging
    inside :func:`staged`, else committed at once."""
    if _active:
        _active[-1].merge(stage)
    else:
        stage.commit()


def keep_before_replacing(existing: Path, keep: Path) -> None:
    """Keep ``existing`` under the name ``keep`` before a new file replaces it: at the
    run's commit inside :func:`staged`, else at once."""
    if _active:
        _active[-1].keeps.append((existing, keep))
    else:
        try:
            _keep(existing, keep)
        except OSError as exc:
            raise OutputError(keep, _reason(exc)) from None


def _new_file_mode(path: Path) -> int:
    """The mode the file should get: an existing file's own, else what the umask gives."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


@contextmanager
def atomic_path(path: Path, now: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block ends, rename it into place
    (inside :func:`staged`, unless ``now``, the rename waits for the run's commit).

    If the block raises, the temporary file is removed and ``path`` is untouched. An
    ``OSError`` (no permission, read-only folder, disk full, the file open in Excel on
    Windows) becomes :class:`OutputError` naming ``path``.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise OutputError(path, _reason(exc)) from None
    tmp = Path(name)
    try:
        yield tmp
        with tmp.open("rb+") as handle:  # what the block wrote reaches the disk first
            os.fsync(handle.fileno())
        tmp.chmod(_new_file_mode(path))
        if _active and not now:
            _active[-1].add(path, tmp)
        else:
            tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(path, _reason(exc)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(data: bytes, path: Path) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """Write a UTF-8 CSV atomically (the csv module quotes; nothing is joined by hand)."""
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def save_workbook(wb: Workbook, path: str | Path) -> Path:
    """Save an openpyxl workbook atomically (see :func:`write_bytes`)."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return write_bytes(buffer.getvalue(), Path(path))
