"""A checker for the UK public sector's accessible-spreadsheet basics, as our workbooks meet them.

``problems(path)`` opens a workbook and returns one line per broken rule, each starting
with the rule's number (see ARCHITECTURE.md and the README's accessibility section):

1. every visible sheet has a meaningful name and its title in A1, styled as a heading;
   content starts in column A;
2. a workbook with a Contents sheet opens on it, and it links to every sheet with a line
   on what it holds;
3. no merged cells;
4. tables of data are Excel tables with a meaningful name, unique non-empty headers, no
   blank rows or columns inside and nothing below them;
5. text on a coloured fill has a contrast of at least 4.5:1, and so do heat-map colours
   against black numbers;
6. every chart has alt text;
7. title, subject and language (en-GB) are set, and the creator is the tool;
8. the first sheet is active and selected, with A1 selected;
9. every dropdown and date check has an input prompt and an error message;
10. text is at least 10 point in a sans-serif font, and no text is cut off;
11. hidden sheets hold only machine data, and the first sheet says they are there.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries

#: Sheets that hold a table of data, wherever they appear.
TABLE_SHEETS = (
    "Questions",
    "Agenda",
    "Groups",
    "Evidence",
    "Action plan",
    "Returns",
    "Findings",
    "Agreed",
    "Progress",
    "Contents",
    "Notes",
    "Improvement plan",
    "Respondents",
    "Progress list",
    "Progress by question",
    "Actions due",
    "Agreed actions",
)
MACHINE_SHEETS = ("_meta", "_lists")
SANS = ("arial", "calibri", "helvetica", "liberation sans", "verdana", "tahoma", "segoe ui")
POINTS_PER_LINE = 13.0  # a line of 10pt text; scaled by the font's size


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two RRGGBB colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _rgb(colour: Any, default: str) -> str:
    value = getattr(colour, "rgb", None)
    if isinstance(value, str) and re.fullmatch(r"[0-9A-Fa-f]{6,8}", value):
        return value[-6:]
    return default


def _visible(wb: Any) -> list[Any]:
    return [ws for ws in wb.worksheets if ws.sheet_state == "visible"]


def _rule1(wb: Any) -> list[str]:
    found = []
    for ws in _visible(wb):
        if re.fullmatch(r"Sheet\d*", ws.title):
            found.append(f"1: sheet '{ws.title}' has no meaningful name")
        a1 = ws["A1"]
        if a1.value is None:
            found.append(f"1: sheet '{ws.title}' has no title in A1")
        elif not (a1.font and a1.font.b and (a1.font.sz or 11) >= 13):
            found.append(f"1: the title in A1 of '{ws.title}' is not styled as a heading")
        if ws.max_row > 1 and all(
            ws.cell(row=r, column=1).value is None for r in range(1, ws.max_row + 1)
        ):
            found.append(f"1: content on '{ws.title}' does not start in column A")
    return found


def _rule2(wb: Any) -> list[str]:
    if "Contents" not in wb.sheetnames:
        return []
    found = []
    if wb.sheetnames[0] != "Contents":
        found.append("2: the workbook does not open on its Contents sheet")
    ws = wb["Contents"]
    links = {
        str(c.hyperlink.location): ws.cell(row=c.row, column=2).value
        for row in ws.iter_rows()
        for c in row
        if c.hyperlink
    }
    for name in [ws.title for ws in _visible(wb)]:
        quoted = f"'{name}'!A1" if re.search(r"[^A-Za-z0-9_]", name) else f"{name}!A1"
        if not any(loc in (quoted, f"'{name}'!A1", f"{name}!A1") for loc in links):
            found.append(f"2: Contents has no working link to '{name}'")
        elif not links.get(quoted, links.get(f"'{name}'!A1", links.get(f"{name}!A1"))):
            found.append(f"2: Contents does not say what '{name}' holds")
    if "Notes" not in wb.sheetnames:
        found.append("2: there is no Notes sheet for notes that apply to many cells")
    return found


def _rule3(wb: Any) -> list[str]:
    return [
        f"3: '{ws.title}' has merged cells {list(map(str, ws.merged_cells.ranges))[:3]}"
        for ws in wb.worksheets
        if ws.merged_cells.ranges
    ]


def _table_problems(ws: Any, table: Any) -> list[str]:
    found = []
    if re.fullmatch(r"Table\d+", table.displayName):
        found.append(f"4: the table on '{ws.title}' has no meaningful name ({table.displayName})")
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    headers = [ws.cell(row=min_row, column=c).value for c in range(min_col, max_col + 1)]
    if any(h in (None, "") for h in headers) or len({str(h).casefold() for h in headers}) < len(
        headers
    ):
        found.append(f"4: the table on '{ws.title}' has an empty or repeated header")
    if [str(h) for h in headers] != [c.name for c in table.tableColumns]:
        found.append(f"4: the table on '{ws.title}' has header cells that differ from its columns")
    for r in range(min_row + 1, max_row + 1):
        if all(ws.cell(row=r, column=c).value in (None, "") for c in range(min_col, max_col + 1)):
            found.append(f"4: the table on '{ws.title}' has a blank row {r}")
            break
    for c in range(min_col, max_col + 1):
        if all(ws.cell(row=r, column=c).value in (None, "") for r in range(min_row, max_row + 1)):
            found.append(f"4: the table on '{ws.title}' has a blank column {get_column_letter(c)}")
            break
    below = [
        cell.coordinate
        for row in ws.iter_rows(min_row=max_row + 1)
        for cell in row
        if cell.value not in (None, "")
    ]
    if below:
        found.append(f"4: '{ws.title}' has something below its table, at {below[0]}")
    return found


def _rule4(wb: Any) -> list[str]:
    found = []
    for ws in wb.worksheets:
        is_theme = ws.sheet_state == "visible" and any(
            ws.cell(row=r, column=1).value == "ID" for r in range(1, min(ws.max_row, 12) + 1)
        )
        # A continuation sheet ("Evidence (2)") holds the same table as its first part.
        base = re.sub(r" \(\d+\)$", "", ws.title)
        if base not in TABLE_SHEETS and not is_theme:
            continue
        if not ws.tables:
            found.append(f"4: '{ws.title}' holds a table of data that is not an Excel table")
        for table in ws.tables.values():
            found += _table_problems(ws, table)
    return found


def _rule5(wb: Any) -> list[str]:
    found = []
    for ws in _visible(wb):
        for row in ws.iter_rows():
            for cell in row:
                fill = cell.fill
                if cell.value in (None, "") or fill is None or fill.fill_type != "solid":
                    continue
                back = _rgb(fill.fgColor, "FFFFFF")
                fore = _rgb(cell.font.color if cell.font else None, "000000")
                if contrast(back, fore) < 4.5:
                    found.append(
                        f"5: text in {ws.title}!{cell.coordinate} has contrast {contrast(back, fore):.1f}:1"
                    )
                    break
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                scale = getattr(rule, "colorScale", None)
                for colour in getattr(scale, "color", None) or []:
                    if contrast(_rgb(colour, "FFFFFF"), "000000") < 4.5:
                        found.append(
                            f"5: a heat-map colour on '{ws.title}' is too dark for its numbers"
                        )
    return found


def _rule6(path: Path) -> list[str]:
    found = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/drawings/") and name.endswith(".xml"):
                xml = archive.read(name).decode("utf-8")
                for frame in re.findall(
                    r"<(?:\w+:)?graphicFrame\b.*?</(?:\w+:)?graphicFrame>", xml, re.S
                ):
                    descr = re.search(r'<(?:\w+:)?cNvPr\b[^>]*\bdescr="([^"]+)"', frame)
                    if not descr or len(descr.group(1)) < 20:
                        found.append(f"6: a chart in {name} has no alt text")
    return found


def _rule7(wb: Any) -> list[str]:
    props = wb.properties
    found = []
    for key in ("title", "subject"):
        if not getattr(props, key):
            found.append(f"7: the document's {key} is not set")
    if props.language != "en-GB":
        found.append(f"7: the document's language is {props.language!r}, not en-GB")
    if not str(props.creator or "").startswith("lsp-xlsx"):
        found.append(f"7: the document's creator is {props.creator!r}, not the tool")
    return found


def _rule8(wb: Any) -> list[str]:
    first = wb.worksheets[0]
    found = []
    if wb.active is not first:
        found.append("8: the first sheet is not active")
    view = first.sheet_view
    if not view.tabSelected:
        found.append("8: the first sheet is not selected")
    if view.selection and view.selection[0].activeCell not in (None, "A1"):
        found.append(f"8: the first sheet opens at {view.selection[0].activeCell}, not A1")
    return found


def _rule9(wb: Any) -> list[str]:
    found = []
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            if dv.type not in ("list", "date"):
                continue
            if not (dv.showInputMessage and dv.prompt and dv.showErrorMessage and dv.error):
                found.append(
                    f"9: a {dv.type} check on '{ws.title}' ({dv.sqref}) lacks a prompt or an error message"
                )
    return found


def _cut_off(ws: Any, cell: Any) -> bool:
    """True when a text cell's text cannot all be seen: too tall for its row, or, unwrapped,
    wider than its column and blocked by a neighbour."""
    text = str(cell.value)
    size = float(cell.font.sz or 11) if cell.font else 11.0
    width = ws.column_dimensions[cell.column_letter].width or 8.43
    per_line = max(int(width * 10.5 / size), 1)
    if cell.alignment and cell.alignment.wrap_text:
        height = ws.row_dimensions[cell.row].height
        if height is None:
            return False  # Excel and LibreOffice grow the row to fit
        lines = sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))
        return height + 2 < min(409, lines * POINTS_PER_LINE * size / 10 * 0.9)
    if len(text) <= per_line or isinstance(cell.value, int | float):
        return False
    room = width
    for col in range(cell.column + 1, ws.max_column + 2):
        if ws.cell(row=cell.row, column=col).value not in (None, ""):
            break
        room += ws.column_dimensions[get_column_letter(col)].width or 8.43
    return len(text) > room * 10.5 / size


def _rule10(wb: Any) -> list[str]:
    found = []
    for ws in _visible(wb):
        for row in ws.iter_rows():
            for cell in row:
                if cell.value in (None, ""):
                    continue
                font = cell.font
                if font and font.sz and font.sz < 10:
                    found.append(f"10: {ws.title}!{cell.coordinate} is in {font.sz}pt text")
                    return found
                if font and font.name and font.name.casefold() not in SANS:
                    found.append(
                        f"10: {ws.title}!{cell.coordinate} is in {font.name}, not a sans-serif font"
                    )
                    return found
                if isinstance(cell.value, str) and cell.data_type == "s" and _cut_off(ws, cell):
                    found.append(f"10: the text in {ws.title}!{cell.coordinate} is cut off")
                    return found
    return found


def _rule11(wb: Any) -> list[str]:
    hidden = [ws.title for ws in wb.worksheets if ws.sheet_state != "visible"]
    found = [
        f"11: the hidden sheet '{name}' is not machine data"
        for name in hidden
        if name not in MACHINE_SHEETS
    ]
    if hidden:
        first = wb.worksheets[0]
        texts = " ".join(str(c.value) for row in first.iter_rows() for c in row if c.value)
        for name in hidden:
            if name not in texts:
                found.append(f"11: '{first.title}' does not say the hidden sheet '{name}' is there")
    return found


def problems(path: Path) -> list[str]:
    """Every accessibility rule the workbook at ``path`` breaks, one line each."""
    wb = load_workbook(path)
    found: list[str] = []
    for rule in (_rule1, _rule2, _rule3, _rule4, _rule5, _rule7, _rule8, _rule9, _rule10, _rule11):
        found += rule(wb)
    found += _rule6(path)
    return found
