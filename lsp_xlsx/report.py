"""Write the comparison workbook the board sees, from a :class:`~lsp_xlsx.collate.Comparison`.

:func:`write_comparison` returns the workbook as bytes (as tablib's xlsx writer does); the
caller saves them. openpyxl lays out each sheet (widths, merges, heat maps, charts, the
Evidence table, print setup and the style table) and the cells are streamed as XML by
:class:`~lsp_xlsx.ooxml.SheetRows`: setting 600,000 openpyxl cells and styles one by one
took a minute for 1,000 returns.

Every piece of text goes through :func:`~lsp_xlsx.safetext.safe_text` and is written as an
inline string: it is text, never a formula; characters XML forbids are replaced; text over
Excel's limit is cut visibly.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart, RadarChart, Reference
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from lsp_xlsx import __version__
from lsp_xlsx.collate import ACTION_COLUMNS, Comparison
from lsp_xlsx.ooxml import SheetRows, inject_rows
from lsp_xlsx.safetext import TRUNCATION_MARKER, safe_text

SHEETS = (
    "Summary",
    "Questions",
    "Agenda",
    "Evidence",
    "Action plan",
    "Returns",
    "Findings",
    "About",
)
FONT = "Arial"
NAVY = "1F3864"
# Light fills, so black numbers on them keep AA contrast (above 10:1).
LOW, MID, HIGH = "F8CBAD", "FFEB84", "A9D08E"
_thin = Side(style="thin", color="A6A6A6")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
LINE = 13.0  # points per wrapped line of 10pt Arial
RADAR_PARTNERS = 30  # beyond this, the radar shows min, max and mean rather than each partner
DATE = "dd/mm/yyyy"


def _lines(text: str, width: float) -> int:
    per_line = max(int(width * 1.05), 1)
    if "\n" not in text:
        return max(1, -(-len(text) // per_line))
    return sum(max(1, -(-len(p) // per_line)) for p in text.split("\n"))


class _Styles:
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
                probe.font = Font(name=FONT, size=14, bold=True, color=NAVY)
            elif base == "subtitle":
                probe.font = Font(name=FONT, size=10, color="404040")
                probe.alignment = Alignment(wrap_text=True, vertical="top")
            elif base == "section":
                probe.font = Font(name=FONT, size=12, bold=True, color=NAVY)
            elif base == "header":
                probe.font = Font(name=FONT, size=10, bold=True, color="FFFFFF")
                probe.fill = PatternFill("solid", fgColor=NAVY)
                probe.alignment = Alignment(wrap_text=True, vertical="center")
                probe.border = BORDER
            else:
                probe.font = Font(name=FONT, size=10, bold=base == "bold")
                probe.border = BORDER
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


class _Sheet:
    """One sheet: openpyxl for its layout, SheetRows for its cells."""

    def __init__(self, wb: Workbook, name: str, marker: str, styles: _Styles) -> None:
        ws = wb.create_sheet(name)
        assert isinstance(ws, Worksheet)
        self.ws = ws
        self.marker = marker
        self.style = styles
        self.rows = SheetRows()

    def cell_text(self, value: object) -> str:
        """Partner text made safe for a cell (cut, cleaned, escaped as Excel does)."""
        return safe_text(value if isinstance(value, str) else str(value), self.marker)[0]

    def text(self, row: int, col: int, text: str, style: str = "body") -> None:
        self.rows.put(row, col, safe_text(text, self.marker)[0], self.style(style))

    def title(self, text: str, subtitle: str = "") -> int:
        self.text(1, 1, text, "title")
        self.rows.height(1, 22)
        if subtitle:
            self.text(2, 1, subtitle, "subtitle")
        return 3 if subtitle else 2

    def header(self, row: int, labels: Sequence[str], widths: Sequence[float]) -> None:
        for col, (label, width) in enumerate(zip(labels, widths, strict=True), start=1):
            self.text(row, col, label, "header")
            self.ws.column_dimensions[get_column_letter(col)].width = width
        tallest = max(_lines(label, width) for label, width in zip(labels, widths, strict=True))
        self.rows.height(row, tallest * LINE + 6)

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
        lines = max([minimum, *(_lines(t, w) for t, w in texts if t)])
        self.rows.height(row, min(409.0, lines * LINE + 4))

    def finish(
        self, header_row: int, last_col: int, last_row: int, freeze: str | None = None
    ) -> None:
        ws = self.ws
        ws.freeze_panes = freeze or f"A{header_row + 1}"
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.page_margins.left = ws.page_margins.right = 0.4
        footer = ws.oddFooter
        assert footer is not None
        footer.center.text = "&A: page &P of &N"
        footer.center.size = 8
        ws.print_area = f"A1:{get_column_letter(last_col)}{max(last_row, header_row)}"


def _heat_map(ws: Worksheet, ref: str, low: float, high: float) -> None:
    ws.conditional_formatting.add(
        ref,
        ColorScaleRule(  # type: ignore[no-untyped-call]
            start_type="num",
            start_value=low,
            start_color=LOW,
            mid_type="num",
            mid_value=(low + high) / 2,
            mid_color=MID,
            end_type="num",
            end_value=high,
            end_color=HIGH,
        ),
    )


def _score_range(comparison: Comparison) -> tuple[float, float]:
    scores = [o.score for o in comparison.framework.scale if o.score is not None]
    return float(min(scores)), float(max(scores))


# --- Summary --------------------------------------------------------------------------------


def _summary(s: _Sheet, c: Comparison) -> None:
    ws = s.ws
    counted = len(c.partners)
    missing = len(c.not_returned)
    subtitle = (
        f"{c.framework.title}. Mean scores by theme: {counted} partner return(s) counted"
        + (f", {missing} not returned" if missing else "")
        + ". Scores run from 1 (performs poorly) to 4 (performs excellently); "
        '"Don\'t know" and "Not applicable" are not scored.'
    )
    header_row = s.title("Self-assessment comparison: summary", subtitle) + 1
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=min(12, 5 + counted))
    s.rows.height(2, 30)
    names = [p.name for p in c.partners]
    labels = ["Theme", *names, "Partnership mean", "Min", "Max", "Spread"]
    widths = [24, *[12] * counted, 12, 8, 8, 8]
    s.header(header_row, labels, widths)
    first = header_row + 1
    row = first
    for theme_id, values in c.theme_scores.iterrows():
        style = "bold" if theme_id == "ALL" else "body"
        s.put(row, 1, values["theme"], style=style)
        for col, partner in enumerate(c.partners, start=2):
            s.put(row, col, values[partner.partner_id], "0.0", style)
        for offset, key in enumerate(("mean", "min", "max", "spread")):
            s.put(row, 2 + counted + offset, values[key], "0.0", style)
        row += 1
    last_theme_row = row - 2  # the row before "All themes"
    low, high = _score_range(c)
    if counted:
        _heat_map(ws, f"B{first}:{get_column_letter(2 + counted)}{row - 1}", low, high)
    s.finish(header_row, len(labels), row - 1, freeze=f"B{first}")

    row += 1
    if not c.sector_scores.empty:
        s.text(row, 1, "Mean score by sector", "section")
        row += 1
        sectors = [str(col) for col in c.sector_scores.columns if col != "theme"]
        s.header(row, ["Theme", *sectors], [24, *[12] * len(sectors)])
        sector_first = row + 1
        for _, values in c.sector_scores.iterrows():
            row += 1
            s.put(row, 1, values["theme"])
            for col, sector in enumerate(sectors, start=2):
                s.put(row, col, values[sector], "0.0")
        _heat_map(ws, f"B{sector_first}:{get_column_letter(1 + len(sectors))}{row}", low, high)
        row += 2
    if not counted:
        return
    # The charts sit side by side below the tables; the radar starts where the columns
    # to its left are about as wide as the bar chart (a character is about 0.2 cm).
    radar_col, width_cm = 1, 0.0
    while width_cm < 17.0:
        letter = get_column_letter(radar_col)
        width_cm += (ws.column_dimensions[letter].width or 8.43) * 0.2
        radar_col += 1
    ws.print_area = f"A1:{get_column_letter(max(len(labels), radar_col + 12))}{row + 30}"
    cats = Reference(ws, min_col=1, min_row=first, max_row=last_theme_row)
    mean_col = 2 + counted
    bar = BarChart()
    bar.type = "bar"
    bar.style = 10
    bar.title = "Partnership mean score by theme"
    bar.y_axis.title = "Mean score"
    bar.y_axis.scaling.min = 0
    bar.y_axis.scaling.max = high
    bar.y_axis.majorUnit = 1
    bar.x_axis.scaling.orientation = "maxMin"  # theme 1 at the top, as in the table
    bar.x_axis.delete = False
    bar.y_axis.delete = False
    bar.add_data(
        Reference(ws, min_col=mean_col, min_row=header_row, max_row=last_theme_row),
        titles_from_data=True,
    )
    bar.set_categories(cats)
    bar.legend = None
    bar.height, bar.width = 12, 16
    ws.add_chart(bar, f"A{row}")

    radar = RadarChart()
    radar.type = "marker"
    radar.style = 26
    if counted <= RADAR_PARTNERS:
        radar.title = "Each partner against the partnership mean"
        series = [*range(2, 2 + counted), mean_col]
    else:
        # A line per partner is unreadable beyond a few dozen: show the range instead.
        radar.title = "Lowest and highest partner against the partnership mean"
        series = [mean_col + 1, mean_col + 2, mean_col]
    for col in series:
        radar.add_data(
            Reference(ws, min_col=col, min_row=header_row, max_row=last_theme_row),
            titles_from_data=True,
        )
    radar.set_categories(cats)
    # The partnership mean stands out by line style, not just colour.
    mean_line = radar.series[-1].graphicalProperties.line
    mean_line.solidFill = "000000"
    mean_line.width = 38100  # 3 pt, in EMU
    mean_line.prstDash = "dash"
    radar.y_axis.scaling.min = 0
    radar.y_axis.scaling.max = high
    radar.y_axis.delete = False
    if radar.legend is not None:
        radar.legend.position = "r"
    radar.height, radar.width = 14, 26
    ws.add_chart(radar, f"{get_column_letter(radar_col)}{row}")


# --- Questions and agenda -------------------------------------------------------------------


def _score_cells(s: _Sheet, row: int, first_col: int, values: Sequence[Any]) -> None:
    for offset, value in enumerate(values):
        s.put(row, first_col + offset, value, "0", "centre")


def _questions(s: _Sheet, c: Comparison) -> None:
    stats = c.question_stats
    unscored = [o.label for o in c.framework.scale if o.score is None]
    header_row = s.title(
        "Scores by question",
        "Each partner's rating of each rated question, and how far partners agree. "
        "Disagreement: partners' scores differ by 2 points or more.",
    )
    ids = [p.partner_id for p in c.partners]
    stat_labels = [
        "Answered",
        "Mean",
        "Median",
        "Min",
        "Max",
        "Spread",
        "Std dev",
        *unscored,
        "Disagreement",
    ]
    labels = ["Theme", "ID", "Question", *[p.name for p in c.partners], *stat_labels]
    widths = [16, 8, 50, *[11] * len(ids), 9, 8, 8, 7, 7, 8, 8, *[10] * len(unscored), 13]
    s.header(header_row, labels, widths)
    keys = ["answered", "mean", "median", "min", "max", "spread", "std", *unscored, "disagreement"]
    formats = ["0", "0.0", "0.0", "0", "0", "0", "0.00", *["0"] * len(unscored), "General"]
    first_stat = 4 + len(ids)
    scores = stats[ids].to_numpy(dtype=object).tolist()  # a Series lookup per cell is slow
    row = header_row
    for (qid, values), partner_scores in zip(stats.iterrows(), scores, strict=True):
        row += 1
        depth = int(values["depth"])
        s.put(row, 1, values["theme"])
        s.put(row, 2, str(qid))
        s.put(row, 3, values["question"], style=f"indent:{2 * depth}")
        _score_cells(s, row, 4, partner_scores)
        for offset, (key, fmt) in enumerate(zip(keys, formats, strict=True)):
            s.put(row, first_stat + offset, values[key], fmt)
        if values["disagreement"]:
            s.bold(row, first_stat + len(keys) - 1)
        s.fit_row(row, [(values["question"], 50 - 2 * depth)])
    if ids:
        low, high = _score_range(c)
        _heat_map(s.ws, f"D{header_row + 1}:{get_column_letter(3 + len(ids))}{row}", low, high)
        mean_col = get_column_letter(first_stat + 1)
        _heat_map(s.ws, f"{mean_col}{header_row + 1}:{mean_col}{row}", low, high)
    s.ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(labels))}{row}"
    s.finish(header_row, len(labels), row, freeze=f"D{header_row + 1}")


def _agenda(s: _Sheet, c: Comparison) -> None:
    header_row = s.title(
        "Agenda: questions for the board to discuss first",
        "Largest disagreement between partners first, then the lowest mean score.",
    )
    ids = [p.partner_id for p in c.partners]
    labels = [
        "#",
        "Theme",
        "ID",
        "Question",
        *[p.name for p in c.partners],
        "Mean",
        "Spread",
        "Why discuss it",
    ]
    widths = [4, 16, 8, 46, *[11] * len(ids), 8, 8, 34]
    s.header(header_row, labels, widths)
    row = header_row
    scores = c.agenda[ids].to_numpy(dtype=object).tolist()
    for rank, ((qid, values), partner_scores) in enumerate(
        zip(c.agenda.iterrows(), scores, strict=True), start=1
    ):
        row += 1
        s.put(row, 1, rank)
        s.put(row, 2, values["theme"])
        s.put(row, 3, str(qid))
        s.put(row, 4, values["question"])
        _score_cells(s, row, 5, partner_scores)
        s.put(row, 5 + len(ids), values["mean"], "0.0")
        s.put(row, 6 + len(ids), values["spread"], "0")
        s.put(row, 7 + len(ids), values["reason"])
        s.fit_row(row, [(values["question"], 46), (values["reason"], 34)])
    if ids and row > header_row:
        low, high = _score_range(c)
        _heat_map(s.ws, f"E{header_row + 1}:{get_column_letter(4 + len(ids))}{row}", low, high)
    s.finish(header_row, len(labels), row)


# --- Long tables ----------------------------------------------------------------------------


def _evidence(s: _Sheet, c: Comparison) -> None:
    header_row = s.title(
        "Evidence behind each rating",
        "One row per partner and question. "
        "Use the filter buttons to pick a partner, theme or question.",
    )
    labels = ["Partner", "Theme", "ID", "Question", "Rating", "Evidence", "Evidence source"]
    widths = [22, 16, 8, 40, 18, 60, 26]
    s.header(header_row, labels, widths)
    keys = ["partner", "theme", "question_id", "question", "rating_label", "evidence"]
    keys.append("evidence_source")
    columns = []
    for key in keys:
        values = c.evidence[key].tolist()
        if key in ("evidence", "evidence_source"):
            columns.append([s.cell_text(v) for v in values])
        else:  # names, themes and questions repeat for every partner: clean each once
            clean = {v: s.cell_text(v) for v in set(values)}
            columns.append([clean[v] for v in values])
    rows = list(zip(*columns, strict=True))
    heights = [
        min(409.0, max(1, _lines(r[3], 40), _lines(r[5], 60), _lines(r[6], 26)) * LINE + 4)
        for r in rows
    ]
    s.rows.block(header_row + 1, rows, [s.style("body")] * len(keys), heights)
    row = header_row + len(rows)
    if row > header_row:
        table = Table(displayName="EvidenceTable", ref=f"A{header_row}:G{row}")
        table.tableColumns = [
            TableColumn(id=i, name=label) for i, label in enumerate(labels, start=1)
        ]
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
        s.ws.add_table(table)
    s.finish(header_row, len(labels), row)


def _actions(s: _Sheet, c: Comparison) -> None:
    header_row = s.title(
        "Action plan",
        "Every improvement action partners proposed, by target date; "
        "actions with no date come last.",
    )
    labels = [
        "Target date",
        "Partner",
        "Theme",
        "ID",
        "Question",
        "Improvement action",
        "Lead (post)",
        "Rating",
    ]
    widths = [12, 22, 16, 8, 40, 50, 20, 18]
    s.header(header_row, labels, widths)
    keys = list(ACTION_COLUMNS)
    row = header_row
    for record in c.actions[keys].astype(str).to_dict("records"):
        row += 1
        date: Any = record["target_date"]
        with contextlib.suppress(ValueError):
            date = dt.date.fromisoformat(date)
        s.put(row, 1, date, DATE)
        for col, key in enumerate(keys[1:], start=2):
            s.put(row, col, record[key])
        s.fit_row(
            row,
            [(record["question"], 40), (record["improvement_action"], 50), (record["lead"], 20)],
        )
    s.ws.auto_filter.ref = f"A{header_row}:H{max(row, header_row)}"
    s.finish(header_row, len(labels), row)


def _returns(s: _Sheet, c: Comparison) -> None:
    table = c.returns_table
    returned = sum(1 for st in table["status"] if st in ("ok", "warnings", "errors"))
    expected = len(c.partners) + len(c.not_returned)
    header_row = s.title(
        "Returns",
        f"{returned} of {expected} partners returned a workbook that counts. "
        "Refused and superseded files are listed after the partners.",
    )
    labels = [
        "Partner ID",
        "Partner",
        "Sector",
        "Status",
        "File",
        "Respondent",
        "Completed",
        "Answered",
        "Rated questions",
        "% answered",
        "Findings",
    ]
    widths = [14, 24, 14, 13, 40, 20, 12, 10, 10, 10, 9]
    s.header(header_row, labels, widths)
    row = header_row
    for values in table.to_dict("records"):
        row += 1
        for col, key in enumerate(("partner_id", "partner", "sector"), start=1):
            s.put(row, col, values[key])
        attention = values["status"] in ("not returned", "refused")
        s.put(row, 4, values["status"], style="bold" if attention else "body")
        s.put(row, 5, values["file"])
        s.put(row, 6, values["respondent"])
        completed: Any = values["completed"]
        with contextlib.suppress(TypeError, ValueError):
            completed = dt.date.fromisoformat(completed)
        s.put(row, 7, completed, DATE)
        s.put(row, 8, values["answered"], "0")
        s.put(row, 9, values["rated_total"], "0")
        s.put(row, 10, values["percent"], "0%")
        s.put(row, 11, values["findings"], "0")
        s.fit_row(row, [(str(values["file"]), 40), (str(values["partner"]), 24)])
    s.ws.auto_filter.ref = f"A{header_row}:K{max(row, header_row)}"
    s.finish(header_row, len(labels), row)


def _findings(s: _Sheet, c: Comparison) -> None:
    findings = c.findings
    header_row = s.title(
        "Findings",
        f"{len(findings)} finding(s) from reading the returns and preparing this workbook. "
        "Each says where, what is wrong and what to do.",
    )
    labels = ["File", "Sheet", "Cell", "Severity", "Code", "Message"]
    widths = [30, 18, 7, 9, 22, 90]
    s.header(header_row, labels, widths)
    row = header_row
    for f in findings:
        row += 1
        for col, value in enumerate(
            (f.file, f.sheet, f.cell, str(f.severity), str(f.code), f.message), start=1
        ):
            s.put(row, col, value)
        if f.severity == "error":
            s.bold(row, 4)
        s.fit_row(row, [(f.message, 90), (f.file, 30)])
    s.ws.auto_filter.ref = f"A{header_row}:F{max(row, header_row)}"
    s.finish(header_row, len(labels), row)


def _about(s: _Sheet, c: Comparison) -> None:
    header_row = s.title("About this workbook")
    fw = c.framework
    facts = [
        ("Framework", fw.title),
        ("Framework id", fw.id),
        ("Framework version", str(fw.version)),
        ("Framework hash (SHA-256)", fw.hash),
        ("Made at (UTC)", c.made_at),
        ("Made by", f"lsp-xlsx {__version__}"),
        (
            "Partner list",
            "partners.csv given" if c.partners_given else "none: partners are those who returned",
        ),
        ("Full answers", f"{c.responses_name} beside this workbook holds every answer, uncut"),
    ]
    s.header(header_row, ["Item", "Value"], [26, 80])
    row = header_row
    for key, value in facts:
        row += 1
        s.put(row, 1, key)
        s.put(row, 2, value)
    row += 2
    s.header(row, ["Input file", "SHA-256", "Status"], [26, 80, 12])
    s.ws.column_dimensions["A"].width = 40
    for ret in c.returns:
        row += 1
        s.put(row, 1, ret.file)
        s.put(row, 2, ret.sha256)
        s.put(row, 3, str(ret.status))
        s.fit_row(row, [(ret.file, 40)])
    s.finish(header_row, 3, row)


def write_comparison(comparison: Comparison) -> bytes:
    """The comparison workbook as xlsx bytes: Summary, Questions, Agenda, Evidence,
    Action plan, Returns, Findings and About."""
    wb = Workbook()
    default = wb.active
    assert isinstance(default, Worksheet)
    styles = _Styles(wb, default)
    marker = TRUNCATION_MARKER.replace("responses.csv", comparison.responses_name)
    sheets = {}
    for name, writer in zip(
        SHEETS,
        (_summary, _questions, _agenda, _evidence, _actions, _returns, _findings, _about),
        strict=True,
    ):
        sheet = _Sheet(wb, name, marker, styles)
        writer(sheet, comparison)
        sheets[name] = sheet.rows
    wb.remove(default)
    wb.active = 0
    wb.properties.title = "Self-assessment comparison"
    wb.properties.creator = f"lsp-xlsx {__version__}"
    buffer = io.BytesIO()
    wb.save(buffer)
    return inject_rows(buffer.getvalue(), sheets)


def save_comparison(comparison: Comparison, path: str | Path) -> Path:
    """Write the comparison workbook to ``path`` atomically."""
    from lsp_xlsx.build import write_bytes

    return write_bytes(write_comparison(comparison), Path(path))
