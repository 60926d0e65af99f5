"""Read one returned workbook: it is read in full, or refused with a reason.

:func:`read_return` never raises for a problem inside a workbook; each problem is a
:class:`~lsp_xlsx.core.findings.Finding` on the :class:`~lsp_xlsx.returns.model.Return`.
A file that cannot be read at all comes back with status ``refused`` and one finding that
says why.

The bytes are sniffed, mended and checked, then parsed with python-calamine (about 2 ms a
return; no openpyxl object model is built), by the steps of
:mod:`~lsp_xlsx.returns.prepare` that the comparison's Agreed sheet is read by too. Identity comes
from :mod:`~lsp_xlsx.returns.identity` and the answers from
:mod:`~lsp_xlsx.returns.answers`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsp_xlsx.core.findings import Code
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.returns.answers import AnswerReader, ThemeSheet, find_header
from lsp_xlsx.returns.cells import as_text, is_empty, ref, sheet_rows
from lsp_xlsx.returns.identity import StartValues, read_respondent, resolve_identity
from lsp_xlsx.returns.model import Return
from lsp_xlsx.returns.parse import ParseFailure
from lsp_xlsx.returns.prepare import Prepared, Refused, parse, prepare
from lsp_xlsx.returns.ratings import rating_reader
from lsp_xlsx.returns.sniff import Limits
from lsp_xlsx.workbook import contract as C


@dataclass
class _Opened:
    """What is read from the workbook before any answer: meta, "Start here", theme sheets."""

    meta: dict[str, str] | None
    start: StartValues
    sheets: list[ThemeSheet]


def _meta(workbook: Any, names: list[str]) -> dict[str, str] | None:
    """The hidden meta sheet (key in column A, value in column B), or None without one."""
    if C.META_SHEET not in names:
        return None
    meta: dict[str, str] = {}
    for row in sheet_rows(workbook, C.META_SHEET):
        if len(row) >= 2 and isinstance(row[0], str) and row[0] in C.META_KEYS:
            meta[row[0]] = "" if is_empty(row[1]) else as_text(row[1])[0]
    return meta


def _start_here(workbook: Any, names: list[str]) -> StartValues:
    """Values of the labelled fields on "Start here", with their cell."""
    found: StartValues = {}
    if C.START_SHEET not in names:
        return found
    col_label, col_value = C.START_LABEL_COL - 1, C.START_VALUE_COL - 1
    for index, row in enumerate(sheet_rows(workbook, C.START_SHEET)):
        if len(row) > col_label and isinstance(row[col_label], str):
            field = C.START_FIELD_BY_LABEL.get(row[col_label].strip().casefold())
            if field and field.key not in found:
                value = row[col_value] if len(row) > col_value else None
                found[field.key] = (value, ref(index, col_value))
    return found


def _theme_sheets(workbook: Any, names: list[str]) -> list[ThemeSheet]:
    """Every sheet with an ID and a Rating header, whatever it is called."""
    sheets = []
    for name in names:
        if name in (C.START_SHEET, C.META_SHEET, C.LISTS_SHEET):
            continue
        rows = sheet_rows(workbook, name)
        found = find_header(rows)
        if found:
            sheets.append(ThemeSheet(name, rows, found[0], found[1]))
    return sheets


def _open(ret: Return, prepared: Prepared) -> _Opened | None:
    """Parse the workbook (:func:`~lsp_xlsx.returns.prepare.parse`, with its repair of a
    date no date can be); refuse ``ret`` (and return None) if it cannot be."""
    try:
        opened, ret.dates_as_numbers = parse(prepared, _opened)
    except ParseFailure as failure:
        ret.refuse(failure.code, **failure.details)
        return None
    return opened


def _opened(workbook: Any) -> _Opened:
    names: list[str] = list(workbook.sheet_names)
    return _Opened(
        _meta(workbook, names), _start_here(workbook, names), _theme_sheets(workbook, names)
    )


def _recognised(ret: Return, opened: _Opened, fw: Framework) -> bool:
    """Is this a return for ``fw``? By the meta sheet, else by question IDs on its sheets."""
    meta = opened.meta
    if meta is not None and meta.get("framework_id"):
        ret.framework_id = meta["framework_id"]
        ret.framework_version = meta.get("framework_version", "")
        ret.framework_hash = meta.get("framework_hash", "")
        ret.built_at = meta.get("built_at", "")
        ret.copy_id = meta.get("copy_id", "")
        ret.respondent_id = meta.get("respondent_id", "").strip()
        ret.round = meta.get("round", "")
        ret.anonymous = meta.get("anonymous", "").strip().casefold() == "yes"
        ret.partnership = meta.get("partnership", "")
        if ret.framework_id != fw.id:
            ret.refuse(Code.REFUSED_OTHER_FRAMEWORK, found=ret.framework_id, expected=fw.id)
            return False
        if ret.framework_version != str(fw.version):
            ret.note(
                Code.FRAMEWORK_VERSION_DIFFERS,
                C.META_SHEET,
                found=ret.framework_version or "?",
                framework=fw.id,
                expected=fw.version,
            )
        elif ret.framework_hash and ret.framework_hash != fw.hash:
            ret.note(Code.FRAMEWORK_HASH_DIFFERS, C.META_SHEET)
        return True
    known = {q.id.casefold() for q in fw.questions}
    if not any(
        isinstance(row[s.columns["id"]], str) and row[s.columns["id"]].strip().casefold() in known
        for s in opened.sheets
        for row in s.rows[s.header + 1 :]
        if s.columns["id"] < len(row)
    ):
        ret.refuse(Code.REFUSED_UNRECOGNISED, expected=fw.id)
        return False
    ret.note(Code.META_MISSING)
    ret.framework_id, ret.framework_version = fw.id, ""
    return True


def _load(ret: Return, limits: Limits) -> bytes | None:
    """The file's bytes, read once and never written; None (refused) if too large or unreadable."""
    path = ret.path
    try:
        stat = path.stat()
        ret.mtime = stat.st_mtime
        if stat.st_size > limits.max_file_size:
            ret.refuse(
                Code.REFUSED_TOO_LARGE, size=f"{stat.st_size:,}", limit=f"{limits.max_file_size:,}"
            )
            return None
        with path.open("rb") as handle:
            data = handle.read()
    except OSError as exc:
        ret.refuse(Code.REFUSED_UNREADABLE, detail=exc.strerror or str(exc))
        return None
    ret.sha256 = hashlib.sha256(data).hexdigest()
    return data


def read_return(
    path: str | Path,
    framework: Framework,
    limits: Limits | None = None,
    partners: Sequence[Partner] | None = None,
    partners_file: str = "partners.csv",
) -> Return:
    """Read one returned workbook. Never raises for a problem in the file: see findings."""
    limits = limits or Limits()
    ret = Return(path=Path(path), rated_total=len(framework.rated_questions))
    data = _load(ret, limits)
    if data is None:
        return ret
    try:
        prepared = prepare(data, limits)
    except Refused as refused:
        ret.fmt = refused.fmt
        return ret.refuse(refused.code, **refused.details)
    ret.fmt = prepared.fmt
    opened = _open(ret, prepared)
    if opened is None or not _recognised(ret, opened, framework):
        return ret
    formula_cells = prepared.scan.formula_cells
    resolve_identity(ret, opened.meta or {}, opened.start, partners, partners_file)
    read_respondent(ret, opened.start)
    ratings = rating_reader(framework, ret)
    AnswerReader(ret, framework, ratings).read(opened.sheets, formula_cells)
    return ret.finish()
