"""Text a partner wrote outside the answer columns of a theme sheet (issue 23): in a column
the contract does not know (an inserted "Notes" column), in a row below the table, or on a
row that matches no question. Nothing a partner wrote is dropped.

Each piece is kept, with its cell, in the ``extra_text`` of the question whose row it is on
(or, off any question's row, the question above it on the sheet: the nearest the partner
put it), so it reaches the tidy table's ``extra_text`` column and the Evidence sheet, and
each cell gets an ``extra-text-kept`` finding naming it.

Why a column and not rows of their own: every row of the tidy table is one partner's
answer to one question, which the comparison, last round's pre-fill and the analysts'
scripts all rely on; a row with no question would break each of them, and a column after
the others breaks none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lsp_xlsx.core.findings import Code
from lsp_xlsx.core.xmlrows import column_letter
from lsp_xlsx.returns.cells import as_text, is_empty, summary
from lsp_xlsx.returns.model import Return
from lsp_xlsx.workbook import contract as C

#: The label of a column the builder writes that no partner answers in (pre-filled copies).
_BUILDERS_OWN = {C.normalise_label(C.LAST_RATING.label)}
#: How much of a piece of text a finding quotes (all of it is kept).
_QUOTED = 60


def column_roles(header: list[Any], known: set[int]) -> tuple[set[int], dict[int, str]]:
    """The columns not to look in (the contract's, and the builder's own "Last rating"),
    and the labels of the header's other columns by index: a column with no label is named
    by its letter when text is found in it."""
    skip, labels = set(known), {}
    for col, value in enumerate(header):
        if col in known or is_empty(value):
            continue
        label = " ".join(as_text(value)[0].split())
        if C.normalise_label(label) in _BUILDERS_OWN:
            skip.add(col)
        else:
            labels[col] = label
    return skip, labels


@dataclass
class ExtraText:
    """The text found outside the answer columns of one return, by question id."""

    ret: Return
    by_question: dict[str, list[str]] = field(default_factory=dict)
    #: Pieces on a sheet before its first question's row, waiting for that question.
    waiting: dict[str, list[str]] = field(default_factory=dict)
    #: The last question read on each sheet: where text below or between rows goes.
    last: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def cells(
        index: int, row: list[Any], others: list[int], labels: dict[int, str]
    ) -> list[tuple[str, str, str]]:
        """(column words, cell, text) for each non-empty cell of ``row`` in the columns
        ``others`` (the sheet's columns not skipped, see :func:`column_roles`): only those
        are looked at, so a sheet as built costs a few comparisons a row."""
        found = []
        width = len(row)
        for col in others:
            value = row[col] if col < width else None
            if is_empty(value):
                continue
            text = as_text(value)[0]
            if not text.strip():
                continue
            letter = column_letter(col + 1)
            words = labels.get(col) or f"column {letter}"
            found.append((words, f"{letter}{index + 1}", text))
        return found

    def keep(self, sheet: str, qid: str | None, found: list[tuple[str, str, str]]) -> None:
        """Keep each piece with ``qid`` (or the question above it) and note its cell."""
        target = qid or self.last.get(sheet, "")
        for words, cell, text in found:
            piece = f"{words} ('{sheet}'!{cell}): {text}"
            self._add(sheet, target, piece)
            short = " ".join(text.split())
            self.ret.note(
                Code.EXTRA_TEXT_KEPT,
                sheet,
                cell,
                column=words,
                text=short[:_QUOTED] + ("…" if len(short) > _QUOTED else ""),
                raw=short[:30],
                id=target or "the sheet's first question",
            )

    def keep_row(
        self, sheet: str, row: int, why: str, values: dict[str, str], always: bool = False
    ) -> None:
        """A row kept apart (no ID, an unknown or repeated ID), already reported: its
        answers (or, ``always``, the ID typed alone) kept beside the question above it."""
        if values or always:
            said = f": {summary(values)}" if values else ""
            self._add(sheet, self.last.get(sheet, ""), f"'{sheet}' row {row} ({why}){said}")

    def matched(self, sheet: str, qid: str) -> None:
        """A question's row was read: it takes what was waiting, and what follows."""
        self.last[sheet] = qid
        for piece in self.waiting.pop(sheet, []):
            self.by_question.setdefault(qid, []).append(piece)

    def _add(self, sheet: str, qid: str, piece: str) -> None:
        if qid:
            self.by_question.setdefault(qid, []).append(piece)
        else:
            self.waiting.setdefault(sheet, []).append(piece)

    def left_waiting(self) -> list[str]:
        """Pieces on sheets where no question was read at all."""
        return [piece for pieces in self.waiting.values() for piece in pieces]
