"""Write output files atomically: a temporary file in the same folder, flushed, then renamed.

Every file the tool writes goes through :func:`atomic_path` (the comparison workbook,
responses.csv, the manifest, the send log, drafts and workbooks). A kill or a full disk
never leaves a half-written file under its final name: the old file, if any, stays until
the new one is complete. A failure to write is one :class:`OutputError` that names the
path and the reason; the command line turns it into exit status 3.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from lsp_xlsx.core.errors import OutputError

if TYPE_CHECKING:
    from openpyxl import Workbook


#: The zip comment on every comparison workbook: the last bytes of the file, so a returns
#: folder can be searched for the tool's own outputs without opening each file as a zip.
OWN_WORKBOOK_MARK = b"lsp-xlsx comparison workbook"


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
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block ends, rename it into place.

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
