"""Write the self-assessment workbook a partner fills in.

:func:`build_workbook` returns an openpyxl ``Workbook``; the caller saves it. The layout
comes from :mod:`lsp_xlsx.contract`, which the reader uses too.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from lsp_xlsx import __version__
from lsp_xlsx import contract as C
from lsp_xlsx.dates import parse_date
from lsp_xlsx.errors import ManifestError, OutputExistsError
from lsp_xlsx.framework import Framework, Theme, iter_intro_blocks
from lsp_xlsx.partners import Partner
from lsp_xlsx.safetext import safe_text, write_text

FONT_NAME = "Arial"
FONT_SIZE = 11
LINE_HEIGHT = 14.5  # points per wrapped line of 11pt Arial, with LibreOffice's leading
# Colours chosen for WCAG AA contrast (>= 4.5:1) of the text drawn on them.
NAVY = "1F3864"  # white on navy: 11.7:1
INPUT_FILL = "FFF2CC"  # black on pale yellow: 19:1
STEM_FILL = "E7E6E6"  # dark grey on light grey: 8.4:1
GREY_TEXT = "404040"
HINT_TEXT = "595959"  # on white: 7:1

_thin = Side(style="thin", color="7F7F7F")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
UNLOCKED = Protection(locked=False)


@dataclass(frozen=True)
class BuildSettings:
    """What the coordinator can set on every workbook."""

    title: str = "LSP governance self-assessment"
    partnership: str = ""
    deadline: dt.date | None = None
    contact: str = ""


def _font(**kw: object) -> Font:
    return Font(name=FONT_NAME, size=kw.pop("size", FONT_SIZE), **kw)  # type: ignore[arg-type]


def _lines(text: str, width: float) -> int:
    """Lines ``text`` wraps to in a column ``width`` characters wide (a safe over-estimate)."""
    per_line = max(int(width * 0.95), 1)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def _height(lines: int) -> float:
    # Row heights are set by hand: headless PDF export does not grow rows with wrapped text.
    return round(lines * LINE_HEIGHT + 6, 1)


def _protect(ws: Worksheet) -> None:
    """Sheet protection against accidents, no password. In openpyxl False means allowed."""
    p = ws.protection
    p.sheet = True
    p.sort = False
    p.autoFilter = False
    p.formatColumns = False
    p.formatRows = False
    p.selectLockedCells = False
    p.selectUnlockedCells = False


def _print_setup(ws: Worksheet, landscape: bool = True) -> None:
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
    footer.center.size = 9


def _merged_text(
    ws: Worksheet, row: int, text: str, last_col: int, width: float, font: Font, indent: int = 0
) -> None:
    cell = ws.cell(row=row, column=1)
    write_text(cell, text)
    cell.font = font
    cell.alignment = Alignment(horizontal="left", wrap_text=True, vertical="top", indent=indent)
    if last_col > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_col)
    lines = _lines(text, width - indent * 2) * (1.25 if font.sz and font.sz > 12 else 1)
    ws.row_dimensions[row].height = _height(math.ceil(lines))


# ---------------------------------------------------------------------------------------
# Theme sheets


def _theme_sheet(wb: Workbook, framework: Framework, theme: Theme) -> Worksheet:
    ws: Worksheet = wb.create_sheet(theme.sheet_name)
    ncols = len(C.COLUMNS)
    total_width = sum(c.width for c in C.COLUMNS)
    for index, column in enumerate(C.COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    heading = C.theme_heading(theme.number, len(framework.themes), theme.title)
    _merged_text(ws, 1, heading, ncols, total_width, _font(size=14, bold=True, color=NAVY))
    guide = (
        "Choose a rating for each question from the dropdown in the Rating column, then give "
        "your evidence and where it can be found. Where you see room to improve, add the "
        "action, the post that leads it and a target date. You can type only in the pale "
        "yellow cells with borders."
    )
    _merged_text(ws, 2, guide, ncols, total_width, _font(color=GREY_TEXT))

    cell: Cell | MergedCell
    header_font = _font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor=NAVY)
    for index, column in enumerate(C.COLUMNS, start=1):
        cell = ws.cell(row=C.HEADER_ROW, column=index, value=column.label)
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = BORDER
    ws.row_dimensions[C.HEADER_ROW].height = _height(1)

    col = {c.key: i for i, c in enumerate(C.COLUMNS, start=1)}
    input_fill = PatternFill("solid", fgColor=INPUT_FILL)
    stem_fill = PatternFill("solid", fgColor=STEM_FILL)
    rated_cells: list[str] = []
    date_cells: list[str] = []
    row = C.FIRST_DATA_ROW
    for question in theme.questions:
        id_cell = ws.cell(row=row, column=col["id"])
        write_text(id_cell, question.id)
        id_cell.font = _font(bold=question.depth == 0)
        q_cell = ws.cell(row=row, column=col["question"])
        write_text(q_cell, question.text)
        q_cell.font = _font(bold=not question.rated)
        # Sub-questions are indented under their parent (and their ID says so too).
        q_cell.alignment = Alignment(
            horizontal="left", wrap_text=True, vertical="top", indent=3 * question.depth
        )
        for key in C.RESPONSE_KEYS:
            cell = ws.cell(row=row, column=col[key])
            cell.border = BORDER
            cell.font = _font()
            cell.alignment = WRAP_TOP
            if key == "rating" and not question.rated:
                write_text(cell, C.STEM_PLACEHOLDER)
                cell.fill = stem_fill
                cell.font = _font(italic=True, color=GREY_TEXT)
                continue
            cell.fill = input_fill
            cell.protection = UNLOCKED
            if key == "rating":
                rated_cells.append(cell.coordinate)
            elif key == "target_date":
                cell.number_format = C.DATE_FORMAT
                date_cells.append(cell.coordinate)
        id_cell.alignment = WRAP_TOP
        id_cell.border = q_cell.border = BORDER
        text_lines = _lines(question.text, C.COLUMN_BY_KEY["question"].width - 2 * question.depth)
        # Rated rows get room to write in; the partner can also resize rows.
        ws.row_dimensions[row].height = _height(max(text_lines, 3 if question.rated else 1))
        row += 1
    last_row = row - 1

    if rated_cells:
        labels = ", ".join(framework.labels)
        prompt = f"Choose from the list: {labels}."
        rating_dv = DataValidation(
            type="list",
            formula1=C.RATING_LIST_NAME,
            allow_blank=True,
            showErrorMessage=True,
            showInputMessage=True,
            errorStyle="stop",
            errorTitle="Rating",
            error="Choose a rating from the list.",
            promptTitle="Rating",
            prompt=prompt[:255],
        )
        for ref in rated_cells:
            rating_dv.add(ref)
        ws.add_data_validation(rating_dv)
    if date_cells:
        date_dv = DataValidation(
            type="date",
            operator="between",
            formula1="36526",  # 1 Jan 2000
            formula2="73050",  # 31 Dec 2099
            allow_blank=True,
            showErrorMessage=True,
            showInputMessage=True,
            errorStyle="warning",
            errorTitle="Target date",
            error="Enter a date as day/month/year, for example 31/03/2027.",
            promptTitle="Target date",
            prompt="A date as day/month/year, for example 31/03/2027.",
        )
        for ref in date_cells:
            date_dv.add(ref)
        ws.add_data_validation(date_dv)

    ws.freeze_panes = f"A{C.FIRST_DATA_ROW}"
    ws.auto_filter.ref = f"A{C.HEADER_ROW}:{get_column_letter(ncols)}{last_row}"
    ws.print_title_rows = f"{C.HEADER_ROW}:{C.HEADER_ROW}"
    ws.print_area = f"A1:{get_column_letter(ncols)}{last_row}"
    _print_setup(ws)
    _protect(ws)
    return ws


# ---------------------------------------------------------------------------------------
# Start here


def _section(ws: Worksheet, row: int, text: str) -> int:
    cell = ws.cell(row=row, column=1, value=text)
    cell.font = _font(size=13, bold=True, color=NAVY)
    ws.row_dimensions[row].height = _height(1) + 4
    return row + 1


START_WIDTHS = (30, 62, 16, 16)


def _start_sheet(
    ws: Worksheet, framework: Framework, settings: BuildSettings, partner: Partner | None
) -> None:
    for index, width in enumerate(START_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    total = sum(START_WIDTHS)
    ncols = len(START_WIDTHS)
    cell: Cell | MergedCell
    row = 1
    _merged_text(ws, row, settings.title, ncols, total, _font(size=16, bold=True, color=NAVY))
    row += 1
    subtitle = settings.partnership or framework.title
    if partner is not None:
        subtitle = f"{subtitle}: return from {partner.name}"
    _merged_text(ws, row, subtitle, ncols, total, _font(size=12, bold=True))
    if partner is not None:
        # Room for a long partner name, so every personalised copy has the same layout.
        ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 0, _height(2))
    row += 2

    row = _section(ws, row, "What this is for")
    for kind, text in iter_intro_blocks(framework.intro):
        if kind == "bullet":
            _merged_text(ws, row, f"•  {text}", ncols, total, _font(), indent=2)
        else:
            _merged_text(ws, row, text, ncols, total, _font())
        row += 1
    if framework.source:
        _merged_text(
            ws,
            row,
            f"Source: {framework.source}.",
            ncols,
            total,
            _font(italic=True, color=HINT_TEXT),
        )
        row += 1
    row += 1

    row = _section(ws, row, "How to fill it in")
    first_theme = framework.themes[0].sheet_name
    steps = [
        "Fill in your details below.",
        f'Each numbered sheet ("{first_theme}" onwards) holds one theme. For every question, '
        "choose a rating from the dropdown in the Rating column.",
        "Write the evidence behind your rating, and where it can be found (Evidence source).",
        "Where you see room to improve, write the action, the post that will lead it (not a "
        "person's name) and a target date.",
        f'Questions marked "{C.STEM_PLACEHOLDER}" introduce sub-questions: rate each part.',
        "You can type only in pale yellow cells with borders. The rest is protected against "
        "accidental change, without a password.",
        "Keep the file as .xlsx, do not add a password, and do not rename or delete sheets. "
        "Save it and send it back by the deadline.",
    ]
    for number, step in enumerate(steps, start=1):
        _merged_text(ws, row, f"{number}.  {step}", ncols, total, _font(), indent=1)
        row += 1
    row += 1

    row = _section(ws, row, "The rating scale")
    for col, label in enumerate(("Rating", "What it means"), start=1):
        cell = ws.cell(row=row, column=col, value=label)
        cell.font = _font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=NAVY)
        cell.border = BORDER
    ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=ncols)
    ws.row_dimensions[row].height = _height(1)
    row += 1
    for option in framework.scale:
        label_cell = ws.cell(row=row, column=1)
        write_text(label_cell, option.label)
        label_cell.font = _font(bold=True)
        label_cell.border = BORDER
        label_cell.alignment = WRAP_TOP
        desc = ws.cell(row=row, column=2)
        write_text(desc, option.description)
        desc.font = _font()
        desc.alignment = WRAP_TOP
        desc.border = BORDER
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=ncols)
        lines = max(
            _lines(option.label, START_WIDTHS[0]),
            _lines(option.description, total - START_WIDTHS[0]),
        )
        ws.row_dimensions[row].height = _height(lines)
        row += 1
    row += 1

    if settings.deadline or settings.contact:
        row = _section(ws, row, "Returning it")
        if settings.deadline:
            ws.cell(row=row, column=1, value="Please return by").font = _font(bold=True)
            cell = ws.cell(row=row, column=2, value=settings.deadline)
            cell.number_format = "dddd d mmmm yyyy"
            cell.font = _font(bold=True)
            cell.alignment = Alignment(horizontal="left")
            ws.row_dimensions[row].height = _height(1)
            row += 1
        if settings.contact:
            ws.cell(row=row, column=1, value="Send it to, and ask").font = _font(bold=True)
            cell = ws.cell(row=row, column=2)
            write_text(cell, settings.contact)
            cell.font = _font()
            cell.alignment = WRAP_TOP
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=ncols)
            ws.row_dimensions[row].height = _height(
                _lines(settings.contact, total - START_WIDTHS[0])
            )
            row += 1
        row += 1

    row = _section(ws, row, "Your details")
    input_fill = PatternFill("solid", fgColor=INPUT_FILL)
    prefilled = {
        "partner_id": partner.partner_id if partner else "",
        "organisation": partner.name if partner else "",
    }
    for field in C.START_FIELDS:
        label_cell = ws.cell(row=row, column=C.START_LABEL_COL, value=field.label)
        label_cell.font = _font(bold=True)
        label_cell.alignment = Alignment(vertical="center")
        value = ws.cell(row=row, column=C.START_VALUE_COL)
        if prefilled.get(field.key):
            write_text(value, prefilled[field.key])
        value.font = _font()
        value.border = BORDER
        value.alignment = Alignment(vertical="center", wrap_text=True)
        if field.editable:
            value.fill = input_fill
            value.protection = UNLOCKED
        if field.key == "completed":
            value.number_format = C.DATE_FORMAT
            dv = DataValidation(
                type="date",
                operator="between",
                formula1="36526",
                formula2="73050",
                allow_blank=True,
                showErrorMessage=True,
                showInputMessage=True,
                errorStyle="warning",
                errorTitle="Date completed",
                error="Enter a date as day/month/year, for example 31/03/2027.",
                promptTitle="Date completed",
                prompt="The date you finished, as day/month/year.",
            )
            dv.add(value.coordinate)
            ws.add_data_validation(dv)
        if field.hint:
            hint = ws.cell(row=row, column=3, value=field.hint)
            hint.font = _font(italic=True, color=HINT_TEXT, size=10)
            hint.alignment = Alignment(vertical="center", wrap_text=True)
            ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=ncols)
        ws.row_dimensions[row].height = _height(max(1, _lines(field.hint, 30)))
        row += 1
    row += 1

    row = _section(ws, row, "Your progress")
    progress_heads = ("Theme", "", "Rated questions", "Answered")
    for col, label in enumerate(progress_heads, start=1):
        cell = ws.cell(row=row, column=col, value=label or None)
        cell.font = _font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=NAVY)
        cell.border = BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    ws.row_dimensions[row].height = _height(1)
    row += 1
    first = row
    for theme in framework.themes:
        name_cell = ws.cell(row=row, column=1)
        write_text(name_cell, f"{theme.sheet_name}: {theme.title}")
        name_cell.hyperlink = f"#{quote_sheetname(theme.sheet_name)}!A1"
        name_cell.font = _font(color="1F4E79", underline="single")
        name_cell.alignment = WRAP_TOP
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        ws.cell(row=row, column=3, value=len(theme.rated_questions))
        n = len(theme.questions)
        rng = (
            f"{quote_sheetname(theme.sheet_name)}!"
            f"$C${C.FIRST_DATA_ROW}:$C${C.FIRST_DATA_ROW + n - 1}"
        )
        # Counts only answers from the scale: a typed-over rating is not counted as done.
        ws.cell(row=row, column=4, value=f"=SUMPRODUCT(COUNTIF({rng},{C.RATING_LIST_NAME}))")
        for col in range(1, 5):
            ws.cell(row=row, column=col).border = BORDER
        ws.cell(row=row, column=3).font = ws.cell(row=row, column=4).font = _font()
        ws.row_dimensions[row].height = _height(_lines(f"{theme.sheet_name}: {theme.title}", 90))
        row += 1
    total_label = ws.cell(row=row, column=1, value="All themes")
    total_label.font = _font(bold=True)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    ws.cell(row=row, column=3, value=f"=SUM(C{first}:C{row - 1})").font = _font(bold=True)
    ws.cell(row=row, column=4, value=f"=SUM(D{first}:D{row - 1})").font = _font(bold=True)
    for col in range(1, 5):
        ws.cell(row=row, column=col).border = BORDER
    ws.row_dimensions[row].height = _height(1)
    last = row

    ws.print_area = f"A1:{get_column_letter(ncols)}{last}"
    _print_setup(ws, landscape=False)
    _protect(ws)
    ws.sheet_view.showGridLines = False


# ---------------------------------------------------------------------------------------
# Hidden sheets


def _lists_sheet(wb: Workbook, framework: Framework) -> None:
    ws = wb.create_sheet(C.LISTS_SHEET)
    ws["A1"] = "Rating options"
    for row, label in enumerate(framework.labels, start=2):
        write_text(ws.cell(row=row, column=1), label)
    last = len(framework.labels) + 1
    ref = f"{quote_sheetname(C.LISTS_SHEET)}!$A$2:$A${last}"
    wb.defined_names[C.RATING_LIST_NAME] = DefinedName(C.RATING_LIST_NAME, attr_text=ref)
    ws.sheet_state = "hidden"
    _protect(ws)


def meta_values(
    framework: Framework, settings: BuildSettings, partner: Partner | None, built_at: str
) -> dict[str, str]:
    """The meta sheet's key -> value pairs, all as text."""
    values = {
        "contract_version": str(C.CONTRACT_VERSION),
        "framework_id": framework.id,
        "framework_version": str(framework.version),
        "framework_hash": framework.hash,
        "built_at": built_at,
        "tool_version": __version__,
        "partner_id": partner.partner_id if partner else "",
        "partner_name": partner.name if partner else "",
        "title": settings.title,
        "partnership": settings.partnership,
        "deadline": settings.deadline.isoformat() if settings.deadline else "",
        "contact": settings.contact,
    }
    assert tuple(values) == C.META_KEYS
    return values


