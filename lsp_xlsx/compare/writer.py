"""Write the comparison workbook the board sees, from a
:class:`~lsp_xlsx.compare.tables.Comparison`.

:func:`write_comparison` returns the workbook as bytes (as tablib's xlsx writer does); the
caller saves them. Each sheet has its own writer: :mod:`~lsp_xlsx.compare.summary`,
:mod:`~lsp_xlsx.compare.question_sheets` and :mod:`~lsp_xlsx.compare.list_sheets`, all
built from the pieces in :mod:`~lsp_xlsx.compare.sheet`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from lsp_xlsx.compare import (
    agreed_contract,
    agreed_sheet,
    group_sheet,
    guide_sheets,
    list_sheets,
    progress_sheets,
    question_sheets,
    summary,
)
from lsp_xlsx.compare.sheet import Sheet, StyleTable
from lsp_xlsx.compare.tables import Comparison
from lsp_xlsx.core.files import OWN_WORKBOOK_MARK, write_bytes
from lsp_xlsx.core.text import TRUNCATION_MARKER
from lsp_xlsx.core.xmlrows import inject_rows
from lsp_xlsx.workbook import styles as S

#: The sheets, in order, and what writes each.
WRITERS: dict[str, Callable[[Sheet, Comparison], None]] = {
    "Contents": guide_sheets.write_contents,
    "Notes": guide_sheets.write_notes,
    "Summary": summary.write_summary,
    "Questions": question_sheets.write_questions,
    "Agenda": question_sheets.write_agenda,
    "Groups": group_sheet.write_groups,
    "Agreed": agreed_sheet.write_agreed,
    "Evidence": list_sheets.write_evidence,
    "Action plan": list_sheets.write_actions,
    "Returns": list_sheets.write_returns,
    "Findings": list_sheets.write_findings,
    "About": list_sheets.write_about,
    "Input files": list_sheets.write_inputs,
}
#: With last round's responses.csv (collate --previous): what changed since.
PROGRESS_WRITERS: dict[str, Callable[[Sheet, Comparison], None]] = {
    "Progress": progress_sheets.write_progress,
    "Progress by question": progress_sheets.write_question_progress,
    "Actions due": progress_sheets.write_actions_due,
}
#: Every sheet of the comparison workbook, in order: the visible ones, then the hidden one.
SHEETS = (*WRITERS, agreed_contract.LISTS_SHEET)


def write_comparison(comparison: Comparison) -> bytes:
    """The comparison workbook as xlsx bytes: Contents, Notes, Summary, Questions, Agenda,
    Evidence, Action plan, Returns, Findings, About and Input files."""
    wb = Workbook()
    default = wb.active
    assert isinstance(default, Worksheet)
    styles = StyleTable(wb, default)
    marker = TRUNCATION_MARKER.replace("responses.csv", comparison.responses_name)
    # Every sheet exists before any is written, so that Contents can list them all.
    writers = dict(WRITERS)
    if comparison.progress is not None:  # after Agreed: what changed since last round
        at = list(writers).index("Agreed") + 1
        items = list(writers.items())
        items[at:at] = list(PROGRESS_WRITERS.items())
        writers = dict(items)
    sheets = {name: Sheet(wb, name, marker, styles) for name in writers}
    wb.remove(default)
    # Machine data for the Agreed sheet's dropdown; Contents says it is there.
    lists = wb.create_sheet(agreed_contract.LISTS_SHEET)
    lists.sheet_state = "hidden"
    for name, writer in writers.items():
        writer(sheets[name], comparison)
    subject = f"{comparison.framework.title}: {len(comparison.partners)} partner return(s)"
    S.set_properties(wb, "Self-assessment comparison", subject)
    buffer = io.BytesIO()
    wb.save(buffer)
    rows = {name: sheet.rows for name, sheet in sheets.items()}
    alt = {name: sheet.alt_texts for name, sheet in sheets.items() if sheet.alt_texts}
    return inject_rows(buffer.getvalue(), rows, alt, comment=OWN_WORKBOOK_MARK)


def save_comparison(comparison: Comparison, path: str | Path) -> Path:
    """Write the comparison workbook to ``path`` atomically."""
    return write_bytes(write_comparison(comparison), Path(path))
