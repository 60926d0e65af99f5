"""What reading returns produces: a :class:`Return` per file, a :class:`Response` per question,
and a :class:`CheckResult` for a whole run. Later stages read these; only the reader makes them."""

from __future__ import annotations

import datetime as dt
import enum
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, NamedTuple

from lsp_xlsx.core.findings import Code, Finding, Severity, finding
from lsp_xlsx.core.text import name_safe
from lsp_xlsx.core.words import counted
from lsp_xlsx.framework.partners import Partner
from lsp_xlsx.returns.packed_text import PackedText, pack_text

#: Most findings of any one code that one file keeps; past that, one finding gives the count
#: and the first cells (so 360,000 findings in one hostile file cost the run nothing), while
#: every count (:meth:`Return.count`, the summary) stays exact. Fixed: a file with more than
#: this many of one problem needs the partner, not a longer list.
MAX_FINDINGS_PER_CODE = 50
#: How many of the cells past the limit the summarising finding names.
OMITTED_CELLS_SHOWN = 10


@dataclass
class Omitted:
    """The findings of one code a file did not keep: how many, and the first of their cells."""

    count: int = 0
    cells: list[str] = field(default_factory=list)

    def add(self, sheet: str, cell: str) -> None:
        self.count += 1
        if len(self.cells) < OMITTED_CELLS_SHOWN and (sheet or cell):
            self.cells.append(f"'{sheet}'!{cell}" if sheet and cell else sheet or cell)


def omitted_findings(
    file: str, omitted: dict[Code, Omitted], kept: dict[Code, int]
) -> list[Finding]:
    """A ``findings-capped`` finding for each code with findings not kept."""
    found = []
    for code, left_out in omitted.items():
        shown = kept.get(code, 0)
        more = ", …" if left_out.count > len(left_out.cells) else ""
        found.append(
            finding(
                Code.FINDINGS_CAPPED,
                file,
                kind=str(code),
                shown=f"{shown:,}",
                omitted=f"{left_out.count:,}",
                noun="finding" if left_out.count == 1 else "findings",
                verb="is" if left_out.count == 1 else "are",
                total=f"{shown + left_out.count:,}",
                cells=(", ".join(left_out.cells) + more) or "not recorded",
            )
        )
    return found


class Status(enum.StrEnum):
    """What became of a file."""

    OK = "ok"
    WARNINGS = "warnings"
    ERRORS = "errors"
    REFUSED = "refused"
    SUPERSEDED = "superseded"
    #: Read and counted, but fewer than all rated questions have an answer from the scale.
    INCOMPLETE = "incomplete"
    #: Read, but held out of the comparison until the coordinator resolves who sent it.
    HELD = "held"


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
    #: What the partner wrote outside the answer columns on this question's row (or below
    #: it), each piece with its cell: see returns/extra_text.py.
    extra_text: str = ""
    sheet: str = ""
    row: int | None = None
    #: Where each answer was read: response key -> A1 cell on ``sheet``.
    cells: dict[str, str] = field(default_factory=dict)

    @property
    def answered(self) -> bool:
        """True when the rating is an option on the scale (including unscored ones)."""
        return bool(self.rating_label)


#: The fields of a Response, in order: how a Return's answers travel packed (see Return).
RESPONSE_FIELDS = tuple(f.name for f in fields(Response))

#: Packed answer fields whose values repeat across returns.
_REPEATED = ("question_id", "rating_label", "sheet")


def _intern(value: Any) -> Any:
    return sys.intern(value) if type(value) is str else value


class CellColumns(NamedTuple):
    """Where a row's answers were read, as the columns of its keys: the same for every
    answer on a sheet, so a return's answers share one (and it travels once)."""

    keys: tuple[str, ...]
    letters: tuple[str, ...]


