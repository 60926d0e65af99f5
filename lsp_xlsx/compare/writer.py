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
from dataclasses import replace
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from lsp_xlsx.compare import (
    agreed_contract,
    agreed_sheet,
    followup_sheet,
    group_sheet,
    guide_sheets,
    list_sheets,
    progress_sheets,
    question_sheets,
    respondents_sheet,
    summary,
)
from lsp_xlsx.compare.limits import SheetLimits, SheetPart, plan_sheets
from lsp_xlsx.compare.sheet import Sheet, StyleTable
from lsp_xlsx.compare.tables import Comparison
from lsp_xlsx.core.files import OWN_WORKBOOK_MARK, atomic_path
from lsp_xlsx.core.text import TRUNCATION_MARKER
from lsp_xlsx.core.words import counted
from lsp_xlsx.core.xmlrows import SheetRows, inject_rows_into, laid_out_bytes
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
    "Progress list": progress_sheets.write_progress_list,
    "Progress by question": progress_sheets.write_question_progress,
    "Agreed actions": followup_sheet.write_followup,
    "Actions due": progress_sheets.write_actions_due,
}
#: Every sheet of the comparison workbook, in order: the visible ones, then the hidden one.
SHEETS = (*WRITERS, agreed_contract.LISTS_SHEET)


def write_comparison(comparison: Comparison, limits: SheetLimits | None = None) -> bytes:
    """The comparison workbook as xlsx bytes: Contents, Notes, Summary, Questions, Agenda,
    Evidence, Action plan, Returns, Findings, About and Input files (see
    :func:`save_comparison` to write a file).

    No sheet passes ``limits`` (Excel's, by default): long tables carry on over
    continuation sheets and wide ones are cut, with a finding (see
    :mod:`~lsp_xlsx.compare.limits`)."""
    out = io.BytesIO()
    inject_rows_into(out, *_laid_out(comparison, limits), comment=OWN_WORKBOOK_MARK)
    return out.getvalue()


def _laid_out(
    comparison: Comparison, limits: SheetLimits | None
) -> tuple[bytes, dict[str, SheetRows], dict[str, list[str]]]:
    """The workbook as openpyxl saved it (layout, no values), each sheet's rows, and each
    sheet's charts' alt texts: what :func:`~lsp_xlsx.core.xmlrows.inject_rows_into` joins."""
    limits = limits or SheetLimits()
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
    writers = respondents_sheet.with_respondents_sheet(writers, comparison)
    parts, comparison = plan_sheets(comparison, list(writers), limits)
    sheets = {
        p.name: Sheet(wb, p.name, marker, styles, p.number, _note(p, comparison)) for p in parts
    }
    wb.remove(default)
    # Machine data for the Agreed sheet's dropdown; Contents says it is there.
    lists = wb.create_sheet(agreed_contract.LISTS_SHEET)
    lists.sheet_state = "hidden"
    for part in parts:
        writers[part.base](sheets[part.name], _portion(comparison, part))
    returns = counted(len(comparison.partners), "partner return")
    subject = f"{comparison.framework.title}: {returns}"
    S.set_properties(wb, "Self-assessment comparison", subject)
    rows = {name: sheet.rows for name, sheet in sheets.items()}
    alt = {name: sheet.alt_texts for name, sheet in sheets.items() if sheet.alt_texts}
    return laid_out_bytes(wb), rows, alt


def save_comparison(
    comparison: Comparison, path: str | Path, limits: SheetLimits | None = None
) -> Path:
    """Write the comparison workbook to ``path`` atomically, streamed into the file."""
    target = Path(path)
    laid_out = _laid_out(comparison, limits)
    with atomic_path(target) as tmp, tmp.open("wb") as handle:
        inject_rows_into(handle, *laid_out, comment=OWN_WORKBOOK_MARK)
    return target


def _note(part: SheetPart, c: Comparison) -> str:
    return " ".join(t for t in (_cut_note(part, c), respondents_sheet.scope_note(c)) if t)


def _cut_note(part: SheetPart, c: Comparison) -> str:
    if part.partners_shown is not None:
        return (
            f"This sheet shows the first {part.partners_shown:,} of {len(c.partners):,} "
            "partners, as many as fit in Excel's columns; its statistics are over every "
            f"partner, and {c.responses_name} has every partner's answers."
        )
    return part.continued


def _portion(c: Comparison, part: SheetPart) -> Comparison:
    """What one sheet shows: the comparison, or for a part of a table, its share of it."""
    if part.partners_shown is not None:
        return replace(c, partners=c.partners[: part.partners_shown])
    if part.of == 1:
        return c
    window = part.window
    if part.base == "Evidence":
        return replace(c, evidence=c.evidence.iloc[window])
    if part.base == "Action plan":
        return replace(c, actions=c.actions.iloc[window])
    if part.base == "Returns":
        return replace(c, returns_table=c.returns_table.iloc[window])
    if part.base == "Input files":
        return replace(c, returns=c.returns[window])
    # Findings: the returns' findings, then the output's, in that order, cut to the window.
    return replace(c, returns=[], output_findings=c.findings[window])
