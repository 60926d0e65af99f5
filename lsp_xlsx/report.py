"""Write the comparison workbook the board sees, from a :class:`~lsp_xlsx.collate.Comparison`.

:func:`write_comparison` returns an openpyxl ``Workbook``; the caller saves it. Every piece
of partner text goes through :func:`~lsp_xlsx.safetext.write_text`: it is text, never a
formula; characters XML forbids are replaced; text over Excel's limit is cut visibly.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, RadarChart, Reference
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from lsp_xlsx import __version__
from lsp_xlsx.collate import Comparison
from lsp_xlsx.safetext import TRUNCATION_MARKER, write_text

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
TOP_WRAP = Alignment(wrap_text=True, vertical="top")
LINE = 13.0  # points per wrapped line of 10pt Arial


def _font(size: int = 10, **kw: Any) -> Font:
    return Font(name=FONT, size=size, **kw)


def _lines(text: str, width: float) -> int:
    per_line = max(int(width * 1.05), 1)
    return sum(max(1, math.ceil(len(p) / per_line)) for p in text.split("\n"))


class _Sheet:
    """Writes one sheet: a title, a header row and body rows, with safe text."""

    def __init__(self, wb: Workbook, name: str, marker: str) -> None:
        ws = wb.create_sheet(name)
        assert isinstance(ws, Worksheet)
        self.ws = ws
        self.marker = marker

    def title(self, text: str, subtitle: str = "") -> int:
        cell = self.ws.cell(row=1, column=1)
        write_text(cell, text, self.marker)
        cell.font = _font(14, bold=True, color=NAVY)
        self.ws.row_dimensions[1].height = 22
        if subtitle:
            sub = self.ws.cell(row=2, column=1)
            write_text(sub, subtitle, self.marker)
            sub.font = _font(10, color="404040")
        return 3 if subtitle else 2

    def header(self, row: int, labels: Sequence[str], widths: Sequence[float]) -> None:
        for col, (label, width) in enumerate(zip(labels, widths, strict=True), start=1):
            cell = self.ws.cell(row=row, column=col)
            write_text(cell, label, self.marker)
            cell.font = _font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor=NAVY)
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            cell.border = BORDER
            self.ws.column_dimensions[get_column_letter(col)].width = width
        tallest = max(_lines(label, width) for label, width in zip(labels, widths, strict=True))
        self.ws.row_dimensions[row].height = tallest * LINE + 6

    def put(self, row: int, col: int, value: Any, number_format: str = "") -> None:
        """One body cell: text as text, numbers as numbers, missing as empty."""
        cell = self.ws.cell(row=row, column=col)
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            pass
        elif isinstance(value, str):
            if value:
                write_text(cell, value, self.marker)
        elif isinstance(value, dt.date | int | float) and not isinstance(value, bool):
            cell.value = value
            if number_format:
                cell.number_format = number_format
        else:
            write_text(cell, str(value), self.marker)
        cell.border = BORDER
        cell.font = _font()
        cell.alignment = TOP_WRAP

    def fit_row(self, row: int, texts: Sequence[tuple[str, float]], minimum: int = 1) -> None:
        """Set a row's height from its longest wrapped text (PDF export does not grow rows)."""
        lines = max([minimum, *(_lines(t, w) for t, w in texts if t)])
        self.ws.row_dimensions[row].height = min(409.0, lines * LINE + 4)

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