def _meta_sheet(wb: Workbook, values: dict[str, str]) -> None:
    ws = wb.create_sheet(C.META_SHEET)
    ws["A1"], ws["B1"] = "key", "value"
    for row, (key, value) in enumerate(values.items(), start=2):
        ws.cell(row=row, column=1, value=key)
        write_text(ws.cell(row=row, column=2), value)
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 70
    ws.sheet_state = "hidden"
    _protect(ws)


def now_utc() -> str:
    """Build time as ISO 8601 in UTC, to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def build_workbook(
    framework: Framework,
    partner: Partner | None = None,
    settings: BuildSettings | None = None,
    built_at: str | None = None,
) -> Workbook:
    """Build the self-assessment workbook: "Start here", one sheet per theme, hidden lists
    and meta. ``partner`` personalises it; without one it is the blank workbook."""
    settings = settings or BuildSettings()
    wb = Workbook()
    start = wb.active
    assert start is not None
    start.title = C.START_SHEET
    _start_sheet(start, framework, settings, partner)
    for theme in framework.themes:
        _theme_sheet(wb, framework, theme)
    _lists_sheet(wb, framework)
    _meta_sheet(wb, meta_values(framework, settings, partner, built_at or now_utc()))
    wb.active = 0
    wb.calculation.fullCalcOnLoad = True  # Excel recalculates the progress table on open
    wb.properties.title = settings.title
    wb.properties.creator = f"lsp-xlsx {__version__}"
    return wb


def save_workbook(wb: Workbook, path: str | Path) -> Path:
    """Save atomically (see :func:`write_bytes`), so a half-written file never appears."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return write_bytes(buffer.getvalue(), Path(path))


