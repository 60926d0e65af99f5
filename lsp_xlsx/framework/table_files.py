"""A coordinator's table as it is kept (issue 23): a CSV, an Excel workbook (.xlsx, .xls), an
OpenDocument spreadsheet (.ods), or text saved as "Unicode Text" (UTF-16, tab-separated).
Each comes back as CSV text for :func:`~lsp_xlsx.framework.csvfile.read_csv`, so every
problem is reported the same way; a file that is plainly none of these (a PDF, a Word
document, a picture) is named for what it is.

Why calamine in this process, not the isolated worker a return is read in: the partners
list is the coordinator's own file, read on every command, and small; a worker costs a
process start per command. It is still read under the input limits
(:mod:`lsp_xlsx.core.input_limits`): the bytes were read bounded before it gets here, the
zip's parts are counted and their unpacked size checked against the same byte limit
before calamine sees them (a zip bomb stops here), only the row limit's rows are asked
for, and calamine (Rust, memory-safe) has its errors and panics turned into a finding.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from lsp_xlsx.core import input_limits as limits
from lsp_xlsx.core.findings import Code, Finding, finding

#: Headers people type for the partners list's columns (as :func:`csvfile.label_key` makes
#: them: lower case, punctuation as spaces), each taken as the standard column with a note.
#: 'Partner ID' and 'Contact name' need no entry: they differ from the standard only so.
PARTNER_SYNONYMS = {
    "e mail": "email",
    "email address": "email",
    "e mail address": "email",
    "organisation": "name",
    "organisation name": "name",
    "organization": "name",
    "organization name": "name",
    "contact": "contact_name",
}
#: The sheet read from a workbook when it has one of this name (any case); else the first.
PARTNERS_SHEET = "Partners"
#: The zip's parts unpacked may come to this many times the byte limit on the file.
_UNZIPPED_TIMES = 4
_MAX_PARTS = 1_000

_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Files plainly not a table, by their first bytes.
_NOT_A_TABLE = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG picture"),
    (b"\xff\xd8\xff", "a JPEG picture"),
    (b"GIF8", "a GIF picture"),
    (b"{\\rtf", "an RTF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)


@dataclass(frozen=True)
class TableText:
    """The table as CSV text, and how it was found (for the note saying so)."""

    text: str
    #: '' for a CSV; else what it was read from, e.g. "the sheet 'Partners' of the workbook".
    source: str = ""


def table_text(
    raw: bytes, name: str, bounds: limits.CsvLimits, problems: list[Finding]
) -> TableText | None:
    """``raw`` as CSV text: a workbook's sheet or UTF-16 text turned into CSV, a CSV
    decoded as it is. None, with a finding, for a file that is not a table."""
    for magic, kind in _NOT_A_TABLE:
        if raw.startswith(magic):
            problems.append(finding(Code.TABLE_FILE_NOT_A_TABLE, name, kind=kind))
            return None
    if raw.startswith(_ZIP):
        return _from_zip(raw, name, bounds, problems)
    if raw.startswith(_OLE):
        return _from_workbook(raw, name, "an Excel 97-2003 workbook (.xls)", bounds, problems)
    utf16 = _utf16(raw)
    if utf16 is not None:
        return TableText(_tabs_to_commas(utf16), "UTF-16 text (Excel's 'Unicode Text')")
    if b"\x00" in raw[:4096]:
        problems.append(finding(Code.TABLE_FILE_NOT_A_TABLE, name, kind="a binary file"))
        return None
    return None  # a CSV: decoded by the caller, as before


def _utf16(raw: bytes) -> str | None:
    """The text of a UTF-16 file (with its byte-order mark, or plainly so: every other byte
    NUL in an ASCII header), else None."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        head = raw[:200]
        if len(head) < 4 or len(head) % 2:
            return None
        if head[1::2].count(0) == len(head) // 2 and head[0::2].count(0) == 0:
            encoding = "utf-16-le"
        elif head[0::2].count(0) == len(head) // 2 and head[1::2].count(0) == 0:
            encoding = "utf-16-be"
        else:
            return None
    return raw.decode(encoding, errors="replace").lstrip("\ufeff")


def _tabs_to_commas(text: str) -> str:
    """Excel's "Unicode Text" is tab-separated: as CSV, unless it already is one."""
    first = next(iter(text.splitlines()), "")
    if first.count("\t") <= max(first.count(","), first.count(";")):
        return text
    records = csv.reader(io.StringIO(text, newline=""), delimiter="\t")
    return _as_csv(records)


def _as_csv(records: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for record in records:
        writer.writerow(record)
    return out.getvalue()


def _from_zip(
    raw: bytes, name: str, bounds: limits.CsvLimits, problems: list[Finding]
) -> TableText | None:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
            unpacked = sum(i.file_size for i in infos)
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as exc:
        problems.append(finding(Code.TABLE_FILE_UNREADABLE, name, detail=f"a broken zip ({exc})"))
        return None
    most = bounds.bytes.value() * _UNZIPPED_TIMES
    if len(infos) > _MAX_PARTS or unpacked > most:
        detail = f"it unpacks to {unpacked:,} bytes in {len(infos):,} parts (limit {most:,})"
        problems.append(finding(Code.TABLE_FILE_UNREADABLE, name, detail=detail))
        return None
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return _from_workbook(raw, name, "an Excel workbook", bounds, problems)
    if b"opendocument.spreadsheet" in mimetype or ("content.xml" in names and not mimetype):
        return _from_workbook(raw, name, "an OpenDocument spreadsheet", bounds, problems)
    kind = (
        "a Word document"
        if "word/document.xml" in names
        else "a PowerPoint presentation"
        if "ppt/presentation.xml" in names
        else "an OpenDocument file that is not a spreadsheet"
        if mimetype
        else "a zip archive"
    )
    problems.append(finding(Code.TABLE_FILE_NOT_A_TABLE, name, kind=kind))
    return None


def _from_workbook(
    raw: bytes, name: str, kind: str, bounds: limits.CsvLimits, problems: list[Finding]
) -> TableText | None:
    """The sheet called Partners (or the first) as CSV text, at most the row limit's rows
    (and one more, so that the CSV reader says when there are more)."""
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(raw))
        sheets = list(workbook.sheet_names)
        if not sheets:
            raise ValueError("it has no sheets")
        chosen = next((s for s in sheets if s.strip().casefold() == "partners"), sheets[0])
        rows = workbook.get_sheet_by_name(chosen).to_python(
            skip_empty_area=False, nrows=bounds.rows.value() + 2
        )
    except BaseException as exc:  # calamine's PanicException is a BaseException
        if isinstance(exc, KeyboardInterrupt | SystemExit | MemoryError):
            raise
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        problems.append(finding(Code.TABLE_FILE_UNREADABLE, name, detail=f"{kind}: {detail}"))
        return None
    text = _as_csv([_cell_text(v) for v in row] for row in rows)
    return TableText(text, f"the sheet '{chosen}' of {kind}")


def _cell_text(value: object) -> str:
    """A cell as the CSV would hold it: a whole number without '.0', a date as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
