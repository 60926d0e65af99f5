"""Read back the board's agreed position from the comparison workbook's Agreed sheet.

The comparison comes back from the workshop through other hands, so it is read exactly as a
return is: in an isolated worker under the same limits (:mod:`lsp_xlsx.returns.isolation`),
by the very steps a return is read by (:mod:`lsp_xlsx.returns.prepare`: sniffed from its
bytes, in any format, mended, checked against the cell limit, parsed with the same
fallbacks and repairs), with the same findings; then by header label. An agreed
rating typed over the dropdown is kept as typed and reported; text is kept verbatim and
written out safely; a row whose entries cannot be matched to a question (no ID, an unknown
ID, an inserted row, a question's second row) is kept in :attr:`Agreed.unmatched` and
reported with its cell, never dropped. :func:`read_agreed` returns data;
:func:`~lsp_xlsx.board.plan.write_agreed_outputs` writes ``agreed.csv`` and
``improvement-plan.xlsx``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsp_xlsx.compare import agreed_contract as A
from lsp_xlsx.core.findings import Code, Finding, Severity, finding
from lsp_xlsx.core.xmlrows import column_letter
from lsp_xlsx.framework.model import Framework
from lsp_xlsx.returns.cells import as_text, is_empty, not_a_date, serial_date, sheet_rows
from lsp_xlsx.returns.isolation import read_isolated
from lsp_xlsx.returns.model import MAX_FINDINGS_PER_CODE, Omitted, omitted_findings
from lsp_xlsx.returns.parse import ParseFailure
from lsp_xlsx.returns.prepare import Refused, parse, prepare
from lsp_xlsx.returns.ratings import RatingReader, rating_reader
from lsp_xlsx.returns.sniff import Limits
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
    #: The row on the Agreed sheet it was read from (1-based), when known.
    row: int | None = None


@dataclass
class Agreed:
    """What the Agreed sheet holds, and every problem found reading it."""

    path: Path
    rows: list[AgreedRow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    refused: bool = False
    #: Rows with the board's entries that match no question (``question_id`` as typed):
    #: kept, each with a finding, and written to agreed.csv after the questions.
    unmatched: list[AgreedRow] = field(default_factory=list)
    #: Findings not kept past MAX_FINDINGS_PER_CODE of one code (see returns.model).
    omitted: dict[Code, Omitted] = field(default_factory=dict)
    kept: dict[Code, int] = field(default_factory=dict, repr=False)

    @property
    def exit_code(self) -> int:
        """check's rule: 1 when the file was refused or has an error."""
        errors = any(f.severity is Severity.ERROR for f in self.findings)
        return 1 if self.refused or errors else 0

    @property
    def by_question(self) -> dict[str, AgreedRow]:
        """The agreed entries of each question, by question id."""
        return {r.question_id: r for r in self.rows}

    def note(self, code: Code, cell: str = "", **params: Any) -> None:
        """Add a finding about the file; past MAX_FINDINGS_PER_CODE of one code it is
        counted (with its cell) instead of kept."""
        if self.kept.get(code, 0) >= MAX_FINDINGS_PER_CODE:
            self.omitted.setdefault(code, Omitted()).add(A.SHEET if cell else "", cell)
            return
        self.kept[code] = self.kept.get(code, 0) + 1
        self.findings.append(finding(code, str(self.path), A.SHEET if cell else "", cell, **params))

    def refuse(self, code: Code, **params: Any) -> Agreed:
        """The whole file refused, with the one finding that says why."""
        self.refused, self.rows, self.unmatched, self.omitted = True, [], [], {}
        self.findings = [finding(code, str(self.path), **params)]
        return self

    def finish(self) -> Agreed:
        """One finding per code with findings not kept: how many, and their first cells."""
        self.findings += omitted_findings(str(self.path), self.omitted, self.kept)
        return self


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _header(rows: list[list[Any]]) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(rows[:30]):
        keys = {
            A.HEADER_KEYS[normalise_label(v)]: col
            for col, v in enumerate(row)
            if isinstance(v, str) and len(v) < 100 and normalise_label(v) in A.HEADER_KEYS
        }
        if "id" in keys and "agreed_rating" in keys:
            return index, keys
    return None


def read_agreed(path: Path, framework: Framework, limits: Limits | None = None) -> Agreed:
    """Read the Agreed sheet of a comparison workbook, in an isolated worker under
    ``limits`` exactly as a return is read. Never raises for a problem in it: a file that
    cannot be read comes back ``refused`` with the one finding that says why."""
    limits = limits or Limits()
    task = functools.partial(_read_here, framework=framework, limits=limits)
    result: Agreed = read_isolated(Path(path), task, _refused, limits)
    return result


def _refused(path: Path, code: Code, **params: Any) -> Agreed:
    return Agreed(Path(path)).refuse(code, **params)


def _load(result: Agreed, limits: Limits) -> bytes | None:
    try:
        size = result.path.stat().st_size
        if size > limits.max_file_size:
            result.refuse(
                Code.REFUSED_TOO_LARGE, size=f"{size:,}", limit=f"{limits.max_file_size:,}"
            )
            return None
        return result.path.read_bytes()
    except OSError as exc:
        result.refuse(Code.REFUSED_UNREADABLE, detail=exc.strerror or str(exc))
        return None


