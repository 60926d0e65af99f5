"""Read returned workbooks: every return is read in full or refused with a reason.

:func:`read_return` never raises for a problem inside a workbook; each problem is a
:class:`~lsp_xlsx.findings.Finding` on the :class:`Return`. A file that cannot be read at
all comes back with status ``refused`` and one finding that says why.

Reading uses python-calamine (about 2 ms a return) and never builds an openpyxl object
model. Answers are matched to questions by ID, and columns by their header labels, so
inserted, moved, sorted or deleted rows and columns read right.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import io
import math
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsp_xlsx import contract as C
from lsp_xlsx.dates import parse_date
from lsp_xlsx.findings import Code, Finding, Severity, finding
from lsp_xlsx.framework import Framework, Question, ScaleOption
from lsp_xlsx.ooxml import column_letter, sheet_parts
from lsp_xlsx.partners import Partner, slug
from lsp_xlsx.sniff import Limits, sniff

#: File endings searched for in folders. A file named on the command line is always read.
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


class Status(enum.StrEnum):
    """What became of a file."""

    OK = "ok"
    WARNINGS = "warnings"
    ERRORS = "errors"
    REFUSED = "refused"
    SUPERSEDED = "superseded"


@dataclass(slots=True)  # a thousand returns hold 60,000 of these
class Response:
    """One answer. ``rating_raw`` is exactly what was in the cell, as text."""

    question_id: str
    rated: bool = True
    rating: int | None = None
    rating_label: str = ""
    rating_raw: str = ""
    evidence: str = ""
    evidence_source: str = ""
    improvement_action: str = ""
    lead: str = ""
    #: ISO date when the cell held (or plainly spelt) a date; otherwise the text as typed.
    target_date: str = ""
    sheet: str = ""
    row: int | None = None
    #: Where each answer was read: response key -> A1 cell on ``sheet``.
    cells: dict[str, str] = field(default_factory=dict)

    @property
    def answered(self) -> bool:
        """True when the rating is an option on the scale (including unscored ones)."""
        return bool(self.rating_label)


@dataclass
class Respondent:
    """The partner's details from "Start here"."""

    organisation: str = ""
    name: str = ""
    role: str = ""
    email: str = ""
    completed: dt.date | None = None
    #: "Date completed" as typed, when it was not a date.
    completed_raw: str = ""


@dataclass
class ExtraRow:
    """Answers that could not be matched to a framework question: kept, never dropped."""

    sheet: str
    row: int
    question_id: str
    values: dict[str, str]


@dataclass
class Return:
    """One returned file, as read."""

    path: Path
    sha256: str = ""
    status: Status = Status.OK
    fmt: str = ""
    partner_id: str = ""
    partner_name: str = ""
    respondent: Respondent = field(default_factory=Respondent)
    framework_id: str = ""
    framework_version: str = ""
    framework_hash: str = ""
    built_at: str = ""
    mtime: float = 0.0
    responses: dict[str, Response] = field(default_factory=dict)
    extra: list[ExtraRow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    superseded_by: Path | None = None
    rated_total: int = 0

    @property
    def file(self) -> str:
        """The file as the coordinator named it."""
        return str(self.path)

    @property
    def answered(self) -> int:
        """Rated questions answered with an option from the scale."""
        return sum(1 for r in self.responses.values() if r.rated and r.answered)

    @property
    def read(self) -> bool:
        """True unless the file was refused."""
        return self.status is not Status.REFUSED

    def count(self, severity: Severity) -> int:
        """Findings of one severity."""
        return sum(1 for f in self.findings if f.severity is severity)


# --- Ratings ------------------------------------------------------------------------------

_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−"), "-")
_QUOTES = dict.fromkeys(map(ord, "‘’‛′`´"), "'")


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_DASHES).translate(_QUOTES)
    text = re.sub(r"\s*-\s*", "-", " ".join(text.split()).casefold())
    return text


def _without_number(label: str) -> str:
    return re.sub(r"^\s*\d+\s*[-–—:.)]\s*", "", label)


