"""Read a coordinator's CSV file as Excel and people save it: encoding, separator, header, lines.

The framework files and ``partners.csv`` are both read here, so every CSV problem is
reported the same way: file, line as a spreadsheet shows it, column, and a fix.

* UTF-8 with or without a byte-order mark, or Windows-1252 (Excel's plain "CSV") with a
  warning.
* Comma- or semicolon-separated: Excel writes semicolons in many European locales. A
  semicolon file is read, with a note saying so.
* Values beyond the last heading are an error: they would otherwise be dropped.
* Bounded (see :mod:`lsp_xlsx.core.input_limits`): bytes, rows and the characters in one
  value, each refused with a finding naming the limit and how to raise it.
* A character no workbook or document can hold (U+FFFE, U+FFFF) is replaced by U+FFFD as
  :func:`~lsp_xlsx.core.text.xml_safe` does, with a warning naming the cell: a partner's
  name reaches every output, and one such character stopped the board paper.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsp_xlsx.core import input_limits as limits
from lsp_xlsx.core.findings import Code, Finding, finding
from lsp_xlsx.core.xmlrows import column_letter
from lsp_xlsx.framework.table_files import table_text


@dataclass
class CsvTable:
    """A CSV file read into rows, with the header and where each row sits."""

    name: str
    header: list[str]
    rows: list[dict[str, str]]
    # Line numbers as a spreadsheet shows them: the header is line 1.
    lines: list[int]
    delimiter: str = ","
    #: Headed columns this reader was not asked for, in file order.
    extra_columns: list[str] = field(default_factory=list)

    def cell(self, column: str, line: int) -> str:
        """A1 reference of a column on a line, as Excel would show the CSV."""
        index = self.header.index(column) if column in self.header else 0
        return f"{column_letter(index + 1)}{line}"

    def finding(self, code: Code, line: int, column: str, /, **params: Any) -> Finding:
        """A finding placed at ``column`` on ``line``: the A1 cell is recorded and the
        message names the line and column as the coordinator sees them."""
        return finding(
            code,
            self.name,
            cell=self.cell(column, line),
            where=place_of(self, line, column),
            **params,
        )


def place_of(table: CsvTable, line: int, column: str | None = None) -> str:
    """The place words for a message: 'questions.csv, line 5, column 'text''."""
    text = f"{table.name}, line {line}"
    return f"{text}, column '{column}'" if column else text


_BOUNDS = (Code.CSV_TOO_MANY_ROWS, Code.CSV_FIELD_TOO_LONG)
_NOT_TABLES = (Code.TABLE_FILE_NOT_A_TABLE, Code.TABLE_FILE_UNREADABLE)


def label_key(text: str) -> str:
    """A header as people vary it, for comparing: 'E-mail', 'e_mail', ' E mail ' alike."""
    return re.sub(r"[^0-9a-z]+", " ", text.casefold()).strip()


def _standard_names(
    header: list[str],
    columns: Sequence[str],
    synonyms: Mapping[str, str],
    name: str,
    problems: list[Finding],
) -> list[str]:
    """Headers spelt as people do ('E-mail', 'Partner ID') taken as the standard column,
    with one note naming each; never over a column the file also has under its own name."""
    standard = list(header)
    taken = []
    for index, typed in enumerate(header):
        column = synonyms.get(label_key(typed)) or next(
            (c for c in columns if label_key(c) == label_key(typed) and c != typed), None
        )
        if column is None or column not in columns or column in standard:
            continue
        standard[index] = column
        taken.append(f"'{typed}' as '{column}'")
    if taken:
        problems.append(
            finding(
                Code.CSV_HEADER_SYNONYM,
                name,
                cell="A1",
                where=f"{name}, line 1",
                columns=", ".join(taken),
            )
        )
    return standard


def _decode(raw: bytes, name: str, problems: list[Finding]) -> str:
    try:
        return raw.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a BOM
    except UnicodeDecodeError:
        # Excel's plain "CSV" on Windows is cp1252. Read it, but say so.
        problems.append(finding(Code.CSV_NOT_UTF8, name))
        return raw.decode("cp1252", errors="replace")


def _delimiter(text: str, columns: Sequence[str]) -> str:
    """',' unless the header line splits into more known columns on ';'."""
    first = next(iter(text.splitlines()), "")

    def known(sep: str) -> int:
        return sum(1 for h in first.split(sep) if h.strip().strip('"').casefold() in columns)

    return ";" if known(";") > known(",") else ","


def _check_header(
    table: CsvTable,
    columns: Sequence[str],
    required: Sequence[str],
    extras_allowed: bool | Sequence[str],
    problems: list[Finding],
) -> None:
    name, header = table.name, table.header
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
        if not column or column in columns:
            continue
        # Compared as people vary headers ('Partner-Idd' is near 'partner_id').
        keys = {label_key(c): c for c in columns}
        near = difflib.get_close_matches(
            label_key(column), list(keys), n=1, cutoff=0.75 if extras_allowed else 0.5
        )
        close = [keys[k] for k in near]
        # A column named in ``extras_allowed`` is never taken for a misspelt known one.
        recognised = not isinstance(extras_allowed, bool) and column.casefold() in extras_allowed
        if extras_allowed and (not close or recognised):
            table.extra_columns.append(column)
            continue
        hint = f"Did you mean '{close[0]}'?" if close else f"Known columns: {', '.join(columns)}."
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


def _rows(table: CsvTable, records: list[list[str]], problems: list[Finding]) -> None:
    header = table.header
    width = len(header)
    for number, record in enumerate(records[1:], start=2):
        if not any(v.strip() for v in record):
            continue  # blank lines are harmless
        spare = [v for v in record[width:] if v.strip()]
        if spare:
            first = column_letter(width + 1)
            problems.append(
                finding(
                    Code.CSV_EXTRA_VALUES,
                    table.name,
                    cell=f"{first}{number}",
                    where=f"{table.name}, line {number}, column {first}",
                    count=len(spare),
                    noun="value" if len(spare) == 1 else "values",
                    values=", ".join(f"'{v.strip()[:30]}'" for v in spare[:3]),
                )
            )
        row = {
            h: (record[i].strip() if i < len(record) else "") for i, h in enumerate(table.header)
        }
        _replace_unsafe(table, row, number, problems)
        table.rows.append(row)
        table.lines.append(number)


def _replace_unsafe(
    table: CsvTable, row: dict[str, str], line: int, problems: list[Finding]
) -> None:
    """U+FFFE and U+FFFF in a value made U+FFFD, with a warning. (Controls are left for the
    caller, which refuses them where they would break a name or a header.)"""
    for column, value in row.items():
        if not needs_replacing(value):
            continue
        unsafe = sorted({c for c in value if c in "\ufffe\uffff"})
        row[column] = value.translate({ord(c): "\ufffd" for c in unsafe})
        problems.append(
            table.finding(
                Code.CSV_TEXT_REPLACED,
                line,
                column,
                count=(count := sum(value.count(c) for c in unsafe)),
                noun="character" if count == 1 else "characters",
                characters=", ".join(f"U+{ord(c):04X}" for c in unsafe),
            )
        )


def needs_replacing(value: str) -> bool:
    """True when ``value`` holds U+FFFE or U+FFFF (a fast test, for every value)."""
    return "\ufffe" in value or "\uffff" in value


def _read_bounded(
    path: Path, name: str, bound: limits.InputLimit, problems: list[Finding]
) -> bytes | None:
    """The file's bytes, or None (with a finding) when it is over the byte limit."""
    limit = bound.value()
    with path.open("rb") as handle:
        raw = handle.read(limit + 1)  # never more, whatever the file claims to be
    if len(raw) > limit:
        size = max(path.stat().st_size, len(raw))
        problems.append(
            finding(
                Code.CSV_TOO_LARGE,
                name,
                size=limits.size_text(size) if size > limit else f"over {limit:,} bytes",
                limit=limits.size_text(limit),
                hint=bound.raise_hint(),
            )
        )
        return None
    return raw


