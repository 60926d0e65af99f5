"""Cell values as the reader meets them: text from any value, A1 references, rows of a sheet,
and the formulas saved without a result."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from lsp_xlsx.core.xmlrows import column_letter
from lsp_xlsx.workbook import contract as C


def ref(row: int, col: int) -> str:
    """A1 reference from 0-based row and column indexes."""
    return f"{column_letter(col + 1)}{row + 1}"


#: Excel's serial numbers for 1 January 1900 and 31 December 9999: the range of its dates.
FIRST_SERIAL, LAST_SERIAL = 1, 2_958_465


def not_a_date(value: float) -> str:
    """Why a number cannot be a date ('' when it can): the words for a finding."""
    if math.isnan(value):
        return "not a number (NaN)"
    if math.isinf(value):
        return "infinity"
    if not FIRST_SERIAL <= value <= LAST_SERIAL:
        return "outside the range of any date"
    return ""


def serial_date(value: float) -> dt.date:
    """The date an Excel serial number stands for (the 1900 date system)."""
    return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))


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
