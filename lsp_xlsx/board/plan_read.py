"""Workbooks of last round read back: the improvement plan as the coordinator updated it
(owner, status, progress note, date updated), and who was invited, from the Returns sheet
of last round's comparison.

Neither is a workbook the tool just wrote (the plan has been edited in Excel or LibreOffice
through the year), so each is read exactly as a return is: in an isolated worker under the
same limits (:mod:`lsp_xlsx.returns.isolation`), by the same steps before any parser
(:mod:`lsp_xlsx.returns.prepare`), then by header label, never by position.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsp_xlsx.board.plan import FOLLOW_LABELS
from lsp_xlsx.compare.followup import STATUSES, PlanStatus, normal_status, status_key
from lsp_xlsx.core.findings import Code, Finding, finding
from lsp_xlsx.core.xmlrows import column_letter
from lsp_xlsx.returns.cells import as_text, is_empty, serial_date, sheet_rows
from lsp_xlsx.returns.isolation import read_isolated
from lsp_xlsx.returns.parse import ParseFailure
from lsp_xlsx.returns.prepare import Refused, parse, prepare
from lsp_xlsx.returns.sniff import Limits
from lsp_xlsx.workbook.contract import normalise_label

PLAN_SHEET = "Improvement plan"
RETURNS_SHEET = "Returns"


@dataclass
class SheetRead:
    """One sheet's rows read in a worker, or why the file was refused."""

    path: Path
    rows: list[list[Any]] = field(default_factory=list)
    dates_as_numbers: bool = False
    refused: str = ""


def _refused(path: Path, code: Code, **params: Any) -> SheetRead:
    return SheetRead(Path(path), refused=str(code))


def _read_here(path: Path, sheet: str, limits: Limits) -> SheetRead:
    result = SheetRead(Path(path))
    try:
        size = result.path.stat().st_size
        if size > limits.max_file_size:
            result.refused = str(Code.REFUSED_TOO_LARGE)
            return result
        prepared = prepare(result.path.read_bytes(), limits)

        def rows_of(workbook: Any) -> list[list[Any]]:
            return sheet_rows(workbook, sheet) if sheet in workbook.sheet_names else []

        result.rows, result.dates_as_numbers = parse(prepared, rows_of)
    except OSError:
        result.refused = str(Code.REFUSED_UNREADABLE)
    except (Refused, ParseFailure) as failure:
        result.refused = str(failure.code)
    return result


def read_sheet(path: Path, sheet: str, limits: Limits | None = None) -> SheetRead:
    """The rows of ``sheet`` in the workbook at ``path`` (none when it has no such sheet),
    read in an isolated worker under ``limits``; ``refused`` names the code when it could
    not be read."""
    limits = limits or Limits()
    task = functools.partial(_read_here, sheet=sheet, limits=limits)
    result: SheetRead = read_isolated(Path(path), task, _refused, limits)
    return result


def _header(rows: list[list[Any]], wanted: dict[str, str]) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(rows[:30]):
        keys = {
            wanted[normalise_label(v)]: col
            for col, v in enumerate(row)
            if isinstance(v, str) and len(v) < 100 and normalise_label(v) in wanted
        }
        if "id" in keys and len(keys) >= 3:
            return index, keys
    return None


def _text(value: object) -> str:
    return "" if is_empty(value) else as_text(value)[0].strip()


@dataclass
class PlanRead:
    """The statuses of an updated improvement plan, by (question id, action)."""

    path: Path
    statuses: dict[tuple[str, str], PlanStatus] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    #: Why the plan could not be read ('' when it could).
    refused: str = ""

    @property
    def updated(self) -> int:
        """How many actions have a status other than 'not started', an owner or a note."""
        return sum(
            1
            for s in self.statuses.values()
            if s.owner or s.progress_note or s.status not in ("", STATUSES[0])
        )


_PLAN_KEYS = {
    normalise_label(label): key
    for label, key in (
        ("ID", "id"),
        ("Agreed action", "action"),
        *((label, normalise_label(label)) for label in FOLLOW_LABELS),
    )
}


def _date(value: object, dates_as_numbers: bool) -> str:
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if dates_as_numbers and isinstance(value, int | float) and not isinstance(value, bool):
        return serial_date(value).isoformat()
    return _text(value)