class RatingReader:
    """Turns whatever is in a Rating cell into a scale option, or says it cannot."""

    def __init__(self, scale: Sequence[ScaleOption]) -> None:
        self.exact = {o.label: o for o in scale}
        self.variants: dict[str, ScaleOption] = {}
        for option in scale:
            self.variants.setdefault(_norm(option.label), option)
            bare = _norm(_without_number(option.label))
            if bare:
                self.variants.setdefault(bare, option)
        self.by_score = {o.score: o for o in scale if o.score is not None}
        self.allowed = ", ".join(f"'{o.label}'" for o in scale)

    def read(self, value: object) -> tuple[ScaleOption | None, bool]:
        """(option, exact). ``None`` when unrecognised. Empty values are not passed in."""
        if isinstance(value, str):
            if value in self.exact:
                return self.exact[value], True
            key = _norm(value)
            if key in self.variants:
                return self.variants[key], False
            try:
                number = float(key)
            except ValueError:
                return None, False
            return self._by_number(number), False
        if isinstance(value, bool):
            return None, False
        if isinstance(value, int | float):
            return self._by_number(float(value)), False
        return None, False  # dates, times and anything else

    def _by_number(self, number: float) -> ScaleOption | None:
        if math.isfinite(number) and number.is_integer():
            return self.by_score.get(int(number))
        return None


# --- Cell values --------------------------------------------------------------------------


def _ref(row: int, col: int) -> str:
    """A1 reference from 0-based row and column indexes."""
    return f"{column_letter(col + 1)}{row + 1}"


def _is_empty(value: object) -> bool:
    return value is None or value == ""


def as_text(value: object) -> tuple[str, str]:
    """(text, kind) where kind names what a non-text value was, or '' for text."""
    if isinstance(value, str):
        return value, ""
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), "true/false value"
    if isinstance(value, float):
        return (str(int(value)) if value.is_integer() else repr(value)), "number"
    if isinstance(value, int):
        return str(value), "number"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat(), "date"
        return value.isoformat(sep=" "), "date and time"
    if isinstance(value, dt.date):
        return value.isoformat(), "date"
    if isinstance(value, dt.time):
        return value.isoformat(), "time"
    if isinstance(value, dt.timedelta):
        return str(value), "duration"
    return str(value), type(value).__name__


def _summary(values: dict[str, str]) -> str:
    parts = []
    for key, text in values.items():
        label = C.COLUMN_BY_KEY[key].label if key in C.COLUMN_BY_KEY else key
        short = " ".join(text.split())
        parts.append(f"{label} '{short[:40]}{'…' if len(short) > 40 else ''}'")
    return ", ".join(parts)


# --- Workbook access ----------------------------------------------------------------------

Rows = list[list[Any]]


def _sheet_rows(workbook: Any, name: str) -> Rows:
    sheet = workbook.get_sheet_by_name(name)
    rows: Rows = sheet.to_python(skip_empty_area=False)
    return rows


_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]")
_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')


