"""The overview workbook of a split run: partnerships compared theme by theme.

It is for the regional body, not a partnership's board: one row per partnership with its
mean on each theme and how many partners are behind it, the themes' spread across
partnerships, and every file no partnership could claim. Each partnership's own
comparison workbook (see :mod:`~lsp_xlsx.compare.split`) has the detail. The sheets follow
the accessible-spreadsheet basics the comparison workbook meets.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from lsp_xlsx.compare.sheet import Sheet, StyleTable, heat_map
from lsp_xlsx.compare.split import NOT_GIVEN, SplitComparison
from lsp_xlsx.core.files import OWN_WORKBOOK_MARK, write_bytes
from lsp_xlsx.core.text import TRUNCATION_MARKER
from lsp_xlsx.core.version import __version__
from lsp_xlsx.core.words import counted
from lsp_xlsx.core.xmlrows import inject_rows, laid_out_bytes
from lsp_xlsx.workbook import styles as S

#: The overview's sheets, in order, with what each holds (Contents lists them).
SHEETS = {
    "Contents": "This list: every sheet, with a link to it.",
    "Notes": "How the means are made, and what the colours and empty cells mean.",
    "Overview": "Each partnership's mean score on each theme, with how many partners "
    "returned, and the folder of its own comparison workbook.",
    "Themes": "Each theme across partnerships: the mean, the lowest and highest partnership, "
    "and the spread between them.",
    "Files not placed": "Files that no partnership could claim: refused, or from a partner "
    "not in partners.csv.",
    "About": "When, how and from what this workbook was made.",
}


def _theme_labels(split: SplitComparison) -> list[str]:
    return [t.sheet_name for t in split.framework.themes] + ["All themes"]


def _contents(s: Sheet, split: SplitComparison) -> None:
    header_row = s.title(
        "Self-assessment overview: contents",
        f"{split.framework.title}. {counted(len(split.parts), f'{split.column} group')} "
        "compared. "
        "Select a sheet name to go to it.",
    )
    s.contents(header_row, list(SHEETS.items()))


def _overview(s: Sheet, split: SplitComparison, folder_of: dict[str, str]) -> None:
    table = split.overview
    themes = _theme_labels(split)
    returned, listed = int(table["returned"].sum()), int(table["listed"].sum())
    header_row = s.title(
        f"Partnerships compared by theme ({split.column})",
        f"Mean score by theme for each {split.column}: the mean of its partners' theme "
        f"scores, as its own comparison workbook shows. {returned} of {listed} listed "
        f"partners returned a workbook that counts. {split.framework.describe_scale()} "
        "An empty cell: no partner's score for that theme.",
    )
    labels = [split.column.capitalize(), "Partners returned", "Partners listed", *themes]
    labels.append("Comparison workbook")
    widths = [30, 10, 10, *[11] * len(themes), 44]
    s.header(header_row, labels, widths)
    row = header_row
    values = table.drop(columns=["returned", "listed"]).to_numpy(dtype="float64")
    for i, name in enumerate(table.index):
        row += 1
        s.put(row, 1, name)
        s.put(row, 2, table["returned"].iloc[i], "0")
        s.put(row, 3, table["listed"].iloc[i], "0")
        for offset, value in enumerate(values[i]):
            s.put(row, 4 + offset, value, "0.0", "centre")
        s.put(row, 4 + len(themes), folder_of.get(name, ""))
        s.fit_cells(row)
    if len(table):
        low, high = split.framework.score_range
        last = get_column_letter(3 + len(themes))
        heat_map(s.ws, f"D{header_row + 1}:{last}{row}", low, high)
    s.finish(header_row, len(labels), s.table("OverviewTable", row), freeze=f"B{header_row + 1}")


def _themes(s: Sheet, split: SplitComparison) -> None:
    table = split.overview
    header_row = s.title(
        "Themes across partnerships",
        f"For each theme: how many {split.column} groups have a score, the mean of their "
        "means, and the lowest and highest. A large spread says partnerships differ most "
        "on that theme.",
    )
    labels = ["Theme", "Partnerships scored", "Mean", "Lowest", "Lowest score", "Highest"]
    labels += ["Highest score", "Spread"]
    s.header(header_row, labels, [24, 12, 8, 30, 9, 30, 9, 8])
    row = header_row
    for theme_id, label in zip(table.columns[2:], _theme_labels(split), strict=True):
        row += 1
        scores = table[theme_id].astype("float64").dropna()
        s.put(row, 1, label, style="bold" if theme_id == "ALL" else "body")
        s.put(row, 2, len(scores), "0")
        if len(scores):
            s.put(row, 3, float(scores.mean()), "0.0")
            s.put(row, 4, str(scores.idxmin()))
            s.put(row, 5, float(scores.min()), "0.0")
            s.put(row, 6, str(scores.idxmax()))
            s.put(row, 7, float(scores.max()), "0.0")
            s.put(row, 8, float(scores.max() - scores.min()), "0.0")
        s.fit_cells(row)
    s.finish(header_row, len(labels), s.table("ThemesTable", row))


def _unplaced(s: Sheet, split: SplitComparison) -> None:
    header_row = s.title(
        "Files not placed in any partnership",
        f"{counted(len(split.unplaced), 'file')}. Each was refused or names no partner in "
        "partners.csv; the reason says what to do.",
    )
    s.header(header_row, ["File", "Status", "Reason"], [44, 12, 90])
    row = header_row
    for ret in split.unplaced:
        row += 1
        s.put(row, 1, ret.file)
        s.put(row, 2, str(ret.status))
        s.put(row, 3, ret.findings[0].message if ret.findings else "")
        s.fit_cells(row)
    s.finish(header_row, 3, s.table("FilesNotPlacedTable", row))


def _notes(s: Sheet, split: SplitComparison) -> None:
    notes = [
        "A partner's theme score is the mean of its scores on the theme's rated questions. "
        "A score resting on fewer than half of them is left out, so a partial return cannot "
        "pull a theme up or down on a question or two.",
        f"A {split.column}'s mean on a theme is the mean of its partners' theme scores, so "
        "each partner counts once; it is the 'Partnership mean' on the Summary sheet of that "
        f"{split.column}'s own comparison workbook. {split.framework.describe_scale()}",
        "Colours on the Overview sheet run from the lowest score (orange) to the highest "
        "(green). They repeat the numbers in the cells, which are always shown.",
        "An empty score cell: no partner in that group has a score for that theme.",
        f"Partners with no value in the '{split.column}' column of partners.csv, and "
        f"returns from partners not in partners.csv, are in the group '{NOT_GIVEN}'.",
    ]
    s.notes(notes)


def _about(s: Sheet, split: SplitComparison) -> None:
    fw = split.framework
    facts = [
        ("Framework", fw.title),
        ("Framework id and version", f"{fw.id} {fw.version}"),
        ("Grouped by", f"the '{split.column}' column of partners.csv"),
        (
            "Partners with no value",
            f"are in the group '{NOT_GIVEN}', with returns from partners not in partners.csv",
        ),
        (
            "How a mean is made",
            "A partner's theme score is the mean of its scores on the theme's rated "
            "questions; a score resting on fewer than half of them is left out. A "
            "partnership's mean is the mean of its partners' theme scores.",
        ),
        ("Made at (UTC)", split.made_at),
        ("Made by", f"lsp-xlsx {__version__}"),
    ]
    s.facts(s.title("About this workbook"), facts, 90)


def write_overview(split: SplitComparison, folder_of: dict[str, str]) -> bytes:
    """The overview workbook as xlsx bytes; ``folder_of`` maps each partnership to where
    its comparison workbook was written (shown beside its scores)."""
    wb = Workbook()
    default = wb.active
    assert isinstance(default, Worksheet)
    styles = StyleTable(wb, default)
    sheets = {name: Sheet(wb, name, TRUNCATION_MARKER, styles) for name in SHEETS}
    wb.remove(default)
    _contents(sheets["Contents"], split)
    _notes(sheets["Notes"], split)
    _overview(sheets["Overview"], split, folder_of)
    _themes(sheets["Themes"], split)
    _unplaced(sheets["Files not placed"], split)
    _about(sheets["About"], split)
    subject = f"{split.framework.title}: {len(split.parts)} partnerships compared"
    S.set_properties(wb, "Self-assessment overview", subject)
    rows = {name: sheet.rows for name, sheet in sheets.items()}
    return inject_rows(laid_out_bytes(wb), rows, comment=OWN_WORKBOOK_MARK)


def save_overview(split: SplitComparison, path: Path, folder_of: dict[str, str]) -> Path:
    """Write the overview workbook to ``path`` atomically."""
    return write_bytes(write_overview(split, folder_of), path)
