"""Write the self-assessment workbook a partner fills in.

:func:`build_workbook` returns an openpyxl ``Workbook``; the caller saves it (see
:func:`lsp_xlsx.core.files.save_workbook`). The layout comes from
:mod:`lsp_xlsx.workbook.contract`, which the reader uses too. "Start here" is written by
:mod:`~lsp_xlsx.workbook.start_sheet` and each theme sheet by
:mod:`~lsp_xlsx.workbook.theme_sheet`; this module adds the hidden sheets and puts the
workbook together.
"""

from __future__ import annotations

import datetime as dt

from openpyxl import Workbook
from openpyxl.utils import quote_sheetname
from openpyxl.workbook.defined_name import DefinedName

from lsp_xlsx.core.text import write_text
from lsp_xlsx.core.version import __version__
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.workbook import contract as C
from lsp_xlsx.workbook import styles as S
from lsp_xlsx.workbook.prefill import Prefill

# Re-exported: BuildSettings lived here before it moved below start_sheet.py.
from lsp_xlsx.workbook.settings import BuildSettings as BuildSettings
from lsp_xlsx.workbook.start_sheet import StartSheet
from lsp_xlsx.workbook.theme_sheet import write_theme_sheet


def _lists_sheet(wb: Workbook, framework: Framework) -> None:
    ws = wb.create_sheet(C.LISTS_SHEET)
    ws["A1"] = "Rating options"
    for row, label in enumerate(framework.labels, start=2):
        write_text(ws.cell(row=row, column=1), label)
    last = len(framework.labels) + 1
    ref = f"{quote_sheetname(C.LISTS_SHEET)}!$A$2:$A${last}"
    wb.defined_names[C.RATING_LIST_NAME] = DefinedName(C.RATING_LIST_NAME, attr_text=ref)
    ws.sheet_state = "hidden"
    S.protect(ws)


def meta_values(
    framework: Framework,
    settings: BuildSettings,
    partner: Partner | None,
    built_at: str,
    copy_id: str = "",
    prefilled_from: str = "",
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
        "copy_id": copy_id,
        "round": settings.round_label(),
        "prefilled_from": prefilled_from,
        "respondent_id": partner.respondent_id if partner else "",
        "respondent_name": partner.contact_name if partner and partner.respondent_id else "",
        "respondent_email": partner.email if partner and partner.respondent_id else "",
        "anonymous": "yes" if settings.anonymous else "",
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
    S.protect(ws)


def now_utc() -> str:
    """Build time as ISO 8601 in UTC, to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def build_workbook(
    framework: Framework,
    partner: Partner | None = None,
    settings: BuildSettings | None = None,
    built_at: str | None = None,
    copy_id: str = "",
    prefill: Prefill | None = None,
) -> Workbook:
    """Build the self-assessment workbook: "Start here", one sheet per theme, hidden lists
    and meta. ``partner`` personalises it (with ``copy_id``, the copy's own id); without
    one it is the blank workbook. ``prefill`` carries the partner's answers over from last
    round (see :mod:`lsp_xlsx.workbook.prefill`)."""
    settings = settings or BuildSettings()
    wb = Workbook()
    start = wb.active
    assert start is not None
    start.title = C.START_SHEET
    StartSheet(start, framework, settings, partner, prefill).write()
    for theme in framework.themes:
        write_theme_sheet(wb, framework, theme, prefill)
    _lists_sheet(wb, framework)
    carried = prefill.round if prefill else ""
    values = meta_values(framework, settings, partner, built_at or now_utc(), copy_id, carried)
    _meta_sheet(wb, values)
    wb.calculation.fullCalcOnLoad = True  # Excel recalculates the progress table on open
    subject = settings.partnership or framework.title
    if partner is not None:
        subject = f"{subject}: return from {partner.name}"
    S.set_properties(wb, settings.title, subject)
    return wb
