"""Type answers into a built workbook as a partner would: used by the demo and the tests.

Rows are found by question ID and fields on "Start here" by their labels, exactly as the
reader finds them, so a fill that works here works for the reader too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from lsp_xlsx.framework.model import Framework
from lsp_xlsx.workbook import contract as C
from lsp_xlsx.workbook import styles as S


def fill_workbook(
    wb: Workbook,
    framework: Framework,
    answers: Mapping[str, Mapping[str, Any]],
    start: Mapping[str, Any] | None = None,
    encode: Callable[[str], str] = str,
) -> None:
    """Type answers into a built workbook as a partner would.

    ``answers`` is {question_id: {column key: value}}; ``start`` fills "Start here" fields
    by key (organisation, respondent, role, email, completed). ``encode`` turns text into
    what is stored, for callers that emulate a particular spreadsheet program.
    """
    fill_answers(wb, framework, answers, encode)
    if start:
        fill_start(wb, start)


def fill_answers(
    wb: Workbook,
    framework: Framework,
    answers: Mapping[str, Mapping[str, Any]],
    encode: Callable[[str], str] = str,
) -> None:
    """Type answers, {question_id: {column key: value}}, into the rows holding those IDs,
    in the columns under those header labels (as the reader finds them)."""
    rows: dict[str, dict[str, int]] = {}
    layout: dict[str, dict[str, int]] = {}
    for qid, values in answers.items():
        sheet = framework.theme_of[qid].sheet_name
        ws = wb[sheet]
        if sheet not in rows:
            header = next(
                ws.iter_rows(min_row=C.HEADER_ROW, max_row=C.HEADER_ROW, values_only=True)
            )
            layout[sheet] = {
                C.HEADER_KEYS[C.normalise_label(v)]: i
                for i, v in enumerate(header, start=1)
                if isinstance(v, str) and C.normalise_label(v) in C.HEADER_KEYS
            }
            if "id" not in layout[sheet]:  # the header was moved: fall back to the contract
                layout[sheet] = {c.key: i for i, c in enumerate(C.COLUMNS, start=1)}
            id_col = layout[sheet]["id"]
            ids = ws.iter_rows(min_col=id_col, max_col=id_col, values_only=True)
            rows[sheet] = {str(r[0]): n for n, r in enumerate(ids, start=1) if r[0] is not None}
        columns = layout[sheet]
        row = rows[sheet][qid]
        for key, value in values.items():
            cell = ws.cell(row=row, column=columns[key])
            if isinstance(value, str):
                cell.value = encode(value)
                cell.data_type = "s"  # what a partner types is text, even "=..."
                _grow_row(ws, row, value, C.COLUMN_BY_KEY[key].width)
            else:
                cell.value = value


def _grow_row(ws: Worksheet, row: int, text: str, width: float) -> None:
    """Make the row tall enough for ``text``, as Excel does when a partner types it."""
    needed = S.row_height(S.wrapped_lines(text, width))
    dims = ws.row_dimensions[row]
    dims.height = max(dims.height or 0, needed)


def fill_start(wb: Workbook, values: Mapping[str, Any]) -> None:
    """Fill "Start here" fields by key: organisation, respondent, role, email, completed."""
    ws = wb[C.START_SHEET]
    keys = {f.label: f.key for f in C.START_FIELDS}
    for r in range(1, ws.max_row + 1):
        key = keys.get(str(ws.cell(row=r, column=C.START_LABEL_COL).value))
        if key is not None and key in values:
            ws.cell(row=r, column=C.START_VALUE_COL).value = values[key]
