"""The look both workbooks share: fonts, colours, borders, row heights, print setup, protection.

The partner workbook (:mod:`lsp_xlsx.workbook`) and the comparison workbook
(:mod:`lsp_xlsx.compare`) both import these, so they look like one tool made them.
Colours are chosen for WCAG AA contrast (at least 4.5:1) of the text drawn on them.
"""

from __future__ import annotations

import math
from typing import Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.dimensions import RowDimension
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from lsp_xlsx.core.text import xml_safe
from lsp_xlsx.core.version import __version__

FONT_NAME = "Arial"
FONT_SIZE = 11
NAVY = "1F3864"  # white on navy: 11.7:1
INPUT_FILL = "FFF2CC"  # black on pale yellow: 19:1
STEM_FILL = "E7E6E6"  # dark grey on light grey: 8.4:1
GREY_TEXT = "404040"
HINT_TEXT = "595959"  # on white: 7:1
LINK_TEXT = "1F4E79"
# Heat-map fills: light, so black numbers on them keep AA contrast (above 10:1).
LOW, MID, HIGH = "F8CBAD", "FFEB84", "A9D08E"

#: Points per wrapped line, with LibreOffice's leading: 11pt and 10pt Arial.
LINE_HEIGHT = 14.5
SMALL_LINE_HEIGHT = 13.0

_thin = Side(style="thin", color="7F7F7F")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
UNLOCKED = Protection(locked=False)


def font(
    size: float = FONT_SIZE,
    bold: bool = False,
    italic: bool = False,
    color: str | None = None,
    underline: Literal["single", "double"] | None = None,
) -> Font:
    """Arial at ``size`` points (11 unless told)."""
    return Font(
        name=FONT_NAME, size=size, bold=bold, italic=italic, color=color, underline=underline
    )


def header_fill() -> PatternFill:
    """The navy fill behind white header text."""
    return PatternFill("solid", fgColor=NAVY)


def input_fill() -> PatternFill:
    """The pale yellow of a cell a partner may type in."""
    return PatternFill("solid", fgColor=INPUT_FILL)


def wrapped_lines(text: str, width: float, chars_per_unit: float = 0.95) -> int:
    """Lines ``text`` wraps to in a column ``width`` characters wide (a safe over-estimate).

    ``chars_per_unit`` is how many characters of the font fit one unit of column width:
    about 0.95 for 11pt Arial and 1.05 for 10pt.
    """
    per_line = max(int(width * chars_per_unit), 1)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def row_height(lines: float, line_height: float = LINE_HEIGHT, padding: float = 6) -> float:
    """A row height in points for ``lines`` wrapped lines.

    Row heights are set by hand: LibreOffice's headless PDF export does not grow rows to
    fit wrapped text, and Excel's row limit is 409 points.
    """
    return min(409.0, round(lines * line_height + padding, 1))


class AutoFitRow(RowDimension):
    """A row whose height is set but not fixed: written without ``customHeight``, so that
    Excel still grows it as a partner types (a fixed height would hide their text), while
    LibreOffice and print use the height given."""

    @property
    def customHeight(self) -> None:  # type: ignore[override]
        return None


def set_autofit_height(ws: Worksheet, row: int, height: float) -> None:
    """Give ``row`` a starting height that Excel may still grow to fit what is typed."""
    ws.row_dimensions[row] = AutoFitRow(ws, index=row, ht=height)


def protect(ws: Worksheet) -> None:
    """Sheet protection against accidents, no password. In openpyxl False means allowed."""
    p = ws.protection
    p.sheet = True
    p.sort = False
    p.autoFilter = False
    p.formatColumns = False
    p.formatRows = False
    p.selectLockedCells = False
    p.selectUnlockedCells = False


def print_setup(ws: Worksheet, landscape: bool = True, footer_size: int = 9) -> None:
    """A4, fit to the page width, with the sheet name and page number in the footer."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    footer = ws.oddFooter
    assert footer is not None
    footer.center.text = "&A: page &P of &N"
    footer.center.size = footer_size


def set_properties(wb: Workbook, title: str, subject: str) -> None:
    """Document properties a screen reader and a catalogue use, and the view it opens on.

    Title, subject, language (en-GB) and the tool as creator; the first sheet active and
    selected, and A1 selected on every sheet.
    """
    props = wb.properties
    # A partner's name or partnership is in these: made XML-safe, as cells are.
    props.title, props.subject, props.language = xml_safe(title), xml_safe(subject), "en-GB"
    props.creator = props.lastModifiedBy = f"lsp-xlsx {__version__}"
    wb.active = 0
    for index, ws in enumerate(wb.worksheets):
        view = ws.sheet_view
        view.tabSelected = index == 0
        for selection in view.selection:
            selection.activeCell = "A1"
            selection.sqref = "A1"
