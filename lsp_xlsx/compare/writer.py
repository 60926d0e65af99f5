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

from lsp_xlsx import __version__
from lsp_xlsx.compare import list_sheets, question_sheets, summary
from lsp_xlsx.compare.sheet import Sheet, StyleTable
from lsp_xlsx.compare.tables import Comparison
from lsp_xlsx.core.files import write_bytes
from lsp_xlsx.core.text import TRUNCATION_MARKER
from lsp_xlsx.core.xmlrows import inject_rows

#: The sheets, in order, and what writes each.
WRITERS: dict[str, Callable[[Sheet, Comparison], None]] = {
    "Summary": summary.write_summary,
    "Questions": question_sheets.write_questions,
    "Agenda": question_sheets.write_agenda,
    "Evidence": list_sheets.write_evidence,
    "Action plan": list_sheets.write_actions,
    "Returns": list_sheets.write_returns,
    "Findings": list_sheets.write_findings,
    "About": list_sheets.write_about,
}
SHEETS = tuple(WRITERS)


def write_comparison(comparison: Comparison) -> bytes:
    """The comparison workbook as xlsx bytes: Summary, Questions, Agenda, Evidence,
    Action plan, Returns, Findings and About."""
    wb = Workbook()
    default = wb.active
    assert isinstance(default, Worksheet)
    styles = StyleTable(wb, default)
    marker = TRUNCATION_MARKER.replace("responses.csv", comparison.responses_name)
    sheets = {}
    for name, writer in WRITERS.items():
        sheet = Sheet(wb, name, marker, styles)
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
    return write_bytes(write_comparison(comparison), Path(path))
