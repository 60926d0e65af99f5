"""The board's outputs from the agreed position: agreed.csv and improvement-plan.xlsx."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from lsp_xlsx.board.agree import AGREED_COLUMNS, Agreed, AgreedRow
from lsp_xlsx.compare.followup import STATUS_COLUMNS, STATUSES, PlanStatus, status_key
from lsp_xlsx.core.files import atomic_path, save_workbook
from lsp_xlsx.core.text import utf8_safe, write_text
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.workbook import styles as S
from lsp_xlsx.workbook.theme_sheet import date_validation

PLAN_COLUMNS = (
    ("Target date", 13),
    ("Theme", 18),
    ("ID", 8),
    ("Question", 38),
    ("Agreed action", 38),
    ("Lead (post)", 18),
    ("Agreed rating", 20),
    ("Owner", 16),
    ("Status", 13),
    ("Progress note", 34),
    ("Updated", 12),
)
#: The columns the coordinator keeps up to date through the year: unlocked, pale yellow.
#: ``lsp-xlsx agree`` and the next ``collate --previous`` read them back (board/plan_read.py).
FOLLOW_LABELS = ("Owner", "Status", "Progress note", "Updated")
#: The Status column's dropdown, from compare/followup.py's one list.
STATUS_LIST = '"' + ",".join(STATUSES) + '"'


Statuses = dict[tuple[str, str], PlanStatus]


def status_of(row: AgreedRow, statuses: Statuses | None) -> PlanStatus:
    """What the updated plan says of ``row``'s action ('not started' for a new action)."""
    if not row.action.strip():
        return PlanStatus()
    found = (statuses or {}).get(status_key(row.question_id, row.action))
    return found or PlanStatus(status=STATUSES[0])


def write_agreed_csv(agreed: Agreed, path: Path, statuses: Statuses | None = None) -> Path:
    """Every rated question's agreed position, exactly as typed (UTF-8, atomically), then
    each row that matched no question, with its ID as typed and no theme; after the agreed
    position's columns, each action's owner, status, progress note and date updated (from
    the updated plan, ``statuses``). Only a lone surrogate, which UTF-8 cannot hold, is
    written escaped (see core/text.py)."""
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow((*AGREED_COLUMNS, *STATUS_COLUMNS))
        for row in agreed.rows + agreed.unmatched:
            follow = status_of(row, statuses)
            values = [getattr(row, c) for c in AGREED_COLUMNS]
            values += [follow.owner, follow.status, follow.progress_note, follow.updated]
            writer.writerow([_csv_value(v) for v in values])
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


def _title(ws: Worksheet) -> None:
    title = ws.cell(row=1, column=1, value="Improvement plan agreed by the board")
    title.font = S.font(size=14, bold=True, color=S.NAVY)
    note = ws.cell(
        row=2,
        column=1,
        value="Every agreed action, by target date; undated last. Keep the pale yellow "
        "columns up to date through the year (Status: not started, in progress, done or "
        "dropped); lsp-xlsx agree and next year's collate --previous read them back.",
    )
    note.font = S.font(color=S.GREY_TEXT)
    for col, (label, width) in enumerate(PLAN_COLUMNS, start=1):
        cell = ws.cell(row=3, column=col, value=label)
        cell.font, cell.fill, cell.border = (
            S.font(bold=True, color="FFFFFF"),
            S.header_fill(),
            S.BORDER,
        )
        ws.column_dimensions[get_column_letter(col)].width = width


def _values(row: AgreedRow | None, framework: Framework, statuses: Statuses | None) -> list[str]:
    if row is None:
        return ["None: no action was agreed", *[""] * (len(PLAN_COLUMNS) - 1)]
    themes = {t.id: t.sheet_name for t in framework.themes}
    theme = themes.get(row.theme_id, row.theme_id)
    rating = row.agreed_label or row.agreed_raw
    # Shown whole: a sub-question has no parent row beside it in the plan.
    known = row.question_id in framework.by_id
    question = framework.whole_text(row.question_id) if known else row.question
    follow = status_of(row, statuses)
    values = [row.target_date, theme, row.question_id, question, row.action, row.lead, rating]
    return [*values, follow.owner, follow.status, follow.progress_note, follow.updated]


def plan_workbook(
    agreed: Agreed, framework: Framework, statuses: Statuses | None = None
) -> Workbook:
    """The agreed actions by target date, each beside its question's agreed rating, with
    unlocked Owner, Status (a dropdown), Progress note and Updated columns, filled from the
    updated plan's ``statuses`` when there are any."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Improvement plan"
    _title(ws)
    actions = sorted((r for r in agreed.rows + agreed.unmatched if r.action.strip()), key=_order)
    follow_cols = {PLAN_COLUMNS.index(c) + 1 for c in PLAN_COLUMNS if c[0] in FOLLOW_LABELS}
    dated = {1, len(PLAN_COLUMNS)}  # Target date and Updated
    for offset, row in enumerate(actions or [None], start=4):
        lines = 1
        for col, value in enumerate(_values(row, framework, statuses), start=1):
            body = ws.cell(row=offset, column=col)
            when = _as_date(str(value)) if col in dated else None
            if when is not None:  # a real date, so that it sorts and prints as one
                body.value, body.number_format = when, "dd/mm/yyyy"
            elif value:
                write_text(body, str(value))
            body.font, body.border = S.font(size=10), S.BORDER
            body.alignment = Alignment(wrap_text=True, vertical="top")
            if col in follow_cols and row is not None:
                body.fill, body.protection = S.input_fill(), S.UNLOCKED
            lines = max(lines, S.wrapped_lines(str(value), PLAN_COLUMNS[col - 1][1], 1.05))
        ws.row_dimensions[offset].height = S.row_height(lines, S.SMALL_LINE_HEIGHT, 4)
    last = 3 + max(len(actions), 1)
    table = Table(
        displayName="ImprovementPlanTable", ref=f"A3:{get_column_letter(len(PLAN_COLUMNS))}{last}"
    )
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
    ws.add_table(table)
    if actions:
        _validations(ws, last)
    S.protect(ws)
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    S.print_setup(ws)
    S.set_properties(wb, "Improvement plan", f"{framework.title}: the actions the board agreed")
    return wb


def _validations(ws: Worksheet, last: int) -> None:
    labels = [c[0] for c in PLAN_COLUMNS]
    status = get_column_letter(labels.index("Status") + 1)
    choose = DataValidation(
        type="list",
        formula1=STATUS_LIST,
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorStyle="stop",
        errorTitle="Status",
        error=f"Choose the status from the list: {', '.join(STATUSES)}.",
        promptTitle="Status",
        prompt=f"Choose from the list: {', '.join(STATUSES)}.",
    )
    choose.add(f"{status}4:{status}{last}")
    ws.add_data_validation(choose)
    updated = get_column_letter(labels.index("Updated") + 1)
    dates = date_validation("Updated", "The date of the latest progress, as day/month/year.")
    dates.add(f"{updated}4:{updated}{last}")
    ws.add_data_validation(dates)


def write_agreed_outputs(
    agreed: Agreed,
    framework: Framework,
    out_dir: Path,
    plan_name: str = "improvement-plan.xlsx",
    statuses: Statuses | None = None,
) -> tuple[Path, Path]:
    """agreed.csv and the improvement plan (``plan_name``) in ``out_dir``, each action with
    the owner, status, note and date the updated plan gave it (``statuses``)."""
    csv_path = write_agreed_csv(agreed, out_dir / "agreed.csv", statuses)
    plan = save_workbook(plan_workbook(agreed, framework, statuses), out_dir / plan_name)
    return csv_path, plan