def _formula_cells_without_value(data: bytes, sheet_names: Iterable[str]) -> dict[str, set[str]]:
    """For xlsx: cells in the named sheets holding a formula with no saved result.

    Such cells read as empty; openpyxl and other tools that do not calculate leave them.
    Only sheets whose XML contains a formula at all are looked at closely.
    """
    found: dict[str, set[str]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = sheet_parts(archive)
            for name in sheet_names:
                part = parts.get(name)
                if part is None:
                    continue
                xml = archive.read(part)
                if not _FORMULA.search(xml):
                    continue
                cells = set()
                for match in _CELL.finditer(xml):
                    inner = match.group(2) or b""
                    if _FORMULA.search(inner) and not _VALUE.search(inner):
                        ref = _REF.search(match.group(1))
                        if ref:
                            cells.add(ref.group(1).decode())
                if cells:
                    found[name] = cells
    except (zipfile.BadZipFile, KeyError, OSError):
        return found
    return found


# --- Identity -----------------------------------------------------------------------------

_NOISE = re.compile(
    r"\b(copy of|copy|final|draft|v\d+|version \d+|rev \d+|completed|complete|return|"
    r"self assessment|self-assessment|lsp|\d{4}-\d{2}-\d{2}|\d{1,2}-\d{1,2}-\d{2,4})\b",
    re.IGNORECASE,
)


def name_from_filename(path: Path) -> str:
    """A partner name guessed from a file name: 'Copy of FINAL police v2 (3).xlsx' -> 'police'."""
    stem = re.sub(r"\(\d+\)|\[\d+\]", " ", path.stem)
    stem = re.sub(r"[_.]+", " ", stem)
    stem = _NOISE.sub(" ", stem)
    stem = re.sub(r"\s*-\s*$|^\s*-\s*", "", " ".join(stem.split()))
    return " ".join(stem.split()).strip(" -") or path.stem


def _same_name(a: str, b: str) -> bool:
    return slug(a) == slug(b)


# --- Reading ------------------------------------------------------------------------------


@dataclass
class _Sheet:
    """A theme-like sheet: its rows, header row index and column map."""

    name: str
    rows: Rows
    header: int
    columns: dict[str, int]
    letters: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.letters = {key: column_letter(col + 1) for key, col in self.columns.items()}


_LONGEST_LABEL = 2 * max(len(c.label) for c in C.COLUMNS) + 10


def _find_header(rows: Rows) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(rows[:60]):
        keys: dict[str, int] = {}
        for col, value in enumerate(row):
            # Header labels are short; the long title and instructions are not looked at.
            if isinstance(value, str) and len(value) <= _LONGEST_LABEL:
                key = C.HEADER_KEYS.get(C.normalise_label(value))
                if key and key not in keys:
                    keys[key] = col
        if "id" in keys and "rating" in keys:
            return index, keys
    return None


class _Reader:
    """Reads one workbook into a Return. One instance per file."""

    def __init__(
        self,
        ret: Return,
        framework: Framework,
        ratings: RatingReader,
        partners: Sequence[Partner] | None,
        partners_file: str,
    ) -> None:
        self.ret = ret
        self.fw = framework
        self.ratings = ratings
        self.partners = partners
        self.partners_file = partners_file
        self.file = ret.file

    def add(self, code: Code, sheet: str = "", cell: str = "", **values: Any) -> None:
        self.ret.findings.append(finding(code, self.file, sheet, cell, **values))

    def refuse(self, code: Code, **values: Any) -> Return:
        self.ret.findings = [finding(code, self.file, **values)]
        self.ret.status = Status.REFUSED
        self.ret.responses = {}
        return self.ret

    # The meta sheet: key in column A, value in column B.
    def meta(self, workbook: Any, names: list[str]) -> dict[str, str] | None:
        if C.META_SHEET not in names:
            return None
        meta: dict[str, str] = {}
        for row in _sheet_rows(workbook, C.META_SHEET):
            if len(row) >= 2 and isinstance(row[0], str) and row[0] in C.META_KEYS:
                meta[row[0]] = "" if _is_empty(row[1]) else as_text(row[1])[0]
        return meta

    def start_here(self, workbook: Any, names: list[str]) -> dict[str, tuple[object, str]]:
        """Values of the labelled fields on Start here, with their cell."""
        found: dict[str, tuple[object, str]] = {}
        if C.START_SHEET not in names:
            return found
        col_label, col_value = C.START_LABEL_COL - 1, C.START_VALUE_COL - 1
        for index, row in enumerate(_sheet_rows(workbook, C.START_SHEET)):
            if len(row) > col_label and isinstance(row[col_label], str):
                field_ = C.START_FIELD_BY_LABEL.get(row[col_label].strip().casefold())
                if field_ and field_.key not in found:
                    value = row[col_value] if len(row) > col_value else None
                    found[field_.key] = (value, _ref(index, col_value))
        return found

    def theme_sheets(self, workbook: Any, names: list[str]) -> list[_Sheet]:
        sheets = []
        for name in names:
            if name in (C.START_SHEET, C.META_SHEET, C.LISTS_SHEET):
                continue
            rows = _sheet_rows(workbook, name)
            found = _find_header(rows)
            if found:
                sheets.append(_Sheet(name, rows, found[0], found[1]))
        return sheets

    def identity(self, meta: dict[str, str], start: dict[str, tuple[object, str]]) -> None:
        ret = self.ret

        def text_of(key: str) -> str:
            value = start.get(key, (None, ""))[0]
            return "" if _is_empty(value) else " ".join(as_text(value)[0].split())

        start_id, start_org = text_of("partner_id"), text_of("organisation")
        meta_id, meta_name = meta.get("partner_id", ""), meta.get("partner_name", "")
        if meta_id and start_id and meta_id != start_id:
            self.add(
                Code.IDENTITY_MISMATCH,
                C.START_SHEET,
                start["partner_id"][1],
                what="Partner ID",
                found=start_id,
                expected=meta_id,
            )
        if meta_name and start_org and not _same_name(meta_name, start_org):
            self.add(
                Code.IDENTITY_MISMATCH,
                C.START_SHEET,
                start["organisation"][1],
                what="Organisation",
                found=start_org,
                expected=meta_name,
            )
        ret.partner_id = meta_id or start_id
        ret.partner_name = meta_name or start_org
        if not ret.partner_id and not ret.partner_name:
            ret.partner_name = name_from_filename(ret.path)
            self.add(Code.IDENTITY_FROM_FILENAME, name=ret.partner_name)
        if self.partners is not None:
            self._match_partner()
        if not ret.partner_id:
            ret.partner_id = slug(ret.partner_name)

    def _match_partner(self) -> None:
        ret = self.ret
        assert self.partners is not None
        by_id = {p.partner_id.casefold(): p for p in self.partners}
        if ret.partner_id:
            partner = by_id.get(ret.partner_id.casefold())
            if partner is None:
                self.add(Code.PARTNER_UNKNOWN, id=ret.partner_id, partners_file=self.partners_file)
                return
            ret.partner_id, ret.partner_name = partner.partner_id, partner.name
            return
        for partner in self.partners:
            if _same_name(partner.name, ret.partner_name) or _same_name(
                partner.partner_id, ret.partner_name
            ):
                ret.partner_id, ret.partner_name = partner.partner_id, partner.name
                return

    def respondent(self, start: dict[str, tuple[object, str]]) -> None:
        person = self.ret.respondent
        for key in ("organisation", "respondent", "role", "email"):
            value = start.get(key, (None, ""))[0]
            text = "" if _is_empty(value) else as_text(value)[0].strip()
            setattr(person, "name" if key == "respondent" else key, text)
        value, cell = start.get("completed", (None, ""))
        if isinstance(value, dt.datetime):
            person.completed = value.date()
        elif isinstance(value, dt.date):
            person.completed = value
        elif not _is_empty(value):
            raw = as_text(value)[0]
            person.completed = parse_date(raw)
            if person.completed is None:
                person.completed_raw = raw
                self.add(Code.DATE_UNPARSED, C.START_SHEET, cell, column="Date completed", raw=raw)

    def answers(self, sheets: list[_Sheet], formula_cells: dict[str, set[str]]) -> None:
        fw, ret = self.fw, self.ret
        responses: dict[str, Response] = {}
        first_seen: dict[str, str] = {}
        sheets_by_theme: dict[str, set[str]] = {}
        id_index = {q.id.casefold(): q for q in fw.questions}
        for sheet in sheets:
            missing_labels = [c for c in C.COLUMNS if c.key not in sheet.columns]
            for column in missing_labels:
                if column.key != "question":
                    self.add(
                        Code.COLUMN_MISSING,
                        sheet.name,
                        _ref(sheet.header, 0),
                        label=column.label,
                    )
            no_value = formula_cells.get(sheet.name, set())
            for index in range(sheet.header + 1, len(sheet.rows)):
                row = sheet.rows[index]
                self._row(
                    sheet, index, row, id_index, responses, first_seen, no_value, sheets_by_theme
                )
        # Which theme sheets are present, renamed or missing.
        for theme in fw.themes:
            found_on = sheets_by_theme.get(theme.id, set())
            if not found_on:
                if not any(q.id in responses for q in theme.questions):
                    self.add(
                        Code.SHEET_MISSING,
                        theme.sheet_name,
                        theme=theme.number,
                        expected=theme.sheet_name,
                        count=len(theme.questions),
                    )
                continue
            for name in sorted(found_on):
                if name != theme.sheet_name and theme.sheet_name not in found_on:
                    self.add(
                        Code.SHEET_RENAMED, name, theme=theme.number, expected=theme.sheet_name
                    )
        missing_sheets = {t.id for t in fw.themes if not sheets_by_theme.get(t.id)}
        for question in fw.questions:
            if question.id not in responses:
                if question.theme_id not in missing_sheets:
                    self.add(
                        Code.QUESTION_MISSING, fw.theme_of[question.id].sheet_name, id=question.id
                    )
                responses[question.id] = Response(question.id, question.rated)
        ret.responses = {q.id: responses[q.id] for q in fw.questions}

    def _row(
        self,
        sheet: _Sheet,
        index: int,
        row: list[Any],
        id_index: dict[str, Question],
        responses: dict[str, Response],
        first_seen: dict[str, str],
        no_value: set[str],
        sheets_by_theme: dict[str, set[str]],
    ) -> None:
        cols = sheet.columns
        width = len(row)

        letters = sheet.letters

        def ref(key: str) -> str:
            return f"{letters[key]}{index + 1}"

        def value_of(key: str) -> object:
            col = cols.get(key)
            return row[col] if col is not None and col < width else None

        raw_id = value_of("id")
        qid = "" if _is_empty(raw_id) else as_text(raw_id)[0].strip()
        values: dict[str, object] = {}
        refs: dict[str, str] = {}
        for key in C.RESPONSE_KEYS:
            value = value_of(key)
            if key == "rating" and value == C.STEM_PLACEHOLDER:
                value = None
            if not _is_empty(value):
                values[key] = value
                refs[key] = ref(key)
        if no_value:
            # A formula with no saved result reads as empty: say so, cell by cell.
            for key in ("id", "question", *C.RESPONSE_KEYS):
                if key in cols and ref(key) in no_value:
                    self.add(Code.FORMULA_NO_VALUE, sheet.name, ref(key))
        id_ref = ref("id")
        if not qid:
            if values:
                texts = {k: as_text(v)[0] for k, v in values.items()}
                self.ret.extra.append(ExtraRow(sheet.name, index + 1, "", texts))
                self.add(
                    Code.ROW_WITHOUT_ID,
                    sheet.name,
                    _ref(index, cols["id"]),
                    summary=_summary(texts),
                    column=column_letter(cols["id"] + 1),
                )
            return
        question = id_index.get(qid.casefold())
        if question is None:
            texts = {k: as_text(v)[0] for k, v in values.items()}
            self.ret.extra.append(ExtraRow(sheet.name, index + 1, qid, texts))
            self.add(
                Code.QUESTION_UNKNOWN,
                sheet.name,
                id_ref,
                id=qid,
                summary=_summary(texts) or "none",
            )
            return
        theme = self.fw.theme_of[question.id]
        sheets_by_theme.setdefault(theme.id, set()).add(sheet.name)
        if question.id in responses:
            texts = {k: as_text(v)[0] for k, v in values.items()}
            if texts:
                self.ret.extra.append(ExtraRow(sheet.name, index + 1, question.id, texts))
            self.add(
                Code.QUESTION_DUPLICATE,
                sheet.name,
                id_ref,
                id=question.id,
                first=first_seen[question.id],
                summary=_summary(texts) or "none",
            )
            return
        first_seen[question.id] = f"sheet '{sheet.name}', row {index + 1}"
        text_value = value_of("question")
        text_ref = ref("question") if "question" in cols else ""
        if not _is_empty(text_value) and " ".join(as_text(text_value)[0].split()) != " ".join(
            question.text.split()
        ):
            self.add(
                Code.QUESTION_TEXT_EDITED,
                sheet.name,
                text_ref,
                id=question.id,
                expected=question.text,
            )
        response = Response(
            question.id, question.rated, sheet=sheet.name, row=index + 1, cells=dict(refs)
        )
        self._rating(response, question, values.get("rating"), sheet.name, refs.get("rating", ""))
        for key in C.TEXT_KEYS:
            if key in values:
                text, kind = as_text(values[key])
                if kind:
                    self.add(
                        Code.TEXT_CONVERTED,
                        sheet.name,
                        refs[key],
                        column=C.COLUMN_BY_KEY[key].label,
                        kind=kind,
                        text=text,
                    )
                setattr(response, key, text)
        if "target_date" in values:
            response.target_date = self._date(
                values["target_date"], sheet.name, refs["target_date"]
            )
        responses[question.id] = response

    def _rating(
        self, response: Response, question: Question, value: object, sheet: str, ref: str
    ) -> None:
        if _is_empty(value):
            return
        raw = as_text(value)[0]
        response.rating_raw = raw
        option, exact = self.ratings.read(value)
        if option is None:
            self.add(Code.RATING_UNRECOGNISED, sheet, ref, raw=raw, allowed=self.ratings.allowed)
            return
        if not question.rated:
            # Kept, so nothing typed is lost, but never scored.
            self.add(Code.RATING_ON_STEM, sheet, ref, raw=raw, id=question.id)
        elif not exact:
            self.add(Code.RATING_VARIANT, sheet, ref, raw=raw, label=option.label)
        response.rating = option.score
        response.rating_label = option.label

    def _date(self, value: object, sheet: str, ref: str) -> str:
        column = "Target date"
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        raw = as_text(value)[0]
        if isinstance(value, str):
            parsed = parse_date(raw)
            if parsed is not None:
                self.add(
                    Code.DATE_FROM_TEXT, sheet, ref, column=column, raw=raw, date=parsed.isoformat()
                )
                return parsed.isoformat()
        self.add(Code.DATE_UNPARSED, sheet, ref, column=column, raw=raw)
        return raw


def _finish(ret: Return) -> Return:
    if ret.status is Status.REFUSED:
        return ret
    if any(f.severity is Severity.ERROR for f in ret.findings):
        ret.status = Status.ERRORS
    elif any(f.severity is Severity.WARNING for f in ret.findings):
        ret.status = Status.WARNINGS
    else:
        ret.status = Status.OK
    return ret


def read_return(
    path: str | Path,
    framework: Framework,
    limits: Limits | None = None,
    partners: Sequence[Partner] | None = None,
    partners_file: str = "partners.csv",
) -> Return:
    """Read one returned workbook. Never raises for a problem in the file: see findings."""
    import python_calamine

    limits = limits or Limits()
    path = Path(path)
    ret = Return(path=path, rated_total=len(framework.rated_questions))
    reader = _Reader(ret, framework, RatingReader(framework.scale), partners, partners_file)
    try:
        stat = path.stat()
    except OSError as exc:
        return reader.refuse(Code.REFUSED_UNREADABLE, detail=exc.strerror or str(exc))
    ret.mtime = stat.st_mtime
    if stat.st_size > limits.max_file_size:
        return reader.refuse(
            Code.REFUSED_TOO_LARGE, size=f"{stat.st_size:,}", limit=f"{limits.max_file_size:,}"
        )
    # Opened read-only; the input file is never written.
    try:
        with path.open("rb") as handle:
            data = handle.read()
    except OSError as exc:
        return reader.refuse(Code.REFUSED_UNREADABLE, detail=exc.strerror or str(exc))
    ret.sha256 = hashlib.sha256(data).hexdigest()
    verdict = sniff(data, limits)
    if verdict.code is not None:
        return reader.refuse(verdict.code, **dict(verdict.details))
    ret.fmt = verdict.fmt
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names: list[str] = list(workbook.sheet_names)
        meta = reader.meta(workbook, names)
        start = reader.start_here(workbook, names)
        sheets = reader.theme_sheets(workbook, names)
    except python_calamine.PasswordError:
        return reader.refuse(Code.REFUSED_PASSWORD)
    except (python_calamine.CalamineError, python_calamine.ZipError) as exc:
        return reader.refuse(Code.REFUSED_CORRUPT, detail=_first_line(exc))
    except (python_calamine.XmlError, ValueError, RuntimeError, OSError) as exc:
        return reader.refuse(Code.REFUSED_UNREADABLE, detail=_first_line(exc))

    fw = framework
    if meta is not None and meta.get("framework_id"):
        ret.framework_id = meta["framework_id"]
        ret.framework_version = meta.get("framework_version", "")
        ret.framework_hash = meta.get("framework_hash", "")
        ret.built_at = meta.get("built_at", "")
        if ret.framework_id != fw.id:
            return reader.refuse(
                Code.REFUSED_OTHER_FRAMEWORK, found=ret.framework_id, expected=fw.id
            )
        if ret.framework_version != str(fw.version):
            reader.add(
                Code.FRAMEWORK_VERSION_DIFFERS,
                C.META_SHEET,
                found=ret.framework_version or "?",
                framework=fw.id,
                expected=fw.version,
            )
        elif ret.framework_hash and ret.framework_hash != fw.hash:
            reader.add(Code.FRAMEWORK_HASH_DIFFERS, C.META_SHEET)
    else:
        known = {q.id.casefold() for q in fw.questions}
        recognised = any(
            isinstance(row[s.columns["id"]], str)
            and row[s.columns["id"]].strip().casefold() in known
            for s in sheets
            for row in s.rows[s.header + 1 :]
            if s.columns["id"] < len(row)
        )
        if not recognised:
            return reader.refuse(Code.REFUSED_UNRECOGNISED, expected=fw.id)
        reader.add(Code.META_MISSING)
        ret.framework_id, ret.framework_version = fw.id, ""

    formula_cells: dict[str, set[str]] = {}
    if ret.fmt in ("xlsx", "xlsm"):
        formula_cells = _formula_cells_without_value(data, [s.name for s in sheets])
    reader.identity(meta or {}, start)
    reader.respondent(start)
    reader.answers(sheets, formula_cells)
    return _finish(ret)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


# --- Many files ---------------------------------------------------------------------------


def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[Path]]:
    """Files to read, and other files seen in folders but not read.

    Folders are searched recursively for spreadsheet files; hidden files and lock files
    (``~$x.xlsx``, ``.~lock.x.xlsx#``) are skipped. Files named directly are always read.
    The order is stable: sorted by path.
    """
    files: list[Path] = []
    ignored: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    candidate = Path(root) / name
                    if name.startswith((".", "~$")):
                        continue
                    if candidate.suffix.casefold() in SPREADSHEET_SUFFIXES:
                        files.append(candidate)
                    else:
                        ignored.append(candidate)
        else:
            files.append(path)
    unique = list(dict.fromkeys(files))
    return sorted(unique, key=lambda p: str(p)), sorted(ignored, key=lambda p: str(p))