def _summary(wb: Workbook, c: Comparison, marker: str) -> None:
    s = _Sheet(wb, "Summary", marker)
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
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[2].height = 30
    names = [p.name for p in c.partners]
    labels = ["Theme", *names, "Partnership mean", "Min", "Max", "Spread"]
    widths = [24, *[12] * counted, 12, 8, 8, 8]
    s.header(header_row, labels, widths)
    table = c.theme_scores
    first = header_row + 1
    row = first
    for theme_id, values in table.iterrows():
        s.put(row, 1, values["theme"])
        for col, partner in enumerate(c.partners, start=2):
            s.put(row, col, values[partner.partner_id], "0.0")
        base = 2 + counted
        for offset, key in enumerate(("mean", "min", "max", "spread")):
            s.put(row, base + offset, values[key], "0.0")
        if theme_id == "ALL":
            for col in range(1, len(labels) + 1):
                ws.cell(row=row, column=col).font = _font(bold=True)
        row += 1
    last_theme_row = row - 2  # the row before "All themes"
    low, high = _score_range(c)
    if counted:
        _heat_map(ws, f"B{first}:{get_column_letter(2 + counted)}{row - 1}", low, high)
    s.finish(header_row, len(labels), row - 1, freeze=f"B{first}")

    # Theme mean by sector, when partners have sectors.
    row += 1
    if not c.sector_scores.empty:
        ws.cell(row=row, column=1, value="Mean score by sector").font = _font(
            12, bold=True, color=NAVY
        )
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
    last_col = max(len(labels), radar_col + 12)
    ws.print_area = f"A1:{get_column_letter(last_col)}{row + 30}"
    cats = Reference(ws, min_col=1, min_row=first, max_row=last_theme_row)
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
    mean_col = 2 + counted
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
    radar.title = "Each partner against the partnership mean"
    for col in [*range(2, 2 + counted), mean_col]:
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


CENTRE = Alignment(horizontal="center", vertical="top", wrap_text=True)


def _score_cells(
    s: _Sheet, row: int, first_col: int, values: pd.Series, partner_ids: list[str]
) -> None:
    for offset, pid in enumerate(partner_ids):
        s.put(row, first_col + offset, values[pid], "0")
        s.ws.cell(row=row, column=first_col + offset).alignment = CENTRE


def _questions(wb: Workbook, c: Comparison, marker: str) -> None:
    s = _Sheet(wb, "Questions", marker)
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
    row = header_row
    first_stat = 4 + len(ids)
    for qid, values in stats.iterrows():
        row += 1
        s.put(row, 1, values["theme"])
        s.put(row, 2, str(qid))
        s.put(row, 3, values["question"])
        s.ws.cell(row=row, column=3).alignment = Alignment(
            horizontal="left", wrap_text=True, vertical="top", indent=2 * int(values["depth"])
        )
        _score_cells(s, row, 4, values, ids)
        keys = [
            "answered",
            "mean",
            "median",
            "min",
            "max",
            "spread",
            "std",
            *unscored,
            "disagreement",
        ]
        formats = ["0", "0.0", "0.0", "0", "0", "0", "0.00", *["0"] * len(unscored), ""]
        for offset, (key, fmt) in enumerate(zip(keys, formats, strict=True)):
            s.put(row, first_stat + offset, values[key], fmt)
        if values["disagreement"]:
            s.ws.cell(row=row, column=first_stat + len(keys) - 1).font = _font(bold=True)
        s.fit_row(row, [(values["question"], 50 - 2 * int(values["depth"]))])
    if ids:
        low, high = _score_range(c)
        _heat_map(s.ws, f"D{header_row + 1}:{get_column_letter(3 + len(ids))}{row}", low, high)
        mean_col = get_column_letter(first_stat + 1)
        _heat_map(s.ws, f"{mean_col}{header_row + 1}:{mean_col}{row}", low, high)
    s.ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(labels))}{row}"
    s.finish(header_row, len(labels), row, freeze=f"D{header_row + 1}")


def _agenda(wb: Workbook, c: Comparison, marker: str) -> None:
    s = _Sheet(wb, "Agenda", marker)
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
    for rank, (qid, values) in enumerate(c.agenda.iterrows(), start=1):
        row += 1
        s.put(row, 1, rank)
        s.put(row, 2, values["theme"])
        s.put(row, 3, str(qid))
        s.put(row, 4, values["question"])
        _score_cells(s, row, 5, values, ids)
        s.put(row, 5 + len(ids), values["mean"], "0.0")
        s.put(row, 6 + len(ids), values["spread"], "0")
        s.put(row, 7 + len(ids), values["reason"])
        s.fit_row(row, [(values["question"], 46), (values["reason"], 34)])
    if ids and row > header_row:
        low, high = _score_range(c)
        _heat_map(s.ws, f"E{header_row + 1}:{get_column_letter(4 + len(ids))}{row}", low, high)
    s.finish(header_row, len(labels), row)


# --- Long tables ----------------------------------------------------------------------------


