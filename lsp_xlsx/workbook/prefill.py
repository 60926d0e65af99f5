"""Last round's answers, to pre-fill this round's workbooks: partners update, not retype.

:func:`load_prefill` reads last round's tidy table (``responses.csv``) into a
:class:`Prefill` per partner. The builder puts the rating label in a read-only "Last
rating" column and the texts in the answer cells; "Rating" is left empty, so that every
partner re-rates deliberately. A question new in this framework version gets nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lsp_xlsx.core.errors import LspXlsxError, TidyTableError
from lsp_xlsx.core.findings import Code, Finding, finding
from lsp_xlsx.core.text import EXCEL_CELL_LIMIT

#: What is carried over: the tidy table's column -> the theme sheet's column key.
CARRIED = {
    "rating_label": "last_rating",
    "evidence": "evidence",
    "evidence_source": "evidence_source",
    "improvement_action": "improvement_action",
    "lead": "lead",
    "target_date": "target_date",
}


class PrefillError(LspXlsxError):
    """Last round's responses.csv cannot be used to pre-fill."""


@dataclass(frozen=True)
class Prefill:
    """One partner's answers from last round, by question id and column key."""

    round: str
    answers: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


class PrefillSet(dict[str, Prefill]):
    """Each partner's :class:`Prefill` by partner id, with what was noticed reading the table:
    a text cut to fit a cell, a Windows-1252 or semicolon CSV."""

    def __init__(self, prefills: dict[str, Prefill], findings: list[Finding]) -> None:
        super().__init__(prefills)
        #: Warnings and notes to show the coordinator (never errors: those raise).
        self.findings = findings


_ADVICE = "Give --prefill last round's responses.csv (or .parquet), as collate wrote it."


def _cut(path: Path, row: dict[str, str], column: str, text: str) -> Finding:
    """The notice that a carried text is over Excel's cell limit, and is cut in the cell."""
    return finding(
        Code.PREFILL_TEXT_CUT,
        path.name,
        where=f"{path.name}, partner '{row['partner_id']}', question '{row['question_id']}'",
        column=column.replace("_", " "),
        partner=row.get("partner") or row["partner_id"],
        question=row["question_id"],
        length=f"{len(text):,}",
    )


def load_prefill(path: Path) -> PrefillSet:
    """Last round's answers, by partner id (case as written), from its responses.csv.

    Read by :func:`~lsp_xlsx.core.tidy_files.read_tidy_text`, under its limits and with no
    limit on one answer's length: a text over Excel's cell limit is carried whole, cut by
    the cell writer (visibly, as every cut is), with a ``prefill-text-cut`` finding."""
    from lsp_xlsx.core.tidy_files import read_tidy_text

    needed = ("partner_id", "question_id", *CARRIED)
    try:
        frame = read_tidy_text(path, needed, _ADVICE)
    except TidyTableError as exc:
        raise PrefillError(str(exc)) from None
    findings: list[Finding] = list(frame.attrs.get("findings", []))
    answers: dict[str, dict[str, dict[str, str]]] = {}
    rounds: dict[str, str] = {}
    has_round = "round" in frame.columns
    records: list[dict[str, str]] = frame.to_dict("records")  # type: ignore[assignment]
    for row in records:
        pid = str(row["partner_id"])
        carried = {key: str(row.get(column) or "") for column, key in CARRIED.items()}
        for column, key in CARRIED.items():
            if len(carried[key]) > EXCEL_CELL_LIMIT:
                findings.append(_cut(path, row, column, carried[key]))
        answers.setdefault(pid, {})[str(row["question_id"])] = carried
        rounds.setdefault(pid, str(row["round"]) if has_round else "")
    prefills = {pid: Prefill(rounds[pid] or "last round", qs) for pid, qs in answers.items()}
    return PrefillSet(prefills, findings)