def _newest_key(ret: Return) -> tuple[dt.date, str, float, str]:
    return (ret.respondent.completed or dt.date.min, ret.built_at, ret.mtime, ret.file)


def resolve_duplicates(returns: list[Return]) -> None:
    """Mark all but the newest return from each partner as superseded, with a finding.

    Newest means: latest "Date completed", then latest build time, then latest file
    modification time. Returns are never merged.
    """
    groups: dict[str, list[Return]] = {}
    for ret in returns:
        if ret.read:
            groups.setdefault(ret.partner_id.casefold(), []).append(ret)
    for group in groups.values():
        if len(group) < 2:
            continue
        ordered = sorted(group, key=_newest_key, reverse=True)
        keeper = ordered[0]
        for old in ordered[1:]:
            if old.sha256 == keeper.sha256:
                why = "an identical copy"
            elif (
                keeper.respondent.completed
                and keeper.respondent.completed != old.respondent.completed
            ):
                why = f"completed {keeper.respondent.completed.isoformat()}"
            elif keeper.built_at != old.built_at:
                why = f"built {keeper.built_at}"
            else:
                why = "saved later"
            old.findings.append(
                finding(
                    Code.SUPERSEDED,
                    old.file,
                    partner=keeper.partner_name,
                    newer=keeper.file,
                    why=why,
                )
            )
            old.status = Status.SUPERSEDED
            old.superseded_by = keeper.path


