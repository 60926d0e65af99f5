"""The board's outputs from the agreed position: agreed.csv and improvement-plan.xlsx."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

from lsp_xlsx.board.agree import AGREED_COLUMNS, Agreed, AgreedRow
from lsp_xlsx.core.files import atomic_path, save_workbook
from lsp_xlsx.core.text import utf8_safe, write_text
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.workbook import styles as S

PLAN_COLUMNS = (
    ("Target date", 13),
    ("Theme", 18),
    ("ID", 8),
    ("Question", 46),
    ("Agreed action", 46),
    ("Lead (post)", 20),
    ("Agreed rating", 22),
)


def write_agreed_csv(agreed: Agreed, path: Path) -> Path:
    """Every rated question's agreed position, exactly as typed (UTF-8, atomically), then
    each row that matched no question, with its ID as typed and no theme. Only a lone
    surrogate, which UTF-8 cannot hold, is written escaped (see core/text.py)."""
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(AGREED_COLUMNS)
        for row in agreed.rows + agreed.unmatched:
            writer.writerow([_csv_value(getattr(row, c)) for c in AGREED_COLUMNS])
    return path


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    return utf8_safe(value) if isinstance(value, str) else value


def _order(row: AgreedRow) -> tuple[bool, str]:
    try:
        return False, dt.date.fromisoformat(row.target_date).isoformat()
    except ValueError:
        return True, row.target_date  # undated (or not a date) last


def _as_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def plan_workbook(agreed: Agreed, framework: Framework) -> Workbook:
    """The agreed actions by target date, each beside its question's agreed rating."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Improvement plan"
    title = ws.cell(row=1, column=1, value="Improvement plan agreed by the board")
    title.font = S.font(size=14, bold=True, color=S.NAVY)
    note = ws.cell(row=2, column=1, value="Every agreed action, by target date; undated last.")
    note.font = S.font(color=S.GREY_TEXT)
    actions = sorted((r for r in agreed.rows + agreed.unmatched if r.action.strip()), key=_order)
    for col, (label, width) in enumerate(PLAN_COLUMNS, start=1):
        cell = ws.cell(row=3, column=col, value=label)
        cell.font, cell.fill, cell.border = (
            S.font(bold=True, color="FFFFFF"),
            S.header_fill(),
            S.BORDER,
        )
        ws.column_dimensions[get_column_letter(col)].width = width
    themes = {t.id: t.sheet_name for t in framework.themes}
    for offset, row in enumerate(actions or [None], start=4):
        values = ["None: no action was agreed", "", "", "", "", "", ""]
        if row is not None:
            theme = themes.get(row.theme_id, row.theme_id)
            rating = row.agreed_label or row.agreed_raw
            # Shown whole: a sub-question has no parent row beside it in the plan.
            known = row.question_id in framework.by_id
            question = framework.whole_text(row.question_id) if known else row.question
            values = [row.target_date, theme, row.question_id, question]
            values += [row.action, row.lead, rating]
        lines = 1
        for col, value in enumerate(values, start=1):
            body = ws.cell(row=offset, column=col)
            when = _as_date(str(value)) if col == 1 else None
            if when is not None:  # a real date, so that it sorts and prints as one
                body.value, body.number_format = when, "dd/mm/yyyy"
            else:
                write_text(body, str(value))
            body.font, body.border = S.font(size=10), S.BORDER
            body.alignment = Alignment(wrap_text=True, vertical="top")
            lines = max(lines, S.wrapped_lines(str(value), PLAN_COLUMNS[col - 1][1], 1.05))
        ws.row_dimensions[offset].height = S.row_height(lines, S.SMALL_LINE_HEIGHT, 4)
    last = 3 + max(len(actions), 1)
    table = Table(
        displayName="ImprovementPlanTable", ref=f"A3:{get_column_letter(len(PLAN_COLUMNS))}{last}"
    )
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    S.print_setup(ws)
    S.set_properties(wb, "Improvement plan", f"{framework.title}: the actions the board agreed")
    return wb


def write_agreed_outputs(
    agreed: Agreed, framework: Framework, out_dir: Path, plan_name: str = "improvement-plan.xlsx"
) -> tuple[Path, Path]:
    """agreed.csv and the improvement plan (``plan_name``) in ``out_dir``."""
    csv_path = write_agreed_csv(agreed, out_dir / "agreed.csv")
    plan = save_workbook(plan_workbook(agreed, framework), out_dir / plan_name)
    return csv_path, plan