def _evidence(wb: Workbook, c: Comparison, marker: str) -> None:
    s = _Sheet(wb, "Evidence", marker)
    header_row = s.title(
        "Evidence behind each rating",
        "One row per partner and question. "
        "Use the filter buttons to pick a partner, theme or question.",
    )
    labels = ["Partner", "Theme", "ID", "Question", "Rating", "Evidence", "Evidence source"]
    widths = [22, 16, 8, 40, 18, 60, 26]
    s.header(header_row, labels, widths)
    row = header_row
    keys = [
        "partner",
        "theme",
        "question_id",
        "question",
        "rating_label",
        "evidence",
        "evidence_source",
    ]
    for values in c.evidence.itertuples(index=False):
        row += 1
        record = dict(zip(keys, values, strict=True))
        for col, key in enumerate(keys, start=1):
            s.put(row, col, record[key])
        s.fit_row(
            row,
            [(record["question"], 40), (record["evidence"], 60), (record["evidence_source"], 26)],
        )
    if row > header_row:
        table = Table(displayName="EvidenceTable", ref=f"A{header_row}:G{row}")
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
        s.ws.add_table(table)
    s.finish(header_row, len(labels), row)


def _actions(wb: Workbook, c: Comparison, marker: str) -> None:
    s = _Sheet(wb, "Action plan", marker)
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
    row = header_row
    keys = [
        "target_date",
        "partner",
        "theme",
        "question_id",
        "question",
        "improvement_action",
        "lead",
        "rating_label",
    ]
    for record in c.actions[keys].astype(str).to_dict("records"):
        row += 1
        date: Any = record["target_date"]
        with contextlib.suppress(ValueError):
            date = dt.date.fromisoformat(date)
        s.put(row, 1, date, "dd/mm/yyyy")
        for col, key in enumerate(keys[1:], start=2):
            s.put(row, col, record[key])
        s.fit_row(
            row,
            [(record["question"], 40), (record["improvement_action"], 50), (record["lead"], 20)],
        )
    s.ws.auto_filter.ref = f"A{header_row}:H{max(row, header_row)}"
    s.finish(header_row, len(labels), row)


def _returns(wb: Workbook, c: Comparison, marker: str) -> None:
    s = _Sheet(wb, "Returns", marker)
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
    for values in table.itertuples(index=False):
        row += 1
        s.put(row, 1, values.partner_id)
        s.put(row, 2, values.partner)
        s.put(row, 3, values.sector)
        s.put(row, 4, values.status)
        s.put(row, 5, values.file)
        s.put(row, 6, values.respondent)
        completed: Any = values.completed
        with contextlib.suppress(TypeError, ValueError):
            completed = dt.date.fromisoformat(completed)
        s.put(row, 7, completed, "dd/mm/yyyy")
        s.put(row, 8, values.answered, "0")
        s.put(row, 9, values.rated_total, "0")
        s.put(row, 10, values.percent, "0%")
        s.put(row, 11, values.findings, "0")
        if values.status in ("not returned", "refused"):
            s.ws.cell(row=row, column=4).font = _font(bold=True)
        s.fit_row(row, [(str(values.file), 40), (str(values.partner), 24)])
    s.ws.auto_filter.ref = f"A{header_row}:K{max(row, header_row)}"
    s.finish(header_row, len(labels), row)


def _findings(wb: Workbook, c: Comparison, marker: str) -> None:
    s = _Sheet(wb, "Findings", marker)
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
            s.ws.cell(row=row, column=4).font = _font(bold=True)
        s.fit_row(row, [(f.message, 90), (f.file, 30)])
    s.ws.auto_filter.ref = f"A{header_row}:F{max(row, header_row)}"
    s.finish(header_row, len(labels), row)


def _about(wb: Workbook, c: Comparison, marker: str) -> None:
    s = _Sheet(wb, "About", marker)
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


def write_comparison(comparison: Comparison) -> Workbook:
    """The comparison workbook: Summary, Questions, Agenda, Evidence, Action plan, Returns,
    Findings and About. The caller saves it."""
    wb = Workbook()
    default = wb.active
    if default is not None:
        wb.remove(default)
    marker = TRUNCATION_MARKER.replace("responses.csv", comparison.responses_name)
    for writer in (_summary, _questions, _agenda, _evidence, _actions, _returns, _findings, _about):
        writer(wb, comparison, marker)
    wb.active = 0
    wb.properties.title = "Self-assessment comparison"
    wb.properties.creator = f"lsp-xlsx {__version__}"
    return wb
