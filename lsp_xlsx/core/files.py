"""Write output files atomically: a temporary file in the same folder, then a rename.

A kill or a full disk never leaves a half-written file under its final name: the old
file, if any, stays until the new one is complete.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl import Workbook


def write_bytes(data: bytes, path: Path) -> Path:
    """Write ``data`` atomically: to a temporary file beside ``path``, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".lsp-xlsx-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save_workbook(wb: Workbook, path: str | Path) -> Path:
    """Save an openpyxl workbook atomically (see :func:`write_bytes`)."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return write_bytes(buffer.getvalue(), Path(path))