def _records(
    text: str, delimiter: str, name: str, bounds: limits.CsvLimits, problems: list[Finding]
) -> list[list[str]]:
    """The CSV's records, at most the row limit, each value at most the field limit; []
    (with a finding) past either."""
    rows, field = bounds.rows.value(), bounds.field.value()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    # The csv module's limit is process-wide: set for this read, and put back.
    before = csv.field_size_limit(field)
    try:
        for record in reader:
            if len(records) > rows:  # the header, then ``rows`` rows
                problems.append(
                    finding(
                        Code.CSV_TOO_MANY_ROWS,
                        name,
                        limit=f"{rows:,}",
                        hint=bounds.rows.raise_hint(),
                    )
                )
                return []
            records.append(record)
    except csv.Error as exc:
        if "field limit" not in str(exc):
            raise
        line = len(records) + 1
        problems.append(
            finding(
                Code.CSV_FIELD_TOO_LONG,
                name,
                cell=f"A{line}",
                where=f"{name}, line {line}",
                limit=f"{field:,}",
                hint=bounds.field.raise_hint(),
            )
        )
        return []
    finally:
        csv.field_size_limit(before)
    return records


def read_csv(
    path: Path,
    columns: Sequence[str],
    required: Sequence[str],
    problems: list[Finding],
    extras_allowed: bool | Sequence[str] = False,
    bounds: limits.CsvLimits = limits.COORDINATOR_CSV,
    synonyms: Mapping[str, str] | None = None,
) -> CsvTable | None:
    """Read one CSV, noting encoding, separator and header problems; None when unusable.

    Known column names are matched ignoring case and spaces around them; blank lines are
    skipped; each row keeps its line number as a spreadsheet shows it. With
    ``extras_allowed``, columns that are not known (and not a near miss of a known one)
    are kept in the rows and listed in ``extra_columns``; given as names, those columns are
    kept even when they look like a known one (``partnership`` beside ``partner_id``).
    ``bounds`` are the limits it is read under: by default the coordinator's files' ones
    (``LSP_XLSX_MAX_CSV_*``); the tool's own files pass theirs. A workbook (.xlsx, .xls,
    .ods) or UTF-16 text is read as the CSV it holds (:mod:`~lsp_xlsx.framework.table_files`),
    and a header spelt as in ``synonyms`` (normalised label -> column) is taken as that
    column, each with a note.
    """
    name = path.name
    if not path.is_file():
        problems.append(finding(Code.CSV_FILE_MISSING, name, name=name))
        return None
    raw = _read_bounded(path, name, bounds.bytes, problems)
    if raw is None:
        return None
    if not raw.strip():
        problems.append(finding(Code.CSV_FILE_EMPTY, name))
        return None
    found = table_text(raw, name, bounds, problems)
    if found is None and problems and problems[-1].code in _NOT_TABLES:
        return None
    if found is not None and found.source:
        problems.append(finding(Code.TABLE_FILE_READ_FROM, name, source=found.source))
    text = found.text if found is not None else _decode(raw, name, problems)
    delimiter = _delimiter(text, columns)
    records = _records(text, delimiter, name, bounds, problems)
    if not records and problems and problems[-1].code in _BOUNDS:
        return None
    header = [h.strip() for h in records[0]] if records else []
    header = [h.casefold() if h.casefold() in columns else h for h in header]
    header = _standard_names(header, columns, synonyms or {}, name, problems)
    if not any(header):
        problems.append(finding(Code.CSV_FILE_EMPTY, name))
        return None
    if delimiter != ",":
        problems.append(finding(Code.CSV_SEMICOLONS, name))
    table = CsvTable(name, header, [], [], delimiter)
    _check_header(table, columns, required, extras_allowed, problems)
    if any(c not in header for c in required):
        return None
    _rows(table, records, problems)
    if not table.rows:
        problems.append(finding(Code.CSV_FILE_EMPTY, name))
        return None
    return table
