"""The pieces every sheet of the comparison workbook is made of.

openpyxl lays out each sheet (widths, merges, heat maps, charts, tables, print setup and
the style table) and the cells are streamed as XML by
:class:`~lsp_xlsx.core.xmlrows.SheetRows`: setting 600,000 openpyxl cells and styles one
by one took a minute for 1,000 returns.

Every piece of text goes through :func:`~lsp_xlsx.core.text.safe_text` and is written as
an inline string: it is text, never a formula; characters XML forbids are replaced; text
over Excel's limit is cut visibly.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections.abc import Sequence
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from lsp_xlsx.compare.tables import Comparison
from lsp_xlsx.core.text import safe_text
from lsp_xlsx.core.xmlrows import SheetRows
from lsp_xlsx.workbook import styles as S

FONT = S.FONT_NAME
LINE = S.SMALL_LINE_HEIGHT  # points per wrapped line of 10pt Arial
DATE = "dd/mm/yyyy"
#: Characters of 10pt text a subtitle line may take: narrower than any table it sits over.
SUBTITLE_WIDTH = 100


def unique_labels(labels: Sequence[str]) -> list[str]:
    """Header labels a table accepts: one line each, none empty, none repeated."""
    out: list[str] = []
    seen: set[str] = set()  # a set: a Questions sheet has a column per partner, thousands
    for index, label in enumerate(labels, start=1):
        text = " ".join(safe_text(str(label))[0].split()) or f"Column {index}"
        candidate, n = text, 2
        while candidate.casefold() in seen:
            candidate, n = f"{text} ({n})", n + 1
        out.append(candidate)
        seen.add(candidate.casefold())
    return out


def wrapped(text: str, width: float) -> int:
    """Lines of 10pt text in a column ``width`` characters wide."""
    return S.wrapped_lines(text, width, chars_per_unit=1.05)


def wrapped_column(values: Sequence[str], width: float) -> list[int]:
    """:func:`wrapped` for a whole column at once: the same counts, with the common case (no
    line break) worked out without splitting, for the long sheets' hundreds of thousands of
    cells."""
    per_line = max(int(width * 1.05), 1)
    return [wrapped(v, width) if "\n" in v else max(1, -(-len(v) // per_line)) for v in values]


class StyleTable:
    """Cell styles by name, registered once in the workbook's style table."""

    def __init__(self, wb: Workbook, ws: Worksheet) -> None:
        self.wb = wb
        self.ws = ws
        self.ids: dict[tuple[str, str], int] = {}

    def __call__(self, name: str, number_format: str = "General") -> int:
        key = (name, number_format)
        if key not in self.ids:
            probe = Cell(self.ws, row=1, column=1)  # detached: only its style is used
            base, _, indent = name.partition(":")
            if base == "title":
                probe.font = Font(name=FONT, size=14, bold=True, color=S.NAVY)
            elif base == "subtitle":
                probe.font = Font(name=FONT, size=10, color="404040")
                probe.alignment = Alignment(wrap_text=False, vertical="top")
            elif base == "input":  # a cell for the board to fill in: unlocked, pale yellow
                probe.font = Font(name=FONT, size=10)
                probe.fill = S.input_fill()
                probe.border = S.BORDER
                probe.protection = S.UNLOCKED
                probe.alignment = Alignment(wrap_text=True, vertical="top")
            elif base == "link":
                probe.font = Font(name=FONT, size=10, color=S.LINK_TEXT, underline="single")
                probe.border = S.BORDER
                probe.alignment = Alignment(wrap_text=True, vertical="top")
            elif base == "section":
                probe.font = Font(name=FONT, size=12, bold=True, color=S.NAVY)
            elif base == "header":
                probe.font = Font(name=FONT, size=10, bold=True, color="FFFFFF")
                probe.fill = PatternFill("solid", fgColor=S.NAVY)
                probe.alignment = Alignment(wrap_text=True, vertical="center")
                probe.border = S.BORDER
            else:
                probe.font = Font(name=FONT, size=10, bold=base == "bold")
                probe.border = S.BORDER
                horizontal = {"centre": "center", "indent": "left"}.get(base)
                probe.alignment = Alignment(
                    horizontal=horizontal, wrap_text=True, vertical="top", indent=int(indent or 0)
                )
            probe.number_format = number_format
            # openpyxl's own style table: the id a cell with this style would be saved with.
            # (openpyxl is pinned below 3.2 in pyproject.toml for this.)
            registry: Any = self.wb._cell_styles  # type: ignore[attr-defined]
            self.ids[key] = int(registry.add(probe._style))  # type: ignore[attr-defined]
        return self.ids[key]


