""" "Start here": the first sheet of the partner workbook, written section by section.

Each section writer takes the row to start on and returns the row after it, so sections
can be added, dropped or reordered without threading a counter through one long function.
"""

from __future__ import annotations

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from lsp_xlsx.core.text import write_text
from lsp_xlsx.framework.model import Framework, iter_intro_blocks
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.workbook import contract as C
from lsp_xlsx.workbook import styles as S
from lsp_xlsx.workbook.prefill import Prefill
from lsp_xlsx.workbook.settings import BuildSettings
from lsp_xlsx.workbook.theme_sheet import date_validation

#: Column A holds the text and the labels, B the answers and descriptions, C the hints.
WIDTHS = (70, 50, 34)


class StartSheet:
    """Writes "Start here" for one framework, settings and (optionally) partner."""

    def __init__(
        self,
        ws: Worksheet,
        framework: Framework,
        settings: BuildSettings,
        partner: Partner | None,
        prefill: Prefill | None = None,
    ) -> None:
        self.ws = ws
        self.fw = framework
        self.settings = settings
        self.partner = partner
        self.prefill = prefill
        self.ncols = len(WIDTHS)
        self.total = sum(WIDTHS)

    def write(self) -> None:
        """Every section in order, then the print area, protection and view."""
        ws = self.ws
        for index, width in enumerate(WIDTHS, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        row = 1
        for section in (
            self.title,
            self.purpose,
            self.steps,
            self.scale,
            self.returning,
            self.details,
            self.progress,
        ):
            row = section(row)
        ws.print_area = f"A1:{get_column_letter(self.ncols)}{row - 1}"
        S.print_setup(ws, landscape=True)
        S.protect(ws)
        ws.sheet_view.showGridLines = False

    # --- helpers ---------------------------------------------------------------------------

    def _text(self, row: int, text: str, font: Font | None = None, indent: int = 0) -> None:
        """A paragraph in column A, wrapped, one cell per paragraph (as a screen reader
        reads it), with the row tall enough for every line."""
        font = font or S.font()
        cell = self.ws.cell(row=row, column=1)
        write_text(cell, text)
        cell.font = font
        cell.alignment = Alignment(horizontal="left", wrap_text=True, vertical="top", indent=indent)
        size = float(font.sz or S.FONT_SIZE)
        lines = S.wrapped_lines(text, (WIDTHS[0] - 2 * indent) * S.FONT_SIZE / size)
        self.ws.row_dimensions[row].height = S.row_height(lines, S.LINE_HEIGHT * size / S.FONT_SIZE)

    def _section(self, row: int, text: str) -> int:
        cell = self.ws.cell(row=row, column=1, value=text)
        cell.font = S.font(size=13, bold=True, color=S.NAVY)
        self.ws.row_dimensions[row].height = S.row_height(1) + 4
        return row + 1

    def _header(self, row: int, labels: tuple[str, ...]) -> None:
        for col, label in enumerate(labels, start=1):
            cell = self.ws.cell(row=row, column=col, value=label)
            cell.font = S.font(bold=True, color="FFFFFF")
            cell.fill = S.header_fill()
            cell.border = S.BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        self.ws.row_dimensions[row].height = S.row_height(1)

    # --- sections --------------------------------------------------------------------------

    def title(self, row: int) -> int:
        """The title, then the partnership (and the partner, on a personalised copy)."""
        self._text(row, self.settings.title, S.font(size=16, bold=True, color=S.NAVY))
        subtitle = self.settings.partnership or self.fw.title
        if self.partner is not None:
            subtitle = f"{subtitle}: return from {self.partner.name}"
        self._text(row + 1, subtitle, S.font(size=12, bold=True))
        if self.partner is not None:
            # Room for a long partner name, so every personalised copy has the same layout.
            dims = self.ws.row_dimensions[row + 1]
            dims.height = max(dims.height or 0, S.row_height(3))
        return row + 3

    def purpose(self, row: int) -> int:
        """The framework's introduction and its source."""
        row = self._section(row, "What this is for")
        for kind, text in iter_intro_blocks(self.fw.intro):
            if kind == "bullet":
                self._text(row, f"•  {text}", indent=2)
            else:
                self._text(row, text)
            row += 1
        if self.fw.source:
            self._text(row, f"Source: {self.fw.source}.", S.font(italic=True, color=S.HINT_TEXT))
            row += 1
        return row + 1

    def steps(self, row: int) -> int:
        """How to fill it in, as numbered steps."""
        row = self._section(row, "How to fill it in")
        first_theme = self.fw.themes[0].sheet_name
        steps = [
            "Fill in your details below.",
            f'Each numbered sheet ("{first_theme}" onwards) holds one theme. For every '
            "question, choose a rating from the dropdown in the Rating column.",
            "Write the evidence behind your rating, and where it can be found (Evidence source).",
            "Where you see room to improve, write the action, the post that will lead it (not a "
            "person's name) and a target date.",
            f'Questions marked "{C.STEM_PLACEHOLDER}" introduce sub-questions: rate each part.',
            "You can type only in pale yellow cells with borders. The rest is protected against "
            "accidental change, without a password.",
            "Keep the file as .xlsx, do not add a password, and do not rename or delete sheets. "
            "Save it and send it back by the deadline.",
            *(
                [
                    f"This workbook is pre-filled with your answers from round "
                    f"{self.prefill.round}: your rating then is in the grey Last rating column, "
                    "and your evidence, actions, leads and target dates are in their cells. Check "
                    "each one, update what has changed, and choose this round's rating afresh: "
                    "the Rating column is left empty on purpose."
                ]
                if self.prefill is not None
                else []
            ),
            f"The workbook also has two hidden sheets, {C.LISTS_SHEET} and {C.META_SHEET}, which "
            "hold the rating options and the workbook's details for the coordinator's tool. "
            "Please leave them as they are.",
        ]
        for number, step in enumerate(steps, start=1):
            self._text(row, f"{number}.  {step}", indent=1)
            row += 1
        return row + 1

    def scale(self, row: int) -> int:
        """The rating scale: each label and what it means."""
        ws = self.ws
        row = self._section(row, "The rating scale")
        self._header(row, ("Rating", "What it means"))
        row += 1
        for option in self.fw.scale:
            label_cell = ws.cell(row=row, column=1)
            write_text(label_cell, option.label)
            label_cell.font = S.font(bold=True)
            desc = ws.cell(row=row, column=2)
            write_text(desc, option.description)
            desc.font = S.font()
            for cell in (label_cell, desc):
                cell.border = S.BORDER
                cell.alignment = S.WRAP_TOP
            lines = max(
                S.wrapped_lines(option.label, WIDTHS[0]),
                S.wrapped_lines(option.description, WIDTHS[1]),
            )
            ws.row_dimensions[row].height = S.row_height(lines)
            row += 1
        return row + 1

    def returning(self, row: int) -> int:
        """The deadline and whom to send it to, when the coordinator gave them."""
        settings, ws = self.settings, self.ws
        row = self._section(row, "Returning it")
        ws.cell(row=row, column=1, value="Round").font = S.font(bold=True)
        round_cell = ws.cell(row=row, column=2)
        write_text(round_cell, settings.round_label())
        round_cell.font = S.font(bold=True)
        round_cell.alignment = Alignment(horizontal="left")
        row += 1
        if settings.deadline:
            ws.cell(row=row, column=1, value="Please return by").font = S.font(bold=True)
            cell = ws.cell(row=row, column=2, value=settings.deadline)
            cell.number_format = "dddd d mmmm yyyy"
            cell.font = S.font(bold=True)
            cell.alignment = Alignment(horizontal="left")
            ws.row_dimensions[row].height = S.row_height(1)
            row += 1
        if settings.contact:
            ws.cell(row=row, column=1, value="Send it to, and ask").font = S.font(bold=True)
            contact = ws.cell(row=row, column=2)
            write_text(contact, settings.contact)
            contact.font = S.font()
            contact.alignment = S.WRAP_TOP
            lines = S.wrapped_lines(settings.contact, WIDTHS[1])
            ws.row_dimensions[row].height = S.row_height(lines)
            row += 1
        return row + 1

    def details(self, row: int) -> int:
        """The partner's details: labelled input cells the reader finds by their labels."""
        ws = self.ws
        row = self._section(row, "Your details")
        prefilled = {
            "partner_id": self.partner.partner_id if self.partner else "",
            "organisation": self.partner.name if self.partner else "",
        }
        if self.partner is not None and self.partner.respondent_id:
            # A respondent's own copy: their name, role and e-mail from partners.csv.
            for key, attribute in C.RESPONDENT_START_FIELDS.items():
                prefilled[key] = str(getattr(self.partner, attribute))
        for field in C.START_FIELDS:
            label_cell = ws.cell(row=row, column=C.START_LABEL_COL, value=field.label)
            label_cell.font = S.font(bold=True)
            label_cell.alignment = Alignment(vertical="center")
            value = ws.cell(row=row, column=C.START_VALUE_COL)
            if prefilled.get(field.key):
                write_text(value, prefilled[field.key])
            value.font = S.font()
            value.border = S.BORDER
            value.alignment = Alignment(vertical="center", wrap_text=True)
            if field.editable:
                value.fill = S.input_fill()
                value.protection = S.UNLOCKED
            if field.key == "completed":
                value.number_format = C.DATE_FORMAT
                dv = date_validation("Date completed", "The date you finished, as day/month/year.")
                dv.add(value.coordinate)
                ws.add_data_validation(dv)
            if field.hint:
                hint = ws.cell(row=row, column=3, value=field.hint)
                hint.font = S.font(italic=True, color=S.HINT_TEXT, size=10)
                hint.alignment = Alignment(vertical="center", wrap_text=True)
            hint_lines = S.wrapped_lines(field.hint, WIDTHS[2] * 1.1) if field.hint else 1
            # A personalised copy has the partner's name here; leave room for a long one.
            value_lines = 3 if field.key in prefilled and self.partner is not None else 1
            value_lines = max(value_lines, S.wrapped_lines(prefilled.get(field.key, ""), WIDTHS[1]))
            ws.row_dimensions[row].height = S.row_height(max(hint_lines, value_lines))
            row += 1
        return row + 1

    def progress(self, row: int) -> int:
        """A live table of rated questions answered, per theme and in all."""
        ws = self.ws
        row = self._section(row, "Your progress")
        self._header(row, ("Theme", "Rated questions", "Answered"))
        row += 1
        first = row
        for theme in self.fw.themes:
            # The sheet's name only: LibreOffice does not wrap the text of a link.
            name = theme.sheet_name
            name_cell = ws.cell(row=row, column=1)
            write_text(name_cell, name)
            name_cell.hyperlink = f"#{quote_sheetname(theme.sheet_name)}!A1"
            name_cell.font = S.font(color=S.LINK_TEXT, underline="single")
            name_cell.alignment = S.WRAP_TOP
            ws.cell(row=row, column=2, value=len(theme.rated_questions))
            last = C.FIRST_DATA_ROW + len(theme.questions) - 1
            rng = f"{quote_sheetname(theme.sheet_name)}!$C${C.FIRST_DATA_ROW}:$C${last}"
            # Counts only answers from the scale: a typed-over rating is not counted as done.
            ws.cell(row=row, column=3, value=f"=SUMPRODUCT(COUNTIF({rng},{C.RATING_LIST_NAME}))")
            self._borders(row)
            ws.cell(row=row, column=2).font = ws.cell(row=row, column=3).font = S.font()
            for col in (2, 3):
                ws.cell(row=row, column=col).alignment = S.WRAP_TOP
            ws.row_dimensions[row].height = S.row_height(1)
            row += 1
        ws.cell(row=row, column=1, value="All themes").font = S.font(bold=True)
        ws.cell(row=row, column=2, value=f"=SUM(B{first}:B{row - 1})").font = S.font(bold=True)
        ws.cell(row=row, column=3, value=f"=SUM(C{first}:C{row - 1})").font = S.font(bold=True)
        self._borders(row)
        ws.row_dimensions[row].height = S.row_height(1)
        return row + 1

    def _borders(self, row: int) -> None:
        for col in range(1, self.ncols + 1):
            self.ws.cell(row=row, column=col).border = S.BORDER
