"""Read the answers on a return's theme sheets, matched to questions by ID, never by position.

Columns are found by their header labels and rows by the question ID in them, so
inserted, moved, sorted or deleted rows and columns read right. Nothing typed is dropped:
answers that cannot be matched to a question are kept in ``Return.extra`` and reported.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lsp_xlsx.core.dates import parse_date
from lsp_xlsx.core.findings import Code
from lsp_xlsx.core.xmlrows import column_letter
from lsp_xlsx.framework.model import Framework, Question
from lsp_xlsx.returns.cells import (
    Rows,
    as_text,
    is_empty,
    not_a_date,
    ref,
    serial_date,
    summary,
)
from lsp_xlsx.returns.extra_text import ExtraText, column_roles
from lsp_xlsx.returns.model import ExtraRow, Response, Return
from lsp_xlsx.returns.ratings import RatingReader
from lsp_xlsx.returns.text_dates import TextDates
from lsp_xlsx.workbook import contract as C

_LONGEST_LABEL = 2 * max(len(c.label) for c in C.COLUMNS) + 10


@functools.lru_cache(maxsize=4096)
def _spaced(text: str) -> str:
    """``text`` with its runs of white space made single spaces (a question's, once)."""
    return " ".join(text.split())


@functools.lru_cache(maxsize=4096)
def _header_key(text: str) -> str | None:
    """The column key a header label names, or None. Cached: every return repeats the same
    few dozen short texts above its tables, and normalising each was a tenth of a read."""
    return C.HEADER_KEYS.get(C.normalise_label(text))


@dataclass
class ThemeSheet:
    """A sheet with an ID and a Rating header: its rows, header row index and column map."""

    name: str
    rows: Rows
    header: int
    columns: dict[str, int]
    letters: dict[str, str] = field(default_factory=dict)

    #: (key, column, letter) of each answer column the sheet has, in RESPONSE_KEYS order.
    answer_columns: list[tuple[str, int, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.letters = {key: column_letter(col + 1) for key, col in self.columns.items()}
        self.answer_columns = [
            (key, self.columns[key], self.letters[key])
            for key in C.RESPONSE_KEYS
            if key in self.columns
        ]


def find_header(rows: Rows) -> tuple[int, dict[str, int]] | None:
    """The header row's index and each known column's index, or None if there is none."""
    for index, row in enumerate(rows[:60]):
        keys: dict[str, int] = {}
        for col, value in enumerate(row):
            # Header labels are short; the long title and instructions are not looked at.
            if isinstance(value, str) and len(value) <= _LONGEST_LABEL:
                key = _header_key(value)
                if key and key not in keys:
                    keys[key] = col
        if "id" in keys and "rating" in keys:
            return index, keys
    return None


@dataclass
class _Row:
    """One data row as read: the question id typed, the answers and where each was."""

    sheet: ThemeSheet
    index: int
    qid: str
    values: dict[str, object]
    refs: dict[str, str]

    def texts(self) -> dict[str, str]:
        return {k: as_text(v)[0] for k, v in self.values.items()}

    def cell(self, key: str) -> str:
        return f"{self.sheet.letters[key]}{self.index + 1}"


class AnswerReader:
    """Reads every theme sheet of one return into ``ret.responses``. One instance per file."""

    def __init__(self, ret: Return, framework: Framework, ratings: RatingReader) -> None:
        self.ret = ret
        self.fw = framework
        self.ratings = ratings
        self.responses: dict[str, Response] = {}
        self.first_seen: dict[str, str] = {}
        self.sheets_by_theme: dict[str, set[str]] = {}
        self.id_index = {q.id.casefold(): q for q in framework.questions}
        self.no_value: set[str] = set()
        rules = framework.rules
        partner = rules.partner_for(ret.path.name, ret.sha256, ret.partner_id)
        carried = rules.carried_dates.get(partner.casefold(), {})
        self.text_dates = TextDates(carried)
        self.extra = ExtraText(ret)
        self.others: list[int] = []
        self.labels: dict[int, str] = {}

    def read(self, sheets: list[ThemeSheet], formula_cells: Mapping[str, set[str]]) -> None:
        """Read each sheet's rows, then note missing sheets and questions."""
        for sheet in sheets:
            for column in C.COLUMNS:
                if column.key not in sheet.columns and column.key != "question":
                    self.ret.note(
                        Code.COLUMN_MISSING, sheet.name, ref(sheet.header, 0), label=column.label
                    )
            self.no_value = formula_cells.get(sheet.name, set())
            known = set(sheet.columns.values())
            skip, self.labels = column_roles(sheet.rows[sheet.header], known)
            width = max((len(r) for r in sheet.rows), default=0)
            self.others = [c for c in range(width) if c not in skip]
            for index in range(sheet.header + 1, len(sheet.rows)):
                self.row(sheet, index, sheet.rows[index])
        self._check_sheets()
        self._fill_missing()
        for code, params in self.ratings.grouped():  # synonyms and mapped: once per file
            self.ret.note(code, **params)
        self.text_dates.finish(self.ret, C.COLUMN_BY_KEY["target_date"].label)

    def row(self, sheet: ThemeSheet, index: int, row: list[Any]) -> None:
        """Read one data row: match it to a question, or keep it apart and say why."""
        read = self._values(sheet, index, row)
        outside = self.extra.cells(index, row, self.others, self.labels)
        if not read.qid or read.qid.casefold() not in self.id_index:
            outside[:0] = self._question_cell(sheet, index, row)  # a row of no question
        if not read.qid:
            if read.values:
                self._keep_apart(read, why="no question ID")
                self.ret.note(
                    Code.ROW_WITHOUT_ID,
                    sheet.name,
                    ref(index, sheet.columns["id"]),
                    summary=summary(read.texts()),
                    column=column_letter(sheet.columns["id"] + 1),
                )
            self.extra.keep(sheet.name, None, outside)
            return
        question = self.id_index.get(read.qid.casefold())
        if question is None:
            self.extra.keep(sheet.name, None, outside)
            self._keep_apart(read, why=f"ID '{read.qid}', no question of this framework")
            self.ret.note(
                Code.QUESTION_UNKNOWN,
                sheet.name,
                read.cell("id"),
                id=read.qid,
                summary=summary(read.texts()) or "none",
            )
            return
        self.sheets_by_theme.setdefault(question.theme_id, set()).add(sheet.name)
        if question.id in self.responses:
            self.extra.keep(sheet.name, None, outside)
            self._keep_apart(read, question.id, why=f"{question.id} again")
            self.ret.note(
                Code.QUESTION_DUPLICATE,
                sheet.name,
                read.cell("id"),
                id=question.id,
                first=self.first_seen[question.id],
                summary=summary(read.texts()) or "none",
            )
            return
        self.first_seen[question.id] = f"sheet '{sheet.name}', row {index + 1}"
        self.extra.matched(sheet.name, question.id)
        self.extra.keep(sheet.name, question.id, outside)
        self._check_text(read, row, question)
        self.responses[question.id] = self._response(read, question)

    def _values(self, sheet: ThemeSheet, index: int, row: list[Any]) -> _Row:
        cols, width = sheet.columns, len(row)
        id_col = cols.get("id")
        raw_id = row[id_col] if id_col is not None and id_col < width else None
        qid = "" if is_empty(raw_id) else as_text(raw_id)[0].strip()
        read = _Row(sheet, index, qid, {}, {})
        number = index + 1
        for key, col, letter in sheet.answer_columns:  # a row per question: kept lean
            value = row[col] if col < width else None
            if value is None or value == "" or (key == "rating" and value == C.STEM_PLACEHOLDER):
                continue
            read.values[key] = value
            read.refs[key] = f"{letter}{number}"
        if self.no_value:
            # A formula with no saved result reads as empty: say so, cell by cell.
            for key in ("id", "question", *C.RESPONSE_KEYS):
                if key in cols and read.cell(key) in self.no_value:
                    self.ret.note(Code.FORMULA_NO_VALUE, sheet.name, read.cell(key))
        return read

    @staticmethod
    def _question_cell(sheet: ThemeSheet, index: int, row: list[Any]) -> list[tuple[str, str, str]]:
        """The Question column's cell on this row, as extra text's (words, cell, text)."""
        col = sheet.columns.get("question")
        if col is None or col >= len(row) or is_empty(row[col]):
            return []
        text = as_text(row[col])[0]
        return [("the Question column", ref(index, col), text)] if text.strip() else []

    def _keep_apart(self, read: _Row, qid: str | None = None, why: str = "") -> None:
        texts = read.texts()
        if texts or qid is None:
            question_id = read.qid if qid is None else qid
            self.ret.extra.append(ExtraRow(read.sheet.name, read.index + 1, question_id, texts))
            self.extra.keep_row(read.sheet.name, read.index + 1, why, texts, qid is None)

    def _check_text(self, read: _Row, row: list[Any], question: Question) -> None:
        col = read.sheet.columns.get("question")
        value = row[col] if col is not None and col < len(row) else None
        if is_empty(value):
            return
        if " ".join(as_text(value)[0].split()) != _spaced(question.text):
            self.ret.note(
                Code.QUESTION_TEXT_EDITED,
                read.sheet.name,
                read.cell("question"),
                id=question.id,
                expected=question.text,
            )

    def _response(self, read: _Row, question: Question) -> Response:
        sheet = read.sheet.name
        response = Response(
            question.id, question.rated, sheet=sheet, row=read.index + 1, cells=dict(read.refs)
        )
        self._rating(response, question, read.values.get("rating"), read.refs.get("rating", ""))
        for key in C.TEXT_KEYS:
            if key in read.values:
                text, kind = as_text(read.values[key])
                if kind:
                    self.ret.note(
                        Code.TEXT_CONVERTED,
                        sheet,
                        read.refs[key],
                        column=C.COLUMN_BY_KEY[key].label,
                        kind=kind,
                        text=text,
                    )
                setattr(response, key, text)
        if "target_date" in read.values:
            response.target_date = self._date(
                read.values["target_date"], sheet, read.refs["target_date"], question.id
            )
        return response

    def _rating(self, response: Response, question: Question, value: object, cell: str) -> None:
        if is_empty(value):
            return
        sheet = response.sheet
        raw = as_text(value)[0]
        response.rating_raw = raw
        # The rules (synonyms, the coordinator's map, steps) are returns/ratings.py's.
        reading, code, params = self.ratings.settle(value, raw, f"'{sheet}'!{cell}")
        option = reading.option
        if option is None or not question.rated:
            self.ratings.forget(f"'{sheet}'!{cell}")
        if option is None:
            self.ret.note(code or Code.RATING_UNRECOGNISED, sheet, cell, **params)
            return
        if not question.rated:
            # Kept, so nothing typed is lost, but never scored.
            self.ret.note(Code.RATING_ON_STEM, sheet, cell, raw=raw, id=question.id)
        elif code is not None:
            self.ret.note(code, sheet, cell, **params)
        response.rating = option.score
        response.rating_label = option.label

    def _date(self, value: object, sheet: str, cell: str, question_id: str = "") -> str:
        column = C.COLUMN_BY_KEY["target_date"].label
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        raw = as_text(value)[0]
        if isinstance(value, int | float) and not isinstance(value, bool):
            why = not_a_date(float(value))
            if why:
                self.ret.note(Code.NUMBER_NOT_A_DATE, sheet, cell, column=column, raw=raw, why=why)
                return raw
            if self.ret.dates_as_numbers:
                return serial_date(value).isoformat()
        if isinstance(value, str):
            parsed = parse_date(raw)
            if parsed is not None:
                self.ret.note(
                    Code.DATE_FROM_TEXT,
                    sheet,
                    cell,
                    column=column,
                    raw=raw,
                    date=parsed.isoformat(),
                )
                return parsed.isoformat()
            self.text_dates.add(question_id, raw, sheet, cell)  # once per file, not per cell
            return raw
        self.ret.note(Code.DATE_UNPARSED, sheet, cell, column=column, raw=raw)
        return raw

    def _check_sheets(self) -> None:
        """Which theme sheets are present, renamed or missing."""
        for theme in self.fw.themes:
            found_on = self.sheets_by_theme.get(theme.id, set())
            if not found_on:
                if not any(q.id in self.responses for q in theme.questions):
                    self.ret.note(
                        Code.SHEET_MISSING,
                        theme.sheet_name,
                        theme=theme.number,
                        expected=theme.sheet_name,
                        count=len(theme.questions),
                    )
                continue
            for name in sorted(found_on):
                if name != theme.sheet_name and theme.sheet_name not in found_on:
                    self.ret.note(
                        Code.SHEET_RENAMED, name, theme=theme.number, expected=theme.sheet_name
                    )

    def _fill_missing(self) -> None:
        """Every framework question gets a response, in framework order; gaps are noted."""
        missing_sheets = {t.id for t in self.fw.themes if not self.sheets_by_theme.get(t.id)}
        for question in self.fw.questions:
            if question.id not in self.responses:
                if question.theme_id not in missing_sheets:
                    sheet = self.fw.theme_of[question.id].sheet_name
                    self.ret.note(Code.QUESTION_MISSING, sheet, id=question.id)
                self.responses[question.id] = Response(question.id, question.rated)
        self._place_extra_text()
        self.ret.responses = {q.id: self.responses[q.id] for q in self.fw.questions}

    def _place_extra_text(self) -> None:
        """Each question's text from outside the answer columns, in its response; text on a
        sheet where no question was read goes with the framework's first question."""
        by_question = self.extra.by_question
        left = self.extra.left_waiting()
        if left and self.fw.questions:
            by_question.setdefault(self.fw.questions[0].id, []).extend(left)
        for qid, pieces in by_question.items():
            if qid in self.responses:
                self.responses[qid].extra_text = "\n".join(pieces)
