"""One theme sheet of the partner workbook: heading, header row, one row per question.

The layout (header row, first data row, column order and labels) comes from
:mod:`lsp_xlsx.workbook.contract`, which the reader uses too.
"""

from __future__ import annotations

import datetime as dt

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from lsp_xlsx.core.text import write_text
from lsp_xlsx.framework.model import Framework, Question, Theme
from lsp_xlsx.workbook import contract as C
from lsp_xlsx.workbook import styles as S
from lsp_xlsx.workbook.prefill import Prefill

#: Target dates and completion dates are checked to lie in 2000–2099 (Excel serials).
DATE_MIN, DATE_MAX = "36526", "73050"
DATE_HINT = "A date as day/month/year, for example 31/03/2027."


def line_text(ws: Worksheet, row: int, text: str, font: Font) -> None:
    """One line of text in column A, not wrapped: it runs on over the empty cells to its
    right, on screen and in print. No merged cells (they trip up screen readers)."""
    cell = ws.cell(row=row, column=1)
    write_text(cell, text)
    cell.font = font
    cell.alignment = Alignment(horizontal="left", vertical="top", wrap_text=False)
    size = float(font.sz or S.FONT_SIZE)
    ws.row_dimensions[row].height = S.row_height(1, S.LINE_HEIGHT * size / S.FONT_SIZE)


def choice_validation(
    list_name: str, title: str, labels: tuple[str, ...], what: str = "a rating"
) -> DataValidation:
    """A dropdown fed from a defined name, with a prompt and an error that say what to choose."""
    return DataValidation(
        type="list",
        formula1=list_name,
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorStyle="stop",
        errorTitle=title,
        error=f"Choose {what} from the list.",
        promptTitle=title,
        prompt=f"Choose from the list: {', '.join(labels)}."[:255],
    )


def date_validation(title: str, prompt: str = DATE_HINT) -> DataValidation:
    """A date between 2000 and 2099, with a prompt and a warning that say what to type."""
    return DataValidation(
        type="date",
        operator="between",
        formula1=DATE_MIN,
        formula2=DATE_MAX,
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorStyle="warning",
        errorTitle=title,
        error="Enter a date as day/month/year, for example 31/03/2027.",
        promptTitle=title,
        prompt=prompt,
    )


def _header(ws: Worksheet, columns: tuple[C.Column, ...]) -> None:
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
        cell = ws.cell(row=C.HEADER_ROW, column=index, value=column.label)
        cell.font = S.font(bold=True, color="FFFFFF")
        cell.fill = S.header_fill()
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = S.BORDER
    ws.row_dimensions[C.HEADER_ROW].height = S.row_height(1)


