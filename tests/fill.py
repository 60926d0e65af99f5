"""Fill a real built workbook the way a partner would, for the reader's tests.

Fixtures are built in code, through the real ``build``, so the tests follow the contract.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from lsp_xlsx.core.files import save_workbook
from lsp_xlsx.framework import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.workbook import contract as C
from lsp_xlsx.workbook.build import BuildSettings, build_workbook
from lsp_xlsx.workbook.fill import fill_answers, fill_start

COL = {c.key: i for i, c in enumerate(C.COLUMNS, start=1)}
_EXCEL_ESCAPES = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)|[\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff]")


def excel_text(text: str) -> str:
    """Text as Excel stores it in the file: characters XML cannot hold, carriage returns and
    literal escapes are themselves escaped as _xHHHH_. Readers decode them back."""
    if text and not text.strip():
        # openpyxl writes whitespace-only text without xml:space="preserve", so every XML
        # parser drops it; Excel keeps it. Escaping each character keeps it, as Excel would.
        return "".join(f"_x{ord(c):04X}_" for c in text)
    return _EXCEL_ESCAPES.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def row_of(ws: Worksheet, question_id: str) -> int:
    """The row holding a question id on a sheet."""
    for row in range(1, ws.max_row + 1):
        if ws.cell(row=row, column=COL["id"]).value == question_id:
            return row
    raise KeyError(question_id)


def set_answers(
    wb: Workbook, framework: Framework, answers: Mapping[str, Mapping[str, Any]]
) -> None:
    """Type answers: {question_id: {"rating": ..., "evidence": ...}}, stored as Excel would."""
    fill_answers(wb, framework, answers, encode=excel_text)


def set_start(wb: Workbook, **values: Any) -> None:
    """Fill "Start here" fields by key: organisation, respondent, role, email, completed."""
    fill_start(wb, values)


def make_return(
    path: Path,
    framework: Framework,
    answers: Mapping[str, Mapping[str, Any]] | None = None,
    partner: Partner | None = None,
    start: Mapping[str, Any] | None = None,
    edit: Callable[[Workbook], None] | None = None,
    built_at: str | None = None,
) -> Path:
    """Build, fill and save a return; ``edit`` may change the workbook first."""
    wb = build_workbook(framework, partner, BuildSettings(), built_at=built_at)
    set_answers(wb, framework, answers or {})
    if start:
        set_start(wb, **start)
    if edit:
        edit(wb)
    return save_workbook(wb, path)


def full_answers(
    framework: Framework, rating: str = "3 - Performs well"
) -> dict[str, dict[str, Any]]:
    """A rating and evidence for every rated question."""
    return {
        q.id: {"rating": rating, "evidence": f"Evidence for {q.id}", "lead": "Head of Policy"}
        for q in framework.rated_questions
    }


def rewrite_zip(source: Path, target: Path, change: Callable[[str, bytes], bytes | None]) -> Path:
    """Copy a zip, passing each part through ``change`` (return None to drop the part)."""
    out = io.BytesIO()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = change(info.filename, src.read(info.filename))
            if data is not None:
                dst.writestr(info, data)
    target.write_bytes(out.getvalue())
    return target


def excel_grows_the_table(ws: Worksheet) -> None:
    """After rows or columns are inserted, make the sheet's table cover them, as Excel does
    (openpyxl leaves the table where it was)."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import TableColumn

    for table in ws.tables.values():
        top = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == "ID")
        last_col = ws.max_column
        names = [ws.cell(row=top, column=c).value or f"Column{c}" for c in range(1, last_col + 1)]
        for c, name in enumerate(names, start=1):
            ws.cell(row=top, column=c).value = name
        table.ref = f"A{top}:{get_column_letter(last_col)}{ws.max_row}"
        table.tableColumns = [TableColumn(id=i, name=str(n)) for i, n in enumerate(names, 1)]
        table.autoFilter = None