class Sheet:
    """One sheet: openpyxl for its layout, SheetRows for its cells."""

    def __init__(
        self,
        wb: Workbook,
        name: str,
        marker: str,
        styles: StyleTable,
        part: int = 1,
        continued: str = "",
    ) -> None:
        ws = wb.create_sheet(name)
        assert isinstance(ws, Worksheet)
        self.ws = ws
        self.marker = marker
        self.style = styles
        self.rows = SheetRows()
        self.last_header: tuple[int, list[str]] = (0, [])
        #: Alt text for each chart on the sheet, in the order the charts were added.
        self.alt_texts: list[str] = []
        #: For a table over several sheets: which part this is, and the words that say so
        #: (see :mod:`~lsp_xlsx.compare.limits`); a note on a cut table goes there too.
        self.part = part
        self.continued = continued

    def cell_text(self, value: object) -> str:
        """Partner text made safe for a cell (cut, cleaned, escaped as Excel does)."""
        return safe_text(value if isinstance(value, str) else str(value), self.marker)[0]

    def text(self, row: int, col: int, text: str, style: str = "body") -> None:
        self.rows.put(row, col, safe_text(text, self.marker)[0], self.style(style))

    def title(self, text: str, subtitle: str = "", width: float = SUBTITLE_WIDTH) -> int:
        """The title in A1 and the subtitle below it; returns the next free row.

        The subtitle is not wrapped inside one narrow cell (where it would be cut off):
        it is split into lines that fit ``width`` characters, one row each, and each line
        runs on over the empty cells to its right, on screen and in print.
        """
        if self.part > 1:
            text = f"{text} (continued)"
        self.text(1, 1, text, "title")
        self.rows.height(1, 22)
        subtitle = " ".join(t for t in (self.continued, subtitle) if t)
        lines = textwrap.wrap(subtitle, max(int(width * 1.05), 40)) if subtitle else []
        for offset, line in enumerate(lines, start=2):
            self.text(offset, 1, line, "subtitle")
            self.rows.height(offset, LINE + 2)
        return 2 + len(lines)

    def header(
        self, row: int, labels: Sequence[str], widths: Sequence[float], only_widen: bool = False
    ) -> None:
        """A header row; the labels are made unique and non-empty, as a table needs.
        With ``only_widen``, a column already wider keeps its width."""
        labels = unique_labels(labels)
        for col, (label, width) in enumerate(zip(labels, widths, strict=True), start=1):
            self.rows.put(row, col, label, self.style("header"))
            dims = self.ws.column_dimensions[get_column_letter(col)]
            dims.width = max(width, dims.width or 0) if only_widen else width
        widths = [
            self.ws.column_dimensions[get_column_letter(i)].width or w
            for i, w in enumerate(widths, 1)
        ]
        tallest = max(wrapped(label, width) for label, width in zip(labels, widths, strict=True))
        self.rows.height(row, tallest * LINE + 6)
        self.last_header = (row, labels)

    def table(self, name: str, last_row: int, stripes: bool = False) -> int:
        """Make the last header row and the rows below it, to ``last_row``, an Excel table.

        A table with no rows gets one saying "None", as a table needs a row. Returns the
        table's last row. Nothing may be written below it on this sheet.
        """
        header_row, labels = self.last_header
        if last_row <= header_row:
            last_row = header_row + 1
            self.put(last_row, 1, "None")
        ref = f"A{header_row}:{get_column_letter(len(labels))}{last_row}"
        if self.part > 1:  # a table name is unique in the workbook
            name = f"{name}{self.part}"
        table = Table(displayName=name, ref=ref)
        table.tableColumns = [TableColumn(id=i, name=n) for i, n in enumerate(labels, start=1)]
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=stripes)
        self.ws.add_table(table)
        return last_row

    def facts(self, header_row: int, facts: Sequence[tuple[str, str]], width: float) -> None:
        """An Item / Value table of facts below ``header_row``, to the end of the sheet."""
        self._two_columns(header_row, ["Item", "Value"], [26, width], facts, "AboutTable")

    def notes(self, texts: Sequence[str]) -> None:
        """The Notes sheet: numbered notes that apply to many cells, under its title."""
        header_row = self.title("Notes", "Notes that apply to many cells in this workbook.")
        numbered = list(enumerate(texts, start=1))
        self._two_columns(header_row, ["Note", "What it says"], [8, 110], numbered, "NotesTable")

    def contents(self, header_row: int, sheets: Sequence[tuple[str, str]]) -> None:
        """A Contents table: each sheet's name as a link to it, and what it holds."""
        self.header(header_row, ["Sheet", "What it holds"], [22, 90])
        row = header_row
        for name, text in sheets:
            row += 1
            self.link(row, 1, name, name)
            self.put(row, 2, text)
            self.fit_cells(row)
        self.finish(header_row, 2, self.table("ContentsTable", row))

    def _two_columns(
        self,
        header_row: int,
        labels: list[str],
        widths: list[float],
        rows: Sequence[tuple[object, object]],
        table: str,
    ) -> None:
        self.header(header_row, labels, widths)
        row = header_row
        for first, second in rows:
            row += 1
            self.put(row, 1, first)
            self.put(row, 2, second)
            self.fit_cells(row)
        self.finish(header_row, 2, self.table(table, row))

    def link(self, row: int, col: int, text: str, sheet: str) -> None:
        """A cell that goes to A1 of another sheet."""
        shown = safe_text(text, self.marker)[0]
        self.rows.put(row, col, shown, self.style("link"))
        location = f"{quote_sheetname(sheet)}!A1"
        cell = self.ws.cell(row=row, column=col)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=location, display=shown)
        # openpyxl copies the link into the value (the text is streamed instead), and only
        # writes the link of a cell it writes: one with a style.
        cell.value = None
        cell.font = Font(name=FONT, size=10, color=S.LINK_TEXT, underline="single")

    def put(
        self, row: int, col: int, value: Any, number_format: str = "General", style: str = "body"
    ) -> None:
        """One body cell: text as text, numbers as numbers, missing as an empty cell."""
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            value = None
        elif isinstance(value, str):
            value = safe_text(value, self.marker)[0]
        elif isinstance(value, dt.datetime):
            value = value.date()
        elif hasattr(value, "item") and not isinstance(value, dt.date):
            value = value.item()  # numpy scalars
        elif not isinstance(value, int | float | dt.date):
            value = safe_text(str(value), self.marker)[0]
        self.rows.put(row, col, value, self.style(style, number_format))

    def bold(self, row: int, col: int) -> None:
        self.rows.restyle(row, col, self.style("bold"))

    def fit_row(self, row: int, texts: Sequence[tuple[str, float]], minimum: int = 1) -> None:
        """Set a row's height from its longest wrapped text."""
        lines = max([minimum, *(wrapped(t, w) for t, w in texts if t)])
        self.rows.height(row, min(409.0, lines * LINE + 4))

    def fit_cells(self, row: int, indents: dict[int, int] | None = None) -> None:
        """Set a row's height so that every text cell already put on it shows in full."""
        texts = []
        for col, (value, _) in self.rows.cells.get(row, {}).items():
            if isinstance(value, str) and value:
                width = self.ws.column_dimensions[get_column_letter(col)].width or 8.43
                texts.append((value, width - 2 * (indents or {}).get(col, 0)))
        self.fit_row(row, texts)

    def finish(
        self, header_row: int, last_col: int, last_row: int, freeze: str | None = None
    ) -> None:
        """Freeze the header, repeat it on every printed page, and set the print area."""
        ws = self.ws
        ws.freeze_panes = freeze or f"A{header_row + 1}"
        ws.print_title_rows = f"{header_row}:{header_row}"
        S.print_setup(ws, landscape=True, footer_size=8)
        ws.print_area = f"A1:{get_column_letter(last_col)}{max(last_row, header_row)}"


def heat_map(ws: Worksheet, ref: str, low: float, high: float) -> None:
    ws.conditional_formatting.add(
        ref,
        ColorScaleRule(  # type: ignore[no-untyped-call]
            start_type="num",
            start_value=low,
            start_color=S.LOW,
            mid_type="num",
            mid_value=(low + high) / 2,
            mid_color=S.MID,
            end_type="num",
            end_value=high,
            end_color=S.HIGH,
        ),
    )


def score_range(comparison: Comparison) -> tuple[float, float]:
    """The scale's lowest and highest score, for a heat map's ends."""
    low, high = comparison.framework.score_range
    return float(low), float(high)