def write_bytes(data: bytes, path: Path) -> Path:
    """Write ``data`` atomically: to a temporary file beside ``path``, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".lsp-xlsx-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# ---------------------------------------------------------------------------------------
# Personalised copies
#
# Building a workbook with openpyxl takes a few hundred milliseconds; 40 partners would
# wait half a minute. Only the partner's id and name differ between copies, and openpyxl
# writes them as inline strings, so the workbook is built once with placeholder tokens and
# each copy swaps in its partner's (escaped) id and name inside the zip. A test proves
# every copy equals one built directly for that partner.

_ID_TOKEN = "LSPXLSXTOKENPARTNERID"
_NAME_TOKEN = "LSPXLSXTOKENPARTNERNAME"
MANIFEST_NAME = "manifest.csv"
MANIFEST_COLUMNS = ("partner_id", "partner", "file", "sha256", "built_at", "deadline", "contact")


@dataclass(frozen=True)
class PersonalisedCopy:
    """One partner's workbook as written."""

    partner: Partner
    path: Path
    sha256: str


@dataclass(frozen=True)
class BuildResult:
    """What :func:`build_for_partners` wrote."""

    out_dir: Path
    manifest: Path
    built_at: str
    copies: tuple[PersonalisedCopy, ...]


def personalised_template(framework: Framework, settings: BuildSettings, built_at: str) -> bytes:
    """The workbook with placeholder tokens where a partner's id and name go."""
    buffer = io.BytesIO()
    build_workbook(framework, Partner(_ID_TOKEN, _NAME_TOKEN), settings, built_at).save(buffer)
    return buffer.getvalue()