def _pack_cells(
    response: Response, shared: dict[CellColumns, CellColumns]
) -> CellColumns | tuple[tuple[str, str], ...]:
    row = str(response.row) if response.row is not None else ""
    refs = response.cells.values()
    if not row or not all(ref.endswith(row) and ref[: -len(row)].isalpha() for ref in refs):
        return tuple(response.cells.items())  # not all on the response's row: as they are
    columns = CellColumns(tuple(response.cells), tuple(ref[: -len(row)] for ref in refs))
    return shared.setdefault(columns, columns)


def _unpack_cells(
    packed: CellColumns | tuple[tuple[str, str], ...], row: int | None
) -> dict[str, str]:
    if isinstance(packed, CellColumns):
        return {k: f"{letter}{row}" for k, letter in zip(packed.keys, packed.letters, strict=True)}
    return dict(packed)


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
    #: The personalised copy this return was made from ('' for the blank workbook).
    copy_id: str = ""
    #: The respondent within the partner (issue 25): "" where the partner has one respondent,
    #: or the return was built before respondents existed.
    respondent_id: str = ""
    #: The workbook was built for an anonymous round (meta key "anonymous", issue 25).
    anonymous: bool = False
    #: The round the workbook was built for ('' for workbooks from before rounds).
    round: str = ""
    #: The partnership's name the workbook was built with ('' when none was given).
    partnership: str = ""
    mtime: float = 0.0
    responses: dict[str, Response] = field(default_factory=dict)
    extra: list[ExtraRow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    superseded_by: Path | None = None
    rated_total: int = 0
    #: True when dates had to be read from their serial numbers (see the reader).
    dates_as_numbers: bool = False
    #: True when its copy id checks out: against the manifest, or (without one) as a copy
    #: id no other return disputes. A return that is not never supersedes one that is.
    identity_verified: bool = False
    #: Findings not kept, by code, past MAX_FINDINGS_PER_CODE of one code.
    omitted: dict[Code, Omitted] = field(default_factory=dict)

    @property
    def file(self) -> str:
        """The file as the coordinator named it (bytes that are not UTF-8 shown as \\xe9)."""
        return name_safe(self.path)

    @property
    def answered(self) -> int:
        """Rated questions answered with an option from the scale."""
        packed = self._still_packed()
        if packed is not None:
            return sum(
                1
                for rated, label in zip(packed["rated"], packed["rating_label"], strict=True)
                if rated and label
            )
        return sum(1 for r in self.responses.values() if r.rated and r.answered)

    def column(self, name: str) -> tuple[Any, ...]:
        """One field of every answer, in question order, without making Response objects."""
        packed = self._still_packed()
        if packed is not None:
            if name not in packed:
                return self.__dict__["_text"].values(name)  # type: ignore[no-any-return]
            return packed[name]
        return tuple(getattr(r, name) for r in self.responses.values())

    def packed_text(self) -> PackedText | None:
        """The answers' text as one blob, while the answers are still packed (None once
        ``responses`` has been made, or where the text travelled as it was)."""
        if self._still_packed() is None:
            return None
        return self.__dict__.get("_text")

    def _still_packed(self) -> dict[str, tuple[Any, ...]] | None:
        if "responses" in self.__dict__:
            return None
        return self.__dict__.get("_packed")

    # A worker sends each Return to the main process. Packed as one tuple per field, the
    # answers pickle smaller and unpickle without making 60 objects a return; they are made
    # only if something asks for ``responses`` (the tidy table reads the columns).
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_kept", None)
        packed = state.pop("_packed", None)
        text = state.pop("_text", None)
        responses = state.pop("responses", None)
        if responses is None and packed is not None:
            state["_packed"] = packed
            if text is not None:
                state["_text"] = text
        if responses is not None:
            shared: dict[CellColumns, CellColumns] = {}
            cells = tuple(_pack_cells(r, shared) for r in responses.values())
            state["_packed"] = {
                name: cells
                if name == "cells"
                else tuple(getattr(r, name) for r in responses.values())
                for name in RESPONSE_FIELDS
            }
            text = pack_text(state["_packed"], RESPONSE_FIELDS, _REPEATED)
            if text is not None:
                state["_text"] = text
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        packed = state.get("_packed")
        if packed is not None:
            # Ids, labels and sheet names are the same few strings in every return: one copy
            # each, not one per return (at 11,000 returns, about 90 MB).
            for name in _REPEATED:
                packed[name] = tuple(_intern(v) for v in packed[name])
        self.__dict__.update(state)

    def __getattr__(self, name: str) -> Any:
        # Reached only when ``responses`` is not yet made from the packed columns.
        packed = self.__dict__.get("_packed")
        if name != "responses" or packed is None:
            raise AttributeError(name)
        text = self.__dict__.get("_text")
        columns = {**packed, **{n: text.values(n) for n in text.names}} if text else packed
        made = {}
        for values in zip(*(columns[f] for f in RESPONSE_FIELDS), strict=True):
            response = Response(*values)
            response.cells = _unpack_cells(values[-1], response.row)
            made[response.question_id] = response
        self.__dict__["responses"] = made
        return made

    @property
    def read(self) -> bool:
        """True unless the file was refused."""
        return self.status is not Status.REFUSED

    @property
    def counts(self) -> bool:
        """True when the return is in the comparison: read, not superseded, not held."""
        return self.status not in (Status.REFUSED, Status.SUPERSEDED, Status.HELD)

    def count(self, severity: Severity) -> int:
        """Findings of one severity: the true number, including those not kept."""
        kept = sum(
            1
            for f in self.findings
            if f.severity is severity and f.code is not Code.FINDINGS_CAPPED
        )
        return kept + sum(o.count for code, o in self.omitted.items() if code.severity is severity)

    def kept(self) -> dict[Code, int]:
        """How many findings of each code are kept: counted once, then kept up to date by
        :meth:`note` (so a note costs no count of the list). Not sent between processes."""
        kept: dict[Code, int] | None = self.__dict__.get("_kept")
        if kept is None:
            kept = {}
            for f in self.findings:
                kept[f.code] = kept.get(f.code, 0) + 1
            self.__dict__["_kept"] = kept
        return kept

    @property
    def finding_total(self) -> int:
        """Every finding about this file, including those not kept."""
        return sum(self.count(s) for s in Severity)

    def note(self, code: Code, sheet: str = "", cell: str = "", **params: Any) -> None:
        """Add a finding about this file, from the catalogue; past MAX_FINDINGS_PER_CODE of
        one code it is counted (with its cell) instead of kept."""
        kept = self.kept()
        if kept.get(code, 0) >= MAX_FINDINGS_PER_CODE:
            self.omitted.setdefault(code, Omitted()).add(sheet, cell)
            return
        kept[code] = kept.get(code, 0) + 1
        self.findings.append(finding(code, self.file, sheet, cell, **params))

    def refuse(self, code: Code, **params: Any) -> Return:
        """Mark the whole file refused, with one finding that says why; nothing is kept."""
        self.findings = [finding(code, self.file, **params)]
        self.omitted = {}
        self.__dict__["_kept"] = {code: 1}
        self.status = Status.REFUSED
        self.responses = {}
        return self

    def summarise_omitted(self) -> None:
        """One finding per code with findings not kept: how many, and their first cells."""
        if self.omitted:
            self.findings = [f for f in self.findings if f.code is not Code.FINDINGS_CAPPED]
            self.findings += omitted_findings(self.file, self.omitted, self.kept())

    def finish(self) -> Return:
        """Set the status from the findings (a refused file stays refused)."""
        if self.status is Status.REFUSED:
            return self
        self.summarise_omitted()
        if any(f.severity is Severity.ERROR for f in self.findings):
            self.status = Status.ERRORS
        elif self.answered < self.rated_total:
            self.status = Status.INCOMPLETE
        elif any(f.severity is Severity.WARNING for f in self.findings):
            self.status = Status.WARNINGS
        else:
            self.status = Status.OK
        return self


@dataclass
class CheckResult:
    """Every file read (or refused), and the tool's own outputs found in the folders."""

    returns: list[Return]
    ignored: list[Path] = field(default_factory=list)
    #: The partners from partners.csv, when it was given.
    partners: list[Partner] | None = None
    #: Notes about the run as a whole, e.g. that identity was not verified.
    notes: list[str] = field(default_factory=list)
    #: The round being collated ('' when no return says).
    round: str = ""
    #: Findings about the run's other inputs, e.g. a manifest giving one copy id twice.
    run_findings: list[Finding] = field(default_factory=list)
    #: The coordinator's decisions applied (ratings map, overrides), each in a sentence.
    decisions: list[str] = field(default_factory=list)

    @property
    def not_returned(self) -> list[Partner]:
        """Partners in partners.csv with no return that counts, in file order."""
        if self.partners is None:
            return []
        returned = {r.partner_id.casefold() for r in self.counted}
        return [p for p in self.partners if p.partner_id.casefold() not in returned]

    @property
    def incomplete(self) -> list[Return]:
        """Returns that count but answer fewer than all their rated questions."""
        return [r for r in self.counted if r.answered < r.rated_total]

    def counts(self) -> dict[str, int]:
        """How many files (and partners) are in each state, for scripts."""
        by_status = {s: sum(1 for r in self.returns if r.status is s) for s in Status}
        return {
            "files": len(self.returns),
            "ok": by_status[Status.OK],
            "warnings": by_status[Status.WARNINGS],
            "errors": by_status[Status.ERRORS],
            "refused": by_status[Status.REFUSED],
            "superseded": by_status[Status.SUPERSEDED],
            "held": by_status[Status.HELD],
            "incomplete": len(self.incomplete),
            "not_returned": len(self.not_returned),
        }

    @property
    def findings(self) -> list[Finding]:
        """Every finding: the run's own first, then file by file, in file order."""
        return self.run_findings + [f for r in self.returns for f in r.findings]

    def count(self, severity: Severity) -> int:
        """Findings of one severity in the whole run: the true number, including those a
        file did not keep (see MAX_FINDINGS_PER_CODE)."""
        run = sum(1 for f in self.run_findings if f.severity is severity)
        return run + sum(r.count(severity) for r in self.returns)

    @property
    def counted(self) -> list[Return]:
        """Returns that were read and not superseded or held: the ones that count."""
        return [r for r in self.returns if r.counts]

    @property
    def exit_code(self) -> int:
        """0 when no file is refused and no counted return has an error; else 1."""
        refused = any(r.status in (Status.REFUSED, Status.HELD) for r in self.returns)
        errors = any(r.count(Severity.ERROR) for r in self.counted)
        run_errors = any(f.severity is Severity.ERROR for f in self.run_findings)
        return 1 if refused or errors or run_errors else 0

    def summary(self) -> str:
        """One line: files by status, then findings by severity."""
        by_status = {s: sum(1 for r in self.returns if r.status is s) for s in Status}
        words = {
            Status.OK: "ok",
            Status.WARNINGS: "with warnings",
            Status.ERRORS: "with errors",
            Status.REFUSED: "refused",
            Status.SUPERSEDED: "superseded",
            Status.HELD: "held",
            Status.INCOMPLETE: "incomplete",
        }
        parts = [f"{n} {words[s]}" for s, n in by_status.items() if n]
        counts = [
            counted(self.count(s), name)
            for s, name in (
                (Severity.ERROR, "error"),
                (Severity.WARNING, "warning"),
                (Severity.INFO, "note"),
            )
        ]
        head = counted(len(self.returns), "file")
        text = f"{head}: {', '.join(parts) or 'none'}. Findings: {', '.join(counts)}."
        if self.partners is not None:
            listed = counted(len(self.partners), "partner")
            text += f" Not returned: {len(self.not_returned)} of {listed}."
        return text
