"""Cell values as the reader meets them: text from any value, A1 references, rows of a sheet,
and the formulas saved without a result."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable
from typing import Any

from lsp_xlsx.core.xmlrows import column_letter, sheet_parts
from lsp_xlsx.workbook import contract as C


def ref(row: int, col: int) -> str:
    """A1 reference from 0-based row and column indexes."""
    return f"{column_letter(col + 1)}{row + 1}"


def is_empty(value: object) -> bool:
    """True for a cell with nothing in it."""
    return value is None or value == ""


def as_text(value: object) -> tuple[str, str]:
    """(text, kind) where kind names what a non-text value was, or '' for text."""
    if isinstance(value, str):
        return value, ""
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), "true/false value"
    if isinstance(value, float):
        return (str(int(value)) if value.is_integer() else repr(value)), "number"
    if isinstance(value, int):
        return str(value), "number"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat(), "date"
        return value.isoformat(sep=" "), "date and time"
    if isinstance(value, dt.date):
        return value.isoformat(), "date"
    if isinstance(value, dt.time):
        return value.isoformat(), "time"
    if isinstance(value, dt.timedelta):
        return str(value), "duration"
    return str(value), type(value).__name__


def summary(values: dict[str, str]) -> str:
    """Answers in a few words each, for a message: "Rating 'Good', Evidence 'We have …'"."""
    parts = []
    for key, text in values.items():
        label = C.COLUMN_BY_KEY[key].label if key in C.COLUMN_BY_KEY else key
        short = " ".join(text.split())
        parts.append(f"{label} '{short[:40]}{'…' if len(short) > 40 else ''}'")
    return ", ".join(parts)


# --- Workbook access ----------------------------------------------------------------------

Rows = list[list[Any]]


def sheet_rows(workbook: Any, name: str) -> Rows:
    """Every row of a calamine sheet, empty cells included, so indexes are positions."""
    sheet = workbook.get_sheet_by_name(name)
    rows: Rows = sheet.to_python(skip_empty_area=False)
    return rows


_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]")
_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')


def formula_cells_without_value(data: bytes, sheet_names: Iterable[str]) -> dict[str, set[str]]:
    """For xlsx: cells in the named sheets holding a formula with no saved result.

    Such cells read as empty; openpyxl and other tools that do not calculate leave them.
    Only sheets whose XML contains a formula at all are looked at closely.
    """
    found: dict[str, set[str]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = sheet_parts(archive)
            for name in sheet_names:
                part = parts.get(name)
                if part is None:
                    continue
                xml = archive.read(part)
                if not _FORMULA.search(xml):
                    continue
                cells = set()
                for match in _CELL.finditer(xml):
                    inner = match.group(2) or b""
                    if _FORMULA.search(inner) and not _VALUE.search(inner):
                        ref = _REF.search(match.group(1))
                        if ref:
                            cells.add(ref.group(1).decode())
                if cells:
                    found[name] = cells
    except (zipfile.BadZipFile, KeyError, OSError):
        return found
    return found