class _QuestionRows:
    """Writes question rows and remembers which cells take the dropdown and the date check."""

    def __init__(
        self, ws: Worksheet, columns: tuple[C.Column, ...], prefill: Prefill | None
    ) -> None:
        self.ws = ws
        self.col = {c.key: i for i, c in enumerate(columns, start=1)}
        self.prefill = prefill
        self.rated_cells: list[str] = []
        self.date_cells: list[str] = []
        self.input_fill = S.input_fill()
        self.stem_fill = PatternFill("solid", fgColor=S.STEM_FILL)

    def write(self, row: int, question: Question) -> None:
        ws = self.ws
        id_cell = ws.cell(row=row, column=self.col["id"])
        write_text(id_cell, question.id)
        id_cell.font = S.font(bold=question.depth == 0)
        id_cell.alignment = S.WRAP_TOP
        q_cell = ws.cell(row=row, column=self.col["question"])
        write_text(q_cell, question.text)
        q_cell.font = S.font(bold=not question.rated)
        # Sub-questions are indented under their parent (and their ID says so too).
        q_cell.alignment = Alignment(
            horizontal="left", wrap_text=True, vertical="top", indent=3 * question.depth
        )
        id_cell.border = q_cell.border = S.BORDER
        for key in C.RESPONSE_KEYS:
            self._answer_cell(ws.cell(row=row, column=self.col[key]), key, question)
        if self.prefill is not None:
            self._carry_over(row, question)
        width = C.COLUMN_BY_KEY["question"].width - 2 * question.depth
        text_lines = S.wrapped_lines(question.text, width)
        if not question.rated:
            rating_width = C.COLUMN_BY_KEY["rating"].width
            text_lines = max(text_lines, S.wrapped_lines(C.STEM_PLACEHOLDER, rating_width))
        # Rated rows get room to write in, and Excel grows them further as a partner types.
        S.set_autofit_height(ws, row, S.row_height(max(text_lines, 3 if question.rated else 1)))

    def _answer_cell(self, cell: Cell | MergedCell, key: str, question: Question) -> None:
        cell.border = S.BORDER
        cell.font = S.font()
        cell.alignment = S.WRAP_TOP
        if key == "rating" and not question.rated:
            write_text(cell, C.STEM_PLACEHOLDER)
            cell.fill = self.stem_fill
            cell.font = S.font(italic=True, color=S.GREY_TEXT)
            return
        cell.fill = self.input_fill
        cell.protection = S.UNLOCKED
        if key == "rating":
            self.rated_cells.append(cell.coordinate)
        elif key == "target_date":
            cell.number_format = C.DATE_FORMAT
            self.date_cells.append(cell.coordinate)

    def _carry_over(self, row: int, question: Question) -> None:
        """Last round's rating (read-only, grey) and texts (to update) for this question."""
        assert self.prefill is not None
        last = self.prefill.answers.get(question.id, {})
        cell = self.ws.cell(row=row, column=self.col["last_rating"])
        cell.border, cell.alignment = S.BORDER, S.WRAP_TOP
        cell.fill = PatternFill("solid", fgColor=S.STEM_FILL)
        cell.font = S.font(color=S.GREY_TEXT)
        if question.rated and last.get("last_rating"):
            write_text(cell, last["last_rating"])
        if not question.rated:
            return
        for key in ("evidence", "evidence_source", "improvement_action", "lead", "target_date"):
            value = last.get(key, "")
            if not value:
                continue
            target = self.ws.cell(row=row, column=self.col[key])
            when = _iso_date(value) if key == "target_date" else None
            if when is not None:
                target.value = when
            else:
                write_text(target, value)

    def add_validations(self, framework: Framework) -> None:
        """The Rating dropdown (from the hidden list) and the Target date check."""
        if self.rated_cells:
            rating = choice_validation(C.RATING_LIST_NAME, "Rating", framework.labels)
            for ref in self.rated_cells:
                rating.add(ref)
            self.ws.add_data_validation(rating)
        if self.date_cells:
            dates = date_validation("Target date")
            for ref in self.date_cells:
                dates.add(ref)
            self.ws.add_data_validation(dates)


def _iso_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def write_theme_sheet(
    wb: Workbook, framework: Framework, theme: Theme, prefill: Prefill | None = None
) -> Worksheet:
    """Add the sheet for ``theme``: heading, instructions, header and a row per question;
    with ``prefill``, last round's answers carried over and a "Last rating" column."""
    ws: Worksheet = wb.create_sheet(theme.sheet_name)
    columns = C.columns_for(prefill is not None)
    ncols = len(columns)
    heading = C.theme_heading(theme.number, len(framework.themes), theme.title)
    line_text(ws, 1, heading, S.font(size=14, bold=True, color=S.NAVY))
    for row, guide in enumerate(C.GUIDE_LINES, start=2):
        line_text(ws, row, guide, S.font(color=S.GREY_TEXT))
    _header(ws, columns)
    rows = _QuestionRows(ws, columns, prefill)
    for offset, question in enumerate(theme.questions):
        rows.write(C.FIRST_DATA_ROW + offset, question)
    rows.add_validations(framework)
    last_row = C.FIRST_DATA_ROW + len(theme.questions) - 1
    last_col = get_column_letter(ncols)
    ws.freeze_panes = f"A{C.FIRST_DATA_ROW}"
    # An Excel table: screen readers announce the headers, and it sorts and filters.
    table = Table(
        displayName=C.table_name(theme.number), ref=f"A{C.HEADER_ROW}:{last_col}{last_row}"
    )
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
    ws.add_table(table)
    ws.print_title_rows = f"{C.HEADER_ROW}:{C.HEADER_ROW}"
    ws.print_area = f"A1:{last_col}{last_row}"
    S.print_setup(ws)
    S.protect(ws)
    return ws
