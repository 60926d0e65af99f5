"""Read back the board's agreed position from the comparison workbook's Agreed sheet.

The file is treated like a return: sniffed from its bytes (any format: .xlsx, a
LibreOffice re-save, .ods), checked against the limits, read by header label; an agreed
rating typed over the dropdown is kept as typed and reported; text is kept verbatim and
written out safely. :func:`read_agreed` returns data; :func:`write_agreed_outputs` writes
``agreed.csv`` and ``improvement-plan.xlsx``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsp_xlsx.compare import agreed_contract as A
from lsp_xlsx.core.findings import Code, Finding, Severity, finding
from lsp_xlsx.core.xmlrows import column_letter
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.returns.cells import as_text, is_empty, sheet_rows
from lsp_xlsx.returns.ratings import RatingReader
from lsp_xlsx.returns.sniff import Limits, sniff
from lsp_xlsx.returns.xlsx_scan import scan_package
from lsp_xlsx.workbook.contract import normalise_label

#: agreed.csv's columns, in order (agreed_raw, what was typed, comes last).
AGREED_COLUMNS = (
    "theme_id",
    "question_id",
    "question",
    "agreed_rating",
    "agreed_label",
    "mean",
    "spread",
    "action",
    "lead",
    "target_date",
    "agreed_raw",
)


@dataclass
class AgreedRow:
    """One question's agreed position, as typed."""

    theme_id: str
    question_id: str
    question: str
    agreed_rating: int | None = None
    agreed_label: str = ""
    agreed_raw: str = ""
    mean: float | None = None
    spread: float | None = None
    action: str = ""
    lead: str = ""
    target_date: str = ""


@dataclass
class Agreed:
    """What the Agreed sheet holds, and every problem found reading it."""

    path: Path
    rows: list[AgreedRow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    refused: bool = False
    #: Ids of rows with an entry whose question is not in the framework (not read).
    unmatched: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """check's rule: 1 when the file was refused or has an error."""
        errors = any(f.severity is Severity.ERROR for f in self.findings)
        return 1 if self.refused or errors else 0

    def note(self, code: Code, cell: str = "", **params: Any) -> None:
        self.findings.append(finding(code, str(self.path), A.SHEET if cell else "", cell, **params))


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _header(rows: list[list[Any]]) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(rows[:30]):
        keys = {
            A.HEADER_KEYS[normalise_label(v)]: col
            for col, v in enumerate(row)
            if isinstance(v, str) and normalise_label(v) in A.HEADER_KEYS
        }
        if "id" in keys and "agreed_rating" in keys:
            return index, keys
    return None


def read_agreed(path: Path, framework: Framework, limits: Limits | None = None) -> Agreed:
    """Read the Agreed sheet of a comparison workbook. Never raises for a problem in it."""
    import python_calamine

    limits = limits or Limits()
    result = Agreed(path)
    data = path.read_bytes()
    verdict = sniff(data, limits)
    if verdict.code is not None:
        result.refused = True
        result.note(verdict.code, **dict(verdict.details))
        return result
    oversized = verdict.fmt.startswith("xl") and scan_package(data, limits.max_cells).oversized
    if oversized:
        result.refused = True
        sheet, corner, cells = oversized
        result.note(
            Code.REFUSED_TOO_MANY_CELLS,
            sheet_name=sheet,
            corner=corner,
            cells=f"{cells:,}",
            limit=f"{limits.max_cells:,}",
        )
        return result
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(verdict.data or data))
        rows = sheet_rows(workbook, A.SHEET) if A.SHEET in workbook.sheet_names else []
    except Exception as exc:  # calamine's own errors: this file is refused, with the reason
        result.refused = True
        result.note(
            Code.REFUSED_UNREADABLE,
            detail=str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__,
        )
        return result
    found = _header(rows)
    if found is None:
        result.refused = True
        result.note(Code.REFUSED_UNRECOGNISED, expected=framework.id)
        return result
    _rows(result, rows, found, framework)
    return result


def _rows(
    result: Agreed, rows: list[list[Any]], found: tuple[int, dict[str, int]], fw: Framework
) -> None:
    header, cols = found
    ratings = RatingReader(fw.scale)
    by_id = {q.id.casefold(): q for q in fw.rated_questions}
    for index in range(header + 1, len(rows)):
        row = dict(_values(rows[index], cols))
        qid = "" if is_empty(row.get("id")) else as_text(row["id"])[0].strip()
        question = by_id.get(qid.casefold())
        if question is not None:
            agreed = AgreedRow(fw.theme_of[question.id].id, question.id, question.text)
            _fill(
                result,
                agreed,
                row,
                {k: f"{column_letter(c + 1)}{index + 1}" for k, c in cols.items()},
                ratings,
            )
            result.rows.append(agreed)
        elif qid and any(not is_empty(row.get(k)) for k in A.INPUT_KEYS):
            result.unmatched.append(qid)


def _values(row: list[Any], cols: dict[str, int]) -> list[tuple[str, object]]:
    return [(key, row[col]) for key, col in cols.items() if col < len(row)]


def _fill(
    result: Agreed,
    agreed: AgreedRow,
    row: dict[str, object],
    cells: dict[str, str],
    ratings: RatingReader,
) -> None:
    agreed.mean, agreed.spread = _number(row.get("mean")), _number(row.get("spread"))
    raw = row.get("agreed_rating")
    if not is_empty(raw):
        agreed.agreed_raw = as_text(raw)[0]
        option, exact = ratings.read(raw)
        if option is None:
            result.note(
                Code.RATING_UNRECOGNISED,
                cells["agreed_rating"],
                raw=agreed.agreed_raw,
                allowed=ratings.allowed,
            )
        else:
            agreed.agreed_rating, agreed.agreed_label = option.score, option.label
            if not exact:
                result.note(
                    Code.RATING_VARIANT,
                    cells["agreed_rating"],
                    raw=agreed.agreed_raw,
                    label=option.label,
                )
    agreed.action = "" if is_empty(row.get("action")) else as_text(row["action"])[0]
    agreed.lead = "" if is_empty(row.get("lead")) else as_text(row["lead"])[0]
    agreed.target_date = _date(row.get("target_date"))


def _date(value: object) -> str:
    import datetime as dt

    from lsp_xlsx.core.dates import parse_date

    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if is_empty(value):
        return ""
    text = as_text(value)[0]
    parsed = parse_date(text) if isinstance(value, str) else None
    return parsed.isoformat() if parsed else text