def _read_one(args: tuple[Path, Framework, Limits, Sequence[Partner] | None, str]) -> Return:
    return read_return(*args)


def read_returns(
    files: Sequence[Path],
    framework: Framework,
    limits: Limits | None = None,
    partners: Sequence[Partner] | None = None,
    partners_file: str = "partners.csv",
    workers: int | None = None,
    progress: Callable[[Return], None] | None = None,
) -> list[Return]:
    """Read many returns, in parallel when there are many, then resolve duplicates.

    The result is in the order of ``files``, whatever order the workers finish in.
    """
    limits = limits or Limits()
    jobs = [(Path(f), framework, limits, partners, partners_file) for f in files]
    workers = workers if workers is not None else (os.cpu_count() or 1)
    results: list[Return]
    if workers > 1 and len(jobs) >= 64:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            results = []
            for ret in pool.map(_read_one, jobs, chunksize=16):
                results.append(ret)
                if progress:
                    progress(ret)
    else:
        results = []
        for job in jobs:
            ret = _read_one(job)
            results.append(ret)
            if progress:
                progress(ret)
    resolve_duplicates(results)
    return results


@dataclass
class CheckResult:
    """Every file read (or refused), and files in the folders that were not spreadsheets."""

    returns: list[Return]
    ignored: list[Path] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        """Every finding, file by file, in file order."""
        return [f for r in self.returns for f in r.findings]

    @property
    def counted(self) -> list[Return]:
        """Returns that were read and not superseded: the ones that count."""
        return [r for r in self.returns if r.status not in (Status.REFUSED, Status.SUPERSEDED)]

    @property
    def exit_code(self) -> int:
        """0 when no file is refused and no counted return has an error; else 1."""
        refused = any(r.status is Status.REFUSED for r in self.returns)
        errors = any(r.count(Severity.ERROR) for r in self.counted)
        return 1 if refused or errors else 0

    def summary(self) -> str:
        """One line: files by status, then findings by severity."""
        by_status = {s: sum(1 for r in self.returns if r.status is s) for s in Status}
        words = {
            Status.OK: "ok",
            Status.WARNINGS: "with warnings",
            Status.ERRORS: "with errors",
            Status.REFUSED: "refused",
            Status.SUPERSEDED: "superseded",
        }
        parts = [f"{n} {words[s]}" for s, n in by_status.items() if n]
        findings = self.findings
        counts = [
            f"{sum(1 for f in findings if f.severity is s)} {name}"
            for s, name in (
                (Severity.ERROR, "error(s)"),
                (Severity.WARNING, "warning(s)"),
                (Severity.INFO, "note(s)"),
            )
        ]
        n = len(self.returns)
        head = f"{n} file{'s' if n != 1 else ''}"
        return f"{head}: {', '.join(parts) or 'none'}. Findings: {', '.join(counts)}."


def check(
    paths: Iterable[str | Path],
    framework: Framework,
    limits: Limits | None = None,
    partners: Sequence[Partner] | None = None,
    partners_file: str = "partners.csv",
    workers: int | None = None,
    progress: Callable[[Return], None] | None = None,
) -> CheckResult:
    """Find the returns under ``paths`` and read them all: what ``lsp-xlsx check`` reports."""
    files, ignored = discover(paths)
    returns = read_returns(files, framework, limits, partners, partners_file, workers, progress)
    return CheckResult(returns, ignored)