def _read_here(path: Path, framework: Framework, limits: Limits) -> Agreed:
    """The worker's part: the same steps before any parser as a return's, then the sheet."""
    result = Agreed(Path(path))
    data = _load(result, limits)
    if data is None:
        return result
    try:
        # Only the Agreed sheet is parsed, so only it is scanned: not the Evidence sheet.
        prepared = prepare(data, limits, only=(A.SHEET,))
        rows, dates_as_numbers = parse(prepared, _agreed_rows)
    except (Refused, ParseFailure) as failure:
        return result.refuse(failure.code, **failure.details)
    found = _header(rows)
    if found is None:
        return result.refuse(Code.REFUSED_UNRECOGNISED, expected=framework.id)
    _rows(result, rows, found, framework, dates_as_numbers)
    _formulas_without_value(result, prepared.scan.formula_cells.get(A.SHEET, set()), found)
    return result.finish()


def _agreed_rows(workbook: Any) -> list[list[Any]]:
    """The Agreed sheet's rows (none without the sheet: then it is not recognised)."""
    return sheet_rows(workbook, A.SHEET) if A.SHEET in workbook.sheet_names else []


_CELL = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


def _formulas_without_value(
    result: Agreed, no_value: set[str], found: tuple[int, dict[str, int]]
) -> None:
    """A finding for each cell of a read column, below the header, holding a formula with
    no saved result: it reads as empty, which must not pass for the board's blank."""
    header, cols = found
    read = {column_letter(c + 1) for c in cols.values()}
    places = []
    for cell in no_value:
        match = _CELL.fullmatch(cell)
        if match and match.group(1) in read and int(match.group(2)) > header + 1:
            places.append((int(match.group(2)), len(match.group(1)), match.group(1)))
    for row, _, letters in sorted(places):
        result.note(Code.AGREED_FORMULA_NO_VALUE, f"{letters}{row}")


def _rows(
    result: Agreed,
    rows: list[list[Any]],
    found: tuple[int, dict[str, int]],
    fw: Framework,
    dates_as_numbers: bool,
) -> None:
    header, cols = found
    ratings = rating_reader(fw)  # the returns' rules: synonyms, the ratings map, steps
    by_id = {q.id.casefold(): q for q in fw.rated_questions}
    seen: dict[str, int] = {}
    id_column = column_letter(cols["id"] + 1)
    for index in range(header + 1, len(rows)):
        row = dict(_values(rows[index], cols))
        cells = {k: f"{column_letter(c + 1)}{index + 1}" for k, c in cols.items()}
        qid = "" if is_empty(row.get("id")) else as_text(row["id"])[0].strip()
        question = by_id.get(qid.casefold())
        if question is not None and question.id not in seen:
            seen[question.id] = index + 1
            agreed = AgreedRow(fw.theme_of[question.id].id, question.id, fw.whole_text(question.id))
            agreed.row = index + 1
            _fill(result, agreed, row, cells, ratings, dates_as_numbers)
            result.rows.append(agreed)
            continue
        entries = {k: row[k] for k in A.INPUT_KEYS if k in row and not is_empty(row[k])}
        if not entries:
            continue  # nothing the board typed: nothing to keep
        typed = "" if is_empty(row.get("question")) else as_text(row["question"])[0]
        extra = AgreedRow("", qid, typed, row=index + 1)
        _fill(result, extra, row, cells, ratings, dates_as_numbers)
        result.unmatched.append(extra)
        if not qid:
            why = "it has no question ID"
        elif question is None:
            why = f"the ID '{qid}' is not a rated question of framework '{fw.id}'"
        else:
            why = f"question {question.id} already has its row (row {seen[question.id]})"
        summary = ", ".join(f"{_label(k)} '{_short(as_text(v)[0])}'" for k, v in entries.items())
        result.note(
            Code.AGREED_ROW_UNMATCHED, cells["id"], summary=summary, why=why, column=id_column
        )
    for code, params in ratings.grouped():  # synonyms and mapped ratings: once per file
        result.note(code, **params)


_LABELS = {c.key: c.label for c in A.COLUMNS}


def _label(key: str) -> str:
    return _LABELS.get(key, key)


def _short(text: str) -> str:
    one = " ".join(text.split())
    return f"{one[:40]}…" if len(one) > 40 else one


def _values(row: list[Any], cols: dict[str, int]) -> list[tuple[str, object]]:
    return [(key, row[col]) for key, col in cols.items() if col < len(row)]


def _fill(
    result: Agreed,
    agreed: AgreedRow,
    row: dict[str, object],
    cells: dict[str, str],
    ratings: RatingReader,
    dates_as_numbers: bool,
) -> None:
    agreed.mean, agreed.spread = _number(row.get("mean")), _number(row.get("spread"))
    raw = row.get("agreed_rating")
    if not is_empty(raw):
        agreed.agreed_raw = as_text(raw)[0]
        reading, code, params = ratings.settle(raw, agreed.agreed_raw, cells["agreed_rating"])
        if code is not None:
            result.note(code, cells["agreed_rating"], **params)
        if reading.option is not None:
            agreed.agreed_rating, agreed.agreed_label = reading.option.score, reading.option.label
    agreed.action = "" if is_empty(row.get("action")) else as_text(row["action"])[0]
    agreed.lead = "" if is_empty(row.get("lead")) else as_text(row["lead"])[0]
    date = row.get("target_date")
    if dates_as_numbers and isinstance(date, int | float) and not isinstance(date, bool):
        agreed.target_date = _serial(result, date, cells.get("target_date", ""))
    else:
        agreed.target_date = _date(date)


def _serial(result: Agreed, value: float, cell: str) -> str:
    """A target date read as its serial number (see _open): the date, or the number as
    typed, with a warning, when no date can be it."""
    why = not_a_date(float(value))
    if why:
        raw = as_text(value)[0]
        result.note(Code.NUMBER_NOT_A_DATE, cell, column="Target date", raw=raw, why=why)
        return raw
    return serial_date(value).isoformat()


def _date(value: object) -> str:
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
