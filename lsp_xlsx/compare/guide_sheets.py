"""Contents and Notes: where the comparison workbook opens, and what its marks mean.

The UK public sector's accessible-spreadsheet basics ask for a contents sheet with working
links, and for notes that apply to many cells to sit on a notes sheet, never in colour
alone.
"""

from __future__ import annotations

from lsp_xlsx.compare.digests import AGENDA_ORDER
from lsp_xlsx.compare.progress_sheets import progress_notes
from lsp_xlsx.compare.respondents_sheet import scope_notes
from lsp_xlsx.compare.rules import disagreement_rule, group_rule
from lsp_xlsx.compare.scores import GROUP_GAP
from lsp_xlsx.compare.sheet import Sheet
from lsp_xlsx.compare.tables import Comparison
from lsp_xlsx.core.text import EXCEL_CELL_LIMIT

#: One line on what each sheet holds, in the order of the workbook.
DESCRIPTIONS = {
    "Contents": "This list: every sheet, with a link to it.",
    "Notes": "How the numbers are made, and what the colours and marks mean.",
    "Summary": "Mean score by theme for each partner, the partnership's mean and range, "
    "means by sector, and two charts.",
    "Questions": "Every rated question: each partner's score, the mean, the spread and a "
    "disagreement flag.",
    "Agenda": "The questions for the board to discuss first, each with the reason.",
    "Agreed": "For the board's workshop: the rating and action it agrees for each question, "
    "to read back with lsp-xlsx agree.",
    "Groups": "How each group of partners (by sector, level and so on) rates each question, "
    "with the largest gaps between groups flagged.",
    "Progress": "What changed since last round: partners down, themes across, then, now "
    "and the change.",
    "Progress list": "The same, one row per partner and theme, for filtering, with a chart.",
    "Progress by question": "The partnership's mean on each question then and now, with the "
    "largest improvements and declines.",
    "Agreed actions": "The actions the board agreed last round: status, due or overdue, and "
    "the rating then and now.",
    "Actions due": "Last round's actions whose target date has passed, with the rating then "
    "and now.",
    "Evidence": "The evidence behind every rating, one row per partner and question.",
    "Action plan": "Every improvement action partners proposed, by target date.",
    "Returns": "Who returned, who has not, and the files refused or superseded.",
    "Findings": "Every problem found in the returns: where it is, and what to do.",
    "About": "The framework, and when and how this workbook was made.",
    "Input files": "Every file read, with its SHA-256 fingerprint and status.",
    "Respondents": "For partners with several respondents: how far their people agree on "
    "each question, flagged where they disagree more than partners do.",
}


def write_contents(s: Sheet, c: Comparison) -> None:
    """A table of every sheet, each name a link to it, with a line on what it holds."""
    header_row = s.title(
        "Self-assessment comparison: contents",
        f"{c.framework.title}. Made {c.made_at[:10]}. {c.return_counts.sentence()} "
        "Select a sheet name to go to it. A hidden sheet, _lists, holds the rating "
        "options for the Agreed sheet's dropdown.",
    )
    workbook = s.ws.parent
    assert workbook is not None
    visible = [n for n in workbook.sheetnames if workbook[n].sheet_state == "visible"]
    s.contents(header_row, [(name, _describe(name)) for name in visible])


def _describe(name: str) -> str:
    """What a sheet holds; a continuation sheet ('Evidence (2)') says which part it is."""
    base, _, number = name.partition(" (")
    if name in DESCRIPTIONS or base not in DESCRIPTIONS:
        return DESCRIPTIONS.get(name, "")
    return f"{base}, continued (part {number.rstrip(')')})."


def notes(c: Comparison) -> list[str]:
    """The notes, in the framework's own words."""
    fw = c.framework
    return [
        f"{fw.describe_scale()} Means count scored answers only; ratings not on the scale are "
        "left out of means and listed on the Findings sheet.",
        "A partner's theme score is the mean of its scores on the theme's rated questions. "
        "The partnership mean is the mean of partners' theme scores, so every partner counts "
        "once, however many questions it answered.",
        "Min, max and spread (max minus min) are over partners. The standard deviation is the "
        "sample one (n minus 1).",
        "A theme score that rests on fewer than half of the theme's rated questions is marked "
        "with a star (*): it is shown, but left out of the partnership's mean, min, max and "
        "spread, and of group means. Every mean of a group of partners shows n, how many "
        "partners are behind it.",
        f"Disagreement (Questions and Agenda sheets): {disagreement_rule(c.framework)} "
        "The measure is r_wg (James, Demaree and Wolf, 1984), the usual index of agreement "
        "among raters on one item: unlike the range (max minus min), it does not grow with "
        "the number of partners, so it means the same at 6 partners as at 60; it is relative "
        "to the framework's own scale. The flag is the word Yes, not a colour. "
        f"Agenda: {AGENDA_ORDER}",
        f"Groups: {group_rule(GROUP_GAP)}",
        "Every figure is rounded half up, as Excel shows it (2.25 shows as 2.3), here and in "
        "the board paper, so the same figure reads the same in both. Sub-questions are shown "
        "with their question's stem wherever the stem's row is not beside them.",
        "Colours on the Summary, Questions and Agenda sheets follow the number in each cell: "
        "orange for low, yellow for the middle of the scale, green for high. Every coloured "
        "cell shows its number, so the colour adds nothing the number does not say.",
        "In the partner columns, a word instead of a number is an answer that is not scored "
        "(such as the scale's unscored options), or 'not valid' for a rating typed that is "
        "not on the scale. An empty cell is a question not answered.",
        f"Text over Excel's limit of {EXCEL_CELL_LIMIT:,} characters is cut and ends with "
        f"'[truncated: full text in {c.responses_name}]'; {c.responses_name} holds every "
        "answer in full.",
        "Partner text is shown exactly as typed. Text that begins with =, +, - or @ is text, "
        "never a formula.",
        *progress_notes(c),
        *scope_notes(c),
    ]


def write_notes(s: Sheet, c: Comparison) -> None:
    """Numbered notes that apply to many cells."""
    s.notes(notes(c))