def _xml_text(value: str) -> bytes:
    text, _ = safe_text(value)
    return xml_escape(text).encode("utf-8")


def personalise(template: bytes, partner: Partner) -> bytes:
    """A copy of ``template`` with ``partner``'s id and name in place of the tokens."""
    ident, name = _xml_text(partner.partner_id), _xml_text(partner.name)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(template)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info)
            if b"LSPXLSXTOKEN" in data:
                data = data.replace(_NAME_TOKEN.encode(), name).replace(_ID_TOKEN.encode(), ident)
            dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _clashes(out_dir: Path, names: list[str]) -> list[Path]:
    targets = [out_dir / n for n in [*names, MANIFEST_NAME]]
    return [t for t in targets if t.exists()]


def build_for_partners(
    framework: Framework,
    partners: list[Partner],
    out_dir: str | Path,
    settings: BuildSettings | None = None,
    force: bool = False,
    built_at: str | None = None,
) -> BuildResult:
    """Write one personalised workbook per partner into ``out_dir``, and a manifest.

    File names are safe slugs of partner names, unique, inside ``out_dir``. Copies that
    may already have been sent are not overwritten unless ``force`` is True: the call
    raises :class:`OutputExistsError` naming them.
    """
    from lsp_xlsx.partners import unique_filenames

    settings = settings or BuildSettings()
    out_dir = Path(out_dir)
    names = unique_filenames(partners)
    clashes = _clashes(out_dir, list(names.values()))
    if clashes and not force:
        shown = ", ".join(p.name for p in clashes[:8])
        more = f" and {len(clashes) - 8} more" if len(clashes) > 8 else ""
        raise OutputExistsError(
            f"{out_dir} already holds {shown}{more}, which may already have been sent. "
            "Use another --out-dir, or --force to overwrite them."
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    built_at = built_at or now_utc()
    template = personalised_template(framework, settings, built_at)
    copies = []
    for partner in partners:
        data = personalise(template, partner)
        path = out_dir / names[partner.partner_id]
        write_bytes(data, path)
        copies.append(PersonalisedCopy(partner, path, hashlib.sha256(data).hexdigest()))
    manifest = out_dir / MANIFEST_NAME
    with manifest.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(MANIFEST_COLUMNS)
        deadline = settings.deadline.isoformat() if settings.deadline else ""
        for copy in copies:
            writer.writerow(
                [
                    copy.partner.partner_id,
                    copy.partner.name,
                    copy.path.name,
                    copy.sha256,
                    built_at,
                    deadline,
                    settings.contact,
                ]
            )
    return BuildResult(out_dir, manifest, built_at, tuple(copies))


@dataclass(frozen=True)
class ManifestEntry:
    """One row of manifest.csv: which file was built for which partner, and how."""

    partner_id: str
    partner: str
    path: Path
    sha256: str
    built_at: str
    deadline: dt.date | None
    contact: str


def read_manifest(out_dir: str | Path) -> dict[str, ManifestEntry]:
    """The manifest written by :func:`build_for_partners`, by partner id; empty if none."""
    out_dir = Path(out_dir)
    path = out_dir / MANIFEST_NAME
    entries: dict[str, ManifestEntry] = {}
    if not path.is_file():
        return entries
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("partner_id", "file") if c not in (reader.fieldnames or [])]
        if missing:
            raise ManifestError(
                f"{path}, line 1: the column(s) {', '.join(missing)} are missing. Restore the "
                "manifest, or rebuild the copies with lsp-xlsx build --partners --force."
            )
        for line, row in enumerate(reader, start=2):
            deadline_text = (row.get("deadline") or "").strip()
            deadline = parse_date(deadline_text) if deadline_text else None
            if deadline_text and deadline is None:
                raise ManifestError(
                    f"{path}, line {line}, column 'deadline': '{deadline_text}' is not a date. "
                    "Write it as 2027-03-31, or pass --deadline."
                )
            entries[row["partner_id"]] = ManifestEntry(
                row["partner_id"],
                row.get("partner") or "",
                out_dir / Path(row["file"] or "").name,  # never outside the folder
                row.get("sha256") or "",
                row.get("built_at") or "",
                deadline,
                row.get("contact") or "",
            )
    return entries