def read_plan(path: Path, limits: Limits | None = None) -> PlanRead:
    """The owner, status, progress note and date updated of each action in the improvement
    plan at ``path``, as the coordinator last saved it (Excel or a LibreOffice re-save). A
    status not in the list is kept as typed, with a finding; a row that matches no agreed
    action is reported when the statuses are carried (see :func:`unmatched_rows`)."""
    sheet = read_sheet(path, PLAN_SHEET, limits)
    plan = PlanRead(Path(path), refused=sheet.refused)
    found = _header(sheet.rows, _PLAN_KEYS) if not sheet.refused else None
    if found is None:
        plan.refused = plan.refused or "not an improvement plan"
        return plan
    header, cols = found
    keys = dict(cols)
    status_col = keys.get("status")
    for index in range(header + 1, len(sheet.rows)):
        row = sheet.rows[index]
        value = {k: row[c] if c < len(row) else None for k, c in keys.items()}
        action = _text(value.get("action"))
        if not action:
            continue
        raw = _text(value.get("status"))
        if raw and not normal_status(raw) and status_col is not None:
            cell = f"{column_letter(status_col + 1)}{index + 1}"
            plan.findings.append(
                finding(
                    Code.PLAN_STATUS_UNRECOGNISED,
                    str(plan.path),
                    PLAN_SHEET,
                    cell,
                    raw=raw,
                    allowed=", ".join(STATUSES),
                )
            )
        plan.statuses[status_key(_text(value.get("id")), action)] = PlanStatus(
            _text(value.get("owner")),
            normal_status(raw) or raw,
            _text(value.get("progress note")),
            _date(value.get("updated"), sheet.dates_as_numbers),
        )
    return plan


def unmatched_rows(plan: PlanRead, known: set[tuple[str, str]]) -> list[Finding]:
    """A finding for each row of ``plan`` with the coordinator's entries that matches none
    of the ``known`` (question id, action) keys: its status is not carried."""
    out = []
    for (qid, action), status in plan.statuses.items():
        if (qid, action) in known or status == PlanStatus(status=STATUSES[0]):
            continue
        summary = f"ID '{qid}', action '{action[:40]}', status '{status.status}'"
        out.append(finding(Code.PLAN_ROW_UNMATCHED, str(plan.path), PLAN_SHEET, summary=summary))
    return out


def read_invited(path: Path, limits: Limits | None = None) -> dict[str, str] | None:
    """Partner id (casefolded) -> its state ('ok', 'not returned', ...) on the Returns sheet
    of last round's comparison at ``path``: every partner invited then, returned or not.
    None when there is no such file or it cannot be read."""
    if not path.is_file():
        return None
    sheet = read_sheet(path, RETURNS_SHEET, limits)
    wanted = {"partner id": "id", "partner": "partner", "status": "status"}
    found = _header(sheet.rows, wanted) if not sheet.refused else None
    if found is None:
        return None
    header, cols = found
    invited: dict[str, str] = {}
    for row in sheet.rows[header + 1 :]:
        pid = _text(row[cols["id"]]) if cols["id"] < len(row) else ""
        state = _text(row[cols["status"]]) if cols["status"] < len(row) else ""
        if pid and state not in ("refused", "superseded", "held"):
            invited[pid.casefold()] = state
    return invited


def carried_statuses(
    path: Path, keys: set[tuple[str, str]], limits: Limits | None = None
) -> PlanRead | None:
    """The updated plan at ``path`` read for ``agree``, with a finding for each of its rows
    that matches none of the agreed actions' ``keys``; None when there is no plan there."""
    if not path.is_file():
        return None
    plan = read_plan(path, limits)
    if not plan.refused:
        plan.findings += unmatched_rows(plan, keys)
    return plan


def plan_messages(plan: PlanRead, new: Path) -> list[str]:
    """What agree says about the updated plan it read, and where the new plan is."""
    if plan.refused:
        return [
            f"The improvement plan {plan.path} could not be read ({plan.refused}), so no "
            f"statuses were carried into {new}. Copy them across by hand."
        ]
    return [
        f"Carried the owner, status and progress of {plan.updated} of "
        f"{len(plan.statuses)} actions from the updated plan ({plan.path}) into {new} and "
        "agreed.csv."
    ]
