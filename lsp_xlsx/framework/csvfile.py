"""Read a coordinator's CSV file: the encoding Excel used, the header, line numbers.

The framework files and ``partners.csv`` are both read here, so every CSV problem is
reported the same way: file, line as a spreadsheet shows it, column, and a fix.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lsp_xlsx.core.findings import Code, Finding, finding
from lsp_xlsx.core.xmlrows import column_letter


@dataclass
class CsvTable:
    """A CSV file read into rows, with the header and where each row sits."""

    name: str
    header: list[str]
    rows: list[dict[str, str]]
    # Line numbers as a spreadsheet shows them: the header is line 1.
    lines: list[int]

    def cell(self, column: str, line: int) -> str:
        """A1 reference of a column on a line, as Excel would show the CSV."""
        index = self.header.index(column) if column in self.header else 0
        return f"{column_letter(index + 1)}{line}"


def place_of(table: CsvTable, line: int, column: str | None = None) -> str:
    """The place words for a message: 'questions.csv, line 5, column 'text''."""
    text = f"{table.name}, line {line}"
    return f"{text}, column '{column}'" if column else text


def read_csv(
    path: Path,
    columns: Sequence[str],
    required: Sequence[str],
    problems: list[Finding],
) -> CsvTable | None:
    """Read one CSV, noting encoding and header problems; None when it cannot be used.

    Known column names are matched ignoring case and spaces around them; blank lines are
    skipped; each row keeps its line number as a spreadsheet shows it.
    """
    name = path.name
    if not path.is_file():
        problems.append(finding(Code.CSV_FILE_MISSING, name, name=name))
        return None
    raw = path.read_bytes()
    if not raw.strip():
        problems.append(finding(Code.CSV_FILE_EMPTY, name))
        return None
    try:
        text = raw.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a BOM
    except UnicodeDecodeError:
        # Excel's plain "CSV" on Windows is cp1252. Read it, but say so.
        text = raw.decode("cp1252", errors="replace")
        problems.append(finding(Code.CSV_NOT_UTF8, name))
    reader = csv.reader(io.StringIO(text, newline=""))
    records = list(reader)
    header = [h.strip() for h in records[0]] if records else []
    header = [h.casefold() if h.casefold() in columns else h for h in header]
    if not any(header):
        problems.append(finding(Code.CSV_FILE_EMPTY, name))
        return None
    table = CsvTable(name, header, [], [])
    for column in required:
        if column not in header:
            problems.append(
                finding(
                    Code.CSV_COLUMN_MISSING,
                    name,
                    cell="A1",
                    where=f"{name}, line 1",
                    column=column,
                    expected=", ".join(columns),
                )
            )
    for index, column in enumerate(header):
        if column and column not in columns:
            close = difflib.get_close_matches(column, columns, n=1, cutoff=0.5)
            hint = (
                f"Did you mean '{close[0]}'?" if close else f"Known columns: {', '.join(columns)}."
            )
            problems.append(
                finding(
                    Code.CSV_COLUMN_UNKNOWN,
                    name,
                    cell=f"{column_letter(index + 1)}1",
                    where=f"{name}, line 1, column '{column}'",
                    column=column,
                    hint=hint,
                )
            )
    if any(c not in header for c in required):
        return None
    for number, record in enumerate(records[1:], start=2):
        if not any(v.strip() for v in record):
            continue  # blank lines are harmless
        row = {h: (record[i].strip() if i < len(record) else "") for i, h in enumerate(header)}
        table.rows.append(row)
        table.lines.append(number)
    if not table.rows:
        problems.append(finding(Code.CSV_FILE_EMPTY, name))
        return None
    return table
